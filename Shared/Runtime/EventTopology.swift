import HromadaAMQP
import HromadaContracts
import HromadaCore

/// The broker objects one consuming service needs, declared idempotently at start and after
/// every reconnect:
/// - `hromada.events` (topic) and `hromada.dlx` (direct), both durable;
/// - the service's quorum queue bound to the routing keys it handles; when the broker itself gives
///   up on a message (delivery limit, reject) it dead-letters it to `hromada.dlx`;
/// - `<queue>.retry.0`, bound to `hromada.dlx` with the queue's name: a rejected message waits
///   there for its TTL and then flows back to the service's queue through `hromada.dlx` (the
///   queue is bound there with `<queue>.retried`);
/// - `<queue>.dead`, bound to `hromada.dlx` with `<queue>.dead`, where a message rests after its
///   last try until an operator replays or purges it.
public enum EventTopology {
    /// Redeliveries the broker allows before dead-lettering a message that crashes its consumer.
    public static let deliveryLimit: Int64 = 20

    public static func make(queue: String, bindings: [String], retryDelays: [Duration]) -> AMQPTopology {
        var queues: [AMQPTopology.Queue] = [
            AMQPTopology.Queue(
                name: queue, durable: true,
                arguments: [
                    "x-queue-type": .string("quorum"),
                    "x-dead-letter-exchange": .string(Topology.deadLetterExchange),
                    "x-dead-letter-routing-key": .string(queue),
                    "x-delivery-limit": .int(deliveryLimit),
                ]),
            AMQPTopology.Queue(
                name: deadLetterQueue(queue), durable: true,
                arguments: [
                    "x-queue-type": .string("quorum")
                ]),
        ]
        // Retries go through the broker's own dead-lettering, so a retried message keeps every
        // property, `user_id` included: the consumer rejects it, the queue dead-letters it to
        // `hromada.dlx` with the queue's name, the retry queue bound there holds it for its TTL and
        // then dead-letters it back through `hromada.dlx` with `retryReturnRoutingKey`, bound to
        // the queue. (Not through the default exchange: declaring a queue that dead-letters there
        // needs write on `amq.default`, which would let a service put anything into any queue.)
        // One queue per consumer can be the target of a reject, so there is one broker retry
        // queue (tier 0); the consumer waits the difference to a later tier's delay before it
        // rejects (see EventConsumer).
        if let delay = retryDelays.first {
            queues.append(
                AMQPTopology.Queue(
                    name: retryQueue(queue, tier: 0), durable: true,
                    arguments: [
                        "x-queue-type": .string("classic"),
                        "x-message-ttl": .int(delay.milliseconds),
                        "x-dead-letter-exchange": .string(Topology.deadLetterExchange),
                        "x-dead-letter-routing-key": .string(retryReturnRoutingKey(queue)),
                    ]))
        }
        var topologyBindings = bindings.map {
            AMQPTopology.Binding(queue: queue, exchange: Topology.eventsExchange, routingKey: $0)
        }
        if !retryDelays.isEmpty {
            topologyBindings.append(
                AMQPTopology.Binding(
                    queue: retryQueue(queue, tier: 0), exchange: Topology.deadLetterExchange, routingKey: queue))
            topologyBindings.append(
                AMQPTopology.Binding(
                    queue: queue, exchange: Topology.deadLetterExchange, routingKey: retryReturnRoutingKey(queue)))
        }
        topologyBindings.append(
            AMQPTopology.Binding(
                queue: deadLetterQueue(queue), exchange: Topology.deadLetterExchange,
                routingKey: deadLetterRoutingKey(queue)))
        // Before retries went through the broker, `<queue>.dead` took the queue's own name.
        let obsolete = [
            AMQPTopology.Binding(
                queue: deadLetterQueue(queue), exchange: Topology.deadLetterExchange, routingKey: queue)
        ]
        return AMQPTopology(exchanges: exchanges, queues: queues, bindings: topologyBindings, unbindings: obsolete)
    }

    /// The two exchanges every service publishes to or dead-letters through, declared passively:
    /// a deploy step (deploy/local/infra.sh, the compose/Kubernetes definitions, `TestBroker`)
    /// creates them, and a service's broker user has no right to (re)configure them.
    public static var exchanges: [AMQPTopology.Exchange] {
        exchangeDeclarations.map { exchange in
            var passive = exchange
            passive.passive = true
            return passive
        }
    }

    /// The two exchanges as the deploy step declares them.
    public static var exchangeDeclarations: [AMQPTopology.Exchange] {
        [
            AMQPTopology.Exchange(name: Topology.eventsExchange, type: "topic", durable: true),
            AMQPTopology.Exchange(name: Topology.deadLetterExchange, type: "direct", durable: true),
        ]
    }

    /// Header of a dead copy: the AMQP `user_id` of the message it copies (the copy itself carries
    /// the consumer's user). `hromadactl dlq replay` restores it through its impersonator user.
    public static let originalUserHeader = "x-hromada-original-user"

    /// The routing key on `hromada.dlx` that brings a message back from `<queue>.retry.0`.
    public static func retryReturnRoutingKey(_ queue: String) -> String { "\(queue).retried" }

    /// The routing key on `hromada.dlx` that reaches `<queue>.dead` (the consumer publishes its
    /// dead copies with it; the queue's own name leads to its retry queue).
    public static func deadLetterRoutingKey(_ queue: String) -> String { deadLetterQueue(queue) }

    /// The names are the contracts' (`Topology`), so the contract test checks the ones in use.
    public static func deadLetterQueue(_ queue: String) -> String { Topology.deadLetterQueue(queue) }
    public static func retryQueue(_ queue: String, tier: Int) -> String { Topology.retryQueue(queue, tier: tier) }
}
