import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging
import Prometheus

/// Assembles the intake service: the runtime (database, broker, outbox relay), the schema and
/// reference data, the tracking projection's consumer, and the HTTP front doors.
public enum IntakeService {
    /// The kit's context: who is asking (a centre's system, a signed-in librarian, the
    /// administrator) and the browser session.
    public typealias Context = WebRequestContext

    public static func build(
        configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?,
        settings: IntakeSettings = IntakeSettings()
    ) async throws -> (runtime: ServiceRuntime, router: Router<Context>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(
            migrations: [WebMigrations.sessions] + IntakeMigrations.all + IntakeErasureMigrations.all
                + SayMigrations.all
                + PhotoMigrations.all
                + TrackingMigrations.all)
        let store = IntakeStore(runtime: runtime)
        try await store.seedReference()
        // Idempotency keys are remembered for `idempotencyRetention`, then swept with the inbox.
        try runtime.sweeper.register(
            table: "idempotency_keys", timestampColumn: "created_at", retention: settings.idempotencyRetention)
        runtime.addConsumer(
            queue: Topology.Queue.intake.rawValue, bindings: IntakeConsumer.bindings,
            handler: IntakeConsumer.handler(producer: configuration.producer, logger: runtime.logger))
        // Issue 19: the retention period's trigger (docs/RETENTION.md).
        if settings.retention.interval > .zero {
            runtime.addService(
                RetentionSweep(
                    store: store, settings: settings.retention, clock: settings.clock, logger: runtime.logger))
        }
        return (runtime, try await makeRouter(runtime: runtime, settings: settings))
    }

    /// The HTTP front doors over `runtime` (nothing is connected here: router tests use it with
    /// no server running).
    public static func makeRouter(runtime: ServiceRuntime, settings: IntakeSettings) async throws -> Router<Context> {
        let store = IntakeStore(runtime: runtime)
        let site = try WebSite(
            settings: settings.web, bundle: .module, templates: WebPages.templates + WebPages.templatesOfTheDay,
            // The tracking page's own script and styles (TrackingPages.swift).
            assets: WebPages.trackingAssets,
            sessionStore: PostgresSessionStore(database: runtime.database, settings: settings.web),
            // The librarian's form is only ever reached from its own pages: a strict cookie.
            sameSite: .strict)
        site.logStartup(runtime.logger)
        let intake = AppealIntake(store: store, settings: settings, strings: IntakeStrings(catalogue: site.catalogue))
        let router = runtime.makeRouter(context: Context.self)
        let adminToken = runtime.configuration.adminToken
        site.install(
            on: router,
            bearer: { token, _ in try await principal(token: token, adminToken: adminToken, store: store) },
            session: { session, _ in
                // A librarian's own account; a deactivated account or centre ends its sessions at once.
                try await store.signedInLibrarian(subject: session.subject).map { .librarian(centre: $0.1.id) }
            })
        IntakeAPI(intake: intake).addRoutes(to: router)
        PhotoRoutes(
            store: store, settings: settings.photos, producer: runtime.configuration.producer, clock: settings.clock
        ).addRoutes(to: router)
        Open311API(intake: intake).addRoutes(to: router)
        ErasureAPI(store: store, clock: settings.clock, maxBodyBytes: settings.maxBodyBytes).addRoutes(to: router)
        try StatementAPI(store: store, policy: settings.retention.policy, clock: settings.clock, site: site)
            .addRoutes(to: router)
        WebPages(intake: intake, site: site).addRoutes(to: router)
        return router
    }

    /// Who a bearer token belongs to: the administrator (the bootstrap token, compared in constant
    /// time) or an active centre (its key, looked up by hash).
    static func principal(token: String, adminToken: String?, store: IntakeStore) async throws -> Principal? {
        if let adminToken, ConstantTime.equals(SHA256.hash(token), SHA256.hash(adminToken)) { return .administrator }
        return try await store.authenticateCentre(key: token).map { .centre(id: $0.id) }
    }

    public static func run(
        configuration: ServiceConfiguration, settings: IntakeSettings, logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry?
    ) async throws {
        let (runtime, router) = try await build(
            configuration: configuration, logger: logger, metricsRegistry: metricsRegistry, settings: settings)
        try await runtime.run(application: runtime.makeApplication(router: router))
    }
}
