public import HromadaAMQP

extension AMQPClient {
    /// Whether a consumer is attached to `queue` within `timeout`. A service's consumer declares
    /// its queue in the background: an event published before it consumes would find no queue.
    public func hasConsumer(on queue: String, within timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout, every: .milliseconds(100)) {
            ((try? await queueState(queue))?.consumers ?? 0) >= 1
        }
    }
}
