import Foundation
import HromadaContracts

/// One appeal's ticket at the authority that holds it: the aggregate every change goes through.
/// Its methods check the law and the lifecycle and return the new state with the history row and
/// the events to publish (`TicketTransition`), or a `TicketRefusal`. They never touch storage:
/// the store loads a ticket, calls one of them and saves what it returns.
public struct Ticket: Sendable, Equatable {
    public let id: UUID
    public let appealId: UUID
    public let registrationNumber: String
    public private(set) var authority: String
    public private(set) var status: TicketStatus
    /// Benefit holders first (`Lifecycle.hasPriority`).
    public let priority: Bool
    public let category: String
    /// A dispute of an answer makes the ticket a complaint (Art. 16).
    public private(set) var kind: AppealKind
    public let subject: String
    /// For a complaint: the authority complained about (after a dispute: the body that answered).
    public private(set) var against: String?
    public let registeredAt: Date
    /// Registration date in Kyiv.
    public let registeredOn: LocalDate
    /// The day the appeal arrived (Art. 20: terms run "from the day of receipt"): intake's
    /// `termsStartOn`, the registration date unless a paper appeal was entered late. Every legal
    /// window (deadline, forward, return, the 45-day cap) counts from it.
    public let termsStartOn: LocalDate
    public private(set) var deadline: LocalDate
    public private(set) var extended: Bool
    public private(set) var escalated: Bool
    public private(set) var outcome: AnswerOutcome?
    public private(set) var answerText: String?
    public private(set) var answeredAt: Date?
    public private(set) var closedAt: Date?
    /// An answer or extension prepared by an official, waiting for the head's or a deputy's
    /// signature (Art. 15, 20); nil when nothing waits.
    public private(set) var draft: TicketDraft?
    /// Art. 15: an appeal of a Hero or a person disabled by war, considered by the first head of
    /// the holding body personally (only the head, not a deputy, signs or decides it).
    public let headPersonally: Bool
    /// Art. 17: a complaint filed after this last day; until the head restores the term (or decides
    /// it is not considered, Art. 8) it is not answered. Nil: in time, restored, or no complaint.
    public private(set) var complaintTermMissed: LocalDate?

    /// Rebuilds a ticket as stored; new tickets come from `Ticket.open`.
    public init(
        id: UUID, appealId: UUID, registrationNumber: String, authority: String, status: TicketStatus, priority: Bool,
        category: String, kind: AppealKind, subject: String, against: String?, registeredAt: Date,
        registeredOn: LocalDate,
        deadline: LocalDate, extended: Bool = false, escalated: Bool = false, outcome: AnswerOutcome? = nil,
        answerText: String? = nil, answeredAt: Date? = nil, closedAt: Date? = nil, termsStartOn: LocalDate? = nil,
        draft: TicketDraft? = nil, headPersonally: Bool = false, complaintTermMissed: LocalDate? = nil
    ) {
        self.id = id
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.status = status
        self.priority = priority
        self.category = category
        self.kind = kind
        self.subject = subject
        self.against = against
        self.registeredAt = registeredAt
        self.registeredOn = registeredOn
        self.deadline = deadline
        self.extended = extended
        self.escalated = escalated
        self.outcome = outcome
        self.answerText = answerText
        self.answeredAt = answeredAt
        self.closedAt = closedAt
        self.termsStartOn = termsStartOn ?? registeredOn
        self.draft = draft
        self.headPersonally = headPersonally
        self.complaintTermMissed = complaintTermMissed
    }

    /// True when the ticket is still owed an answer and `today` is past its deadline.
    public func isOverdue(today: LocalDate) -> Bool { status.isOpen && today > deadline }
    public func daysLeft(today: LocalDate) -> Int { today.days(until: deadline) }
    public var lastForwardDate: LocalDate { Lifecycle.lastForwardDate(registeredOn: termsStartOn) }
    public var latestDeadline: LocalDate { Law.latestDeadline(registeredOn: termsStartOn) }
}

