import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaPostgres
import Logging
import Metrics
import ServiceLifecycle

/// Publishes committed outbox rows with publisher confirms and deletes them once confirmed.
///
/// Several replicas may relay the same outbox: a batch is claimed with a short lease
/// (`FOR UPDATE SKIP LOCKED`, then `claimed_until`), so replicas take different rows. A relay
/// that dies after publishing but before deleting leaves rows whose lease expires and which are
/// published again: delivery is at least once, and every consumer deduplicates on the message id.
public final class OutboxRelay: Service, Sendable {
    public struct Settings: Sendable {
        public var batchSize: Int = 500
        /// How long a claimed batch is reserved for this relay.
        public var lease: Duration = .seconds(30)
        /// How often to look for rows when nobody signalled (other replicas, crash recovery).
        public var pollInterval: Duration = .milliseconds(500)
        public var maximumBackoff: Duration = .seconds(5)
        public init() {}
    }

    private let database: PostgresClient
    private let publisher: AMQPClient
    /// Seals each envelope's personal fields as it leaves (nil: they leave as they are; only
    /// configurations built in code, the executables require keys).
    private let sealing: (any PersonalDataCipher)?
    private let settings: Settings
    private let logger: Logger
    private let wake = WakeSignal()
    private let published: Counter
    private let failures: Counter
    private let lagGauge: Gauge
    private let oldestGauge: Gauge

    public init(
        database: PostgresClient, publisher: AMQPClient, service: String, settings: Settings = Settings(),
        sealing: (any PersonalDataCipher)? = nil, logger: Logger
    ) {
        self.database = database
        self.publisher = publisher
        self.sealing = sealing
        self.settings = settings
        self.logger = logger
        self.published = Counter(label: "hromada_messages_published_total", dimensions: [("service", service)])
        self.failures = Counter(label: "hromada_outbox_publish_failures_total", dimensions: [("service", service)])
        self.lagGauge = Gauge(label: "hromada_outbox_lag_rows", dimensions: [("service", service)])
        self.oldestGauge = Gauge(label: "hromada_outbox_oldest_seconds", dimensions: [("service", service)])
    }

    /// Call after committing a transaction that enqueued events: the relay starts at once.
    public func notifyCommitted() { wake.signal() }

    public func run() async throws {
        var backoff = Duration.milliseconds(100)
        var lastLagSample = ContinuousClock.now - .seconds(60)
        // Keep relaying until a graceful shutdown; then flush what is there once more, so a
        // SIGTERM right after a commit still publishes it.
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let count = try await relayOnce()
                backoff = .milliseconds(100)
                if ContinuousClock.now - lastLagSample > .seconds(5) {
                    lastLagSample = .now
                    try await sampleLag()
                }
                if count < settings.batchSize {
                    try? await cancelWhenGracefulShutdown { await self.wake.wait(timeout: self.settings.pollInterval) }
                }
            } catch {
                failures.increment()
                logger.warning(
                    "outbox relay failed; retrying",
                    metadata: ["error": "\(error.redactedDescription)", "retry.in": "\(backoff)"])
                let delay = backoff
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
                backoff = min(backoff * 2, settings.maximumBackoff)
            }
        }
        do {
            while try await relayOnce() > 0 {}
        } catch {
            logger.warning(
                "outbox not fully flushed at shutdown; the rows stay for the next start",
                metadata: ["error": "\(error.redactedDescription)"])
        }
    }

    /// Records the outbox lag (rows waiting, age of the oldest) as gauges for /metrics.
    private func sampleLag() async throws {
        let (rows, oldest) = try await database.withConnection { try Outbox.lag(on: $0) }
        lagGauge.record(rows)
        oldestGauge.record(oldest)
    }

    /// Claims, publishes and deletes one batch. Returns how many rows it published.
    @discardableResult
    public func relayOnce() async throws -> Int {
        let leaseSeconds = Int(settings.lease.components.seconds)
        let batchSize = settings.batchSize
        let rows: [PendingRow] = try await database.withTransaction { connection in
            let result = try connection.query(
                """
                UPDATE outbox SET claimed_until = now() + make_interval(secs => \(leaseSeconds))
                WHERE seq IN (
                    SELECT seq FROM outbox
                    WHERE claimed_until IS NULL OR claimed_until < now()
                    ORDER BY seq LIMIT \(batchSize)
                    FOR UPDATE SKIP LOCKED)
                RETURNING seq, event_id, event_type, exchange, routing_key, correlation_id, body
                """
            )
            return try result.map { row in
                PendingRow(
                    seq: try row.decode(0, as: Int64.self),
                    eventID: try row.decode(1, as: UUID.self),
                    eventType: try row.decode(2, as: String.self),
                    exchange: try row.decode(3, as: String.self),
                    routingKey: try row.decode(4, as: String.self),
                    correlationID: try row.decode(5, as: UUID.self),
                    body: try row.decode(6, as: [UInt8].self)
                )
            }.sorted { $0.seq < $1.seq }
        }
        guard !rows.isEmpty else { return 0 }
        let sealing = self.sealing
        let messages = try rows.map { try $0.message(sealing: sealing) }
        do {
            try await publisher.publish(messages)
        } catch {
            // Give the rows back at once rather than waiting out the lease.
            let seqs = rows.map(\.seq)
            _ = try? await database.execute("UPDATE outbox SET claimed_until = NULL WHERE seq = ANY(\(seqs))")
            throw error
        }
        let seqs = rows.map(\.seq)
        try await database.execute("DELETE FROM outbox WHERE seq = ANY(\(seqs))")
        published.increment(by: rows.count)
        logger.debug("outbox relayed", metadata: ["outbox.count": "\(rows.count)"])
        return rows.count
    }

    struct PendingRow: Sendable {
        let seq: Int64
        let eventID: UUID
        let eventType: String
        let exchange: String
        let routingKey: String
        let correlationID: UUID
        let body: [UInt8]

        /// The AMQP properties ARCHITECTURE.md fixes for every message. The envelope is the
        /// source of truth; the properties repeat its id, type, correlation and producer so
        /// brokers, tools and stock clients can route and inspect without parsing the body.
        /// With `sealing`, the body's personal fields are sealed here, the one place every event
        /// leaves through (the outbox row keeps the clear form, in the producer's own schema).
        func message(sealing: (any PersonalDataCipher)? = nil) throws -> AMQPOutgoingMessage {
            let envelope = try? Envelope.decode(from: body)
            var body = self.body
            if let sealing, let envelope, !envelope.isSealed, !envelope.personalPathsInClear.isEmpty {
                body = try envelope.sealingPersonalData(with: sealing).encoded()
            }
            let properties = AMQPProperties(
                contentType: "application/json",
                deliveryMode: 2,
                messageID: eventID.lowercaseUUID,
                type: eventType,
                correlationID: correlationID.lowercaseUUID,
                appID: envelope?.producer,
                timestamp: envelope?.occurredAt ?? Date(),
                headers: ["x-hromada-version": .int(Int64(envelope?.version ?? 1))]
            )
            return AMQPOutgoingMessage(exchange: exchange, routingKey: routingKey, body: body, properties: properties)
        }
    }
}
