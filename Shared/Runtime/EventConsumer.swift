import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Consumes a service's queue: each batch of deliveries is applied in one database transaction
/// together with its inbox rows, then acknowledged. A redelivered message finds its id in the
/// inbox and changes nothing.
///
/// Failures are told apart:
/// - the database or broker is unreachable: nothing is the message's fault, so the batch is held
///   and tried again with backoff, without spending the message's tries;
/// - the handler throws: the batch is split and each message handled alone, so one bad message
///   cannot hold back the others; the failing one goes to a retry queue (growing delay) and, after
///   its last try or at once for a `PermanentEventError` or a body that is no envelope, to
///   `<queue>.dead` with the reason in its headers. It never blocks the queue.
public final class EventConsumer: Service, Sendable {
    public struct Settings: Sendable {
        public var prefetch: UInt16 = 300
        public var maxBatch: Int = 100
        /// Delay before each retry; a message is tried `retryDelays.count + 1` times.
        public var retryDelays: [Duration] = Topology.retryDelays
        public var maximumBackoff: Duration = .seconds(5)
        public init() {}
        public var maxAttempts: Int { retryDelays.count + 1 }
    }

    public let queue: String
    public let topology: AMQPTopology
    private let amqp: AMQPConfiguration
    private let database: PostgresClient
    private let publisher: AMQPClient
    private let handler: any EventHandler
    private let afterCommit: @Sendable () -> Void
    private let settings: Settings
    private let logger: Logger
    private let current = Mutex<AMQPConsumer?>(nil)
    private let metrics: ConsumerMetrics

    public init(
        queue: String,
        bindings: [String],
        amqp: AMQPConfiguration,
        database: PostgresClient,
        publisher: AMQPClient,
        handler: any EventHandler,
        settings: Settings = Settings(),
        afterCommit: @escaping @Sendable () -> Void = {},
        logger: Logger
    ) {
        self.queue = queue
        self.topology = EventTopology.make(queue: queue, bindings: bindings, retryDelays: settings.retryDelays)
        self.amqp = amqp
        self.database = database
        self.publisher = publisher
        self.handler = handler
        self.afterCommit = afterCommit
        self.settings = settings
        var logger = logger
        logger[metadataKey: "amqp.queue"] = "\(queue)"
        self.logger = logger
        self.metrics = ConsumerMetrics(queue: queue)
    }

    /// For readiness: true while the consumer holds a live broker connection.
    public var isConnected: Bool { current.withLock { $0?.isConnected ?? false } }

