import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging
import Metrics
import Prometheus

/// The JSON API on 8081. Handlers only authenticate, decode and map errors: the decisions are the
/// domain's (`Ticket`, `AppealRouter`), the SQL the store's; the operations are shared with the web inbox.
public struct RoutingAPI: Sendable {
    public let runtime: ServiceRuntime
    public let settings: RoutingSettings

    // MARK: Authentication

    /// Who holds a bearer token: the bootstrap administrator or an active official (the kit's
    /// `BearerAuthenticator` asks this and puts the answer into the request context).
    func principal(token: String) async throws -> Principal? {
        if let admin = runtime.configuration.adminToken,
            ConstantTime.equals(Array(SHA256.hash(token)), Array(SHA256.hash(admin)))
        {
            return .bootstrapAdministrator
        }
        return try await runtime.database.withConnection { c in try RoutingStore.official(token: token, on: c) }
    }

    /// The caller of an API request, authenticated by a bearer token only: a browser's session
    /// cookie does not open the JSON API (the kit's `SessionAuthenticator` sets `session` when the
    /// principal came from one).
    static func principal(_ context: WebRequestContext) throws -> Principal {
        guard context.session == nil, let principal = context.principal.flatMap(Principal.init(web:)) else {
            throw APIError.unauthorized()
        }
        return principal
    }

    static func requireAdministrator(_ context: WebRequestContext) throws -> Principal {
        let p = try principal(context)
        guard p.role == .administrator else { throw APIError.forbidden("administrators only") }
        return p
    }

    static func apiError(_ error: RoutingError) -> APIError {
        let status: HTTPResponse.Status =
            switch error.kind {
            case .notFound: .notFound
            case .conflict: .conflict
            case .invalid: .unprocessableContent
            case .forbidden: .forbidden
            }
        return APIError(status, code: error.code, message: error.message, field: error.field)
    }

