import Foundation
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

@testable import HromadaPostgres

/// The per-connection prepared-statement cache against the real server: it is used, it stays bounded,
/// and callers see the same rows and the same errors as without it.
final class PreparedStatementIntegrationTests: XCTestCase {
    private final class Setup: Sendable {
        let database: TestDatabase
        let clients = Mutex<[PostgresClient]>([])

        init(database: TestDatabase) { self.database = database }

        /// A pool for the database's role and schema with the given cache size (0 = off).
        func client(cacheSize: Int = 256, poolSize: Int = 1) -> PostgresClient {
            var configuration = PostgresConfiguration(
                connectionString: database.connectionString(role: database.role), poolSize: poolSize,
                searchPath: database.schema, applicationName: "hromada-test")
            configuration.preparedStatementCacheSize = cacheSize
            configuration.checkoutTimeout = .seconds(30)
            let client = PostgresClient(configuration: configuration, logger: Logger(label: "test"))
            clients.withLock { $0.append(client) }
            return client
        }
    }

    private func withDatabase(_ body: (Setup) async throws -> Void) async throws {
        try IntegrationEnvironment.requireServers()
        let setup = Setup(database: try await TestDatabase.create(schema: "intake"))
        var failure: (any Error)?
        do { try await body(setup) } catch { failure = error }
        for client in setup.clients.withLock({ $0 }) { await client.close() }
        try? await setup.database.drop()
        if let failure { throw failure }
    }

