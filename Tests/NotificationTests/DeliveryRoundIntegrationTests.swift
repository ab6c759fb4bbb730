import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Notification

/// The sender against PostgreSQL and a real SMTP server: a round is one transaction on the table, its
/// emails go over kept connections, and a connection the server drops never makes it send an email
/// twice knowingly.
final class DeliveryRoundIntegrationTests: XCTestCase {
    typealias Fixture = NotificationDatabase

    func fixture() async throws -> Fixture { try await notificationDatabase(poolSize: 3) }

    /// `count` due email deliveries, oldest first in id order of the returned list.
    @discardableResult
    func addDeliveries(_ count: Int, to fixture: Fixture) async throws -> [UUID] {
        let ids = (0..<count).map { _ in UUID() }
        let order = (0..<count).map { $0 }
        try await fixture.client.execute(
            """
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                appeal_id, registration_number, address, language, template, subject, body, status, next_attempt_at)
            SELECT id, gen_random_uuid(), \(AppealRegistered.eventType), 'resident', 'resident', 'email',
                gen_random_uuid(), 'MK-2026-000' || n, 'r' || n || '@example.org', 'uk', 'registered',
                'Звернення зареєстровано', 'Текст', 'pending',
                now() - interval '1 hour' + n * interval '1 millisecond'
            FROM unnest(\(ids)::uuid[], \(order)::bigint[]) AS d(id, n)
            """)
        return ids
    }

    func sender(_ fixture: Fixture, smtpURL: String, threads: Int, batchSize: Int) throws -> DeliverySender {
        let settings = NotificationSettings(
            smtpURL: smtpURL, retryDelays: [.seconds(600)], lease: .seconds(60), pollInterval: .milliseconds(100),
            batchSize: batchSize, senderThreads: threads, smtpConnectTimeoutSeconds: 5, smtpTimeoutSeconds: 10)
        let sender = try DeliverySender(store: fixture.store, settings: settings, logger: fixture.logger)
        sender.threads.start()
        addTeardownBlock { try? await sender.threads.shutdownGracefully() }
        return sender
    }

    /// `count` due emails sent in one round through `server` (stopped when the test ends) by a
    /// sender with `threads` lanes; checks that the round claimed them all.
    func sendOneRound(of count: Int, through server: DroppingSMTPServer, threads: Int) async throws -> Fixture {
        addTeardownBlock { server.stop() }
        let fixture = try await fixture()
        try await addDeliveries(count, to: fixture)
        let sender = try sender(fixture, smtpURL: server.url, threads: threads, batchSize: count)
        let claimed = try await sender.round()
        XCTAssertEqual(claimed, count)
        return fixture
    }

