import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest
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
        var wallSeconds = 0.0

        func line(_ emails: Int) -> String {
            let n = Double(emails)
            let server = serverMicroseconds.map { String(format: "%.0f", $0 / n) } ?? "n/a"
            return String(format: "%.3f commits, %.0f µs test-process CPU, ", Double(commits) / n, clientMicroseconds / n)
                + "\(server) µs PostgreSQL backend CPU per email; "
                + String(format: "%.0f emails/s wall (%d emails)", n / wallSeconds, emails)
        }
    }

    func testCommitsAndCPUPerEmailOfARoundOf500() async throws {
        try IntegrationEnvironment.requireServers()
        let emails = 500
        let db = try await TestDatabase.create(schema: "notification")
        addTeardownBlock { try? await db.drop() }
        let client = db.client(poolSize: 1)  // one backend: its CPU is the sender's database work
        var logger = Logger(label: "test.delivery-measure")
        logger.logLevel = .critical
        try await Migrator.migrate(RuntimeMigrations.all + NotificationMigrations.all, on: client, logger: logger)
        let sink = try SMTPSink.start()
        addTeardownBlock { sink.stop() }
        let store = NotificationStore(work: UnitOfWork(database: client, producer: "hromada-notification"))
        let settings = NotificationSettings(
            smtpURL: sink.url, lease: .seconds(120), batchSize: emails, senderThreads: 2)
        let smtp = SMTPTransport(endpoint: try SMTPEndpoint(url: sink.url))

        let before = try await measure(
            DeliverySender(
                store: OneTransactionPerEmail(inner: store), transport: ConnectionPerEmail(inner: smtp),
                settings: settings, logger: logger),
            emails: emails, client: client)
        let now = try await measure(
            DeliverySender(store: store, transport: smtp, settings: settings, logger: logger),
            emails: emails, client: client)
        print("[measure] notification round of \(emails), one commit and connection per email: \(before.line(emails))")
        print("[measure] notification round of \(emails), one commit per round, kept connections: \(now.line(emails))")

        let sent = try await client.query("SELECT count(*) FROM deliveries WHERE status = 'sent'")
        XCTAssertEqual(try sent.first?.decode(0, as: Int.self), 2 * emails)
        let received = try await sink.messages()
        XCTAssertEqual(received.count, 2 * emails)
        // Claim, the round's record, the measurement's own statements: a handful, not one per email.
        XCTAssertLessThanOrEqual(now.commits, 6)
        XCTAssertGreaterThanOrEqual(before.commits, emails)
    }

    private func measure(_ sender: DeliverySender, emails: Int, client: PostgresClient) async throws -> Sample {
        sender.threads.start()
        addTeardownBlock { try? await sender.threads.shutdownGracefully() }
        let order = Array(0..<emails)
        let ids = order.map { _ in UUID() }
        try await client.execute("""
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
        let clientBefore = ProcessCPU.ownMicroseconds()
        let start = ContinuousClock.now
        let claimed = try await sender.round()
        let wall = ContinuousClock.now - start
        var sample = Sample()
        sample.wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        sample.clientMicroseconds = ProcessCPU.ownMicroseconds() - clientBefore
        if let serverBefore, let after = ProcessCPU.microseconds(pid: pid) { sample.serverMicroseconds = after - serverBefore }
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

/// The store as the sender used it before: each outcome in its own transaction (`record`).
struct OneTransactionPerEmail: DeliveryStore {
    let inner: NotificationStore
    func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery] {
        try await inner.claimDue(token: token, at: now, policy: policy, limit: limit)
    }
    func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool {
        try await inner.record(next, for: claimed, token: token)
    }
    func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        try await inner.renewLeases(token: token, ids: ids, until: until)
    }
    func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int {
        try await inner.releaseLeases(token: token, ids: ids)
    }
}

/// The mail server as the sender reached it before: a connection of its own for every email.
struct ConnectionPerEmail: MailTransport {
    let inner: SMTPTransport
    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        inner.send(message: message, mailFrom: mailFrom, recipient: recipient)
    }
}
