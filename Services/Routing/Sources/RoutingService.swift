import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import Hummingbird
import Logging
import Metrics
import Prometheus

/// Settings that belong to routing only. "Now" is injectable so tests can check deadlines and
/// windows without waiting.
public struct RoutingSettings: Sendable {
    public var clock: @Sendable () -> Date
    /// How often the deadline watcher looks (default 60 s).
    public var watcherInterval: Duration
    public var watcherBatchSize: Int
    /// Answered tickets not disputed within this many days are closed by the system.
    public var autoCloseDays: Int
    public var runWatcher: Bool
    /// HMAC key for web sessions; nil = 32 random bytes per process (sessions end with the process
    /// and are not shared between replicas: an official logs in again).
    public var sessionSecret: [UInt8]?
    public var sessionLifetime: TimeInterval

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        watcherInterval: Duration = .seconds(60),
        watcherBatchSize: Int = 200,
        autoCloseDays: Int = 10,
        runWatcher: Bool = true,
        sessionSecret: [UInt8]? = nil,
        sessionLifetime: TimeInterval = 8 * 3600
    ) {
        self.clock = clock
        self.watcherInterval = watcherInterval
        self.watcherBatchSize = watcherBatchSize
        self.autoCloseDays = autoCloseDays
        self.runWatcher = runWatcher
        self.sessionSecret = sessionSecret
        self.sessionLifetime = sessionLifetime
    }

    /// `HROMADA_ROUTING_WATCH_INTERVAL_MS`, `HROMADA_ROUTING_AUTO_CLOSE_DAYS`, `HROMADA_SESSION_SECRET` (hex).
    public static func fromEnvironment(_ environment: [String: String]) throws -> RoutingSettings {
        var settings = RoutingSettings()
        if let value = environment["HROMADA_ROUTING_WATCH_INTERVAL_MS"], !value.isEmpty {
            guard let ms = Int(value), ms >= 50 else {
                throw ConfigurationError(variable: "HROMADA_ROUTING_WATCH_INTERVAL_MS", reason: "must be a number of milliseconds ≥ 50")
            }
            settings.watcherInterval = .milliseconds(ms)
        }
        if let value = environment["HROMADA_ROUTING_AUTO_CLOSE_DAYS"], !value.isEmpty {
            guard let days = Int(value), days >= 1 else {
                throw ConfigurationError(variable: "HROMADA_ROUTING_AUTO_CLOSE_DAYS", reason: "must be a number of days ≥ 1")
            }
            settings.autoCloseDays = days
        }
        if let value = environment["HROMADA_SESSION_SECRET"], !value.isEmpty {
            let bytes = Array(value.utf8)
            guard bytes.count >= 32 else {
                throw ConfigurationError(variable: "HROMADA_SESSION_SECRET", reason: "must have at least 32 characters")
            }
            settings.sessionSecret = bytes
        }
        return settings
    }
}

/// `hromada-routing`: routes registered appeals to authorities as tickets with legal deadlines,
/// serves the officials' API and web inbox, and watches deadlines.
public enum RoutingService {
    public static func build(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?,
        settings: RoutingSettings = RoutingSettings()
    ) async throws -> (runtime: ServiceRuntime, router: Router<BasicRequestContext>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(migrations: RoutingMigrations.all)
        let producer = configuration.producer
        let now = settings.clock()
        try await runtime.database.withTransaction { c in try RoutingStore.seed(producer: producer, now: now, on: c) }
        runtime.addConsumer(
            queue: Topology.Queue.routing.rawValue,
            bindings: RoutingEventHandler.bindings,
            handler: RoutingEventHandler(producer: producer, clock: settings.clock, logger: runtime.logger)
        )
        if settings.runWatcher {
            let relay = runtime.outboxRelay
            runtime.addService(DeadlineWatcher(
                database: runtime.database, settings: settings, producer: producer, logger: runtime.logger,
                onCommitted: { relay.notifyCommitted() }))
        }
        let router = runtime.makeRouter(context: BasicRequestContext.self)
        let api = RoutingAPI(runtime: runtime, settings: settings)
        api.register(on: router)
        let web = try await WebInbox(api: api)
        web.register(on: router)
        return (runtime, router)
    }

