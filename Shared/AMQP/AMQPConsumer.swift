import Foundation
public import Logging
import Synchronization

/// A consumer on its own connection and thread; an AsyncSequence of deliveries that survives
/// broker restarts: on connection loss it reconnects with backoff (100 ms doubling to 5 s),
/// re-declares `topology` if given, sets prefetch (basic.qos) and consumes again. Deliveries from
/// the dead connection can no longer be acked: their acks are dropped silently and the broker
/// redelivers them with `redelivered == true` (consumers are idempotent). Manual acks.
///
/// At most `prefetch` unacknowledged deliveries are in flight per connection, which bounds the
/// sequence's buffer.
public final class AMQPConsumer: AsyncSequence, Sendable {
    public typealias Element = AMQPDelivery

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<AMQPDelivery>.AsyncIterator?

        public mutating func next() async -> AMQPDelivery? {
            await base?.next()
        }
    }

    private let stream: AsyncStream<AMQPDelivery>
    private let shared: ConsumerShared
    public let queue: String

    public init(
        configuration: AMQPConfiguration, queue: String, prefetch: UInt16 = 100, topology: AMQPTopology? = nil,
        consumerTag: String? = nil, logger: Logger
    ) {
        let (stream, continuation) = AsyncStream.makeStream(of: AMQPDelivery.self, bufferingPolicy: .unbounded)
        self.stream = stream
        self.queue = queue
        let shared = ConsumerShared()
        self.shared = shared
        let core = ConsumerCore(
            configuration: configuration, queue: queue, prefetch: prefetch, topology: topology,
            consumerTag: consumerTag, logger: logger, shared: shared, continuation: continuation)
        let thread = Thread { core.run() }
        thread.name = "amqp-consumer-\(queue)"
        thread.start()
    }

    deinit {
        shared.state.withLock { $0.closing = true }
    }

    /// May be called once; a second iterator ends at once. The sequence ends after `close()`.
    public func makeAsyncIterator() -> AsyncIterator {
        let first = shared.state.withLock { state -> Bool in
            defer { state.iteratorMade = true }
            return !state.iteratorMade
        }
        return AsyncIterator(base: first ? stream.makeAsyncIterator() : nil)
    }

    /// Non-blocking: queued to the consumer thread, which sends it within a few milliseconds.
    public func ack(_ delivery: AMQPDelivery, multiple: Bool = false) {
        enqueue(.ack(tag: delivery.deliveryTag, generation: delivery.connectionGeneration, multiple: multiple))
    }

    public func nack(_ delivery: AMQPDelivery, requeue: Bool) {
        enqueue(.nack(tag: delivery.deliveryTag, generation: delivery.connectionGeneration, requeue: requeue))
    }

    public func reject(_ delivery: AMQPDelivery, requeue: Bool) {
        enqueue(.reject(tag: delivery.deliveryTag, generation: delivery.connectionGeneration, requeue: requeue))
    }

    /// True while the consumer has a live connection with an active `basic.consume`.
    public var isConnected: Bool {
        shared.state.withLock { $0.connected }
    }

    /// basic.cancel, flushes pending acks, closes the connection and finishes the sequence
    /// (deliveries already buffered are still handed out; their acks are dropped).
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = shared.state.withLock { state -> Bool in
                if state.finished { return true }
                state.closing = true
                state.closeWaiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }

    private func enqueue(_ command: ConsumerCommand) {
        shared.state.withLock { state in
            guard !state.finished else { return }
            state.commands.append(command)
        }
    }
}

enum ConsumerCommand: Sendable {
    case ack(tag: UInt64, generation: UInt64, multiple: Bool)
    case nack(tag: UInt64, generation: UInt64, requeue: Bool)
    case reject(tag: UInt64, generation: UInt64, requeue: Bool)

    var generation: UInt64 {
        switch self {
        case .ack(_, let generation, _), .nack(_, let generation, _), .reject(_, let generation, _): generation
        }
    }
}

struct ConsumerState: Sendable {
    var commands: [ConsumerCommand] = []
    var closing = false
    var finished = false
    var connected = false
    var iteratorMade = false
    var closeWaiters: [CheckedContinuation<Void, Never>] = []
}

final class ConsumerShared: Sendable {
    let state = Mutex(ConsumerState())
}

/// The consumer's thread: owns the connection; every C call happens here.
final class ConsumerCore: @unchecked Sendable {
    private let configuration: AMQPConfiguration
    private let queue: String
    private let prefetch: UInt16
    private let topology: AMQPTopology?
    private let consumerTag: String?
    private var logger: Logger
    private let shared: ConsumerShared
    private let continuation: AsyncStream<AMQPDelivery>.Continuation
    private let metrics: AMQPMetrics
    private var connection: RabbitConnection?
    private var activeTag: String?
    private var generation: UInt64 = 0
    /// The cluster node (index into `configuration.nodes`) to connect to next.
    private var node = 0
    /// How long one wait for a delivery may block: acks queued meanwhile wait at most this long.
    private let pollInterval = 0.01

