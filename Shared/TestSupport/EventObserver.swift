public import HromadaAMQP
import HromadaContracts
import HromadaRuntime

extension AMQPClient {
    /// Declares the durable queue `queue` bound to every event on `hromada.events` (`#`), so a test
    /// reads all that the services publish. The exchanges are only checked: `TestBroker` declared
    /// them in the vhost.
    public func observeEvents(on queue: String) async throws {
        try await declare(
            AMQPTopology(
                exchanges: EventTopology.exchanges, queues: [.init(name: queue)],
                bindings: [.init(queue: queue, exchange: Topology.eventsExchange, routingKey: "#")]))
    }
}
