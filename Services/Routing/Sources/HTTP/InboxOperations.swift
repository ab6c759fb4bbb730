import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// The inbox's operations, shared by the web inbox and the tests: a page of the list, the CSV
/// export (a personal-data access, recorded per ticket like a view), assignment and notes.
extension RoutingAPI {
    /// The most rows one export writes (and records as accessed); a larger list asks for a filter.
    public static let exportLimit = 5_000

    public func inbox(_ query: InboxQuery, principal: Principal) async throws -> InboxPage {
        let today = self.today
        return try await runtime.database.withConnection { c in
            try RoutingStore.inboxPage(query, principal: principal, today: today, on: c)
        }
    }

    /// The filtered list's rows for the export (at most `exportLimit`), each recorded as
    /// `personal-data.accessed` with purpose `inbox.export` in the same transaction.
    public func exportRows(_ query: InboxQuery, principal: Principal) async throws -> [InboxRow] {
        let today = self.today
        return try await write { tx, now in
            let rows = try RoutingStore.inboxRows(
                query, principal: principal, today: today, limit: Self.exportLimit, on: tx.connection)
            for row in rows {
                try RoutingStore.recordAccess(to: row.ticket, by: principal, purpose: "inbox.export", now: now, in: tx)
            }
            return rows
        }
    }

    public func assign(ticketId: UUID, to assignee: UUID?, principal: Principal) async throws {
        _ = try await write { tx, now in
            try RoutingStore.assign(ticketId: ticketId, to: assignee, principal: principal, now: now, in: tx)
        }
    }

    public func addNote(ticketId: UUID, text: String, principal: Principal) async throws {
        try await write { tx, now in
            try RoutingStore.addNote(ticketId: ticketId, text: text, principal: principal, now: now, in: tx)
        }
    }

    /// What the ticket page shows of the inbox's work: notes, the assignee and who may take it.
    public func inboxWork(ticketId: UUID, authority: String) async throws
        -> (notes: [InboxNote], assignee: UUID?, colleagues: [Colleague], group: (UUID, String)?)
    {
        try await runtime.database.withConnection { c in
            (
                try RoutingStore.notes(ticketId: ticketId, on: c), try RoutingStore.assignee(ticketId: ticketId, on: c),
                try RoutingStore.colleagues(of: authority, on: c), try RoutingStore.groupOf(ticketId: ticketId, on: c)
            )
        }
    }
}

extension RoutingAPI {
    public func templates(authority: String) async throws -> [AnswerTemplate] {
        try await runtime.database.withConnection { c in try RoutingStore.templates(authority: authority, on: c) }
    }

    public func saveTemplate(title: String, body: String, principal: Principal) async throws {
        let now = settings.clock()
        try await runtime.database.withConnection { c in
            try RoutingStore.saveTemplate(title: title, body: body, principal: principal, now: now, on: c)
        }
    }

    public func deleteTemplate(id: UUID, principal: Principal) async throws {
        try await runtime.database.withConnection { c in
            try RoutingStore.deleteTemplate(id: id, principal: principal, on: c)
        }
    }

    public func createGroup(title: String, ticketIds: [UUID], principal: Principal) async throws -> UUID {
        try await write { tx, now in
            try RoutingStore.createGroup(title: title, ticketIds: ticketIds, principal: principal, now: now, in: tx)
        }
    }

    public func group(id: UUID, principal: Principal) async throws -> TicketGroup {
        try await runtime.database.withConnection { c in try RoutingStore.group(id: id, principal: principal, on: c) }
    }

    /// Answers (or, for the head, signs) every ticket of a group in one transaction.
    public func performOnGroup(
        _ action: TicketAction, groupId: UUID, request: TicketActionRequest, principal: Principal
    )
        async throws -> GroupActionResult
    {
        let command = TicketCommand(action, request)
        let principal = try await stored(principal)
        let result = try await write { tx, now in
            try RoutingStore.performOnGroup(command, groupId: groupId, principal: principal, now: now, in: tx)
        }
        runtime.logger.info(
            "group action",
            metadata: [
                "group.id": "\(groupId.uuidString.lowercased())", "ticket.action": "\(action.rawValue)",
                "group.changed": "\(result.changed.count)",
            ])
        return result
    }

    public func openGroups(principal: Principal) async throws -> [(UUID, String, Int)] {
        guard let scope = principal.inboxScope(requested: nil) else { return [] }
        return try await runtime.database.withConnection { c in
            try RoutingStore.openGroups(authority: scope.authority, on: c)
        }
    }
}

/// `GET /v1/inbox`: the inbox's page for API clients, with the web page's parameters (`q`,
/// `status`, `category`, `district`, `kind`, `authority`, `overdue`, `week`, `mine`,
/// `awaitingSignature`, `sort`, `page`, `size`); a bad one is a 422 naming the field.
public struct InboxPageJSON: Encodable, Sendable {
    public struct Row: Encodable, Sendable {
        public var ticket: TicketSummary
        public var district: String?
        public var assignee: UUID?
        public var groupId: UUID?
    }

    public var total: Int
    public var page: Int
    public var pages: Int
    public var pageSize: Int
    public var open: Int
    public var overdue: Int
    public var dueThisWeek: Int
    public var mine: Int
    public var tickets: [Row]
}

extension RoutingAPI {
    func registerInboxAPI(on router: Router<WebRequestContext>) {
        let api = self
        router.get("/v1/inbox") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.principal(context)
                let query = try InboxQuery.parse(WebInbox.queryPairs(request)).get()
                let page = try await api.inbox(query, principal: principal)
                let today = api.today
                return try Self.json(
                    InboxPageJSON(
                        total: page.total, page: query.page, pages: query.pageCount(total: page.total),
                        pageSize: query.pageSize, open: page.open, overdue: page.overdue,
                        dueThisWeek: page.dueThisWeek, mine: page.mine,
                        tickets: page.rows.map {
                            .init(
                                ticket: TicketSummary($0.ticket, today: today), district: $0.district,
                                assignee: $0.assignee, groupId: $0.groupId)
                        }))
            }
        }
    }
}
