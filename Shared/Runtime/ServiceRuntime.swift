import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaPostgres
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization
import UnixSignals

/// What every Hromada service is made of, assembled the same way each time: a PostgreSQL pool on
/// the service's own schema, a confirmed publisher, the outbox relay, the consumers of its queue,
/// and an HTTP application with `/health/*` and `/metrics`. `run` puts them in one `ServiceGroup`
/// in dependency order, so SIGTERM stops the HTTP server first, lets consumers finish their batch,
/// flushes the outbox, and closes the database last.
public final class ServiceRuntime: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let database: PostgresClient
    public let publisher: AMQPClient
    public let amqp: AMQPConfiguration
    public let outboxRelay: OutboxRelay
    /// Prunes the inbox (and the tables a service registers) after `configuration.retention`.
    public let sweeper: Sweeper
    public let metricsRegistry: PrometheusCollectorRegistry?
    private let parts = Mutex(Parts())

    private struct Parts {
        var consumers: [EventConsumer] = []
        var services: [any Service] = []
        var checks: [ReadinessCheck] = []
    }

    public init(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry? = nil,
        relaySettings: OutboxRelay.Settings = OutboxRelay.Settings()
    ) throws {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "service"] = "\(configuration.serviceName)"
        self.logger = logger
        self.metricsRegistry = metricsRegistry
        self.amqp = try AMQPConfiguration(url: configuration.amqpURL, connectionName: configuration.producer)
        self.database = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: configuration.databaseURL,
                poolSize: configuration.databasePoolSize,
                searchPath: configuration.schema,
                applicationName: configuration.producer
            ),
            logger: logger
        )
        self.publisher = AMQPClient(configuration: amqp, logger: logger)
        self.outboxRelay = OutboxRelay(
            database: database, publisher: publisher, service: configuration.serviceName,
            settings: relaySettings, sealing: configuration.sealingKeys, logger: logger
        )
        var sweeperSettings = Sweeper.Settings()
        sweeperSettings.retention = configuration.retention
        self.sweeper = try Sweeper(
            database: database, service: configuration.serviceName, settings: sweeperSettings, logger: logger)
    }

    /// Applies the runtime's and the service's migrations and declares the exchanges. Waits (with
    /// backoff, up to `patience`) for PostgreSQL and RabbitMQ to come up, so services can start in
    /// any order with the servers.
    public func prepare(migrations: [Migration], patience: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + patience
        var backoff = Duration.milliseconds(200)
        while true {
            do {
                try await Migrator.migrate(RuntimeMigrations.all + migrations, on: database, logger: logger)
                try await publisher.declare(AMQPTopology(exchanges: EventTopology.exchanges))
                return
            } catch let error where Self.isTransient(error) && ContinuousClock.now < deadline {
                logger.warning(
                    "waiting for the database and the broker", metadata: ["error": "\(error.redactedDescription)"])
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    static func isTransient(_ error: any Error) -> Bool {
        if let e = error as? PostgresError { return e.isRetryable }
        if let e = error as? AMQPError { return e.isRetryable }
        return false
    }

    /// Adds a consumer of `queue` bound to `bindings` on `hromada.events`. After each committed
    /// batch the outbox relay is woken, so events the handler enqueued leave at once.
    @discardableResult
    public func addConsumer(
        queue: String,
        bindings: [String],
        handler: any EventHandler,
        settings: EventConsumer.Settings? = nil,
        afterCommit: (@Sendable () -> Void)? = nil
    ) -> EventConsumer {
        var consumerSettings = settings ?? EventConsumer.Settings()
        if settings == nil { consumerSettings.prefetch = configuration.prefetch }
        let relay = outboxRelay
        let consumer = EventConsumer(
            queue: queue, bindings: bindings, amqp: amqp, database: database, publisher: publisher,
            handler: handler, settings: consumerSettings, sealing: configuration.sealingKeys,
            afterCommit: {
                relay.notifyCommitted()
                afterCommit?()
            },
            logger: logger
        )
        parts.withLock { $0.consumers.append(consumer) }
        return consumer
    }

    /// Adds a long-running part (a watcher, a sender) between the consumers and the HTTP server.
    public func addService(_ service: any Service) {
        parts.withLock { $0.services.append(service) }
    }

    public func addReadinessCheck(_ check: ReadinessCheck) {
        parts.withLock { $0.checks.append(check) }
    }

    /// Checks behind `/health/ready`: the database answers, the broker answers, every consumer is
    /// connected, plus whatever the service added.
    public func readinessChecks() -> [ReadinessCheck] {
        let database = self.database
        let publisher = self.publisher
        let (consumers, extra) = parts.withLock { ($0.consumers, $0.checks) }
        var checks = [
            ReadinessCheck("database") { try await database.ping() },
            ReadinessCheck("broker") {
                try await publisher.declare(AMQPTopology(exchanges: EventTopology.exchanges))
            },
        ]
        for consumer in consumers {
            checks.append(
                ReadinessCheck("consumer:\(consumer.queue)") {
                    guard consumer.isConnected else { throw ConsumerNotConnected() }
                })
        }
        return checks + extra
    }

    struct ConsumerNotConnected: Error {}

    /// A router with the shared middleware (errors in the contract's shape, HTTP metrics) and the
    /// health and metrics routes. Add the service's routes to it.
    public func makeRouter<Context: RequestContext>(context: Context.Type = BasicRequestContext.self) -> Router<Context>
    {
        let router = Router(context: Context.self)
        router.middlewares.add(MetricsMiddleware())
        router.middlewares.add(ErrorMiddleware())
        HealthRoutes.add(
            to: router, service: configuration.serviceName, version: configuration.version,
            checks: { [self] in self.readinessChecks() },
            outboxLag: { [database] in
                try await database.withConnection { connection in
                    let (rows, oldest) = try Outbox.lag(on: connection)
                    return HealthRoutes.OutboxLag(rows: rows, oldestSeconds: oldest)
                }
            },
            registry: metricsRegistry
        )
        return router
    }

    /// The HTTP application on the configured host and port.
    public func makeApplication<Builder: HTTPResponderBuilder>(
        router: Builder,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) -> Application<Builder.Responder>
    where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.httpHost, port: configuration.httpPort),
                serverName: configuration.producer
            ),
            onServerRunning: onServerRunning,
            logger: logger
        )
    }

    /// Every part in dependency order; the group shuts them down in reverse.
    public func makeServiceGroup(
        application: some Service, gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]
    ) -> ServiceGroup {
        let (consumers, services) = parts.withLock { ($0.consumers, $0.services) }
        let all: [any Service] =
            [ConnectionsLifetime(database: database, publisher: publisher), outboxRelay, sweeper]
            + consumers.map { $0 as any Service } + services + [application]
        return ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: all.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
                gracefulShutdownSignals: gracefulShutdownSignals,
                cancellationSignals: [],
                logger: logger
            ))
    }

    /// Runs until SIGTERM/SIGINT, then drains and returns.
    public func run(application: some Service) async throws {
        logger.info(
            "starting", metadata: ["http.port": "\(configuration.httpPort)", "version": "\(configuration.version)"])
        try await makeServiceGroup(application: application).run()
        logger.info("stopped")
    }
}

/// Closes the database pool and the publisher's connection after everything that uses them has
/// stopped (it is first in the group, so it is shut down last).
struct ConnectionsLifetime: Service {
    let database: PostgresClient
    let publisher: AMQPClient

    func run() async throws {
        try? await gracefulShutdown()
        await publisher.close()
        await database.close()
    }
}
