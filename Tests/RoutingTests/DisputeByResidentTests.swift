import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// A resident's own dispute (`appeal.disputed` from intake, issue 15), decided by routing as the
/// system: accepted within one month after the resident received the answer (the answer's day, or a
/// later day the resident names), even on a closed ticket; refused otherwise with a code the
/// tracking page shows. In memory, no servers.
final class DisputeByResidentTests: XCTestCase {
    static func noon(_ day: String) -> Date { ISO8601.parse("\(day)T12:00:00+02:00")! }

    static func ticket(
        answeredOn: String, authority: String = "zhkg", status: TicketStatus = .answered,
        kind: AppealKind = .application,
        against: String? = nil
    ) -> Ticket {
        let registered = LocalDate(string: answeredOn)!.adding(days: -10)
        return Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000015", authority: authority, status: status,
            priority: false, category: "heating", kind: kind, subject: "Немає опалення", against: against,
            registeredAt: noon(registered.description), registeredOn: registered,
            deadline: registered.adding(days: 15), outcome: .refused,
            answerText: "Відмовлено: ремонт у 2027 році.",
            answeredAt: noon(answeredOn),
            closedAt: status == .closed ? noon(answeredOn).addingTimeInterval(86_400) : nil)
    }

    static func dispute(_ ticket: Ticket, on day: String, learnedOn: String? = nil) -> AppealDisputed {
        AppealDisputed(
            appealId: ticket.appealId, registrationNumber: ticket.registrationNumber, authority: ticket.authority,
            reason: "Не згодна: батареї холодні досі.",
            learnedOn: learnedOn.flatMap(LocalDate.init(string:)),
            via: .resident, disputedAt: noon(day))
    }

    func decide(_ ticket: Ticket?, on day: String, learnedOn: String? = nil) -> ResidentDispute.Decision {
        let t = ticket ?? Self.ticket(answeredOn: "2026-11-27")
        return ResidentDispute.decide(
            Self.dispute(t, on: day, learnedOn: learnedOn), disputeId: UUID(), ticket: ticket, hierarchy: .seed,
            now: Self.noon(day))
    }

    func accepted(_ decision: ResidentDispute.Decision, file: StaticString = #filePath, line: UInt = #line)
        -> (TicketTransition, AppealDisputeAccepted)?
    {
        guard case .accepted(let transition) = decision,
            let event = transition.events.compactMap({ $0 as? AppealDisputeAccepted }).first
        else {
            XCTFail("not accepted: \(decision)", file: file, line: line)
            return nil
        }
        return (transition, event)
    }

    func refusal(_ decision: ResidentDispute.Decision, file: StaticString = #filePath, line: UInt = #line)
        -> AppealDisputeRefused?
    {
        guard case .refused(let refused, _) = decision else {
            XCTFail("not refused: \(decision)", file: file, line: line)
            return nil
        }
        return refused
    }

    func testWithinAMonthOfTheAnswerTheComplaintGoesToTheBodyAbove() throws {
        let ticket = Self.ticket(answeredOn: "2026-11-27")
        let (transition, event) = try XCTUnwrap(accepted(decide(ticket, on: "2026-12-27")))
        XCTAssertEqual(transition.ticket.authority, "executive-committee")
        XCTAssertEqual(transition.ticket.status, .reopened)
        XCTAssertEqual(transition.ticket.kind, .complaint)
        XCTAssertEqual(transition.ticket.against, "zhkg")
        XCTAssertEqual(transition.history.action, "disputed")
        XCTAssertEqual(transition.history.actor, ResidentDispute.actor.id)
        XCTAssertEqual(event.authority, "zhkg", "the body that answered: its officials are told")
        XCTAssertEqual(event.complaintTo, "executive-committee")
        XCTAssertEqual(event.lastDay, LocalDate(string: "2026-12-27"))
        let types = transition.events.map { type(of: $0).eventType }
        XCTAssertEqual(types, [TicketAssigned.eventType, TicketReopened.eventType, AppealDisputeAccepted.eventType])
    }

    func testAClosedTicketIsStillDisputableInsideTheMonth() throws {
        let ticket = Self.ticket(answeredOn: "2026-11-27", status: .closed)
        let (transition, _) = try XCTUnwrap(accepted(decide(ticket, on: "2026-12-20")))
        XCTAssertEqual(transition.ticket.status, .reopened)
        XCTAssertNil(transition.ticket.closedAt)
    }

    func testOutsideTheMonthItIsRefusedWithTheLastDay() throws {
        for status in [TicketStatus.answered, .closed] {
            let ticket = Self.ticket(answeredOn: "2026-11-27", status: status)
            let decision = decide(ticket, on: "2026-12-28")
            let refused = try XCTUnwrap(refusal(decision))
            XCTAssertEqual(refused.code, DisputeRefusalCode.late.rawValue)
            XCTAssertEqual(refused.lastDay, LocalDate(string: "2026-12-27"))
            guard case .refused(_, let history?) = decision else { return XCTFail("no history row") }
            XCTAssertEqual(history.ticket, ticket, "the ticket does not change")
            XCTAssertEqual(history.history.action, "dispute-refused")
        }
    }

    func testALaterLearnedOnMovesTheMonth() throws {
        let ticket = Self.ticket(answeredOn: "2026-11-27")
        // Received (learned of) on 20 December: in time until 20 January.
        let (_, event) = try XCTUnwrap(accepted(decide(ticket, on: "2027-01-15", learnedOn: "2026-12-20")))
        XCTAssertEqual(event.lastDay, LocalDate(string: "2027-01-20"))
        let late = try XCTUnwrap(refusal(decide(ticket, on: "2027-01-21", learnedOn: "2026-12-20")))
        XCTAssertEqual(late.code, DisputeRefusalCode.late.rawValue)
    }

    func testALearnedOnBeforeTheAnswerOrInTheFutureIsRefused() throws {
        let ticket = Self.ticket(answeredOn: "2026-11-27")
        for learned in ["2026-11-26", "2026-12-11"] {
            let refused = try XCTUnwrap(refusal(decide(ticket, on: "2026-12-10", learnedOn: learned)))
            XCTAssertEqual(refused.code, DisputeRefusalCode.learnedOnInvalid.rawValue, learned)
        }
    }

    func testNoAnswerAlreadyDisputedAndTheTopOfTheHierarchyAreRefused() throws {
        let open = Self.ticket(answeredOn: "2026-11-27", status: .accepted)
        XCTAssertEqual(try XCTUnwrap(refusal(decide(open, on: "2026-12-01"))).code, "not-answered")
        let reopened = Self.ticket(
            answeredOn: "2026-11-27", authority: "executive-committee", status: .reopened, kind: .complaint,
            against: "zhkg")
        let again = ResidentDispute.decide(
            AppealDisputed(
                appealId: reopened.appealId, registrationNumber: reopened.registrationNumber, authority: "zhkg",
                reason: "ще раз", via: .resident, disputedAt: Self.noon("2026-12-01")),
            disputeId: UUID(), ticket: reopened, hierarchy: .seed, now: Self.noon("2026-12-01"))
        XCTAssertEqual(try XCTUnwrap(refusal(again)).code, "already-disputed")
        let top = Self.ticket(answeredOn: "2026-11-27", authority: "executive-committee")
        XCTAssertEqual(try XCTUnwrap(refusal(decide(top, on: "2026-12-01"))).code, "no-higher-body")
        XCTAssertEqual(try XCTUnwrap(refusal(decide(nil, on: "2026-12-01"))).code, "not-answered")
    }

    /// Intake's immediate check (`DisputeWindow`, Gregorian months) and routing's authority
    /// (`ComplaintTerm`, `LawCalendar`) agree on every day of two years, month ends and 29 February
    /// included, with and without a later learned day.
    func testIntakesWindowAgreesWithRoutingsTerm() {
        var day = LocalDate(string: "2027-01-01")!
        while day < LocalDate(string: "2029-01-01")! {
            for learned in [nil, day.adding(days: 3)] {
                XCTAssertEqual(
                    DisputeWindow.lastDay(answeredOn: day, learnedOn: learned),
                    ComplaintTerm.lastDay(decidedOn: day, learnedOn: learned ?? day),
                    "\(day) \(String(describing: learned))")
            }
            day = day.adding(days: 1)
        }
    }
}
