import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaWeb
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
    ) async throws -> (runtime: ServiceRuntime, router: Router<WebRequestContext>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(
            migrations: RoutingMigrations.all + RoutingErasure.migrations + PhotoReferenceMigrations.all
                + TicketPlaceMigrations.all)
        let now = settings.clock()
        try await runtime.transaction { tx in try RoutingStore.seed(now: now, in: tx) }
        runtime.addConsumer(
            queue: Topology.Queue.routing.rawValue,
            bindings: RoutingEventHandler.bindings + [ErasureGate.binding],
            handler: eventHandler(producer: configuration.producer, clock: settings.clock, logger: runtime.logger)
        )
        if settings.runWatcher {
            runtime.addService(
                DeadlineWatcher(unitOfWork: runtime.unitOfWork, settings: settings, logger: runtime.logger))
        }
        return (runtime, try await makeRouter(runtime: runtime, settings: settings))
    }

    /// What the routing queue's consumer runs: the erasure gate around `RoutingEventHandler` (also
    /// what tests drive batch by batch).
    public static func eventHandler(
        producer: String, clock: @escaping @Sendable () -> Date, logger: Logger
    ) -> any EventHandler {
        ErasureGate(
            wrapping: RoutingEventHandler(producer: producer, clock: clock, logger: logger),
            producer: producer, clock: clock, logger: logger, erase: PhotoReferenceRecords.eraseWithReferences)
    }

    /// The runtime's router (health, metrics, errors) with the web kit's middlewares (errors as
    /// JSON or pages, security headers, bearer and session authenticators, CSRF), the officials'
    /// API and the web inbox: what `build` serves, and what router tests drive in memory on a
    /// prepared database.
    public static func makeRouter(runtime: ServiceRuntime, settings: RoutingSettings) async throws -> Router<
        WebRequestContext
    > {
        let web = settings.web ?? WebSettings.local(service: "routing", port: runtime.configuration.httpPort)
        let site = try WebSite(
            settings: web, bundle: Bundle.module, templates: WebInbox.templateNames,
            // The inbox's answer templates are inserted by a script file (no inline script).
            assets: WebInbox.assetNames,
            sessionStore: PostgresSessionStore(database: runtime.database, settings: web),
            // Officials' actions change legal records: no cross-site request carries the session.
            sameSite: .strict)
        site.logStartup(runtime.logger)
        let router = runtime.makeRouter(context: WebRequestContext.self)
        let api = RoutingAPI(runtime: runtime, settings: settings)
        let inbox = WebInbox(api: api, site: site)
        site.install(
            on: router,
            bearer: { token, _ in try await api.principal(token: token)?.web },
            session: { session, _ in try await inbox.principal(subject: session.subject)?.web })
        api.register(on: router)
        inbox.register(on: router)
        return router
    }

    public static func run(
        configuration: ServiceConfiguration, settings: RoutingSettings, logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?
    ) async throws {
        let (runtime, router) = try await build(
            configuration: configuration, logger: logger, metricsRegistry: metricsRegistry, settings: settings)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}
