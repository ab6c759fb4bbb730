import Foundation
import HromadaPostgres

/// One appeal of today's list.
struct TodaysAppeal: Sendable, Equatable {
    var id: UUID
    var registrationNumber: String
    var registeredAt: Date
    var kind, category, subject: String
    var against, repeatOf: String?
    /// The login of the librarian whose account registered it (nil: the centre's own system).
    var registeredBy: String?
}

extension IntakeStore {
    /// The appeals registered at `centre` in [from, to), newest first (one when `number` is given).
    func appealsRegistered(centre: String, from: Date, to: Date, number: String? = nil) async throws
        -> [TodaysAppeal]
    {
        try await database.withConnection { connection in
            let rows = try connection.query(
                """
                SELECT a.id, a.registration_number, a.registered_at, a.kind, a.category, a.subject, a.against,
                       a.repeat_of, l.login
                FROM appeals a LEFT JOIN librarians l ON l.id = a.registered_by
                WHERE a.centre_id = \(centre) AND a.registered_at >= \(from) AND a.registered_at < \(to)
                  AND (\(number)::text IS NULL OR a.registration_number = \(number))
                ORDER BY a.registered_at DESC, a.registration_number DESC
                LIMIT 1000
                """)
            return try rows.map { row in
                TodaysAppeal(
                    id: try row.decode(0), registrationNumber: try row.decode(1), registeredAt: try row.decode(2),
                    kind: try row.decode(3), category: try row.decode(4), subject: try row.decode(5),
                    against: try row.decode(6, as: String?.self), repeatOf: try row.decode(7, as: String?.self),
                    registeredBy: try row.decode(8, as: String?.self))
            }
        }
    }
}