/// A person's request to change a ticket, with what they sent (unchecked: `Ticket.apply` checks it
/// after the actor and the state, so a wrong state is reported before a missing field).
public enum TicketCommand: Sendable, Equatable {
    case accept
    case forward(to: String?, reason: String?)
    /// `newDeadline` (`YYYY-MM-DD`) wins over `days`.
    case extend(days: Int?, newDeadline: String?, reason: String?)
    case answer(outcome: String?, text: String?)
    case reopen(reason: String?)
    case close
    /// The head's return of a defective appeal (Art. 5, 7), with the explanation to the author.
    case returnToAuthor(explanation: String?)
    /// The head's decision not to consider (Art. 8): a `NotConsideredGround` code and the notice.
    case notConsidered(ground: String?, notice: String?)
    /// The head or a deputy signs the waiting draft (Art. 15, 20): it takes effect now.
    case sign
    /// The head or a deputy sends the draft back, with the reason.
    case rejectDraft(reason: String?)
    /// Art. 17: the head or a deputy restores a complaint's missed term for good cause.
    case restoreTerm(reason: String?)
    /// Art. 16–17: reception registers the resident's dispute of the answer, with the day the
    /// resident learned of it (`YYYY-MM-DD`, optional: else the day of the answer).
    case dispute(reason: String?, learnedOn: String?)

    public var action: TicketAction {
        switch self {
        case .accept: .accept
        case .forward: .forward
        case .extend: .extend
        case .answer: .answer
        case .reopen: .reopen
        case .close: .close
        case .returnToAuthor: .returnToAuthor
        case .notConsidered: .notConsidered
        case .sign: .sign
        case .rejectDraft: .rejectDraft
        case .restoreTerm: .restoreTerm
        case .dispute: .dispute
        }
    }
}

/// One line of a ticket's history, as the domain writes it.
public struct TicketHistoryRecord: Sendable, Equatable {
    public var at: Date
    public var action: String
    public var actor: String
    public var from: TicketStatus?
    public var to: TicketStatus
    public var authority: String
    public var note: String?
}

/// What a change did: the ticket after it, its history row, and the events to publish with it.
public struct TicketTransition: Sendable {
    public var ticket: Ticket
    public var history: TicketHistoryRecord
    /// In publishing order; each is correlated with the ticket's appeal.
    public var events: [any DomainEvent]
    /// False for a draft: not yet an act, so the store writes no history row.
    public var recordsHistory = true
}

extension Ticket {
    // MARK: A new ticket

    /// The ticket for a newly registered appeal: routed by `Ticket.route` (a complaint up the
    /// hierarchy, Art. 16), its deadline from the category's term counted from the day the appeal
    /// arrived (`termsStartOn`, Art. 20), priority for benefit holders, the first head personally
    /// for Art. 15's categories, a complaint's Art. 17 term checked against the decision it
    /// complains about (the author's `complaintDecidedOn`/`complaintLearnedOn` from intake, else
    /// `complaintDecidedOn`, when routing knows it), and `ticket.assigned`.
    public static func open(
        for appeal: AppealRegistered, id: UUID, rules: [RoutingRule], categoryDefault: String?, termDays: Int,
        hierarchy: AuthorityHierarchy? = nil, complaintDecidedOn: LocalDate? = nil,
        by assigner: String, at now: Date
    ) -> TicketTransition {
        let decision = route(appeal, rules: rules, categoryDefault: categoryDefault, hierarchy: hierarchy)
        let registeredOn = LocalDate(date: appeal.registeredAt, in: .kyiv)
        let termsStartOn = appeal.termsStartOn ?? registeredOn
        let deadline = Lifecycle.initialDeadline(registeredOn: termsStartOn, termDays: termDays)
        let personally = HeadRules.requiresHeadPersonally(benefitCategory: appeal.author.benefitCategory)
        var missed: LocalDate?
        // The author's own dates (intake) win over what routing knows; without a learned day the
        // author is taken to have learned of the decision the day it was made.
        if appeal.kind == .complaint, let decidedOn = appeal.complaintDecidedOn ?? complaintDecidedOn,
            case .late(let lastDay) = ComplaintTerm.status(
                decidedOn: decidedOn, learnedOn: appeal.complaintLearnedOn ?? decidedOn, filedOn: termsStartOn)
        {
            missed = lastDay
        }
        let ticket = Ticket(
            id: id, appealId: appeal.appealId, registrationNumber: appeal.registrationNumber,
            authority: decision.authority, status: .assigned,
            priority: Lifecycle.hasPriority(benefitCategory: appeal.author.benefitCategory), category: appeal.category,
            kind: appeal.kind, subject: appeal.subject, against: appeal.against, registeredAt: appeal.registeredAt,
            registeredOn: registeredOn, deadline: deadline, termsStartOn: termsStartOn, headPersonally: personally,
            complaintTermMissed: missed)
        let assigned = TicketAssigned(
            ticketId: id, appealId: appeal.appealId, registrationNumber: appeal.registrationNumber,
            authority: decision.authority, category: appeal.category, priority: ticket.priority, deadline: deadline,
            assignedAt: now, reason: decision.reason)
        var note = decision.reason
        if personally { note += "; Art. 15: the first head personally" }
        if let missed { note += "; Art. 17: complaint filed after \(missed)" }
        if termsStartOn != registeredOn { note += "; terms from \(termsStartOn) (received)" }
        return TicketTransition(
            ticket: ticket,
            history: TicketHistoryRecord(
                at: now, action: "assigned", actor: assigner, from: nil, to: .assigned,
                authority: decision.authority, note: note),
            events: [assigned])
    }

