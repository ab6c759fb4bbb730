import Foundation
import HromadaRuntime
import HromadaWeb

/// Every setting routing reads beyond the runtime's `ServiceConfiguration`, parsed in one place.
/// "Now" is injectable so tests can check deadlines and windows without waiting.
public struct RoutingSettings: Sendable {
    public var clock: @Sendable () -> Date
    /// How often the deadline watcher looks (default 60 s).
    public var watcherInterval: Duration
    public var watcherBatchSize: Int
    /// Answered tickets not disputed within this many days are closed by the system.
    public var autoCloseDays: Int
    public var runWatcher: Bool
    /// The web inbox's public URL and session secret; nil = the local default for the service's
    /// port (`http://127.0.0.1:<port>`, a random secret per process).
    public var web: WebSettings?

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        watcherInterval: Duration = .seconds(60),
        watcherBatchSize: Int = 200,
        autoCloseDays: Int = 10,
        runWatcher: Bool = true,
        web: WebSettings? = nil
    ) {
        self.clock = clock
        self.watcherInterval = watcherInterval
        self.watcherBatchSize = watcherBatchSize
        self.autoCloseDays = autoCloseDays
        self.runWatcher = runWatcher
        self.web = web
    }

    /// The variables routing reads itself (the runtime reads the README's common ones).
    public static let variables = [
        "HROMADA_ROUTING_WATCH_INTERVAL_MS", "HROMADA_ROUTING_AUTO_CLOSE_DAYS", "HROMADA_PUBLIC_URL", "HROMADA_SESSION_SECRET",
    ]

    /// `HROMADA_ROUTING_WATCH_INTERVAL_MS` (≥ 50), `HROMADA_ROUTING_AUTO_CLOSE_DAYS` (≥ 1), and through
    /// the web kit `HROMADA_PUBLIC_URL` and `HROMADA_SESSION_SECRET` (hex, ≥ 32 bytes). A bad value is
    /// an error naming the variable.
    public static func fromEnvironment(_ environment: [String: String], httpPort: Int = 8081) throws -> RoutingSettings {
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
        settings.web = try WebSettings.fromEnvironment(service: "routing", port: httpPort, environment: environment)
        return settings
    }
}
