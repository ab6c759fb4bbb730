import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The inbox's own work on a ticket (issue 14): handing it to a colleague of the same authority
/// and internal notes. Each change commits with its event (`ticket.delegated`, `ticket.note-added`)
/// in the outbox, so the audit trail records it; neither is shown to the resident.
public struct InboxNote: Sendable, Equatable {
    public var at: Date
    public var author: String
    public var authorName: String?
    public var text: String
}

/// An official a ticket may be handed to.
public struct Colleague: Sendable, Equatable {
    public var id: UUID
    public var name: String
}

extension RoutingStore {
    public static let maxNoteLength = 4_000

    /// The active officials of `authority` who work on tickets (not reception or administrators).
    public static func colleagues(of authority: String, on c: PostgresConnection) throws -> [Colleague] {
        try c.query(
            """
            SELECT id, name FROM officials
            WHERE authority = \(authority) AND active AND role IN ('official', 'head', 'deputy')
            ORDER BY name
            """
        ).map { Colleague(id: try $0.decode(0), name: try $0.decode(1)) }
    }

    /// Hands the ticket to `assignee` (nil: to nobody). Only someone who works on the ticket may do
    /// it, and only to a working official of the ticket's authority.
    @discardableResult
    public static func assign(
        ticketId: UUID, to assignee: UUID?, principal: Principal, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> Ticket {
        let c = tx.connection
        guard let t = try loadTicket(id: ticketId, forUpdate: true, on: c),
            principal.canRead(ticketAuthority: t.authority)
        else { throw TicketRefusal.notFound }
        guard principal.canWork(ticketAuthority: t.authority) else {
            throw RoutingError(.forbidden, code: "forbidden", message: "only the holding authority assigns its tickets")
        }
        if let assignee, !(try colleagues(of: t.authority, on: c)).contains(where: { $0.id == assignee }) {
            throw RoutingError(
                .invalid, code: "not_a_colleague", field: "assignee",
                message: "the ticket can be assigned only to an official of its authority")
        }
        let previous = try c.query("SELECT assignee FROM tickets WHERE id = \(ticketId)").first?
            .decode(0, as: UUID?.self)
        guard previous != assignee else { return t }
        try c.execute("UPDATE tickets SET assignee = \(assignee), updated_at = \(now) WHERE id = \(ticketId)")
        try tx.publish(
            TicketDelegated(
                ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                assignee: assignee, previousAssignee: previous, delegatedBy: principal.id, delegatedAt: now),
            correlationId: t.appealId, occurredAt: now)
        return t
    }

    /// Adds an internal note (1 to `maxNoteLength` characters) by someone who may read the ticket.
    public static func addNote(
        ticketId: UUID, text: String, principal: Principal, now: Date, in tx: UnitOfWork.Transaction
    ) throws {
        let c = tx.connection
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else {
            throw RoutingError(.invalid, code: "required", field: "note", message: "the note is empty")
        }
        guard text.count <= maxNoteLength else {
            throw RoutingError(
                .invalid, code: "note_too_long", field: "note",
                message: "a note may have at most \(maxNoteLength) characters")
        }
        guard let t = try loadTicket(id: ticketId, forUpdate: false, on: c),
            principal.canRead(ticketAuthority: t.authority)
        else { throw TicketRefusal.notFound }
        try c.execute(
            """
            INSERT INTO ticket_notes (ticket_id, at, author, body)
            VALUES (\(ticketId), \(now), \(principal.id), \(text))
            """)
        try tx.publish(
            TicketNoteAdded(
                ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                author: principal.id, text: text, addedAt: now),
            correlationId: t.appealId, occurredAt: now)
    }

    /// The ticket's internal notes, oldest first, with their authors' names.
    public static func notes(ticketId: UUID, on c: PostgresConnection) throws -> [InboxNote] {
        try c.query(
            """
            SELECT n.at, n.author, o.name, n.body FROM ticket_notes n
            LEFT JOIN officials o ON o.id::text = n.author
            WHERE n.ticket_id = \(ticketId) ORDER BY n.id
            """
        ).map {
            InboxNote(
                at: try $0.decode(0), author: try $0.decode(1), authorName: try $0.decode(2), text: try $0.decode(3))
        }
    }

    /// Who the ticket is assigned to (nil: nobody).
    public static func assignee(ticketId: UUID, on c: PostgresConnection) throws -> UUID? {
        try c.query("SELECT assignee FROM tickets WHERE id = \(ticketId)").first?.decode(0, as: UUID?.self)
    }

    /// The group the ticket belongs to (id and title), if any.
    public static func groupOf(ticketId: UUID, on c: PostgresConnection) throws -> (UUID, String)? {
        try c.query(
            "SELECT g.id, g.title FROM tickets t JOIN ticket_groups g ON g.id = t.group_id WHERE t.id = \(ticketId)"
        ).first.map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: String.self)) }
    }
}
