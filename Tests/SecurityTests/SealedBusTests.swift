import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCtl
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// Issue 13, item 2, against the real broker and the four services in this process (with the test
/// keyring, as production runs with HROMADA_SEALING_KEYS): a process reading with the observer user
/// sees no name, address, contact, text or tracking token while an appeal goes through, yet routing
/// and audit open what they need; a sealed event that cannot be opened is dead-lettered with a
/// reason that names no value, and the dead copy (what `hromadactl dlq show` prints) stays sealed.
final class SealedBusTests: XCTestCase {
    func testTheObserverSeesNoPersonalDataWhileAnAppealGoesThrough() async throws {
        let system = try await SecuritySystem.start(self)
        let observer = try BusObserver(url: try await system.broker.url(asUser: "hromada-observer"))
        addTeardownBlock { observer.stop() }
        let bound = await eventually(timeout: .seconds(20), every: .milliseconds(100)) { observer.isBound }
        XCTAssertTrue(bound, "the observer did not bind its queue")

        // Values that appear nowhere else, so any sighting on the bus is this appeal's.
        let tag = String(UInt64.random(in: 1_000_000_000...9_999_999_999))
        let name = "Ярина Сокіл-\(tag)"
        let address = "вул. Тестова \(tag), кв. 9"
        let phone = "+38050\(tag.prefix(7))"
        let email = "resident-\(tag)@example.org"
        let subject = "Тема \(tag)"
        let text = "Прошу перевірити ліфт, код \(tag), паспорт МК\(tag.suffix(6))."
        let created = try await system.request(
            "intake", "POST", "/v1/appeals",
            json: SecuritySystem.appeal(
                subject: subject, name: name, email: email, phone: phone, address: address, text: text),
            headers: ["Authorization": "Bearer \(SecuritySystem.centreKey)"])
        XCTAssertEqual(created.status, 201, created.text)
        let receipt = try XCTUnwrap(try created.json() as? [String: Any])
        let appealID = try XCTUnwrap(receipt["id"] as? String)
        let number = try XCTUnwrap(receipt["registrationNumber"] as? String)
        let token = try XCTUnwrap(receipt["trackingToken"] as? String)

        // Routing and audit hold the key: the ticket opens and audit records the events, which
        // neither could do without opening the sealed author, text and token.
        let routing = system.databases["routing"]!.adminClient()
        let ticketed = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            try await routing.query("SELECT 1 FROM routing.tickets WHERE registration_number = \(number)").count == 1
        }
        XCTAssertTrue(ticketed, "routing did not open a ticket from the sealed appeal.registered")
        let audit = system.databases["audit"]!.adminClient()
        let recorded = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let rows = try await audit.query(
                "SELECT event_type FROM audit.log WHERE correlation_id = \(appealID)::uuid")
            let types = Set(try rows.map { try $0.decode(0, as: String.self) })
            return types.isSuperset(of: [AppealRegistered.eventType, TicketAssigned.eventType])
        }
        XCTAssertTrue(recorded, "audit did not record the sealed events")
        try await Task.sleep(for: .seconds(1))  // what notification publishes after its send
        let bodies = try await observer.finish()

        let texts = bodies.map { String(decoding: $0.body, as: UTF8.self) }
        let registered = try XCTUnwrap(
            bodies.first { $0.routingKey.hasPrefix("appeal.registered.") }, "the observer saw no appeal.registered")
        let envelope = try Envelope.decode(from: registered.body)
        XCTAssertTrue(envelope.isSealed, "appeal.registered travels sealed")
        XCTAssertEqual(envelope.payload[path: ["sealed", "algorithm"]]?.stringValue, "AES-256-GCM")
        XCTAssertEqual(envelope.payload[path: ["sealed", "keyId"]]?.stringValue, TestSealing.keyring.currentKeyID)
        XCTAssertEqual(envelope.payload["registrationNumber"]?.stringValue, number, "what routes stays readable")
        XCTAssertGreaterThanOrEqual(bodies.count, 2, "the observer saw \(bodies.map(\.routingKey))")
        for value in [name, address, phone, email, subject, text, token, tag] {
            for (index, body) in texts.enumerated() {
                XCTAssertFalse(body.contains(value), "\(bodies[index].routingKey) carries a personal value in clear")
            }
        }
        // Opened with the key, it is the resident's appeal.
        let opened = try envelope.openingPersonalData(with: TestSealing.keyring).decode(AppealRegistered.self)
        XCTAssertEqual(opened.author.fullName, name)
        XCTAssertEqual(opened.author.email, email)
        XCTAssertEqual(opened.text, text)
        XCTAssertEqual(opened.trackingToken, token)
        for queue in ["hromada.routing.dead", "hromada.notification.dead", "hromada.audit.dead"] {
            let depth = try await system.broker.queueDepth(queue)
            XCTAssertEqual(depth, 0, "\(queue) is not empty")
        }
    }

    func testASealedEventThatCannotBeOpenedIsDeadLetteredRedactedAndStaysSealed() async throws {
        let system = try await SecuritySystem.start(self, services: ["routing"])
        let appealId = UUID()
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-\(Int.random(in: 100_000...999_999))",
            registeredAt: Date(),
            kind: .application, category: "heating",
            author: .init(
                fullName: "Остап Вишня-Тест", address: "вул. Закрита, 7",
                email: "ostap.sealed@example.org"),
            subject: "Закрита тема", text: "Закритий текст звернення",
            trackingToken: "sealedTrackingToken0123456789ab", channel: "api")
        let clear = try Envelope(event: event, correlationId: appealId, causationId: nil, producer: Producers.intake)
        let personal = [
            "Остап Вишня-Тест", "вул. Закрита, 7", "ostap.sealed@example.org",
            "Закрита тема",
            "Закритий текст звернення", "sealedTrackingToken0123456789ab",
        ]

        // Sealed with a key routing does not hold, and sealed right but with one byte flipped.
        let wrongKey = try clear.sealingPersonalData(with: TestSealing.wrongKeyring)
        var tampered = try Envelope(event: event, correlationId: appealId, causationId: nil, producer: Producers.intake)
            .sealingPersonalData(with: TestSealing.keyring)
        let data = try XCTUnwrap(tampered.payload[path: ["sealed", "data"]]?.stringValue)
        var box = try XCTUnwrap(Data(base64Encoded: data))
        box[box.count / 2] ^= 0x20
        var payload = try XCTUnwrap(tampered.payload.objectValue)
        payload["sealed"] = .object([
            "algorithm": .string("AES-256-GCM"), "keyId": .string(TestSealing.keyring.currentKeyID),
            "data": .string(box.base64EncodedString()),
        ])
        tampered.payload = .object(payload)
        try await system.client.publish([
            try BrokerTrustTests.message(wrongKey), try BrokerTrustTests.message(tampered),
        ])

        let dead = "hromada.routing.dead"
        let arrived = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            try await system.broker.queueDepth(dead) >= 2
        }
        XCTAssertTrue(arrived, "the unopenable events did not reach \(dead)")
        let routing = system.databases["routing"]!.adminClient()
        let tickets = try await routing.query("SELECT 1 FROM routing.tickets WHERE appeal_id = \(appealId)")
        XCTAssertEqual(tickets.count, 0, "no effect")

        // What an operator sees: hromadactl (which holds no key) shows the dead copy sealed.
        let endpoints = CtlEndpoints(
            rabbitMQAPI: IntegrationEnvironment.rabbitMQAPI, amqpURL: system.broker.administratorConfiguration().url)
        let shown = try await DeadLetters(endpoints: endpoints, logger: Logger(label: "test.sealed-dlq"))
            .show(messageId: tampered.id.lowercaseUUID)
        XCTAssertTrue(shown.message.payload.contains("\"sealed\""), shown.message.payload)
        let reason = try XCTUnwrap(shown.message.lastError)
        XCTAssertTrue(reason.contains("sealedData") && reason.contains("payload.sealed"), reason)
        XCTAssertTrue(reason.contains("authenticationFailed"), reason)
        for value in personal {
            XCTAssertFalse(shown.message.payload.contains(value), "dlq show prints a personal value")
            XCTAssertFalse(reason.contains(value), "the reason names a personal value")
            XCTAssertFalse(shown.message.headers.values.contains { $0.contains(value) })
        }
        var seen: Set<String> = []
        while let delivery = try await system.client.get(queue: dead) {
            seen.insert(delivery.properties.messageID ?? "")
            let text = String(decoding: delivery.body, as: UTF8.self)
            for value in personal { XCTAssertFalse(text.contains(value), "the dead copy is not sealed") }
            XCTAssertTrue(try Envelope.decode(from: delivery.body).isSealed)
            let why = delivery.properties.headers[Topology.Header.lastError]?.stringValue ?? ""
            XCTAssertTrue(why.contains("cannot be opened"), why)
        }
        XCTAssertEqual(seen, [wrongKey.id.lowercaseUUID, tampered.id.lowercaseUUID])
    }

    /// The upgrade decision (docs/SECURITY.md): an event published in clear before sealing, still
    /// queued when the keyed version starts, is accepted for one release, not dead-lettered.
    func testAnEventPublishedInClearBeforeTheUpgradeIsStillAccepted() async throws {
        let system = try await SecuritySystem.start(self, services: ["routing"])
        let appealId = UUID()
        let number = "MK-2026-\(Int.random(in: 100_000...999_999))"
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: number, registeredAt: Date(), kind: .application,
            category: "heating",
            author: .init(fullName: "Давній Заявник", address: "вул. Стара, 1"),
            subject: "Стара тема", text: "Звернення з черги до оновлення",
            trackingToken: "oldClearTrackingToken0123456789", channel: "api")
        let clear = try Envelope(event: event, correlationId: appealId, causationId: nil, producer: Producers.intake)
        XCTAssertFalse(clear.isSealed)
        try await system.client.publish([try BrokerTrustTests.message(clear)])
        let routing = system.databases["routing"]!.adminClient()
        let ticketed = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            try await routing.query("SELECT 1 FROM routing.tickets WHERE registration_number = \(number)").count == 1
        }
        XCTAssertTrue(ticketed, "a clear event from before the upgrade was not accepted")
        let dead = try await system.broker.queueDepth("hromada.routing.dead")
        XCTAssertEqual(dead, 0)
    }
}

