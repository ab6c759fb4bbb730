import HromadaRuntime
import Intake

@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "intake") { configuration, logger, registry in
            let settings = try IntakeSettings.fromEnvironment(configuration: configuration)
            try await IntakeService.run(
                configuration: configuration, settings: settings, logger: logger, metricsRegistry: registry)
        }
    }
}
