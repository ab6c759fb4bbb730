import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Settings of `hromadactl console`.
public struct ConsoleSettings: Sendable {
    public var host: String
    public var port: Int
    /// The operator token that opens the console (compared in constant time; never logged).
    public var operatorToken: String
    public var endpoints: CtlEndpoints
    /// How often the console samples the services and the management API.
    public var sampleInterval: Duration
    public var historyCapacity: Int
    /// The public URL (links, origin checks) and the session secret: `HROMADA_PUBLIC_URL`,
    /// `HROMADA_SESSION_SECRET` (see `WebSettings`); by default `http://127.0.0.1:<port>` and a
    /// secret of this process.
    public var web: WebSettings
    /// A console session ends this long after sign-in, whatever the activity.
    public var sessionLifetime: TimeInterval

    public init(
        host: String = "127.0.0.1", port: Int = 8090, operatorToken: String, endpoints: CtlEndpoints,
        sampleInterval: Duration = .seconds(5), historyCapacity: Int = 720, web: WebSettings? = nil,
        sessionLifetime: TimeInterval = 2 * 3600
    ) {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
        self.endpoints = endpoints
        self.sampleInterval = sampleInterval
        self.historyCapacity = historyCapacity
        self.web = web ?? WebSettings.local(service: "console", port: port)
        self.sessionLifetime = sessionLifetime
    }
}

/// The latest sample and the depth history, shared by the sampler and the pages.
public final class ConsoleState: Sendable {
    public let history: QueueHistory
    private let latest = Mutex<StatusReport?>(nil)

    public init(historyCapacity: Int) { history = QueueHistory(capacity: historyCapacity) }

    public var report: StatusReport? { latest.withLock { $0 } }

    public func record(_ report: StatusReport) {
        latest.withLock { $0 = report }
        if report.queuesError == nil {
            var depths: [String: Int] = [:]
            for q in report.queues { depths[q.name] = q.ready + q.unacked }
            history.append(.init(at: report.generatedAt, depths: depths))
        }
    }
}

/// Samples the system every `interval` into `ConsoleState` until graceful shutdown.
public struct ConsoleSampler: Service {
    let collector: StatusCollector
    let state: ConsoleState
    let interval: Duration

    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    state.record(await collector.collect())
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {}
    }
}

/// `hromadactl console`: the operators' dashboard, on the web kit: a signed-cookie session, CSRF on
/// every form, the shared stylesheet, error pages, templates and strings from files.
public final class Console: Sendable {
    public let settings: ConsoleSettings
    public let sessions: ConsoleSessions
    public let state: ConsoleState
    public let logger: Logger
    let site: WebSite
    let deadLetters: DeadLetters
    let collector: StatusCollector

    public init(settings: ConsoleSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        self.sessions = ConsoleSessions(settings: settings.web, lifetime: settings.sessionLifetime)
        self.state = ConsoleState(historyCapacity: settings.historyCapacity)
        self.deadLetters = DeadLetters(endpoints: settings.endpoints, logger: logger)
        self.collector = StatusCollector(endpoints: settings.endpoints, timeout: 4)
        do {
            self.site = try WebSite(
                settings: settings.web, bundle: Bundle.module, templates: Self.templateNames, assets: ["console.js"],
                sessionStore: sessions.store, sameSite: .strict)
        } catch {
            throw CtlError(.configuration, "the console's pages cannot be loaded: \(error)")
        }
    }

    static let templateNames = ["dashboard"]

    /// Takes one sample now (the sampler does this every interval).
    public func sample() async { state.record(await collector.collect()) }

    public var sampler: ConsoleSampler {
        ConsoleSampler(collector: collector, state: state, interval: settings.sampleInterval)
    }

    // MARK: Routes

