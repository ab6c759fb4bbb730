import HromadaRuntime
import Routing

/// `hromada-routing`: the settings, the bootstrap, the run — nothing else.
@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "routing") { configuration, logger, registry in
            let settings = try RoutingSettings.fromEnvironment(
                configuration.environment, httpPort: configuration.httpPort)
            try await RoutingService.run(
                configuration: configuration, settings: settings, logger: logger, metricsRegistry: registry)
        }
    }
}
