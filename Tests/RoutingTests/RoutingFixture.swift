import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import Routing
import Synchronization
import XCTest

/// A settable "now" shared by the service and the test.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ date: Date) { value = Mutex(date) }
    var now: Date { value.withLock { $0 } }
    func set(_ date: Date) { value.withLock { $0 = date } }
    func advance(days: Int) { value.withLock { $0 = $0.addingTimeInterval(Double(days) * 86_400) } }
    var clock: @Sendable () -> Date { { [self] in self.now } }
}

/// One throwaway database and vhost, one or more routing runtimes on them, a queue that sees every
/// event on `hromada.events`, and helpers to publish appeals and call the API.
final class RoutingFixture: @unchecked Sendable {
    static let adminToken = "test-admin-token-0123456789abcdef"
    static let observeQueue = "test.observe"

    let db: TestDatabase
    let broker: TestBroker
    let client: AMQPClient
    let clock: TestClock
    var harnesses: [ServiceHarness] = []
    var runtimes: [ServiceRuntime] = []
    private let seen = Mutex<[Envelope]>([])
    let logger: Logger

    private init(db: TestDatabase, broker: TestBroker, client: AMQPClient, clock: TestClock, logger: Logger) {
        self.db = db
        self.broker = broker
        self.client = client
        self.clock = clock
        self.logger = logger
    }