    /// `GET|POST /login` (the operator token, or a one-time link `?once=` from `hromadactl console
    /// --open`) and `POST /logout`: the web kit's sign-in routes.
    func signInRoutes() -> SignInRoutes<WebRequestContext> {
        let sessions = self.sessions
        let operatorToken = Array(SHA256.hash(settings.operatorToken))
        return site.signInRoutes(
            SignInForm(title: "title", refused: "badToken", fields: [.init("token", label: "token")]),
            signInPath: "/login", signOutPath: "/logout",
            home: { request, _ in "/?lang=" + Language.of(request).rawValue },
            afterSignOut: { _, _ in "/login" },
            link: { request, _ in
                guard let once = request.uri.queryParameters.get("once") else { return nil }
                guard sessions.redeemOneTimeLogin(String(once)) else { return .refused }
                return .signedIn(subject: ConsoleSessions.subject)
            },
            check: { attempt in
                let given = attempt.fields["token"] ?? ""
                guard !given.isEmpty, ConstantTime.equals(Array(SHA256.hash(given)), operatorToken) else {
                    return .refused
                }
                return .signedIn(subject: ConsoleSessions.subject)
            })
    }

    /// The form of `POST /dlq/replay` (the CSRF token is checked by the kit's middleware).
    struct ReplayForm: Decodable {
        var queue: String?
        var messageId: String?
    }

    public func makeRouter() -> Router<WebRequestContext> {
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        site.install(
            on: router,
            session: { session, _ in
                session.subject == ConsoleSessions.subject ? .operator : nil
            })
        router.get("/health/live") { _, _ in
            try JSON.response(
                HealthStatus(status: "live", service: "console", version: ServiceConfiguration.hromadaVersion))
        }
        signInRoutes().register(on: router)
        router.get("/") { request, context in
            guard let session = context.session, context.principal == .operator else {
                return self.site.redirect("/login")
            }
            return self.dashboard(request, session: session)
        }
        router.get("/api/snapshot") { _, context in
            try context.require(.operator)
            return try JSON.response(self.snapshot())
        }
        router.post("/dlq/replay") { request, context in
            guard context.principal == .operator else { return self.site.redirect("/login") }
            let form = try await self.site.form(ReplayForm.self, request)
            guard let queue = form.queue, queue.hasPrefix("hromada."), queue.count < 200 else {
                throw WebError.validation([
                    FieldError(field: "queue", code: "invalid_value", message: "a hromada.* queue is required")
                ])
            }
            let messageId = form.messageId.flatMap { $0.isEmpty ? nil : $0 }
            let lang = Language.of(request).rawValue
            do {
                let result = try await self.deadLetters.replay(queue: queue, messageId: messageId)
                self.logger.info(
                    "dead letters replayed from the console",
                    metadata: ["amqp.queue": "\(result.queue)", "count": "\(result.replayed.count)"])
                await self.sample()
                return self.site.redirect(
                    "/", query: [("lang", lang), ("replayed", "\(result.replayed.count)"), ("queue", result.queue)])
            } catch let error as CtlError {
                self.logger.warning("console replay failed", metadata: ["error.code": "\(error.code)"])
                return self.site.redirect("/", query: [("lang", lang), ("replayError", error.code.description)])
            }
        }
        ConsoleReports.install(on: router, console: self)  // /reports…: issue 18
        ConsoleErasures.install(on: router, console: self)  // /erasures: issue 19
        return router
    }

    /// Adds pages the console can run without (`add` loads their templates and registers their
    /// routes): a failure is logged as `<what> cannot be loaded` and the rest of the console runs.
    func installOptional(_ what: String, _ add: () throws -> Void) {
        do {
            try add()
        } catch {
            logger.error("\(what) cannot be loaded", metadata: ["error": "\(error.redactedDescription)"])
        }
    }

    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "hromadactl-console"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Runs the sampler and the HTTP server until SIGTERM/SIGINT.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: sampler), .init(service: makeApplication())],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        site.logStartup(logger)
        logger.info("console listening", metadata: ["http.port": "\(settings.port)"])
        try await group.run()
    }

    // MARK: Pieces

    /// The JSON behind the auto-refresh: the last report and the chart.
    public struct Snapshot: Codable, Sendable {
        public var report: StatusReport?
        public var chart: DepthChart
        public var sampledAt: Date?
    }

    public func snapshot() -> Snapshot {
        let report = state.report
        return Snapshot(report: report, chart: DepthChart.make(state.history.all), sampledAt: report?.generatedAt)
    }

    func dashboard(_ request: Request, session: WebSession) -> Response {
        let language = Language.of(request)
        let view = DashboardView(
            snapshot(), language: language, csrf: session.csrf, consoleScript: site.assets.link("console.js"),
            query: request.uri.queryParameters, strings: site.catalogue.strings(language))
        return site.page("dashboard", view, request: request)
    }
}

