import Foundation
import HromadaPostgres

extension IntakeStore {
    /// Keeps the link an Open311 client sent with a request (`media_url`). The server never
    /// fetches it; it is only shown, and only while the appeal is published.
    public func saveOpen311Media(registrationNumber: String, url: String) async throws {
        _ = try await database.execute(
            """
            INSERT INTO open311_media (registration_number, url) VALUES (\(registrationNumber), \(url))
            ON CONFLICT (registration_number) DO NOTHING
            """)
    }

    /// The media links of the given appeals, by registration number (absent when none was sent).
    public func open311Media(numbers: [String]) async throws -> [String: String] {
        guard !numbers.isEmpty else { return [:] }
        let rows = try await database.query(
            """
            SELECT registration_number, url FROM open311_media
            WHERE registration_number = ANY(\(numbers)::text[])
            """)
        var result: [String: String] = [:]
        for row in rows {
            result[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self)
        }
        return result
    }
}

/// One change of a published appeal's public status, as Open311's `servicerequestupdates` lists it.
public struct PublicStatusChange: Sendable, Equatable {
    public let updateId: Int64, registrationNumber: String, status: String, occurredAt: Date
}

extension IntakeStore {
    /// The status changes of published appeals (as `publicAppeals` defines published) in
    /// `[start, end]`, oldest first: the number, the status and the time only, never a note.
    public func publicStatusChanges(from start: Date, to end: Date) async throws -> [PublicStatusChange] {
        let open311 = AppealValidator.Channel.open311
        let rows = try await database.query(
            """
            SELECT h.seq, a.registration_number, h.status, h.occurred_at
            FROM appeal_history h JOIN appeals a ON a.id = h.appeal_id
            WHERE NOT a.confidential AND (a.channel = \(open311) OR a.publication_consent)
              AND h.occurred_at >= \(start)::timestamptz AND h.occurred_at <= \(end)::timestamptz
            ORDER BY h.occurred_at, h.seq LIMIT 1000
            """)
        return try rows.map { r in
            PublicStatusChange(
                updateId: try r.decode(0), registrationNumber: try r.decode(1), status: try r.decode(2),
                occurredAt: try r.decode(3))
        }
    }
}
