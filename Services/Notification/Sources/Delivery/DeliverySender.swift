import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Sends the pending email deliveries. Each round claims due rows (`DeliveryStore.claimDue`: one
/// lease for the round, so two replicas never hold the same row), sends them on its own threads
/// (libcurl blocks; `senderThreads` lanes, each over one kept SMTP connection), then records all the
/// round's outcomes as `Delivery.recording` decides, together with their `notification.sent` /
/// `notification.failed` events, in one transaction, only where it still holds the lease.
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
/// the commit (the round's one commit: at most the round's `batchSize` emails, see `recordUntilDone`),
/// or a database outage longer than the lease left after the last renewal: then the
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
    /// The transport's sessions (kept SMTP connections) between rounds, one per lane at most.
    let sessions = SessionPool()
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
        recordRetriedCounter = Counter(
            label: "hromada_notifications_outcome_record_retries_total", dimensions: dimensions)
        sendTimer = Metrics.Timer(
            label: channel == .email
                ? "hromada_smtp_send_duration_seconds" : "hromada_\(channel.rawValue)_send_duration_seconds",
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
        sessions.closeAll()
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

    /// Sends the round's deliveries on up to `senderThreads` lanes, each over one kept connection
    /// (`NoticeSession`), then records every outcome in one transaction (`recordUntilDone`), renewing
    /// the lease meanwhile.
    func send(_ claimed: [ClaimedDelivery], under lease: RoundLease) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepRenewing(lease) }
            let outcomes = await sendOnLanes(claimed, under: lease)
            await recordUntilDone(outcomes, under: lease)
            group.cancelAll()
        }
        await giveBackUnsent(claimed, under: lease)
    }

    /// Sends the rows, `senderThreads` at a time: each lane takes the next row not yet taken and sends
    /// it over its own session, so consecutive emails of a lane share one SMTP connection. Returns the
    /// outcomes to record (rows not sent are left out and leave the round's lease).
    func sendOnLanes(_ claimed: [ClaimedDelivery], under lease: RoundLease) async -> [RecordedOutcome] {
        let queue = RowQueue(claimed)
        let width = min(max(1, settings.senderThreads), claimed.count)
        return await withTaskGroup(of: [RecordedOutcome].self) { lanes in
            for _ in 0..<width {
                lanes.addTask {
                    let session = self.sessions.take(opening: self.transport)
                    defer { self.sessions.give(back: session) }
                    var outcomes: [RecordedOutcome] = []
                    while let row = queue.next() {
                        if let outcome = await self.deliver(row, over: session, under: lease) {
                            outcomes.append(outcome)
                        }
                    }
                    return outcomes
                }
            }
            var all: [RecordedOutcome] = []
            for await outcomes in lanes { all += outcomes }
            return all
        }
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
                logger.warning(
                    "could not renew the lease of claimed deliveries",
                    metadata: [
                        "deliveries": "\(ids.count)", "lease.until": "\(ISO8601.format(lease.confirmedUntil))",
                        "error": "\(error.redactedDescription)",
                    ])
            }
        }
    }

    /// Sends one row over `session` and returns the outcome to record, or nil when it was not sent
    /// (then it leaves the round: no lease, shutting down).
    func deliver(_ row: ClaimedDelivery, over session: any NoticeSession, under lease: RoundLease) async
        -> RecordedOutcome?
    {
        let notificationId = row.subject.notificationId
        let id = notificationId.uuidString.lowercased()
        guard lease.mayStartSending(notificationId, at: settings.clock(), allowance: sendAllowance) else {
            // Shutting down, or the claim is too close to its end (renewals failing): leave the row;
            // it is claimed again once its lease expires (or given back at the end of the round).
            logger.debug("delivery not started: no lease to send under", metadata: ["notification.id": "\(id)"])
            lease.release(notificationId)
            return nil
        }
        let start = ContinuousClock.now
        let outcome: SendOutcome
        do {
            outcome = try await threads.runIfActive { session.send(row) }
        } catch {
            // The threads are gone (shutting down): the lease expires and the row is tried again.
            lease.release(notificationId)
            return nil
        }
        let elapsed = ContinuousClock.now - start
        sendTimer.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        // The outcome is fixed now (its time included) and written as it is, however many tries it takes.
        let policy = settings.deliveryPolicy
        guard let next = row.delivery.recording(outcome, token: lease.token, at: settings.clock(), policy: policy)
        else {
            lease.release(notificationId)
            return nil
        }
        return RecordedOutcome(next: next, claimed: row)
    }

    /// Writes the round's outcomes, all in one transaction, until the database has them (or says the
    /// lease was taken over). Gives up only when shutting down and the lease has run out: then another
    /// sender may send them again.
    ///
    /// At-least-once window: the outcomes of a round are committed together after its last send, so
    /// a sender killed (kill -9, machine lost) after the mail server accepted a round's first email
    /// and before this commit has all of that round's accepted emails sent again by another sender
    /// once the lease expires: at most one round, `batchSize` emails (20 by default). Before this one
    /// transaction per round it was at most the email in flight on each sender thread.
    func recordUntilDone(_ outcomes: [RecordedOutcome], under lease: RoundLease) async {
        guard !outcomes.isEmpty else { return }
        defer { for outcome in outcomes { lease.release(outcome.claimed.subject.notificationId) } }
        var backoff = min(Duration.milliseconds(100), recordBackoffLimit)
        var failures = 0
        while true {
            do {
                let written = try await store.recordAll(outcomes, token: lease.token)
                for outcome in outcomes {
                    let recorded = written.contains(outcome.claimed.subject.notificationId)
                    report(outcome.next, recorded: recorded, for: outcome.claimed, afterFailures: failures)
                }
                return
            } catch {
                failures += 1
                recordRetriedCounter.increment()
                if lease.shouldAbandon(at: settings.clock()) {
                    // The phrase operators search for (docs/OPERATIONS.md); the ids name the possible copies.
                    logger.error(
                        "delivery outcome not recorded before shutdown; the lease expired, it may be sent again",
                        metadata: [
                            "deliveries": "\(outcomes.count)", "notification.ids": "\(ids(of: outcomes))",
                            "error": "\(error.redactedDescription)",
                        ])
                    return
                }
                if failures == 1 || failures % 10 == 0 {
                    logger.warning(
                        "could not record a delivery outcome; retrying",
                        metadata: [
                            "deliveries": "\(outcomes.count)", "notification.ids": "\(ids(of: outcomes))",
                            "failures": "\(failures)", "error": "\(error.redactedDescription)",
                        ])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, recordBackoffLimit)
            }
        }
    }

    /// The lower-case ids of a round's outcomes, comma-separated (no personal data), for its logs.
    func ids(of outcomes: [RecordedOutcome]) -> String {
        outcomes.map { $0.claimed.subject.notificationId.uuidString.lowercased() }.joined(separator: ",")
    }

    /// Metrics and logs of a written outcome (`recorded` false: the lease was not ours any more).
    func report(_ next: Delivery, recorded: Bool, for row: ClaimedDelivery, afterFailures failures: Int) {
        let id = row.subject.notificationId.uuidString.lowercased()
        if !recorded {
            logger.notice(
                "delivery outcome not written: the lease is no longer this sender's",
                metadata: [
                    "notification.id": "\(id)", "failures": "\(failures)",
                ])
            return
        }
        switch next.state {
        case .sent:
            sentCounter.increment()
            logger.info(
                "notification sent",
                metadata: [
                    "notification.id": "\(id)", "event.type": "\(row.subject.sourceEventType)",
                    "attempts": "\(next.attempts)", "record.failures": "\(failures)",
                ])
        case .pending(let retryAt):
            retriedCounter.increment()
            logger.info(
                "notification will be retried",
                metadata: [
                    "notification.id": "\(id)", "attempts": "\(next.attempts)",
                    "retry.at": "\(ISO8601.format(retryAt))",
                ])
        case .failed(_, let reason):
            failedCounter.increment()
            // The SMTP reply may quote the address: only the code at warning level.
            logger.warning(
                "notification failed",
                metadata: [
                    "notification.id": "\(id)", "attempts": "\(next.attempts)", "smtp.reply": "\(reason.prefix(3))",
                ])
        case .sending:
            break
        }
    }
}

/// Sessions of a sender's transport kept between rounds (an SMTP connection stays open for the next
/// round); a lane takes one, or opens one when none is free, and gives it back when the round ends.
final class SessionPool: Sendable {
    private let idle = Mutex<[any NoticeSession]>([])

    func take(opening transport: any NoticeTransport) -> any NoticeSession {
        idle.withLock { $0.popLast() } ?? transport.openSession()
    }

    func give(back session: any NoticeSession) { idle.withLock { $0.append(session) } }

    /// Closes the idle sessions (at shutdown, when no round runs).
    func closeAll() {
        for session in idle.withLock({ sessions in
            defer { sessions = [] }
            return sessions
        }) { session.close() }
    }
}

/// The rows of a round not yet taken by a lane.
final class RowQueue: Sendable {
    private let rows: Mutex<IndexingIterator<[ClaimedDelivery]>>
    init(_ rows: [ClaimedDelivery]) { self.rows = Mutex(rows.makeIterator()) }
    func next() -> ClaimedDelivery? { rows.withLock { $0.next() } }
}
