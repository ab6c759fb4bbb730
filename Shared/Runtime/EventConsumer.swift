import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
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
        /// Delay before each retry (`Topology.retryPolicy` unless a test shortens it).
        public var retryDelays: [Duration] = Topology.retryPolicy.delays
        public var maximumBackoff: Duration = .seconds(5)
        public init() {}
        /// The policy these delays make: a message is tried `retryDelays.count + 1` times.
        public var retryPolicy: RetryPolicy { RetryPolicy(delays: retryDelays) }
        public var maxAttempts: Int { retryPolicy.maxAttempts }
    }

    public let queue: String
    public let topology: AMQPTopology
    private let amqp: AMQPConfiguration
    private let database: PostgresClient
    private let publisher: AMQPClient
    private let handler: any EventHandler
    /// Opens sealed personal fields before any handler sees the event (nil: sealed events are
    /// dead-lettered, there is nothing to open them with).
    private let sealing: (any PersonalDataCipher)?
    private let afterCommit: @Sendable () -> Void
    private let settings: Settings
    private let logger: Logger
    private let current = Mutex<AMQPConsumer?>(nil)
    private let metrics: ConsumerMetrics
    private let held = HeldRejects()

    public init(
        queue: String,
        bindings: [String],
        amqp: AMQPConfiguration,
        database: PostgresClient,
        publisher: AMQPClient,
        handler: any EventHandler,
        settings: Settings = Settings(),
        sealing: (any PersonalDataCipher)? = nil,
        afterCommit: @escaping @Sendable () -> Void = {},
        logger: Logger
    ) {
        self.sealing = sealing
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
        let held = self.held
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
                        // Whatever is still buffered or held is not acknowledged: the broker
                        // hands it out again after the connection closes.
                        held.finish()
                        await consumer.close()
                    }
                    group.addTask {
                        // Rejects each held message when its wait is over (see `retry`).
                        while !held.isFinished {
                            for delivery in held.takeDue() { consumer.reject(delivery, requeue: false) }
                            try? await Task.sleep(for: .milliseconds(20))
                        }
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
                logger.warning(
                    "database unavailable; holding the batch",
                    metadata: ["error": "\(error.redactedDescription)", "retry.in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, settings.maximumBackoff)
            } catch {
                return .failed(error)
            }
        }
    }

    /// Sends a failed message on to its next try (`retry`), or to the dead letters.
    private func fail(
        _ delivery: AMQPDelivery, error: any Error, permanent: Bool, attempt: Int = 1, consumer: AMQPConsumer
    ) async {
        // Documented as free of personal data: the redacted form, never the error's description.
        let reason = String(error.redactedDescription.prefix(500))
        if permanent {
            await deadLetter(delivery, reason: reason, attempt: attempt, consumer: consumer)
        } else {
            retry(delivery, reason: reason, attempt: attempt)
        }
    }

    /// Retries through the broker's dead-lettering, so the message comes back with all its
    /// properties (the broker-checked `user_id` too): a reject sends it to `<queue>.retry.0`, which
    /// returns it after its TTL. A later tier's longer delay is waited out here first, with the
    /// message unacknowledged (it is redelivered at once if the consumer stops meanwhile).
    private func retry(_ delivery: AMQPDelivery, reason: String, attempt: Int) {
        let policy = settings.retryPolicy
        let tier = policy.tier(afterFailedAttempt: attempt) ?? 0
        let extra = Duration.milliseconds(policy.delayMilliseconds(tier: tier) - policy.delayMilliseconds(tier: 0))
        held.hold(delivery, until: ContinuousClock.now + max(extra, .zero))
        metrics.retried.increment()
        logger.warning(
            "message will be retried",
            metadata: [
                "amqp.message_id": "\(delivery.properties.messageID ?? "-")", "error": "\(reason)",
                "attempt": "\(attempt)",
            ])
    }

    /// Publishes a copy to `<queue>.dead` with the reason in its headers, then acknowledges the
    /// original. The copy is published by this service's broker user, so the original publisher's
    /// `user_id` is kept in `x-hromada-original-user` for `hromadactl dlq replay`. If the publish is
    /// not confirmed the original stays unacknowledged and comes back.
    private func deadLetter(_ delivery: AMQPDelivery, reason: String, attempt: Int, consumer: AMQPConsumer) async {
        var properties = delivery.properties
        properties.headers[Topology.Header.lastError] = .string(reason)
        properties.headers[Topology.Header.attempts] = .int(Int64(attempt))
        if properties.headers[Topology.Header.originalRoutingKey] == nil {
            let (routingKey, exchange) = Self.original(delivery, queue: queue)
            properties.headers[Topology.Header.originalRoutingKey] = .string(routingKey)
            properties.headers[Topology.Header.originalExchange] = .string(exchange)
        }
        properties.headers[Topology.Header.queue] = .string(queue)
        properties.headers[Topology.Header.failedAt] = .string(ISO8601.format(Date()))
        properties.headers[EventTopology.originalUserHeader] = delivery.properties.userID.map { .string($0) }
        properties.userID = nil  // this connection's user: the broker refuses any other
        let message = AMQPOutgoingMessage(
            exchange: Topology.deadLetterExchange, routingKey: EventTopology.deadLetterRoutingKey(queue),
            body: delivery.body, properties: properties
        )
        do {
            try await publisher.publish([message])
            consumer.ack(delivery)
            metrics.deadLettered.increment()
            logger.error(
                "message dead-lettered",
                metadata: [
                    "amqp.message_id": "\(delivery.properties.messageID ?? "-")", "error": "\(reason)",
                    "attempts": "\(attempt)",
                ])
        } catch {
            logger.error(
                "could not move a failed message; it stays on the queue",
                metadata: ["error": "\(error.redactedDescription)"])
            consumer.nack(delivery, requeue: true)
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Failed deliveries of this message in `queue` so far, from the broker's `x-death` header
    /// (each reject, and each time the broker gave up on it, counts; a replay clears it).
    static func failedDeliveries(_ properties: AMQPProperties, queue: String) -> Int {
        guard case .array(let deaths)? = properties.headers["x-death"] else { return 0 }
        var total: Int64 = 0
        for case .table(let death) in deaths where death["queue"]?.stringValue == queue {
            total += max(0, death["count"]?.intValue ?? 0)
        }
        return Int(clamping: total)
    }

    /// The routing key and exchange the message was first published with: the replay header,
    /// else the broker's `x-death` record of this queue, else the delivery's own.
    static func original(_ delivery: AMQPDelivery, queue: String) -> (routingKey: String, exchange: String) {
        let headers = delivery.properties.headers
        if case .string(let key)? = headers[Topology.Header.originalRoutingKey] {
            return (key, headers[Topology.Header.originalExchange]?.stringValue ?? Topology.eventsExchange)
        }
        if case .array(let deaths)? = headers["x-death"] {
            for case .table(let death) in deaths where death["queue"]?.stringValue == queue {
                if case .array(let keys)? = death["routing-keys"], let first = keys.first?.stringValue {
                    return (first, death["exchange"]?.stringValue ?? Topology.eventsExchange)
                }
            }
        }
        return (delivery.routingKey, delivery.exchange)
    }

    /// The delivery as an event, or a throw that dead-letters it at once: a body that is no
    /// envelope, or an event from anyone but its producer (`Producers`): the envelope must name
    /// a producer of its type and the broker-checked `user_id` must be that producer's user; or
    /// sealed personal fields that cannot be opened (`ContractError.sealedData`, whose text names
    /// the key id and the reason, never a value). The dead copy keeps the body as it came, sealed.
    private func incomingEvent(_ delivery: AMQPDelivery) throws -> IncomingEvent {
        let received = try Envelope.decode(from: delivery.body)
        if let reason = Producers.distrust(
            type: received.type, producer: received.producer, userID: delivery.properties.userID)
        {
            throw UntrustedEventError(reason: reason)
        }
        if !received.isSealed, !received.personalPathsInClear.isEmpty {
            // Published before sealing (or by a configuration without keys): accepted for one
            // release, counted so operators see when none are left (docs/SECURITY.md).
            metrics.unsealed.increment()
        }
        let envelope = try received.openingPersonalData(with: sealing)
        let attempt = Self.failedDeliveries(delivery.properties, queue: queue) + 1
        let routingKey = Self.original(delivery, queue: queue).routingKey
        return IncomingEvent(
            envelope: envelope, routingKey: routingKey, attempt: attempt, redelivered: delivery.redelivered)
    }
}

/// An event refused because of who sent it; dead-lettered at once, without effect.
public struct UntrustedEventError: Error, CustomStringConvertible, PrivacySafeError, Sendable {
    public let reason: String
    public var description: String { "untrusted event: \(reason)" }
}

/// Failed deliveries waiting to be rejected into the retry queue (see `EventConsumer.retry`).
final class HeldRejects: Sendable {
    private struct State {
        var items: [(due: ContinuousClock.Instant, delivery: AMQPDelivery)] = []
        var finished = false
    }
    private let state = Mutex(State())

    func hold(_ delivery: AMQPDelivery, until due: ContinuousClock.Instant) {
        state.withLock { $0.items.append((due, delivery)) }
    }

    /// The deliveries whose time has come, removed.
    func takeDue() -> [AMQPDelivery] {
        let now = ContinuousClock.now
        return state.withLock { s in
            let due = s.items.filter { $0.due <= now }.map(\.delivery)
            s.items.removeAll { $0.due <= now }
            return due
        }
    }

    /// Stops the reject loop; what is still held stays unacknowledged and is redelivered.
    func finish() {
        state.withLock {
            $0.finished = true
            $0.items.removeAll()
        }
    }
    var isFinished: Bool { state.withLock { $0.finished } }
}

struct ConsumerMetrics: Sendable {
    let consumed: Counter
    let duplicates: Counter
    let retried: Counter
    let deadLettered: Counter
    let unsealed: Counter
    let batchDuration: Metrics.Timer

    init(queue: String) {
        consumed = Counter(label: "hromada_messages_consumed_total", dimensions: [("queue", queue)])
        duplicates = Counter(label: "hromada_messages_duplicate_total", dimensions: [("queue", queue)])
        retried = Counter(label: "hromada_messages_retried_total", dimensions: [("queue", queue)])
        deadLettered = Counter(label: "hromada_messages_dead_lettered_total", dimensions: [("queue", queue)])
        unsealed = Counter(label: "hromada_messages_unsealed_total", dimensions: [("queue", queue)])
        batchDuration = Metrics.Timer(
            label: "hromada_message_batch_duration_seconds", dimensions: [("queue", queue)],
            preferredDisplayUnit: .seconds)
    }

    func record(batch: Int, duplicates dup: Int, duration: Duration) {
        consumed.increment(by: batch)
        if dup > 0 { duplicates.increment(by: dup) }
        batchDuration.recordNanoseconds(duration.nanoseconds)
    }
}
