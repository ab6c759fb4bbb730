import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle

/// Sends the pending email deliveries. Each round claims due rows with `FOR UPDATE SKIP LOCKED`
/// and a lease (a token and an expiry), so two replicas never hold the same row; it sends them on
/// its own threads (libcurl blocks), then records the outcome in one transaction per row together
/// with the `notification.sent` / `notification.failed` event — only if it still holds the lease.
///
/// SMTP has no idempotency: if a send succeeded but the "sent" commit then failed (database gone,
/// lease lost), the row becomes due again when its lease expires and the email is sent a second
/// time. The `Message-ID` is the row's id, so a receiving system can drop the duplicate.
public final class DeliverySender: Service, Sendable {
    let database: PostgresClient
    let settings: NotificationSettings
    let transport: SMTPTransport
    let mailFrom: String
    let producer: String
    let relay: OutboxRelay
    let logger: Logger
    let wakeSignal = WakeSignal()
    let threads: NIOThreadPool
    let sentCounter = Counter(label: "hromada_notifications_sent_total", dimensions: [("channel", "email")])
    let failedCounter = Counter(label: "hromada_notifications_failed_total", dimensions: [("channel", "email")])
    let retriedCounter = Counter(label: "hromada_notifications_retried_total", dimensions: [("channel", "email")])
    let sendTimer = Metrics.Timer(label: "hromada_smtp_send_duration_seconds", preferredDisplayUnit: .seconds)

