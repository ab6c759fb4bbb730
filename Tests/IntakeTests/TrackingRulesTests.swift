import Foundation
import HromadaContracts
import HromadaWeb
import XCTest

@testable import Intake

/// The resident-status projection's mapping from routing events to public facts, in memory.
final class TrackingRulesTests: XCTestCase {
    let ticket = UUID()
    let appeal = UUID()
    let number = "MK-2026-000042"
    let at = Date(timeIntervalSince1970: 1_790_000_000)
    let deadline = LocalDate(string: "2026-10-01")!

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appeal, causationId: nil, producer: "hromada-routing")
    }

    func update<E: DomainEvent>(_ event: E) throws -> TrackingUpdate? {
        try TrackingUpdate.from(envelope(event))
    }

    func testEveryRoutingEventMapsToItsPublicStatus() throws {
        let assigned = try XCTUnwrap(
            update(
                TicketAssigned(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    category: "heating",
                    priority: false, deadline: deadline, assignedAt: at, reason: "rule")))
        XCTAssertEqual(
            assigned,
            TrackingUpdate(
                registrationNumber: number, status: .assigned, authority: "zhkg",
                deadline: deadline, note: "reason:rule", occurredAt: at))
        let accepted = try XCTUnwrap(
            update(
                TicketAccepted(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    officialId: "secret-official",
                    acceptedAt: at)))
        XCTAssertEqual(
            accepted, TrackingUpdate(registrationNumber: number, status: .accepted, authority: "zhkg", occurredAt: at))
        let forwarded = try XCTUnwrap(
            update(
                TicketForwarded(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "transport",
                    fromAuthority: "zhkg",
                    officialId: "secret-official", reason: "private reason", forwardedAt: at, deadline: deadline)))
        XCTAssertEqual(
            forwarded,
            TrackingUpdate(
                registrationNumber: number, status: .forwarded, authority: "transport",
                deadline: deadline, note: "from:zhkg", occurredAt: at))
        let later = deadline.adding(days: 15)
        let extended = try XCTUnwrap(
            update(
                TicketExtended(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    officialId: "secret-official",
                    reason: "private reason", previousDeadline: deadline, newDeadline: later, extendedAt: at)))
        XCTAssertEqual(
            extended,
            TrackingUpdate(
                registrationNumber: number, status: .extended, authority: "zhkg",
                deadline: later, note: "previous-deadline:\(deadline)", occurredAt: at))
        let answered = try XCTUnwrap(
            update(
                TicketAnswered(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    officialId: "secret-official",
                    outcome: .resolvedPositively, answerText: "private answer", answeredAt: at)))
        XCTAssertEqual(answered.status, .answered)
        XCTAssertEqual(answered.note, "outcome:\(AnswerOutcome.resolvedPositively.rawValue)")
        let reopened = try XCTUnwrap(
            update(
                TicketReopened(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    reopenedBy: "secret-official",
                    reason: "private reason", reopenedAt: at, deadline: later)))
        XCTAssertEqual(
            reopened,
            TrackingUpdate(
                registrationNumber: number, status: .reopened, authority: "zhkg",
                deadline: later, occurredAt: at))
        let closed = try XCTUnwrap(
            update(
                TicketClosed(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg", closedAt: at,
                    closedBy: "secret-official")))
        XCTAssertEqual(
            closed, TrackingUpdate(registrationNumber: number, status: .closed, authority: "zhkg", occurredAt: at))
        let returned = try XCTUnwrap(
            update(
                AppealReturned(
                    appealId: appeal, registrationNumber: number, reason: "private reason", returnedAt: at,
                    returnedBy: "secret")))
        XCTAssertEqual(returned, TrackingUpdate(registrationNumber: number, status: .returned, occurredAt: at))

        // No private fact leaks into the resident's view.
        for u in [assigned, accepted, forwarded, extended, answered, reopened, closed, returned] {
            let text = "\(u)"
            XCTAssertFalse(text.contains("secret"), text)
            XCTAssertFalse(text.contains("private"), text)
        }
    }

    func testEventsOutsideTheResidentsViewAreIgnored() throws {
        XCTAssertNil(
            try update(
                TicketDeadlineApproaching(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    deadline: deadline,
                    daysLeft: 2, raisedAt: at)))
    }

    func testAPayloadThatContradictsItsTypeIsAContractError() throws {
        var broken = try envelope(
            TicketAccepted(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg", officialId: "o",
                acceptedAt: at))
        broken.payload = .object(["registrationNumber": .int(7)])
        XCTAssertThrowsError(try TrackingUpdate.from(broken)) { XCTAssertTrue($0 is ContractError, "\($0)") }
    }

    func testLatestEventByOccurrenceSetsTheState() {
        let u = TrackingUpdate(registrationNumber: number, status: .accepted, occurredAt: at)
        XCTAssertTrue(u.setsCurrentState(lastEventAt: nil))
        XCTAssertTrue(u.setsCurrentState(lastEventAt: at))
        XCTAssertTrue(u.setsCurrentState(lastEventAt: at.addingTimeInterval(-1)))
        XCTAssertFalse(u.setsCurrentState(lastEventAt: at.addingTimeInterval(1)), "an older retry does not win")
    }

    func testOpen311ClosedStatuses() {
        // Issue 20 adds "not considered" (Art. 8), decided by routing's head: closed too.
        XCTAssertEqual(
            Set(PublicStatus.allCases.filter(\.isClosed)), [.answered, .closed, .returned, .notConsidered])
        XCTAssertEqual(TrackingProjection.bindings, ["ticket.#", "appeal.returned.#", "appeal.not-considered.#"])
    }

    /// `appeal.not-considered` (produced by routing) sets the status; the ground code is public,
    /// the written notice and who decided stay out of the resident's view.
    func testNotConsideredIsFollowed() throws {
        let u = try XCTUnwrap(
            update(
                AppealNotConsidered(
                    appealId: appeal, registrationNumber: number, ticketId: ticket, authority: "zhkg",
                    ground: "repeat-decided", notice: "private notice", decidedBy: "secret-head", decidedAt: at)))
        XCTAssertEqual(
            u,
            TrackingUpdate(
                registrationNumber: number, status: .notConsidered, authority: "zhkg", note: "ground:repeat-decided",
                occurredAt: at))
        XCTAssertFalse("\(u)".contains("secret") || "\(u)".contains("private"))
        XCTAssertEqual(PublicStatus.notConsidered.rawValue, "not-considered")
    }

    func testEveryStatusHasAPageNameInBothLanguages() throws {
        // The words now live in the web kit's catalogue (one vocabulary for every UI), merged with
        // intake's as the pages see it; keys use `_` for the status's `-` (`status_not_considered`).
        let site = try WebSite(
            settings: .local(service: "intake", port: 8080), bundle: Bundle.module, templates: [],
            sessionStore: SignedCookieSessionStore(secret: .random(), cookieName: "hromada_intake"))
        let strings = IntakeStrings(catalogue: site.catalogue)
        for status in PublicStatus.allCases {
            let key = "status_" + status.rawValue.replacingOccurrences(of: "-", with: "_")
            let uk = strings.string(key, .uk)
            let en = strings.string(key, .en)
            XCTAssertNotEqual(uk, key)
            XCTAssertNotEqual(uk, en)
        }
        XCTAssertEqual(strings.string("status_answered", .en), "Answered")
    }
}