/// A stock AMQP client (pika) as the observer user: binds a server-named exclusive queue to
/// `hromada.events` with `#` and keeps every message it receives until told to stop.
final class BusObserver: @unchecked Sendable {
    struct Message: Sendable {
        let routingKey: String
        let body: [UInt8]
    }

    private let pid: pid_t
    private let folder: URL

    static let script = """
        import base64, json, os, sys, time
        import pika
        url, ready, stop, out = sys.argv[1:5]
        connection = pika.BlockingConnection(pika.URLParameters(url))
        channel = connection.channel()
        queue = channel.queue_declare(queue="", exclusive=True).method.queue
        channel.queue_bind(queue=queue, exchange="hromada.events", routing_key="#")
        open(ready, "w").close()
        seen = []
        deadline = time.time() + 180
        while time.time() < deadline:
            method, properties, body = channel.basic_get(queue=queue, auto_ack=True)
            if method is None:
                if os.path.exists(stop):
                    break
                time.sleep(0.05)
                continue
            seen.append({"routingKey": method.routing_key, "body": base64.b64encode(body).decode()})
        connection.close()
        with open(out + ".tmp", "w") as f:
            json.dump(seen, f)
        os.replace(out + ".tmp", out)
        """

    init(url: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("observer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        let files = ["ready", "stop", "out.json"].map { folder.appendingPathComponent($0).path }
        let command = Shell.quote(["/usr/bin/env", "python3", "-c", Self.script, url] + files)
        // Inherited descriptors closed, no terminal input or output.
        pid = try Shell.spawn(
            ["/bin/bash", "-c", Shell.closingInheritedDescriptors + "exec \(command) </dev/null >/dev/null 2>&1"])
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    var isBound: Bool { FileManager.default.fileExists(atPath: path("ready")) }

    /// Stops after draining the queue; every message received, in order.
    func finish() async throws -> [Message] {
        FileManager.default.createFile(atPath: path("stop"), contents: nil)
        let done = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            FileManager.default.fileExists(atPath: self.path("out.json"))
        }
        guard done else { throw XCTSkip("the observer (python3 with pika) did not finish") }
        let data = try Data(contentsOf: URL(fileURLWithPath: path("out.json")))
        let items = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [[String: String]])
        return try items.map { item in
            Message(
                routingKey: item["routingKey"] ?? "",
                body: [UInt8](try XCTUnwrap(Data(base64Encoded: item["body"] ?? ""))))
        }
    }

    /// Ends the observer if it still runs (SIGKILL: it inherits the test process's blocked
    /// signals) and reaps it.
    func stop() {
        kill(pid, SIGKILL)
        _ = Shell.waitForExit(pid)
        try? FileManager.default.removeItem(at: folder)
    }
}