    /// Runs `body` and turns routing's errors into the API's error shape.
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as TicketRefusal {
            throw Self.apiError(refusal.error)
        } catch let error as RoutingError {
            throw Self.apiError(error)
        } catch let error as RoutingValidationErrors {
            throw APIError.validation(
                error.errors.map { FieldError(field: $0.field, code: $0.code, message: $0.message) })
        }
    }

    /// A JSON response with every UUID written lower-case (the API types are HromadaAPI's, whose
    /// UUIDs are plain `UUID`s; ARCHITECTURE.md: identifiers are lower-case everywhere).
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSON.response(LowercaseUUIDs(value), status: status)
    }

    static func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        try await JSON.body(T.self, of: request, limit: 256 * 1024)
    }

    /// The `:id` of a URL as a UUID, accepted in either case (`UUID(uuidString:)` is case-blind).
    static func uuid(_ context: WebRequestContext, _ name: String = "id", what: String = "ticket") throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIError.notFound(what)
        }
        return id
    }

    var today: LocalDate { LocalDate(date: settings.clock(), in: .kyiv) }

    // MARK: Operations shared by the API and the web inbox

    public func tickets(principal: Principal, filter: RoutingStore.InboxFilter) async throws -> [TicketSummary] {
        let today = self.today
        let tickets = try await runtime.database.withConnection { c in
            try RoutingStore.listTickets(filter, principal: principal, today: today, on: c)
        }
        return tickets.map { TicketSummary($0, today: today) }
    }

    /// The whole ticket for someone allowed to read it; the view is recorded as
    /// `personal-data.accessed` in the same transaction.
    public func ticket(id: UUID, principal: Principal, purpose: String = "ticket.view") async throws -> TicketDetail {
        let record = try await write { tx, now in
            let record = try RoutingStore.ticketRecord(id: id, principal: principal, on: tx.connection)
            try RoutingStore.recordAccess(to: record.ticket, by: principal, purpose: purpose, now: now, in: tx)
            // Issue 15: the point and the Open311 photo link (TicketPlaceRecords.swift).
            return (record, try TicketPlaceRecords.place(appealId: record.ticket.appealId, on: tx.connection))
        }
        var detail = TicketDetail(record.0, today: today)
        detail.add(record.1)
        return detail
    }

    /// Applies `action` through the domain and returns the ticket as the actor now sees it (the
    /// answer shows personal data, so it is recorded as an access for `ticket.<action>`).
    public func perform(_ action: TicketAction, id: UUID, request: TicketActionRequest, principal: Principal)
        async throws -> TicketDetail
    {
        let command = TicketCommand(action, request)
        let principal = try await stored(principal)
        let record = try await write { tx, now in
            let ticket = try RoutingStore.perform(command, ticketId: id, principal: principal, now: now, in: tx)
            try RoutingStore.recordAccess(
                to: ticket, by: principal, purpose: "ticket.\(action.rawValue)", now: now, in: tx)
            return try RoutingStore.record(of: ticket, on: tx.connection)
        }
        Counter(label: "hromada_routing_actions_total", dimensions: [("action", action.rawValue)]).increment()
        runtime.logger.info(
            "ticket action",
            metadata: ["ticket.id": "\(id.uuidString.lowercased())", "ticket.action": "\(action.rawValue)"])
        return TicketDetail(record, today: today)
    }

    /// The principal with the role stored for them. The web kit's principal knows no deputy (it
    /// carries a deputy as `head`), but Art. 15 lets only the first head decide some appeals: so a
    /// `head` is read again from the directory before the domain decides.
    func stored(_ principal: Principal) async throws -> Principal {
        guard principal.role == .head, let id = UUID(uuidString: principal.id) else { return principal }
        return try await runtime.database.withConnection { c in try RoutingStore.official(id: id, on: c) } ?? principal
    }

    public func authorities() async throws -> [AuthorityInfo] {
        let today = self.today
        return try await runtime.database.withConnection { c in try RoutingStore.authorities(today: today, on: c) }
    }

    /// Runs `body` as one unit of work (the change and its events in one transaction, the relay
    /// woken after the commit) at the settings' "now".
    func write<T: Sendable>(_ body: @escaping @Sendable (UnitOfWork.Transaction, Date) throws -> T) async throws -> T {
        let now = settings.clock()
        return try await runtime.transaction { tx in try body(tx, now) }
    }

    // MARK: Routes

    public func register(on router: Router<WebRequestContext>) {
        let api = self
        registerHierarchy(on: router)
        registerInboxAPI(on: router)
        router.get("/v1/tickets") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.principal(context)
                var filter = RoutingStore.InboxFilter()
                let query = request.uri.queryParameters
                if let status = query.get("status"), !status.isEmpty {
                    guard let parsed = TicketStatus(rawValue: status) else {
                        throw RoutingError(.invalid, code: "unknown_status", field: "status", message: "unknown status")
                    }
                    filter.status = parsed
                }
                filter.overdueOnly = query.get("overdue") == "true"
                filter.awaitingSignature = query.get("awaitingSignature") == "true"
                if let authority = query.get("authority"), !authority.isEmpty { filter.authority = authority }
                if let limit = query.get("limit").flatMap(Int.init) { filter.limit = limit }
                let tickets = try await api.tickets(principal: principal, filter: filter)
                return try Self.json(["tickets": tickets])
            }
        }
        router.get("/v1/tickets/:id") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.principal(context)
                let id = try Self.uuid(context)
                return try Self.json(try await api.ticket(id: id, principal: principal))
            }
        }
        router.post("/v1/tickets/:id/:action") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.principal(context)
                let id = try Self.uuid(context)
                guard let action = context.parameters.get("action").flatMap(TicketAction.init(rawValue:)) else {
                    throw APIError.notFound("action")
                }
                let buffer = try await request.body.collect(upTo: 256 * 1024)
                let body =
                    buffer.readableBytes == 0
                    ? TicketActionRequest()
                    : try JSON.decoder.decode(TicketActionRequest.self, from: Data(buffer.readableBytesView))
                let detail = try await api.perform(action, id: id, request: body, principal: principal)
                // An official's answer or extension is a draft: accepted, not yet in effect (Art. 15, 20).
                let drafted = (action == .answer || action == .extend) && detail.draft != nil
                return try Self.json(detail, status: drafted ? .accepted : .ok)
            }
        }
        router.get("/v1/routing-rules") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.principal(context)
                guard principal.seesAllTickets else {
                    throw APIError.forbidden("reception staff and administrators only")
                }
                return try Self.json(
                    try await api.runtime.database.withConnection { c in try RoutingStore.currentRules(on: c) })
            }
        }
        router.put("/v1/routing-rules") { request, context -> Response in
            try await api.mapped {
                let principal = try Self.requireAdministrator(context)
                let update = try await Self.body(RuleSetUpdate.self, request)
                let set = try await api.write { tx, now in
                    try RoutingStore.replaceRules(update, changedBy: principal.id, now: now, in: tx)
                }
                api.runtime.logger.info("routing rules replaced", metadata: ["rules.version": "\(set.version)"])
                return try Self.json(set)
            }
        }
        router.get("/v1/authorities") { request, context -> Response in
            try await api.mapped {
                _ = try Self.principal(context)
                return try Self.json(try await api.authorities())
            }
        }
        router.get("/v1/officials") { request, context -> Response in
            try await api.mapped {
                _ = try Self.requireAdministrator(context)
                return try Self.json(
                    try await api.runtime.database.withConnection { c in try RoutingStore.officials(on: c) })
            }
        }
        router.post("/v1/officials") { request, context -> Response in
            try await api.mapped {
                _ = try Self.requireAdministrator(context)
                let body = try await Self.body(OfficialRequest.self, request)
                let created = try await api.write { tx, now in try RoutingStore.createOfficial(body, now: now, in: tx) }
                return try Self.json(created, status: .created)
            }
        }
        router.put("/v1/officials/by-name") { request, context -> Response in
            try await api.mapped {
                _ = try Self.requireAdministrator(context)
                let body = try await Self.body(OfficialRequest.self, request)
                let result = try await api.write { tx, now in try RoutingStore.upsertOfficial(body, now: now, in: tx) }
                return try Self.json(result, status: result.created ? .created : .ok)
            }
        }
        router.post("/v1/officials/:id/token") { request, context -> Response in
            try await api.mapped {
                _ = try Self.requireAdministrator(context)
                let id = try Self.uuid(context, what: "official")
                return try Self.json(
                    try await api.write { tx, now in
                        try RoutingStore.issueToken(officialId: id, now: now, in: tx)
                    })
            }
        }
        router.delete("/v1/officials/:id/token") { request, context -> Response in
            try await api.mapped {
                _ = try Self.requireAdministrator(context)
                let id = try Self.uuid(context, what: "official")
                try await api.write { tx, now in try RoutingStore.revokeToken(officialId: id, now: now, in: tx) }
                return Response(status: .noContent)
            }
        }
    }
}
