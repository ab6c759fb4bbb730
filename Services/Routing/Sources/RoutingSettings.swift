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
    /// Issue 15: the photo links' key and intake's public address (PhotoLinks.swift).
    public var photos = RoutingPhotoSettings()

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

    /// The variables routing reads itself, from the one list of known settings (the runtime reads
    /// the common ones into `ServiceConfiguration`).
    public static let variables: [EnvironmentVariable] = [
        .routingWatchIntervalMilliseconds, .routingAutoCloseDays, .publicURL, .sessionSecret,
        .photoLinkKey, .intakeURL,
    ]

    /// `HROMADA_ROUTING_WATCH_INTERVAL_MS` (50 ms to a day), `HROMADA_ROUTING_AUTO_CLOSE_DAYS` (1–3650),
    /// and through the web kit `HROMADA_PUBLIC_URL` and `HROMADA_SESSION_SECRET` (hex, ≥ 32 bytes).
    /// A bad value is an error naming the variable, never echoing the value.
    public static func fromEnvironment(_ environment: [String: String], httpPort: Int = 8081) throws -> RoutingSettings
    {
        let env = EnvironmentReader(environment)
        var settings = RoutingSettings()
        if let interval = try env.duration(
            .routingWatchIntervalMilliseconds, unit: .milliseconds(1), in: 50...86_400_000)
        {
            settings.watcherInterval = interval
        }
        if let days = try env.integer(.routingAutoCloseDays, in: 1...3650) {
            settings.autoCloseDays = days
        }
        settings.web = try WebSettings.fromEnvironment(service: "routing", port: httpPort, environment: environment)
        settings.photos = try RoutingPhotoSettings.fromEnvironment(environment)
        return settings
    }
}
