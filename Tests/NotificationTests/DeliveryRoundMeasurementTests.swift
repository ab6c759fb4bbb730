import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

@testable import HromadaPostgres
@testable import Notification

/// What sending a round of 500 emails to the tests' SMTP sink costs, recorded as the sender does now
/// (one transaction per round, kept connections) and as it did before (one transaction and one SMTP
/// connection per email: `record` and `SMTPTransport.send`, both still there): commits and rows on
/// the database (`pg_stat_database` of the test's own database), the PostgreSQL backend's CPU and this
/// process's CPU, per email. Assertions are on commits only, never on times: the machine is shared.
final class DeliveryRoundMeasurementTests: XCTestCase {
    struct Sample {
        var commits = 0
        var clientMicroseconds = 0.0
        var serverMicroseconds: Double?
        var sinkMicroseconds: Double?
        var storeTransactions = 0
        var wallSeconds = 0.0

        func line(_ emails: Int) -> String {
            let n = Double(emails)
            let server = serverMicroseconds.map { String(format: "%.0f", $0 / n) } ?? "n/a"
            let sink = sinkMicroseconds.map { String(format: "%.0f", $0 / n) } ?? "n/a"
            return String(
                format: "%.3f commits (%.3f store transactions), %.0f µs test-process CPU, ",
                Double(commits) / n, Double(storeTransactions) / n, clientMicroseconds / n)
                + "\(server) µs PostgreSQL backend CPU, \(sink) µs SMTP sink CPU per email; "
                + String(format: "%.0f emails/s wall (%d emails)", n / wallSeconds, emails)
        }
    }

    func testCommitsAndCPUPerEmailOfARoundOf500() async throws {
        let emails = 500
        let database = try await notificationDatabase(poolSize: 1)  // one backend: the sender's database work
        let (client, store, logger) = (database.client, database.store, database.logger)
        // Autovacuum's own transactions would count in the database's commits.
        try await client.execute("ALTER TABLE deliveries SET (autovacuum_enabled = false)")
        try await client.execute("ALTER TABLE outbox SET (autovacuum_enabled = false)")
        let sink = try SMTPSink.start()
        addTeardownBlock { sink.stop() }
        let sinkPID = sink.pid
        let oneRound = NotificationSettings(
            smtpURL: sink.url, lease: .seconds(120), batchSize: emails, senderThreads: 2)
        let defaultRounds = NotificationSettings(smtpURL: sink.url, lease: .seconds(120))  // rounds of 20, 2 threads
        let smtp = SMTPTransport(endpoint: try SMTPEndpoint(url: sink.url))

        let perEmail = OneTransactionPerEmail(inner: store)
        let before = try await measure(
            DeliverySender(
                store: perEmail, transport: ConnectionPerEmail(inner: smtp), settings: oneRound, logger: logger),
            store: perEmail, emails: emails, client: client, sinkPID: sinkPID)
        let batched = TransactionCountingStore(inner: store)
        let now = try await measure(
            DeliverySender(store: batched, transport: smtp, settings: oneRound, logger: logger),
            store: batched, emails: emails, client: client, sinkPID: sinkPID)
        let perEmailIn20s = OneTransactionPerEmail(inner: store)
        let beforeIn20s = try await measure(
            DeliverySender(
                store: perEmailIn20s, transport: ConnectionPerEmail(inner: smtp), settings: defaultRounds,
                logger: logger),
            store: perEmailIn20s, emails: emails, client: client, sinkPID: sinkPID)
        let batchedIn20s = TransactionCountingStore(inner: store)
        let nowIn20s = try await measure(
            DeliverySender(store: batchedIn20s, transport: smtp, settings: defaultRounds, logger: logger),
            store: batchedIn20s, emails: emails, client: client, sinkPID: sinkPID)
        print("[measure] notification, one round of \(emails), a commit and connection per email:", before.line(emails))
        print("[measure] notification, one round of \(emails), a commit per round, kept connections:", now.line(emails))
        print("[measure] notification, rounds of 20, a commit and connection per email: \(beforeIn20s.line(emails))")
        print("[measure] notification, rounds of 20, a commit per round, kept connections: \(nowIn20s.line(emails))")

        let sent = try await client.query("SELECT count(*) FROM deliveries WHERE status = 'sent'")
        XCTAssertEqual(try sent.first?.decode(0, as: Int.self), 4 * emails)
        let received = try await sink.messages()
        XCTAssertEqual(received.count, 4 * emails)
        // Rounds of 20: a claim and a record per round (0.1 per email) against 1.05 before.
        XCTAssertLessThanOrEqual(Double(batchedIn20s.transactions) / Double(emails), 0.11)
        XCTAssertGreaterThanOrEqual(perEmailIn20s.transactions, emails + 25)
        // The store's transactions: the claim and the round's record (renewals may add one or two on a
        // slow machine), against the claim and one per email before.
        XCTAssertLessThanOrEqual(batched.transactions, 4)
        XCTAssertGreaterThanOrEqual(perEmail.transactions, emails + 1)
        // The database's commits (the two measurement reads included): the same picture.
        XCTAssertLessThan(now.commits, before.commits / 10)
    }

