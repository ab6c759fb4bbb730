import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// A resident's dispute of an answer is a complaint (Art. 16–17): it goes to the body above the
/// one that answered, carries the answer's date and the day the resident learned of it, and its
/// term is checked (month ends, leap years, the one-year limit, restoration). A complaint's own
/// dates from intake win over what routing knows. In memory, no servers.
final class DisputeRulesTests: XCTestCase {
    let reception = TicketSamples.reception
    let zhkgOfficial = TicketSamples.zhkgOfficial
    let committeeHead = Principal(
        id: "d1500000-0000-4000-8000-000000000003", name: "Мер", role: .head, authority: "executive-committee")
    let committeeOfficial = Principal(
        id: "d1500000-0000-4000-8000-000000000004", name: "Ганна", role: .official,
        authority: "executive-committee")

    static func date(_ s: String) -> LocalDate { LocalDate(string: s)! }
    /// Noon in Kyiv on `day`.
    static func noon(_ day: String) -> Date { ISO8601.parse("\(day)T12:00:00+02:00")! }

    /// A ticket answered by `authority` at noon on `answeredOn`.
    static func answered(
        on answeredOn: String, authority: String = "zhkg", status: TicketStatus = .answered
    ) -> Ticket {
        let registered = date(answeredOn).adding(days: -10)
        return Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000009", authority: authority, status: status,
            priority: false, category: "heating", kind: .application, subject: "Немає опалення",
            against: nil,
            registeredAt: noon(registered.description), registeredOn: registered,
            deadline: registered.adding(days: 15), outcome: .explained, answerText: "Роз'яснено.",
            answeredAt: noon(answeredOn), closedAt: status == .closed ? noon(answeredOn) : nil)
    }

    func dispute(
        _ ticket: Ticket, on day: String, learnedOn: String? = nil, by actor: Principal? = nil,
        hierarchy: AuthorityHierarchy = .seed
    ) -> Result<TicketTransition, TicketRefusal> {
        ticket.apply(
            .dispute(reason: "Мешканка не згодна з відповіддю", learnedOn: learnedOn),
            by: actor ?? reception,
            at: Self.noon(day), today: Self.date(day), hierarchy: hierarchy)
    }

    func run(_ result: Result<TicketTransition, TicketRefusal>, file: StaticString = #filePath, line: UInt = #line)
        throws -> TicketTransition
    {
        switch result {
        case .success(let t): return t
        case .failure(let refusal):
            XCTFail("refused: \(refusal)", file: file, line: line)
            throw refusal
        }
    }

    func refusal(_ result: Result<TicketTransition, TicketRefusal>) -> TicketRefusal? {
        if case .failure(let refusal) = result { return refusal }
        XCTFail("expected a refusal")
        return nil
    }

    // MARK: Upward (Art. 16)

    func testADisputeGoesToTheBodyAboveTheOneThatAnsweredAsAComplaint() throws {
        let ticket = Self.answered(on: "2026-11-10")
        let t = try run(dispute(ticket, on: "2026-11-20", learnedOn: "2026-11-12"))
        XCTAssertEqual(t.ticket.authority, "executive-committee", "the seed: every body stands under the committee")
        XCTAssertEqual(t.ticket.status, .reopened)
        XCTAssertEqual(t.ticket.kind, .complaint)
        XCTAssertEqual(t.ticket.against, "zhkg", "a complaint against the body that answered")
        XCTAssertEqual(t.ticket.deadline, Self.date("2026-12-05"), "a fresh standard term from the dispute")
        XCTAssertNil(t.ticket.complaintTermMissed)
        XCTAssertEqual(t.history.action, "disputed")
        XCTAssertEqual(t.history.authority, "executive-committee")
        XCTAssertEqual(
            t.history.note,
            "Art. 16–17: dispute of the answer of zhkg (decided 2026-11-10, learned 2026-11-12) sent to "
                + "executive-committee; in time (until 2026-12-12): "
                + "Мешканка не згодна з відповіддю")
        XCTAssertEqual(t.events.map { type(of: $0).eventType }, ["ticket.assigned", "ticket.reopened"])
        let reopened = try XCTUnwrap(t.events.last as? TicketReopened)
        XCTAssertEqual(reopened.authority, "executive-committee")
        let assigned = try XCTUnwrap(t.events.first as? TicketAssigned)
        XCTAssertEqual(assigned.reason, "dispute-upward")
        XCTAssertEqual(assigned.previousAuthority, "zhkg")
        XCTAssertEqual(assigned.authority, "executive-committee")
        // The body above now holds it: the answering body's official no longer may act on it.
        let answer = TicketCommand.answer(
            outcome: "explained", text: "Роз'яснено ще раз, докладніше.")
        XCTAssertEqual(
            refusal(
                t.ticket.apply(answer, by: zhkgOfficial, at: Self.noon("2026-11-21"), today: Self.date("2026-11-21"))),
            .notFound)
        let answered = try run(
            t.ticket.apply(answer, by: committeeHead, at: Self.noon("2026-11-21"), today: Self.date("2026-11-21")))
        XCTAssertEqual(answered.ticket.status, .answered)
    }

    func testTheStoredHierarchyDecidesAndTheTopGoesToCourt() throws {
        let hierarchy = AuthorityHierarchy(parents: [
            "zhkg": "mayor-reception", "mayor-reception": "executive-committee",
        ])
        let t = try run(dispute(Self.answered(on: "2026-11-10"), on: "2026-11-20", hierarchy: hierarchy))
        XCTAssertEqual(t.ticket.authority, "mayor-reception", "the body directly above, never two steps up")
        // A dispute of the answer the body above gave goes one step further up.
        let answeredAbove = Self.answered(on: "2026-11-25", authority: "mayor-reception")
        XCTAssertEqual(
            try run(dispute(answeredAbove, on: "2026-11-26", hierarchy: hierarchy)).ticket.authority,
            "executive-committee")
        // Nothing stands above the executive committee: the author may go to court (Art. 16).
        let top = Self.answered(on: "2026-11-10", authority: "executive-committee")
        let refused = refusal(dispute(top, on: "2026-11-20"))
        XCTAssertEqual(refused, .law(.noHigherBody("executive-committee")))
        XCTAssertEqual(refused?.code, "no_higher_body")
        XCTAssertEqual(refused?.kind, .conflict)
    }

    func testOnlyReceptionRegistersADisputeOfAnAnsweredOrClosedTicket() throws {
        let ticket = Self.answered(on: "2026-11-10")
        XCTAssertEqual(refusal(dispute(ticket, on: "2026-11-20", by: zhkgOfficial)), .forbidden(.dispute))
        let reopened = try run(
            Self.answered(on: "2026-11-10").apply(
                .reopen(reason: "повторний розгляд"), by: reception, at: Self.noon("2026-11-11"),
                today: Self.date("2026-11-11"))
        ).ticket
        XCTAssertEqual(
            refusal(dispute(reopened, on: "2026-11-20")), .invalidTransition(from: .reopened, action: .dispute))
        // Taken off control by the rule ten days after the answer: still disputable within the term.
        let closed = Self.answered(on: "2026-11-10", status: .closed)
        let t = try run(dispute(closed, on: "2026-12-01"))
        XCTAssertEqual(t.ticket.status, .reopened)
        XCTAssertNil(t.ticket.closedAt)
        XCTAssertEqual(t.ticket.authority, "executive-committee")
    }

    // MARK: The dates (Art. 17)

    func testTheLearnedDayIsARealDateNotInTheFutureNotBeforeTheAnswer() {
        let ticket = Self.answered(on: "2026-11-10")
        let notADate = refusal(dispute(ticket, on: "2026-11-20", learnedOn: "2026-02-30"))
        XCTAssertEqual(notADate, .invalidDate(field: "learnedOn"))
        XCTAssertEqual(notADate?.kind, .invalid)
        let future = refusal(dispute(ticket, on: "2026-11-20", learnedOn: "2026-11-21"))
        XCTAssertEqual(future?.field, "learnedOn")
        XCTAssertEqual(future?.code, "invalid_date")
        XCTAssertEqual(future?.message, "learnedOn cannot be in the future")
        let early = refusal(dispute(ticket, on: "2026-11-20", learnedOn: "2026-11-09"))
        XCTAssertEqual(early?.field, "learnedOn")
        XCTAssertEqual(early?.message, "learnedOn cannot be before the answer disputed (2026-11-10)")
        XCTAssertEqual(early?.kind, .invalid)
    }

    func testAMonthFromLearningEndsAtTheMonthsEndInCommonAndLeapYears() throws {
        // Answered 31 January; learned the same day: the month ends 28 February (2027) ...
        let common = Self.answered(on: "2027-01-31")
        XCTAssertNil(try run(dispute(common, on: "2027-02-28")).ticket.complaintTermMissed)
        let lateCommon = try run(dispute(common, on: "2027-03-01"))
        XCTAssertEqual(lateCommon.ticket.complaintTermMissed, Self.date("2027-02-28"))
        XCTAssertTrue(lateCommon.history.note?.contains("filed after its term (2027-02-28)") == true)
        // ... and 29 February in a leap year (2028).
        let leap = Self.answered(on: "2028-01-31")
        XCTAssertNil(try run(dispute(leap, on: "2028-02-29")).ticket.complaintTermMissed)
        XCTAssertEqual(try run(dispute(leap, on: "2028-03-01")).ticket.complaintTermMissed, Self.date("2028-02-29"))
        // Learned later than the answer: the month counts from learning.
        XCTAssertNil(try run(dispute(common, on: "2027-03-20", learnedOn: "2027-02-20")).ticket.complaintTermMissed)
        XCTAssertEqual(
            try run(dispute(common, on: "2027-03-21", learnedOn: "2027-02-20")).ticket.complaintTermMissed,
            Self.date("2027-03-20"))
    }

    func testAtMostOneYearFromTheDecisionWhateverTheDayOfLearning() throws {
        // Answered on 29 February 2028; learned on 20 February 2029: the year ends 28 February 2029,
        // before the month from learning (20 March 2029) would.
        let answered = Self.answered(on: "2028-02-29")
        XCTAssertNil(
            try run(dispute(answered, on: "2029-02-28", learnedOn: "2029-02-20")).ticket.complaintTermMissed)
        XCTAssertEqual(
            try run(dispute(answered, on: "2029-03-01", learnedOn: "2029-02-20")).ticket.complaintTermMissed,
            Self.date("2029-02-28"))
    }

    func testALateDisputeWaitsForTheHeadAboveToRestoreTheTermForGoodCause() throws {
        let late = try run(dispute(Self.answered(on: "2027-01-31"), on: "2027-03-05")).ticket
        XCTAssertEqual(late.complaintTermMissed, Self.date("2027-02-28"))
        let answer = TicketCommand.answer(
            outcome: "explained", text: "Роз'яснено ще раз, докладніше.")
        let today = Self.date("2027-03-06")
        let at = Self.noon("2027-03-06")
        XCTAssertEqual(
            refusal(late.apply(answer, by: committeeHead, at: at, today: today)),
            .law(.complaintTermMissed(lastDay: Self.date("2027-02-28"))))
        let restore = TicketCommand.restoreTerm(
            reason: "Автор був на лікуванні, довідка додана.")
        XCTAssertEqual(refusal(late.apply(restore, by: committeeOfficial, at: at, today: today)), .law(.headOnly))
        XCTAssertEqual(
            refusal(late.apply(.restoreTerm(reason: "хворів"), by: committeeHead, at: at, today: today))?.code,
            "reasons_required")
        let restored = try run(late.apply(restore, by: committeeHead, at: at, today: today))
        XCTAssertNil(restored.ticket.complaintTermMissed)
        XCTAssertEqual(
            try run(restored.ticket.apply(answer, by: committeeHead, at: at, today: today)).ticket.status,
            .answered)
    }

    // MARK: A complaint's dates from intake

    func testTheAuthorsDatesFromIntakeWinOverWhatRoutingKnows() {
        func open(decided: String?, learned: String?, known: String?, arrived: String) -> Ticket {
            var appeal = AppealRegistered(
                appealId: UUID(), registrationNumber: "MK-2027-000010", registeredAt: Self.noon(arrived),
                kind: .complaint, category: "heating",
                author: .init(
                    fullName: "Олена Петренко", address: "вул. Соборна, 1",
                    preferredLanguage: .uk),
                subject: "Скарга", text: "Не згодна з відповіддю.", against: "zhkg",
                trackingToken: "trk",
                channel: "centre")
            appeal.complaintDecidedOn = decided.map(Self.date)
            appeal.complaintLearnedOn = learned.map(Self.date)
            return Ticket.open(
                for: appeal, id: UUID(), rules: AppealRouter.seedRules, categoryDefault: "zhkg", termDays: 15,
                hierarchy: .seed, complaintDecidedOn: known.map(Self.date), by: "r", at: Self.noon(arrived)
            ).ticket
        }
        // Decided 31 January 2028, learned 10 February: in time until 10 March.
        XCTAssertNil(
            open(decided: "2028-01-31", learned: "2028-02-10", known: nil, arrived: "2028-03-10")
                .complaintTermMissed)
        XCTAssertEqual(
            open(decided: "2028-01-31", learned: "2028-02-10", known: nil, arrived: "2028-03-11").complaintTermMissed,
            Self.date("2028-03-10"))
        // Without a learned day the author is taken to have learned the day of the decision (29 Feb).
        XCTAssertEqual(
            open(decided: "2028-01-31", learned: nil, known: nil, arrived: "2028-03-01").complaintTermMissed,
            Self.date("2028-02-29"))
        // The author's decision day wins over the answer routing knows; without it routing's is used.
        XCTAssertNil(
            open(decided: "2028-02-20", learned: nil, known: "2027-06-01", arrived: "2028-03-01")
                .complaintTermMissed)
        XCTAssertEqual(
            open(decided: nil, learned: nil, known: "2027-06-01", arrived: "2028-03-01").complaintTermMissed,
            Self.date("2027-07-01"))
    }
}
