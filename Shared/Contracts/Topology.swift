/// Names of the message topology (ARCHITECTURE.md "Message topology"). Everything that declares,
/// binds or publishes uses these names.
///
/// Retry policy: a message is tried at most `maxAttempts` times in total. After failed attempt n
/// (1-based) with n < maxAttempts it is published to the retry queue of tier
/// `retryTier(afterFailedAttempt: n)` — tier min(n − 1, retryDelays.count − 1) — whose
/// `x-message-ttl` is that tier's delay and whose dead-letter target is the default exchange with
/// the consumer's own queue as routing key, so it comes back after the delay. After attempt
/// `maxAttempts` fails it goes to `deadLetterQueue(q)` through `deadLetterExchange`.
/// With delays [1 s, 5 s, 30 s] and 5 attempts the waits are 1 s, 5 s, 30 s, 30 s (≈ 66 s), then dead.
public enum Topology {
    /// Durable topic exchange every event is published to; routing key = `DomainEvent.routingKey`.
    public static let eventsExchange = "hromada.events"
    /// Durable direct exchange; `<queue>.dead` is bound to it with routing key `<queue>`.
    public static let deadLetterExchange = "hromada.dlx"

    /// Each consuming service's own durable quorum queue.
    public enum Queue: String, Sendable, CaseIterable {
        case intake = "hromada.intake"
        case routing = "hromada.routing"
        case notification = "hromada.notification"
        case audit = "hromada.audit"
    }

    /// `"<queue>.dead"`, bound to `deadLetterExchange` with routing key `q.rawValue`.
    public static func deadLetterQueue(_ q: Queue) -> String { "\(q.rawValue).dead" }

    /// `"<queue>.retry.<tier>"`, tier in `0..<retryDelays.count`.
    public static func retryQueue(_ q: Queue, tier: Int) -> String { "\(q.rawValue).retry.\(tier)" }

    /// Every retry queue of a consumer queue, by tier.
    public static func retryQueues(_ q: Queue) -> [String] { retryDelays.indices.map { retryQueue(q, tier: $0) } }

    /// Delay of each retry tier.
    public static let retryDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30)]

    /// Total tries of one message (first delivery included) before it is dead-lettered.
    public static let maxAttempts = 5

    /// A retry tier's delay in milliseconds, for the queue's `x-message-ttl` argument.
    public static func retryDelayMilliseconds(tier: Int) -> Int {
        let delay = retryDelays[min(max(tier, 0), retryDelays.count - 1)]
        let (seconds, attoseconds) = delay.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    /// The retry tier after failed attempt `attempt` (1-based), or nil when the message must be
    /// dead-lettered because it has had `maxAttempts` tries.
    public static func retryTier(afterFailedAttempt attempt: Int) -> Int? {
        guard attempt < maxAttempts else { return nil }
        return min(max(attempt - 1, 0), retryDelays.count - 1)
    }

    /// `"<type>.v<version>"` plus `".<suffix>"` when there is one.
    public static func routingKey(type: String, version: Int, suffix: String? = nil) -> String {
        if let suffix, !suffix.isEmpty { return "\(type).v\(version).\(suffix)" }
        return "\(type).v\(version)"
    }

    /// AMQP headers the runtime sets on retried and dead-lettered messages.
    public enum Header {
        /// Int: deliveries so far that ended in failure.
        public static let attempts = "x-hromada-attempts"
        /// String: the last failure's error code/description (no personal data).
        public static let lastError = "x-hromada-last-error"
        public static let originalRoutingKey = "x-hromada-original-routing-key"
        public static let originalExchange = "x-hromada-original-exchange"
        /// String: ISO 8601 instant of the final failure.
        public static let failedAt = "x-hromada-failed-at"
        /// String: the consumer queue the message failed in (used to replay dead letters).
        public static let queue = "x-hromada-queue"
    }

    /// AMQP message properties every message carries (ARCHITECTURE.md).
    public static let contentType = "application/json"
    /// Persistent delivery mode.
    public static let deliveryMode: UInt8 = 2
}