    /// Where a new appeal goes. A complaint naming the body complained about goes to the body
    /// directly above it in `hierarchy` (Art. 16, reason `complaint-upward`); at the top of the
    /// hierarchy, for a body it does not know, or without a hierarchy, `AppealRouter` decides (which
    /// never sends a complaint to the body it complains about, Art. 7).
    public static func route(
        _ appeal: AppealRegistered, rules: [RoutingRule], categoryDefault: String?, hierarchy: AuthorityHierarchy?
    ) -> AppealRouter.Decision {
        if appeal.kind == .complaint, let against = appeal.against, let hierarchy,
            case .higherBody(let upper) = ComplaintRoute.for(against: against, in: hierarchy)
        {
            return AppealRouter.Decision(authority: upper, reason: "complaint-upward")
        }
        // Only a complaint has a body it must be kept away from (Art. 7).
        return AppealRouter.route(
            category: appeal.category, district: appeal.district,
            against: appeal.kind == .complaint ? appeal.against : nil,
            rules: rules, categoryDefault: categoryDefault)
    }

    // MARK: People's actions

    /// Checks, in this order, that `actor` may see the ticket (else `notFound`), may do the action
    /// (else `forbidden`), that the action may start from the current status (else
    /// `invalidTransition`), then the law's rules for the action and what was sent. An answer or an
    /// extension from someone who does not sign for the body (`signs`) becomes the ticket's draft
    /// (`TicketDraft`): it takes effect when a head or deputy signs it (`TicketCommand.sign`).
    /// `hierarchy` (the stored one; the seed when not given) decides where a dispute goes.
    public func apply(
        _ command: TicketCommand, by actor: Principal, at now: Date, today: LocalDate,
        hierarchy: AuthorityHierarchy = .seed
    ) -> Result<TicketTransition, TicketRefusal> {
        Result { () throws(TicketRefusal) -> TicketTransition in
            try applying(command, by: actor, at: now, today: today, hierarchy: hierarchy)
        }
    }

