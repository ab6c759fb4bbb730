import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

final class OutboxRelayTests: XCTestCase {
    /// Events committed to the outbox while the broker is down are all published, once each,
    /// when it comes back, and carry the contract's AMQP properties.
    func testRowsWrittenWhileTheBrokerIsDownAreDeliveredExactlyOnceAfterItReturns() async throws {
        var settings = OutboxRelay.Settings()
        settings.pollInterval = .milliseconds(100)
        settings.maximumBackoff = .milliseconds(500)
        let fixture = try await RuntimeFixture.make(relay: settings)
        addTeardownBlock { await fixture.tearDown() }
        let runtime = fixture.runtime

        try IntegrationEnvironment.infra("stop-rabbitmq")
        let relayTask = Task { try await runtime.outboxRelay.run() }
        var written: Set<UUID> = []
        do {
            for batch in 0..<4 {
                let envelopes = try (0..<50).map { try RuntimeFixture.envelope(note: "b\(batch)-\($0)") }
                try await runtime.database.withTransaction { connection in
                    for envelope in envelopes { try Outbox.enqueue(envelope, on: connection) }
                }
                written.formUnion(envelopes.map(\.id))
                runtime.outboxRelay.notifyCommitted()
            }
            try await Task.sleep(for: .seconds(1))  // the relay is failing and backing off meanwhile
            let pending = try await runtime.database.withConnection { try Outbox.lag(on: $0).rows }
            XCTAssertEqual(pending, 200, "nothing leaves the outbox while the broker is down")
        } catch {
            try? IntegrationEnvironment.infra("start-rabbitmq")
            throw error
        }
        try IntegrationEnvironment.infra("start-rabbitmq")

        let emptied = try await eventually(timeout: .seconds(30)) {
            try await runtime.database.withConnection { try Outbox.lag(on: $0).rows } == 0
        }
        XCTAssertTrue(emptied, "the outbox drains once the broker is back")
        relayTask.cancel()
        _ = try? await relayTask.value

        let deliveries = try await fixture.drainObserved()
        let ids = deliveries.compactMap { $0.properties.messageID.flatMap(UUID.init(uuidString:)) }
        XCTAssertEqual(ids.count, 200, "each row published once")
        XCTAssertEqual(Set(ids), written)
        let first = try XCTUnwrap(deliveries.first)
        XCTAssertEqual(first.properties.contentType, "application/json")
        XCTAssertEqual(first.properties.deliveryMode, 2)
        XCTAssertEqual(first.properties.type, "appeal.returned")
        XCTAssertEqual(first.properties.appID, "hromada-intake", "app_id = the envelope's producer")
        XCTAssertNotNil(first.properties.correlationID)
        XCTAssertNotNil(first.properties.timestamp)
        XCTAssertEqual(first.routingKey, "appeal.returned.v1")
        let envelope = try Envelope.decode(from: first.body)
        XCTAssertEqual(envelope.id.uuidString.lowercased(), first.properties.messageID)
    }

    /// Two relays on one outbox (two replicas) publish every row once between them.
    func testTwoRelaysShareAnOutboxWithoutPublishingARowTwice() async throws {
        let fixture = try await RuntimeFixture.make()
        addTeardownBlock { await fixture.tearDown() }
        let runtime = fixture.runtime
        let second = OutboxRelay(
            database: runtime.database, publisher: AMQPClient(configuration: runtime.amqp, logger: runtime.logger),
            service: "routing-2", logger: runtime.logger)

        let envelopes = try (0..<600).map { try RuntimeFixture.envelope(note: "n\($0)") }
        try await runtime.database.withTransaction { connection in
            for envelope in envelopes { try Outbox.enqueue(envelope, on: connection) }
        }
        async let a: Int = {
            var total = 0
            while true {
                let n = try await runtime.outboxRelay.relayOnce()
                if n == 0 { return total }
                total += n
            }
        }()
        async let b: Int = {
            var total = 0
            while true {
                let n = try await second.relayOnce()
                if n == 0 { return total }
                total += n
            }
        }()
        let (countA, countB) = try await (a, b)
        XCTAssertEqual(countA + countB, 600)
        let ids = try await fixture.drainObserved().compactMap { $0.properties.messageID }
        XCTAssertEqual(ids.count, 600)
        XCTAssertEqual(Set(ids).count, 600)
    }

    /// A transaction that rolls back leaves nothing to publish.
    func testARolledBackTransactionPublishesNothing() async throws {
        let fixture = try await RuntimeFixture.make()
        addTeardownBlock { await fixture.tearDown() }
        let runtime = fixture.runtime
        struct Abort: Error {}
        do {
            try await runtime.database.withTransaction { connection in
                try Outbox.enqueue(try RuntimeFixture.envelope(note: "never"), on: connection)
                throw Abort()
            }
            XCTFail("the transaction should have thrown")
        } catch is Abort {}
        let relayed = try await runtime.outboxRelay.relayOnce()
        XCTAssertEqual(relayed, 0)
        let observed = try await fixture.drainObserved()
        XCTAssertTrue(observed.isEmpty)
    }
}
