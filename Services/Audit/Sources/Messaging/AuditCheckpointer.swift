import HromadaCore
import HromadaRuntime
import ServiceLifecycle

/// Publishes a checkpoint every `checkpointInterval` when the chain has grown since the last one.
struct AuditCheckpointer: Service {
    let runtime: ServiceRuntime
    let settings: AuditSettings

    func run() async throws {
        let settings = self.settings
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: settings.checkpointInterval) }
            } catch {
                return
            }
            do {
                try await runtime.transaction { transaction in
                    try AuditStore.checkpointIfAdvanced(settings: settings, in: transaction)
                }
            } catch {
                runtime.logger.warning(
                    "timed checkpoint failed; trying at the next interval",
                    metadata: ["error": "\(error.redactedDescription)"])
            }
        }
    }
}
