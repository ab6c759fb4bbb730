import Logging
import Metrics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One open connection. Only used inside a `withConnection`/`withTransaction` closure, on the
/// connection's own thread; not Sendable, never stored outside the closure.
public final class PostgresConnection {
    let libpq: LibPQConnection
    let instruments: PostgresInstruments
    var logger: Logger
    private var savepointDepth = 0

    init(libpq: LibPQConnection, instruments: PostgresInstruments, logger: Logger) {
        self.libpq = libpq
        self.instruments = instruments
        self.logger = logger
    }

    /// The server process id of this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { libpq.backendPID }

    /// False once libpq saw the connection break; the pool replaces it after the closure returns.
    public var isOpen: Bool { libpq.isOpen }

    /// Runs one statement with its binds; returns every row (text format, copied). A statement that runs
    /// again on this connection is sent as a prepared statement (`PostgresConfiguration.preparedStatementCacheSize`);
    /// rows and errors are the same either way.
    @discardableResult
    public func query(_ query: PostgresQuery) throws -> PostgresRows {
        try measured("query") { try libpq.execute(query.sql, binds: query.binds) }
    }

    /// Runs one statement; returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Several statements separated by `;`, no parameters (schema migrations written in code).
    public func executeScript(_ sql: StaticString) throws {
        try executeScript(sql.description)
    }

    /// Several statements separated by `;`, no parameters. For migration files shipped as resources
    /// only: the text is sent as is, so it must NEVER contain input from outside the program.
    public func executeScript(_ sql: String) throws {
        try measured("script") { try libpq.executeScript(sql) }
    }

    /// Runs `body` between `SAVEPOINT` and `RELEASE SAVEPOINT`; if `body` throws, rolls back to the
    /// savepoint (the enclosing transaction stays usable) and rethrows. Only inside a transaction.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        let name = "hromada_sp_\(savepointDepth)"
        try executeScript("SAVEPOINT \(name)")
        do {
            let result = try body()
            try executeScript("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            if libpq.isOpen {
                try? libpq.executeScript("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
            }
            throw error
        }
    }

    // MARK: Transactions (used by PostgresClient.withTransaction)

    func begin(_ isolation: PostgresIsolation) throws {
        try executeScript("BEGIN ISOLATION LEVEL \(isolation.sql)")
    }

    /// Commits; a transaction whose statement failed (and whose error the body swallowed) is rolled
    /// back and reported as `transactionAborted`, never silently "committed".
    func commit() throws {
        if libpq.transactionStatus == .inError {
            try? libpq.executeScript("ROLLBACK")
            throw PostgresError(
                code: .transactionAborted, context: "a statement in the transaction failed; rolled back")
        }
        try executeScript("COMMIT")
    }

    func rollbackIgnoringErrors() {
        guard libpq.isOpen else { return }
        switch libpq.transactionStatus {
        case .inTransaction, .inError: try? libpq.executeScript("ROLLBACK")
        default: break
        }
    }

    private func measured<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        let start = DispatchTimeNanos.now()
        do {
            let result = try body()
            instruments.duration(operation).recordNanoseconds(Int64(DispatchTimeNanos.now() - start))
            return result
        } catch let error as PostgresError {
            instruments.duration(operation).recordNanoseconds(Int64(DispatchTimeNanos.now() - start))
            instruments.failed(error)
            logger.debug("postgres statement failed", metadata: ["postgres.error": "\(error.safeDescription)"])
            throw error
        }
    }
}

@available(*, unavailable)
extension PostgresConnection: Sendable {}

public enum PostgresIsolation: Sendable {
    case readCommitted, repeatableRead, serializable

    var sql: String {
        switch self {
        case .readCommitted: return "READ COMMITTED"
        case .repeatableRead: return "REPEATABLE READ"
        case .serializable: return "SERIALIZABLE"
        }
    }
}

/// Metrics with labels that never carry SQL text or values.
struct PostgresInstruments: Sendable {
    let pool: String
    private let queryDuration: Timer
    private let scriptDuration: Timer

    init(pool: String) {
        self.pool = pool
        queryDuration = Timer(
            label: "hromada_postgres_query_duration", dimensions: [("pool", pool), ("operation", "query")])
        scriptDuration = Timer(
            label: "hromada_postgres_query_duration", dimensions: [("pool", pool), ("operation", "script")])
    }

    func duration(_ operation: String) -> Timer { operation == "script" ? scriptDuration : queryDuration }

    func failed(_ error: PostgresError) {
        Counter(
            label: "hromada_postgres_errors_total",
            dimensions: [("pool", pool), ("code", error.code.rawValue), ("sqlstate", error.sqlState ?? "")]
        ).increment()
    }

    func poolTimeout() {
        Counter(
            label: "hromada_postgres_errors_total",
            dimensions: [("pool", pool), ("code", PostgresError.Code.poolTimeout.rawValue), ("sqlstate", "")]
        ).increment()
    }

    func connected() {
        Counter(label: "hromada_postgres_connections_opened_total", dimensions: [("pool", pool)]).increment()
    }
}

enum DispatchTimeNanos {
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
