import HromadaAMQP
import Synchronization

/// Deliveries received but not yet handled. The reader task appends; the handler takes whatever
/// has arrived (up to a batch) in one go, so under load many events share one transaction while
/// a lone event is handled the moment it arrives.
final class DeliveryBuffer: Sendable {
    private struct State {
        var items: [AMQPDelivery] = []
        var stopped = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func append(_ delivery: AMQPDelivery) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.items.append(delivery)
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// No more batches: `next` returns nil from now on (what is left is redelivered by the broker).
    func stop() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.stopped = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    var count: Int { state.withLock { $0.items.count } }

    func next(max: Int) async -> [AMQPDelivery]? {
        while true {
            let result: [AMQPDelivery]?? = state.withLock { s in
                if s.stopped { return .some(nil) }
                guard !s.items.isEmpty else { return nil }
                let n = Swift.min(max, s.items.count)
                let batch = Array(s.items.prefix(n))
                s.items.removeFirst(n)
                return .some(batch)
            }
            if let result { return result }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow: Bool = state.withLock { s in
                    if s.stopped || !s.items.isEmpty { return true }
                    s.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }
}
