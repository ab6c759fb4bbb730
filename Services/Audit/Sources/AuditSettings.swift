import Foundation
import HromadaRuntime

/// Settings of the audit service beyond the shared `ServiceConfiguration`. Read from the
/// environment by `fromEnvironment` (variables below); tests build them directly.
public struct AuditSettings: Sendable {
    /// "Now", injectable for tests.
    public var clock: @Sendable () -> Date
    /// A checkpoint every N entries (`HROMADA_AUDIT_CHECKPOINT_EVERY`, default 1000; 0 = never by count).
    public var checkpointEvery: Int64
    /// And at most this long after the last one when entries were added
    /// (`HROMADA_AUDIT_CHECKPOINT_SECONDS`, default 300; 0 = never by time).
    public var checkpointInterval: Duration
    /// SHA-256 hex hashes of tokens allowed to read trails, verify and export besides the bootstrap
    /// administrator token (`HROMADA_AUDIT_READER_TOKENS`, comma-separated hex hashes, e.g. from
    /// `printf %s "$token" | sha256sum`).
    public var readerTokenHashes: [String]
    /// Rows per query while verifying.
    public var verifyPageSize: Int
    /// Rows per query while exporting.
    public var exportPageSize: Int
    /// The owner role's connection (`HROMADA_AUDIT_MIGRATION_DATABASE_URL`): when set, the
    /// migrations run through it before the service connects as its own role, which may then only
    /// insert and read the log (see docs/SECURITY.md). Unset: the service role runs them itself.
    public var migrationDatabaseURL: String?
    /// The reports and open data (`HROMADA_OPEN_DATA_THRESHOLD`).
    public var reports = ReportSettings()

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        checkpointEvery: Int64 = 1000,
        checkpointInterval: Duration = .seconds(300),
        readerTokenHashes: [String] = [],
        verifyPageSize: Int = 5000,
        exportPageSize: Int = 1000
    ) {
        self.clock = clock
        self.checkpointEvery = checkpointEvery
        self.checkpointInterval = checkpointInterval
        self.readerTokenHashes = readerTokenHashes
        self.verifyPageSize = verifyPageSize
        self.exportPageSize = exportPageSize
    }

    public static func fromEnvironment(_ environment: [String: String]) throws -> AuditSettings {
        var settings = AuditSettings()
        let reader = EnvironmentReader(environment)
        if let every = reader.string(.auditCheckpointEvery) {
            guard let n = Int64(every), n >= 0 else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.auditCheckpointEvery.name, reason: "must be a whole number ≥ 0")
            }
            settings.checkpointEvery = n
        }
        if let seconds = reader.string(.auditCheckpointSeconds) {
            guard let n = Int64(seconds), n >= 0 else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.auditCheckpointSeconds.name, reason: "must be a whole number ≥ 0")
            }
            settings.checkpointInterval = .seconds(n)
        }
        if let tokens = reader.string(.auditReaderTokens) {
            let hashes = tokens.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
            guard hashes.allSatisfy({ $0.count == 64 && $0.allSatisfy(\.isHexDigit) }) else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.auditReaderTokens.name,
                    reason: "must be comma-separated SHA-256 hex hashes of tokens")
            }
            settings.readerTokenHashes = hashes
        }
        settings.migrationDatabaseURL = reader.string(.auditMigrationDatabaseURL)
        settings.reports = try ReportSettings.fromEnvironment(environment)
        return settings
    }
}
