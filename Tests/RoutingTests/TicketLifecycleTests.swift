import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// The ticket aggregate in memory: every action from every state, who may do what, and the law's
/// rules for each action. No servers.
final class TicketLifecycleTests: XCTestCase {
    static let registeredOn = LocalDate(string: "2026-11-27")!
    /// 2026-11-27 10:00 Kyiv.
    static let now = TicketSamples.now
    static let today = registeredOn

    let admin = Principal.bootstrapAdministrator
    let zhkgOfficial = TicketSamples.zhkgOfficial
    let healthOfficial = TicketSamples.healthOfficial
    let zhkgHead = TicketSamples.zhkgHead
    let reception = TicketSamples.reception

    static func ticket(
        _ status: TicketStatus, authority: String = "zhkg", kind: AppealKind = .application, against: String? = nil,
        registeredOn: LocalDate = registeredOn, deadline: LocalDate? = nil, escalated: Bool = false,
        answeredAt: Date? = nil
    ) -> Ticket {
        Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000001", authority: authority, status: status,
            priority: false, category: "heating", kind: kind, subject: "Немає опалення", against: against,
            registeredAt: now, registeredOn: registeredOn, deadline: deadline ?? registeredOn.adding(days: 15),
            escalated: escalated, answeredAt: answeredAt)
    }

    /// A command for `action` with everything it needs.
    static func validCommand(_ action: TicketAction) -> TicketCommand {
        switch action {
        case .accept: .accept
        case .forward: .forward(to: "health", reason: "медичне питання")
        case .extend: .extend(days: 5, newDeadline: nil, reason: "потрібна перевірка")
        case .answer: .answer(outcome: "explained", text: "Роз'яснено порядок перерахунку.")
        case .reopen: .reopen(reason: "мешканка не згодна")
        case .close: .close
        case .returnToAuthor:
            .returnToAuthor(
                explanation: "Не зазначено місце проживання (ст. 5 Закону).")
        case .notConsidered:
            .notConsidered(
                ground: "anonymous",
                notice: "Звернення анонімне і не розглядається (ст. 8).")
        case .sign: .sign
        case .rejectDraft: .rejectDraft(reason: "Уточніть розрахунок")
        case .restoreTerm:
            .restoreTerm(reason: "Автор був на лікуванні, довідка додана.")
        case .dispute: .dispute(reason: "мешканка не згодна з відповіддю", learnedOn: nil)
        }
    }

    /// Actions the law gives the head (or a deputy): the state machine test lets the head do them.
    static let headActions: Set<TicketAction> = [
        .returnToAuthor, .notConsidered, .answer, .extend, .sign, .rejectDraft, .restoreTerm,
    ]

    /// A ticket in `status` with what `action` needs: a waiting answer draft for `sign` and
    /// `reject-draft`, a missed complaint term for `restore-term`.
    static func ticket(_ status: TicketStatus, for action: TicketAction) -> Ticket {
        let draft = TicketDraft(
            kind: .answer, outcome: .explained, text: "Роз'яснено порядок перерахунку.",
            preparedBy: TicketSamples.zhkgOfficial.id, preparedByName: TicketSamples.zhkgOfficial.name,
            preparedAt: now)
        return Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000001", authority: "zhkg", status: status,
            priority: false, category: "heating", kind: action == .restoreTerm ? .complaint : .application,
            subject: "Немає опалення", against: action == .restoreTerm ? "health" : nil, registeredAt: now,
            registeredOn: registeredOn, deadline: registeredOn.adding(days: 15),
            draft: [.sign, .rejectDraft].contains(action) ? draft : nil,
            complaintTermMissed: action == .restoreTerm ? registeredOn.adding(days: -3) : nil)
    }

    static let eventTypes: [TicketAction: [String]] = [
        .accept: ["ticket.accepted"], .forward: ["ticket.forwarded", "ticket.assigned"], .extend: ["ticket.extended"],
        .answer: ["ticket.answered"], .reopen: ["ticket.reopened"], .close: ["ticket.closed"],
        .returnToAuthor: ["appeal.returned", "ticket.closed"],
        .notConsidered: ["appeal.not-considered", "ticket.closed"],
        .sign: ["ticket.answered"], .rejectDraft: [], .restoreTerm: [],
        .dispute: ["ticket.assigned", "ticket.reopened"],
    ]

    func apply(_ command: TicketCommand, to ticket: Ticket, by actor: Principal? = nil, today: LocalDate = today)
        -> Result<TicketTransition, TicketRefusal>
    {
        ticket.apply(command, by: actor ?? admin, at: Self.now, today: today)
    }

    func refusal(_ result: Result<TicketTransition, TicketRefusal>, file: StaticString = #filePath, line: UInt = #line)
        -> TicketRefusal?
    {
        if case .failure(let refusal) = result { return refusal }
        XCTFail("expected a refusal", file: file, line: line)
        return nil
    }

    func transition(
        _ result: Result<TicketTransition, TicketRefusal>, file: StaticString = #filePath, line: UInt = #line
    )
        -> TicketTransition?
    {
        switch result {
        case .success(let transition): return transition
        case .failure(let refusal):
            XCTFail("refused: \(refusal)", file: file, line: line)
            return nil
        }
    }

    // MARK: The state machine

    func testEveryActionFromEveryStateIsAllowedOrRefusedWithTheTypedRefusal() throws {
        let legal = LegalTransitions.from
        var allowed = 0
        for action in TicketAction.allCases {
            // Returns and "not considered" are the head's decisions (Art. 5, 8), and so are answers
            // and extensions (Art. 15, 20: an official's would be a draft): the head acts.
            let actor = Self.headActions.contains(action) ? zhkgHead : admin
            for status in TicketStatus.allCases {
                let ticket = Self.ticket(status, for: action)
                let result = apply(Self.validCommand(action), to: ticket, by: actor)
                if legal[action]!.contains(status) {
                    guard let t = transition(result) else { continue }
                    allowed += 1
                    // Signing the answer draft answers; a rejected draft or a restored term changes no status.
                    let expected = action.resultingStatus ?? (action == .sign ? .answered : status)
                    XCTAssertEqual(t.ticket.status, expected, "\(action) from \(status)")
                    XCTAssertEqual(t.history.from, status)
                    XCTAssertEqual(t.history.to, expected)
                    XCTAssertEqual(t.history.actor, actor.id)
                    XCTAssertEqual(t.history.at, Self.now)
                    XCTAssertEqual(TicketSamples.types(t.events), Self.eventTypes[action], "\(action)")
                    let ticketEvents = t.events.compactMap { $0 as? any TicketEvent }
                    XCTAssertTrue(
                        ticketEvents.allSatisfy { $0.ticketId == ticket.id && $0.appealId == ticket.appealId })
                    if !ticketEvents.isEmpty {
                        XCTAssertEqual(
                            ticketEvents.first?.authority, t.ticket.authority, "routing key names the holder after")
                    }
                    if let returned = t.events.first as? AppealReturned {
                        XCTAssertEqual(returned.appealId, ticket.appealId)
                        XCTAssertEqual(returned.returnedBy, zhkgHead.id)
                    }
                    if let decided = t.events.first as? AppealNotConsidered {
                        XCTAssertEqual([decided.appealId, decided.ticketId], [ticket.appealId, ticket.id])
                        XCTAssertEqual(decided.ground, "anonymous")
                    }
                } else {
                    let refusal = refusal(result)
                    XCTAssertEqual(
                        refusal, .invalidTransition(from: status, action: action), "\(action) from \(status)")
                    XCTAssertEqual(refusal?.kind, .conflict)
                    XCTAssertEqual(refusal?.field, "status")
                    XCTAssertEqual(refusal?.message, "ticket is \(status.rawValue); \(action.rawValue) is not allowed")
                }
            }
        }
        XCTAssertEqual(allowed, legal.values.map(\.count).reduce(0, +))
    }

    func testTheStateIsCheckedBeforeWhatWasSent() {
        // An answered ticket and a forward with nothing in it: the state is the problem named.
        XCTAssertEqual(
            refusal(apply(.forward(to: nil, reason: nil), to: Self.ticket(.answered))),
            .invalidTransition(from: .answered, action: .forward))
        XCTAssertEqual(
            refusal(apply(.answer(outcome: nil, text: nil), to: Self.ticket(.closed))),
            .invalidTransition(from: .closed, action: .answer))
    }

    // MARK: Who may do what

    func testAnotherAuthoritysTicketIsNotFoundNotForbidden() {
        for action in TicketAction.allCases {
            let r = refusal(apply(Self.validCommand(action), to: Self.ticket(.assigned), by: healthOfficial))
            XCTAssertEqual(r, .notFound, "\(action)")
            XCTAssertEqual(r?.kind, .notFound)
            XCTAssertEqual(r?.error, RoutingError.ticketNotFound)
        }
    }

    func testOnlyTheHoldingAuthorityWorksAndOnlyReceptionReopensAndCloses() {
        // Reception reads every ticket but does not work another authority's.
        let r = refusal(apply(.accept, to: Self.ticket(.assigned), by: reception))
        XCTAssertEqual(r, .forbidden(.accept))
        XCTAssertEqual(r?.kind, .forbidden)
        XCTAssertEqual(r?.message, "only the holding authority may accept this ticket")
        // The holding official may not reopen or close, and that is said before the state.
        let reopen = refusal(apply(.reopen(reason: "x"), to: Self.ticket(.assigned), by: zhkgOfficial))
        XCTAssertEqual(reopen, .forbidden(.reopen))
        XCTAssertEqual(reopen?.message, "only the mayor's reception staff may reopen a ticket")
        XCTAssertEqual(refusal(apply(.close, to: Self.ticket(.answered), by: zhkgOfficial)), .forbidden(.close))
        XCTAssertNotNil(transition(apply(.accept, to: Self.ticket(.assigned), by: zhkgOfficial)))
        XCTAssertNotNil(transition(apply(.reopen(reason: "незгода"), to: Self.ticket(.answered), by: reception)))
        XCTAssertNotNil(transition(apply(.close, to: Self.ticket(.answered), by: reception)))
        // Reception staff work their own authority's tickets.
        XCTAssertNotNil(
            transition(apply(.accept, to: Self.ticket(.assigned, authority: "mayor-reception"), by: reception)))
    }

    func testAcceptRecordsTheOfficial() throws {
        let t = try XCTUnwrap(transition(apply(.accept, to: Self.ticket(.assigned), by: zhkgOfficial)))
        let event = try XCTUnwrap(t.events.first as? TicketAccepted)
        XCTAssertEqual(event.officialId, zhkgOfficial.id)
        XCTAssertEqual(event.acceptedAt, Self.now)
        XCTAssertEqual(t.history.action, "accepted")
        XCTAssertNil(t.history.note)
    }

    // MARK: Forward (Art. 7)

    func testForwardWindowIsFiveCalendarDaysFromRegistration() throws {
        let ticket = Self.ticket(.accepted)
        let lastDay = Self.registeredOn.adding(days: 5)
        XCTAssertEqual(lastDay.description, "2026-12-02")
        XCTAssertNotNil(transition(apply(Self.validCommand(.forward), to: ticket, today: lastDay)))
        let late = refusal(apply(Self.validCommand(.forward), to: ticket, today: lastDay.adding(days: 1)))
        XCTAssertEqual(late, .forwardWindowClosed(lastDay: lastDay))
        XCTAssertEqual(late?.kind, .conflict)
        XCTAssertEqual(late?.code, "forward_window_closed")
        XCTAssertEqual(late?.field, "registeredAt")
        XCTAssertEqual(late?.message, "forwarding is allowed within 5 days of registration (until 2026-12-02)")
        // Across a month end.
        let november = Self.ticket(.assigned, registeredOn: LocalDate(string: "2026-11-28")!)
        XCTAssertEqual(november.lastForwardDate.description, "2026-12-03")
    }

    func testForwardChecksTheTargetAndTheReason() throws {
        let ticket = Self.ticket(.assigned)
        XCTAssertEqual(refusal(apply(.forward(to: nil, reason: "x"), to: ticket)), .required(field: "to"))
        XCTAssertEqual(refusal(apply(.forward(to: "  ", reason: "x"), to: ticket)), .required(field: "to"))
        let unknown = refusal(apply(.forward(to: "atlantis", reason: "x"), to: ticket))
        XCTAssertEqual(unknown, .unknownAuthority)
        XCTAssertEqual(unknown?.field, "to")
        XCTAssertEqual(unknown?.kind, .invalid)
        XCTAssertEqual(refusal(apply(.forward(to: "zhkg", reason: "x"), to: ticket)), .sameAuthority)
        let noReason = refusal(apply(.forward(to: "health", reason: " \n "), to: ticket))
        XCTAssertEqual(noReason, .required(field: "reason"))
        XCTAssertEqual(noReason?.message, "reason is required")
    }

    func testForwardReassignsKeepingTheDeadlineAndPublishesBothEvents() throws {
        let ticket = Self.ticket(.accepted)
        let t = try XCTUnwrap(
            transition(
                apply(
                    .forward(to: " health ", reason: "  медичне питання "), to: ticket,
                    by: zhkgOfficial)))
        XCTAssertEqual(t.ticket.authority, "health")
        XCTAssertEqual(t.ticket.status, .assigned)
        XCTAssertEqual(t.ticket.deadline, ticket.deadline, "the registration-based deadline stays")
        XCTAssertEqual(t.history.authority, "health")
        XCTAssertEqual(t.history.note, "from zhkg: медичне питання")
        let forwarded = try XCTUnwrap(t.events.first as? TicketForwarded)
        XCTAssertEqual(forwarded.fromAuthority, "zhkg")
        XCTAssertEqual(forwarded.authority, "health")
        XCTAssertEqual(forwarded.reason, "медичне питання")
        XCTAssertEqual(forwarded.routingKey, "ticket.forwarded.v1.health")
        let assigned = try XCTUnwrap(t.events.last as? TicketAssigned)
        XCTAssertEqual(assigned.reason, "forwarded")
        XCTAssertEqual(assigned.previousAuthority, "zhkg")
        XCTAssertEqual(assigned.deadline, ticket.deadline)
    }

    func testAComplaintIsNeverForwardedToTheBodyItComplainsAbout() {
        let complaint = Self.ticket(.assigned, authority: "mayor-reception", kind: .complaint, against: "zhkg")
        let r = refusal(apply(.forward(to: "zhkg", reason: "x"), to: complaint, by: admin))
        XCTAssertEqual(r, .complaintAgainstAuthority)
        XCTAssertEqual(r?.message, "a complaint is never sent to the body it complains about")
        XCTAssertNotNil(transition(apply(.forward(to: "health", reason: "x"), to: complaint)))
        // An application naming the same body is not a complaint: it may go there.
        let application = Self.ticket(.assigned, authority: "mayor-reception", kind: .application, against: "zhkg")
        XCTAssertNotNil(transition(apply(.forward(to: "zhkg", reason: "x"), to: application)))
    }

    // MARK: Extend (Art. 20: at most 45 days in total)

    func testExtensionIsCappedAtFortyFiveDaysFromRegistration() throws {
        let cap = Self.registeredOn.adding(days: 45)
        let ticket = Self.ticket(.accepted, deadline: Self.registeredOn.adding(days: 30))
        let t = try XCTUnwrap(
            transition(apply(.extend(days: 15, newDeadline: nil, reason: "запит"), to: ticket, by: zhkgHead)))
        XCTAssertEqual(t.ticket.deadline, cap)
        XCTAssertTrue(t.ticket.extended)
        XCTAssertEqual(t.ticket.status, .accepted)
        XCTAssertEqual(t.history.note, "2026-12-27 → 2027-01-11: запит")
        let event = try XCTUnwrap(t.events.first as? TicketExtended)
        XCTAssertEqual(event.previousDeadline, ticket.deadline)
        XCTAssertEqual(event.newDeadline, cap)

        let tooFar = refusal(apply(.extend(days: 16, newDeadline: nil, reason: "запит"), to: ticket))
        XCTAssertEqual(tooFar, .beyondLegalMaximum(cap: cap, field: "days"))
        XCTAssertEqual(tooFar?.kind, .invalid)
        XCTAssertEqual(tooFar?.message, "the law allows at most 45 days from registration: 2027-01-11 at the latest")
        XCTAssertEqual(
            refusal(apply(.extend(days: nil, newDeadline: "2027-01-12", reason: "x"), to: ticket)),
            .beyondLegalMaximum(cap: cap, field: "newDeadline"))
        XCTAssertNotNil(
            transition(apply(.extend(days: nil, newDeadline: "2027-01-11", reason: "x"), to: ticket, by: zhkgHead)))
        // Already at the cap: one more day is refused.
        let atCap = Self.ticket(.accepted, deadline: cap)
        XCTAssertEqual(
            refusal(apply(.extend(days: 1, newDeadline: nil, reason: "x"), to: atCap)),
            .beyondLegalMaximum(cap: cap, field: "days"))
    }

    func testExtensionInputs() {
        let ticket = Self.ticket(.accepted)
        XCTAssertEqual(
            refusal(apply(.extend(days: nil, newDeadline: "2026-13-01", reason: "x"), to: ticket)),
            .invalidDate(field: "newDeadline"))
        XCTAssertEqual(refusal(apply(.extend(days: 0, newDeadline: nil, reason: "x"), to: ticket)), .daysNotPositive)
        let neither = refusal(apply(.extend(days: nil, newDeadline: nil, reason: "x"), to: ticket))
        XCTAssertEqual(neither, .required(field: "newDeadline"))
        XCTAssertEqual(neither?.message, "newDeadline or days is required")
        XCTAssertEqual(
            refusal(apply(.extend(days: nil, newDeadline: ticket.deadline.description, reason: "x"), to: ticket)),
            .notLater(current: ticket.deadline, field: "newDeadline"))
        // The date wins over days; the reason is checked after the date.
        XCTAssertEqual(
            refusal(apply(.extend(days: 999, newDeadline: "2026-12-20", reason: nil), to: ticket)),
            .required(field: "reason"))
    }

    // MARK: Answer (Art. 15, 19)

    func testAnswerNeedsAKnownOutcomeAndEnoughText() throws {
        let ticket = Self.ticket(.accepted)
        XCTAssertEqual(
            refusal(apply(.answer(outcome: nil, text: "Достатньо довгий текст"), to: ticket)),
            .required(field: "outcome"))
        let unknown = refusal(
            apply(
                .answer(outcome: "maybe", text: "Достатньо довгий текст"), to: ticket))
        XCTAssertEqual(unknown, .unknownOutcome)
        XCTAssertEqual(unknown?.field, "outcome")
        let empty = refusal(apply(.answer(outcome: "explained", text: "   "), to: ticket))
        XCTAssertEqual(empty, .answerTooShort(empty: true))
        XCTAssertEqual(empty?.code, "required")
        let short = refusal(apply(.answer(outcome: "explained", text: "123456789"), to: ticket))
        XCTAssertEqual(short?.code, "too_short")
        XCTAssertEqual(short?.field, "text")
        XCTAssertNotNil(
            transition(apply(.answer(outcome: "explained", text: "1234567890"), to: ticket, by: zhkgHead)),
            "10 is enough")
        // A refusal gives its reasons: 20 characters.
        XCTAssertEqual(
            refusal(apply(.answer(outcome: "refused", text: "1234567890123456789"), to: ticket)),
            .reasonsRequired)
        XCTAssertNotNil(
            transition(apply(.answer(outcome: "refused", text: "12345678901234567890"), to: ticket, by: zhkgHead)))
    }

    func testAnswerKeepsTheTrimmedTextAndTheOutcome() throws {
        let t = try XCTUnwrap(
            transition(
                apply(
                    .answer(outcome: "resolved-positively", text: "  Опалення відновлено.  "),
                    to: Self.ticket(.reopened), by: zhkgHead)))
        XCTAssertEqual(t.ticket.outcome, .resolvedPositively)
        XCTAssertEqual(t.ticket.answerText, "Опалення відновлено.")
        XCTAssertEqual(t.ticket.answeredAt, Self.now)
        XCTAssertEqual(t.history.note, "resolved-positively")
        let event = try XCTUnwrap(t.events.first as? TicketAnswered)
        XCTAssertEqual(event.answerText, "Опалення відновлено.")
    }

    // MARK: Reopen and close

    func testReopenGivesAFreshStandardTermAndClearsTheEscalation() throws {
        let answered = Self.ticket(.answered, escalated: true)
        let later = Self.today.adding(days: 20)
        let t = try XCTUnwrap(
            transition(apply(.reopen(reason: " незгода "), to: answered, by: reception, today: later)))
        XCTAssertEqual(t.ticket.status, .reopened)
        XCTAssertEqual(t.ticket.deadline, later.adding(days: 15))
        XCTAssertFalse(t.ticket.escalated)
        XCTAssertEqual(t.history.note, "незгода")
        XCTAssertEqual((t.events.first as? TicketReopened)?.deadline, later.adding(days: 15))
        XCTAssertEqual((t.events.first as? TicketReopened)?.reopenedBy, reception.id)
        XCTAssertEqual(refusal(apply(.reopen(reason: nil), to: answered, by: reception)), .required(field: "reason"))
    }

    func testCloseNamesWhoClosed() throws {
        let t = try XCTUnwrap(transition(apply(.close, to: Self.ticket(.answered), by: reception)))
        XCTAssertEqual(t.ticket.closedAt, Self.now)
        XCTAssertEqual((t.events.first as? TicketClosed)?.closedBy, reception.id)
        XCTAssertEqual(t.history.action, "closed")
    }

    func testAReturnedAppealClosesItsTicketOnce() throws {
        let t = try XCTUnwrap(Self.ticket(.accepted).returned(by: nil, at: Self.now))
        XCTAssertEqual(t.ticket.status, .closed)
        XCTAssertEqual(t.history.action, "returned")
        XCTAssertEqual(t.history.actor, "intake")
        XCTAssertEqual(t.history.from, .accepted)
        XCTAssertEqual((t.events.first as? TicketClosed)?.closedBy, "returned")
        XCTAssertEqual(Self.ticket(.answered).returned(by: "librarian-7", at: Self.now)?.history.actor, "librarian-7")
        XCTAssertNil(Self.ticket(.closed).returned(by: nil, at: Self.now))
    }

    // MARK: A new ticket

    func testOpeningATicketRoutesDatesAndPrioritises() throws {
        let rules = AppealRouter.seedRules
        let plain = Ticket.open(
            for: TicketSamples.appeal(), id: UUID(), rules: rules, categoryDefault: "zhkg", termDays: 15,
            by: "hromada-routing", at: Self.now)
        XCTAssertEqual(plain.ticket.status, .assigned)
        XCTAssertEqual(plain.ticket.authority, "zhkg")
        XCTAssertEqual(plain.ticket.deadline.description, "2026-12-12")
        XCTAssertFalse(plain.ticket.priority)
        XCTAssertEqual(plain.history.note, "rule")
        XCTAssertNil(plain.history.from)
        XCTAssertEqual(plain.history.actor, "hromada-routing")
        XCTAssertEqual(TicketSamples.types(plain.events), ["ticket.assigned"])

        let veteran = Ticket.open(
            for: TicketSamples.appeal(benefit: "war-veteran"), id: UUID(), rules: rules,
            categoryDefault: "zhkg", termDays: 30, by: "hromada-routing", at: Self.now)
        XCTAssertTrue(veteran.ticket.priority, "benefit holders first")
        XCTAssertEqual((veteran.events.first as? TicketAssigned)?.priority, true)
        XCTAssertEqual(veteran.ticket.deadline.description, "2026-12-27")
        let blank = Ticket.open(
            for: TicketSamples.appeal(benefit: ""), id: UUID(), rules: rules, categoryDefault: nil,
            termDays: 15, by: "r", at: Self.now)
        XCTAssertFalse(blank.ticket.priority, "an empty benefit category is none")

        let complaint = Ticket.open(
            for: TicketSamples.appeal(kind: .complaint, against: "zhkg"), id: UUID(), rules: rules,
            categoryDefault: "zhkg", termDays: 15, by: "r", at: Self.now)
        XCTAssertEqual(complaint.ticket.authority, "mayor-reception")
        XCTAssertEqual(complaint.history.note, "complaint-rerouted")

        // 23:30 UTC is already the next day in Kyiv: the legal windows count from there.
        let late = Ticket.open(
            for: TicketSamples.appeal(registeredAt: ISO8601.parse("2026-11-27T23:30:00+00:00")!), id: UUID(),
            rules: rules, categoryDefault: "zhkg", termDays: 15, by: "r", at: Self.now)
        XCTAssertEqual(late.ticket.registeredOn.description, "2026-11-28")
        XCTAssertEqual(late.ticket.deadline.description, "2026-12-13")
    }

    func testPriorityIsForBenefitHolders() {
        XCTAssertFalse(Lifecycle.hasPriority(benefitCategory: nil))
        XCTAssertFalse(Lifecycle.hasPriority(benefitCategory: ""))
        XCTAssertTrue(Lifecycle.hasPriority(benefitCategory: "war-veteran"))
        XCTAssertTrue(Lifecycle.hasPriority(benefitCategory: "disability"))
    }

    // MARK: Refusals map to the API's kinds

    func testRefusalsCarryTheirHTTPKindAndCode() {
        let cases: [(TicketRefusal, RoutingError.Kind, String)] = [
            (.notFound, .notFound, "not_found"), (.forbidden(.accept), .forbidden, "forbidden"),
            (.invalidTransition(from: .closed, action: .accept), .conflict, "invalid_transition"),
            (.forwardWindowClosed(lastDay: Self.today), .conflict, "forward_window_closed"),
            (.required(field: "to"), .invalid, "required"), (.unknownAuthority, .invalid, "unknown_authority"),
            (.sameAuthority, .invalid, "same_authority"),
            (.complaintAgainstAuthority, .invalid, "complaint_against_authority"),
            (.invalidDate(field: "newDeadline"), .invalid, "invalid_date"),
            (.daysNotPositive, .invalid, "invalid_value"),
            (.notLater(current: Self.today, field: "days"), .invalid, "not_later"),
            (.beyondLegalMaximum(cap: Self.today, field: "days"), .invalid, "beyond_legal_maximum"),
            (.unknownOutcome, .invalid, "unknown_outcome"), (.answerTooShort(empty: false), .invalid, "too_short"),
            (.reasonsRequired, .invalid, "reasons_required"),
        ]
        for (refusal, kind, code) in cases {
            XCTAssertEqual(
                refusal.error, RoutingError(kind, code: code, field: refusal.field, message: refusal.message))
            XCTAssertFalse(refusal.message.isEmpty)
        }
    }

    // MARK: The head's decisions (Art. 5, 7, 8)

    func testOnlyTheHeadReturnsOrDeclinesAndTheCardRecordsIt() throws {
        let ticket = Self.ticket(.assigned)
        let explanation = "Не зазначено місце проживання (ст. 5 Закону)."
        for actor in [zhkgOfficial, admin, reception] {
            let refused = refusal(apply(.returnToAuthor(explanation: explanation), to: ticket, by: actor))
            XCTAssertTrue([.law(.headOnly), .notFound, .forbidden(.returnToAuthor)].contains(refused), "\(actor.role)")
        }
        XCTAssertEqual(
            refusal(apply(.returnToAuthor(explanation: explanation), to: ticket, by: zhkgOfficial)),
            .law(.headOnly))
        XCTAssertEqual(
            refusal(apply(.returnToAuthor(explanation: explanation), to: ticket, by: zhkgOfficial))?.kind,
            .forbidden)
        // Eleven days after arrival the appeal must be considered, not returned.
        let late = refusal(
            apply(
                .returnToAuthor(explanation: explanation), to: ticket, by: zhkgHead,
                today: Self.registeredOn.adding(days: 11)))
        XCTAssertEqual(late, .law(.returnWindowClosed(lastDay: Self.registeredOn.adding(days: 10))))
        XCTAssertEqual(late?.code, "return_window_closed")
        let returned = try XCTUnwrap(
            transition(
                apply(
                    .returnToAuthor(explanation: explanation), to: ticket, by: zhkgHead,
                    today: Self.registeredOn.adding(days: 10))))
        XCTAssertEqual(returned.ticket.status, .closed)
        XCTAssertEqual(returned.ticket.closedAt, Self.now)
        XCTAssertEqual(returned.history.action, "returned")
        XCTAssertEqual(returned.history.actor, zhkgHead.id)
        XCTAssertEqual((returned.events.first as? AppealReturned)?.reason, explanation)
        XCTAssertEqual((returned.events.last as? TicketClosed)?.closedBy, zhkgHead.id, "a named person, not system")

        XCTAssertEqual(
            refusal(
                apply(
                    .notConsidered(
                        ground: "dull",
                        notice: "Звернення анонімне і не розглядається."),
                    to: ticket, by: zhkgHead))?.field, "ground")
        let declined = try XCTUnwrap(
            transition(
                apply(
                    .notConsidered(
                        ground: "repeat-decided",
                        notice: "Питання вирішено по суті 01.10.2026 р."),
                    to: Self.ticket(.reopened), by: zhkgHead)))
        XCTAssertEqual(declined.history.note, "Art. 8: not considered (repeat-decided)")
        XCTAssertEqual((declined.events.first as? AppealNotConsidered)?.decidedBy, zhkgHead.id)
        XCTAssertEqual(
            refusal(
                apply(
                    .notConsidered(
                        ground: "anonymous",
                        notice: "Звернення анонімне, не розглядається."),
                    to: Self.ticket(.answered), by: zhkgHead)),
            .invalidTransition(from: .answered, action: .notConsidered))
    }
}
