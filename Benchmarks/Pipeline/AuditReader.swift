import Foundation
import HromadaPostgres

/// recorded_at of each appeal's appeal.registered and ticket.assigned entries in audit.log, read
/// as the superuser (the audit service's own append time, set in the appending transaction).
/// Reads incrementally by `seq`: writers are serialised by the chain head's row lock and sequences
/// have no gaps, so a row below the highest `seq` seen cannot commit later, and a drain
/// that polls every half second reads each row once instead of the whole phase every time.
final class AuditReader {
    private let db: PostgresClient
    private var lastSeq: Int64
    private(set) var entries: [UUID: (registered: Date?, assigned: Date?)] = [:]

    private init(db: PostgresClient, lastSeq: Int64) {
        self.db = db
        self.lastSeq = lastSeq
    }

    /// Starts after the chain's current end: only what the phase appends is read.
    static func startingNow(db: PostgresClient) async throws -> AuditReader {
        let rows = try await db.query("SELECT COALESCE(max(seq), 0)::bigint FROM audit.log")
        return AuditReader(db: db, lastSeq: try rows.first?.decode(0, as: Int64.self) ?? 0)
    }

    /// Reads what was appended since the last call; keeps only `ids`.
    func refresh(ids: Set<UUID>) async throws {
        let rows = try await db.query(
            """
            SELECT seq, correlation_id, event_type, recorded_at FROM audit.log
            WHERE seq > \(lastSeq) AND event_type IN ('appeal.registered', 'ticket.assigned')
            ORDER BY seq
            """)
        var highest = lastSeq
        for row in rows {
            highest = max(highest, try row.decode(0, as: Int64.self))
            let id = try row.decode(1, as: UUID.self)
            guard ids.contains(id) else { continue }
            let type = try row.decode(2, as: String.self)
            let at = try row.decode(3, as: Date.self)
            var entry = entries[id] ?? (nil, nil)
            if type == "appeal.registered" { entry.registered = at } else { entry.assigned = at }
            entries[id] = entry
        }
        lastSeq = highest
    }
}
