import Foundation
import HromadaRuntime

/// Settings that belong to routing only. "Now" is injectable so tests can check deadlines and
/// windows without waiting.
public struct RoutingSettings: Sendable {
    public var clock: @Sendable () -> Date
    /// How often the deadline watcher looks (default 60 s).
    public var watcherInterval: Duration
    public var watcherBatchSize: Int
    /// Answered tickets not disputed within this many days are closed by the system.
    public var autoCloseDays: Int
    public var runWatcher: Bool
    /// HMAC key for web sessions; nil = 32 random bytes per process (sessions end with the process
    /// and are not shared between replicas: an official logs in again).
    public var sessionSecret: [UInt8]?
    public var sessionLifetime: TimeInterval

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        watcherInterval: Duration = .seconds(60),
        watcherBatchSize: Int = 200,
        autoCloseDays: Int = 10,
        runWatcher: Bool = true,
        sessionSecret: [UInt8]? = nil,
        sessionLifetime: TimeInterval = 8 * 3600
    ) {
        self.clock = clock
        self.watcherInterval = watcherInterval
        self.watcherBatchSize = watcherBatchSize
        self.autoCloseDays = autoCloseDays
        self.runWatcher = runWatcher
        self.sessionSecret = sessionSecret
        self.sessionLifetime = sessionLifetime
    }

    /// `HROMADA_ROUTING_WATCH_INTERVAL_MS`, `HROMADA_ROUTING_AUTO_CLOSE_DAYS`, `HROMADA_SESSION_SECRET` (hex).
    public static func fromEnvironment(_ environment: [String: String]) throws -> RoutingSettings {
        var settings = RoutingSettings()
        if let value = environment["HROMADA_ROUTING_WATCH_INTERVAL_MS"], !value.isEmpty {
            guard let ms = Int(value), ms >= 50 else {
                throw ConfigurationError(variable: "HROMADA_ROUTING_WATCH_INTERVAL_MS", reason: "must be a number of milliseconds ≥ 50")
            }
            settings.watcherInterval = .milliseconds(ms)
        }
        if let value = environment["HROMADA_ROUTING_AUTO_CLOSE_DAYS"], !value.isEmpty {
            guard let days = Int(value), days >= 1 else {
                throw ConfigurationError(variable: "HROMADA_ROUTING_AUTO_CLOSE_DAYS", reason: "must be a number of days ≥ 1")
            }
            settings.autoCloseDays = days
        }
        if let value = environment["HROMADA_SESSION_SECRET"], !value.isEmpty {
            let bytes = Array(value.utf8)
            guard bytes.count >= 32 else {
                throw ConfigurationError(variable: "HROMADA_SESSION_SECRET", reason: "must have at least 32 characters")
            }
            settings.sessionSecret = bytes
        }
        return settings
    }
}

