import Foundation
import Metrics

/// A dedicated OS thread with a job queue: the single owner of one librabbitmq connection, so no
/// blocking C call ever runs on Swift's cooperative pool. When no job arrives for `idleInterval`
/// it calls `onIdle` (heartbeats, noticing a dead connection).
final class AMQPThread: @unchecked Sendable {
    // `condition` guards `jobs` and `stopping`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false
    private let idleInterval: TimeInterval
    private let onIdle: @Sendable () -> Void

    init(name: String, idleInterval: TimeInterval, onIdle: @escaping @Sendable () -> Void) {
        self.idleInterval = idleInterval
        self.onIdle = onIdle
        let thread = Thread { [self] in self.loop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job; false when the thread is stopping.
    @discardableResult
    func submit(_ job: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = submit { continuation.resume(with: Result { try body() }) }
            if !accepted { continuation.resume(throwing: AMQPError(.closed, "the AMQP client is closed")) }
        }
    }

    /// Lets the queued jobs finish, then ends the thread. Later submits are refused.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping {
                if !condition.wait(until: Date(timeIntervalSinceNow: idleInterval)), jobs.isEmpty, !stopping {
                    condition.unlock()
                    onIdle()
                    condition.lock()
                }
            }
            if jobs.isEmpty {  // stopping
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

/// Counters every connection of this module reports (swift-metrics; exported by the runtime).
struct AMQPMetrics: Sendable {
    let published: Counter
    let confirmed: Counter
    let nacked: Counter
    let returned: Counter
    let consumed: Counter
    let reconnects: Counter

    init(connectionName: String) {
        let dimensions = [("connection", connectionName)]
        published = Counter(label: "hromada_amqp_published_total", dimensions: dimensions)
        confirmed = Counter(label: "hromada_amqp_confirmed_total", dimensions: dimensions)
        nacked = Counter(label: "hromada_amqp_nacked_total", dimensions: dimensions)
        returned = Counter(label: "hromada_amqp_returned_total", dimensions: dimensions)
        consumed = Counter(label: "hromada_amqp_consumed_total", dimensions: dimensions)
        reconnects = Counter(label: "hromada_amqp_reconnects_total", dimensions: dimensions)
    }
}
