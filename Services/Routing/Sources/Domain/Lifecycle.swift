import Foundation
import HromadaContracts

/// The states of a ticket (DOMAIN.md lifecycle). `forwarded` is transient: a forward re-assigns
/// the ticket to the new authority with status `assigned` and publishes `ticket.forwarded`.
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case assigned, accepted, forwarded, extended, answered, reopened, closed

    /// Statuses in which the authority still owes an answer (the deadline watcher looks at these).
    public var isOpen: Bool { self != .answered && self != .closed }
}

/// What a person can do to a ticket (the verb of `POST /v1/tickets/{id}/{action}`).
public enum TicketAction: String, Codable, Sendable, CaseIterable {
    case accept, forward, extend, answer, reopen, close
    /// Art. 5, 7: the head returns a defective appeal to its author with an explanation.
    case returnToAuthor = "return"
    /// Art. 8: the head decides the appeal is not considered, on a ground, with a written notice.
    case notConsidered = "not-considered"
    /// Art. 15, 20: the head or a deputy signs the answer or extension an official drafted.
    case sign
    /// The head or a deputy rejects the waiting draft, with a reason.
    case rejectDraft = "reject-draft"
    /// Art. 17: the head or a deputy restores a complaint's missed term for good cause.
    case restoreTerm = "restore-term"
    /// Art. 16–17: reception registers a resident's dispute of an answer as a complaint; the ticket
    /// goes to the body above the one that answered, with the decision's and learning's dates.
    case dispute

    /// The statuses this action may start from.
    public var allowedFrom: Set<TicketStatus> {
        switch self {
        case .accept: [.assigned, .reopened]
        case .forward: [.assigned, .accepted]
        case .extend: [.accepted]
        case .answer: [.accepted, .reopened]
        case .reopen: [.answered]
        case .close: [.answered]
        case .returnToAuthor: [.assigned, .accepted]
        case .notConsidered: [.assigned, .accepted, .reopened]
        case .sign, .rejectDraft: [.accepted, .reopened]
        case .restoreTerm: [.assigned, .accepted, .reopened]
        case .dispute: [.answered, .closed]
        }
    }

    /// Actions on the merits of an appeal: refused while a complaint's Art. 17 term is missed and
    /// not restored (Art. 8: such a complaint is not considered).
    public var actsOnTheMerits: Bool { self == .extend || self == .answer || self == .sign }

    /// The status after the action (a forward lands as `assigned` at the new authority).
    /// `Ticket.apply` moves the ticket to this status and nowhere else. Nil: the action leaves the
    /// status as it is (a draft, its rejection, a restored term) or, for `sign`, the draft decides
    /// (an answer → `answered`, an extension → `accepted`). An official's answer or extension is a
    /// draft: it changes nothing until signed.
    public var resultingStatus: TicketStatus? {
        switch self {
        case .accept: .accepted
        case .forward: .assigned
        case .extend: .accepted
        case .answer: .answered
        case .reopen, .dispute: .reopened
        case .close, .returnToAuthor, .notConsidered: .closed
        case .sign, .rejectDraft, .restoreTerm: nil
        }
    }

    /// Reopen, close and a resident's dispute belong to the mayor's reception; the rest to the
    /// holding authority.
    public var isReceptionAction: Bool { self == .reopen || self == .close || self == .dispute }
}

/// The law's windows and limits, free of storage and time sources, so they can be unit-tested.
public enum Lifecycle {
    /// Refuses `action` from `status` with `invalidTransition` naming the current status.
    public static func check(_ action: TicketAction, from status: TicketStatus) throws(TicketRefusal) {
        guard action.allowedFrom.contains(status) else { throw .invalidTransition(from: status, action: action) }
    }

    /// Art. 7: the last day a forward is allowed is registration + 5 days.
    public static func lastForwardDate(registeredOn: LocalDate) -> LocalDate {
        registeredOn.adding(days: Law.forwardWindowDays)
    }

    public static func forwardAllowed(registeredOn: LocalDate, today: LocalDate) -> Bool {
        today <= lastForwardDate(registeredOn: registeredOn)
    }

    /// Art. 20: an appeal needing study is answered within one month of its arrival, the others
    /// within 15 days; with an extension never past arrival + 45 days. The category's term of
    /// `Law.studyTermDays` (30) stands for the law's "one month" and is counted as a calendar
    /// month (31 January → 28/29 February, see `LawCalendar`); other terms are calendar days.
    /// An unknown term (0 or less) is the month; any term is capped at arrival + 45 days.
    public static func initialDeadline(registeredOn: LocalDate, termDays: Int) -> LocalDate {
        let end: LocalDate
        if termDays <= 0 || termDays == Law.studyTermDays {
            end = LawCalendar.adding(months: 1, to: registeredOn)
        } else {
            end = registeredOn.adding(days: termDays)
        }
        return min(end, Law.latestDeadline(registeredOn: registeredOn))
    }

    /// The deadline an extension asks for: an explicit date, or `days` added to the current
    /// deadline. It must be later than the current deadline and not past registration + 45 days.
    public static func extendedDeadline(
        current: LocalDate, registeredOn: LocalDate, days: Int?, newDeadline: LocalDate?
    ) throws(TicketRefusal) -> LocalDate {
        let target: LocalDate
        if let newDeadline {
            target = newDeadline
        } else if let days {
            guard days > 0 else { throw .daysNotPositive }
            target = current.adding(days: days)
        } else {
            throw .required(field: "newDeadline")
        }
        let field = newDeadline != nil ? "newDeadline" : "days"
        guard target > current else { throw .notLater(current: current, field: field) }
        let cap = Law.latestDeadline(registeredOn: registeredOn)
        guard target <= cap else { throw .beyondLegalMaximum(cap: cap, field: field) }
        return target
    }

    /// A reopened appeal is considered anew: today + the standard term (15 days).
    public static func reopenedDeadline(today: LocalDate) -> LocalDate { today.adding(days: Law.standardTermDays) }

    /// The shortest answer text, and the shortest refusal (Art. 19: a refusal gives its reasons).
    public static let minimumAnswerLength = 10
    public static let minimumRefusalLength = 20

    /// Checks an answer: outcome known, text at least 10 characters; a refusal gives reasons (≥ 20).
    /// The outcome is checked first, so the refusal names the outcome when both are wrong.
    public static func validateAnswer(outcome: String?, text: String?) throws(TicketRefusal) -> (AnswerOutcome, String)
    {
        guard let outcome else { throw .required(field: "outcome") }
        guard let parsed = AnswerOutcome(rawValue: outcome) else { throw .unknownOutcome }
        let body = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if body.count < minimumAnswerLength { throw .answerTooShort(empty: body.isEmpty) }
        if parsed == .refused && body.count < minimumRefusalLength { throw .reasonsRequired }
        return (parsed, body)
    }

    /// A reason (forward, extend, reopen) is required and kept without surrounding blanks.
    public static func reason(_ text: String?) throws(TicketRefusal) -> String {
        let reason = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !reason.isEmpty else { throw .required(field: "reason") }
        return reason
    }

    /// Holders of legal benefits (war veterans, persons with disabilities, …) are handled first.
    public static func hasPriority(benefitCategory: String?) -> Bool {
        benefitCategory.map { !$0.isEmpty } ?? false
    }
}