    public static func run(configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?) async throws {
        let settings = try RoutingSettings.fromEnvironment(configuration.environment)
        let (runtime, router) = try await build(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry, settings: settings)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}

/// The JSON API on 8081. Handlers only authenticate, decode and map errors: the work is in
/// `RoutingStore`, shared with the web inbox.
public struct RoutingAPI: Sendable {
    public let runtime: ServiceRuntime
    public let settings: RoutingSettings

    var producer: String { runtime.configuration.producer }

    // MARK: Authentication

    /// The caller of an API request: the bootstrap administrator token or an official's token.
    func principal(_ request: Request) async throws -> Principal {
        if BearerToken.isAdministrator(request, configuration: runtime.configuration) { return .bootstrapAdministrator }
        guard let token = BearerToken.from(request) else { throw APIError.unauthorized() }
        guard let principal = try await runtime.database.withConnection({ c in try RoutingStore.official(token: token, on: c) }) else {
            throw APIError.unauthorized()
        }
        return principal
    }

    func requireAdministrator(_ request: Request) async throws -> Principal {
        let p = try await principal(request)
        guard p.role == .administrator else { throw APIError.forbidden("administrators only") }
        return p
    }

    static func apiError(_ error: RoutingError) -> APIError {
        let status: HTTPResponse.Status = switch error.kind {
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
        } catch let error as RoutingError {
            throw Self.apiError(error)
        } catch let error as RoutingValidationErrors {
            throw APIError.validation(error.errors.map { FieldError(field: $0.field, code: $0.code, message: $0.message) })
        }
    }

