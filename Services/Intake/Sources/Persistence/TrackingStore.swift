import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres

/// The resident-status projection's statements, on the consumer's connection (inside the
/// transaction that also records the event in the inbox).
public enum TrackingRecords {
    /// Adds the history entry of `update` (once per event id) and moves the appeal's public state.
    /// An appeal registered by another intake is not here: nothing to project.
    public static func apply(
        _ update: TrackingUpdate, eventId: UUID, eventType: String, on connection: PostgresConnection
    ) throws {
        guard
            let row = try connection.query(
                """
                SELECT id, last_event_at FROM appeals
                WHERE registration_number = \(update.registrationNumber) FOR UPDATE
                """
            ).first
        else { return }
        let appealId = try row.decode(0, as: UUID.self)
        let lastEventAt = try row.decode(1, as: Date?.self)
        let status = update.status.rawValue
        let deadline = update.deadline?.description
        let inserted = try connection.execute(
            """
            INSERT INTO appeal_history (appeal_id, event_id, event_type, status, authority, deadline, note, occurred_at)
            VALUES (\(appealId), \(eventId), \(eventType), \(status), \(update.authority), \(deadline)::date,
                    \(update.note), \(update.occurredAt))
            ON CONFLICT (event_id) DO NOTHING
            """
        )
        guard inserted == 1 else { return }
        if update.setsCurrentState(lastEventAt: lastEventAt) {
            try connection.execute(
                """
                UPDATE appeals SET status = \(status), authority = COALESCE(\(update.authority), authority),
                    deadline = COALESCE(\(deadline)::date, deadline), last_event_at = \(update.occurredAt),
                    updated_at = now()
                WHERE id = \(appealId)
                """
            )
        } else {
            try connection.execute(
                """
                UPDATE appeals SET authority = COALESCE(authority, \(update.authority)),
                    deadline = COALESCE(deadline, \(deadline)::date) WHERE id = \(appealId)
                """
            )
        }
    }
}

extension IntakeStore {
    /// The status view when `token` belongs to `number`, else nil. The token is compared in
    /// constant time against a hash; an unknown number costs the same hash comparison.
    public func statusView(number: String, token: String, language: Language) async throws -> AppealStatusView? {
        try await database.withConnection { connection in
            try Self.statusView(number: number, token: token, language: language, on: connection)
        }
    }

    static func statusView(
        number: String, token: String, language: Language, on connection: PostgresConnection
    ) throws -> AppealStatusView? {
        let row = try connection.query(
            """
            SELECT id, tracking_token_hash, status, kind, category, registered_at, authority, deadline::text, repeat_of
            FROM appeals WHERE registration_number = \(number)
            """
        ).first
        let storedHash = try row?.decode(1, as: String.self) ?? String(repeating: "0", count: 64)
        let matches = TokenHash.verify(token: token, hash: storedHash)
        guard let row, matches else { return nil }
        let id = try row.decode(0, as: UUID.self)
        let history = try connection.query(
            """
            SELECT occurred_at, event_type, status, authority, deadline::text, note
            FROM appeal_history WHERE appeal_id = \(id) ORDER BY occurred_at, seq
            """
        ).map { r in
            let authority = try r.decode(3, as: String?.self)
            return AppealStatusView.HistoryEntry(
                at: try r.decode(0, as: Date.self), event: try r.decode(1, as: String.self),
                status: try r.decode(2, as: String.self), authority: authority,
                authorityName: ReferenceNames.authority(authority, in: language),
                deadline: try r.decode(4, as: String?.self).flatMap(LocalDate.init(string:)),
                note: try r.decode(5, as: String?.self))
        }
        let category = try row.decode(4, as: String.self)
        let authority = try row.decode(6, as: String?.self)
        return AppealStatusView(
            registrationNumber: number, status: try row.decode(2, as: String.self),
            kind: try row.decode(3, as: String.self),
            category: category, categoryName: ReferenceNames.category(category, in: language),
            registeredAt: try row.decode(5, as: Date.self), authority: authority,
            authorityName: ReferenceNames.authority(authority, in: language),
            deadline: try row.decode(7, as: String?.self).flatMap(LocalDate.init(string:)),
            repeatOf: try row.decode(8, as: String?.self), history: history)
    }
}
