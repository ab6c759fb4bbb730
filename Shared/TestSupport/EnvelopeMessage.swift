import Foundation
public import HromadaAMQP
public import HromadaContracts

extension AMQPOutgoingMessage {
    /// `envelope` as its producing service publishes it on `hromada.events`, for tests that play the
    /// producer: its routing key, and the AMQP properties ARCHITECTURE.md fixes (persistent, JSON,
    /// lower-case ids, `type`, `app_id` = the envelope's producer, `timestamp` = when it occurred).
    public init(publishing envelope: Envelope) throws {
        self.init(
            exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try envelope.encoded(),
            properties: AMQPProperties(
                contentType: Topology.contentType, deliveryMode: Topology.deliveryMode,
                messageID: envelope.id.uuidString.lowercased(), type: envelope.type,
                correlationID: envelope.correlationId.uuidString.lowercased(), appID: envelope.producer,
                timestamp: envelope.occurredAt))
    }
}