    public init(database: PostgresClient, settings: NotificationSettings, producer: String, relay: OutboxRelay, logger: Logger) throws {
        self.database = database
        self.settings = settings
        self.transport = SMTPTransport(
            endpoint: try SMTPEndpoint(url: settings.smtpURL),
            connectTimeoutSeconds: settings.smtpConnectTimeoutSeconds, timeoutSeconds: settings.smtpTimeoutSeconds)
        self.mailFrom = MIMEMessage.address(in: settings.from) ?? "no-reply@hromada.mkrada.gov.ua"
        self.producer = producer
        self.relay = relay
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: max(1, settings.senderThreads))
    }

    /// Starts a round now (called after a consumer batch commits).
    public func wake() { wakeSignal.signal() }

    struct Claimed: Sendable {
        let id: UUID
        let sourceEventId: UUID
        let sourceEventType: String
        let recipientKind: String
        let appealId: UUID?
        let registrationNumber: String?
        let correlationId: UUID
        let address: String
        let subject: String
        let body: String
        let attempts: Int
        let createdAt: Date
    }

    public func run() async throws {
        threads.start()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let handled = try await self.round()
                    if handled >= self.settings.batchSize { continue }  // more may be due
                } catch {
                    self.logger.warning("delivery round failed", metadata: ["error": "\(Self.safe(error))"])
                }
                await self.wakeSignal.wait(timeout: self.settings.pollInterval)
            }
        }
        try? await threads.shutdownGracefully()
    }

    /// One round: claim, send (up to `senderThreads` at once), record. Returns how many rows it handled.
    @discardableResult
    public func round() async throws -> Int {
        let token = UUID()
        let claimed = try await claim(token: token)
        guard !claimed.isEmpty else { return 0 }
        let width = max(1, settings.senderThreads)
        await withTaskGroup(of: Void.self) { group in
            var iterator = claimed.makeIterator()
            for _ in 0..<width {
                guard let next = iterator.next() else { break }
                group.addTask { await self.deliver(next, token: token) }
            }
            while await group.next() != nil {
                guard let next = iterator.next() else { continue }
                group.addTask { await self.deliver(next, token: token) }
            }
        }
        relay.notifyCommitted()
        return claimed.count
    }

    func claim(token: UUID) async throws -> [Claimed] {
        let now = settings.clock()
        let leaseUntil = now.addingTimeInterval(Self.seconds(settings.lease))
        let limit = settings.batchSize
        return try await database.withTransaction { connection in
            let rows = try connection.query("""
                WITH due AS (
                    SELECT id FROM deliveries
                    WHERE status = 'pending' AND channel = 'email' AND next_attempt_at <= \(now)
                      AND (lease_until IS NULL OR lease_until < \(now))
                    ORDER BY next_attempt_at
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE deliveries d SET lease_token = \(token), lease_until = \(leaseUntil)
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.source_event_id, d.source_event_type, d.recipient_kind, d.appeal_id, d.registration_number,
                          d.address, d.subject, d.body, d.attempts, d.created_at
                """)
            return try rows.map { row in
                let appealId = try row.decode(4, as: UUID?.self)
                return Claimed(
                    id: try row.decode(0), sourceEventId: try row.decode(1), sourceEventType: try row.decode(2),
                    recipientKind: try row.decode(3), appealId: appealId, registrationNumber: try row.decode(5, as: String?.self),
                    correlationId: try appealId ?? row.decode(1, as: UUID.self), address: try row.decode(6), subject: try row.decode(7),
                    body: try row.decode(8), attempts: try row.decode(9), createdAt: try row.decode(10))
            }
        }
    }

    func deliver(_ row: Claimed, token: UUID) async {
        let message = MIMEMessage(
            from: settings.from, to: row.address, subject: row.subject, body: row.body,
            messageID: "\(row.id.uuidString.lowercased())@hromada", date: row.createdAt
        ).rendered()
        let transport = self.transport
        let mailFrom = self.mailFrom
        let start = ContinuousClock.now
        let outcome: SMTPTransport.Outcome
        do {
            outcome = try await threads.runIfActive { transport.send(message: message, mailFrom: mailFrom, recipient: row.address) }
        } catch {
            return  // shutting down: the lease expires and the row is tried again
        }
        let elapsed = ContinuousClock.now - start
        sendTimer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        var backoff = Duration.milliseconds(100)
        for _ in 0..<5 {
            do {
                try await record(outcome, for: row, token: token)
                return
            } catch {
                logger.warning("could not record a delivery outcome", metadata: ["notification.id": "\(row.id)", "error": "\(Self.safe(error))"])
                try? await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
    }

    func record(_ outcome: SMTPTransport.Outcome, for row: Claimed, token: UUID) async throws {
        let now = settings.clock()
        let attempts = row.attempts + 1
        let producer = self.producer
        let kind = RecipientKind(rawValue: row.recipientKind) ?? .resident
        switch outcome {
        case .sent:
            let recorded = try await database.withTransaction { connection -> Bool in
                let changed = try connection.execute("""
                    UPDATE deliveries SET status = 'sent', attempts = \(attempts), sent_at = \(now), lease_token = NULL, lease_until = NULL,
                        last_error = NULL
                    WHERE id = \(row.id) AND status = 'pending' AND lease_token = \(token)
                    """)
                guard changed == 1 else { return false }
                try Outbox.enqueue(
                    NotificationSent(notificationId: row.id, sourceEventId: row.sourceEventId, sourceEventType: row.sourceEventType,
                                     appealId: row.appealId, registrationNumber: row.registrationNumber, channel: .email,
                                     recipientKind: kind, sentAt: now),
                    correlationId: row.correlationId, causationId: row.sourceEventId, producer: producer, occurredAt: now, on: connection)
                return true
            }
            if recorded { sentCounter.increment() }
            logger.info("notification sent", metadata: ["notification.id": "\(row.id)", "event.type": "\(row.sourceEventType)", "attempts": "\(attempts)"])
        case .temporary(let reason) where attempts < settings.maxAttempts:
            let next = now.addingTimeInterval(Self.seconds(settings.delay(afterAttempts: attempts)))
            try await database.withTransaction { connection in
                try connection.execute("""
                    UPDATE deliveries SET attempts = \(attempts), next_attempt_at = \(next), last_error = \(String(reason.prefix(500))),
                        lease_token = NULL, lease_until = NULL
                    WHERE id = \(row.id) AND status = 'pending' AND lease_token = \(token)
                    """)
            }
            retriedCounter.increment()
            logger.info("notification will be retried", metadata: ["notification.id": "\(row.id)", "attempts": "\(attempts)", "retry.at": "\(ISO8601.format(next))"])
        case .temporary(let reason), .permanent(let reason):
            let reasonText = String(reason.prefix(500))
            let recorded = try await database.withTransaction { connection -> Bool in
                let changed = try connection.execute("""
                    UPDATE deliveries SET status = 'failed', attempts = \(attempts), failed_at = \(now), last_error = \(reasonText),
                        lease_token = NULL, lease_until = NULL
                    WHERE id = \(row.id) AND status = 'pending' AND lease_token = \(token)
                    """)
                guard changed == 1 else { return false }
                try Outbox.enqueue(
                    NotificationFailed(notificationId: row.id, sourceEventId: row.sourceEventId, sourceEventType: row.sourceEventType,
                                       appealId: row.appealId, registrationNumber: row.registrationNumber, channel: .email,
                                       recipientKind: kind, reason: reasonText, attempts: attempts, failedAt: now),
                    correlationId: row.correlationId, causationId: row.sourceEventId, producer: producer, occurredAt: now, on: connection)
                return true
            }
            if recorded { failedCounter.increment() }
            // The SMTP reply may quote the address: only the code at warning level.
            logger.warning("notification failed", metadata: ["notification.id": "\(row.id)", "attempts": "\(attempts)", "smtp.reply": "\(reasonText.prefix(3))"])
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func safe(_ error: any Error) -> String {
        if let e = error as? PostgresError { return e.safeDescription }
        return String(describing: type(of: error))
    }
}
