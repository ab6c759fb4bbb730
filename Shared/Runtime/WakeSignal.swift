import Synchronization

/// Wakes one waiting task early. Signals that arrive while nobody waits are remembered (once),
/// so a wake-up between two waits is never lost. Used to start the outbox relay the moment a
/// transaction commits instead of at its next poll.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var waiterID: UInt64 = 0
    }
    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { s in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        continuation?.resume()
    }

    /// Returns when signalled, when `timeout` passes, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        let id: UInt64 = state.withLock { s in
            s.waiterID &+= 1
            return s.waiterID
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resumeWaiter(id: id)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow: Bool = state.withLock { s in
                        if s.pending || s.waiterID != id {
                            s.pending = false
                            return true
                        }
                        s.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                self.resumeWaiter(id: id)
            }
            group.cancelAll()
        }
    }

    private func resumeWaiter(id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.waiterID == id, let w = s.waiter else {
                // The waiter has not parked yet: make sure it does not park for this id.
                if s.waiterID == id { s.waiterID &+= 1 }
                return nil
            }
            s.waiter = nil
            return w
        }
        continuation?.resume()
    }
}
