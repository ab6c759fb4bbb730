import Foundation
import HromadaTestSupport
import Logging
import XCTest

@testable import HromadaPostgres

/// What preparing saves, on a typical service statement: an INSERT with 8 binds (in transactions of
/// 100, as a batch handler writes) and a SELECT by primary key, each `runs` times, with the cache off
/// (every statement parsed, analysed and planned by the server) and on. Prints, per statement: the
/// client's wall time, the server backend's CPU time (utime + stime from /proc, when the server runs on
/// this machine) and the round trips. Also the cost of a BEGIN + COMMIT pair on its own.
///
/// `HROMADA_TEST_STATEMENT_RUNS=20000` for the full measurement (default 2,000, a few seconds in debug);
/// each mode runs twice that many of each statement.
/// The assertions are on counts (round trips, prepares), never on times: the machine is shared.
final class PreparedStatementMeasurementTests: XCTestCase {
    private struct Sample {
        var wallMicroseconds = 0.0
        var serverCPUMicroseconds: Double?
        var clientCPUMicroseconds = 0.0
        var roundTrips = 0
        var prepares = 0
        var preparedExecutions = 0

        static func + (lhs: Sample, rhs: Sample) -> Sample {
            var sum = lhs
            sum.wallMicroseconds += rhs.wallMicroseconds
            if let left = lhs.serverCPUMicroseconds, let right = rhs.serverCPUMicroseconds {
                sum.serverCPUMicroseconds = left + right
            } else {
                sum.serverCPUMicroseconds = nil
            }
            sum.clientCPUMicroseconds += rhs.clientCPUMicroseconds
            sum.roundTrips += rhs.roundTrips
            sum.prepares += rhs.prepares
            sum.preparedExecutions += rhs.preparedExecutions
            return sum
        }
    }

    func testPreparedStatementsKeepOneRoundTripPerStatementAndSaveServerWork() async throws {
        try IntegrationEnvironment.requireServers()
        let runs = ProcessInfo.processInfo.environment["HROMADA_TEST_STATEMENT_RUNS"].flatMap { Int($0) } ?? 2_000
        try await TestDatabase.using(schema: "intake") { try await measure($0, runs: runs) }
    }

    /// The server memory a prepared statement holds (its plan source, query tree and plan), so the
    /// cache's bound can be turned into bytes per connection: 256 × this at the very most.
    func testAPreparedStatementHoldsLittleServerMemory() async throws {
        try IntegrationEnvironment.requireServers()
        try await TestDatabase.using(schema: "intake") { database in
            // A superuser may read its own backend's memory contexts.
            let perStatement = try await database.adminClient(poolSize: 1).withConnection { connection in
                try connection.executeScript(
                    """
                    CREATE TABLE appeals (
                        id uuid PRIMARY KEY, number text UNIQUE, kind text NOT NULL, category text NOT NULL,
                        subject text NOT NULL, author text, registered_at timestamptz NOT NULL, confidential boolean)
                    """)
                let planMemory: PostgresQuery = """
                    SELECT coalesce(sum(total_bytes), 0)::bigint FROM pg_backend_memory_contexts
                    WHERE name IN ('CachedPlan', 'CachedPlanSource', 'CachedPlanQuery')
                    """
                let before = try connection.query(planMemory).first!.decode(0, as: Int.self)
                let statements = 50
                for number in 0..<statements {
                    for _ in 0..<8 {  // past the 5 custom plans, so a generic plan is cached too
                        var insert = PostgresQuery(
                            stringLiteral: """
                                INSERT INTO appeals (id, number, kind, category, subject, author, registered_at,
                                    confidential) VALUES ($1, $2, $3, $4, $5, $6, $7, $8 OR \(number) < 0)
                                ON CONFLICT DO NOTHING
                                """)
                        insert.binds = [
                            PostgresBind(UUID()), PostgresBind(UUID().uuidString), PostgresBind("complaint"),
                            PostgresBind("heating"), PostgresBind("subject"), PostgresBind(nil as String?),
                            PostgresBind(Date()), PostgresBind(false),
                        ]
                        try connection.execute(insert)
                        var select = PostgresQuery(
                            stringLiteral: """
                                SELECT id, number, kind, category, subject, author, registered_at, confidential
                                FROM appeals WHERE id = $1 AND \(number) >= 0
                                """)
                        select.binds = [PostgresBind(UUID())]
                        try connection.query(select)
                    }
                }
                XCTAssertEqual(connection.libpq.preparedStatementCount, 2 * statements)
                let after = try connection.query(planMemory).first!.decode(0, as: Int.self)
                return (after - before) / (2 * statements)
            }
            print("[measure] server memory per prepared statement (INSERT 8 binds / SELECT by id): \(perStatement) B")
            XCTAssertGreaterThan(perStatement, 0)
            XCTAssertLessThan(perStatement, 64 * 1024, "256 of them stay well under 16 MB per connection")
        }
    }

