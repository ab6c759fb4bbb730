import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// Nothing grows without bound: the sweeper deletes rows past their retention from the inbox and
/// from registered tables, and leaves recent ones.
final class SweeperTests: XCTestCase {
    /// `count` processed message ids received `daysAgo` days ago.
    private func receive(_ count: Int32, daysAgo: Int32, into database: PostgresClient) async throws {
        try await database.execute(
            """
            INSERT INTO inbox (message_id, event_type, received_at)
            SELECT gen_random_uuid(), 'appeal.returned', now() - make_interval(days => \(daysAgo))
            FROM generate_series(1, \(count))
            """)
    }

    /// A fresh runtime fixture, torn down when the test ends.
    private func makeFixture() async throws -> RuntimeFixture {
        let fixture = try await RuntimeFixture.make()
        addTeardownBlock { await fixture.tearDown() }
        return fixture
    }

    private func inboxCount(_ database: PostgresClient) async throws -> Int64 {
        try await database.withConnection { c in
            try c.query("SELECT count(*)::bigint FROM inbox").first!.decode(0, as: Int64.self)
        }
    }

    func testOldRowsGoAndRecentRowsStayInTheInboxAndARegisteredTable() async throws {
        let fixture = try await makeFixture()
        let database = fixture.runtime.database
        // Inbox: 30 ids from 20 days ago, 5 from 13 days ago, 5 from now.
        try await receive(30, daysAgo: 20, into: database)
        try await receive(5, daysAgo: 13, into: database)
        try await receive(5, daysAgo: 0, into: database)
        try await database.withTransaction { c in
            try c.execute(
                "CREATE TABLE idempotency_keys (key text PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now())")
            try c.execute(
                """
                INSERT INTO idempotency_keys (key, created_at)
                VALUES ('old-1', now() - interval '3 days'), ('old-2', now() - interval '49 hours'),
                       ('new', now() - interval '1 hour')
                """)
        }
        var settings = Sweeper.Settings()
        settings.batchSize = 7  // several batches for the 30 old inbox rows
        let sweeper = try Sweeper(
            database: database, service: "routing", settings: settings, logger: fixture.runtime.logger)
        try sweeper.register(table: "idempotency_keys", timestampColumn: "created_at", retention: .seconds(48 * 3600))
        XCTAssertEqual(sweeper.tables.map(\.name), ["inbox", "idempotency_keys"])

        let swept = try await sweeper.sweepOnce()
        XCTAssertEqual(swept["inbox"], 30, "ids older than 14 days go")
        XCTAssertEqual(swept["idempotency_keys"], 2)
        let inbox = try await inboxCount(database)
        XCTAssertEqual(inbox, 10, "ids within the retention stay")
        let keys = try await database.withConnection { c in
            try c.query("SELECT key FROM idempotency_keys").map { try $0.decode(0, as: String.self) }
        }
        XCTAssertEqual(keys, ["new"])
        let again = try await sweeper.sweepOnce()
        XCTAssertEqual(again, ["inbox": 0, "idempotency_keys": 0], "a second pass finds nothing")
    }

    /// Two replicas sweeping the same tables at once delete each old row once, between them.
    func testTwoSweepersAtOnceShareTheWork() async throws {
        let fixture = try await makeFixture()
        let database = fixture.runtime.database
        try await receive(2000, daysAgo: 30, into: database)
        var settings = Sweeper.Settings()
        settings.batchSize = 100
        let a = try Sweeper(database: database, service: "routing", settings: settings, logger: fixture.runtime.logger)
        let b = try Sweeper(database: database, service: "routing", settings: settings, logger: fixture.runtime.logger)
        async let first = a.sweepOnce()
        async let second = b.sweepOnce()
        let (x, y) = try await (first, second)
        XCTAssertEqual((x["inbox"] ?? 0) + (y["inbox"] ?? 0), 2000)
        let left = try await inboxCount(database)
        XCTAssertEqual(left, 0)
    }

    func testTheServiceRunsOnItsScheduleAndStopsOnShutdown() async throws {
        let fixture = try await makeFixture()
        let database = fixture.runtime.database
        try await receive(1, daysAgo: 40, into: database)
        var settings = Sweeper.Settings()
        settings.initialDelay = .milliseconds(10)
        settings.interval = .milliseconds(100)
        let sweeper = try Sweeper(
            database: database, service: "routing", settings: settings, logger: fixture.runtime.logger)
        let task = Task { try await sweeper.run() }
        let emptied = try await eventually(timeout: .seconds(5)) { try await self.inboxCount(database) == 0 }
        task.cancel()
        _ = try? await task.value
        XCTAssertTrue(emptied, "the running sweeper pruned the inbox")
    }

    /// The retention must outlast every redelivery; table names are identifiers, never SQL.
    func testSettingsAreValidated() async throws {
        XCTAssertGreaterThan(Sweeper.minimumRetention, Topology.retryPolicy.redeliveryWindow)
        let client = PostgresClient(
            configuration: PostgresConfiguration(connectionString: "postgresql://nobody@127.0.0.1:1/none"),
            logger: .init(label: "t"))
        var short = Sweeper.Settings()
        short.retention = .seconds(3600)
        XCTAssertThrowsError(try Sweeper(database: client, service: "x", settings: short, logger: .init(label: "t"))) {
            error in
            XCTAssertTrue("\(error)".contains("HROMADA_RETENTION_DAYS"), "\(error)")
        }
        let sweeper = try Sweeper(database: client, service: "x", logger: .init(label: "t"))
        XCTAssertThrowsError(try sweeper.register(table: "inbox; DROP TABLE outbox", timestampColumn: "created_at"))
        XCTAssertThrowsError(try sweeper.register(table: "Keys", timestampColumn: "created_at"))
        XCTAssertThrowsError(try sweeper.register(table: "keys", timestampColumn: "1st"))
        XCTAssertThrowsError(
            try sweeper.register(table: "keys", timestampColumn: "created_at", retention: .seconds(60)))
        XCTAssertNoThrow(try sweeper.register(table: "idempotency_keys", timestampColumn: "created_at"))
        await client.close()
    }
}
