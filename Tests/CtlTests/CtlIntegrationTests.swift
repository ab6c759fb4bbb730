import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCtl
import HromadaRuntime
import HromadaTestSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import XCTest

/// Against the real RabbitMQ (a throwaway vhost; its management API) and PostgreSQL (a throwaway
/// database), with a real runtime consumer in-process standing in for the routing service.
final class CtlIntegrationTests: XCTestCase {
    static let logger: Logger = {
        var logger = Logger(label: "hromada.ctl-test")
        logger.logLevel = .warning
        return logger
    }()

    /// A routing-like service: the runtime's real consumer on `hromada.routing` (with its retry and
    /// dead-letter topology) whose handler refuses every event while `broken` is set.
    final class FaultyService: Sendable {
        let broken = Mutex(true)
        let handled = Mutex<[UUID]>([])
        let harness: ServiceHarness
        let db: TestDatabase

        private init(harness: ServiceHarness, db: TestDatabase) {
            self.harness = harness
            self.db = db
        }

        static func start(broker: TestBroker) async throws -> FaultyService {
            let db = try await TestDatabase.create(schema: "routing")
            let configuration = ServiceConfiguration(
                serviceName: "routing", httpHost: "127.0.0.1", httpPort: 0, amqpURL: broker.url,
                databaseURL: db.connectionString, databasePoolSize: 2)
            let runtime = try ServiceRuntime(configuration: configuration, logger: CtlIntegrationTests.logger)
            try await runtime.prepare(migrations: [])
            let box = Locked<FaultyService?>(nil)
            var settings = EventConsumer.Settings()
            settings.retryDelays = [.milliseconds(100)]
            runtime.addConsumer(
                queue: Topology.Queue.routing.rawValue, bindings: ["appeal.registered.v1"],
                handler: ClosureEventHandler { event, _ in
                    guard let service = box.value else { throw PermanentEventError("not started") }
                    if service.broken.withLock({ $0 }) {
                        throw PermanentEventError("no routing rule for category test-category")
                    }
                    service.handled.withLock { $0.append(event.envelope.id) }
                }, settings: settings)
            let harness = try await ServiceHarness.start(runtime: runtime, router: runtime.makeRouter())
            let service = FaultyService(harness: harness, db: db)
            box.value = service
            // Ready = its consumer has declared the queues and is consuming.
            let ready = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                (try? await harness.request("GET", "/health/ready"))?.status == 200
            }
            guard ready else { throw CtlError(.unreachable, "the in-process service did not become ready") }
            return service
        }

