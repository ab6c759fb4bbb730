import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

final class EventConsumerTests: XCTestCase {
    static let queue = RuntimeFixture.serviceQueue

    static let retryDelays: [Duration] = [.milliseconds(100), .milliseconds(200)]

    /// A fresh fixture with the consumer started; both stop when the test ends.
    private func started(retryDelays: [Duration] = retryDelays) async throws -> (RuntimeFixture, ServiceHarness) {
        let fixture = try await RuntimeFixture.make()
        let harness = try await start(fixture, retryDelays: retryDelays)
        addTeardownBlock {
            await harness.stop()
            await fixture.tearDown()
        }
        return (fixture, harness)
    }

    private func start(_ fixture: RuntimeFixture, retryDelays: [Duration] = retryDelays) async throws
        -> ServiceHarness
    {
        var settings = EventConsumer.Settings()
        settings.retryDelays = retryDelays
        settings.prefetch = 50
        fixture.runtime.addConsumer(
            queue: Self.queue, bindings: ["appeal.returned.v1"], handler: RecordingHandler(), settings: settings)
        let harness = try await ServiceHarness.start(runtime: fixture.runtime, router: fixture.runtime.makeRouter())
        let ready = try await eventually(timeout: .seconds(15)) {
            try await harness.request("GET", "/health/ready").status == 200
        }
        XCTAssertTrue(ready, "the service becomes ready once its consumer is connected")
        return harness
    }

    func testTheSameMessageDeliveredTwiceHasOneEffect() async throws {
        let (fixture, _) = try await started()

        let envelope = try RuntimeFixture.envelope(note: "once")
        try await fixture.publish(envelope)
        try await fixture.publish(envelope)
        try await fixture.publish(try RuntimeFixture.envelope(note: "zz-marker"))
        let done = try await eventually { try await fixture.effects().contains { $0.1 == "zz-marker" } }
        XCTAssertTrue(done)
        let effects = try await fixture.effects()
        XCTAssertEqual(effects.filter { $0.1 == "once" }.count, 1, "a redelivered message changes nothing")
        XCTAssertEqual(effects.count, 2)
    }

    func testAPoisonMessageEndsInTheDeadLetterQueueAfterItsTriesWhileOthersFlow() async throws {
        let (fixture, _) = try await started()

        let poison = try RuntimeFixture.envelope(note: "poison-1")
        try await fixture.publish(poison)
        for i in 0..<30 { try await fixture.publish(try RuntimeFixture.envelope(note: String(format: "good-%02d", i))) }

        let goodDone = try await eventually { try await fixture.effects().count == 30 }
        XCTAssertTrue(goodDone, "messages behind the poison one are handled")

        var dead: AMQPDelivery?
        _ = try await eventually(timeout: .seconds(15)) {
            dead = try await fixture.observer.get(queue: EventTopology.deadLetterQueue(Self.queue))
            return dead != nil
        }
        let message = try XCTUnwrap(dead, "the poison message is dead-lettered")
        XCTAssertEqual(message.properties.messageID, poison.id.uuidString.lowercased())
        XCTAssertEqual(
            message.properties.headers[Topology.Header.attempts], .int(3), "tried 1 + retryDelays.count times")
        guard case .string(let reason)? = message.properties.headers[Topology.Header.lastError] else {
            return XCTFail("the dead letter says why it died")
        }
        XCTAssertTrue(reason.contains("poison note refused"), reason)
        XCTAssertEqual(message.properties.headers[Topology.Header.originalRoutingKey], .string("appeal.returned.v1"))
        XCTAssertEqual(message.properties.headers[Topology.Header.queue], .string(Self.queue))
        let effects = try await fixture.effects()
        XCTAssertFalse(effects.contains { $0.1.hasPrefix("poison") })
    }

    func testABodyThatIsNoEnvelopeIsDeadLetteredAtOnce() async throws {
        let (fixture, _) = try await started(retryDelays: [.seconds(30)])

        let envelope = try RuntimeFixture.envelope(note: "shell")
        try await fixture.publish(envelope, body: Array("{not json at all".utf8))
        try await fixture.publish(try RuntimeFixture.envelope(note: "after"))
        var dead: AMQPDelivery?
        let arrived = try await eventually(timeout: .seconds(5)) {
            dead = try await fixture.observer.get(queue: EventTopology.deadLetterQueue(Self.queue))
            return dead != nil
        }
        XCTAssertTrue(arrived, "no retries for a malformed body: straight to the dead letters")
        XCTAssertEqual(dead?.properties.headers[Topology.Header.attempts], .int(1))
        let after = try await eventually { try await fixture.effects().contains { $0.1 == "after" } }
        XCTAssertTrue(after, "the queue keeps flowing")
    }

    func testHealthAndMetricsEndpoints() async throws {
        let (fixture, harness) = try await started()

        let live = try await harness.request("GET", "/health/live")
        XCTAssertEqual(live.status, 200)
        XCTAssertTrue(live.text.contains("\"service\":\"routing\""), live.text)
        let ready = try await harness.request("GET", "/health/ready")
        XCTAssertEqual(ready.status, 200)
        XCTAssertTrue(ready.text.contains("\"consumer:hromada.routing\":\"ok\""), ready.text)
        let metrics = try await harness.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.header("Content-Type")?.hasPrefix("text/plain") ?? false)
        let missing = try await harness.request("GET", "/no/such/path")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(missing.text.contains("\"errors\""), "errors keep the contract's shape: \(missing.text)")
    }

    /// Graceful shutdown returns, and what was committed before it is published.
    func testGracefulShutdownFlushesTheOutbox() async throws {
        let fixture = try await RuntimeFixture.make()
        let harness = try await start(fixture)
        let envelope = try RuntimeFixture.envelope(note: "last words")
        try await fixture.runtime.database.withTransaction { try Outbox.enqueue(envelope, on: $0) }
        await harness.stop()
        let reopened = AMQPClient(
            configuration: try fixture.broker.configuration(name: "after-stop"), logger: fixture.runtime.logger)
        var ids: [String] = []
        while let delivery = try await reopened.get(queue: RuntimeFixture.observerQueue) {
            ids.append(delivery.properties.messageID ?? "")
            try await reopened.ack(delivery)
        }
        await reopened.close()
        XCTAssertTrue(ids.contains(envelope.id.uuidString.lowercased()))
        await fixture.tearDown()
    }
}