    func applying(
        _ command: TicketCommand, by actor: Principal, at now: Date, today: LocalDate,
        hierarchy: AuthorityHierarchy = .seed
    ) throws(TicketRefusal) -> TicketTransition {
        let action = command.action
        guard actor.canRead(ticketAuthority: authority) else { throw .notFound }
        let permitted = action.isReceptionAction ? actor.canReopenAndClose : actor.canWork(ticketAuthority: authority)
        guard permitted else { throw .forbidden(action) }
        try Lifecycle.check(action, from: status)
        if action.actsOnTheMerits, let missed = complaintTermMissed {
            throw .law(.complaintTermMissed(lastDay: missed))
        }

        var next = self
        next.status = action.resultingStatus ?? status
        let by = actor.id
        switch command {
        case .accept:
            return next.transition(
                action: "accepted", actor: by, from: status, at: now, note: nil,
                events: [
                    TicketAccepted(
                        ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                        authority: authority, officialId: by, acceptedAt: now)
                ])

        case .forward(let to, let reason):
            guard Lifecycle.forwardAllowed(registeredOn: termsStartOn, today: today) else {
                throw .forwardWindowClosed(lastDay: lastForwardDate)
            }
            let target = to?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !target.isEmpty else { throw .required(field: "to") }
            guard Reference.authority(code: target) != nil else { throw .unknownAuthority }
            guard target != authority else { throw .sameAuthority }
            if kind == .complaint, let against, against == target { throw .complaintAgainstAuthority }
            let reason = try Lifecycle.reason(reason)
            next.authority = target
            next.draft = nil
            return next.transition(
                action: "forwarded", actor: by, from: status, at: now,
                note: "from \(authority): \(reason)",
                events: [
                    TicketForwarded(
                        ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                        authority: target, fromAuthority: authority, officialId: by, reason: reason,
                        forwardedAt: now, deadline: deadline),
                    TicketAssigned(
                        ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                        authority: target, category: category, priority: priority, deadline: deadline,
                        assignedAt: now, reason: "forwarded", previousAuthority: authority),
                ])

        case .extend(let days, let newDeadline, let reason):
            var requested: LocalDate?
            if let newDeadline {
                guard let parsed = LocalDate(string: newDeadline) else { throw .invalidDate(field: "newDeadline") }
                requested = parsed
            }
            let target = try Lifecycle.extendedDeadline(
                current: deadline, registeredOn: termsStartOn, days: days, newDeadline: requested)
            let reason = try Lifecycle.reason(reason)
            guard signs(actor) else {
                return drafted(
                    TicketDraft(
                        kind: .extension, newDeadline: target, reason: reason, preparedBy: by,
                        preparedByName: actor.name, preparedAt: now), by: by, at: now)
            }
            return extended(to: target, reason: reason, by: by, at: now, note: nil)

        case .answer(let outcome, let text):
            let (parsed, body) = try Lifecycle.validateAnswer(outcome: outcome, text: text)
            guard signs(actor) else {
                return drafted(
                    TicketDraft(
                        kind: .answer, outcome: parsed, text: body, preparedBy: by, preparedByName: actor.name,
                        preparedAt: now), by: by, at: now)
            }
            return answered(parsed, text: body, by: by, at: now, note: nil)

        case .sign:
            guard let draft else { throw .law(.noDraft) }
            try checkSigner(actor)
            let drafter = "signed; drafted by \(draft.preparedBy)"
            switch draft.kind {
            case .answer:
                try Lifecycle.check(.answer, from: status)
                let (parsed, body) = try Lifecycle.validateAnswer(outcome: draft.outcome?.rawValue, text: draft.text)
                return answered(parsed, text: body, by: by, at: now, note: drafter)
            case .extension:
                try Lifecycle.check(.extend, from: status)
                // Checked again at signing: the deadline or the cap may have moved since the draft.
                let target = try Lifecycle.extendedDeadline(
                    current: deadline, registeredOn: termsStartOn, days: nil, newDeadline: draft.newDeadline)
                return extended(to: target, reason: try Lifecycle.reason(draft.reason), by: by, at: now, note: drafter)
            }

        case .rejectDraft(let reason):
            guard let draft else { throw .law(.noDraft) }
            try checkSigner(actor)
            let reason = try Lifecycle.reason(reason)
            next.draft = nil
            return next.transition(
                action: "draft-rejected", actor: by, from: status, at: now,
                note: "\(draft.kind.rawValue) drafted by \(draft.preparedBy): \(reason)", events: [])

        case .restoreTerm(let reason):
            guard let missed = complaintTermMissed else { throw .law(.notLate) }
            if headPersonally { try checkSigner(actor) }
            let restored: ComplaintTerm.Status
            do {
                restored = try ComplaintTerm.restore(
                    .late(lastDay: missed), by: actor, forAuthority: authority, reason: reason)
            } catch { throw .law(error) }
            guard case .restored(_, _, let why) = restored else { throw .law(.notLate) }
            next.complaintTermMissed = nil
            return next.transition(
                action: "term-restored", actor: by, from: status, at: now,
                note: "Art. 17: the term missed on \(missed) restored: \(why)", events: [])

        case .reopen(let reason):
            let reason = try Lifecycle.reason(reason)
            let reopenedDeadline = Lifecycle.reopenedDeadline(today: today)
            next.deadline = reopenedDeadline
            next.escalated = false
            return next.transition(
                action: "reopened", actor: by, from: status, at: now, note: reason,
                events: [
                    TicketReopened(
                        ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                        authority: authority, reopenedBy: by, reason: reason, reopenedAt: now,
                        deadline: reopenedDeadline)
                ])

        case .close:
            return closed(by: by, at: now)

        case .dispute(let reason, let learnedOn):
            return try disputed(
                reason: reason, learnedOn: learnedOn, by: by, at: now, today: today, hierarchy: hierarchy)

        case .returnToAuthor(let explanation):
            let text: String
            do {
                text = try HeadRules.checkReturn(
                    by: actor, authority: authority, receivedOn: termsStartOn, today: today, explanation: explanation)
            } catch { throw .law(error) }
            return try closedByHead(
                next, action: "returned", note: "Art. 5: returned to the author",
                decision: AppealReturned(
                    appealId: appealId, registrationNumber: registrationNumber, reason: text, returnedAt: now,
                    returnedBy: by),
                actor: actor, at: now)

        case .notConsidered(let ground, let notice):
            let decided: (NotConsideredGround, String)
            do {
                decided = try HeadRules.checkNotConsidered(
                    by: actor, authority: authority, ground: ground, notice: notice)
            } catch { throw .law(error) }
            return try closedByHead(
                next, action: "not-considered", note: "Art. 8: not considered (\(decided.0.rawValue))",
                decision: AppealNotConsidered(
                    appealId: appealId, registrationNumber: registrationNumber, ticketId: id, authority: authority,
                    ground: decided.0.rawValue, notice: decided.1, decidedBy: by, decidedAt: now),
                actor: actor, at: now)
        }
    }