        func stop() async {
            await harness.stop()
            try? await db.drop()
        }
    }

    func endpoints(_ broker: TestBroker, services: [(String, String)]) -> CtlEndpoints {
        CtlEndpoints(
            services: services, rabbitMQAPI: IntegrationEnvironment.rabbitMQAPI, amqpURL: broker.url, adminToken: nil)
    }

    static func envelope() -> Envelope {
        Envelope(
            type: "appeal.registered", version: 1, correlationId: UUID(), causationId: nil, producer: "hromada-intake",
            payload: .object(["note": .string("ctl test")]))
    }

    static func publish(_ envelope: Envelope, routingKey: String = "appeal.registered.v1", broker: TestBroker)
        async throws
    {
        let client = AMQPClient(configuration: try broker.configuration(name: "ctl-test-publisher"), logger: logger)
        let properties = AMQPProperties(
            contentType: "application/json", deliveryMode: 2, messageID: envelope.id.uuidString.lowercased(),
            type: envelope.type, correlationID: envelope.correlationId.uuidString.lowercased(),
            appID: envelope.producer, timestamp: Date())
        try await client.publish([
            AMQPOutgoingMessage(
                exchange: Topology.eventsExchange, routingKey: routingKey, body: try envelope.encoded(),
                properties: properties)
        ])
        await client.close()
    }

    /// A broker vhost of this test's own on the real servers, deleted after the test.
    private func ownBroker() async throws -> TestBroker {
        try IntegrationEnvironment.requireServers()
        let broker = try await TestBroker.create()
        addTeardownBlock { try? await broker.delete() }
        return broker
    }

    // MARK: status: backlog and consumers

    func testStatusReportsBacklogThenConsumerCount() async throws {
        let broker = try await ownBroker()
        let queue = Topology.Queue.notification.rawValue
        let client = AMQPClient(configuration: try broker.configuration(name: "ctl-backlog"), logger: Self.logger)
        try await client.declare(EventTopology.make(queue: queue, bindings: ["#"], retryDelays: [.seconds(1)]))
        let messages = (0..<7).map { i in
            AMQPOutgoingMessage(
                exchange: "", routingKey: queue, body: Array("m\(i)".utf8), properties: AMQPProperties(deliveryMode: 2))
        }
        try await client.publish(messages)

        let collector = StatusCollector(endpoints: endpoints(broker, services: []))
        // The management API's statistics lag the broker by a few seconds.
        var report = await collector.collect()
        let backlog = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            report = await collector.collect()
            return report.queues.first { $0.name == queue }?.ready == 7
        }
        XCTAssertTrue(backlog, "status shows the 7 waiting messages: \(report.queues)")
        let info = try XCTUnwrap(report.queues.first { $0.name == queue })
        XCTAssertEqual(info.consumers, 0)
        XCTAssertEqual(
            report.exitCode(strict: false), StatusReport.exitUnhealthy, "a main queue without consumers is unhealthy")
        XCTAssertTrue(report.problems.contains { $0.contains("\(queue) has no consumers (7 ready)") })
        XCTAssertTrue(report.queues.contains { $0.name == "\(queue).dead" })
        XCTAssertTrue(report.renderText().contains(queue))

        // A consumer that holds the messages unacknowledged.
        let consumer = AMQPConsumer(
            configuration: try broker.configuration(name: "ctl-consumer"), queue: queue, prefetch: 100,
            logger: Self.logger)
        let attached = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            report = await collector.collect()
            guard let q = report.queues.first(where: { $0.name == queue }) else { return false }
            return q.consumers == 1 && q.unacked == 7 && q.ready == 0
        }
        XCTAssertTrue(attached, "status shows consumers=1 and 7 unacked: \(report.queues)")
        XCTAssertTrue(report.healthy, "\(report.problems)")
        XCTAssertEqual(report.exitCode(strict: false), 0)
        await consumer.close()
        await client.close()
    }

    // MARK: dead letters

    func testPoisonMessageListedWithReasonThenReplayedOnceAfterFix() async throws {
        let broker = try await ownBroker()
        let service = try await FaultyService.start(broker: broker)
        let ctl = endpoints(broker, services: [("routing", service.harness.baseURL)])
        let deadLetters = DeadLetters(endpoints: ctl, logger: Self.logger)
        let queue = Topology.Queue.routing.rawValue
        let dead = "\(queue).dead"

        let poison = Self.envelope()
        let poisonId = poison.id.uuidString.lowercased()
        try await Self.publish(poison, broker: broker)
        let landed = try await eventually(timeout: .seconds(20)) { try await broker.queueDepth(dead) == 1 }
        XCTAssertTrue(landed, "the poison message is dead-lettered")

        // dlq list shows it with its reason, attempts and original routing key — and keeps it.
        let lists = try await deadLetters.list(queue: queue)
        let entry = try XCTUnwrap(lists.first)
        XCTAssertEqual(entry.deadQueue, dead)
        let message = try XCTUnwrap(entry.messages.first)
        XCTAssertEqual(message.messageId, poisonId)
        XCTAssertEqual(message.type, "appeal.registered")
        XCTAssertEqual(message.originalRoutingKey, "appeal.registered.v1")
        XCTAssertEqual(message.failedQueue, queue)
        XCTAssertNotNil(message.failedAt)
        XCTAssertEqual(message.attempts, 1)
        XCTAssertTrue(
            message.lastError?.contains("no routing rule for category test-category") ?? false,
            "\(message.lastError ?? "nil")")
        // The listing takes each message and gives it back (requeue); a quorum queue applies the
        // return through its log, so the depth may read 0 for a moment. A removed message would
        // never come back, which is what this checks.
        let kept = try await eventually(timeout: .seconds(10)) { try await broker.queueDepth(dead) == 1 }
        XCTAssertTrue(kept, "listing does not remove the message")
        let shown = try await deadLetters.show(messageId: poisonId)
        XCTAssertEqual(shown.queue, dead)
        XCTAssertTrue(shown.message.payload.lowercased().contains(poisonId), shown.message.payload)

        // status: the service is healthy, the dead letter is a warning (exit 0; 4 with --strict).
        let collector = StatusCollector(endpoints: ctl)
        var report = await collector.collect()
        let seen = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            report = await collector.collect()
            return report.queues.first { $0.name == dead }?.ready == 1
                && report.queues.first { $0.name == queue }?.consumers == 1
        }
        XCTAssertTrue(seen, "\(report.queues)")
        XCTAssertEqual(report.services.first?.ready, true)
        XCTAssertEqual(report.services.first?.version, ServiceConfiguration.hromadaVersion)
        XCTAssertNotNil(report.services.first?.outboxRows)
        XCTAssertEqual(report.exitCode(strict: false), 0, "\(report.problems)")
        XCTAssertEqual(report.exitCode(strict: true), StatusReport.exitWarnings)

        // Replaying an unknown id moves nothing.
        do {
            _ = try await deadLetters.replay(queue: queue, messageId: UUID().uuidString.lowercased())
            XCTFail("an unknown message id must be refused")
        } catch let error as CtlError {
            XCTAssertEqual(error.code, .notFound)
        }
        let stillThere = try await eventually(timeout: .seconds(10)) { try await broker.queueDepth(dead) == 1 }
        XCTAssertTrue(stillThere, "the other dead letters are returned untouched")

        // The fault is fixed; replay: handled exactly once, the dead queue empties.
        service.broken.withLock { $0 = false }
        let result = try await deadLetters.replay(queue: queue, messageId: poisonId)
        XCTAssertEqual(result.replayed, [poisonId])
        let handled = await eventually(timeout: .seconds(15)) { service.handled.withLock { $0 } == [poison.id] }
        XCTAssertTrue(handled, "the replayed message is handled")
        try await Task.sleep(for: .seconds(1))
        XCTAssertEqual(service.handled.withLock { $0 }, [poison.id], "exactly once")
        let emptied = try await broker.queueDepth(dead)
        XCTAssertEqual(emptied, 0)

        // Purge: a second poison message is removed.
        service.broken.withLock { $0 = true }
        try await Self.publish(Self.envelope(), broker: broker)
        let second = try await eventually(timeout: .seconds(20)) { try await broker.queueDepth(dead) == 1 }
        XCTAssertTrue(second)
        let purged = try await deadLetters.purge(queue: queue)
        XCTAssertEqual(purged, 1)
        let afterPurge = try await broker.queueDepth(dead)
        XCTAssertEqual(afterPurge, 0)

        await service.stop()
    }

    // MARK: status exits non-zero when a service is down

    func testStatusExitsNonZeroWhenAServiceIsDown() async throws {
        let broker = try await ownBroker()
        let service = try await FaultyService.start(broker: broker)
        let closedPort = "http://127.0.0.1:1"
        let up = await StatusCollector(endpoints: endpoints(broker, services: [("routing", service.harness.baseURL)]))
            .collect()
        XCTAssertTrue(up.services.allSatisfy(\.ready), "\(up.services)")
        let down = await StatusCollector(
            endpoints: endpoints(broker, services: [("routing", service.harness.baseURL), ("audit", closedPort)])
        ).collect()
        XCTAssertEqual(down.exitCode(strict: false), StatusReport.exitUnhealthy)
        XCTAssertEqual(down.services.first { $0.name == "audit" }?.live, false)
        XCTAssertTrue(down.problems.contains { $0.hasPrefix("audit is unreachable") }, "\(down.problems)")

        // The real executable, as an alert script would run it.
        if let binary = Self.executable() {
            let env = [
                "HROMADA_ROUTING_URL": service.harness.baseURL, "HROMADA_INTAKE_URL": closedPort,
                "HROMADA_NOTIFICATION_URL": closedPort,
                "HROMADA_AUDIT_URL": closedPort, "HROMADA_AMQP_URL": broker.url,
                "HROMADA_RABBITMQ_API": IntegrationEnvironment.rabbitMQAPI,
            ]
            let result = try Self.run(binary, ["status", "--json"], environment: env)
            XCTAssertEqual(result.status, 3, result.output)
            let json = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
            let services = json?["services"] as? [[String: Any]] ?? []
            XCTAssertEqual(services.first { $0["name"] as? String == "routing" }?["ready"] as? Bool, true)
            XCTAssertEqual(services.first { $0["name"] as? String == "intake" }?["live"] as? Bool, false)
        } else {
            print("hromadactl binary not built; skipped the executable check")
        }
        await service.stop()
    }

    static func executable() -> String? {
        let path = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".build/debug/hromadactl").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }

    struct CommandResult {
        var status: Int32
        var output: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> CommandResult
    {
        // Not Foundation's Process: its waitUntilExit() can hang inside the test process on Linux.
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("HROMADA_") { env[key] = nil }
        for (k, v) in environment { env[k] = v }
        let (status, output) = try IntegrationEnvironment.run(executable, arguments, environment: env)
        return CommandResult(status: status, output: output)
    }

    // MARK: the dashboard in headless chromium

    func testDashboardRendersRealNumbersInHeadlessChromium() async throws {
        let broker = try await ownBroker()
        let browser = try Self.chromium()
        let service = try await FaultyService.start(broker: broker)
        // A backlog of 4 on a queue without consumers, and one dead letter in routing.
        let backlogQueue = Topology.Queue.audit.rawValue
        let client = AMQPClient(configuration: try broker.configuration(name: "ctl-dash"), logger: Self.logger)
        try await client.declare(
            EventTopology.make(queue: backlogQueue, bindings: ["never.#"], retryDelays: [.seconds(1)]))
        try await client.publish(
            (0..<4).map { _ in
                AMQPOutgoingMessage(
                    exchange: "", routingKey: backlogQueue, body: Array("x".utf8),
                    properties: AMQPProperties(deliveryMode: 2))
            })
        await client.close()
        try await Self.publish(Self.envelope(), broker: broker)
        let dead = try await eventually(timeout: .seconds(20)) {
            try await broker.queueDepth("hromada.routing.dead") == 1
        }
        XCTAssertTrue(dead)

        let operatorToken = "operator-" + UUID().uuidString
        let settings = ConsoleSettings(
            host: "127.0.0.1", port: 0, operatorToken: operatorToken,
            endpoints: endpoints(
                broker, services: [("routing", service.harness.baseURL), ("audit", "http://127.0.0.1:1")]),
            sampleInterval: .milliseconds(700))
        let console = try await Console(settings: settings, logger: Self.logger)
        let (base, group, task) = await TestServers.run(after: [console.sampler], logger: Self.logger) {
            console.makeApplication(onServerRunning: $0)
        }

        // Wait until the samples show the real numbers (management statistics lag a few seconds).
        let sampled = await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            guard let report = console.state.report else { return false }
            return report.queues.first { $0.name == backlogQueue }?.ready == 4
                && report.queues.first { $0.name == "hromada.routing.dead" }?.ready == 1
                && console.state.history.all.count >= 3
        }
        XCTAssertTrue(sampled, "\(String(describing: console.state.report?.queues))")

        // Without a session: redirected to the login; the snapshot API refuses.
        let anonymous = try await ServiceHarness.request("GET", base + "/api/snapshot")
        XCTAssertEqual(anonymous.status, 401)
        let wrong = try await ServiceHarness.request(
            "POST", base + "/login", body: Data("token=wrong".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(wrong.status, 401)
        let live = try await ServiceHarness.request("GET", base + "/health/live")
        XCTAssertEqual(live.status, 200)

        // The browser logs in with a one-time link (the session cookie is set on the redirect).
        let folder = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let screenshot = folder.appendingPathComponent("ctl-console-dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1800",
            "--virtual-time-budget=3000",
        ]
        let dom = try Self.run(
            browser, common + ["--dump-dom", "\(base)/login?once=\(console.sessions.makeOneTimeLogin())&lang=en"]
        ).output
        XCTAssertTrue(dom.contains("Hromada — operator console"), String(dom.prefix(500)))
        XCTAssertTrue(dom.contains("hromada.audit"), "queue names are shown")
        XCTAssertTrue(dom.contains("hromada.routing.dead"))
        XCTAssertTrue(
            dom.contains(#"data-queue="hromada.audit"><td>hromada.audit</td>"#)
                && dom.contains(#"<td class="n" data-f="ready">4</td>"#), "the backlog of 4 is shown")
        XCTAssertTrue(dom.contains("Replay all"), "a replay button for the dead letter")
        XCTAssertTrue(dom.contains("<polyline"), "the depth chart is drawn")
        XCTAssertTrue(dom.contains("audit is unreachable"), "the down service is reported")
        XCTAssertFalse(dom.contains("Unavailable: </p>"), "no empty error banner for the queues")
        let reused = try Self.run(browser, common + ["--dump-dom", "\(base)/login?once=reused"]).output
        XCTAssertFalse(reused.contains("hromada.routing.dead"), "an unknown one-time link gives no session")

        try Self.run(
            browser,
            common + ["--screenshot=\(screenshot.path)", "\(base)/login?once=\(console.sessions.makeOneTimeLogin())"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: screenshot.path))
        print("screenshot: \(screenshot.path)")

        // The replay button: a POST with the session cookie and CSRF token, exactly as the form sends it.
        let login = try await Self.session(base: base, token: operatorToken)
        let page = try await ServiceHarness.request("GET", base + "/", headers: ["Cookie": login])
        XCTAssertEqual(page.status, 200)
        let csrf = try XCTUnwrap(
            page.text.range(of: #"name="csrf" value="([0-9a-f]+)""#, options: .regularExpression).map {
                String(page.text[$0])
            }?
            .split(separator: "\"").dropFirst(3).first.map(String.init))
        let forged = try await ServiceHarness.request(
            "POST", base + "/dlq/replay", body: Data("csrf=bad&queue=hromada.routing".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": login])
        XCTAssertEqual(forged.status, 403)
        service.broken.withLock { $0 = false }
        _ = try await ServiceHarness.request(
            "POST", base + "/dlq/replay", body: Data("csrf=\(csrf)&queue=hromada.routing".utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Cookie": login])
        let replayed = await eventually(timeout: .seconds(15)) { service.handled.withLock { $0.count } == 1 }
        XCTAssertTrue(replayed, "the dashboard's replay reached the consumer")

        await group.triggerGracefulShutdown()
        _ = try? await task.value
        await service.stop()
    }

    /// Logs in with the operator token as the login form would; returns the Cookie header value.
    static func session(base: String, token: String) async throws -> String {
        let result = try run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-D", "-", "--data-urlencode", "token=\(token)", "\(base)/login"])
        guard
            let line = result.output.split(separator: "\r\n").first(where: {
                $0.lowercased().hasPrefix("set-cookie: hromada_console=")
            })
        else {
            throw XCTSkip("no session cookie: \(result.output)")
        }
        XCTAssertTrue(line.contains("HttpOnly") && line.contains("SameSite=Strict"))
        return String(line.dropFirst("set-cookie: ".count).split(separator: ";")[0])
    }

    static func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        where FileManager.default.isExecutableFile(atPath: path) { return path }
        if IntegrationEnvironment.infrastructureRequired { XCTFail("chromium is not installed") }
        throw XCTSkip("chromium is not installed")
    }
}
