import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle

/// Sends the pending email deliveries. Each round claims due rows (`NotificationStore.claimDue`:
/// a lease per sender, so two replicas never hold the same row), sends them on its own threads
/// (libcurl blocks), then records each outcome as `Delivery.recording` decides, together with the
/// `notification.sent` / `notification.failed` event, only if it still holds the lease.
///
/// SMTP has no idempotency: if a send succeeded but the "sent" commit then failed (database gone,
/// lease lost), the row becomes due again when its lease expires and the email is sent a second
/// time. The `Message-ID` is the row's id, so a receiving system can drop the duplicate.
public final class DeliverySender: Service, Sendable {
    let store: NotificationStore
    let settings: NotificationSettings
    let transport: SMTPTransport
    let mailFrom: String
    let logger: Logger
    let wakeSignal = WakeSignal()
    let threads: NIOThreadPool
    let sentCounter = Counter(label: "hromada_notifications_sent_total", dimensions: [("channel", "email")])
    let failedCounter = Counter(label: "hromada_notifications_failed_total", dimensions: [("channel", "email")])
    let retriedCounter = Counter(label: "hromada_notifications_retried_total", dimensions: [("channel", "email")])
    let sendTimer = Metrics.Timer(label: "hromada_smtp_send_duration_seconds", preferredDisplayUnit: .seconds)

    public init(store: NotificationStore, settings: NotificationSettings, logger: Logger) throws {
        self.store = store
        self.settings = settings
        self.transport = SMTPTransport(
            endpoint: try SMTPEndpoint(url: settings.smtpURL),
            connectTimeoutSeconds: settings.smtpConnectTimeoutSeconds, timeoutSeconds: settings.smtpTimeoutSeconds)
        self.mailFrom = MIMEMessage.address(in: settings.from) ?? "no-reply@hromada.mkrada.gov.ua"
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: max(1, settings.senderThreads))
    }

    /// Starts a round now (called after a consumer batch commits).
    public func wake() { wakeSignal.signal() }

    public func run() async throws {
        threads.start()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let handled = try await self.round()
                    if handled >= self.settings.batchSize { continue }  // more may be due
                } catch {
                    self.logger.warning("delivery round failed", metadata: ["error": "\(error.redactedDescription)"])
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
        let claimed = try await store.claimDue(
            token: token, at: settings.clock(), policy: settings.deliveryPolicy, limit: settings.batchSize)
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
        return claimed.count
    }

    func deliver(_ row: ClaimedDelivery, token: UUID) async {
        let id = row.subject.notificationId.uuidString.lowercased()
        let message = MIMEMessage(
            from: settings.from, to: row.address, subject: row.title, body: row.body,
            messageID: "\(id)@hromada", date: row.createdAt
        ).rendered()
        let transport = self.transport
        let mailFrom = self.mailFrom
        let start = ContinuousClock.now
        let outcome: SendOutcome
        do {
            outcome = try await threads.runIfActive {
                transport.send(message: message, mailFrom: mailFrom, recipient: row.address)
            }
        } catch {
            return  // shutting down: the lease expires and the row is tried again
        }
        let elapsed = ContinuousClock.now - start
        sendTimer.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        var backoff = Duration.milliseconds(100)
        for _ in 0..<5 {
            do {
                try await record(outcome, for: row, token: token)
                return
            } catch {
                logger.warning("could not record a delivery outcome", metadata: [
                    "notification.id": "\(id)", "error": "\(error.redactedDescription)",
                ])
                try? await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
    }

    func record(_ outcome: SendOutcome, for row: ClaimedDelivery, token: UUID) async throws {
        let id = row.subject.notificationId.uuidString.lowercased()
        let policy = settings.deliveryPolicy
        guard let next = row.delivery.recording(outcome, token: token, at: settings.clock(), policy: policy)
        else { return }
        let recorded = try await store.record(next, for: row, token: token)
        switch next.state {
        case .sent:
            if recorded { sentCounter.increment() }
            logger.info("notification sent", metadata: [
                "notification.id": "\(id)", "event.type": "\(row.subject.sourceEventType)",
                "attempts": "\(next.attempts)",
            ])
        case .pending(let retryAt):
            retriedCounter.increment()
            logger.info("notification will be retried", metadata: [
                "notification.id": "\(id)", "attempts": "\(next.attempts)", "retry.at": "\(ISO8601.format(retryAt))",
            ])
        case .failed(_, let reason):
            if recorded { failedCounter.increment() }
            // The SMTP reply may quote the address: only the code at warning level.
            logger.warning("notification failed", metadata: [
                "notification.id": "\(id)", "attempts": "\(next.attempts)", "smtp.reply": "\(reason.prefix(3))",
            ])
        case .sending:
            break
        }
    }
}
