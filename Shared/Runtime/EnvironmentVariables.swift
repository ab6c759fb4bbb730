import Foundation
import HromadaCore
import Logging

/// One environment variable a Hromada executable reads. `EnvironmentVariable.known` is the one
/// list of them: the README's configuration table, the compose and Kubernetes files and the
/// settings parsers must agree with it (RuntimeTests' `ConfigurationAgreementTests` checks the
/// README, the deploy files and every `"HROMADA_…"` name in the sources against it). A new
/// variable is added here first, then to the README's table.
public struct EnvironmentVariable: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    /// The executables that read it: service names (`intake`, …), or `hromadactl`.
    public let readers: [String]
    /// What it sets, and its default.
    public let meaning: String
    /// Fixed by ARCHITECTURE.md's "Environment" table (the external contract).
    public let isContract: Bool

    init(_ name: String, _ readers: [String], _ meaning: String, contract: Bool = false) {
        self.name = name
        self.readers = readers
        self.meaning = meaning
        self.isContract = contract
    }

    public var description: String { name }

    /// The four services.
    public static let services = ["intake", "routing", "notification", "audit"]
    /// The services that serve pages with a session (the web kit's settings).
    static let webServices = ["intake", "routing", "notification"]

    // MARK: Fixed by the contract

    public static let amqpURL = EnvironmentVariable(
        "HROMADA_AMQP_URL", services + ["hromadactl"],
        "broker URL with this service's own user; `amqps://` = TLS; comma-separated URLs = cluster nodes",
        contract: true)
    public static let databaseURL = EnvironmentVariable(
        "HROMADA_DATABASE_URL", services, "libpq connection string or URI for this service's role", contract: true)
    public static let httpPort = EnvironmentVariable(
        "HROMADA_HTTP_PORT", services + ["hromadactl"], "HTTP port (8080–8083, console 8090)", contract: true)
    public static let httpHost = EnvironmentVariable(
        "HROMADA_HTTP_HOST", services, "address to listen on (`127.0.0.1` locally, `0.0.0.0` in containers)",
        contract: true)
    public static let logLevel = EnvironmentVariable(
        "HROMADA_LOG_LEVEL", services + ["hromadactl"], "trace … critical (info)", contract: true)
    public static let smtpURL = EnvironmentVariable(
        "HROMADA_SMTP_URL", ["notification"], "SMTP server (`smtp://127.0.0.1:2525`)", contract: true)
    public static let smsURL = EnvironmentVariable(
        "HROMADA_SMS_URL", ["notification"], "the SMS gateway's `sendsms` URL", contract: true)
    public static let rabbitMQAPI = EnvironmentVariable(
        "HROMADA_RABBITMQ_API", ["hromadactl"], "management API as the monitoring user", contract: true)

    // MARK: Every service (ServiceConfiguration)

    public static let adminToken = EnvironmentVariable(
        "HROMADA_ADMIN_TOKEN", services + ["hromadactl"], "bootstrap administrator token (stored hashed)")
    public static let databasePoolSize = EnvironmentVariable(
        "HROMADA_DATABASE_POOL_SIZE", services, "PostgreSQL pool size (8)")
    public static let prefetch = EnvironmentVariable("HROMADA_PREFETCH", services, "consumer prefetch (300)")
    public static let retentionDays = EnvironmentVariable(
        "HROMADA_RETENTION_DAYS", services,
        "days processed message ids are kept in the inbox (14; more than the redelivery window plus a day)")

    // MARK: Web services (the web kit)

    public static let sessionSecret = EnvironmentVariable(
        "HROMADA_SESSION_SECRET", webServices, "hex secret of the session cookies; replicas must share it")
    public static let publicURL = EnvironmentVariable(
        "HROMADA_PUBLIC_URL", webServices, "the address users reach the service at; links are built from it")

    // MARK: One service each

    public static let intakeIdempotencyRetentionHours = EnvironmentVariable(
        "HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS", ["intake"], "hours an `Idempotency-Key` is remembered (48)")
    public static let smtpFrom = EnvironmentVariable("HROMADA_SMTP_FROM", ["notification"], "sender address")
    public static let smtpRetryDelays = EnvironmentVariable(
        "HROMADA_SMTP_RETRY_DELAYS", ["notification"], "comma-separated seconds between tries")
    public static let smtpMaxAttempts = EnvironmentVariable(
        "HROMADA_SMTP_MAX_ATTEMPTS", ["notification"], "tries of one email")
    public static let smtpLeaseSeconds = EnvironmentVariable(
        "HROMADA_SMTP_LEASE_SECONDS", ["notification"],
        "seconds a sender's claim on an email or SMS lasts unless renewed; after a crash, the wait before "
            + "another sender takes it over (180)")
    public static let trackingURL = EnvironmentVariable(
        "HROMADA_TRACKING_URL", ["notification"], "tracking link in residents' emails")
    public static let routingWatchIntervalMilliseconds = EnvironmentVariable(
        "HROMADA_ROUTING_WATCH_INTERVAL_MS", ["routing"], "deadline watcher period")
    public static let routingAutoCloseDays = EnvironmentVariable(
        "HROMADA_ROUTING_AUTO_CLOSE_DAYS", ["routing"], "days after an undisputed answer before a ticket closes")
    public static let auditCheckpointEvery = EnvironmentVariable(
        "HROMADA_AUDIT_CHECKPOINT_EVERY", ["audit"], "a checkpoint every N entries (1000)")
    public static let auditCheckpointSeconds = EnvironmentVariable(
        "HROMADA_AUDIT_CHECKPOINT_SECONDS", ["audit"], "and at most this many seconds apart (300)")
    public static let auditReaderTokens = EnvironmentVariable(
        "HROMADA_AUDIT_READER_TOKENS", ["audit"], "comma-separated SHA-256 hex hashes of tokens allowed to read trails")
    public static let auditMigrationDatabaseURL = EnvironmentVariable(
        "HROMADA_AUDIT_MIGRATION_DATABASE_URL", ["audit"],
        "the audit schema owner's connection, used only to run migrations (unset: the service role runs them)")
    public static let sealingKeys = EnvironmentVariable(
        "HROMADA_SEALING_KEYS", services,
        "keys sealing personal fields on the bus: `<id>:<base64url 32 bytes>`, comma-separated, "
            + "current first (required)")
    public static let operatorToken = EnvironmentVariable(
        "HROMADA_OPERATOR_TOKEN", ["hromadactl"], "operators' dashboard login")
    public static let trustedProxies = EnvironmentVariable(
        "HROMADA_TRUSTED_PROXIES", services + ["hromadactl"],
        "comma-separated addresses or CIDRs whose X-Forwarded-For is believed (none)")
    public static let intakeURL = EnvironmentVariable(
        "HROMADA_INTAKE_URL", ["hromadactl", "notification", "routing"],
        "where intake is; notification: the librarian's form its centre pages link back to; "
            + "routing: intake's public address, which officials' browsers fetch appeals' photos from")
    public static let routingURL = EnvironmentVariable("HROMADA_ROUTING_URL", ["hromadactl"], "where routing is")
    public static let notificationURL = EnvironmentVariable(
        "HROMADA_NOTIFICATION_URL", ["hromadactl", "intake"],
        "where notification is; intake: the centre's notices the librarian's form links to")
    public static let auditURL = EnvironmentVariable("HROMADA_AUDIT_URL", ["hromadactl"], "where audit is")
    // Issue 19: how long residents' data lives (docs/RETENTION.md).
    public static let appealRetentionYears = EnvironmentVariable(
        "HROMADA_APPEAL_RETENTION_YEARS", ["intake"],
        "years a closed appeal's file is kept, counted from 1 January after it closed; "
            + "then its personal data is erased (5)")
    public static let erasureSweepSeconds = EnvironmentVariable(
        "HROMADA_ERASURE_SWEEP_SECONDS", ["intake"], "seconds between retention sweeps (3600; 0 = no sweep)")
    // Issue 18: the open-data export (docs/OPEN-DATA.md).
    public static let openDataThreshold = EnvironmentVariable(
        "HROMADA_OPEN_DATA_THRESHOLD", ["audit"],
        "open-data cells (district × category × day) with fewer appeals are published suppressed (5)")

    // Issue 15: the key of the short-lived signed links to appeals' photos.
    public static let photoLinkKey = EnvironmentVariable(
        "HROMADA_PHOTO_LINK_KEY", ["intake", "routing"],
        "hex key (≥ 32 bytes) signing the short-lived links to appeals' photos; intake and routing share it")

    // Issue 15: the librarian's form's map (its tiles; the page works without them).
    public static let mapTileURL = EnvironmentVariable(
        "HROMADA_MAP_TILE_URL", ["intake"],
        "the map's tile server, {z}/{x}/{y} (and {s}) placeholders (https://tile.openstreetmap.org/{z}/{x}/{y}.png)")

    /// Every variable any Hromada executable reads.
    public static let known: [EnvironmentVariable] = [
        amqpURL, databaseURL, httpPort, httpHost, logLevel, smtpURL, smsURL, rabbitMQAPI,
        adminToken, databasePoolSize, prefetch, retentionDays,
        sessionSecret, publicURL,
        intakeIdempotencyRetentionHours,
        smtpFrom, smtpRetryDelays, smtpMaxAttempts, smtpLeaseSeconds, trackingURL,
        routingWatchIntervalMilliseconds, routingAutoCloseDays,
        auditCheckpointEvery, auditCheckpointSeconds, auditReaderTokens, auditMigrationDatabaseURL,
        operatorToken, intakeURL, routingURL, notificationURL, auditURL,
        trustedProxies,
        sealingKeys,
        appealRetentionYears, erasureSweepSeconds,
        openDataThreshold,
        photoLinkKey,
        mapTileURL,
    ]

    /// The known variable with this name.
    public static func named(_ name: String) -> EnvironmentVariable? { known.first { $0.name == name } }

    /// The known variables `executable` reads (`"intake"`, …, `"hromadactl"`).
    public static func read(by executable: String) -> [EnvironmentVariable] {
        known.filter { $0.readers.contains(executable) }
    }
}

