import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging
import Prometheus

/// `hromada-audit`: appends every event of `hromada.events` to a hash-chained, append-only log
/// (queue `hromada.audit`, bound to `#`), publishes periodic `audit.checkpoint` events, and serves
/// verification, trails, export and erasure over HTTP (port 8083).
///
/// Layout: `Domain/` the chain and the sealing of personal fields (pure), `Persistence/` the log
/// store and migrations (the only SQL), `Messaging/` the chain writer and the timed checkpoints,
/// `HTTP/` the API; this file only assembles them.
public enum AuditService {
    public static func build(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?
    ) async throws -> (runtime: ServiceRuntime, router: Router<WebRequestContext>) {
        try await build(
            configuration: configuration, settings: try AuditSettings.fromEnvironment(configuration.environment),
            logger: logger, metricsRegistry: metricsRegistry)
    }

    public static func build(
        configuration: ServiceConfiguration,
        settings: AuditSettings,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?,
        consumerSettings: EventConsumer.Settings? = nil
    ) async throws -> (runtime: ServiceRuntime, router: Router<WebRequestContext>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        if let ownerURL = settings.migrationDatabaseURL {
            try await migrateAsOwner(connectionString: ownerURL, logger: runtime.logger)
        }
        try await runtime.prepare(migrations: AuditMigrations.all + ReportMigrations.all)
        runtime.addConsumer(
            queue: Topology.Queue.audit.rawValue, bindings: ["#"],
            handler: AuditErasureStep(
                chain: AuditEventHandler(settings: settings, producer: configuration.producer),
                producer: configuration.producer, clock: settings.clock),
            settings: consumerSettings)
        if settings.checkpointInterval > .zero {
            runtime.addService(AuditCheckpointer(runtime: runtime, settings: settings))
        }
        runtime.addService(ReportBackfiller(runtime: runtime))
        let router = runtime.makeRouter(context: WebRequestContext.self)
        let store = AuditStore(work: runtime.unitOfWork, settings: settings)
        AuditRoutes(
            queries: store, readers: AuditReaders(configuration: configuration, settings: settings),
            logger: runtime.logger
        ).add(to: router)
        ReportRoutes(
            queries: ReportStore(
                database: runtime.unitOfWork.database, clock: settings.clock,
                openDataThreshold: settings.reports.openDataThreshold),
            logger: runtime.logger
        ).add(to: router)
        RatingRoutes(database: runtime.unitOfWork.database, clock: settings.clock).add(to: router)
        return (runtime, router)
    }

    /// Applies the runtime's and audit's migrations as the owner role, so that the schema's
    /// objects belong to it and the service role gets only the rights migration 300 grants.
    public static func migrateAsOwner(connectionString: String, logger: Logger) async throws {
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: connectionString, poolSize: 1, applicationName: "hromada-audit-migrations"),
            logger: logger)
        do {
            try await Migrator.migrate(
                RuntimeMigrations.all + AuditMigrations.all + ReportMigrations.all, on: client, logger: logger)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    public static func run(
        configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?
    ) async throws {
        let (runtime, router) = try await build(
            configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}
