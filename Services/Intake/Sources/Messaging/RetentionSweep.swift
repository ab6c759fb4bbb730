import Foundation
import HromadaContracts
import HromadaRuntime
import Logging
import ServiceLifecycle

/// The retention period's trigger: every `interval` it erases the appeals whose retention ended
/// (`RetentionPolicy`), in batches of `batchSize`, each batch one transaction. Safe with several
/// replicas (rows being erased by another are skipped) and resumable after a crash (an erasure
/// is committed or not at all; the next sweep finds what is left).
public struct RetentionSweep: Service {
    public struct Settings: Sendable, Equatable {
        public var policy: RetentionPolicy
        /// Zero: no sweep.
        public var interval: Duration
        public var initialDelay: Duration
        public var batchSize: Int

        public init(
            policy: RetentionPolicy = .legal, interval: Duration = .seconds(3600),
            initialDelay: Duration = .seconds(30),
            batchSize: Int = 200
        ) {
            self.policy = policy
            self.interval = interval
            self.initialDelay = initialDelay
            self.batchSize = batchSize
        }

        /// `HROMADA_APPEAL_RETENTION_YEARS` (1–100, default 5) and `HROMADA_ERASURE_SWEEP_SECONDS`
        /// (0–86400, default 3600) over the defaults.
        public static func fromEnvironment(_ environment: [String: String]) throws -> Settings {
            let reader = EnvironmentReader(environment)
            var settings = Settings()
            if let years = try reader.integer(EnvironmentVariable.appealRetentionYears, in: 1...100) {
                settings.policy = RetentionPolicy(years: years)
            }
            if let seconds = try reader.integer(EnvironmentVariable.erasureSweepSeconds, in: 0...86_400) {
                settings.interval = .seconds(seconds)
                // A short interval (tests, a catch-up) also starts the first sweep sooner.
                settings.initialDelay = min(settings.initialDelay, settings.interval)
            }
            return settings
        }
    }

    let store: IntakeStore
    let settings: Settings
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(store: IntakeStore, settings: Settings, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.store = store
        self.settings = settings
        self.clock = clock
        self.logger = logger
    }

    /// Erases every appeal past its retention now; returns how many.
    @discardableResult
    public func sweepOnce() async throws -> Int {
        let now = clock()
        let closedBefore = settings.policy.closedBefore(today: LocalDate(date: now))
        var total = 0
        while !Task.isCancelled {
            let batch = try await store.sweepRetention(closedBefore: closedBefore, limit: settings.batchSize, at: now)
            total += batch.erased
            // A full batch may have had more behind it, even when another sweep had erased some of it
            // meanwhile; a short one means nothing is left that no other sweep holds.
            if batch.locked < settings.batchSize { break }
        }
        if total > 0 { logger.info("retention sweep erased appeals", metadata: ["erasure.count": "\(total)"]) }
        return total
    }

    public func run() async throws {
        guard settings.interval > .zero else { return }
        await runPeriodically(
            initialDelay: settings.initialDelay, interval: settings.interval, logger: logger,
            failure: "retention sweep failed; trying again at the next interval"
        ) { try await sweepOnce() }
    }
}
