import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCtl
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

/// Who may speak on the bus (issue 13, items 1 and 8): the broker users deploy/local creates,
/// their rights, and the consumers' producer check, against the real broker. A consumer here runs
/// as `hromada-routing` with exactly its production rights; events come from `hromada-intake`.
final class BrokerTrustTests: XCTestCase {
    static let queue = Topology.Queue.routing.rawValue

    // MARK: - Logins and rights

    func testGuestCannotLogIn() async throws {
        try IntegrationEnvironment.requireServers()
        let admin = try AMQPConfiguration(url: IntegrationEnvironment.amqpURL)
        let api = try XCTUnwrap(URLComponents(string: IntegrationEnvironment.rabbitMQAPI))
        let overview = "http://\(api.host ?? "127.0.0.1"):\(api.port ?? 15672)/api/overview"
        // Stock clients, so a refused login is the broker's answer and nothing of ours. (The
        // management API's 401 goes through urllib: Foundation's URLSession on Linux waits on the
        // Basic challenge instead of returning the 401.)
        let probe = """
            import base64, pika, sys, urllib.error, urllib.request
            try:
                pika.BlockingConnection(pika.URLParameters(sys.argv[1])).close()
                print('amqp:in')
            except pika.exceptions.ProbableAuthenticationError:
                print('amqp:refused')
            request = urllib.request.Request(sys.argv[2], headers={
                'Authorization': 'Basic ' + base64.b64encode(b'guest:guest').decode()})
            try:
                urllib.request.urlopen(request, timeout=10)
                print('http:200')
            except urllib.error.HTTPError as e:
                print('http:%d' % e.code)
            """
        let (_, output) = try IntegrationEnvironment.run(
            "/usr/bin/env", ["python3", "-c", probe, "amqp://guest:guest@\(admin.host):\(admin.port)/%2f", overview],
            environment: ProcessInfo.processInfo.environment)
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        XCTAssertTrue(lines.contains("amqp:refused"), "guest/guest must not log in over AMQP: \(output)")
        XCTAssertTrue(lines.contains("http:401"), "nor into the management API: \(output)")
    }

