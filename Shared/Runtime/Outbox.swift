import Foundation
import HromadaContracts
import HromadaPostgres

/// The transactional outbox: an event is written in the same transaction as the change it
/// describes, and the `OutboxRelay` publishes it after the commit. Nothing is published that was
/// not committed, and nothing committed is lost if the broker is down.
public enum Outbox {
    /// Adds `envelope` to the outbox on `connection`, inside the caller's transaction. The row keeps
    /// the envelope as written (the producer's own schema); the `OutboxRelay` seals its personal
    /// fields as it publishes, so callers never seal by hand.
    public static func enqueue(_ envelope: Envelope, on connection: PostgresConnection) throws {
        let body = try envelope.encoded()
        try connection.execute(
            """
            INSERT INTO outbox (event_id, event_type, exchange, routing_key, correlation_id, body)
            VALUES (\(envelope.id), \(envelope.type), \(Topology.eventsExchange), \(envelope.routingKey),
                    \(envelope.correlationId), \(body))
            """
        )
    }

    /// Builds the envelope for `event` and enqueues it. Returns the envelope (its id is the
    /// AMQP message id consumers deduplicate on).
    @discardableResult
    public static func enqueue<E: DomainEvent>(
        _ event: E,
        correlationId: UUID,
        causationId: UUID? = nil,
        producer: String,
        occurredAt: Date = Date(),
        on connection: PostgresConnection
    ) throws -> Envelope {
        let envelope = try Envelope(
            event: event, occurredAt: occurredAt, correlationId: correlationId,
            causationId: causationId, producer: producer
        )
        try enqueue(envelope, on: connection)
        return envelope
    }

    /// Rows not yet confirmed by the broker, and the age of the oldest: the outbox lag.
    public static func lag(on connection: PostgresConnection) throws -> (rows: Int, oldestSeconds: Double) {
        let rows = try connection.query(
            "SELECT count(*)::bigint, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 FROM outbox"
        )
        guard let row = rows.first else { return (0, 0) }
        return (Int(try row.decode(0, as: Int64.self)), try row.decode(1, as: Double.self))
    }
}
