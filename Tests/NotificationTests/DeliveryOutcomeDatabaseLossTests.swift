import Dispatch
import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

@testable import Notification

/// The sender against the real PostgreSQL, losing the database between the SMTP accept and the
/// "sent" commit: its backends are terminated (`pg_terminate_backend`) and new connections refused
/// (`CONNECTION LIMIT 0`) while the mail server holds the message. The sender keeps the outcome,
/// retries, and records it once the database takes connections again; the row is never claimable
/// meanwhile and the message goes out exactly once.
final class DeliveryOutcomeDatabaseLossTests: XCTestCase {
    func testSentMarkSurvivesTerminatedBackendsAndRefusedConnections() async throws {
        let database = try await notificationDatabase(poolSize: 2)
        let (db, client, store) = (database.db, database.client, database.store)
        let admin = db.adminClient(poolSize: 1)
        // Before the database is dropped (teardown blocks run last-added first).
        addTeardownBlock { try? await Self.connectionLimit(-1, of: db, via: admin) }
        let id = UUID()
        try await client.execute(
            """
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                appeal_id, registration_number, address, language, template, subject, body, status, next_attempt_at)
            VALUES (\(id), \(UUID()), \(AppealRegistered.eventType), 'resident', 'resident', 'email', \(UUID()),
                'MK-2026-000777', 'r777@example.org', 'uk', 'registered',
                'Звернення MK-2026-000777 зареєстровано', 'Текст', 'pending',
                now() - interval '1 second')
            """)

        let transport = GatedTransport()
        let settings = NotificationSettings(lease: .seconds(30), pollInterval: .milliseconds(100), senderThreads: 1)
        let sender = DeliverySender(
            store: store, transport: transport, settings: settings, logger: database.logger,
            recordBackoffLimit: .milliseconds(200))
        sender.threads.start()
        addTeardownBlock { try? await sender.threads.shutdownGracefully() }

        let round = Task { try await sender.round() }
        let sending = await eventually(timeout: .seconds(20)) { transport.started == 1 }
        XCTAssertTrue(sending, "the send never started")
        // The mail server holds the message; the database goes away under the sender.
        try await Self.connectionLimit(0, of: db, via: admin)
        let terminated = try await admin.query(
            """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND usename = \(db.role) AND pid <> pg_backend_pid()
            """)
        XCTAssertGreaterThan(terminated.count, 0, "the sender's connections were not found")
        transport.accept()

        try await Task.sleep(for: .seconds(2))
        let held = try await admin.query(
            "SELECT status, lease_token IS NOT NULL, lease_until > now() FROM notification.deliveries")
        XCTAssertEqual(try held.first?.decode(0, as: String.self), "pending", "nothing can be recorded yet")
        XCTAssertEqual(try held.first?.decode(1, as: Bool.self), true, "the row must stay claimed")
        XCTAssertEqual(try held.first?.decode(2, as: Bool.self), true, "the claim must stay valid")

        try await Self.connectionLimit(-1, of: db, via: admin)
        let claimed = try await round.value
        XCTAssertEqual(claimed, 1)
        let rows = try await admin.query(
            """
            SELECT status, attempts, lease_token IS NULL,
                (SELECT count(*) FROM notification.outbox WHERE event_type LIKE 'notification.sent%')
            FROM notification.deliveries
            """)
        XCTAssertEqual(try rows.first?.decode(0, as: String.self), "sent")
        XCTAssertEqual(try rows.first?.decode(1, as: Int.self), 1)
        XCTAssertEqual(try rows.first?.decode(2, as: Bool.self), true)
        XCTAssertEqual(try rows.first?.decode(3, as: Int.self), 1, "one notification.sent in the outbox")
        XCTAssertEqual(transport.sends, 1)

        let again = try await sender.round()
        XCTAssertEqual(again, 0)
        XCTAssertEqual(transport.sends, 1, "the accepted message was sent again")
    }

    /// The lease SQL on the real table: a renewal extends only the holder's rows, a release makes
    /// them claimable at once, and nobody else claims them while the lease runs.
    func testLeaseRenewalAndReleaseOnTheTable() async throws {
        let database = try await notificationDatabase(poolSize: 2)
        let (client, store) = (database.client, database.store)
        let id = UUID()
        try await client.execute(
            """
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                address, language, template, subject, body, status, next_attempt_at)
            VALUES (\(id), \(UUID()), \(AppealRegistered.eventType), 'resident', 'resident', 'email',
                'r1@example.org', 'uk', 'registered', 'S', 'B', 'pending', now() - interval '1 second')
            """)
        let policy = DeliveryPolicy(retryDelays: [.seconds(1)], maxAttempts: 3, lease: .seconds(2))
        let holder = UUID()
        let now = Date()
        let claimed = try await store.claimDue(token: holder, at: now, policy: policy, limit: 10)
        XCTAssertEqual(claimed.map(\.subject.notificationId), [id])
        let held = try await store.renewLeases(token: holder, ids: [id], until: now.addingTimeInterval(60))
        XCTAssertEqual(held, [id])
        let stranger = try await store.renewLeases(token: UUID(), ids: [id], until: now.addingTimeInterval(600))
        XCTAssertEqual(stranger, [], "only the holder renews")
        let afterOldLease = try await store.claimDue(
            token: UUID(), at: now.addingTimeInterval(10), policy: policy, limit: 10)
        XCTAssertEqual(afterOldLease.count, 0, "the renewed lease (60 s) still holds after the first one (2 s) ended")
        let released = try await store.releaseLeases(token: holder, ids: [id])
        XCTAssertEqual(released, 1)
        let next = try await store.claimDue(token: UUID(), at: now.addingTimeInterval(10), policy: policy, limit: 10)
        XCTAssertEqual(next.map(\.subject.notificationId), [id], "claimable at once after the release")
    }

    /// `ALTER DATABASE … CONNECTION LIMIT n` (the superuser is not subject to it). The name is the
    /// test database's generated `t_<hex>`, so it is safe as an identifier.
    static func connectionLimit(_ limit: Int, of db: TestDatabase, via admin: PostgresClient) async throws {
        let sql = "ALTER DATABASE \(db.name) CONNECTION LIMIT \(limit)"
        try await admin.withConnection { try $0.executeScript(sql) }
    }
}

/// A mail server that holds each message until the test says `accept()`, then takes it.
final class GatedTransport: MailTransport {
    private let gate = DispatchSemaphore(value: 0)
    private let state = Mutex<(started: Int, sends: Int)>((0, 0))

    var started: Int { state.withLock { $0.started } }
    var sends: Int { state.withLock { $0.sends } }

    func accept() { gate.signal() }

    func send(message: [UInt8], mailFrom: String, recipient: String) -> SendOutcome {
        state.withLock { $0.started += 1 }
        guard gate.wait(timeout: .now() + 60) == .success else { return .temporary(reason: "test gate timed out") }
        state.withLock { $0.sends += 1 }
        return .sent
    }
}