    public func run() async throws {
        let consumer = AMQPConsumer(
            configuration: amqp, queue: queue, prefetch: settings.prefetch, topology: topology, logger: logger
        )
        current.withLock { $0 = consumer }
        let buffer = DeliveryBuffer()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // The sequence survives broker restarts (it reconnects) and ends on close.
                        for await delivery in consumer { buffer.append(delivery) }
                        buffer.stop()
                    }
                    group.addTask {
                        while let batch = await buffer.next(max: self.settings.maxBatch) {
                            await self.process(batch, consumer: consumer)
                        }
                        // Whatever is still buffered is not acknowledged: the broker hands it
                        // out again after the connection closes.
                        await consumer.close()
                    }
                }
            } onCancel: {
                buffer.stop()
            }
        } onGracefulShutdown: {
            buffer.stop()
        }
        current.withLock { $0 = nil }
    }

    // MARK: - Handling

    private func process(_ deliveries: [AMQPDelivery], consumer: AMQPConsumer) async {
        var events: [(AMQPDelivery, IncomingEvent)] = []
        for delivery in deliveries {
            do {
                events.append((delivery, try incomingEvent(delivery)))
            } catch {
                await fail(delivery, error: error, permanent: true, consumer: consumer)
            }
        }
        guard !events.isEmpty else { return }
        let start = ContinuousClock.now
        let outcome = await applyHoldingOnInfrastructureFailure(events)
        switch outcome {
        case .applied(let duplicates):
            for (delivery, _) in events { consumer.ack(delivery) }
            metrics.record(batch: events.count, duplicates: duplicates, duration: ContinuousClock.now - start)
            afterCommit()
        case .failed where events.count > 1:
            // Find the culprit: each message alone, in its own transaction.
            for event in events { await process([event.0], consumer: consumer) }
        case .failed(let error):
            let (delivery, event) = events[0]
            let permanent = error is PermanentEventError || event.attempt >= settings.maxAttempts
            await fail(delivery, error: error, permanent: permanent, attempt: event.attempt, consumer: consumer)
        case .stopped:
            return
        }
    }

    private enum Outcome {
        case applied(duplicates: Int)
        case failed(any Error)
        case stopped
    }

    /// Applies the events in one transaction. While the database is unreachable it waits and
    /// tries again, so an outage does not count against the messages' tries.
    private func applyHoldingOnInfrastructureFailure(_ events: [(AMQPDelivery, IncomingEvent)]) async -> Outcome {
        var backoff = Duration.milliseconds(100)
        while true {
            do {
                let handler = self.handler
                let incoming = events.map(\.1)
                let duplicates = try await database.withTransaction { connection -> Int in
                    let fresh = try Inbox.claim(batch: incoming, on: connection)
                    try handler.handle(batch: fresh, on: connection)
                    return incoming.count - fresh.count
                }
                return .applied(duplicates: duplicates)
            } catch let error as PostgresError where error.isRetryable {
                if Task.isCancelled || Task.isShuttingDownGracefully { return .stopped }
                logger.warning("database unavailable; holding the batch", metadata: ["error": "\(error.safeDescription)", "retry.in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.maximumBackoff)
            } catch {
                return .failed(error)
            }
        }
    }

    /// Sends a failed message on to its next try, or to the dead letters, then acknowledges it.
    /// If that publish is not confirmed the original stays unacknowledged and comes back.
    private func fail(_ delivery: AMQPDelivery, error: any Error, permanent: Bool, attempt: Int = 1, consumer: AMQPConsumer) async {
        let reason = String(describing: error).prefix(500)
        var properties = delivery.properties
        properties.headers[Topology.Header.lastError] = .string(String(reason))
        properties.headers[Topology.Header.attempts] = .int(Int64(attempt))
        if properties.headers[Topology.Header.originalRoutingKey] == nil {
            properties.headers[Topology.Header.originalRoutingKey] = .string(delivery.routingKey)
            properties.headers[Topology.Header.originalExchange] = .string(delivery.exchange)
        }
        properties.headers[Topology.Header.queue] = .string(queue)
        let message: AMQPOutgoingMessage
        if permanent {
            properties.headers[Topology.Header.failedAt] = .string(ISO8601.format(Date()))
            message = AMQPOutgoingMessage(exchange: Topology.deadLetterExchange, routingKey: queue, body: delivery.body, properties: properties)
        } else {
            let tier = min(attempt - 1, settings.retryDelays.count - 1)
            // The next delivery is the next try.
            properties.headers[Topology.Header.attempts] = .int(Int64(attempt + 1))
            message = AMQPOutgoingMessage(exchange: "", routingKey: EventTopology.retryQueue(queue, tier: tier), body: delivery.body, properties: properties)
        }
        do {
            try await publisher.publish([message])
            consumer.ack(delivery)
            if permanent {
                metrics.deadLettered.increment()
                logger.error("message dead-lettered", metadata: ["amqp.message_id": "\(delivery.properties.messageID ?? "-")", "error": "\(reason)", "attempts": "\(attempt)"])
            } else {
                metrics.retried.increment()
                logger.warning("message will be retried", metadata: ["amqp.message_id": "\(delivery.properties.messageID ?? "-")", "error": "\(reason)", "attempt": "\(attempt)"])
            }
        } catch {
            logger.error("could not move a failed message; it stays on the queue", metadata: ["error": "\(error)"])
            consumer.nack(delivery, requeue: true)
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    private func incomingEvent(_ delivery: AMQPDelivery) throws -> IncomingEvent {
        let envelope = try Envelope.decode(from: delivery.body)
        var attempt = 1
        if case .int(let n)? = delivery.properties.headers[Topology.Header.attempts] { attempt = max(1, Int(n)) }
        var routingKey = delivery.routingKey
        if case .string(let original)? = delivery.properties.headers[Topology.Header.originalRoutingKey] { routingKey = original }
        return IncomingEvent(envelope: envelope, routingKey: routingKey, attempt: attempt, redelivered: delivery.redelivered)
    }
}

struct ConsumerMetrics: Sendable {
    let consumed: Counter
    let duplicates: Counter
    let retried: Counter
    let deadLettered: Counter
    let batchDuration: Metrics.Timer

    init(queue: String) {
        consumed = Counter(label: "hromada_messages_consumed_total", dimensions: [("queue", queue)])
        duplicates = Counter(label: "hromada_messages_duplicate_total", dimensions: [("queue", queue)])
        retried = Counter(label: "hromada_messages_retried_total", dimensions: [("queue", queue)])
        deadLettered = Counter(label: "hromada_messages_dead_lettered_total", dimensions: [("queue", queue)])
        batchDuration = Metrics.Timer(label: "hromada_message_batch_duration_seconds", dimensions: [("queue", queue)], preferredDisplayUnit: .seconds)
    }

    func record(batch: Int, duplicates dup: Int, duration: Duration) {
        consumed.increment(by: batch)
        if dup > 0 { duplicates.increment(by: dup) }
        batchDuration.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