    private func measure(_ database: TestDatabase, runs: Int) async throws {
        var results: [Int: (insert: Sample, select: Sample)] = [:]
        // A warm-up round of each mode, then off, on, on, off (so a drift of the machine's load or of the
        // server's state over time weighs on both modes alike); each mode's two rounds are summed.
        for (round, cacheSize) in [0, 256, 0, 256, 256, 0].enumerated() {
            var configuration = PostgresConfiguration(
                connectionString: database.connectionString(role: database.role), poolSize: 1,
                searchPath: database.schema, applicationName: "hromada-measure")
            configuration.preparedStatementCacheSize = cacheSize
            let client = PostgresClient(configuration: configuration, logger: Logger(label: "measure"))
            try await client.execute("DROP TABLE IF EXISTS appeals")
            try await client.execute(
                """
                CREATE TABLE appeals (
                    id uuid PRIMARY KEY, number text UNIQUE, kind text NOT NULL, category text NOT NULL,
                    subject text NOT NULL, author text, registered_at timestamptz NOT NULL, confidential boolean)
                """)
            let ids = (0..<runs).map { _ in UUID() }
            let insert = try await Self.insertAll(client, ids: ids)
            let select = try await Self.selectAll(client, ids: ids)
            await client.close()
            guard round >= 2 else { continue }
            let sum = results[cacheSize].map { ($0.insert + insert, $0.select + select) } ?? (insert, select)
            results[cacheSize] = sum
        }
        for (cacheSize, mode) in [(0, "unnamed (PQexecParams)"), (256, "prepared (cache 256)")] {
            let sample = try XCTUnwrap(results[cacheSize])
            print(Self.line(mode: mode, statement: "INSERT 8 binds", sample.insert, runs: 2 * runs))
            print(Self.line(mode: mode, statement: "SELECT by id", sample.select, runs: 2 * runs))
        }
        let begin = try await Self.beginCommitPairs(database, runs: runs)
        print(Self.line(mode: "BEGIN + COMMIT, nothing in between", statement: "pair", begin, runs: runs))

        let unnamed = try XCTUnwrap(results[0])
        let prepared = try XCTUnwrap(results[256])
        // Round trips: one per statement either way, plus BEGIN/COMMIT per 100 inserts and one PQprepare
        // per statement text with the cache.
        let transactions = (runs + 99) / 100
        XCTAssertEqual(unnamed.insert.roundTrips, 2 * (runs + 2 * transactions))
        XCTAssertEqual(prepared.insert.roundTrips, 2 * (runs + 2 * transactions + 1))
        XCTAssertEqual(unnamed.select.roundTrips, 2 * runs)
        XCTAssertEqual(prepared.select.roundTrips, 2 * (runs + 1))
        XCTAssertEqual(unnamed.insert.prepares + unnamed.select.prepares, 0)
        XCTAssertEqual(prepared.insert.prepares, 2)
        XCTAssertEqual(prepared.select.prepares, 2)
        XCTAssertEqual(prepared.insert.preparedExecutions, 2 * (runs - 1))
        XCTAssertEqual(prepared.select.preparedExecutions, 2 * (runs - 1))
    }