    /// (status, count) of the deliveries, and how many transactions last wrote them (distinct `xmin`).
    func statuses(_ fixture: Fixture) async throws -> (counts: [String: Int], writers: Int) {
        let rows = try await fixture.client.query("SELECT status, count(*) FROM deliveries GROUP BY status")
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(0, as: String.self)] = try row.decode(1, as: Int.self) }
        let writers = try await fixture.client.count(
            "SELECT count(DISTINCT xmin::text) FROM deliveries WHERE status <> 'pending' OR attempts > 0")
        return (counts, writers ?? -1)
    }

    func testARoundIsOneTransactionAndItsEmailsShareTheLanesConnections() async throws {
        let server = try DroppingSMTPServer()
        let fixture = try await sendOneRound(of: 30, through: server, threads: 2)
        let (counts, writers) = try await statuses(fixture)
        XCTAssertEqual(counts, ["sent": 30])
        XCTAssertEqual(writers, 1, "all thirty outcomes were written by one transaction")
        let events = try await fixture.client.count(
            "SELECT count(*) FROM outbox WHERE event_type LIKE 'notification.sent%'")
        XCTAssertEqual(events, 30, "one notification.sent per email")
        XCTAssertEqual(server.received.count, 30)
        XCTAssertEqual(Set(server.recipients), Set((0..<30).map { "<r\($0)@example.org>" }), "each to its own address")
        XCTAssertEqual(Set(server.received).count, 30, "no email twice")
        XCTAssertLessThanOrEqual(server.connections, 2, "one connection per lane, not one per email")
    }

    /// A server that closes every connection after its third message (after the 250): the sender
    /// reconnects, and every email arrives exactly once and is recorded sent.
    func testAConnectionClosedAfterEveryThirdMessageSendsEachEmailOnce() async throws {
        let server = try DroppingSMTPServer(closeAfter: 3, drop: .afterReply)
        let fixture = try await sendOneRound(of: 10, through: server, threads: 1)
        let (counts, _) = try await statuses(fixture)
        XCTAssertEqual(counts, ["sent": 10])
        XCTAssertEqual(server.received.count, 10)
        XCTAssertEqual(Set(server.received).count, 10, "no email twice")
        XCTAssertEqual(server.connections, 4, "a fresh connection after each dropped one (3 + 3 + 3 + 1)")
    }

    /// A server that takes every third message and drops the connection without answering: the
    /// sender cannot know whether it was accepted, so it does not send it again in the round (no
    /// known double) but records it as a temporary failure, retried later; the others are sent once.
    func testAConnectionDroppedBeforeTheReplyLeavesThatEmailForRetryAndSendsNoneTwice() async throws {
        let server = try DroppingSMTPServer(closeAfter: 3, drop: .beforeReply)
        let fixture = try await sendOneRound(of: 10, through: server, threads: 1)
        let (counts, writers) = try await statuses(fixture)
        XCTAssertEqual(counts, ["sent": 7, "pending": 3], "the 3rd, 6th and 9th wait for their retry")
        XCTAssertEqual(writers, 1)
        let retries = try await fixture.client.count(
            """
            SELECT count(*) FROM deliveries
            WHERE status = 'pending' AND attempts = 1 AND lease_token IS NULL AND next_attempt_at > now()
            """)
        XCTAssertEqual(retries, 3)
        XCTAssertEqual(server.received.count, 10, "each email was handed over once in the round")
        XCTAssertEqual(Set(server.received).count, 10, "none twice")
    }

    /// `SMTPConnection` alone: a kept connection the server closed after its 250 is replaced and the
    /// next message goes through once; one dropped before its reply is not sent again (unknown fate).
    func testAKeptConnectionRetriesOnlyWhatCannotHaveBeenAccepted() throws {
        func message(_ n: Int) -> [UInt8] { Array("Message-ID: <m\(n)@test>\r\nSubject: s\r\n\r\nbody\r\n".utf8) }
        let closing = try DroppingSMTPServer(closeAfter: 2, drop: .afterReply)
        defer { closing.stop() }
        let kept = SMTPConnection(
            transport: SMTPTransport(
                endpoint: try SMTPEndpoint(url: closing.url), connectTimeoutSeconds: 5, timeoutSeconds: 10))
        defer { kept.close() }
        for n in 0..<5 {
            XCTAssertEqual(kept.send(message: message(n), mailFrom: "a@example.org", recipient: "b@example.org"), .sent)
        }
        XCTAssertEqual(closing.received, (0..<5).map { "<m\($0)@test>" }, "each once, in order")
        XCTAssertEqual(closing.connections, 3)

        let dropping = try DroppingSMTPServer(closeAfter: 2, drop: .beforeReply)
        defer { dropping.stop() }
        let second = SMTPConnection(
            transport: SMTPTransport(
                endpoint: try SMTPEndpoint(url: dropping.url), connectTimeoutSeconds: 5, timeoutSeconds: 10))
        defer { second.close() }
        let outcomes = (0..<3).map {
            second.send(message: message($0), mailFrom: "a@example.org", recipient: "b@example.org")
        }
        XCTAssertEqual(outcomes[0], .sent)
        guard case .temporary = outcomes[1] else { return XCTFail("an unanswered message is a temporary failure") }
        XCTAssertEqual(outcomes[2], .sent)
        XCTAssertEqual(dropping.received, ["<m0@test>", "<m1@test>", "<m2@test>"], "the unanswered one not sent again")
        XCTAssertEqual(second.reconnects, 0)
    }

    /// A consumer batch of registrations (email, centre-only and unreachable residents) writes its
    /// delivery rows with one statement (one command id, `cmin`, in the batch's transaction), with
    /// NULLs where a column has nothing, and the events of the rows that start final; handling the
    /// same batch again writes nothing new.
    func testAConsumerBatchWritesItsDeliveriesWithOneInsert() async throws {
        let fixture = try await fixture()
        let handler = NotificationHandler(
            planner: NotificationPlanner(
                templates: try NotificationTemplates(), trackingURL: "https://hromada.example/t"),
            producer: "hromada-notification", clock: { Date() }, logger: fixture.logger)
        func registered(_ n: Int, email: String?, centre: String?) throws -> IncomingEvent {
            let appealId = UUID()
            let event = AppealRegistered(
                appealId: appealId, registrationNumber: "MK-2026-00010\(n)", registeredAt: Date(), kind: .proposal,
                category: "roads",
                author: .init(
                    fullName: "Олена \(n)", address: "Миколаїв",
                    email: email),
                subject: "Яма", text: "…", centreId: centre, trackingToken: "T\(n)", channel: "centre")
            let envelope = try Envelope(
                event: event, correlationId: appealId, causationId: nil, producer: "hromada-intake")
            return IncomingEvent(envelope: envelope, routingKey: "appeal.registered.v1")
        }
        let batch = [
            try registered(1, email: "r1@example.org", centre: "cog-1"),
            try registered(2, email: "r2@example.org", centre: nil),
            try registered(3, email: nil, centre: "cog-1"),
            try registered(4, email: nil, centre: nil),
        ]
        try await fixture.client.withTransaction { try handler.handle(batch: batch, on: $0) }

        let rows = try await fixture.client.query(
            """
            SELECT count(*), count(DISTINCT cmin::text), count(*) FILTER (WHERE status IN ('sent', 'failed')),
                count(*) FILTER (WHERE address = '' OR centre_id = '' OR last_error = ''),
                count(*) FILTER (WHERE channel = 'centre' AND address IS NULL AND centre_id = 'cog-1'),
                count(*) FILTER (WHERE channel = 'email' AND address IS NOT NULL AND centre_id IS NULL
                                 AND status = 'pending' AND last_error IS NULL AND sent_at IS NULL)
            FROM deliveries
            """)
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(try row.decode(0, as: Int.self), 4, "one notice per resident")
        XCTAssertEqual(try row.decode(1, as: Int.self), 1, "all four rows written by one statement")
        let final = try row.decode(2, as: Int.self)
        XCTAssertEqual(try row.decode(3, as: Int.self), 0, "no empty string for a missing value")
        XCTAssertEqual(try row.decode(4, as: Int.self), 1, "the centre-only resident's notice")
        XCTAssertEqual(try row.decode(5, as: Int.self), 2, "the two emails wait for the sender")
        let events = try await fixture.client.count("SELECT count(*) FROM outbox")
        XCTAssertEqual(events, final, "one event per row that starts final")
        XCTAssertEqual(final, 2)

        try await fixture.client.withTransaction { try handler.handle(batch: batch, on: $0) }
        let again = try await fixture.client.query(
            "SELECT (SELECT count(*) FROM deliveries), (SELECT count(*) FROM outbox)")
        XCTAssertEqual(try again.first?.decode(0, as: Int.self), 4, "nothing written twice")
        XCTAssertEqual(try again.first?.decode(1, as: Int.self), final, "no event twice")
    }

    /// The contact `saveResident` hands back (so the handler does not read it again) is what
    /// `loadResident` reads from the row, the address is written with it; a second save writes nothing
    /// and hands back nil.
    func testTheSavedResidentIsWhatLoadingItReturns() async throws {
        let fixture = try await fixture()
        let appealId = UUID()
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000201", registeredAt: Date(), kind: .complaint,
            category: "roads",
            author: .init(
                fullName: "Olena P", address: "Mykolaiv", email: "o@example.org", phone: "+380501112233",
                preferredLanguage: .en, notifyBy: "sms"),
            subject: "Pothole", text: "…", centreId: "cog-2", confidential: true, trackingToken: "T",
            channel: "centre")
        let (saved, loaded, again) = try await fixture.client.withTransaction { connection in
            let saved = try NotificationStore.saveResident(event, on: connection)
            let loaded = try NotificationStore.loadResident(appealId: appealId, on: connection)
            return (saved, loaded, try NotificationStore.saveResident(event, on: connection))
        }
        XCTAssertNotNil(saved)
        XCTAssertEqual(saved, loaded)
        XCTAssertNil(again, "a row already there is read, not assumed")
        let address = try await fixture.client.query("SELECT address FROM recipients WHERE appeal_id = \(appealId)")
        XCTAssertEqual(
            try address.first?.decode(0, as: String?.self), "Mykolaiv", "the letter's address, in the insert")
    }
}

/// A fresh database with the notification schema migrated as the service does, and its store.
struct NotificationDatabase {
    let db: TestDatabase
    let client: PostgresClient
    let store: NotificationStore
    let logger: Logger
}

extension XCTestCase {
    func notificationDatabase(poolSize: Int) async throws -> NotificationDatabase {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "notification")
        addTeardownBlock { try? await db.drop() }
        let client = db.client(poolSize: poolSize)
        var logger = Logger(label: "test.notification-database")
        logger.logLevel = .critical
        let migrations =
            RuntimeMigrations.all + NotificationMigrations.all + NotificationErasure.migrations
            + AnswerLetters.migrations + SMSMigrations.all
        try await Migrator.migrate(migrations, on: client, logger: logger)
        let store = NotificationStore(work: UnitOfWork(database: client, producer: "hromada-notification"))
        return NotificationDatabase(db: db, client: client, store: store, logger: logger)
    }
}