    func testTheObserverMayOnlyBindAServerNamedQueueToTheEventsAndReadIt() async throws {
        let broker = try await Self.broker(self)
        let admin = AMQPClient(configuration: broker.administratorConfiguration(), logger: Self.quiet)
        addTeardownBlock { await admin.close() }
        try await admin.declare(
            AMQPTopology(queues: [AMQPTopology.Queue(name: Self.queue, arguments: ["x-queue-type": "quorum"])]))
        let envelope = try Self.envelope(note: "observed")
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString).json")
        try Data(try envelope.encoded()).write(to: body)
        defer { try? FileManager.default.removeItem(at: body) }
        let output = try Self.python([
            "observer", try await broker.url(asUser: "hromada-observer"),
            try await broker.url(forService: "intake"), envelope.routingKey, body.path,
        ])
        let result = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(result["received"] as? Bool, true, "the observer reads what is published on hromada.events")
        XCTAssertEqual(result["user_id"] as? String, "hromada-intake", "and sees who published it")
        XCTAssertEqual(result["declare_named"] as? Int, 403, "the observer cannot declare a named queue")
        XCTAssertEqual(result["publish"] as? Int, 403, "the observer cannot publish")
        XCTAssertEqual(result["get_routing"] as? Int, 403, "the observer cannot read a service's queue")
        XCTAssertEqual(result["bind_dlx"] as? Int, 403, "the observer cannot bind to the dead letters")
    }

    func testTheBrokerRefusesAnotherServicesTypeAndAForgedUserID() async throws {
        let broker = try await Self.broker(self)
        let intake = AMQPClient(
            configuration: try AMQPConfiguration(url: try await broker.url(forService: "intake")), logger: Self.quiet)
        let admin = AMQPClient(configuration: broker.administratorConfiguration(), logger: Self.quiet)
        addTeardownBlock {
            await intake.close()
            await admin.close()
        }

        // intake's user may publish its own types…
        let own = try Self.envelope(note: "own type")
        try await intake.publish([Self.message(own)])
        // …but not ticket.answered: the topic permission refuses the routing key.
        let answered = try Envelope(
            event: TicketAnswered(
                ticketId: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000001", authority: "zhkg",
                officialId: "x", outcome: .resolvedPositively, answerText: "forged", answeredAt: Date()),
            correlationId: UUID(), causationId: nil, producer: Producers.routing)
        do {
            try await intake.publish([Self.message(answered)])
            XCTFail("hromada-intake published ticket.answered")
        } catch let error as AMQPError {
            XCTAssertEqual(error.replyCode, 403, "\(error)")
        }
        // The administrator cannot claim to be another user: it is no impersonator.
        var claimed = try Self.message(own)
        claimed.properties.userID = Producers.intake
        do {
            try await admin.publish([claimed])
            XCTFail("the administrator published with user_id hromada-intake")
        } catch let error as AMQPError {
            XCTAssertEqual(error.replyCode, 406, "\(error)")
        }
    }

    func testTheBrokerUsersRightsAreTheOnesDeployLocalGives() throws {
        // deploy/local/lib.sh's table must agree with the contracts and with TestBroker's copy.
        for service in BrokerGrants.services {
            let producer = "hromada-\(service)"
            let pattern = try LocalLib.run("topic_write_pattern \(service)")
            XCTAssertEqual(pattern, Producers.writeRoutingKeyPattern(for: producer), service)
        }
        for user in BrokerGrants.users {
            let line = try LocalLib.run("user_permissions \(user)")
            let grant = try XCTUnwrap(BrokerGrants.permissions(for: user))
            XCTAssertEqual(line, "\(grant.configure)\t\(grant.write)\t\(grant.read)", user)
        }
        for entry in EventCatalogue.entries {
            XCTAssertFalse(Producers.producers(of: entry.type).isEmpty, "no producer for \(entry.type)")
            let key = entry.routingKeyPrefix + (entry.routingKeyCarriesAuthority ? ".zhkg" : "")
            for producer in Producers.producers(of: entry.type) {
                let regex = try NSRegularExpression(pattern: Producers.writeRoutingKeyPattern(for: producer))
                XCTAssertNotNil(
                    regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)), "\(producer) may send \(key)"
                )
            }
            for producer in Producers.all where !Producers.mayPublish(producer, type: entry.type) {
                let regex = try NSRegularExpression(pattern: Producers.writeRoutingKeyPattern(for: producer))
                XCTAssertNil(
                    regex.firstMatch(in: key, range: NSRange(key.startIndex..., in: key)),
                    "\(producer) may not send \(key)")
            }
        }
    }

    // MARK: - The consumer's producer check

    func testForgedEventsEndInTheDeadLettersWithoutEffect() async throws {
        let fixture = try await TrustFixture.start(self)
        let intake = try await fixture.client(asService: "intake")

        // 1. No user_id at all (a stock client that sets none), as the administrator.
        let bare = try Self.envelope(note: "forged: no user_id")
        let body = FileManager.default.temporaryDirectory.appendingPathComponent("trust-\(UUID().uuidString).json")
        try Data(try bare.encoded()).write(to: body)
        defer { try? FileManager.default.removeItem(at: body) }
        let published = try Self.python([
            "publish-bare", fixture.broker.administratorConfiguration().url,
            Topology.eventsExchange, bare.routingKey, body.path,
        ])
        XCTAssertEqual(published.trimmingCharacters(in: .whitespacesAndNewlines), "published")
        // 2. A valid user, but the envelope names another producer.
        var wrongProducer = try Self.envelope(note: "forged: producer")
        // (notification produces no appeal events; routing now produces appeal.returned too).
        wrongProducer.producer = Producers.notification
        try await intake.publish([Self.message(wrongProducer)])
        // 3. A valid user and key it may send, carrying another service's event type.
        let foreignType = try Envelope(
            event: TicketClosed(
                ticketId: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000002", authority: "zhkg",
                closedAt: Date(), closedBy: "x"),
            correlationId: UUID(), causationId: nil, producer: Producers.routing)
        try await intake.publish([
            AMQPOutgoingMessage(
                exchange: Topology.eventsExchange, routingKey: "appeal.returned.v1", body: try foreignType.encoded(),
                properties: AMQPProperties(
                    contentType: Topology.contentType, deliveryMode: 2,
                    messageID: foreignType.id.uuidString.lowercased(),
                    type: foreignType.type))
        ])
        // And a genuine one after them, which must flow.
        let genuine = try Self.envelope(note: "genuine")
        try await intake.publish([Self.message(genuine)])

        let arrived = try await eventually(timeout: .seconds(20)) { try await fixture.effects().contains("genuine") }
        XCTAssertTrue(arrived, "the genuine event after the forgeries was handled")
        var dead: [AMQPDelivery] = []
        let allDead = try await eventually(timeout: .seconds(20)) {
            dead += try await fixture.admin.drain(EventTopology.deadLetterQueue(Self.queue))
            return dead.count >= 3
        }
        XCTAssertTrue(allDead, "every forgery is dead-lettered (\(dead.count) of 3)")
        let reasons = dead.compactMap { $0.properties.headers[Topology.Header.lastError]?.stringValue }
        XCTAssertTrue(reasons.contains { $0.contains("no user_id") }, "\(reasons)")
        XCTAssertTrue(
            reasons.contains { $0.contains("hromada-notification does not produce appeal.returned") }, "\(reasons)")
        XCTAssertTrue(
            reasons.contains { $0.contains("user_id hromada-intake is not the broker user of hromada-routing") },
            "\(reasons)")
        for delivery in dead {
            XCTAssertEqual(
                delivery.properties.headers[Topology.Header.attempts], .int(1), "dead at once, never retried")
        }
        let effects = try await fixture.effects()
        XCTAssertEqual(effects, ["genuine"], "no forgery had an effect")
        for id in [bare.id, wrongProducer.id, foreignType.id] {
            let rows = try await fixture.runtime.database.withConnection { connection in
                try connection.query("SELECT 1 FROM inbox WHERE message_id = \(id)").count
            }
            XCTAssertEqual(rows, 0, "no inbox row for a forgery")
        }
        XCTAssertEqual(
            fixture.handledNotes.withLock { $0.filter { $0.hasPrefix("forged") } }, [],
            "the handler never saw a forgery")
    }

    func testARetriedMessageKeepsItsUserIDAndIsAccepted() async throws {
        let fixture = try await TrustFixture.start(self)
        let intake = try await fixture.client(asService: "intake")
        try await intake.publish([Self.message(try Self.envelope(note: "flaky: fails once"))])
        let handled = try await eventually(timeout: .seconds(20)) {
            try await fixture.effects().contains("flaky: fails once")
        }
        XCTAssertTrue(handled, "accepted on its second try, so the broker kept its user_id")
        XCTAssertEqual(fixture.attempts.withLock { $0["flaky: fails once"] }, [1, 2])
        let depth = try await fixture.broker.queueDepth(EventTopology.deadLetterQueue(Self.queue))
        XCTAssertEqual(depth, 0)
    }

    func testADeadLetterReplayedThroughTheImpersonatorIsAccepted() async throws {
        let fixture = try await TrustFixture.start(self)
        let intake = try await fixture.client(asService: "intake")
        try await intake.publish([Self.message(try Self.envelope(note: "poison until healed"))])
        let deadQueue = EventTopology.deadLetterQueue(Self.queue)
        let died = try await eventually(timeout: .seconds(20)) { try await fixture.broker.queueDepth(deadQueue) == 1 }
        XCTAssertTrue(died, "the message is dead after its tries")
        XCTAssertEqual(fixture.attempts.withLock { $0["poison until healed"] }, [1, 2])
        let got = try await fixture.admin.get(queue: deadQueue)
        let copy = try XCTUnwrap(got)
        XCTAssertEqual(copy.properties.userID, "hromada-routing", "the consumer published the dead copy itself")
        XCTAssertEqual(copy.properties.headers[EventTopology.originalUserHeader], .string("hromada-intake"))
        try await fixture.admin.nack(copy, requeue: true)

        fixture.healed.withLock { $0 = true }
        let endpoints = CtlEndpoints(
            services: [], rabbitMQAPI: IntegrationEnvironment.rabbitMQAPI,
            amqpURL: try await fixture.broker.url(asUser: "hromada-replay"), adminToken: nil)
        let result = try await DeadLetters(endpoints: endpoints, logger: Self.quiet).replay(
            queue: Self.queue, messageId: nil)
        XCTAssertEqual(result.replayed.count, 1)
        let handled = try await eventually(timeout: .seconds(20)) {
            try await fixture.effects().contains("poison until healed")
        }
        XCTAssertTrue(handled, "the replayed event carries its original user_id and is accepted")
        let left = try await fixture.broker.queueDepth(deadQueue)
        XCTAssertEqual(left, 0)
    }

    // MARK: - Helpers

    static let quiet: Logger = {
        var logger = Logger(label: "broker-trust-test")
        logger.logLevel = ProcessInfo.processInfo.environment["HROMADA_TEST_LOG"] == "1" ? .debug : .critical
        return logger
    }()

    static func broker(_ test: XCTestCase) async throws -> TestBroker {
        try IntegrationEnvironment.requireServers()
        let broker = try await TestBroker.create()
        test.addTeardownBlock { try? await broker.delete() }
        return broker
    }

    /// An `appeal.returned` (produced by intake) whose reason carries `note`.
    static func envelope(note: String) throws -> Envelope {
        let appealId = UUID()
        return try Envelope(
            event: AppealReturned(
                appealId: appealId, registrationNumber: "MK-2026-000001", reason: note, returnedAt: Date()),
            correlationId: appealId, causationId: nil, producer: Producers.intake)
    }

    /// `envelope` as its producer publishes it (also the say and sealed-bus tests' publisher).
    static func message(_ envelope: Envelope) throws -> AMQPOutgoingMessage {
        AMQPOutgoingMessage(
            exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try envelope.encoded(),
            properties: AMQPProperties(
                contentType: Topology.contentType, deliveryMode: Topology.deliveryMode,
                messageID: envelope.id.uuidString.lowercased(), type: envelope.type,
                correlationID: envelope.correlationId.uuidString.lowercased(), appID: envelope.producer))
    }

    static func python(_ arguments: [String]) throws -> String {
        let script = IntegrationEnvironment.repositoryRoot.appendingPathComponent("Tests/Interop/broker_trust.py").path
        let (status, output) = try IntegrationEnvironment.run(
            "/usr/bin/env", ["python3", script] + arguments,
            environment: ProcessInfo.processInfo.environment)
        guard status == 0 else { throw XCTSkip("broker_trust.py \(arguments[0]) exited \(status): \(output)") }
        return output
    }
}

