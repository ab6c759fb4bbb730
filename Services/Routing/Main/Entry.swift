import HromadaRuntime
import Routing

@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "routing") { configuration, logger, registry in
            try await RoutingService.run(configuration: configuration, logger: logger, metricsRegistry: registry)
        }
    }
}
