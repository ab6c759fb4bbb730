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
}
