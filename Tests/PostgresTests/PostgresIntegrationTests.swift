import Foundation
import HromadaPostgres
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Against the real server (deploy/local/infra.sh start), each test in its own throwaway database.
final class PostgresIntegrationTests: XCTestCase {
    private func withDatabase(schema: String = "intake", _ body: (TestDatabase) async throws -> Void) async throws {
        try IntegrationEnvironment.requireServers()
        try await TestDatabase.using(schema: schema, body)
    }

    private func assertPostgresError<T>(
        _ expression: @autoclosure () async throws -> T,
        file: StaticString = #filePath, line: UInt = #line,
        _ check: (PostgresError) -> Void
    ) async {
        do {
            _ = try await expression()
            XCTFail("expected a PostgresError", file: file, line: line)
        } catch let error as PostgresError {
            check(error)
        } catch {
            XCTFail("expected a PostgresError, got \(error)", file: file, line: line)
        }
    }

    // MARK: Types

    func testRoundTripOfEveryType() async throws {
        try await withDatabase { database in
            let client = database.client()
            try await client.withConnection { connection in
                try connection.executeScript(
                    """
                    CREATE TABLE everything (
                        id serial PRIMARY KEY, s text, i bigint, i64 bigint, i32 integer, i16 smallint,
                        d double precision, b boolean, u uuid, ts timestamptz, bytes bytea, data bytea,
                        names text[], ids uuid[], nums bigint[], doc jsonb
                    )
                    """
                )
            }
            struct Doc: Codable, Equatable, Sendable {
                let title: String
                let count: Int
            }
            let uuid = UUID()
            let ids = [UUID(), UUID()]
            let when = Date(timeIntervalSince1970: 1_767_225_600.654321)
            let text =
                "Звернення: опалення не працює — "
                + "вул. Потьомкінська, 143а «ЦОГ» ї є ґ ' \" \\ 😀"
            let bytes: [UInt8] = [0, 0, 1, 2, 0, 255, 0]
            let data = Data([0, 0x5C, 0x78, 0])
            let names = ["Олена", "with \"quote\"", "comma, inside", "back\\slash", "NULL", ""]
            let doc = Doc(title: "Київ", count: 3)
            try await client.execute(
                """
                INSERT INTO everything (s, i, i64, i32, i16, d, b, u, ts, bytes, data, names, ids, nums, doc)
                VALUES (\(text), \(Int.max), \(Int64.min), \(Int32.max), \(Int16.min), \(3.141592653589793),
                        \(true), \(uuid), \(when), \(bytes), \(data), \(names), \(ids), \([Int64(1), -2, 3]),
                        \(PostgresJSON(doc)))
                """
            )
            let none: String? = nil
            let noInt: Int? = nil
            let noUUID: UUID? = nil
            let noDate: Date? = nil
            let noBytes: [UInt8]? = nil
            let noBool: Bool? = nil
            let noDouble: Double? = nil
            try await client.execute(
                """
                INSERT INTO everything (s, i, u, ts, bytes, b, d)
                VALUES (\(none), \(noInt), \(noUUID), \(noDate), \(noBytes), \(noBool), \(noDouble))
                """
            )
            let rows = try await client.query("SELECT * FROM everything ORDER BY id")
            XCTAssertEqual(rows.count, 2)
            let row = try XCTUnwrap(rows.first)
            XCTAssertEqual(try row.decode("s", as: String.self), text)
            XCTAssertEqual(try row.decode("i", as: Int.self), Int.max)
            XCTAssertEqual(try row.decode("i64", as: Int64.self), Int64.min)
            XCTAssertEqual(try row.decode("i32", as: Int32.self), Int32.max)
            XCTAssertEqual(try row.decode("i16", as: Int16.self), Int16.min)
            XCTAssertEqual(try row.decode("d", as: Double.self), 3.141592653589793)
            XCTAssertEqual(try row.decode("b", as: Bool.self), true)
            XCTAssertEqual(try row.decode("u", as: UUID.self), uuid)
            XCTAssertEqual(
                try row.decode("ts", as: Date.self).timeIntervalSince1970, when.timeIntervalSince1970,
                accuracy: 0.000001)
            XCTAssertEqual(try row.decode("bytes", as: [UInt8].self), bytes)
            XCTAssertEqual(try row.decode("data", as: Data.self), data)
            XCTAssertEqual(try row.decode("names", as: [String].self), names)
            XCTAssertEqual(try row.decode("ids", as: [UUID].self), ids)
            XCTAssertEqual(try row.decode("nums", as: [Int64].self), [1, -2, 3])
            XCTAssertEqual(try row.decode("doc", as: PostgresJSON<Doc>.self).value, doc)
            XCTAssertEqual(try row.decode(1, as: String.self), text)

            let nulls = rows[1]
            for column in ["s", "i", "u", "ts", "bytes", "b", "d", "names", "doc"] {
                XCTAssertTrue(nulls.isNull(column), column)
            }
            XCTAssertNil(try nulls.decode("s", as: String?.self))
            XCTAssertNil(try nulls.decode("i", as: Int?.self))
            XCTAssertNil(try nulls.decode("u", as: UUID?.self))
            XCTAssertNil(try nulls.decode("ts", as: Date?.self))
            XCTAssertNil(try nulls.decode("bytes", as: [UInt8]?.self))
            XCTAssertNil(try nulls.decode("b", as: Bool?.self))
            XCTAssertThrowsError(try nulls.decode("s", as: String.self)) { error in
                XCTAssertEqual((error as? PostgresError)?.code, .decodingFailed)
            }
            XCTAssertThrowsError(try row.decode("missing", as: String.self))
            XCTAssertThrowsError(try row.decode("s", as: Int.self))

            // = ANY(array) with each array type.
            let matched = try await client.query(
                """
                SELECT count(*) FROM everything
                WHERE u = ANY(\([uuid, UUID()])) AND s = ANY(\([text])) AND i = ANY(\([Int64.max]))
                """
            )
            XCTAssertEqual(try matched.first?.decode(0, as: Int.self), 1)
        }
    }

