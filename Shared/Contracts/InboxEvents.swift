import Foundation

// The officials' inbox (issue 14): its work on a ticket that is not a legal step — an internal
// note, handing a ticket to a colleague, linking appeals about one incident. Produced by routing so
// the audit trail records them; nothing here is shown to the resident, and the consumers that bind
// `ticket.#` for the resident (tracking, notification) ignore these types.

/// An official wrote an internal note on a ticket (never shown to the resident).
public struct TicketNoteAdded: TicketEvent {
    public static let eventType = "ticket.note-added"
    public static let version = 1
    /// The note may name people: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["text"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    /// The official who wrote it (an official's id).
    public var author: String
    public var text: String
    public var addedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, author: String, text: String,
        addedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.author = author
        self.text = text
        self.addedAt = addedAt
    }
}

/// A ticket was handed to an official of its authority (or taken back: `assignee` nil).
public struct TicketDelegated: TicketEvent {
    public static let eventType = "ticket.delegated"
    public static let version = 1

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    /// The official now working on it (nil: nobody in particular).
    public var assignee: UUID?
    public var previousAssignee: UUID?
    /// Who handed it over.
    public var delegatedBy: String
    public var delegatedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, assignee: UUID?,
        previousAssignee: UUID?, delegatedBy: String, delegatedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.assignee = assignee
        self.previousAssignee = previousAssignee
        self.delegatedBy = delegatedBy
        self.delegatedAt = delegatedAt
    }
}

/// A ticket was linked into a group of appeals about one incident (one event per ticket).
public struct TicketGrouped: TicketEvent {
    public static let eventType = "ticket.grouped"
    public static let version = 1
    /// The group's title is typed by an official and may name a place or a person.
    public static let personalFields: [[String]] = [["groupTitle"]]

    public var ticketId: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var groupId: UUID
    public var groupTitle: String
    public var groupedBy: String
    public var groupedAt: Date

    public init(
        ticketId: UUID, appealId: UUID, registrationNumber: String, authority: String, groupId: UUID,
        groupTitle: String, groupedBy: String, groupedAt: Date
    ) {
        self.ticketId = ticketId
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.groupId = groupId
        self.groupTitle = groupTitle
        self.groupedBy = groupedBy
        self.groupedAt = groupedAt
    }
}
