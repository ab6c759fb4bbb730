import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle

/// Sends the pending email deliveries. Each round claims due rows (`DeliveryStore.claimDue`: one
/// lease for the round, so two replicas never hold the same row), sends them on its own threads
/// (libcurl blocks), then records each outcome as `Delivery.recording` decides, together with the
/// `notification.sent` / `notification.failed` event, only if it still holds the lease.
///
/// SMTP has no idempotency, so once the mail server has accepted a message the sender must not
/// lose that fact: it keeps the outcome in memory and retries recording it (backoff up to
/// `recordBackoffLimit`; every try takes a connection from the pool, which reconnects, through the
/// multi-host URL, to whichever server is primary now) until it is recorded, and meanwhile keeps
/// renewing the round's lease (`RoundLease`), so no other sender can claim the row while its
/// outcome is pending. The lease (180 s by default) is many times longer than a PostgreSQL failover
/// (about 12 s under pg_auto_failover in deploy/cluster) because it must also cover the renewals
/// that fail during one. A graceful shutdown starts no new send but still records what was sent,
/// and gives the rows it did not send back at once.
///
/// What stays at-least-once: a sender that dies (kill -9, machine lost) between the SMTP accept and
/// the commit, or a database outage longer than the lease left after the last renewal: then the
/// lease expires and another sender sends the email again. The `Message-ID` is the row's id, so a
/// receiving system can drop the copy (docs/OPERATIONS.md).
///
/// The same sender, with its own instance, sends the SMS deliveries (`channel: .sms`, through the
/// gateway's HTTP interface): the same leases, retries and at-least-once (see `KannelSMSTransport`).
public final class DeliverySender: Service, Sendable {
    let store: any DeliveryStore
    let settings: NotificationSettings
    /// The deliveries this sender claims, and how it hands one over.
    let channel: NotificationChannel
    let transport: any NoticeTransport
    /// The longest one hand-over may take (the transport's connect and transfer limits).
    let sendLimitSeconds: TimeInterval
    let logger: Logger
    let wakeSignal = WakeSignal()
    let threads: NIOThreadPool
    /// The longest pause between two tries to record an outcome.
    let recordBackoffLimit: Duration
    let sentCounter: Counter
    let failedCounter: Counter
    let retriedCounter: Counter
    let recordRetriedCounter: Counter
    let sendTimer: Metrics.Timer

    public convenience init(store: NotificationStore, settings: NotificationSettings, logger: Logger) throws {
        let transport = SMTPTransport(
            endpoint: try SMTPEndpoint(url: settings.smtpURL),
            connectTimeoutSeconds: settings.smtpConnectTimeoutSeconds, timeoutSeconds: settings.smtpTimeoutSeconds)
        self.init(store: store, transport: transport, settings: settings, logger: logger)
    }

    /// Any store and transport (tests give in-memory ones).
    public convenience init(
        store: any DeliveryStore, transport: any MailTransport, settings: NotificationSettings, logger: Logger,
        recordBackoffLimit: Duration = .seconds(5)
    ) {
        self.init(
            store: store, channel: .email, transport: EmailNoticeTransport(mail: transport, from: settings.from),
            sendLimitSeconds: Double(settings.smtpConnectTimeoutSeconds + settings.smtpTimeoutSeconds),
            settings: settings, logger: logger, recordBackoffLimit: recordBackoffLimit)
    }

    /// A sender of `channel`'s deliveries through `transport`.
    public init(
        store: any DeliveryStore, channel: NotificationChannel, transport: any NoticeTransport,
        sendLimitSeconds: TimeInterval, settings: NotificationSettings, logger: Logger,
        recordBackoffLimit: Duration = .seconds(5)
    ) {
        self.store = store
        self.settings = settings
        self.channel = channel
        self.transport = transport
        self.sendLimitSeconds = sendLimitSeconds
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: max(1, settings.senderThreads))
        self.recordBackoffLimit = recordBackoffLimit
        let dimensions = [("channel", channel.rawValue)]
        sentCounter = Counter(label: "hromada_notifications_sent_total", dimensions: dimensions)
        failedCounter = Counter(label: "hromada_notifications_failed_total", dimensions: dimensions)
        retriedCounter = Counter(label: "hromada_notifications_retried_total", dimensions: dimensions)
        recordRetriedCounter = Counter(label: "hromada_notifications_outcome_record_retries_total", dimensions: dimensions)
        sendTimer = Metrics.Timer(
            label: channel == .email ? "hromada_smtp_send_duration_seconds" : "hromada_\(channel.rawValue)_send_duration_seconds",
            preferredDisplayUnit: .seconds)
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