    func testDatesOfEveryPostgresTimeTypeAndOffset() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 1)
            let rows = try await client.withConnection { connection in
                try connection.executeScript("SET TimeZone TO 'Asia/Kolkata'")  // output with +05:30
                defer { try? connection.executeScript("RESET TimeZone") }
                return try connection.query(
                    """
                    SELECT '2024-03-10 12:00:00+05:30'::timestamptz AS a,
                           '2024-03-10 08:30:00.5+02'::timestamptz::text AS a_text,
                           '2024-03-10 06:30:00'::timestamp AS b, '2024-03-10'::date AS c,
                           \(Date(timeIntervalSince1970: 1_710_052_200))::timestamptz AS d
                    """
                )
            }
            let row = try XCTUnwrap(rows.first)
            XCTAssertEqual(try row.decode("a_text", as: String.self), "2024-03-10 12:00:00.5+05:30")
            XCTAssertEqual(try row.decode("a", as: Date.self), Date(timeIntervalSince1970: 1_710_052_200))
            XCTAssertEqual(try row.decode("b", as: Date.self), Date(timeIntervalSince1970: 1_710_052_200))
            XCTAssertEqual(try row.decode("c", as: Date.self), Date(timeIntervalSince1970: 1_710_028_800))
            XCTAssertEqual(try row.decode("d", as: Date.self), Date(timeIntervalSince1970: 1_710_052_200))

            let kyiv = try await client.withConnection { connection in
                try connection.executeScript("SET TimeZone TO 'Europe/Kyiv'")
                defer { try? connection.executeScript("RESET TimeZone") }
                let instant = Date(timeIntervalSince1970: 1_719_835_200.25)
                return try connection.query(
                    "SELECT \(instant)::timestamptz AS t, \(instant)::timestamptz::text AS s")
            }
            XCTAssertEqual(try kyiv.first?.decode("s", as: String.self), "2024-07-01 15:00:00.25+03")
            XCTAssertEqual(
                try XCTUnwrap(kyiv.first?.decode("t", as: Date.self)).timeIntervalSince1970, 1_719_835_200.25,
                accuracy: 1e-6)
        }
    }

    // MARK: Transactions

    func testTransactionCommitsAndRollsBackOnThrow() async throws {
        struct Abort: Error {}
        try await withDatabase { database in
            let client = database.client()
            try await client.execute("CREATE TABLE items (name text PRIMARY KEY)")
            try await client.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES (\("committed"))")
            }
            do {
                try await client.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (\("rolled back"))")
                    throw Abort()
                }
                XCTFail("the body's error must be rethrown")
            } catch is Abort {}
            let names = try await client.query("SELECT name FROM items ORDER BY name").map {
                try $0.decode(0, as: String.self)
            }
            XCTAssertEqual(names, ["committed"])

            // A statement error swallowed by the body does not turn into a silent "commit".
            await assertPostgresError(
                try await client.withTransaction(isolation: .serializable) { connection in
                    try connection.execute("INSERT INTO items VALUES (\("lost"))")
                    // A unique violation, ignored.
                    _ = try? connection.execute("INSERT INTO items VALUES (\("committed"))")
                }
            ) { error in
                XCTAssertEqual(error.code, .transactionAborted)
            }
            let count = try await client.query("SELECT count(*) FROM items").first?.decode(0, as: Int.self)
            XCTAssertEqual(count, 1)

            // withConnection never leaves a transaction open for the next user.
            try await client.withConnection { connection in
                try connection.executeScript("BEGIN; INSERT INTO items VALUES ('left open')")
            }
            let afterOpen = try await client.query("SELECT count(*) FROM items").first?.decode(0, as: Int.self)
            XCTAssertEqual(afterOpen, 1)
        }
    }

    func testSavepointRollsBackOnlyItsPart() async throws {
        struct Inner: Error {}
        try await withDatabase { database in
            let client = database.client()
            try await client.execute("CREATE TABLE items (name text PRIMARY KEY)")
            try await client.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES ('a')")
                XCTAssertThrowsError(
                    try connection.savepoint {
                        try connection.execute("INSERT INTO items VALUES ('b')")
                        throw Inner()
                    })
                // A failing statement inside a savepoint leaves the transaction usable.
                XCTAssertThrowsError(
                    try connection.savepoint { try connection.execute("INSERT INTO items VALUES ('a')") }
                ) { error in
                    XCTAssertTrue((error as? PostgresError)?.isUniqueViolation ?? false)
                }
                let nested: Int = try connection.savepoint {
                    try connection.execute("INSERT INTO items VALUES ('c')")
                    return try connection.savepoint { try connection.execute("INSERT INTO items VALUES ('d')") }
                }
                XCTAssertEqual(nested, 1)
            }
            let names = try await client.query("SELECT name FROM items ORDER BY name").map {
                try $0.decode(0, as: String.self)
            }
            XCTAssertEqual(names, ["a", "c", "d"])
        }
    }

    func testThousandInsertsInOneTransaction() async throws {
        try await withDatabase { database in
            let client = database.client()
            try await client.execute(
                "CREATE TABLE events (id uuid PRIMARY KEY, n integer NOT NULL, body text NOT NULL)")
            let inserted = try await client.withTransaction { connection -> Int in
                var total = 0
                for n in 0..<1000 {
                    total += try connection.execute(
                        "INSERT INTO events VALUES (\(UUID()), \(Int32(n)), \("подія \(n)"))")
                }
                return total
            }
            XCTAssertEqual(inserted, 1000)
            let row = try await client.query("SELECT count(*), sum(n) FROM events").first
            XCTAssertEqual(try row?.decode(0, as: Int.self), 1000)
            XCTAssertEqual(try row?.decode(1, as: Int.self), 499_500)
        }
    }

    // MARK: Errors and safety

    func testUniqueViolationIsRecognised() async throws {
        try await withDatabase { database in
            let client = database.client()
            try await client.execute("CREATE TABLE residents (email text PRIMARY KEY)")
            try await client.execute("INSERT INTO residents VALUES (\("olena@example.com"))")
            await assertPostgresError(try await client.execute("INSERT INTO residents VALUES (\("olena@example.com"))"))
            { error in
                XCTAssertTrue(error.isUniqueViolation)
                XCTAssertEqual(error.code, .queryFailed)
                XCTAssertEqual(error.sqlState, "23505")
                XCTAssertFalse(error.isRetryable)
                XCTAssertTrue(error.description.contains("23505"))
                XCTAssertFalse(error.safeDescription.contains("olena"))
                XCTAssertFalse(
                    error.description.contains("residents_pkey"), "the server's message stays out of description")
                XCTAssertTrue(
                    error.debugDescription.contains("residents_pkey"),
                    "debugDescription has it: \(error.debugDescription)")
            }
            await assertPostgresError(try await client.execute("SELEC nonsense")) { error in
                XCTAssertEqual(error.sqlState, "42601")
                XCTAssertFalse(error.isUniqueViolation)
            }
            // The pool still works after errors.
            let value1 = try await client.query("SELECT count(*) FROM residents").first?.decode(0, as: Int.self)
            XCTAssertEqual(value1, 1)
        }
    }

    func testInjectionStringsAreStoredAsData() async throws {
        try await withDatabase { database in
            let client = database.client()
            try await client.execute("CREATE TABLE x (value text)")
            let attacks = [
                "'; DROP TABLE x; --", "Robert'); --", "Robert'); DROP TABLE x;--", "$1", "\\'; SELECT 1; --",
                "\"x\"; --",
            ]
            for attack in attacks {
                try await client.execute("INSERT INTO x (value) VALUES (\(attack))")
            }
            let stored = try await client.query("SELECT value FROM x WHERE value = ANY(\(attacks))").map {
                try $0.decode(0, as: String.self)
            }
            XCTAssertEqual(Set(stored), Set(attacks))
            let found = try await client.query("SELECT count(*) FROM x WHERE value = \("Robert'); --")").first?.decode(
                0, as: Int.self)
            XCTAssertEqual(found, 1)
            await assertPostgresError(try await client.execute("INSERT INTO x VALUES (\("nul\u{0}byte"))")) { error in
                XCTAssertEqual(error.code, .encodingFailed)
            }
        }
    }

    func testRoleCannotReadAnotherServicesSchema() async throws {
        try await withDatabase(schema: "intake") { database in
            try await database.createSchema("routing")
            let routing = database.client(role: "hromada_routing", schema: "routing")
            try await routing.execute("CREATE TABLE tickets (id integer)")
            try await routing.execute("INSERT INTO tickets VALUES (1)")
            let value2 = try await routing.query("SELECT count(*) FROM tickets").first?.decode(0, as: Int.self)
            XCTAssertEqual(value2, 1)

            let intake = database.client()
            await assertPostgresError(try await intake.query("SELECT * FROM routing.tickets")) { error in
                XCTAssertEqual(error.sqlState, "42501")  // insufficient_privilege
            }
            // Even with routing on its search_path, intake sees nothing of it and cannot create there.
            let sneaky = database.client(role: "hromada_intake", schema: "routing")
            await assertPostgresError(try await sneaky.query("SELECT * FROM tickets")) { error in
                XCTAssertEqual(error.sqlState, "42P01")  // undefined_table: the schema is not even visible
            }
            await assertPostgresError(try await sneaky.execute("CREATE TABLE routing.evil (id integer)")) { error in
                XCTAssertEqual(error.sqlState, "42501")
            }
            // Its own schema works.
            try await intake.execute("CREATE TABLE appeals (id integer)")
            let value3 = try await intake.query("SELECT current_schema()").first?.decode(0, as: String.self)
            XCTAssertEqual(value3, "intake")
        }
    }

    func testWrongPasswordIsConnectionFailed() async throws {
        try IntegrationEnvironment.requireServers()
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: "host=127.0.0.1 port=5432 dbname=postgres user=hromada_intake password=wrong",
                poolSize: 1),
            logger: Logger(label: "test")
        )
        await assertPostgresError(try await client.ping()) { error in
            XCTAssertEqual(error.code, .connectionFailed)
            XCTAssertTrue(error.isRetryable)
            XCTAssertFalse(error.safeDescription.contains("wrong"))
        }
        XCTAssertEqual(client.statistics.open, 0)
        await client.close()
    }

    // MARK: Pool

    func testFiftyConcurrentTasksOnFourConnectionsNeverUseTheCooperativePool() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 4)
            try await client.execute("CREATE TABLE hits (task integer, pid integer)")
            let closureThreads = Recorder<UInt>()
            let taskThreads = Recorder<UInt>()
            let pids = Recorder<Int32>()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<50 {
                    group.addTask {
                        taskThreads.insert(UInt(pthread_self()))
                        try await client.withTransaction { connection in
                            closureThreads.insert(UInt(pthread_self()))
                            pids.insert(connection.backendPID)
                            try connection.execute("INSERT INTO hits VALUES (\(Int32(task)), pg_backend_pid())")
                            try connection.query("SELECT pg_sleep(0.01)")
                        }
                        taskThreads.insert(UInt(pthread_self()))
                    }
                }
                try await group.waitForAll()
            }
            let closures = closureThreads.values
            let tasks = taskThreads.values
            XCTAssertTrue(closures.isDisjoint(with: tasks), "a closure ran on a cooperative-pool thread")
            XCTAssertLessThanOrEqual(closures.count, 4)
            XCTAssertGreaterThanOrEqual(closures.count, 1)
            XCTAssertLessThanOrEqual(pids.values.count, 4)
            let row = try await client.query("SELECT count(*), count(DISTINCT pid) FROM hits").first
            XCTAssertEqual(try row?.decode(0, as: Int.self), 50)
            XCTAssertLessThanOrEqual(try XCTUnwrap(row?.decode(1, as: Int.self)), 4)
            let statistics = client.statistics
            XCTAssertLessThanOrEqual(statistics.open, 4)
            XCTAssertEqual(statistics.inUse, 0)
            XCTAssertEqual(statistics.waiting, 0)
        }
    }

    func testCheckoutTimesOutWhenThePoolIsBusy() async throws {
        try await withDatabase { database in
            var configuration = PostgresConfiguration(
                connectionString: database.connectionString, poolSize: 1, searchPath: "intake")
            configuration.checkoutTimeout = .milliseconds(200)
            let client = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
            async let holder: Void = client.withConnection { connection in
                try connection.query("SELECT pg_sleep(1.5)")
            }
            try await Task.sleep(for: .milliseconds(300))
            XCTAssertEqual(client.statistics.inUse, 1)
            let started = ContinuousClock.now
            await assertPostgresError(try await client.query("SELECT 1")) { error in
                XCTAssertEqual(error.code, .poolTimeout)
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(1))
            try await holder
            let value4 = try await client.query("SELECT 2").first?.decode(0, as: Int.self)
            XCTAssertEqual(value4, 2)
            await client.close()
            await assertPostgresError(try await client.query("SELECT 1")) { error in
                XCTAssertEqual(error.code, .poolClosed)
            }
        }
    }

    func testCancelledWaiterLeavesTheQueue() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 1)
            async let holder: Void = client.withConnection { connection in
                try connection.query("SELECT pg_sleep(0.8)")
            }
            try await Task.sleep(for: .milliseconds(200))
            let waiter = Task { try await client.query("SELECT 1").count }
            try await Task.sleep(for: .milliseconds(200))
            XCTAssertEqual(client.statistics.waiting, 1)
            waiter.cancel()
            do {
                _ = try await waiter.value
                XCTFail("a cancelled waiter must not get a connection")
            } catch {
                XCTAssertTrue(error is CancellationError, "\(error)")
            }
            XCTAssertEqual(client.statistics.waiting, 0)
            try await holder
            let value = try await client.query("SELECT 3").first?.decode(0, as: Int.self)
            XCTAssertEqual(value, 3)
            XCTAssertEqual(client.statistics.inUse, 0)
        }
    }

    func testCloseWaitsForWorkInFlight() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 1)
            async let work: Int = client.withConnection { connection in
                try connection.query("SELECT pg_sleep(0.5)")
                return 7
            }
            try await Task.sleep(for: .milliseconds(150))
            await client.close()
            XCTAssertEqual(client.statistics.inUse, 0)
            let result = try await work
            XCTAssertEqual(result, 7)
            XCTAssertEqual(client.statistics.open, 0)
        }
    }

    func testTerminatedConnectionIsReplacedOnNextUse() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 1)
            let admin = database.adminClient()
            let firstPID = try await client.query("SELECT pg_backend_pid()").first!.decode(0, as: Int32.self)
            // With a timeout, pg_terminate_backend waits until the backend has exited (PostgreSQL 14+).
            let terminated = try await admin.query("SELECT pg_terminate_backend(\(firstPID), 5000)").first?.decode(
                0, as: Bool.self)
            XCTAssertEqual(terminated, true)
            let secondPID = try await client.query("SELECT pg_backend_pid()").first!.decode(0, as: Int32.self)
            XCTAssertNotEqual(firstPID, secondPID)
            XCTAssertEqual(client.statistics.open, 1)
            // The new connection has the configured search_path too.
            let value6 = try await client.query("SELECT current_setting('search_path')").first?.decode(
                0, as: String.self)
            XCTAssertEqual(value6, "intake")
        }
    }

    func testConnectionLostInsideTransactionIsRetryable() async throws {
        try await withDatabase { database in
            let client = database.client(poolSize: 1)
            try await client.execute("CREATE TABLE items (n integer)")
            await assertPostgresError(
                try await client.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    try connection.query("SELECT pg_terminate_backend(pg_backend_pid())")
                }
            ) { error in
                XCTAssertEqual(error.code, .connectionLost)
                XCTAssertTrue(error.isRetryable)
            }
            XCTAssertEqual(client.statistics.open, 0)
            // Retrying is the caller's choice, and works on a fresh connection.
            try await client.withTransaction { connection in
                try connection.execute("INSERT INTO items VALUES (2)")
            }
            let values = try await client.query("SELECT n FROM items").map { try $0.decode(0, as: Int.self) }
            XCTAssertEqual(values, [2])
        }
    }

    func testMultiHostConnectionStringFailsOverToTheLiveHost() async throws {
        try await withDatabase { database in
            let (role, name) = (database.role, database.name)
            // The role's generated password (deploy/local), or its name for a role only tests create.
            let password = IntegrationEnvironment.secret("postgres", role) ?? role
            let client = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: "host=127.0.0.1,127.0.0.1 port=1,5432 dbname=\(name) user=\(role) "
                        + "password=\(password) target_session_attrs=read-write",
                    poolSize: 1, searchPath: "intake", applicationName: "failover-test"
                ),
                logger: Logger(label: "test")
            )
            let row = try await client.query(
                "SELECT inet_server_port(), current_setting('application_name'), current_setting('client_encoding')"
            ).first
            XCTAssertEqual(try row?.decode(0, as: Int.self), 5432)
            XCTAssertEqual(try row?.decode(1, as: String.self), "failover-test")
            XCTAssertEqual(try row?.decode(2, as: String.self), "UTF8")
            try await client.ping()
            await client.close()

            // A URI works the same way.
            let uri = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: "postgresql://\(role):\(password)@127.0.0.1:1,127.0.0.1:5432/\(name)", poolSize: 1
                ),
                logger: Logger(label: "test")
            )
            let value7 = try await uri.query("SELECT current_user").first?.decode(0, as: String.self)
            XCTAssertEqual(value7, role)
            await uri.close()
        }
    }

    // MARK: Migrations

    private let migrations = [
        Migration(
            version: 1, name: "appeals",
            sql: "CREATE TABLE appeals (id uuid PRIMARY KEY, subject text NOT NULL); "
                + "CREATE INDEX appeals_subject ON appeals (subject);"
        ),
        Migration(
            version: 2, name: "appeal status",
            sql: "ALTER TABLE appeals ADD COLUMN status text NOT NULL DEFAULT 'registered'"),
    ]

    func testMigrationsApplyOnceAndAreIdempotent() async throws {
        try await withDatabase { database in
            let client = database.client()
            let logger = Logger(label: "test")
            try await Migrator.migrate(migrations, on: client, logger: logger)
            try await Migrator.migrate(migrations, on: client, logger: logger)
            let applied = try await client.query("SELECT version, name FROM schema_migrations ORDER BY version")
            XCTAssertEqual(try applied.map { try $0.decode(0, as: Int.self) }, [1, 2])
            XCTAssertEqual(try applied.map { try $0.decode("name", as: String.self) }, ["appeals", "appeal status"])
            try await client.execute("INSERT INTO appeals (id, subject) VALUES (\(UUID()), \("Опалення"))")
            let value8 = try await client.query("SELECT status FROM appeals").first?.decode(0, as: String.self)
            XCTAssertEqual(value8, "registered")
            // The tables are in the service's schema.
            let schemas = try await client.query(
                """
                SELECT table_schema FROM information_schema.tables
                WHERE table_name IN ('appeals', 'schema_migrations')
                """)
            XCTAssertEqual(Set(try schemas.map { try $0.decode(0, as: String.self) }), ["intake"])

            // A third migration is applied on top.
            let more =
                migrations + [
                    Migration(
                        version: 3, name: "priority",
                        sql: "ALTER TABLE appeals ADD COLUMN priority boolean NOT NULL DEFAULT false")
                ]
            try await Migrator.migrate(more, on: client, logger: logger)
            let value9 = try await client.query("SELECT count(*) FROM schema_migrations").first?.decode(0, as: Int.self)
            XCTAssertEqual(value9, 3)
        }
    }

    func testMigrationsFromTwoClientsAtOnce() async throws {
        try await withDatabase { database in
            let first = database.client()
            let second = database.client()
            let logger = Logger(label: "test")
            let migrations = self.migrations
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in [first, second, first, second] {
                    group.addTask { try await Migrator.migrate(migrations, on: client, logger: logger) }
                }
                try await group.waitForAll()
            }
            let value10 = try await first.query("SELECT count(*) FROM schema_migrations").first?.decode(0, as: Int.self)
            XCTAssertEqual(value10, 2)
        }
    }

    func testChangedMigrationIsDetected() async throws {
        try await withDatabase { database in
            let client = database.client()
            let logger = Logger(label: "test")
            try await Migrator.migrate(migrations, on: client, logger: logger)

            var changedSQL = migrations
            changedSQL[1] = Migration(
                version: 2, name: "appeal status", sql: "ALTER TABLE appeals ADD COLUMN status text")
            await assertPostgresError(try await Migrator.migrate(changedSQL, on: client, logger: logger)) { error in
                XCTAssertEqual(error.code, .migrationMismatch)
            }
            var renamed = migrations
            renamed[0] = Migration(version: 1, name: "appeals table", sql: migrations[0].sql)
            await assertPostgresError(try await Migrator.migrate(renamed, on: client, logger: logger)) { error in
                XCTAssertEqual(error.code, .migrationMismatch)
            }
            // Nothing of a failing migration stays behind.
            let broken =
                migrations + [
                    Migration(
                        version: 3, name: "broken", sql: "CREATE TABLE half (id integer); SELECT no_such_function()")
                ]
            await assertPostgresError(try await Migrator.migrate(broken, on: client, logger: logger)) { error in
                XCTAssertEqual(error.sqlState, "42883")
            }
            let value11 = try await client.query("SELECT count(*) FROM schema_migrations").first?.decode(
                0, as: Int.self)
            XCTAssertEqual(value11, 2)
            let value12 = try await client.query("SELECT to_regclass('half') IS NULL").first?.decode(0, as: Bool.self)
            XCTAssertEqual(value12, true)
        }
    }
}

/// A thread-safe set for values recorded inside closures.
final class Recorder<Value: Hashable & Sendable>: Sendable {
    private let storage = Mutex<Set<Value>>([])
    func insert(_ value: Value) { storage.withLock { _ = $0.insert(value) } }
    var values: Set<Value> { storage.withLock { $0 } }
}
