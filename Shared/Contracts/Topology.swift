import HromadaCore

/// Names of the message topology (ARCHITECTURE.md "Message topology") and the one retry policy
/// the consumers apply. Everything that declares, binds, publishes or retries uses these.
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

    /// `"<queue>.dead"`, bound to `deadLetterExchange` with routing key `queue`.
    public static func deadLetterQueue(_ queue: String) -> String { "\(queue).dead" }
    public static func deadLetterQueue(_ q: Queue) -> String { deadLetterQueue(q.rawValue) }

    /// `"<queue>.retry.<tier>"`. The runtime declares tier 0 only (see `RetryPolicy`).
    public static func retryQueue(_ queue: String, tier: Int) -> String { "\(queue).retry.\(tier)" }
    public static func retryQueue(_ q: Queue, tier: Int) -> String { retryQueue(q.rawValue, tier: tier) }

    /// The retry queues a consumer queue has under the policy in use: one, `<queue>.retry.0`
    /// (none when the policy has no delays).
    public static func retryQueues(_ q: Queue) -> [String] {
        retryPolicy.delays.isEmpty ? [] : [retryQueue(q, tier: 0)]
    }

    /// The policy every consumer applies unless a test gives it another (`EventConsumer.Settings`).
    public static let retryPolicy = RetryPolicy.standard

    /// Delay of each retry tier of the policy in use.
    public static var retryDelays: [Duration] { retryPolicy.delays }

    /// Total tries of one message (first delivery included) before it is dead-lettered.
    public static var maxAttempts: Int { retryPolicy.maxAttempts }

    /// A retry tier's delay in milliseconds, for the queue's `x-message-ttl` argument.
    public static func retryDelayMilliseconds(tier: Int) -> Int { Int(retryPolicy.delayMilliseconds(tier: tier)) }

    /// The retry tier after failed attempt `attempt` (1-based), or nil when the message must be
    /// dead-lettered because it has had `maxAttempts` tries.
    public static func retryTier(afterFailedAttempt attempt: Int) -> Int? {
        retryPolicy.tier(afterFailedAttempt: attempt)
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

/// How a consumer retries a message whose handler failed: one try, then one more after each
/// delay, so `delays.count + 1` tries in all; after the last one the message goes to
/// `<queue>.dead`. After failed attempt n (1-based) with n < `maxAttempts` it waits the delay of
/// tier `tier(afterFailedAttempt: n)` = min(n − 1, delays.count − 1): the broker holds it in the
/// consumer's one retry queue `<queue>.retry.0` (whose `x-message-ttl` is the first delay) and
/// the consumer holds it the rest of a later tier's delay before rejecting it there (see
/// EventConsumer and EventTopology). With the standard delays [1 s, 5 s, 30 s] that is 4 tries
/// over about 36 s.
public struct RetryPolicy: Sendable, Equatable {
    /// Delay before each retry, in order.
    public var delays: [Duration]

    public init(delays: [Duration]) { self.delays = delays }

    /// The policy in use: retries after 1 s, 5 s and 30 s.
    public static let standard = RetryPolicy(delays: [.seconds(1), .seconds(5), .seconds(30)])

    /// Tries of one message in all (the first delivery included).
    public var maxAttempts: Int { delays.count + 1 }

    /// The retry tier after failed attempt `attempt` (1-based), nil when it was the last try.
    public func tier(afterFailedAttempt attempt: Int) -> Int? {
        guard attempt < maxAttempts, !delays.isEmpty else { return nil }
        return min(max(attempt - 1, 0), delays.count - 1)
    }

    /// A tier's delay in milliseconds (tiers beyond the last use the last delay).
    public func delayMilliseconds(tier: Int) -> Int64 {
        guard !delays.isEmpty else { return 0 }
        return delays[min(max(tier, 0), delays.count - 1)].milliseconds
    }

    /// The longest a failing message keeps coming back: the sum of the delays. Anything that must
    /// outlive every redelivery (the inbox's memory of processed ids) must be kept much longer.
    public var redeliveryWindow: Duration { delays.reduce(.zero, +) }
}
