import Foundation

/// Outcome codes of an answer (registration card): resolved positively, refused, explained, other.
public enum AnswerOutcome: String, Codable, Sendable, CaseIterable {
    case resolvedPositively = "resolved-positively"
    case refused, explained, other
}

/// Every ticket event names the ticket, its appeal and the authority holding the ticket after the
/// event; the authority is the routing-key suffix (`ticket.assigned.v1.zhkg`).
public protocol TicketEvent: DomainEvent {
    var ticketId: UUID { get }
    var appealId: UUID { get }
    var registrationNumber: String { get }
    /// The authority holding the ticket after this event.
    var authority: String { get }
}

extension TicketEvent {
    public var routingKeySuffix: String? { authority }
}

/// An appeal was assigned to an authority (by rule, forwarding or escalation).
public struct TicketAssigned: TicketEvent {
    public static let eventType = "ticket.assigned"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var category: String
    public var priority: Bool
    public var deadline: LocalDate
    public var assignedAt: Date
    /// "rule" | "forwarded" | "escalated" | "reassigned" …
    public var reason: String?
    public var previousAuthority: String?

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, category: String, priority: Bool,
        deadline: LocalDate, assignedAt: Date, reason: String? = nil, previousAuthority: String? = nil
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.category = category
        self.priority = priority
        self.deadline = deadline
        self.assignedAt = assignedAt
        self.reason = reason
        self.previousAuthority = previousAuthority
    }
}

/// An official of the holding authority took the ticket.
public struct TicketAccepted: TicketEvent {
    public static let eventType = "ticket.accepted"
    public static let version = 1

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var officialId: String
    public var acceptedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, officialId: String,
        acceptedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.officialId = officialId
        self.acceptedAt = acceptedAt
    }
}

/// The ticket went to the competent authority (Art. 7); `authority` is the new holder.
public struct TicketForwarded: TicketEvent {
    public static let eventType = "ticket.forwarded"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var fromAuthority: String
    public var officialId: String
    /// Free text (may quote the appeal: personal data).
    public var reason: String
    public var forwardedAt: Date
    public var deadline: LocalDate

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, fromAuthority: String,
        officialId: String, reason: String, forwardedAt: Date, deadline: LocalDate
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.fromAuthority = fromAuthority
        self.officialId = officialId
        self.reason = reason
        self.forwardedAt = forwardedAt
        self.deadline = deadline
    }
}

/// The head extended the term (author told; at most `Law.maxTermDays` in total).
public struct TicketExtended: TicketEvent {
    public static let eventType = "ticket.extended"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var officialId: String
    /// Free text (personal data).
    public var reason: String
    public var previousDeadline: LocalDate
    public var newDeadline: LocalDate
    public var extendedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, officialId: String,
        reason: String,
        previousDeadline: LocalDate, newDeadline: LocalDate, extendedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.officialId = officialId
        self.reason = reason
        self.previousDeadline = previousDeadline
        self.newDeadline = newDeadline
        self.extendedAt = extendedAt
    }
}

/// The authority answered (Art. 15, 19).
public struct TicketAnswered: TicketEvent {
    public static let eventType = "ticket.answered"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["answerText"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var officialId: String
    public var outcome: AnswerOutcome
    /// The written answer (personal data).
    public var answerText: String
    public var answeredAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, officialId: String,
        outcome: AnswerOutcome, answerText: String, answeredAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.officialId = officialId
        self.outcome = outcome
        self.answerText = answerText
        self.answeredAt = answeredAt
    }
}

/// The resident disputed the answer; the ticket is open again with a new deadline.
public struct TicketReopened: TicketEvent {
    public static let eventType = "ticket.reopened"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var reopenedBy: String
    /// Free text (personal data).
    public var reason: String
    public var reopenedAt: Date
    public var deadline: LocalDate

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, reopenedBy: String,
        reason: String,
        reopenedAt: Date, deadline: LocalDate
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.reopenedBy = reopenedBy
        self.reason = reason
        self.reopenedAt = reopenedAt
        self.deadline = deadline
    }
}

/// The ticket was taken off control (answer confirmed or not objected to).
public struct TicketClosed: TicketEvent {
    public static let eventType = "ticket.closed"
    public static let version = 1

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var closedAt: Date
    public var closedBy: String

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, closedAt: Date, closedBy: String
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.closedAt = closedAt
        self.closedBy = closedBy
    }
}

/// The deadline watcher: `daysLeft` days (≤ `Law.deadlineWarningDays`) remain.
public struct TicketDeadlineApproaching: TicketEvent {
    public static let eventType = "ticket.deadline-approaching"
    public static let version = 1

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var deadline: LocalDate
    public var daysLeft: Int
    public var raisedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, deadline: LocalDate,
        daysLeft: Int,
        raisedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.deadline = deadline
        self.daysLeft = daysLeft
        self.raisedAt = raisedAt
    }
}

/// The deadline watcher: the deadline has passed; escalated to `escalatedTo`.
public struct TicketOverdue: TicketEvent {
    public static let eventType = "ticket.overdue"
    public static let version = 1

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var deadline: LocalDate
    public var daysOverdue: Int
    public var raisedAt: Date
    /// Usually `Reference.defaultAuthority` ("mayor-reception").
    public var escalatedTo: String

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, deadline: LocalDate,
        daysOverdue: Int, raisedAt: Date, escalatedTo: String = Reference.defaultAuthority
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.deadline = deadline
        self.daysOverdue = daysOverdue
        self.raisedAt = raisedAt
        self.escalatedTo = escalatedTo
    }
}
