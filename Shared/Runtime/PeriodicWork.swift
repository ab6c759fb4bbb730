import Logging
import ServiceLifecycle

/// The loop of a background service that does one round of work now and then (a sweep, a
/// catch-up): the first round after `initialDelay`, then one every `interval`, until graceful
/// shutdown or cancellation. A failed round is logged at warning with `failure` and the error's
/// redacted description (no personal data), and tried again at the next interval.
public func runPeriodically(
    initialDelay: Duration, interval: Duration, logger: Logger, failure: String,
    _ round: () async throws -> Void
) async {
    var wait = initialDelay
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        let delay = wait
        do {
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
        } catch {
            return  // shutting down
        }
        do {
            try await round()
        } catch {
            logger.warning("\(failure)", metadata: ["error": "\(error.redactedDescription)"])
        }
        wait = interval
    }
}
