import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// An answer template of an authority (kept by its officials, offered by the answer form).
public struct AnswerTemplate: Sendable, Equatable {
    public var id: UUID
    public var authority: String
    public var title: String
    public var body: String
}

/// A group of appeals about one incident and its open tickets.
public struct TicketGroup: Sendable {
    public var id: UUID
    public var authority: String
    public var title: String
    public var tickets: [Ticket]
}

/// What a group action did: the tickets it changed and those it left (already answered, say).
public struct GroupActionResult: Sendable, Equatable {
    public var changed: [String]
    public var skipped: [String]
}

extension RoutingStore {
    public static let maxTemplateTitle = 120
    public static let maxTemplateBody = 10_000
    public static let maxGroupTitle = 200
    public static let maxGroupSize = 500

    // MARK: Answer templates

    /// Whether `principal` keeps `authority`'s templates and groups: its working officials.
    static func worksFor(_ principal: Principal, authority: String) -> Bool {
        principal.authority == authority && [.official, .head, .deputy].contains(principal.role)
    }

    public static func templates(authority: String, on c: PostgresConnection) throws -> [AnswerTemplate] {
        try c.query(
            "SELECT id, authority, title, body FROM answer_templates WHERE authority = \(authority) ORDER BY title"
        ).map {
            AnswerTemplate(
                id: try $0.decode(0), authority: try $0.decode(1), title: try $0.decode(2), body: try $0.decode(3))
        }
    }

    /// Adds a template to the principal's authority, or replaces the text of the one with that title.
    public static func saveTemplate(
        title: String, body: String, principal: Principal, now: Date, on c: PostgresConnection
    ) throws {
        guard let authority = principal.authority, worksFor(principal, authority: authority) else {
            throw RoutingError(
                .forbidden, code: "forbidden", message: "only an authority's officials keep its templates")
        }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        var errors: [RoutingError] = []
        if title.isEmpty || title.count > maxTemplateTitle {
            errors.append(
                RoutingError(
                    .invalid, code: title.isEmpty ? "required" : "too_long", field: "title",
                    message: "the title has 1 to \(maxTemplateTitle) characters"))
        }
        if body.count < Lifecycle.minimumAnswerLength || body.count > maxTemplateBody {
            errors.append(
                RoutingError(
                    .invalid, code: body.isEmpty ? "required" : "template_length", field: "body",
                    message: "the text has \(Lifecycle.minimumAnswerLength) to \(maxTemplateBody) characters"))
        }
        if let first = errors.first { throw first }
        try c.execute(
            """
            INSERT INTO answer_templates (id, authority, title, body, updated_by, updated_at)
            VALUES (\(UUID()), \(authority), \(title), \(body), \(principal.id), \(now))
            ON CONFLICT (authority, title) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by,
                updated_at = EXCLUDED.updated_at
            """)
    }

    public static func deleteTemplate(id: UUID, principal: Principal, on c: PostgresConnection) throws {
        guard let authority = principal.authority, worksFor(principal, authority: authority) else {
            throw RoutingError(
                .forbidden, code: "forbidden", message: "only an authority's officials keep its templates")
        }
        try c.execute("DELETE FROM answer_templates WHERE id = \(id) AND authority = \(authority)")
    }

    // MARK: Groups of appeals about one incident

