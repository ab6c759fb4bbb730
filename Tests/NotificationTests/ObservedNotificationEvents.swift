import HromadaAMQP
import HromadaContracts

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
        var result: [Envelope] = []
        while let delivery = try await get(queue: queue) {
            try await ack(delivery)
            result.append(try Envelope.decode(from: delivery.body))
        }
        return result
    }
}
