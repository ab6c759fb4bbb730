import HromadaRuntime
import Notification

@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "notification") { configuration, logger, registry in
            try await NotificationService.run(configuration: configuration, logger: logger, metricsRegistry: registry)
        }
    }
}
