public import HromadaAMQP

extension AMQPClient {
    /// Takes and acknowledges every message waiting in `queue` now, in order (a test reading what
    /// it observed, or what was dead-lettered).
    public func drain(_ queue: String) async throws -> [AMQPDelivery] {
        var taken: [AMQPDelivery] = []
        while let delivery = try await get(queue: queue) {
            try await ack(delivery)
            taken.append(delivery)
        }
        return taken
    }

    /// Takes and acknowledges the messages in `queue` until one of `type` arrives, waiting up to
    /// `timeout` for it; that message, or nil when none came.
    public func awaitMessage(type: String, in queue: String, within timeout: Duration) async throws -> AMQPDelivery? {
        var found: AMQPDelivery?
        _ = try await eventually(timeout: timeout) {
            while let delivery = try await self.get(queue: queue) {
                try await self.ack(delivery)
                if delivery.properties.type == type {
                    found = delivery
                    return true
                }
            }
            return false
        }
        return found
    }
}
