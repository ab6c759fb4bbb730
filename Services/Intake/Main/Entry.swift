import HromadaRuntime
import Intake

@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "intake") { configuration, logger, registry in
            try await IntakeService.run(configuration: configuration, logger: logger, metricsRegistry: registry)
        }
    }
}
