import Foundation
import HromadaPostgres

/// Processed message ids, recorded in the same transaction as a message's effects, so a
/// redelivered message has no second effect.
public enum Inbox {
    /// Records every event of a batch in one statement and returns those not processed before,
    /// in their order (a message delivered twice within the batch counts once).
    public static func claim(batch events: [IncomingEvent], on connection: PostgresConnection) throws -> [IncomingEvent]
    {
        guard !events.isEmpty else { return [] }
        let ids = events.map(\.envelope.id)
        let types = events.map(\.envelope.type)
        let claimed = try connection.query(
            """
            INSERT INTO inbox (message_id, event_type)
            SELECT * FROM unnest(\(ids)::uuid[], \(types)::text[])
            ON CONFLICT (message_id) DO NOTHING
            RETURNING message_id
            """
        )
        var fresh = Set(try claimed.map { try $0.decode(0, as: UUID.self) })
        return events.filter { fresh.remove($0.envelope.id) != nil }
    }

    /// Forgets ids older than `retentionDays`: long after any redelivery could arrive.
    @discardableResult
    public static func prune(olderThanDays retentionDays: Int, on connection: PostgresConnection) throws -> Int {
        try connection.execute("DELETE FROM inbox WHERE received_at < now() - make_interval(days => \(retentionDays))")
    }
}