    private static func line(mode: String, statement: String, _ sample: Sample, runs: Int) -> String {
        let wall = String(format: "%.1f", sample.wallMicroseconds / Double(runs))
        let server = sample.serverCPUMicroseconds.map { String(format: "%.1f", $0 / Double(runs)) } ?? "n/a"
        let client = String(format: "%.1f", sample.clientCPUMicroseconds / Double(runs))
        let trips = String(format: "%.3f", Double(sample.roundTrips) / Double(runs))
        return "[measure] \(mode) \(statement) x\(runs): \(wall) µs wall, \(server) µs server CPU, "
            + "\(client) µs client CPU (debug build), \(trips) round trips per statement"
    }

    private static func insertAll(_ client: PostgresClient, ids: [UUID]) async throws -> Sample {
        try await measured(client) { client in
            for start in stride(from: 0, to: ids.count, by: 100) {
                let chunk = Array(ids[start..<min(start + 100, ids.count)])
                try await client.withTransaction { connection in
                    let when = Date()
                    let author: String? = nil
                    for id in chunk {
                        try connection.execute(
                            """
                            INSERT INTO appeals (id, number, kind, category, subject, author, registered_at,
                                confidential)
                            VALUES (\(id), \(id.uuidString), \("complaint"), \("heating"),
                                \("Опалення не працює"), \(author), \(when), \(false))
                            """)
                    }
                }
            }
        }
    }

    private static func selectAll(_ client: PostgresClient, ids: [UUID]) async throws -> Sample {
        try await measured(client) { client in
            try await client.withConnection { connection in
                for id in ids {
                    let rows = try connection.query(
                        """
                        SELECT id, number, kind, category, subject, author, registered_at, confidential
                        FROM appeals WHERE id = \(id)
                        """)
                    guard rows.count == 1 else { throw PostgresError(code: .queryFailed, context: "row missing") }
                }
            }
        }
    }

    private static func beginCommitPairs(_ database: TestDatabase, runs: Int) async throws -> Sample {
        let client = database.client(poolSize: 1)
        return try await measured(client) { client in
            try await client.withConnection { connection in
                for _ in 0..<runs {
                    try connection.executeScript("BEGIN ISOLATION LEVEL READ COMMITTED")
                    try connection.executeScript("COMMIT")
                }
            }
        }
    }

    /// Runs `body`, reading the backend's CPU time and the connection's counters before and after.
    private static func measured(
        _ client: PostgresClient, _ body: (PostgresClient) async throws -> Void
    ) async throws -> Sample {
        let (pid, before) = try await client.withConnection { ($0.backendPID, $0.libpq.statistics) }
        let cpuBefore = ProcessCPU.microseconds(pid: pid)
        let clientBefore = ProcessCPU.ownMicroseconds()
        let start = DispatchTimeNanos.now()
        try await body(client)
        let wall = Double(DispatchTimeNanos.now() - start) / 1_000
        let clientAfter = ProcessCPU.ownMicroseconds()
        let cpuAfter = ProcessCPU.microseconds(pid: pid)
        let (samePID, after) = try await client.withConnection { ($0.backendPID, $0.libpq.statistics) }
        XCTAssertEqual(samePID, pid, "one connection throughout")
        var sample = Sample(wallMicroseconds: wall, clientCPUMicroseconds: clientAfter - clientBefore)
        if let cpuBefore, let cpuAfter { sample.serverCPUMicroseconds = cpuAfter - cpuBefore }
        sample.roundTrips = after.roundTrips - before.roundTrips
        sample.prepares = after.prepares - before.prepares
        sample.preparedExecutions = after.preparedExecutions - before.preparedExecutions
        return sample
    }
}
