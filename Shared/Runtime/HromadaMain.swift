import CHromadaShims
import Foundation
import HromadaCore
import Logging
import Metrics
import Prometheus

/// What every service's `@main` does before building the service: read the configuration, set up
/// logging and the Prometheus metrics registry (libraries never bootstrap them), run, and turn a
/// failure at start into a clear message and a non-zero exit.
public enum HromadaMain {
    public static func run(
        service: String,
        _ body: @Sendable (ServiceConfiguration, Logger, PrometheusCollectorRegistry) async throws -> Void
    ) async {
        limitMallocArenas()
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration.fromEnvironment(serviceName: service)
        } catch {
            FileHandle.standardError.write(Data("hromada-\(service): \(error.redactedDescription)\n".utf8))
            exit(2)
        }
        // Personal fields travel sealed: a service that publishes or reads them does not start
        // without the keys (docs/SECURITY.md, "Personal data on the bus").
        if EnvironmentVariable.sealingKeys.readers.contains(service), configuration.sealingKeys == nil {
            let message =
                "\(EnvironmentVariable.sealingKeys.name) is required: the keys that seal personal data on the bus"
            FileHandle.standardError.write(Data("hromada-\(service): \(message)\n".utf8))
            exit(2)
        }
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "hromada.\(service)")
        do {
            try await body(configuration, logger, registry)
        } catch {
            logger.critical("stopped by an error", metadata: ["error": "\(error.redactedDescription)"])
            exit(1)
        }
    }
}

/// glibc gives each contending thread its own malloc arena, up to 8 per core, and keeps what is
/// freed in each: with the event loop, the database pool's threads and the broker's, a service's
/// resident memory grew with its thread count, not its work (issue 16 sets ≤ 100 MB per service
/// under load). Two arenas are what `MALLOC_ARENA_MAX=2` gives; an operator's own
/// `MALLOC_ARENA_MAX` is left to glibc.
private func limitMallocArenas() {
    guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
    _ = hromada_limit_malloc_arenas(2)
}
