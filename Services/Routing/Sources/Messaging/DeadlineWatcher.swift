import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import ServiceLifecycle

/// Runs the deadline watch every `watcherInterval`: raises `ticket.deadline-approaching` and
/// `ticket.overdue` once per ticket, threshold and deadline, and closes answered tickets nobody
/// disputed in time. What is due is decided by `DeadlineWatch` (Domain), stored by
/// `RoutingStore.watchDeadlines` (Persistence); this type only schedules, counts and logs.
struct DeadlineWatcher: Service {
    /// Each batch is one unit of work: its changes and events commit together, the relay is woken after.
    let unitOfWork: UnitOfWork
    let settings: RoutingSettings
    let logger: Logger

    typealias Pass = RoutingStore.WatchPass

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await runOnce()
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("deadline watcher pass failed", metadata: ["error": "\(error.redactedDescription)"])
                }
                try await Task.sleep(for: settings.watcherInterval)
            }
        }
    }

    /// One pass; batches of `batchSize` until nothing is left.
    func runOnce() async throws -> Pass {
        var total = Pass()
        while true {
            let now = settings.clock()
            let batch = settings.watcherBatchSize
            let autoCloseDays = settings.autoCloseDays
            let pass = try await unitOfWork.run { tx in
                try RoutingStore.watchDeadlines(now: now, batch: batch, autoCloseDays: autoCloseDays, in: tx)
            }
            total.approaching += pass.approaching
            total.overdue += pass.overdue
            total.closed += pass.closed
            if pass.approaching > 0 {
                Counter(label: "hromada_routing_alerts_total", dimensions: [("kind", "deadline-approaching")])
                    .increment(by: pass.approaching)
            }
            if pass.overdue > 0 {
                Counter(label: "hromada_routing_alerts_total", dimensions: [("kind", "overdue")]).increment(
                    by: pass.overdue)
            }
            if pass.total > 0 {
                logger.info(
                    "deadline watcher pass",
                    metadata: [
                        "alerts.approaching": "\(pass.approaching)", "alerts.overdue": "\(pass.overdue)",
                        "tickets.closed": "\(pass.closed)",
                    ])
            }
            if pass.total < batch { return total }
        }
    }
}
