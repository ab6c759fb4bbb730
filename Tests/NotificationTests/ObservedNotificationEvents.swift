import HromadaAMQP
import HromadaContracts
import HromadaTestSupport

/// The `notification.*` events the service publishes, captured on a queue of the test's own as
/// another consumer of `hromada.events` would receive them.
extension AMQPClient {
    /// Declares `queue` (not durable) and binds it to every `notification.*` event.
    func observeNotificationEvents(on queue: String) async throws {
        try await declare(
            AMQPTopology(
                exchanges: [AMQPTopology.Exchange(name: Topology.eventsExchange, type: "topic")],
                queues: [AMQPTopology.Queue(name: queue, durable: false)],
                bindings: [
                    AMQPTopology.Binding(queue: queue, exchange: Topology.eventsExchange, routingKey: "notification.#")
                ]))
    }

    /// Every envelope waiting on `queue`, acknowledged.
    func takeEnvelopes(from queue: String) async throws -> [Envelope] {
        try await drain(queue).map { try Envelope.decode(from: $0.body) }
    }
}
