import Foundation
import HromadaContracts
import HromadaRuntime
import Hummingbird
import Logging
import Prometheus

/// `hromada-routing`: routes registered appeals to authorities as tickets with legal deadlines,
/// serves the officials' API and web inbox, and watches deadlines.
public enum RoutingService {
    public static func build(
        configuration: ServiceConfiguration,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?,
        settings: RoutingSettings = RoutingSettings()
    ) async throws -> (runtime: ServiceRuntime, router: Router<BasicRequestContext>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(migrations: RoutingMigrations.all)
        let now = settings.clock()
        try await runtime.transaction { tx in try RoutingStore.seed(now: now, in: tx) }
        runtime.addConsumer(
            queue: Topology.Queue.routing.rawValue,
            bindings: RoutingEventHandler.bindings,
            handler: RoutingEventHandler(producer: configuration.producer, clock: settings.clock, logger: runtime.logger)
        )
        if settings.runWatcher {
            runtime.addService(DeadlineWatcher(unitOfWork: runtime.unitOfWork, settings: settings, logger: runtime.logger))
        }
        return (runtime, try await makeRouter(runtime: runtime, settings: settings))
    }

    /// The runtime's router (health, metrics, errors) with the officials' API and web inbox: what
    /// `build` serves, and what router tests drive in memory on a prepared database.
    public static func makeRouter(runtime: ServiceRuntime, settings: RoutingSettings) async throws -> Router<BasicRequestContext> {
        let router = runtime.makeRouter(context: BasicRequestContext.self)
        let api = RoutingAPI(runtime: runtime, settings: settings)
        api.register(on: router)
        let web = try await WebInbox(api: api)
        web.register(on: router)
        return router
    }

    public static func run(
        configuration: ServiceConfiguration, settings: RoutingSettings, logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?
    ) async throws {
        let (runtime, router) = try await build(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry, settings: settings)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}