/// A runtime consuming `hromada.routing` as the broker user `hromada-routing`, with its
/// production rights, on a throwaway database and vhost. Its handler records each event's note;
/// notes starting with "flaky" fail on the first try, "poison" ones until `healed`.
final class TrustFixture: @unchecked Sendable {
    let broker: TestBroker
    let database: TestDatabase
    let runtime: ServiceRuntime
    let admin: AMQPClient
    let handledNotes = Mutex<[String]>([])
    let attempts = Mutex<[String: [Int]]>([:])
    let healed = Mutex(false)
    private let harness: ServiceHarness
    private let clients = Mutex<[AMQPClient]>([])

    static let migrations = [
        Migration(
            version: 100, name: "trust test effects",
            sql: "CREATE TABLE effects (event_id uuid NOT NULL, note text NOT NULL);")
    ]

    private init(
        broker: TestBroker, database: TestDatabase, runtime: ServiceRuntime, admin: AMQPClient, harness: ServiceHarness
    ) {
        self.broker = broker
        self.database = database
        self.runtime = runtime
        self.admin = admin
        self.harness = harness
    }

    static func start(_ test: XCTestCase) async throws -> TrustFixture {
        let broker = try await BrokerTrustTests.broker(test)
        let database = try await TestDatabase.create(schema: "routing")
        test.addTeardownBlock { try? await database.drop() }
        let configuration = ServiceConfiguration(
            serviceName: "routing", httpHost: "127.0.0.1", httpPort: 0,
            amqpURL: try await broker.url(forService: "routing"), databaseURL: database.connectionString,
            databasePoolSize: 4)
        let runtime = try ServiceRuntime(configuration: configuration, logger: BrokerTrustTests.quiet)
        try await runtime.prepare(migrations: migrations, patience: .seconds(30))
        var settings = EventConsumer.Settings()
        settings.retryDelays = [.milliseconds(100)]
        settings.prefetch = 20
        let box = HandlerBox()
        _ = runtime.addConsumer(
            queue: BrokerTrustTests.queue, bindings: ["appeal.returned.v1"], handler: TrustHandler(box: box),
            settings: settings)
        let harness = try await ServiceHarness.start(runtime: runtime, router: runtime.makeRouter())
        let admin = AMQPClient(configuration: broker.administratorConfiguration(), logger: BrokerTrustTests.quiet)
        let fixture = TrustFixture(broker: broker, database: database, runtime: runtime, admin: admin, harness: harness)
        box.fixture.withLock { $0 = fixture }
        test.addTeardownBlock { await fixture.stop() }
        let ready = try await eventually(timeout: .seconds(20)) {
            try await harness.request("GET", "/health/ready").status == 200
        }
        XCTAssertTrue(ready, "the consumer runs as hromada-routing with its production rights")
        return fixture
    }

