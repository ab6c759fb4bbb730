import Foundation
import HromadaAMQP
import HromadaContracts
import Logging
import Synchronization

/// What the benchmark saw of one appeal on the broker (the events' own `occurredAt`).
struct Timeline: Sendable {
    var assigned: Date?
    var residentNotified: Date?
}

/// Reads the pipeline's events from a private queue bound to `hromada.events` and keeps, per
/// appeal (correlationId), when its ticket was assigned and when the resident's registration notice
/// was sent. Only the routing keys it needs are bound (`ticket.assigned.v1.#`,
/// `notification.sent.v1.#`), so the observer adds as little broker work as possible.
final class EventObserver: Sendable {
    let queue: String
    private let consumer: AMQPConsumer
    private let client: AMQPClient
    private let store = Store()
    private let task: Task<Void, Never>

    private final class Store: Sendable {
        let timelines = Mutex<[UUID: Timeline]>([:])
        let counts = Mutex<[String: Int]>([:])

        func record(_ envelope: Envelope) {
            counts.withLock { $0[envelope.type, default: 0] += 1 }
            switch envelope.type {
            case "ticket.assigned":
                keepFirst(\.assigned, of: envelope)
            case "notification.sent":
                guard envelope.payload["sourceEventType"]?.stringValue == "appeal.registered",
                    envelope.payload["recipientKind"]?.stringValue == "resident"
                else { return }
                keepFirst(\.residentNotified, of: envelope)
            default:
                break
            }
        }

        /// Sets `stage` of the envelope's appeal to its `occurredAt` unless an earlier event set it.
        private func keepFirst(_ stage: WritableKeyPath<Timeline, Date?>, of envelope: Envelope) {
            timelines.withLock { map in
                if map[envelope.correlationId]?[keyPath: stage] == nil {
                    map[envelope.correlationId, default: Timeline()][keyPath: stage] = envelope.occurredAt
                }
            }
        }
    }

    init(amqp: AMQPConfiguration, runTag: String, logger: Logger) async throws {
        queue = "hromada.bench.\(runTag)"
        // Non-durable, deleted by the broker 60 s after the benchmark stops using it.
        let topology = AMQPTopology(
            exchanges: [.init(name: Topology.eventsExchange, type: "topic")],
            queues: [.init(name: queue, durable: false, arguments: ["x-expires": .int(60_000)])],
            bindings: [
                .init(queue: queue, exchange: Topology.eventsExchange, routingKey: "ticket.assigned.v1.#"),
                .init(queue: queue, exchange: Topology.eventsExchange, routingKey: "notification.sent.v1.#"),
            ])
        client = AMQPClient(configuration: amqp, logger: logger)
        try await client.declare(topology)
        consumer = AMQPConsumer(configuration: amqp, queue: queue, prefetch: 2000, topology: topology, logger: logger)
        let consumer = self.consumer
        let store = self.store
        task = Task.detached {
            for await delivery in consumer {
                if let envelope = try? Envelope.decode(from: delivery.body) { store.record(envelope) }
                // Queued to the consumer thread; `multiple` settles everything before it too.
                consumer.ack(delivery, multiple: true)
            }
        }
        // Wait until the consumer is attached so no event of the run is missed (the queue exists
        // and is bound already, so events are kept even before that).
        let deadline = Date().addingTimeInterval(10)
        while !consumer.isConnected, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }

    func snapshot() -> [UUID: Timeline] { store.timelines.withLock { $0 } }
    func eventCounts() -> [String: Int] { store.counts.withLock { $0 } }

    func close() async {
        await consumer.close()
        task.cancel()
        try? await client.deleteQueue(queue)
        await client.close()
    }
}