    /// The consumer's side: 400 `appeal.registered` (residents with an email: one notice each) through
    /// the inbox claim and the handler in one transaction per consumer batch of 50, with the delivery
    /// rows written per event (each event handled alone, as before) and per batch (one insert).
    /// Round trips on the connection (BEGIN, COMMIT and every statement) and the backend's CPU.
    func testRoundTripsPerRegistrationOfAConsumerBatch() async throws {
        let database = try await notificationDatabase(poolSize: 1)
        let (client, logger) = (database.client, database.logger)
        let handler = NotificationHandler(
            planner: NotificationPlanner(
                templates: try NotificationTemplates(), trackingURL: "https://hromada.example/t"),
            producer: "hromada-notification", clock: { Date() }, logger: logger)
        func events(_ count: Int) throws -> [IncomingEvent] {
            try (0..<count).map { n in
                let appealId = UUID()
                let event = AppealRegistered(
                    appealId: appealId, registrationNumber: "MK-2026-\(n)", registeredAt: Date(), kind: .proposal,
                    category: "roads",
                    author: .init(fullName: "Олена \(n)", address: "Миколаїв", email: "r\(n)@example.org"),
                    subject: "Яма", text: "…", trackingToken: "T\(n)", channel: "centre")
                let envelope = try Envelope(
                    event: event, correlationId: appealId, causationId: nil, producer: "hromada-intake")
                return IncomingEvent(envelope: envelope, routingKey: "appeal.registered.v1")
            }
        }
        func roundTrips() async throws -> Int { try await client.withConnection { $0.libpq.statistics.roundTrips } }
        /// Round trips and backend CPU (µs) per event for `events` in consumer batches of 50.
        func run(_ all: [IncomingEvent], perEvent: Bool) async throws -> (Double, Double?) {
            let pid = try await client.withConnection { $0.backendPID }
            let cpuBefore = ProcessCPU.microseconds(pid: pid)
            let before = try await roundTrips()
            for first in stride(from: 0, to: all.count, by: 50) {
                let batch = Array(all[first..<min(first + 50, all.count)])
                try await client.withTransaction { connection in
                    let fresh = try Inbox.claim(batch: batch, on: connection)
                    if perEvent {
                        for event in fresh { try handler.handle(event, on: connection) }
                    } else {
                        try handler.handle(batch: fresh, on: connection)
                    }
                }
            }
            let trips = Double(try await roundTrips() - before - 1) / Double(all.count)
            let cpu = ProcessCPU.microseconds(pid: pid).flatMap { after in
                cpuBefore.map { (after - $0) / Double(all.count) }
            }
            return (trips, cpu)
        }
        _ = try await run(try events(50), perEvent: false)  // warm-up: connection, plans
        let before = try await run(try events(400), perEvent: true)
        let now = try await run(try events(400), perEvent: false)
        func line(_ sample: (Double, Double?)) -> String {
            String(format: "%.2f round trips, ", sample.0) + (sample.1.map { String(format: "%.0f", $0) } ?? "n/a")
                + " µs PostgreSQL backend CPU per registration"
        }
        print("[measure] notification consumer, batches of 50, a delivery insert per event:", line(before))
        print("[measure] notification consumer, batches of 50, one delivery insert per batch:", line(now))
        let rows = try await client.query("SELECT count(*) FROM deliveries")
        XCTAssertEqual(try rows.first?.decode(0, as: Int.self), 850)
        // One insert per batch instead of one per event: 49 fewer round trips per batch of 50.
        XCTAssertEqual(before.0 - now.0, 49.0 / 50.0, accuracy: 0.01)
    }

