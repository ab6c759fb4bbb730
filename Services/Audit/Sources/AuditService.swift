import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// `hromada-audit`: appends every event of `hromada.events` to a hash-chained, append-only log
/// (queue `hromada.audit`, bound to `#`), publishes periodic `audit.checkpoint` events, and serves
/// verification, trails, export and erasure over HTTP (port 8083).
public enum AuditService {
    public static func build(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?
    ) async throws -> (runtime: ServiceRuntime, router: Router<BasicRequestContext>) {
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
    ) async throws -> (runtime: ServiceRuntime, router: Router<BasicRequestContext>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(migrations: AuditMigrations.all)
        runtime.addConsumer(
            queue: Topology.Queue.audit.rawValue, bindings: ["#"],
            handler: AuditEventHandler(settings: settings, producer: configuration.producer),
            settings: consumerSettings)
        if settings.checkpointInterval > .zero {
            runtime.addService(AuditCheckpointer(runtime: runtime, settings: settings))
        }
        let router = runtime.makeRouter(context: BasicRequestContext.self)
        AuditRoutes(runtime: runtime, settings: settings).add(to: router)
        return (runtime, router)
    }

    public static func run(configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?) async throws {
        let (runtime, router) = try await build(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}

/// Appends each event to the chain, inside the consumer's batch transaction (with its inbox row).
/// The chain head's row lock makes this the single writer: events of one batch are appended one
/// after another, and a second replica waits for the lock.
public struct AuditEventHandler: EventHandler {
    let settings: AuditSettings
    let producer: String

    public init(settings: AuditSettings, producer: String) {
        self.settings = settings
        self.producer = producer
    }

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        try AuditLog.append(event.envelope, settings: settings, producer: producer, on: connection)
    }

    /// The single chain writer: the head is locked once per batch (a second replica waits for
    /// the commit) and the batch's events are chained one after the other.
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        var head = try AuditLog.lockHead(on: connection)
        for event in events {
            try AuditLog.append(event.envelope, after: &head, settings: settings, producer: producer, on: connection)
        }
    }
}

/// Publishes a checkpoint every `checkpointInterval` when the chain has grown since the last one.
struct AuditCheckpointer: Service {
    let runtime: ServiceRuntime
    let settings: AuditSettings

    func run() async throws {
        let producer = runtime.configuration.producer
        let settings = self.settings
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.checkpointInterval) }
            } catch {
                return
            }
            do {
                let created = try await runtime.database.withTransaction { connection in
                    try AuditLog.checkpointIfAdvanced(settings: settings, producer: producer, on: connection)
                }
                if created { runtime.outboxRelay.notifyCommitted() }
            } catch {
                runtime.logger.warning("timed checkpoint failed; trying at the next interval", metadata: ["error": "\(error)"])
            }
        }
    }
}
