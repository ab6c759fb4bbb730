import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// Issue 20 in memory: officials draft, a head or deputy signs (Art. 15, 20); Art. 15's appeals go
/// to the first head personally; a complaint goes up the hierarchy with its Art. 17 term checked
/// when the ticket opens; terms count from the day the appeal arrived (Art. 20). No servers.
final class DraftAndSignTests: XCTestCase {
    static let registeredOn = LocalDate(string: "2026-11-27")!
    /// 2026-11-27 10:00 Kyiv.
    static let now = TicketSamples.now
    static let later = ISO8601.parse("2026-11-28T09:00:00+02:00")!

    let official = TicketSamples.zhkgOfficial
    let head = TicketSamples.zhkgHead
    let deputy = TicketSamples.zhkgDeputy
    let healthHead = TicketSamples.healthHead

    static func ticket(
        _ status: TicketStatus = .accepted, headPersonally: Bool = false, complaintTermMissed: LocalDate? = nil,
        draft: TicketDraft? = nil
    ) -> Ticket {
        Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000001", authority: "zhkg", status: status,
            priority: false, category: "heating", kind: complaintTermMissed == nil ? .application : .complaint,
            subject: "Немає опалення", against: complaintTermMissed == nil ? nil : "health",
            registeredAt: now,
            registeredOn: registeredOn, deadline: registeredOn.adding(days: 15), draft: draft,
            headPersonally: headPersonally, complaintTermMissed: complaintTermMissed)
    }

    func run(_ command: TicketCommand, _ ticket: Ticket, by actor: Principal, at: Date = now) throws
        -> TicketTransition
    {
        try ticket.apply(command, by: actor, at: at, today: LocalDate(date: at, in: .kyiv)).get()
    }

    func refusal(_ command: TicketCommand, _ ticket: Ticket, by actor: Principal) -> TicketRefusal? {
        if case .failure(let refusal) = ticket.apply(command, by: actor, at: Self.now, today: Self.registeredOn) {
            return refusal
        }
        XCTFail("expected a refusal")
        return nil
    }

    static let answer = TicketCommand.answer(
        outcome: "explained", text: "Роз'яснено порядок перерахунку.")

    // MARK: Officials draft, heads sign

    func testAnOfficialsAnswerWaitsAsADraftUntilTheHeadSignsIt() throws {
        let drafted = try run(Self.answer, Self.ticket(), by: official)
        XCTAssertEqual(drafted.ticket.status, .accepted, "nothing takes effect")
        XCTAssertNil(drafted.ticket.outcome)
        XCTAssertTrue(drafted.events.isEmpty, "no ticket.answered before the signature")
        XCTAssertFalse(drafted.recordsHistory, "a draft is not an act: no history row")
        let draft = try XCTUnwrap(drafted.ticket.draft)
        XCTAssertEqual(draft.kind, .answer)
        XCTAssertEqual(draft.outcome, .explained)
        XCTAssertEqual(draft.text, "Роз'яснено порядок перерахунку.")
        XCTAssertEqual([draft.preparedBy, draft.preparedByName], [official.id, "Іван"])

        let signed = try run(.sign, drafted.ticket, by: head, at: Self.later)
        XCTAssertEqual(signed.ticket.status, .answered)
        XCTAssertEqual(signed.ticket.outcome, .explained)
        XCTAssertEqual(signed.ticket.answeredAt, Self.later)
        XCTAssertNil(signed.ticket.draft)
        XCTAssertTrue(signed.recordsHistory)
        XCTAssertEqual(signed.history.action, "answered")
        XCTAssertEqual(signed.history.actor, head.id, "the history names the signer")
        XCTAssertEqual(signed.history.note, "explained; signed; drafted by \(official.id)")
        let event = try XCTUnwrap(signed.events.first as? TicketAnswered)
        XCTAssertEqual(event.officialId, head.id, "the answer goes out under the head's signature")
        XCTAssertEqual(event.answerText, "Роз'яснено порядок перерахунку.")
        XCTAssertEqual(signed.events.count, 1)
    }

    func testADeputySignsAnExtensionDraftedByAnOfficial() throws {
        let drafted = try run(
            .extend(days: 10, newDeadline: nil, reason: "запит до водоканалу"), Self.ticket(),
            by: official)
        XCTAssertEqual(drafted.ticket.deadline, Self.registeredOn.adding(days: 15), "the deadline waits")
        XCTAssertFalse(drafted.ticket.extended)
        XCTAssertEqual(drafted.ticket.draft?.kind, .extension)
        XCTAssertEqual(drafted.ticket.draft?.newDeadline, Self.registeredOn.adding(days: 25))
        XCTAssertTrue(drafted.events.isEmpty)

        let signed = try run(.sign, drafted.ticket, by: deputy)
        XCTAssertEqual(signed.ticket.deadline, Self.registeredOn.adding(days: 25))
        XCTAssertTrue(signed.ticket.extended)
        XCTAssertEqual(signed.ticket.status, .accepted)
        XCTAssertEqual(signed.history.action, "extended")
        XCTAssertEqual(
            signed.history.note,
            "2026-12-12 → 2026-12-22: запит до водоканалу; signed; drafted by \(official.id)")
        let event = try XCTUnwrap(signed.events.first as? TicketExtended)
        XCTAssertEqual(event.officialId, deputy.id)
        XCTAssertEqual(event.newDeadline, Self.registeredOn.adding(days: 25))
    }

    func testTheHeadsOwnAnswerTakesEffectAtOnce() throws {
        let t = try run(Self.answer, Self.ticket(), by: head)
        XCTAssertEqual(t.ticket.status, .answered)
        XCTAssertEqual(TicketSamples.types(t.events), ["ticket.answered"])
        XCTAssertEqual(t.history.note, "explained")
    }

    func testTheHeadRejectsADraftWithAReasonAndTheHistoryRecordsIt() throws {
        let drafted = try run(Self.answer, Self.ticket(), by: official).ticket
        XCTAssertEqual(refusal(.rejectDraft(reason: "  "), drafted, by: head), .required(field: "reason"))
        let rejected = try run(.rejectDraft(reason: "Уточніть розрахунок"), drafted, by: head)
        XCTAssertNil(rejected.ticket.draft)
        XCTAssertEqual(rejected.ticket.status, .accepted)
        XCTAssertTrue(rejected.events.isEmpty)
        XCTAssertTrue(rejected.recordsHistory)
        XCTAssertEqual(rejected.history.action, "draft-rejected")
        XCTAssertEqual(rejected.history.actor, head.id)
        XCTAssertEqual(rejected.history.note, "answer drafted by \(official.id): Уточніть розрахунок")
    }

    func testWhoMaySignAndWhatMustWait() throws {
        let drafted = try run(Self.answer, Self.ticket(), by: official).ticket
        let byOfficial = refusal(.sign, drafted, by: official)
        XCTAssertEqual(byOfficial, .law(.headOnly))
        XCTAssertEqual(byOfficial?.kind, .forbidden)
        XCTAssertEqual(refusal(.rejectDraft(reason: "ні"), drafted, by: official), .law(.headOnly))
        XCTAssertEqual(refusal(.sign, drafted, by: healthHead), .notFound, "another body's head sees nothing")
        let nothing = refusal(.sign, Self.ticket(), by: head)
        XCTAssertEqual(nothing, .law(.noDraft))
        XCTAssertEqual(nothing?.kind, .conflict)
        XCTAssertEqual(nothing?.code, "no_draft")
        XCTAssertEqual(
            refusal(.sign, Self.ticket(.answered), by: head), .invalidTransition(from: .answered, action: .sign))
        // A new draft replaces the waiting one.
        let second = try run(
            .answer(outcome: "other", text: "Інша відповідь на звернення."),
            drafted, by: official)
        XCTAssertEqual(second.ticket.draft?.outcome, .other)
        // A forward drops the draft: the new body answers for itself.
        let forwarded = try run(
            .forward(to: "health", reason: "не наша компетенція"), drafted, by: official)
        XCTAssertNil(forwarded.ticket.draft)
    }

    func testASignatureChecksTheDraftAgainstTheTicketAsItIsNow() throws {
        // Drafted 2026-12-12 → 2027-01-11 (the cap); then the head extends to the cap himself: the
        // waiting draft is no longer later than the deadline.
        let drafted = try run(
            .extend(days: nil, newDeadline: "2027-01-11", reason: "експертиза"), Self.ticket(), by: official)
        let atCap = try run(
            .extend(days: nil, newDeadline: "2027-01-11", reason: "експертиза"), drafted.ticket, by: head)
        XCTAssertNil(atCap.ticket.draft, "the head's own extension replaces the draft")
        let stale = Self.ticket(
            draft: TicketDraft(
                kind: .extension, newDeadline: LocalDate(string: "2026-12-01"), reason: "x", preparedBy: official.id,
                preparedByName: "Іван", preparedAt: Self.now))
        XCTAssertEqual(
            refusal(.sign, stale, by: head),
            .notLater(current: Self.registeredOn.adding(days: 15), field: "newDeadline"))
    }

    // MARK: Art. 15: the first head personally

    func testHeroesAndPersonsDisabledByWarGoToTheFirstHeadPersonally() throws {
        for benefit in ["hero-of-ukraine", "hero-of-soviet-union", "hero-of-socialist-labour", "war-disabled"] {
            let opened = Ticket.open(
                for: TicketSamples.appeal(benefit: benefit), id: UUID(), rules: AppealRouter.seedRules,
                categoryDefault: "zhkg", termDays: 15, hierarchy: .seed, by: "hromada-routing", at: Self.now)
            XCTAssertTrue(opened.ticket.headPersonally, benefit)
            XCTAssertEqual(opened.history.note, "rule; Art. 15: the first head personally")
        }
        let veteran = Ticket.open(
            for: TicketSamples.appeal(benefit: "war-veteran"), id: UUID(), rules: AppealRouter.seedRules,
            categoryDefault: "zhkg", termDays: 15, hierarchy: .seed, by: "r", at: Self.now)
        XCTAssertFalse(veteran.ticket.headPersonally, "priority, but not the head personally")

        let personal = Self.ticket(headPersonally: true)
        let byDeputy = try run(Self.answer, personal, by: deputy)
        XCTAssertNotNil(byDeputy.ticket.draft, "a deputy's answer is a draft here")
        XCTAssertEqual(refusal(.sign, byDeputy.ticket, by: deputy), .law(.headPersonally))
        XCTAssertEqual(refusal(.sign, byDeputy.ticket, by: deputy)?.code, "head_personally")
        XCTAssertEqual(refusal(.sign, byDeputy.ticket, by: official), .law(.headOnly))
        XCTAssertEqual(try run(.sign, byDeputy.ticket, by: head).ticket.status, .answered)
        let deputyReturn = TicketCommand.returnToAuthor(
            explanation: "Не зазначено місце проживання (ст. 5).")
        XCTAssertEqual(refusal(deputyReturn, personal, by: deputy), .law(.headPersonally))
    }

    // MARK: Complaints up the hierarchy (Art. 16) with their terms (Art. 17)

    func testAComplaintOpensAtTheBodyAboveTheOneComplainedAbout() throws {
        let hierarchy = AuthorityHierarchy(parents: [
            "zhkg": "mayor-reception", "mayor-reception": "executive-committee",
        ])
        let complaint = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "zhkg"), id: UUID(), rules: AppealRouter.seedRules,
            categoryDefault: "zhkg", termDays: 15, hierarchy: hierarchy, by: "r", at: Self.now)
        XCTAssertEqual(complaint.ticket.authority, "mayor-reception")
        XCTAssertEqual(complaint.history.note, "complaint-upward")
        XCTAssertEqual((complaint.events.first as? TicketAssigned)?.reason, "complaint-upward")
        let seeded = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "mayor-reception"), id: UUID(),
            rules: AppealRouter.seedRules,
            categoryDefault: "mayor-reception", termDays: 15, hierarchy: .seed, by: "r", at: Self.now)
        XCTAssertEqual(seeded.ticket.authority, "executive-committee", "never sideways to a district administration")
        // At the top nothing stands above: AppealRouter's rule keeps it away from the body itself.
        let top = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "executive-committee"), id: UUID(),
            rules: AppealRouter.seedRules, categoryDefault: "zhkg", termDays: 15, hierarchy: .seed, by: "r",
            at: Self.now)
        XCTAssertEqual(top.ticket.authority, "zhkg")
        // An application naming a body is not a complaint: it is routed by the rules.
        let application = Ticket.open(
            for: TicketSamples.appeal(kind: .application, against: "zhkg"), id: UUID(), rules: AppealRouter.seedRules,
            categoryDefault: "zhkg", termDays: 15, hierarchy: .seed, by: "r", at: Self.now)
        XCTAssertEqual(application.ticket.authority, "zhkg")
    }

    func testALateComplaintIsFlaggedAndWaitsForTheHeadsDecision() throws {
        // Decided (answered) 1 September; filed 27 November: more than one month after learning of it.
        let decided = LocalDate(string: "2026-09-01")!
        let opened = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "zhkg"), id: UUID(), rules: AppealRouter.seedRules,
            categoryDefault: "zhkg", termDays: 15, hierarchy: .seed, complaintDecidedOn: decided, by: "r",
            at: Self.now)
        XCTAssertEqual(opened.ticket.complaintTermMissed?.description, "2026-10-01")
        XCTAssertEqual(opened.history.note, "complaint-upward; Art. 17: complaint filed after 2026-10-01")
        let inTime = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "zhkg"), id: UUID(), rules: AppealRouter.seedRules,
            categoryDefault: "zhkg", termDays: 15, hierarchy: .seed,
            complaintDecidedOn: LocalDate(string: "2026-11-01")!, by: "r", at: Self.now)
        XCTAssertNil(inTime.ticket.complaintTermMissed)

        let late = Self.ticket(complaintTermMissed: LocalDate(string: "2026-10-01")!)
        let blocked = refusal(Self.answer, late, by: head)
        XCTAssertEqual(blocked, .law(.complaintTermMissed(lastDay: LocalDate(string: "2026-10-01")!)))
        XCTAssertEqual(blocked?.code, "complaint_term_missed")
        XCTAssertEqual(blocked?.kind, .conflict)
        XCTAssertEqual(refusal(Self.answer, late, by: official)?.code, "complaint_term_missed", "no draft either")
        // Restored by the head for good cause (Art. 17), then considered.
        XCTAssertEqual(
            refusal(.restoreTerm(reason: "Автор був на лікуванні."), late, by: official),
            .law(.headOnly))
        XCTAssertEqual(refusal(.restoreTerm(reason: "хворів"), late, by: head)?.code, "reasons_required")
        let restored = try run(
            .restoreTerm(reason: "Автор був на лікуванні, довідка додана."),
            late, by: head)
        XCTAssertNil(restored.ticket.complaintTermMissed)
        XCTAssertEqual(restored.history.action, "term-restored")
        XCTAssertEqual(
            restored.history.note,
            "Art. 17: the term missed on 2026-10-01 restored: "
                + "Автор був на лікуванні, довідка додана.")
        XCTAssertEqual(try run(Self.answer, restored.ticket, by: head).ticket.status, .answered)
        XCTAssertEqual(refusal(.restoreTerm(reason: "x"), Self.ticket(), by: head), .law(.notLate))
        // Or the head decides it is not considered (Art. 8).
        let declined = try run(
            .notConsidered(
                ground: "complaint-late",
                notice: "Скаргу подано після строку (ст. 17)."), late, by: head)
        XCTAssertEqual(declined.ticket.status, .closed)
    }

    // MARK: Terms from the day of arrival (Art. 20)

    func testTermsCountFromTheDayTheAppealArrived() throws {
        var appeal = TicketSamples.appeal()
        appeal.termsStartOn = LocalDate(string: "2026-11-20")!
        let opened = Ticket.open(
            for: appeal, id: UUID(), rules: AppealRouter.seedRules, categoryDefault: "zhkg", termDays: 15,
            hierarchy: .seed, by: "r", at: Self.now)
        let t = opened.ticket
        XCTAssertEqual(t.registeredOn.description, "2026-11-27")
        XCTAssertEqual(t.termsStartOn.description, "2026-11-20")
        XCTAssertEqual(t.deadline.description, "2026-12-05", "15 days from arrival, not from registration")
        XCTAssertEqual(t.lastForwardDate.description, "2026-11-25")
        XCTAssertEqual(t.latestDeadline.description, "2027-01-04")
        XCTAssertEqual(opened.history.note, "rule; terms from 2026-11-20 (received)")
        XCTAssertEqual(
            refusal(.forward(to: "health", reason: "x"), t, by: official),
            .forwardWindowClosed(lastDay: LocalDate(string: "2026-11-25")!))
        // A month term from arrival on 31 January ends on 28 February.
        appeal.termsStartOn = LocalDate(string: "2027-01-31")!
        let month = Ticket.open(
            for: appeal, id: UUID(), rules: AppealRouter.seedRules, categoryDefault: "zhkg", termDays: 30,
            by: "r", at: Self.now)
        XCTAssertEqual(month.ticket.deadline.description, "2027-02-28")
        // Without the field (events written before it) terms count from the registration day.
        let old = Ticket.open(
            for: TicketSamples.appeal(), id: UUID(), rules: AppealRouter.seedRules, categoryDefault: "zhkg",
            termDays: 15,
            by: "r", at: Self.now)
        XCTAssertEqual(old.ticket.termsStartOn, old.ticket.registeredOn)
    }

    // MARK: Helpers
}
