import Foundation
import HromadaContracts
import HromadaRuntime
import Hummingbird
import Logging
import Prometheus

/// Assembles the intake service: the runtime (database, broker, outbox relay), the schema and
/// reference data, the tracking projection's consumer, and the HTTP front doors.
public enum IntakeService {
    public typealias Context = BasicRequestContext

    public static func build(
        configuration: ServiceConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry?,
        settings: IntakeSettings = IntakeSettings()
    ) async throws -> (runtime: ServiceRuntime, router: Router<Context>) {
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, metricsRegistry: metricsRegistry)
        try await runtime.prepare(migrations: IntakeMigrations.all)
        let store = IntakeStore(runtime: runtime)
        try await store.seedReference()
        runtime.addConsumer(
            queue: Topology.Queue.intake.rawValue, bindings: TrackingProjection.bindings, handler: TrackingProjection())
        return (runtime, try await makeRouter(runtime: runtime, settings: settings))
    }

    /// The HTTP front doors over `runtime` (nothing is connected here: router tests use it with
    /// no server running).
    public static func makeRouter(runtime: ServiceRuntime, settings: IntakeSettings) async throws -> Router<Context> {
        let intake = AppealIntake(store: IntakeStore(runtime: runtime), settings: settings, strings: try IntakeStrings.load())
        let router = runtime.makeRouter(context: Context.self)
        IntakeAPI(intake: intake, configuration: runtime.configuration).addRoutes(to: router)
        Open311API(intake: intake).addRoutes(to: router)
        try await WebPages(intake: intake).addRoutes(to: router)
        return router
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