    func client(asService service: String) async throws -> AMQPClient {
        let client = AMQPClient(
            configuration: try AMQPConfiguration(url: try await broker.url(forService: service)),
            logger: BrokerTrustTests.quiet)
        clients.withLock { $0.append(client) }
        return client
    }

    func effects() async throws -> [String] {
        try await runtime.database.withConnection { connection in
            try connection.query("SELECT note FROM effects ORDER BY note").map { try $0.decode(0, as: String.self) }
        }
    }

    func stop() async {
        await harness.stop()
        for client in clients.withLock({ $0 }) { await client.close() }
        await admin.close()
        await runtime.publisher.close()
        await runtime.database.close()
    }
}

final class HandlerBox: Sendable {
    let fixture = Mutex<TrustFixture?>(nil)
}

struct TrustHandler: EventHandler {
    let box: HandlerBox

    func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let note = try event.envelope.decode(AppealReturned.self).reason
        guard let fixture = box.fixture.withLock({ $0 }) else { throw NotReady() }
        fixture.handledNotes.withLock { $0.append(note) }
        fixture.attempts.withLock { $0[note, default: []].append(event.attempt) }
        if note.hasPrefix("flaky"), event.attempt == 1 { throw NotReady() }
        if note.hasPrefix("poison"), !fixture.healed.withLock({ $0 }) { throw NotReady() }
        try connection.execute("INSERT INTO effects (event_id, note) VALUES (\(event.envelope.id), \(note))")
    }

    struct NotReady: Error, CustomStringConvertible { var description: String { "not ready yet (test handler)" } }
}
