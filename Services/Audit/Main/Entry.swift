import Audit
import HromadaRuntime

@main
struct Entry {
    static func main() async {
        await HromadaMain.run(service: "audit") { configuration, logger, registry in
            try await AuditService.run(configuration: configuration, logger: logger, metricsRegistry: registry)
        }
    }
}