    // MARK: A resident's dispute of the answer (Art. 16–17)

    /// The dates a dispute carries: the decision complained about is the answer (its day in Kyiv;
    /// for a ticket closed without an answer, the day it closed), and the day the resident learned
    /// of it (given, else the decision's day). Refuses a learned day that is not a date, lies in the
    /// future or before the decision.
    public func disputeDates(learnedOn: String?, today: LocalDate) throws(TicketRefusal)
        -> (decidedOn: LocalDate, learnedOn: LocalDate)
    {
        let decidedOn = LocalDate(date: answeredAt ?? closedAt ?? registeredAt, in: .kyiv)
        guard let text = learnedOn?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return (decidedOn, decidedOn)
        }
        guard let learned = LocalDate(string: text) else { throw .invalidDate(field: "learnedOn") }
        guard learned <= today else {
            throw .law(.dateOutOfRange(field: "learnedOn", reason: "learnedOn cannot be in the future"))
        }
        guard learned >= decidedOn else {
            throw .law(
                .dateOutOfRange(
                    field: "learnedOn", reason: "learnedOn cannot be before the answer disputed (\(decidedOn))"))
        }
        return (decidedOn, learned)
    }

    /// The dispute, registered by reception, is a complaint against the body that answered: the
    /// ticket goes to the body directly above it in `hierarchy` (`ComplaintRoute`), reopened with
    /// a fresh standard term; its Art. 17 term is checked (`ComplaintTerm`) with the decision's and
    /// the learning's dates, and a late one waits for the head of the body above to restore the
    /// term or decide it is not considered. At the top of the hierarchy it is refused (court).
    func disputed(
        reason: String?, learnedOn: String?, by: String, at now: Date, today: LocalDate, hierarchy: AuthorityHierarchy
    ) throws(TicketRefusal) -> TicketTransition {
        let reason = try Lifecycle.reason(reason)
        let dates = try disputeDates(learnedOn: learnedOn, today: today)
        guard case .higherBody(let upper) = ComplaintRoute.for(against: authority, in: hierarchy) else {
            throw .law(.noHigherBody(authority))
        }
        let term = ComplaintTerm.status(decidedOn: dates.decidedOn, learnedOn: dates.learnedOn, filedOn: today)
        var next = self
        next.status = .reopened
        next.kind = .complaint
        next.against = authority
        next.authority = upper
        next.deadline = Lifecycle.reopenedDeadline(today: today)
        next.escalated = false
        next.closedAt = nil
        next.draft = nil
        var note =
            "Art. 16–17: dispute of the answer of \(authority) (decided \(dates.decidedOn), learned "
            + "\(dates.learnedOn)) sent to \(upper); "
        switch term {
        case .late(let lastDay):
            next.complaintTermMissed = lastDay
            note += "filed after its term (\(lastDay)): \(reason)"
        case .inTime(let lastDay), .restored(let lastDay, _, _):
            next.complaintTermMissed = nil
            note += "in time (until \(lastDay)): \(reason)"
        }
        // Assigned to the body above, then reopened there: the resident's tracking ends on
        // `reopened` at that body, as the ticket stands.
        return next.transition(
            action: "disputed", actor: by, from: status, at: now, note: note,
            events: [
                TicketAssigned(
                    ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                    authority: upper, category: category, priority: priority, deadline: next.deadline,
                    assignedAt: now, reason: "dispute-upward", previousAuthority: authority),
                TicketReopened(
                    ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                    authority: upper, reopenedBy: by, reason: reason, reopenedAt: now, deadline: next.deadline),
            ])
    }

    // MARK: Drafts and signatures (Art. 15, 20)

    /// Whether `actor`'s answer or extension takes effect at once: the head or a deputy of the
    /// holding body signs (Art. 15, 20); for Art. 15's categories only the first head.
    public func signs(_ actor: Principal) -> Bool {
        Self.signs(actor, authority: authority, headPersonally: headPersonally)
    }

    public static func signs(_ actor: Principal, authority: String, headPersonally: Bool) -> Bool {
        headPersonally
            ? HeadRules.mayConsiderPersonally(actor, forAuthority: authority)
            : HeadRules.mayDecide(actor, forAuthority: authority)
    }

    func checkSigner(_ actor: Principal) throws(TicketRefusal) {
        guard !signs(actor) else { return }
        throw .law(headPersonally && HeadRules.mayDecide(actor, forAuthority: authority) ? .headPersonally : .headOnly)
    }

    /// An official's answer or extension: kept as the ticket's draft (replacing an earlier one)
    /// until the head signs it. Nothing takes effect, no event goes out and no history row is
    /// written; the signature or the rejection records it, naming the drafter.
    func drafted(_ draft: TicketDraft, by actor: String, at now: Date) -> TicketTransition {
        var next = self
        next.draft = draft
        var transition = next.transition(
            action: "\(draft.kind.rawValue)-drafted", actor: actor, from: status, at: now, note: nil, events: [])
        transition.recordsHistory = false
        return transition
    }

    func answered(_ outcome: AnswerOutcome, text: String, by: String, at now: Date, note: String?) -> TicketTransition {
        var next = self
        next.status = .answered
        next.outcome = outcome
        next.answerText = text
        next.answeredAt = now
        next.draft = nil
        return next.transition(
            action: "answered", actor: by, from: status, at: now,
            note: note.map { "\(outcome.rawValue); \($0)" } ?? outcome.rawValue,
            events: [
                TicketAnswered(
                    ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                    authority: authority, officialId: by, outcome: outcome, answerText: text, answeredAt: now)
            ])
    }

    func extended(to target: LocalDate, reason: String, by: String, at now: Date, note: String?) -> TicketTransition {
        var next = self
        next.status = .accepted
        next.deadline = target
        next.extended = true
        next.draft = nil
        let line = "\(deadline) → \(target): \(reason)"
        return next.transition(
            action: "extended", actor: by, from: status, at: now, note: note.map { "\(line); \($0)" } ?? line,
            events: [
                TicketExtended(
                    ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                    authority: authority, officialId: by, reason: reason, previousDeadline: deadline,
                    newDeadline: target, extendedAt: now)
            ])
    }

    // MARK: The system's changes

    /// An answered ticket closed by reception, or by the system when nobody disputed it in time.
    func closed(by closer: String, at now: Date, note: String? = nil) -> TicketTransition {
        var next = self
        next.status = .closed
        next.closedAt = now
        return next.transition(
            action: "closed", actor: closer, from: status, at: now, note: note,
            events: [closedEvent(at: now, by: closer)])
    }

    /// The head's decision that ends the appeal without an answer (returned, not considered): signed
    /// personally where Art. 15 asks it; `next` closes with `decision` and `ticket.closed`.
    func closedByHead(
        _ next: Ticket, action: String, note: String, decision: any DomainEvent, actor: Principal, at now: Date
    ) throws(TicketRefusal) -> TicketTransition {
        if headPersonally { try checkSigner(actor) }
        var next = next
        next.closedAt = now
        next.draft = nil
        return next.transition(
            action: action, actor: actor.id, from: status, at: now, note: note,
            events: [decision, closedEvent(at: now, by: actor.id)])
    }

    /// `ticket.closed` for this ticket, naming who closed it.
    func closedEvent(at now: Date, by closer: String) -> TicketClosed {
        TicketClosed(
            ticketId: id, appealId: appealId, registrationNumber: registrationNumber, authority: authority,
            closedAt: now, closedBy: closer)
    }

    /// `ticket.deadline-approaching` for today (the ticket itself does not change).
    public func deadlineApproaching(today: LocalDate, at now: Date) -> TicketDeadlineApproaching {
        TicketDeadlineApproaching(
            ticketId: id, appealId: appealId, registrationNumber: registrationNumber, authority: authority,
            deadline: deadline, daysLeft: today.days(until: deadline), raisedAt: now)
    }

    /// Overdue: escalated to the mayor's reception, with a history row and `ticket.overdue`.
    public func escalatedAsOverdue(today: LocalDate, at now: Date) -> TicketTransition {
        var next = self
        next.escalated = true
        return TicketTransition(
            ticket: next,
            history: TicketHistoryRecord(
                at: now, action: "escalated", actor: DeadlineWatch.watcherActor, from: status, to: status,
                authority: authority, note: "overdue since \(deadline); escalated to \(Reference.defaultAuthority)"),
            events: [
                TicketOverdue(
                    ticketId: id, appealId: appealId, registrationNumber: registrationNumber,
                    authority: authority, deadline: deadline, daysOverdue: deadline.days(until: today),
                    raisedAt: now, escalatedTo: Reference.defaultAuthority)
            ])
    }

    /// Answered and undisputed for long enough: taken off control by the named rule, which the
    /// card records as the actor and in the note.
    public func autoClosed(at now: Date) -> TicketTransition {
        closed(
            by: DeadlineWatch.autoCloseRule, at: now,
            note: "taken off control by rule \(DeadlineWatch.autoCloseRule): answered, not disputed")
    }

    /// Intake returned the appeal as defective: the ticket closes, whatever its status, unless it
    /// is closed already (then nil: nothing to do).
    public func returned(by returner: String?, at now: Date) -> TicketTransition? {
        guard status != .closed else { return nil }
        var next = self
        next.status = .closed
        next.closedAt = now
        return next.transition(
            action: "returned", actor: returner ?? "intake", from: status, at: now, note: nil,
            events: [closedEvent(at: now, by: "returned")])
    }

    private func transition(
        action: String, actor: String, from: TicketStatus, at now: Date, note: String?, events: [any DomainEvent]
    ) -> TicketTransition {
        TicketTransition(
            ticket: self,
            history: TicketHistoryRecord(
                at: now, action: action, actor: actor, from: from, to: status,
                authority: authority, note: note),
            events: events)
    }
}