    init(
        configuration: AMQPConfiguration, queue: String, prefetch: UInt16, topology: AMQPTopology?,
        consumerTag: String?,
        logger: Logger, shared: ConsumerShared, continuation: AsyncStream<AMQPDelivery>.Continuation
    ) {
        self.configuration = configuration
        self.queue = queue
        self.prefetch = prefetch
        self.topology = topology
        self.consumerTag = consumerTag
        var logger = logger
        logger[metadataKey: "amqp.queue"] = .string(queue)
        logger[metadataKey: "amqp.connection"] = .string(configuration.connectionName)
        self.logger = logger
        self.shared = shared
        self.continuation = continuation
        self.metrics = AMQPMetrics(connectionName: configuration.connectionName)
    }

    private var isClosing: Bool { shared.state.withLock { $0.closing } }

    func run() {
        var failures = 0
        while !isClosing {
            if connection == nil {
                if failures > 0 {
                    sleepUnlessClosing(min(0.1 * pow(2, Double(failures - 1)), 5))
                    if isClosing { break }
                }
                do {
                    try connect()
                    failures = 0
                } catch {
                    failures += 1
                    logger.warning(
                        "AMQP consumer cannot connect",
                        metadata: ["amqp.error": .string("\(error)"), "amqp.attempt": .stringConvertible(failures)])
                    continue
                }
            }
            guard let connection else { continue }
            do {
                try flushCommands(on: connection)
                switch try connection.consumeMessage(timeout: pollInterval) {
                case .delivery(let raw):
                    metrics.consumed.increment()
                    continuation.yield(raw.stamped(generation: generation, queue: queue))
                case .timeout:
                    break
                case .cancelledByBroker:
                    throw AMQPError(.channelClosed, "the broker cancelled the consumer (queue deleted?)")
                }
            } catch {
                logger.warning(
                    "AMQP consumer lost its connection; reconnecting", metadata: ["amqp.error": .string("\(error)")])
                disconnect()
                failures = 1
            }
        }
        shutdown()
    }

    private func connect() throws {
        let connection = try RabbitConnection.openFailingOver(
            configuration, confirms: false, logger: logger, node: &node)
        do {
            if let topology, !topology.isEmpty { try connection.declare(topology) }
            try connection.qos(prefetch: prefetch)
            activeTag = try connection.consume(queue, consumerTag: consumerTag)
        } catch {
            connection.close()
            throw error
        }
        self.connection = connection
        generation += 1
        if generation > 1 {
            metrics.reconnects.increment()
            logger.info("AMQP consumer reconnected")
        }
        shared.state.withLock { $0.connected = true }
    }

    private func disconnect() {
        shared.state.withLock { $0.connected = false }
        if connection != nil { node += 1 }  // a lost node is tried last next time
        connection?.close()
        connection = nil
        activeTag = nil
    }

    private func flushCommands(on connection: RabbitConnection) throws {
        let commands = shared.state.withLock { state -> [ConsumerCommand] in
            defer { state.commands.removeAll(keepingCapacity: true) }
            return state.commands
        }
        for command in commands where command.generation == generation {
            switch command {
            case .ack(let tag, _, let multiple): try connection.ack(tag, multiple: multiple)
            case .nack(let tag, _, let requeue): try connection.nack(tag, multiple: false, requeue: requeue)
            case .reject(let tag, _, let requeue): try connection.reject(tag, requeue: requeue)
            }
        }
    }

    private func sleepUnlessClosing(_ seconds: Double) {
        let end = Date(timeIntervalSinceNow: seconds)
        while !isClosing, end.timeIntervalSinceNow > 0 {
            Thread.sleep(forTimeInterval: min(0.05, max(0, end.timeIntervalSinceNow)))
        }
    }

    private func shutdown() {
        if let connection, connection.isAlive {
            do {
                try flushCommands(on: connection)
                if let activeTag { try connection.cancel(activeTag) }
                try flushCommands(on: connection)
            } catch {
                logger.debug("AMQP consumer close was not clean", metadata: ["amqp.error": .string("\(error)")])
            }
        }
        disconnect()
        let waiters = shared.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.finished = true
            state.connected = false
            state.commands.removeAll()
            defer { state.closeWaiters.removeAll() }
            return state.closeWaiters
        }
        continuation.finish()
        for waiter in waiters { waiter.resume() }
    }
}
