import HromadaCore
import HromadaRuntime
import ServiceLifecycle

/// Runs `ReportBackfill` at start until the log appended before the reports projection existed has
/// been replayed into it (nothing to do on a system that had reports from the start), then idles.
struct ReportBackfiller: Service {
    let runtime: ServiceRuntime
    var pageSize = 1000

    func run() async throws {
        let pageSize = self.pageSize
        var replayed = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let applied = try await ReportBackfill.step(pageSize: pageSize, in: runtime.database)
                if applied == 0 { break }
                replayed += applied
            } catch {
                runtime.logger.warning(
                    "reports backfill failed; retrying in 30 s", metadata: ["error": "\(error.redactedDescription)"])
                do { try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(30)) } } catch { return }
            }
        }
        if replayed > 0 {
            runtime.logger.info("reports backfilled from the log", metadata: ["audit.entries": "\(replayed)"])
        }
        // A service that returns would stop the group: stay until the service shuts down.
        try? await gracefulShutdown()
    }
}
