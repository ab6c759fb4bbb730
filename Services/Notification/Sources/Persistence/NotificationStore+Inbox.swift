import Foundation
import HromadaPostgres
import HromadaRuntime

/// The centres' inbox: notices for residents without email, and the centres' keys.
extension NotificationStore: CentreInbox {
    public func keyHash(centre: String) async throws -> String? {
        try await database.withConnection { connection in
            try connection.query("SELECT key_hash FROM centres WHERE centre_id = \(centre) AND active")
                .first?.decode(0, as: String.self)
        }
    }

    public func centre(keyHash: String) async throws -> String? {
        try await database.withConnection { connection in
            try connection.query(
                """
                SELECT centre_id FROM centres WHERE key_hash = \(keyHash.lowercased()) AND active
                ORDER BY centre_id LIMIT 1
                """
            ).first?.decode(0, as: String.self)
        }
    }

    public func notices(centre: String, unreadOnly: Bool) async throws -> [CentreNotice] {
        try await database.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT d.id, d.registration_number, r.full_name, r.phone, d.language, d.subject, d.body, d.created_at,
                       d.read_at
                FROM deliveries d LEFT JOIN recipients r ON r.appeal_id = d.appeal_id
                WHERE d.channel = 'centre' AND d.centre_id = \(centre) AND (NOT \(unreadOnly) OR d.read_at IS NULL)
                ORDER BY d.created_at DESC, d.id
                LIMIT 500
                """)
            return try rows.map { row in
                CentreNotice(
                    id: try row.decode(0), registrationNumber: try row.decode(1, as: String?.self),
                    residentName: try row.decode(2, as: String?.self), phone: try row.decode(3, as: String?.self),
                    language: try row.decode(4), subject: try row.decode(5), text: try row.decode(6),
                    createdAt: try row.decode(7), readAt: try row.decode(8, as: Date?.self))
            }
        }
    }

    public func markRead(centre: String, notice: UUID, at now: Date) async throws -> Date? {
        try await work.run { transaction in
            try transaction.connection.query(
                """
                UPDATE deliveries SET read_at = COALESCE(read_at, \(now))
                WHERE id = \(notice) AND channel = 'centre' AND centre_id = \(centre)
                RETURNING read_at
                """
            ).first?.decode(0, as: Date.self)
        }
    }
}
