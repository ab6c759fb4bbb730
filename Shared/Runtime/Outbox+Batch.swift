import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres

extension Outbox {
    /// Adds `envelopes` to the outbox in ONE statement, inside the caller's transaction: the rows
    /// `enqueue(_:on:)` writes one by one, in the same order (their `seq` follows the array's order, so
    /// the relay publishes them in it). For a handler that writes a whole consumer batch's events.
    public static func enqueue(batch envelopes: [Envelope], on connection: PostgresConnection) throws {
        guard let statement = try insertStatement(batch: envelopes) else { return }
        try connection.execute(statement)
    }

    /// The `INSERT` of `enqueue(batch:on:)`, nil for no envelopes: for a caller that writes it together
    /// with its own rows in one statement (as a data-modifying `WITH`).
    public static func insertStatement(batch envelopes: [Envelope]) throws -> PostgresQuery? {
        guard !envelopes.isEmpty else { return nil }
        // bytea travels as its hex text (`\x…`) in a text[]: the shared array encoding has no bytea[].
        let bodies = try envelopes.map { "\\x" + HexCoding.encode(try $0.encoded()) }
        return
            """
            INSERT INTO outbox (event_id, event_type, exchange, routing_key, correlation_id, body)
            SELECT event_id, event_type, \(Topology.eventsExchange), routing_key, correlation_id, body::bytea
            FROM unnest(\(envelopes.map(\.id))::uuid[], \(envelopes.map(\.type))::text[],
                \(envelopes.map(\.routingKey))::text[], \(envelopes.map(\.correlationId))::uuid[], \(bodies)::text[])
                WITH ORDINALITY AS e(event_id, event_type, routing_key, correlation_id, body, position)
            ORDER BY position
            """
    }
}
