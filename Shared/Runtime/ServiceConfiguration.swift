import Logging

/// Everything a Hromada service needs to start. Every field has a default so tests can build one
/// in a line; reading the environment lives in `ServiceConfiguration+Environment.swift`.
public struct ServiceConfiguration: Sendable {
    /// `intake`, `routing`, `notification` or `audit`: also the PostgreSQL schema the service owns
    /// and the `producer` written into every envelope it publishes (`hromada-<name>`).
    public var serviceName: String
    public var httpHost: String
    public var httpPort: Int
    public var amqpURL: String
    /// A libpq conninfo string or URI, passed through unchanged (multi-host failover, sslmode).
    public var databaseURL: String
    public var databasePoolSize: Int
    public var logLevel: Logger.Level
    /// How many unacknowledged deliveries the broker may push to each consumer.
    public var prefetch: UInt16
    /// Bootstrap administrator token (`HROMADA_ADMIN_TOKEN`). Stored hashed by the services that
    /// accept it; never logged.
    public var adminToken: String?
    /// The service's own version, reported by /health/live and `hromadactl status`.
    public var version: String
    /// How long processed message ids stay in the inbox (`HROMADA_RETENTION_DAYS`, 14 days): the
    /// `Sweeper`'s retention, longer than any redelivery.
    public var retention: Duration
    /// The raw environment, for settings that belong to one service only.
    public var environment: [String: String]

    public init(
        serviceName: String,
        httpHost: String = "0.0.0.0",
        httpPort: Int,
        amqpURL: String = ServiceConfiguration.defaultAMQPURL,
        databaseURL: String? = nil,
        databasePoolSize: Int = 8,
        logLevel: Logger.Level = .info,
        prefetch: UInt16 = 300,
        adminToken: String? = nil,
        version: String = ServiceConfiguration.hromadaVersion,
        environment: [String: String] = [:],
        retention: Duration = .seconds(14 * 86_400)
    ) {
        self.serviceName = serviceName
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL ?? ServiceConfiguration.defaultDatabaseURL(service: serviceName)
        self.databasePoolSize = databasePoolSize
        self.logLevel = logLevel
        self.prefetch = prefetch
        self.adminToken = adminToken
        self.version = version
        self.environment = environment
        self.retention = retention
    }

    public static let hromadaVersion = "0.1.0"
    public static let defaultAMQPURL = "amqp://guest:guest@127.0.0.1:5672/%2f"

    /// The local default: the service's own role on database `hromada` (deploy/local creates it).
    public static func defaultDatabaseURL(service: String) -> String {
        "postgresql://hromada_\(service):hromada_\(service)@127.0.0.1:5432/hromada"
    }

    /// Default HTTP ports fixed by ARCHITECTURE.md.
    public static let defaultPorts: [String: Int] = [
        "intake": 8080, "routing": 8081, "notification": 8082, "audit": 8083, "console": 8090,
    ]

    /// The `producer` / `app_id` of everything this service publishes.
    public var producer: String { "hromada-\(serviceName)" }
    /// The PostgreSQL schema the service owns (same as its name).
    public var schema: String { serviceName }
}
