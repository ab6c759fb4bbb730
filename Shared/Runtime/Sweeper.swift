import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Deletes rows past their retention from the tables that would otherwise grow without bound:
/// the inbox of processed message ids (registered by the runtime) and whatever a service
/// registers, e.g. intake's idempotency keys:
///
/// ```swift
/// try runtime.sweeper.register(table: "idempotency_keys", timestampColumn: "created_at")
/// ```
///
/// Every `interval` it deletes, per table, the rows whose timestamp column is older than the
/// retention, in bounded batches (`FOR UPDATE SKIP LOCKED`), so several replicas sweeping at once
/// neither block each other nor hold long locks. The retention must outlast every redelivery of a
/// message (`minimumRetention`): the inbox must still know an id when the message comes again.
public final class Sweeper: Service, Sendable {
    public struct Settings: Sendable {
        /// How long rows are kept (`HROMADA_RETENTION_DAYS`, default 14 days).
        public var retention: Duration = .seconds(14 * 86_400)
        /// Time between sweeps.
        public var interval: Duration = .seconds(3600)
        /// The first sweep, this long after the start (so a start is not slowed by it).
        public var initialDelay: Duration = .seconds(10)
        /// Rows deleted per statement.
        public var batchSize: Int = 5000
        public init() {}
    }

    /// A table the sweeper prunes.
    public struct Table: Sendable, Hashable {
        public let name: String
        public let timestampColumn: String
        /// nil: the sweeper's retention.
        public let retention: Duration?
    }

    /// The longest a message can come back after it was first handled (`Topology.retryPolicy`'s
    /// delays) plus a day's margin for a consumer that held it, a broker restart, an outbox lease.
    /// Retentions must be longer.
    public static let minimumRetention: Duration = Topology.retryPolicy.redeliveryWindow + .seconds(86_400)

    public let settings: Settings
    private let database: PostgresClient
    private let logger: Logger
    private let registered: Mutex<[Table]>
    private let deleted: Counter

    /// A sweeper of the inbox. Throws `ConfigurationError` when `settings.retention` is not
    /// longer than `minimumRetention` or a batch size is below 1.
    public init(database: PostgresClient, service: String, settings: Settings = Settings(), logger: Logger) throws {
        try Self.validate(retention: settings.retention, variable: EnvironmentVariable.retentionDays.name)
        guard settings.batchSize >= 1 else {
            throw ConfigurationError(variable: "Sweeper.Settings.batchSize", reason: "must be at least 1")
        }
        self.settings = settings
        self.database = database
        self.logger = logger
        self.registered = Mutex([Table(name: "inbox", timestampColumn: "received_at", retention: nil)])
        self.deleted = Counter(label: "hromada_swept_rows_total", dimensions: [("service", service)])
    }

    static func validate(retention: Duration, variable: String) throws {
        guard retention > minimumRetention else {
            throw ConfigurationError(
                variable: variable,
                reason: "must be longer than the longest redelivery window (retry delays) plus a day")
        }
    }

    /// Adds a table whose rows older than `retention` (default: the sweeper's; at least an hour,
    /// longer than any client's retry of the request the row remembers) are deleted.
    /// `table` and `timestampColumn` are plain lower-case SQL identifiers in the service's schema
    /// (anything else throws); index the column, it is what each sweep searches by.
    public func register(table: String, timestampColumn: String, retention: Duration? = nil) throws {
        for (what, identifier) in [("table", table), ("timestampColumn", timestampColumn)] {
            guard Self.isPlainIdentifier(identifier) else {
                throw ConfigurationError(
                    variable: "Sweeper.register(\(what))", reason: "must be a lower-case SQL identifier")
            }
        }
        if let retention, retention < .seconds(3600) {
            throw ConfigurationError(
                variable: "Sweeper.register(retention) for \(table)", reason: "must be at least an hour")
        }
        let entry = Table(name: table, timestampColumn: timestampColumn, retention: retention)
        registered.withLock { tables in
            tables.removeAll { $0.name == table }
            tables.append(entry)
        }
    }

    /// The tables swept, the inbox first.
    public var tables: [Table] { registered.withLock { $0 } }

    static func isPlainIdentifier(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63,
            !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else {
            return false
        }
        return name.utf8.allSatisfy { c in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
                || c == UInt8(ascii: "_")
        }
    }

    /// One pass over every table; returns the rows deleted per table.
    @discardableResult
    public func sweepOnce() async throws -> [String: Int] {
        var result: [String: Int] = [:]
        for table in tables {
            result[table.name] = try await sweep(table)
        }
        return result
    }

    private func sweep(_ table: Table) async throws -> Int {
        let retention = table.retention ?? settings.retention
        let seconds = Double(retention.components.seconds)
        // Identifiers checked by `register`; the values are binds.
        var statement = PostgresQuery(
            stringLiteral: """
                DELETE FROM \(table.name) WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM \(table.name)
                    WHERE \(table.timestampColumn) < now() - make_interval(secs => $1)
                    LIMIT $2 FOR UPDATE SKIP LOCKED))
                """)
        statement.binds = [PostgresBind(seconds), PostgresBind(settings.batchSize)]
        var total = 0
        while true {
            let count = try await database.execute(statement)
            total += count
            if count > 0 { deleted.increment(by: count) }
            if count < settings.batchSize || Task.isCancelled { break }
        }
        if total > 0 {
            logger.info("swept old rows", metadata: ["sweeper.table": "\(table.name)", "sweeper.rows": "\(total)"])
        }
        return total
    }

    public func run() async throws {
        await runPeriodically(
            initialDelay: settings.initialDelay, interval: settings.interval, logger: logger,
            failure: "sweep failed; trying again at the next interval"
        ) { try await sweepOnce() }
    }
}