/// Reads known variables from an environment and parses them, each in one line of a settings
/// parser. Empty or blank values count as unset. A value that cannot be used throws
/// `ConfigurationError` naming the variable and the reason, never echoing the value (it may be a
/// password inside a URL).
///
/// ```swift
/// let env = EnvironmentReader(configuration.environment)
/// if let url = env.string(.trackingURL) { settings.trackingURL = url }
/// if let n = try env.integer(.smtpMaxAttempts, in: 1...100) { settings.maxAttempts = n }
/// ```
public struct EnvironmentReader: Sendable {
    public let environment: [String: String]

    public init(_ environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The trimmed value, nil when unset or blank. A line break at either end goes too: a value
    /// taken from a file (a Kubernetes secret made with `--from-file`) often ends with one.
    public func string(_ variable: EnvironmentVariable) -> String? {
        guard let value = environment[variable.name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty
        else {
            return nil
        }
        return value
    }

    /// A whole number within `range`.
    public func integer(_ variable: EnvironmentVariable, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(variable) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: variable.name, reason: "must be a whole number \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }

    /// A whole number of `unit`s (e.g. `.seconds(1)`, `.milliseconds(1)`, `.seconds(86_400)` for
    /// days) within `range`, as a duration.
    public func duration(_ variable: EnvironmentVariable, unit: Duration, in range: ClosedRange<Int>) throws
        -> Duration?
    {
        try integer(variable, in: range).map { unit * $0 }
    }

    /// Comma-separated items, trimmed, empty items dropped; nil when unset.
    public func list(_ variable: EnvironmentVariable) -> [String]? {
        string(variable).map { text in
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// A URL whose scheme is one of `schemes` (lower-case, without `://`).
    public func url(_ variable: EnvironmentVariable, schemes: [String]) throws -> String? {
        guard let text = string(variable) else { return nil }
        let scheme = text.split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
        guard text.contains("://"), schemes.contains(scheme) else {
            let allowed = schemes.map { "\($0)://" }.joined(separator: " or ")
            throw ConfigurationError(variable: variable.name, reason: "must start with \(allowed)")
        }
        return text
    }

    /// A log level by its swift-log name (`info`, `warning`, …), in either case.
    public func logLevel(_ variable: EnvironmentVariable = .logLevel) throws -> Logger.Level? {
        guard let text = string(variable) else { return nil }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            let names = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: variable.name, reason: "must be one of \(names)")
        }
        return level
    }

    /// A secret given as hex (`openssl rand -hex 32`) of at least `minimumBytes` bytes.
    public func hexSecret(_ variable: EnvironmentVariable, minimumBytes: Int = 32) throws -> [UInt8]? {
        guard let text = string(variable) else { return nil }
        guard let bytes = HexCoding.decode(text), bytes.count >= minimumBytes else {
            throw ConfigurationError(variable: variable.name, reason: "must be hex of at least \(minimumBytes) bytes")
        }
        return bytes
    }
}