    /// Statement texts prepared on the connection's session, as the server lists them.
    private static func prepared(_ connection: PostgresConnection) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try connection.query("SELECT name, statement FROM pg_prepared_statements") {
            result[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self)
        }
        return result
    }

    /// Everything a caller can see of an error.
    private struct SeenError: Equatable {
        let code: String
        let sqlState: String?
        let description: String
        let debugDescription: String
    }

    private static func seen(_ body: () throws -> Void) -> SeenError? {
        do {
            try body()
            return nil
        } catch {
            return seen(error)
        }
    }

    private static func seenAsync(_ body: () async throws -> Void) async -> SeenError? {
        do {
            try await body()
            return nil
        } catch {
            return seen(error)
        }
    }

    private static func seen(_ error: any Error) -> SeenError {
        guard let error = error as? PostgresError else {
            return SeenError(code: "\(type(of: error))", sqlState: nil, description: "\(error)", debugDescription: "")
        }
        return SeenError(
            code: error.code.rawValue, sqlState: error.sqlState, description: error.description,
            debugDescription: error.debugDescription)
    }

    private static let insert8 = """
        INSERT INTO appeals (id, number, kind, category, subject, author, registered_at, confidential)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """

    private static func createAppeals(_ connection: PostgresConnection) throws {
        try connection.executeScript(
            """
            CREATE TABLE appeals (
                id uuid PRIMARY KEY, number text UNIQUE, kind text, category text, subject text, author text,
                registered_at timestamptz, confidential boolean)
            """)
    }

    private static func insertAppeal(_ connection: PostgresConnection, id: UUID, number: String) throws {
        let when = Date(timeIntervalSince1970: 1_767_225_600.5)
        let author: String? = nil
        try connection.execute(
            """
            INSERT INTO appeals (id, number, kind, category, subject, author, registered_at, confidential)
            VALUES (\(id), \(number), \("complaint"), \("heating"), \("Опалення"), \(author), \(when), \(false))
            """)
    }

    // MARK: The cache is used

    func testARepeatedStatementIsPreparedOnceAndReused() async throws {
        try await withDatabase { setup in
            let client = setup.client()
            try await client.withConnection { connection in
                try Self.createAppeals(connection)
                let before = connection.libpq.statistics
                try Self.insertAppeal(connection, id: UUID(), number: "1")
                XCTAssertFalse(try Self.prepared(connection).values.contains(Self.insert8), "not after the first run")
                try Self.insertAppeal(connection, id: UUID(), number: "2")
                try Self.insertAppeal(connection, id: UUID(), number: "3")
                let after = connection.libpq.statistics
                let listed = try Self.prepared(connection)
                XCTAssertEqual(listed.values.filter { $0 == Self.insert8 }.count, 1, "prepared once: \(listed)")
                XCTAssertTrue(listed.keys.allSatisfy { $0.hasPrefix("hromada_") })
                XCTAssertEqual(after.prepares - before.prepares, 1)
                XCTAssertEqual(after.preparedExecutions - before.preparedExecutions, 2)
                // Three runs: unnamed, prepare + run, run; plus the pg_prepared_statements look-up.
                XCTAssertEqual(after.roundTrips - before.roundTrips, 5)
                XCTAssertEqual(try connection.query("SELECT count(*) FROM appeals").first?.decode(0, as: Int.self), 3)
            }
        }
    }

    func testManyDistinctTextsKeepTheServerSideCountBounded() async throws {
        try await withDatabase { setup in
            let client = setup.client(cacheSize: 8)
            try await client.withConnection { connection in
                for number in 0..<100 {
                    for _ in 0..<2 {
                        let query = PostgresQuery(stringLiteral: "SELECT $1::int + \(number)")
                        var bound = query
                        bound.binds = [PostgresBind(number)]
                        XCTAssertEqual(try connection.query(bound).first?.decode(0, as: Int.self), 2 * number)
                    }
                    XCTAssertLessThanOrEqual(try Self.prepared(connection).count, 8)
                }
                XCTAssertEqual(connection.libpq.preparedStatementCount, 8)
                XCTAssertEqual(try Self.prepared(connection).count, 8)
                let statistics = connection.libpq.statistics
                XCTAssertGreaterThanOrEqual(statistics.prepares, 100)
                XCTAssertEqual(statistics.deallocations + 8, statistics.prepares, "every eviction deallocated")
            }
            // The same inside transactions: evictions wait for the next idle moment.
            for number in 100..<140 {
                try await client.withTransaction { connection in
                    for _ in 0..<2 {
                        var query = PostgresQuery(stringLiteral: "SELECT $1::int + \(number)")
                        query.binds = [PostgresBind(1)]
                        _ = try connection.query(query)
                    }
                }
            }
            let count = try await client.withConnection { try Self.prepared($0).count }
            XCTAssertEqual(count, 8)
        }
    }

    func testCacheSizeZeroPreparesNothing() async throws {
        try await withDatabase { setup in
            let client = setup.client(cacheSize: 0)
            try await client.withConnection { connection in
                for _ in 0..<5 { _ = try connection.query("SELECT \(1)::int") }
                XCTAssertEqual(try Self.prepared(connection), [:])
                XCTAssertEqual(connection.libpq.statistics.prepares, 0)
            }
        }
    }

    func testScriptsAreNeverPrepared() async throws {
        try await withDatabase { setup in
            let client = setup.client()
            try await client.withConnection { connection in
                try connection.executeScript("CREATE TABLE items (n integer)")
            }
            for _ in 0..<4 {
                try await client.withTransaction { connection in
                    try connection.savepoint { try connection.executeScript("INSERT INTO items VALUES (1)") }
                    try connection.executeScript("SELECT 1; SELECT 2")
                }
            }
            try await client.withConnection { connection in
                XCTAssertEqual(try Self.prepared(connection), [:])
                XCTAssertEqual(connection.libpq.statistics.prepares, 0)
            }
        }
    }

    func testAStatementPreparedInARolledBackTransactionStaysUsable() async throws {
        struct Abort: Error {}
        try await withDatabase { setup in
            let client = setup.client()
            try await client.execute("CREATE TABLE items (n integer)")
            do {
                try await client.withTransaction { connection in
                    for n in 0..<2 { try connection.execute("INSERT INTO items VALUES (\(n))") }
                    throw Abort()
                }
            } catch is Abort {}
            try await client.withConnection { connection in
                let prepares = connection.libpq.statistics.prepares
                try connection.execute("INSERT INTO items VALUES (\(7))")
                XCTAssertEqual(connection.libpq.statistics.prepares, prepares, "still prepared after the rollback")
                XCTAssertEqual(try connection.query("SELECT n FROM items").map { try $0.decode(0, as: Int.self) }, [7])
            }
        }
    }

    // MARK: Same rows, same errors

    func testRowsAreIdenticalWithAndWithoutTheCache() async throws {
        try await withDatabase { setup in
            let (cached, uncached) = (setup.client(), setup.client(cacheSize: 0))
            try await cached.withConnection { connection in
                try Self.createAppeals(connection)
                for number in 0..<5 { try Self.insertAppeal(connection, id: UUID(), number: "\(number)") }
            }
            let query: PostgresQuery = """
                SELECT *, registered_at + \(1.5) * interval '1 second' AS later, \([UUID(), UUID()]) AS ids
                FROM appeals WHERE number >= \("1") AND author IS NOT DISTINCT FROM \(nil as String?) ORDER BY number
                """
            struct Output: Equatable {
                let columns: [String]
                let values: [String?]
            }
            var outputs: [Output] = []
            for client in [cached, uncached] {
                for _ in 0..<4 {
                    let rows = try await client.query(query)
                    outputs.append(Output(columns: rows.columnNames, values: rows.storage.values))
                }
            }
            XCTAssertEqual(outputs[0].values.count, 4 * 10)
            XCTAssertTrue(outputs.dropFirst().allSatisfy { $0 == outputs[0] })
            let prepares = try await cached.withConnection { $0.libpq.statistics.prepares }
            XCTAssertGreaterThan(prepares, 0, "the cached client did prepare")
        }
    }

    func testErrorsAreIdenticalWithAndWithoutTheCache() async throws {
        try await withDatabase { setup in
            let (cached, uncached) = (setup.client(), setup.client(cacheSize: 0))
            try await cached.withConnection { try Self.createAppeals($0) }
            var outcomes: [[SeenError?]] = []
            for client in [cached, uncached] {
                var seen: [SeenError?] = []
                // Syntax error, an operator that does not exist (both at Parse), bad input (at Bind):
                // three runs each, so the cached client tries to prepare the second time.
                for _ in 0..<3 {
                    seen.append(await Self.seenAsync { try await client.query("SELEC \(1)") })
                    seen.append(await Self.seenAsync { try await client.query("SELECT 1 + \(UUID())") })
                    seen.append(await Self.seenAsync { try await client.query("SELECT \("not a number")::int") })
                }
                // A unique violation inside a transaction, with the INSERT already prepared.
                let id = UUID()
                let number = "u-\(client === cached ? "c" : "u")"
                try await client.withTransaction { connection in
                    try Self.insertAppeal(connection, id: UUID(), number: number + "1")
                    try Self.insertAppeal(connection, id: UUID(), number: number + "2")
                }
                seen.append(
                    await Self.seenAsync {
                        try await client.withTransaction { connection in
                            try Self.insertAppeal(connection, id: id, number: number + "3")
                            try Self.insertAppeal(connection, id: id, number: number + "4")
                        }
                    })
                // A statement after an aborted one in the same transaction, and the commit after that.
                let afterAbort = Locked<SeenError?>(nil)
                seen.append(
                    await Self.seenAsync {
                        try await client.withTransaction { connection in
                            _ = try? connection.query("SELECT 1 / \(0)")
                            afterAbort.value = Self.seen { try Self.insertAppeal(connection, id: UUID(), number: "x") }
                        }
                    })
                seen.append(afterAbort.value)
                outcomes.append(seen.map { $0.map(Self.withoutClientSpecifics) })
            }
            XCTAssertEqual(outcomes[0].count, 12)
            for (index, (withCache, without)) in zip(outcomes[0], outcomes[1]).enumerated() {
                XCTAssertNotNil(withCache, "outcome \(index) is an error")
                XCTAssertEqual(withCache, without, "outcome \(index)")
            }
            XCTAssertEqual(outcomes[0][0]?.sqlState, "42601")
            XCTAssertEqual(outcomes[0][1]?.sqlState, "42883")
            XCTAssertEqual(outcomes[0][2]?.sqlState, "22P02")
            XCTAssertEqual(outcomes[0][9]?.sqlState, "23505")
            XCTAssertEqual(outcomes[0][10]?.code, "transactionAborted")
            XCTAssertEqual(outcomes[0][11]?.sqlState, "25P02")
        }
    }

    /// The unique-violation message names the key's value, which differs between the two runs.
    private static func withoutClientSpecifics(_ error: SeenError) -> SeenError {
        SeenError(
            code: error.code, sqlState: error.sqlState, description: error.description,
            debugDescription: error.sqlState == "23505" ? "" : error.debugDescription)
    }

    // MARK: Invalidation and reconnects

    func testSelectStarSurvivesAlterTable() async throws {
        try await withDatabase { setup in
            let client = setup.client()
            try await client.execute("CREATE TABLE places (id integer PRIMARY KEY, name text)")
            try await client.execute("INSERT INTO places VALUES (1, 'Mykolaiv')")
            let select: PostgresQuery = "SELECT * FROM places WHERE id = \(1)"
            for _ in 0..<2 { _ = try await client.query(select) }
            // Outside a transaction: the stale statement is dropped and the query re-prepared, unseen.
            try await client.execute("ALTER TABLE places ADD COLUMN district text DEFAULT 'central'")
            let widened = try await client.query(select)
            XCTAssertEqual(widened.columnNames, ["id", "name", "district"])
            XCTAssertEqual(try widened.first?.decode("district", as: String.self), "central")

            // Inside a transaction: the error surfaces (the transaction is aborted by then) ...
            _ = try await client.query(select)
            try await client.execute("ALTER TABLE places DROP COLUMN district")
            let prepares = try await client.withConnection { $0.libpq.statistics.prepares }
            do {
                _ = try await client.withTransaction { try $0.query(select).count }
                XCTFail("a changed result type inside a transaction surfaces")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "0A000")
                XCTAssertEqual(error.code, .queryFailed)
            }
            // ... and the unit of work's next attempt prepares it afresh and works.
            let narrowed = try await client.withTransaction { try $0.query(select).columnNames }
            XCTAssertEqual(narrowed, ["id", "name"])
            try await client.withConnection { connection in
                XCTAssertEqual(connection.libpq.statistics.prepares, prepares + 1)
                let listed = try Self.prepared(connection).values.filter { $0 == select.sql }
                XCTAssertEqual(listed.count, 1, "the stale statement was deallocated")
            }
        }
    }

    func testStatementsForgottenByTheServerArePreparedAgain() async throws {
        try await withDatabase { setup in
            let client = setup.client()
            try await client.withConnection { connection in
                for _ in 0..<2 { _ = try connection.query("SELECT \(5)::int") }
                XCTAssertEqual(connection.libpq.preparedStatementCount, 1)
                try connection.executeScript("DEALLOCATE ALL")
                XCTAssertEqual(try connection.query("SELECT \(5)::int").first?.decode(0, as: Int.self), 5)
                XCTAssertEqual(try Self.prepared(connection).count, 1)
            }
        }
    }

    func testTerminatedBackendIsReplacedWithAnEmptyCache() async throws {
        try await withDatabase { setup in
            let client = setup.client()
            let admin = setup.database.adminClient()
            let select: PostgresQuery = "SELECT pg_backend_pid() + \(0)"
            let firstPID = try await client.withConnection { connection in
                for _ in 0..<2 { _ = try connection.query(select) }
                XCTAssertEqual(connection.libpq.preparedStatementCount, 1)
                return try connection.query(select).first!.decode(0, as: Int32.self)
            }
            let terminated = try await admin.query("SELECT pg_terminate_backend(\(firstPID), 5000)").first?.decode(
                0, as: Bool.self)
            XCTAssertEqual(terminated, true)
            try await client.withConnection { connection in
                XCTAssertNotEqual(connection.backendPID, firstPID)
                XCTAssertEqual(connection.libpq.preparedStatementCount, 0, "a new connection starts empty")
                XCTAssertEqual(try connection.query(select).first?.decode(0, as: Int32.self), connection.backendPID)
                XCTAssertEqual(try connection.query(select).first?.decode(0, as: Int32.self), connection.backendPID)
                XCTAssertEqual(connection.libpq.preparedStatementCount, 1)
            }
        }
    }
}
