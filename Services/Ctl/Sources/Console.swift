import Foundation
import HromadaCrypto
import HromadaRuntime
import Hummingbird
import Logging
import Mustache
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

    public init(host: String = "127.0.0.1", port: Int = 8090, operatorToken: String, endpoints: CtlEndpoints,
                sampleInterval: Duration = .seconds(5), historyCapacity: Int = 720) {
        self.host = host
        self.port = port
        self.operatorToken = operatorToken
        self.endpoints = endpoints
        self.sampleInterval = sampleInterval
        self.historyCapacity = historyCapacity
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

/// `hromadactl console`: the operators' dashboard.
public final class Console: Sendable {
    public let settings: ConsoleSettings
    public let sessions: ConsoleSessions
    public let state: ConsoleState
    public let logger: Logger
    let library: MustacheLibrary
    let deadLetters: DeadLetters
    let collector: StatusCollector

    public init(settings: ConsoleSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        self.sessions = ConsoleSessions()
        self.state = ConsoleState(historyCapacity: settings.historyCapacity)
        self.deadLetters = DeadLetters(endpoints: settings.endpoints, logger: logger)
        self.collector = StatusCollector(endpoints: settings.endpoints, timeout: 4)
        self.library = try Self.loadTemplates()
    }

    static let templateNames = ["style", "login", "dashboard"]

    /// Reads `Resources/templates/*.mustache` from the target's bundle; fails loudly when one is
    /// missing rather than serving empty pages.
    static func loadTemplates() throws -> MustacheLibrary {
        let bundle = Bundle.module
        let candidates = [bundle.resourceURL, bundle.bundleURL].compactMap { $0?.appendingPathComponent("Resources/templates") }
        guard let folder = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("dashboard.mustache").path) }) else {
            throw CtlError(.configuration, "the console's templates are missing")
        }
        var library = MustacheLibrary()
        for name in templateNames {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            try library.register(text, named: name)
        }
        return library
    }

    /// Takes one sample now (the sampler does this every interval).
    public func sample() async { state.record(await collector.collect()) }

    public var sampler: ConsoleSampler { ConsoleSampler(collector: collector, state: state, interval: settings.sampleInterval) }

    // MARK: Routes

    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        router.get("/health/live") { _, _ in
            try JSON.response(["status": "live", "service": "console", "version": ServiceConfiguration.hromadaVersion])
        }
        router.get("/login") { request, _ in
            if let once = request.uri.queryParameters.get("once") {
                guard self.sessions.redeemOneTimeLogin(once) else { return self.loginPage(request, error: true, status: .unauthorized) }
                return self.startSession(request)
            }
            return self.loginPage(request, error: false)
        }
        router.post("/login") { request, _ in
            let form = try await Self.form(request)
            let given = form["token"] ?? ""
            guard !given.isEmpty, ConstantTime.equals(Array(SHA256.hash(given)), Array(SHA256.hash(self.settings.operatorToken))) else {
                self.logger.notice("console login refused")
                return self.loginPage(request, error: true, status: .unauthorized)
            }
            return self.startSession(request)
        }
        router.post("/logout") { request, _ in
            var response = Self.redirect("/login")
            response.headers[.setCookie] = ConsoleSessions.clearingCookie
            _ = request
            return response
        }
        router.get("/") { request, _ in
            guard let session = self.session(request) else { return Self.redirect("/login") }
            return self.dashboard(request, session: session)
        }
        router.get("/api/snapshot") { request, _ in
            guard self.session(request) != nil else { throw APIError.unauthorized("log in first") }
            return try JSON.response(self.snapshot())
        }
        router.post("/dlq/replay") { request, _ in
            guard let session = self.session(request) else { return Self.redirect("/login") }
            let form = try await Self.form(request)
            guard self.sessions.isValidCSRF(form["csrf"], session: session) else {
                throw APIError(.forbidden, code: "csrf", message: "the form is stale; reload the page")
            }
            guard let queue = form["queue"], queue.hasPrefix("hromada."), queue.count < 200 else {
                throw APIError.validation([FieldError(field: "queue", code: "invalid_value", message: "a hromada.* queue is required")])
            }
            let messageId = form["messageId"].flatMap { $0.isEmpty ? nil : $0 }
            let lang = Self.language(request)
            do {
                let result = try await self.deadLetters.replay(queue: queue, messageId: messageId)
                self.logger.info("dead letters replayed from the console", metadata: ["amqp.queue": "\(result.queue)", "count": "\(result.replayed.count)"])
                await self.sample()
                return Self.redirect("/?lang=\(lang)&replayed=\(result.replayed.count)&queue=\(RabbitManagement.encode(result.queue))")
            } catch let error as CtlError {
                self.logger.warning("console replay failed", metadata: ["error": "\(error)"])
                return Self.redirect("/?lang=\(lang)&replayError=\(RabbitManagement.encode(error.code.description))")
            }
        }
        return router
    }

    public func makeApplication(onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(address: .hostname(settings.host, port: settings.port), serverName: "hromadactl-console"),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Runs the sampler and the HTTP server until SIGTERM/SIGINT.
    public func run() async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: sampler), .init(service: makeApplication())],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("console listening", metadata: ["http.port": "\(settings.port)"])
        try await group.run()
    }

    // MARK: Pieces

    func session(_ request: Request) -> String? {
        guard let value = request.cookies[ConsoleSessions.cookieName]?.value, sessions.isValid(value) else { return nil }
        return value
    }

    func startSession(_ request: Request) -> Response {
        let session = sessions.newSession()
        var response = Self.redirect("/?lang=\(Self.language(request))")
        response.headers[.setCookie] = sessions.cookie(session)
        logger.info("console login")
        return response
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    static func language(_ request: Request) -> String {
        if let lang = request.uri.queryParameters.get("lang"), lang == "en" || lang == "uk" { return lang }
        if let lang = request.cookies["hromada_lang"]?.value, lang == "en" || lang == "uk" { return lang }
        return "uk"
    }

    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        let text = String(buffer: buffer)
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            guard let key = parts.first else { continue }
            result[decode(key)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }

    func html(_ body: String, request: Request, status: HTTPResponse.Status = .ok) -> Response {
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
            .init("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
            .init("X-Content-Type-Options")!: "nosniff",
        ]
        if let lang = request.uri.queryParameters.get("lang"), lang == "en" || lang == "uk" {
            headers[.setCookie] = "hromada_lang=\(lang); Path=/; SameSite=Strict; Max-Age=31536000"
        }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func loginPage(_ request: Request, error: Bool, status: HTTPResponse.Status = .ok) -> Response {
        let lang = Self.language(request)
        let context: [String: Any] = ["t": ConsoleText.strings(lang), "lang": lang, "error": error, "otherLang": lang == "uk" ? "en" : "uk"]
        return html(library.render(context, withTemplate: "login") ?? "template missing", request: request, status: status)
    }

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

    func dashboard(_ request: Request, session: String) -> Response {
        let lang = Self.language(request)
        let t = ConsoleText.strings(lang)
        let snapshot = snapshot()
        var context: [String: Any] = [
            "t": t, "lang": lang, "otherLang": lang == "uk" ? "en" : "uk", "csrf": sessions.csrfToken(for: session),
            "chart": [
                "width": snapshot.chart.width, "height": snapshot.chart.height, "max": snapshot.chart.maxValue,
                "span": snapshot.chart.spanSeconds,
                "series": snapshot.chart.series.map { ["queue": $0.queue, "color": $0.color, "points": $0.points, "last": $0.last] },
            ] as [String: Any],
        ]
        let query = request.uri.queryParameters
        if let replayed = query.get("replayed") { context["flash"] = "\(t["replayed"] ?? "replayed"): \(replayed) (\(query.get("queue") ?? ""))" }
        if let error = query.get("replayError") { context["flashError"] = "\(t["replayFailed"] ?? "replay failed"): \(error)" }
        if let report = snapshot.report {
            context["sampledAt"] = ISO8601DateFormatter().string(from: report.generatedAt)
            context["healthy"] = report.healthy
            context["problems"] = report.problems
            context["warnings"] = report.warnings
            context["hasWarnings"] = !report.warnings.isEmpty
            context["vhost"] = report.vhost
            context["services"] = report.services.map { s -> [String: Any] in
                ["name": s.name, "url": s.url, "live": s.live, "ready": s.ready, "version": s.version ?? "—",
                 "outboxRows": s.outboxRows.map(String.init) ?? "—",
                 "outboxOldest": s.outboxOldestSeconds.map { String(format: "%.1f", $0) } ?? "—",
                 "problem": s.problem ?? ""]
            }
            if let queuesError = report.queuesError { context["queuesError"] = queuesError }
            context["queues"] = report.queues.filter { $0.kind != .retry || $0.ready + $0.unacked > 0 }.map { q -> [String: Any] in
                ["name": q.name, "ready": q.ready, "unacked": q.unacked, "consumers": q.consumers,
                 "publishRate": String(format: "%.1f", q.publishRate), "deliverRate": String(format: "%.1f", q.deliverRate),
                 "isMain": q.kind == .main, "noConsumers": q.kind == .main && q.consumers == 0,
                 "isDead": q.kind == .dead, "hasDead": q.kind == .dead && q.ready + q.unacked > 0,
                 "mainQueue": QueueInfo.mainQueue(of: q.name)]
            }
            context["deadTotal"] = report.deadLetterCount
            if let authorities = report.authorities {
                context["authorities"] = authorities.map { a -> [String: Any] in
                    ["code": a.code, "name": (lang == "en" ? a.nameEn : a.nameUk) ?? a.code, "open": a.openTickets, "overdue": a.overdueTickets, "hasOverdue": a.overdueTickets > 0]
                }
            } else {
                context["authoritiesError"] = report.authoritiesError ?? ""
            }
        }
        return html(library.render(context, withTemplate: "dashboard") ?? "template missing", request: request)
    }
}

/// The console's words, Ukrainian by default, English on `?lang=en`.
enum ConsoleText {
    static func strings(_ lang: String) -> [String: String] { lang == "en" ? en : uk }

    static let uk: [String: String] = [
        "title": "Громада — панель оператора", "login": "Вхід", "token": "Токен оператора", "signIn": "Увійти",
        "badToken": "Невірний токен.", "logout": "Вийти", "services": "Сервіси", "service": "Сервіс", "live": "Живий",
        "ready": "Готовий", "version": "Версія", "outbox": "Черга відправки (рядків / найстаріший, с)", "queues": "Черги",
        "queue": "Черга", "readyMsgs": "Готові", "unacked": "Непідтверджені", "consumers": "Споживачі",
        "publishRate": "Публікацій/с", "deliverRate": "Доставок/с", "depthChart": "Глибина черг у часі",
        "deadLetters": "Мертві листи", "replay": "Повторити всі", "authorities": "Органи: відкриті та прострочені звернення",
        "authority": "Орган", "open": "Відкриті", "overdue": "Прострочені", "healthy": "Система справна",
        "unhealthy": "Є проблеми", "warnings": "Попередження", "sampled": "Оновлено", "yes": "так", "no": "НІ",
        "noData": "Ще немає даних — перше опитування триває.", "replayed": "Повторено", "replayFailed": "Повтор не вдався",
        "unavailable": "Недоступно", "noConsumers": "немає споживачів", "other": "English",
        "span": "період, с", "max": "максимум",
    ]
    static let en: [String: String] = [
        "title": "Hromada — operator console", "login": "Sign in", "token": "Operator token", "signIn": "Sign in",
        "badToken": "Wrong token.", "logout": "Sign out", "services": "Services", "service": "Service", "live": "Live",
        "ready": "Ready", "version": "Version", "outbox": "Outbox (rows / oldest, s)", "queues": "Queues",
        "queue": "Queue", "readyMsgs": "Ready", "unacked": "Unacked", "consumers": "Consumers",
        "publishRate": "Publish/s", "deliverRate": "Deliver/s", "depthChart": "Queue depth over time",
        "deadLetters": "Dead letters", "replay": "Replay all", "authorities": "Authorities: open and overdue tickets",
        "authority": "Authority", "open": "Open", "overdue": "Overdue", "healthy": "System healthy",
        "unhealthy": "Problems", "warnings": "Warnings", "sampled": "Sampled", "yes": "yes", "no": "NO",
        "noData": "No data yet — the first sample is running.", "replayed": "Replayed", "replayFailed": "Replay failed",
        "unavailable": "Unavailable", "noConsumers": "no consumers", "other": "Українська",
        "span": "span, s", "max": "max",
    ]
}