    /// Links `ticketIds` (open tickets of the principal's authority) into a new group, one
    /// `ticket.grouped` each. A ticket already in a group moves to the new one.
    public static func createGroup(
        title: String, ticketIds: [UUID], principal: Principal, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> UUID {
        let c = tx.connection
        guard let authority = principal.authority, worksFor(principal, authority: authority) else {
            throw RoutingError(
                .forbidden, code: "forbidden", message: "only an authority's officials group its tickets")
        }
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.count <= maxGroupTitle else {
            throw RoutingError(
                .invalid, code: "required", field: "title",
                message: "the group's title has 1 to \(maxGroupTitle) characters")
        }
        let ids = Array(Set(ticketIds))
        guard ids.count >= 2, ids.count <= maxGroupSize else {
            throw RoutingError(
                .invalid, code: "group_size", field: "ticket", message: "choose 2 to \(maxGroupSize) appeals to group")
        }
        let id = UUID()
        try c.execute(
            """
            INSERT INTO ticket_groups (id, authority, title, created_by, created_at)
            VALUES (\(id), \(authority), \(title), \(principal.id), \(now))
            """)
        for ticketId in ids.sorted(by: { $0.uuidString < $1.uuidString }) {
            guard let t = try loadTicket(id: ticketId, forUpdate: true, on: c), t.authority == authority else {
                throw RoutingError(
                    .invalid, code: "not_own_ticket", field: "ticket", message: "only the authority's own tickets group"
                )
            }
            try c.execute("UPDATE tickets SET group_id = \(id), updated_at = \(now) WHERE id = \(ticketId)")
            try tx.publish(
                TicketGrouped(
                    ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber,
                    authority: t.authority, groupId: id, groupTitle: title, groupedBy: principal.id, groupedAt: now),
                correlationId: t.appealId, occurredAt: now)
        }
        return id
    }

    /// The group with its tickets (every state), for someone who may read the authority's tickets.
    public static func group(id: UUID, principal: Principal, on c: PostgresConnection) throws -> TicketGroup {
        guard
            let row = try c.query("SELECT authority, title FROM ticket_groups WHERE id = \(id)").first,
            principal.canRead(ticketAuthority: try row.decode(0, as: String.self))
        else { throw TicketRefusal.notFound }
        let tickets = try c.query(selectTickets("WHERE group_id = \(id) ORDER BY registration_number")).map(
            ticket(from:))
        return TicketGroup(id: id, authority: try row.decode(0), title: try row.decode(1), tickets: tickets)
    }

    /// Applies `command` (an answer, or the head's signature) to every ticket of the group the action
    /// is allowed on (an answer skips tickets whose draft already waits for the signature), in this
    /// one transaction: each ticket gets its own transition, history row and
    /// events (each resident answered and counted); the others are left and named. A refusal on
    /// any ticket undoes the whole group's action.
    public static func performOnGroup(
        _ command: TicketCommand, groupId: UUID, principal: Principal, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> GroupActionResult {
        let c = tx.connection
        let group = try group(id: groupId, principal: principal, on: c)
        var result = GroupActionResult(changed: [], skipped: [])
        for t in group.tickets {
            // Answering the group takes the tickets not yet taken (an `accept` of its own, as the
            // official would do one by one), then answers each.
            let accepting =
                command.action == .answer && TicketAction.accept.allowedFrom.contains(t.status)
                && t.status != .reopened
            guard accepting || command.action.allowedFrom.contains(t.status),
                command.action != .sign || t.draft != nil, command.action != .answer || t.draft == nil
            else {
                result.skipped.append(t.registrationNumber)
                continue
            }
            if accepting { _ = try perform(.accept, ticketId: t.id, principal: principal, now: now, in: tx) }
            let ticket = try perform(command, ticketId: t.id, principal: principal, now: now, in: tx)
            try recordAccess(to: ticket, by: principal, purpose: "group.\(command.action.rawValue)", now: now, in: tx)
            result.changed.append(t.registrationNumber)
        }
        return result
    }

    /// The groups of an authority that still have open tickets, newest first.
    public static func openGroups(authority: String?, on c: PostgresConnection) throws -> [(UUID, String, Int)] {
        try c.query(
            PostgresQuery(
                stringLiteral: """
                    SELECT g.id, g.title, count(t.id) FROM ticket_groups g JOIN tickets t ON t.group_id = g.id
                    WHERE t.\(isOpenCondition)
                    """)
                + " AND (\(authority)::text IS NULL OR g.authority = \(authority))"
                + " GROUP BY g.id, g.title, g.created_at ORDER BY g.created_at DESC LIMIT 50"
        ).map { (try $0.decode(0, as: UUID.self), try $0.decode(1, as: String.self), try $0.decode(2, as: Int.self)) }
    }
}