    /// Seconds of confirmed lease a send needs left before it starts: the SMTP transaction's own
    /// limits and a margin, but at most half the lease (a short lease in tests still sends).
    var sendAllowance: TimeInterval {
        min(sendLimitSeconds + 5, settings.lease.seconds / 2)
    }

    /// How often a round renews its lease: four times per lease, so three renewals in a row may fail.
    var renewalInterval: Duration { settings.lease / 4 }

    /// One round: claim, send (up to `senderThreads` at once), record, renewing the lease meanwhile.
    /// Returns how many rows it claimed.
    @discardableResult
    public func round() async throws -> Int {
        let token = UUID()
        let now = settings.clock()
        let claimed = try await store.claimDue(
            channel: channel, token: token, at: now, policy: settings.deliveryPolicy, limit: settings.batchSize)
        guard !claimed.isEmpty else { return 0 }
        var until = now.addingTimeInterval(settings.lease.seconds)
        if case .sending(let lease) = claimed[0].delivery.state { until = lease.until }
        let lease = RoundLease(token: token, ids: claimed.map(\.subject.notificationId), until: until)
        // The round runs in a task of its own so that a graceful shutdown (which cancels `run`) cannot
        // cut it short between an SMTP accept and the commit of its outcome (a cancelled task cannot
        // take a database connection). The shutdown only tells the round to start no new send.
        let work = Task { await self.send(claimed, under: lease) }
        await withTaskCancellationHandler {
            await work.value
        } onCancel: {
            lease.stop()
        }
        return claimed.count
    }