/// The dashboard's model: every value already formatted for display.
struct DashboardView: Encodable, Sendable {
    struct ServiceRow: Encodable, Sendable {
        var name, url: String
        var live, ready: Bool
        var version, outboxRows, outboxOldest, problem: String
    }
    struct SeriesRow: Encodable, Sendable {
        var queue, color, points: String
        var last: Int
        /// The legend swatch's class in the shared stylesheet (`series-0` … `series-7`).
        var swatch: String
    }
    struct Chart: Encodable, Sendable {
        var width, height, max, span: Int
        var series: [SeriesRow]
    }
    struct QueueRow: Encodable, Sendable {
        var name: String
        var ready, unacked, consumers: Int
        var publishRate, deliverRate: String
        var noConsumers, hasDead: Bool
        var mainQueue: String
    }
    struct AuthorityRow: Encodable, Sendable {
        var code, name: String
        var open, overdue: Int
        var hasOverdue: Bool
    }

    var csrf: String
    var consoleScript: String
    var flash: String?
    var flashError: String?
    var chart: Chart
    var sampledAt: String?
    var healthy: Bool
    var problems: [String]
    var warnings: [String]
    var hasWarnings: Bool
    var vhost: String?
    var services: [ServiceRow]
    var queuesError: String?
    var queues: [QueueRow]
    var deadTotal: Int
    var authorities: [AuthorityRow]
    var authoritiesError: String?

    init(
        _ snapshot: Console.Snapshot, language: Language, csrf: String, consoleScript: String,
        query: Parameters, strings: [String: String]
    ) {
        self.csrf = csrf
        self.consoleScript = consoleScript
        if let replayed = query.get("replayed") {
            flash = "\(strings["replayed"] ?? "replayed"): \(replayed) (\(query.get("queue") ?? ""))"
        }
        if let error = query.get("replayError") {
            flashError = "\(strings["replayFailed"] ?? "replay failed"): \(error)"
        }
        let depth = snapshot.chart
        chart = Chart(
            width: depth.width, height: depth.height, max: depth.maxValue, span: depth.spanSeconds,
            series: depth.series.enumerated().map { index, series in
                SeriesRow(
                    queue: series.queue, color: series.color, points: series.points, last: series.last,
                    swatch: "series-\(index % DepthChart.palette.count)")
            })
        let report = snapshot.report
        sampledAt = report.map { PeopleDates.second($0.generatedAt, language) }
        healthy = report?.healthy ?? false
        problems = report?.problems ?? []
        warnings = report?.warnings ?? []
        hasWarnings = !warnings.isEmpty
        vhost = report?.vhost
        services = (report?.services ?? []).map { s in
            ServiceRow(
                name: s.name, url: s.url, live: s.live, ready: s.ready, version: s.version ?? "—",
                outboxRows: s.outboxRows.map(String.init) ?? "—",
                outboxOldest: s.outboxOldestSeconds.map { String(format: "%.1f", $0) } ?? "—",
                problem: s.problem ?? "")
        }
        queuesError = report?.queuesError
        queues = (report?.queues ?? []).filter { $0.kind != .retry || $0.ready + $0.unacked > 0 }.map { q in
            QueueRow(
                name: q.name, ready: q.ready, unacked: q.unacked, consumers: q.consumers,
                publishRate: String(format: "%.1f", q.publishRate), deliverRate: String(format: "%.1f", q.deliverRate),
                noConsumers: q.kind == .main && q.consumers == 0,
                hasDead: q.kind == .dead && q.ready + q.unacked > 0, mainQueue: QueueInfo.mainQueue(of: q.name))
        }
        deadTotal = report?.deadLetterCount ?? 0
        authorities = (report?.authorities ?? []).map { a in
            AuthorityRow(
                code: a.code, name: (language == .en ? a.nameEn : a.nameUk) ?? a.code,
                open: a.openTickets, overdue: a.overdueTickets, hasOverdue: a.overdueTickets > 0)
        }
        authoritiesError = report == nil ? nil : (report?.authorities == nil ? report?.authoritiesError ?? "" : nil)
    }
}