    static func start(
        _ test: XCTestCase, replicas: Int = 1, clock: TestClock = TestClock(Date()),
        watcherInterval: Duration = .milliseconds(200),
        prefetch: UInt16 = 50, httpPort: Int = 0
    ) async throws -> RoutingFixture {
        try IntegrationEnvironment.requireServers()
        var logger = Logger(label: "routing-test")
        logger.logLevel =
            ProcessInfo.processInfo.environment["HROMADA_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
            ?? .warning
        let db = try await TestDatabase.create(schema: "routing")
        let broker = try await TestBroker.create()
        let client = AMQPClient(configuration: try broker.configuration(name: "routing-test"), logger: logger)
        try await client.observeEvents(on: observeQueue)
        let fixture = RoutingFixture(db: db, broker: broker, client: client, clock: clock, logger: logger)
        test.addTeardownBlock {
            await fixture.stop()
        }
        for _ in 0..<replicas {
            try await fixture.addReplica(watcherInterval: watcherInterval, prefetch: prefetch, httpPort: httpPort)
        }
        return fixture
    }

    /// `httpPort` 0: any free port; a fixed port also makes the web kit's public URL
    /// `http://127.0.0.1:<port>`, so a real browser's `Origin` passes the same-origin check.
    func addReplica(watcherInterval: Duration = .milliseconds(200), prefetch: UInt16 = 50, httpPort: Int = 0)
        async throws
    {
        let configuration = ServiceConfiguration(
            serviceName: "routing", httpHost: "127.0.0.1", httpPort: httpPort, amqpURL: broker.url,
            databaseURL: db.connectionString,
            databasePoolSize: 4, logLevel: .warning, prefetch: prefetch, adminToken: Self.adminToken)
        let settings = RoutingSettings(
            clock: clock.clock, watcherInterval: watcherInterval,
            web: httpPort == 0 ? nil : .local(service: "routing", port: httpPort))
        let (runtime, router) = try await RoutingService.build(
            configuration: configuration, logger: logger, metricsRegistry: nil, settings: settings)
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        runtimes.append(runtime)
        harnesses.append(harness)
        // The consumer declares and binds its queue in the background: wait for it, or events
        // published now would find no queue.
        let expected = harnesses.count
        let client = self.client
        let ready = await client.hasConsumer(on: Topology.Queue.routing.rawValue, within: .seconds(20))
        if !ready { throw FixtureError(description: "the routing consumer did not start") }
        if expected > 1 {
            _ = await eventually(timeout: .seconds(5), every: .milliseconds(100)) {
                let state = try? await client.queueState(Topology.Queue.routing.rawValue)
                return (state?.consumers ?? 0) >= UInt32(expected)
            }
            let state = try? await client.queueState(Topology.Queue.routing.rawValue)
            print("routing consumers on the queue: \(state?.consumers ?? 0) (replicas: \(expected))")
        }
    }

    var api: ServiceHarness { harnesses[0] }

    func stop() async {
        for harness in harnesses { await harness.stop() }
        harnesses = []
        await client.close()
        try? await db.drop()
        try? await broker.delete()
    }

    // MARK: Events

    static func appeal(
        category: String = "heating", district: String? = nil, kind: AppealKind = .application, against: String? = nil,
        benefit: String? = nil, registeredAt: Date, number: Int = Int.random(in: 1...999_999)
    ) -> AppealRegistered {
        AppealRegistered(
            appealId: UUID(), registrationNumber: String(format: "MK-2026-%06d", number), registeredAt: registeredAt,
            kind: kind,
            category: category, district: district,
            author: .init(
                fullName: "Олена Петренко", address: "вул. Соборна, 1, Миколаїв",
                email: "olena@example.org",
                preferredLanguage: .uk, benefitCategory: benefit),
            subject: "Немає опалення",
            text: "У квартирі немає опалення з понеділка.",
            centreId: "central-library",
            against: against, trackingToken: "trk-\(UUID().uuidString.prefix(8))", channel: "centre")
    }

    func envelope(_ event: AppealRegistered) throws -> Envelope {
        try Envelope(event: event, correlationId: event.appealId, causationId: nil, producer: "hromada-intake")
    }

    func publish(_ envelopes: [Envelope]) async throws {
        let messages = try envelopes.map(AMQPOutgoingMessage.init(publishing:))
        for start in stride(from: 0, to: messages.count, by: 100) {
            try await client.publish(Array(messages[start..<min(start + 100, messages.count)]))
        }
    }

    /// Drains the observation queue and returns every event seen so far (with its routing key).
    func observed() async throws -> [Envelope] {
        for delivery in try await client.drain(Self.observeQueue) {
            if let e = try? Envelope.decode(from: delivery.body) {
                seen.withLock { $0.append(e) }
            }
        }
        return seen.withLock { $0 }
    }

    func observed(type: String) async throws -> [Envelope] { try await observed().filter { $0.type == type } }

    /// The observed events of type `T`, decoded, once `enough` holds for them (by default: once
    /// there is one), or what had arrived when `timeout` passed, for the caller's assertions to show.
    func events<T: DomainEvent>(
        _: T.Type, timeout: Duration = .seconds(10), until enough: ([T]) -> Bool = { !$0.isEmpty }
    ) async throws -> [T] {
        var events: [T] = []
        _ = try await eventually(timeout: timeout) {
            events = try await observed(type: T.eventType).map { try $0.decode(T.self) }
            return enough(events)
        }
        return events
    }

    // MARK: Database

    func count(_ sql: PostgresQuery) async throws -> Int {
        let client = db.client(poolSize: 1)
        defer { Task { await client.close() } }
        return try await client.count(sql) ?? -1
    }

    /// How many deadline alerts of `kind` (`deadline-approaching`, `overdue`) have been recorded.
    func alerts(kind: String) async throws -> Int {
        try await count("SELECT count(*)::bigint FROM alerts WHERE kind = \(kind)")
    }

    func ticketId(appealId: UUID) async throws -> UUID? {
        let client = db.client(poolSize: 1)
        defer { Task { await client.close() } }
        return try await client.query("SELECT id FROM tickets WHERE appeal_id = \(appealId)").first?.decode(
            0, as: UUID.self)
    }

    /// The API address (`/v1/tickets/<id>`) of the ticket `appeal` opened, once it exists.
    func ticketPath(_ appeal: AppealRegistered) async throws -> String {
        "/v1/tickets/\(try await waitForTicket(appeal).uuidString.lowercased())"
    }

    /// Waits until the appeal's ticket exists.
    func waitForTicket(_ appeal: AppealRegistered) async throws -> UUID {
        var id: UUID?
        _ = try await eventually(timeout: .seconds(20)) {
            id = try await ticketId(appealId: appeal.appealId)
            return id != nil
        }
        guard let id else { throw FixtureError(description: "no ticket for the appeal") }
        return id
    }

    // MARK: HTTP

    func call(_ method: String, _ path: String, token: String, json: Any? = nil) async throws -> ServiceHarness.Response
    {
        let headers = ["Authorization": "Bearer \(token)"]
        if let json { return try await api.request(method, path, json: json, headers: headers) }
        return try await api.request(method, path, headers: headers)
    }

    /// Accepts the ticket at `path` (`/v1/tickets/<id>`) as `accepter`, then answers it as `head`
    /// with a refusal giving `reasons`, signed at once: checks the 200.
    func refuse(
        _ path: String, acceptedBy accepter: String, head: String, reasons: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        _ = try await call("POST", "\(path)/accept", token: accepter)
        let r = try await call("POST", "\(path)/answer", token: head, json: ["outcome": "refused", "text": reasons])
        XCTAssertEqual(r.status, 200, r.text, file: file, line: line)
    }

    /// Art. 17: `head` answers the late complaint at `path` (explained, `text`) only after restoring
    /// its term for `reason`: checks the 409 `complaint_term_missed` before, then the 200s of the
    /// restoration and of the answer. Returns the restoration's response.
    @discardableResult
    func answerAfterRestoringTerm(
        _ path: String, head: String, text: String, reason: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws -> ServiceHarness.Response {
        let answer = ["outcome": "explained", "text": text]
        let early = try await call("POST", "\(path)/answer", token: head, json: answer)
        XCTAssertEqual(early.status, 409, file: file, line: line)
        XCTAssertEqual(early.firstError["code"] as? String, "complaint_term_missed", file: file, line: line)
        let restored = try await call("POST", "\(path)/restore-term", token: head, json: ["reason": reason])
        XCTAssertEqual(restored.status, 200, restored.text, file: file, line: line)
        let answered = try await call("POST", "\(path)/answer", token: head, json: answer)
        XCTAssertEqual(answered.status, 200, answered.text, file: file, line: line)
        return restored
    }

    // MARK: A real browser

    /// A fixture for a headless chromium (skipped without one), its clock at `now`, on a known port:
    /// the browser's `Origin` must be the service's public URL (the kit's CSRF check).
    static func startForBrowser(_ test: XCTestCase, at now: Date) async throws -> RoutingFixture {
        _ = try HeadlessBrowser.chromium()
        return try await start(test, clock: TestClock(now), httpPort: Int(try HeadlessBrowser.freePort()))
    }

    /// Signs `browser` in with an official's `token` on the sign-in form in `language`; checks that
    /// the page then offers to sign out.
    func signIn(_ browser: HeadlessBrowser, token: String, language: String) async throws {
        try await browser.open(api.baseURL + "/?lang=\(language)")
        try browser.fill("token", token)
        try await browser.click("form:has(input[name=token]) button[type=submit]")
        let page = try browser.html()
        let address = try browser.location()
        XCTAssertTrue(page.contains("action=\"/logout\""), "signed in: \(address) \(page.suffix(1500))")
    }

    /// Creates an official through the admin API and returns (id, token).
    func official(name: String, authority: String, role: String = "official") async throws -> (String, String) {
        let created = try await TestOfficial.create(
            name: name, authority: authority, role: role, email: "\(authority)@example.org", on: api,
            adminToken: Self.adminToken)
        return (created.id.uuidString.lowercased(), created.token)
    }
}

extension ServiceHarness.Response {
    var object: [String: Any] { ((try? json()) as? [String: Any]) ?? [:] }
    var firstError: [String: Any] { (object["errors"] as? [[String: Any]])?.first ?? [:] }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}
