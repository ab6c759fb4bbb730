import Foundation
import HromadaRuntime
import HromadaWeb

/// Every setting the intake service reads, parsed in one place. The variables shared by all
/// services (`HROMADA_AMQP_URL`, `HROMADA_DATABASE_URL`, …) are `ServiceConfiguration`'s; these
/// are intake's own:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `HROMADA_PUBLIC_URL` | `http://127.0.0.1:<port>` | where residents reach intake: receipt links, origins |
/// | `HROMADA_SESSION_SECRET` | random per process | hex, ≥ 32 bytes: signs the session cookie; replicas share it |
/// | `HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS` | 48 | how long an `Idempotency-Key` is remembered |
/// | `HROMADA_MAP_TILE_URL` | OpenStreetMap's tiles | the form's map tiles (`MapSettings`) |
/// | `HROMADA_APPEAL_RETENTION_YEARS` | 5 | years an appeal is kept after its year closed (`RetentionSweep`) |
/// | `HROMADA_ERASURE_SWEEP_SECONDS` | 3600 | how often the retention sweep runs; 0: never |
///
/// A value that cannot be used is an error naming the variable, never a silent default.
public struct IntakeSettings: Sendable {
    /// "Now": injectable so tests can check registration days and windows without waiting.
    /// Sessions follow the wall clock, never this one.
    public var clock: @Sendable () -> Date
    /// Largest accepted request body.
    public var maxBodyBytes: Int
    /// The pages' settings (public URL, session secret and lifetimes; cookie `hromada_intake`).
    public var web: WebSettings
    /// How long an idempotency key is remembered: longer than any client's retry window (and than
    /// the broker's redelivery window plus a day, which the sweeper checks at start).
    public var idempotencyRetention: Duration
    /// The form's map: its tile server (`HROMADA_MAP_TILE_URL`) and Debian's Leaflet.
    public var map = MapSettings()
    /// Where the centre's notices (notification) are reached (`HROMADA_NOTIFICATION_URL`): the form's
    /// header links them. Never built from the request's `Host`.
    public var notificationURL: PublicURL = .local(port: 8082)
    /// Photos of appeals: upload rules and the signed links' key (`HROMADA_PHOTO_LINK_KEY`).
    public var photos = PhotoSettings()
    /// How long appeals are kept and how often the sweep erases those past it
    /// (`HROMADA_APPEAL_RETENTION_YEARS`, `HROMADA_ERASURE_SWEEP_SECONDS`).
    public var retention = RetentionSweep.Settings()

    public static let service = "intake"
    public static let defaultIdempotencyRetentionHours = 48

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        maxBodyBytes: Int = 64 * 1024,
        web: WebSettings = .local(service: IntakeSettings.service, port: 8080),
        idempotencyRetention: Duration = .seconds(defaultIdempotencyRetentionHours * 3600)
    ) {
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.web = web
        self.idempotencyRetention = idempotencyRetention
    }

    /// Reads intake's variables from `configuration.environment` over the defaults.
    public static func fromEnvironment(configuration: ServiceConfiguration) throws -> IntakeSettings {
        let environment = EnvironmentReader(configuration.environment)
        var settings = IntakeSettings(
            web: try WebSettings.fromEnvironment(
                service: service, port: configuration.httpPort, environment: configuration.environment))
        let retention = EnvironmentVariable.intakeIdempotencyRetentionHours
        if let hours = try environment.duration(retention, unit: .seconds(3600), in: 1...24 * 3650) {
            // The sweeper refuses a retention shorter than a redelivery can take; say so by name.
            guard hours > Sweeper.minimumRetention else {
                throw ConfigurationError(
                    variable: retention.name, reason: "must be longer than the broker's redelivery window plus a day")
            }
            settings.idempotencyRetention = hours
        }
        settings.photos = try PhotoSettings.fromEnvironment(configuration.environment)
        if let url = environment.string(.notificationURL) {
            settings.notificationURL = try PublicURL(url, variable: EnvironmentVariable.notificationURL.name)
        }
        settings.map = try MapSettings.fromEnvironment(configuration.environment)
        settings.retention = try RetentionSweep.Settings.fromEnvironment(configuration.environment)
        return settings
    }
}
