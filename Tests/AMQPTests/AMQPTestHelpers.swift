import Foundation
import HromadaAMQP
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

func testLogger(_ label: String = "amqp-tests") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = ProcessInfo.processInfo.environment["HROMADA_TEST_LOG"] == "1" ? .debug : .error
    return logger
}

/// Collects everything an AMQPConsumer yields on a background task (acking when asked), so a
/// test can wait for conditions without owning the iterator.
final class Collector: Sendable {
    private final class Storage: Sendable {
        let received = Mutex<[AMQPDelivery]>([])
        let finished = Mutex(false)
    }
    private let storage = Storage()
    private let task: Task<Void, Never>

    init(_ consumer: AMQPConsumer, ack: Bool) {
        let storage = self.storage
        task = Task {
            for await delivery in consumer {
                storage.received.withLock { $0.append(delivery) }
                if ack { consumer.ack(delivery) }
            }
            storage.finished.withLock { $0 = true }
        }
    }

    var deliveries: [AMQPDelivery] { storage.received.withLock { $0 } }
    var count: Int { storage.received.withLock { $0.count } }
    var isFinished: Bool { storage.finished.withLock { $0 } }

    func stop() { task.cancel() }
}

/// Polls `condition` every 20 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let end = Date(timeIntervalSinceNow: seconds)
    while Date() < end {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}

func message(_ exchange: String, _ routingKey: String, id: String, body: String? = nil, mandatory: Bool = false)
    -> AMQPOutgoingMessage
{
    AMQPOutgoingMessage(
        exchange: exchange, routingKey: routingKey, body: Array((body ?? "{\"id\":\"\(id)\"}").utf8),
        properties: AMQPProperties(contentType: "application/json", deliveryMode: 2, messageID: id),
        mandatory: mandatory
    )
}

/// A topic exchange `events`, a quorum queue `q` bound with `#`, and a dead-letter path.
func standardTopology(queue: String = "q", exchange: String = "events") -> AMQPTopology {
    AMQPTopology(
        exchanges: [
            .init(name: exchange, type: "topic"),
            .init(name: "dlx", type: "fanout"),
        ],
        queues: [
            .init(name: queue, arguments: ["x-queue-type": "quorum", "x-dead-letter-exchange": "dlx"]),
            .init(name: "\(queue).dead", arguments: ["x-queue-type": "quorum"]),
        ],
        bindings: [
            .init(queue: queue, exchange: exchange, routingKey: "#"),
            .init(queue: "\(queue).dead", exchange: "dlx", routingKey: ""),
        ]
    )
}

extension XCTestCase {
    /// requireServers + a throwaway vhost, deleted when the test ends.
    func makeBroker() async throws -> TestBroker {
        try IntegrationEnvironment.requireServers()
        let broker = try await TestBroker.create()
        addTeardownBlock { try? await broker.delete() }
        return broker
    }

    /// A client named `name` on `broker`, the standard topology declared.
    func standardClient(on broker: TestBroker, name: String) async throws -> AMQPClient {
        let client = AMQPClient(configuration: try broker.configuration(name: name), logger: testLogger())
        try await client.declare(standardTopology())
        return client
    }

    /// A consumer named `name` of the standard topology's queue `q`.
    func standardConsumer(on broker: TestBroker, name: String, prefetch: UInt16 = 100) throws -> AMQPConsumer {
        AMQPConsumer(
            configuration: try broker.configuration(name: name), queue: "q", prefetch: prefetch, logger: testLogger())
    }
}

/// Closes every connection of the test's vhost through the management API (which lists them only
/// after its next statistics round, up to ~5 s), then publishes `id` until the client is back: a
/// failed call must be retryable. Returns whether the connections were closed and it published.
func closeConnectionsThenPublish(
    _ broker: TestBroker, client: AMQPClient, id: String, attempts: Int
) async throws -> (closed: Bool, published: Bool) {
    var closed = 0
    let listed = try await eventually(within: 15) {
        closed += try await broker.closeAllConnections()
        return closed >= 2
    }
    var published = false
    for _ in 0..<attempts where !published {
        do {
            try await client.publish([message("events", "k", id: id)])
            published = true
        } catch let error as AMQPError {
            XCTAssertTrue(error.isRetryable, "\(error)")
            try await Task.sleep(for: .milliseconds(100))
        }
    }
    return (listed, published)
}