    static func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 256 * 1024)
        return try JSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
    }

    static func uuid(_ context: BasicRequestContext, _ name: String = "id") throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else { throw APIError.notFound("ticket") }
        return id
    }

    // MARK: Operations shared by the API and the web inbox

    public func tickets(principal: Principal, filter: RoutingStore.InboxFilter) async throws -> [TicketSummary] {
        let today = LocalDate(date: settings.clock(), in: .kyiv)
        return try await runtime.database.withConnection { c in try RoutingStore.listTickets(filter, principal: principal, today: today, on: c) }
    }

    public func ticket(id: UUID, principal: Principal, purpose: String = "ticket.view") async throws -> TicketDetail {
        let now = settings.clock()
        let producer = self.producer
        let detail = try await runtime.database.withTransaction { c in
            try RoutingStore.ticketDetail(id: id, principal: principal, purpose: purpose, today: LocalDate(date: now, in: .kyiv),
                                          now: now, producer: producer, on: c)
        }
        runtime.outboxRelay.notifyCommitted()
        return detail
    }

    public func perform(_ action: TicketAction, id: UUID, request: TicketActionRequest, principal: Principal) async throws -> TicketDetail {
        let now = settings.clock()
        let producer = self.producer
        let detail = try await runtime.database.withTransaction { c in
            try RoutingStore.perform(action, ticketId: id, request: request, principal: principal, now: now, producer: producer, on: c)
        }
        runtime.outboxRelay.notifyCommitted()
        Counter(label: "hromada_routing_actions_total", dimensions: [("action", action.rawValue)]).increment()
        runtime.logger.info("ticket action", metadata: ["ticket.id": "\(id)", "ticket.action": "\(action.rawValue)"])
        return detail
    }

    public func authorities() async throws -> [AuthorityInfo] {
        let today = LocalDate(date: settings.clock(), in: .kyiv)
        return try await runtime.database.withConnection { c in try RoutingStore.authorities(today: today, on: c) }
    }

    /// Runs `body` in a transaction, then wakes the outbox relay.
    func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection, Date, String) throws -> T) async throws -> T {
        let now = settings.clock()
        let producer = self.producer
        let result = try await runtime.database.withTransaction { c in try body(c, now, producer) }
        runtime.outboxRelay.notifyCommitted()
        return result
    }

    // MARK: Routes

    public func register(on router: Router<BasicRequestContext>) {
        let api = self
        router.get("/v1/tickets") { request, _ -> Response in
            try await api.mapped {
                let principal = try await api.principal(request)
                var filter = RoutingStore.InboxFilter()
                let query = request.uri.queryParameters
                if let status = query.get("status"), !status.isEmpty {
                    guard let parsed = TicketStatus(rawValue: status) else {
                        throw RoutingError(.invalid, code: "unknown_status", field: "status", message: "unknown status")
                    }
                    filter.status = parsed
                }
                filter.overdueOnly = query.get("overdue") == "true"
                if let authority = query.get("authority"), !authority.isEmpty { filter.authority = authority }
                if let limit = query.get("limit").flatMap(Int.init) { filter.limit = limit }
                let tickets = try await api.tickets(principal: principal, filter: filter)
                return try JSON.response(["tickets": tickets])
            }
        }
        router.get("/v1/tickets/:id") { request, context -> Response in
            try await api.mapped {
                let principal = try await api.principal(request)
                let id = try Self.uuid(context)
                return try JSON.response(try await api.ticket(id: id, principal: principal))
            }
        }
        router.post("/v1/tickets/:id/:action") { request, context -> Response in
            try await api.mapped {
                let principal = try await api.principal(request)
                let id = try Self.uuid(context)
                guard let action = context.parameters.get("action").flatMap(TicketAction.init(rawValue:)) else {
                    throw APIError.notFound("action")
                }
                let buffer = try await request.body.collect(upTo: 256 * 1024)
                let body = buffer.readableBytes == 0
                    ? TicketActionRequest()
                    : try JSON.decoder.decode(TicketActionRequest.self, from: Data(buffer.readableBytesView))
                return try JSON.response(try await api.perform(action, id: id, request: body, principal: principal))
            }
        }
        router.get("/v1/routing-rules") { request, _ -> Response in
            try await api.mapped {
                let principal = try await api.principal(request)
                guard principal.seesAllTickets else { throw APIError.forbidden("reception staff and administrators only") }
                return try JSON.response(try await api.runtime.database.withConnection { c in try RoutingStore.currentRules(on: c) })
            }
        }
        router.put("/v1/routing-rules") { request, _ -> Response in
            try await api.mapped {
                let principal = try await api.requireAdministrator(request)
                let update = try await Self.body(RuleSetUpdate.self, request)
                let set = try await api.write { c, now, producer in
                    try RoutingStore.replaceRules(update, changedBy: principal.id, now: now, producer: producer, on: c)
                }
                api.runtime.logger.info("routing rules replaced", metadata: ["rules.version": "\(set.version)"])
                return try JSON.response(set)
            }
        }
        router.get("/v1/authorities") { request, _ -> Response in
            try await api.mapped {
                _ = try await api.principal(request)
                return try JSON.response(try await api.authorities())
            }
        }
        router.get("/v1/officials") { request, _ -> Response in
            try await api.mapped {
                _ = try await api.requireAdministrator(request)
                return try JSON.response(try await api.runtime.database.withConnection { c in try RoutingStore.officials(on: c) })
            }
        }
        router.post("/v1/officials") { request, _ -> Response in
            try await api.mapped {
                _ = try await api.requireAdministrator(request)
                let body = try await Self.body(OfficialRequest.self, request)
                let created = try await api.write { c, now, producer in try RoutingStore.createOfficial(body, now: now, producer: producer, on: c) }
                return try JSON.response(created, status: .created)
            }
        }
        router.put("/v1/officials/by-name") { request, _ -> Response in
            try await api.mapped {
                _ = try await api.requireAdministrator(request)
                let body = try await Self.body(OfficialRequest.self, request)
                let result = try await api.write { c, now, producer in try RoutingStore.upsertOfficial(body, now: now, producer: producer, on: c) }
                return try JSON.response(result, status: result.created ? .created : .ok)
            }
        }
        router.post("/v1/officials/:id/token") { request, context -> Response in
            try await api.mapped {
                _ = try await api.requireAdministrator(request)
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw APIError.notFound("official") }
                return try JSON.response(try await api.write { c, now, producer in
                    try RoutingStore.issueToken(officialId: id, now: now, producer: producer, on: c)
                })
            }
        }
        router.delete("/v1/officials/:id/token") { request, context -> Response in
            try await api.mapped {
                _ = try await api.requireAdministrator(request)
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw APIError.notFound("official") }
                try await api.write { c, now, producer in try RoutingStore.revokeToken(officialId: id, now: now, producer: producer, on: c) }
                return Response(status: .noContent)
            }
        }
    }
}