    /// Adds `emails` due deliveries and runs `sender`'s rounds until it has claimed them all.
    private func measure(
        _ sender: DeliverySender, store: TransactionCountingStore, emails: Int, client: PostgresClient, sinkPID: Int32
    ) async throws -> Sample {
        sender.threads.start()
        addTeardownBlock { try? await sender.threads.shutdownGracefully() }
        let order = Array(0..<emails)
        let ids = order.map { _ in UUID() }
        try await client.execute(
            """
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                appeal_id, registration_number, address, language, template, subject, body, status, next_attempt_at)
            SELECT id, gen_random_uuid(), \(AppealRegistered.eventType), 'resident', 'resident', 'email',
                gen_random_uuid(), 'MK-2026-' || n, 'r' || n || '@example.org', 'uk', 'registered',
                'Звернення зареєстровано', 'Текст', 'pending', now() - interval '1 hour'
            FROM unnest(\(ids)::uuid[], \(order)::bigint[]) AS d(id, n)
            """)
        let pid = try await backendPID(client)
        let commitsBefore = try await commits(client)
        let serverBefore = ProcessCPU.microseconds(pid: pid)
        let sinkBefore = ProcessCPU.microseconds(pid: sinkPID)
        let clientBefore = ProcessCPU.ownMicroseconds()
        let start = ContinuousClock.now
        var claimed = 0
        while claimed < emails {
            let round = try await sender.round()
            guard round > 0 else { break }
            claimed += round
        }
        let wall = ContinuousClock.now - start
        var sample = Sample()
        sample.wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        sample.clientMicroseconds = ProcessCPU.ownMicroseconds() - clientBefore
        if let serverBefore, let after = ProcessCPU.microseconds(pid: pid) {
            sample.serverMicroseconds = after - serverBefore
        }
        if let sinkBefore, let after = ProcessCPU.microseconds(pid: sinkPID) {
            sample.sinkMicroseconds = after - sinkBefore
        }
        sample.storeTransactions = store.transactions
        sample.commits = try await commits(client) - commitsBefore
        XCTAssertEqual(claimed, emails)
        let samePID = try await backendPID(client)
        XCTAssertEqual(samePID, pid, "one backend throughout")
        return sample
    }

    private func backendPID(_ client: PostgresClient) async throws -> Int32 {
        let rows = try await client.query("SELECT pg_backend_pid()")
        return Int32(try rows.first?.decode(0, as: Int.self) ?? 0)
    }

    /// Transactions committed in the test's database so far (this backend's counts flushed first).
    private func commits(_ client: PostgresClient) async throws -> Int {
        _ = try await client.query("SELECT pg_stat_force_next_flush()")
        _ = try await client.query("SELECT pg_stat_clear_snapshot()")
        let rows = try await client.query(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        return try rows.first?.decode(0, as: Int.self) ?? 0
    }
}

/// `NotificationStore` counting the transactions it is asked for (each method is one).
class TransactionCountingStore: DeliveryStore, @unchecked Sendable {
    let inner: NotificationStore
    private let count = Mutex(0)
    init(inner: NotificationStore) { self.inner = inner }

    var transactions: Int { count.withLock { $0 } }
    func counted() { count.withLock { $0 += 1 } }

    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery] {
        counted()
        return try await inner.claimDue(token: token, at: now, policy: policy, limit: limit)
    }
    func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool {
        counted()
        return try await inner.record(next, for: claimed, token: token)
    }
    func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID> {
        counted()
        return try await inner.recordAll(outcomes, token: token)
    }
    func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        counted()
        return try await inner.renewLeases(token: token, ids: ids, until: until)
    }
    func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int {
        counted()
        return try await inner.releaseLeases(token: token, ids: ids)
    }
}

/// The store as the sender used it before: each outcome in its own transaction (`record`, one per
/// email, through the protocol's default `recordAll`).
final class OneTransactionPerEmail: TransactionCountingStore, @unchecked Sendable {
    override func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID> {
        var written: Set<UUID> = []
        for outcome in outcomes where try await record(outcome.next, for: outcome.claimed, token: token) {
            written.insert(outcome.claimed.subject.notificationId)
        }
        return written
    }
}

/// The mail server as the sender reached it before: a connection of its own for every email.
struct ConnectionPerEmail: MailTransport {
    let inner: SMTPTransport
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        inner.send(message: message, mailFrom: mailFrom, recipient: recipient)
    }
}