    func send(_ claimed: [ClaimedDelivery], under lease: RoundLease) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepRenewing(lease) }
            await withTaskGroup(of: Void.self) { sends in
                let width = max(1, settings.senderThreads)
                var iterator = claimed.makeIterator()
                for _ in 0..<width {
                    guard let next = iterator.next() else { break }
                    sends.addTask { await self.deliver(next, under: lease) }
                }
                while await sends.next() != nil {
                    guard let next = iterator.next() else { continue }
                    sends.addTask { await self.deliver(next, under: lease) }
                }
            }
            group.cancelAll()
        }
        await giveBackUnsent(claimed, under: lease)
    }

    /// Rows the round claimed but did not send (shutting down, or too little lease left) are made
    /// claimable again at once instead of waiting for the lease to end. One try: if the database is
    /// away, the lease ends by itself.
    func giveBackUnsent(_ claimed: [ClaimedDelivery], under lease: RoundLease) async {
        let unsent = lease.neverStarted(of: claimed.map(\.subject.notificationId))
        guard !unsent.isEmpty else { return }
        do {
            let released = try await store.releaseLeases(token: lease.token, ids: unsent)
            logger.debug("unsent deliveries given back", metadata: ["deliveries": "\(released)"])
        } catch {
            logger.debug("could not give back unsent deliveries", metadata: ["error": "\(error.redactedDescription)"])
        }
    }

    /// Renews the round's lease every `renewalInterval` until the round is cancelled (all done). A
    /// failed renewal (database away) is retried at the next interval; the lease left covers it.
    func keepRenewing(_ lease: RoundLease) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: renewalInterval)
            guard !Task.isCancelled else { return }
            let ids = lease.idsToRenew
            guard !ids.isEmpty else { continue }
            let until = settings.clock().addingTimeInterval(settings.lease.seconds)
            do {
                let held = try await store.renewLeases(token: lease.token, ids: ids, until: until)
                lease.renewed(ids, held: held, until: until)
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("could not renew the lease of claimed deliveries", metadata: [
                    "deliveries": "\(ids.count)", "lease.until": "\(ISO8601.format(lease.confirmedUntil))",
                    "error": "\(error.redactedDescription)",
                ])
            }
        }
    }

    func deliver(_ row: ClaimedDelivery, under lease: RoundLease) async {
        let notificationId = row.subject.notificationId
        defer { lease.release(notificationId) }
        let id = notificationId.uuidString.lowercased()
        guard lease.mayStartSending(notificationId, at: settings.clock(), allowance: sendAllowance) else {
            // Shutting down, or the claim is too close to its end (renewals failing): leave the row;
            // it is claimed again once its lease expires.
            logger.debug("delivery not started: no lease to send under", metadata: ["notification.id": "\(id)"])
            return
        }
        let transport = self.transport
        let start = ContinuousClock.now
        let outcome: SendOutcome
        do {
            outcome = try await threads.runIfActive { transport.send(row) }
        } catch {
            return  // the threads are gone (shutting down): the lease expires and the row is tried again
        }
        let elapsed = ContinuousClock.now - start
        sendTimer.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        // The outcome is fixed now (its time included) and written as it is, however many tries it takes.
        let policy = settings.deliveryPolicy
        guard let next = row.delivery.recording(outcome, token: lease.token, at: settings.clock(), policy: policy)
        else { return }
        await recordUntilDone(next, for: row, under: lease)
    }

    /// Writes `next` until the database has it (or says the lease was taken over). Gives up only
    /// when shutting down and the lease has run out: then another sender may send it again.
    func recordUntilDone(_ next: Delivery, for row: ClaimedDelivery, under lease: RoundLease) async {
        let id = row.subject.notificationId.uuidString.lowercased()
        var backoff = min(Duration.milliseconds(100), recordBackoffLimit)
        var failures = 0
        while true {
            do {
                let recorded = try await store.record(next, for: row, token: lease.token)
                report(next, recorded: recorded, for: row, afterFailures: failures)
                return
            } catch {
                failures += 1
                recordRetriedCounter.increment()
                if lease.shouldAbandon(at: settings.clock()) {
                    logger.error(
                        "delivery outcome not recorded before shutdown; the lease expired, it may be sent again",
                        metadata: ["notification.id": "\(id)", "error": "\(error.redactedDescription)"])
                    return
                }
                if failures == 1 || failures % 10 == 0 {
                    logger.warning("could not record a delivery outcome; retrying", metadata: [
                        "notification.id": "\(id)", "failures": "\(failures)", "error": "\(error.redactedDescription)",
                    ])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, recordBackoffLimit)
            }
        }
    }

    /// Metrics and logs of a written outcome (`recorded` false: the lease was not ours any more).
    func report(_ next: Delivery, recorded: Bool, for row: ClaimedDelivery, afterFailures failures: Int) {
        let id = row.subject.notificationId.uuidString.lowercased()
        if !recorded {
            logger.notice("delivery outcome not written: the lease is no longer this sender's", metadata: [
                "notification.id": "\(id)", "failures": "\(failures)",
            ])
            return
        }
        switch next.state {
        case .sent:
            sentCounter.increment()
            logger.info("notification sent", metadata: [
                "notification.id": "\(id)", "event.type": "\(row.subject.sourceEventType)",
                "attempts": "\(next.attempts)", "record.failures": "\(failures)",
            ])
        case .pending(let retryAt):
            retriedCounter.increment()
            logger.info("notification will be retried", metadata: [
                "notification.id": "\(id)", "attempts": "\(next.attempts)", "retry.at": "\(ISO8601.format(retryAt))",
            ])
        case .failed(_, let reason):
            failedCounter.increment()
            // The SMTP reply may quote the address: only the code at warning level.
            logger.warning("notification failed", metadata: [
                "notification.id": "\(id)", "attempts": "\(next.attempts)", "smtp.reply": "\(reason.prefix(3))",
            ])
        case .sending:
            break
        }
    }
}
