import HromadaAMQP
import HromadaContracts

/// The broker objects one consuming service needs, declared idempotently at start and after
/// every reconnect:
/// - `hromada.events` (topic) and `hromada.dlx` (direct), both durable;
/// - the service's quorum queue bound to the routing keys it handles; when the broker itself gives
///   up on a message (delivery limit, reject) it dead-letters it to `hromada.dlx`;
/// - one retry queue per delay tier: a failed message waits there for its TTL and then flows back
///   to the service's queue through the default exchange;
/// - `<queue>.dead`, bound to `hromada.dlx` with the queue's name, where a message rests after its
///   last try until an operator replays or purges it.
public enum EventTopology {
    /// Redeliveries the broker allows before dead-lettering a message that crashes its consumer.
    public static let deliveryLimit: Int64 = 20

    public static func make(queue: String, bindings: [String], retryDelays: [Duration]) -> AMQPTopology {
        var queues: [AMQPTopology.Queue] = [
            AMQPTopology.Queue(name: queue, durable: true, arguments: [
                "x-queue-type": .string("quorum"),
                "x-dead-letter-exchange": .string(Topology.deadLetterExchange),
                "x-dead-letter-routing-key": .string(queue),
                "x-delivery-limit": .int(deliveryLimit),
            ]),
            AMQPTopology.Queue(name: deadLetterQueue(queue), durable: true, arguments: [
                "x-queue-type": .string("quorum"),
            ]),
        ]
        for (tier, delay) in retryDelays.enumerated() {
            queues.append(AMQPTopology.Queue(name: retryQueue(queue, tier: tier), durable: true, arguments: [
                "x-queue-type": .string("classic"),
                "x-message-ttl": .int(milliseconds(delay)),
                "x-dead-letter-exchange": .string(""),
                "x-dead-letter-routing-key": .string(queue),
            ]))
        }
        var topologyBindings = bindings.map {
            AMQPTopology.Binding(queue: queue, exchange: Topology.eventsExchange, routingKey: $0)
        }
        topologyBindings.append(AMQPTopology.Binding(queue: deadLetterQueue(queue), exchange: Topology.deadLetterExchange, routingKey: queue))
        return AMQPTopology(exchanges: exchanges, queues: queues, bindings: topologyBindings)
    }

    /// The two exchanges every service publishes to or dead-letters through.
    public static var exchanges: [AMQPTopology.Exchange] {
        [
            AMQPTopology.Exchange(name: Topology.eventsExchange, type: "topic", durable: true),
            AMQPTopology.Exchange(name: Topology.deadLetterExchange, type: "direct", durable: true),
        ]
    }

    public static func deadLetterQueue(_ queue: String) -> String { "\(queue).dead" }
    public static func retryQueue(_ queue: String, tier: Int) -> String { "\(queue).retry.\(tier)" }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
