import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The notification schema's store, the only place with SQL. The `static` functions run on a
/// connection inside the caller's transaction (the consumer's inbox transaction); the instance
/// methods open their own (writes through the `UnitOfWork`). Split by concern: the directory copies
/// (this file), the deliveries (`NotificationStore+Deliveries.swift`) and the centres' inbox
/// (`NotificationStore+Inbox.swift`).
public struct NotificationStore: Sendable {
    /// Every write goes through it: one transaction, the relay woken after the commit.
    let work: UnitOfWork

    public init(work: UnitOfWork) { self.work = work }

    var database: PostgresClient { work.database }
}

// MARK: - Directory copies (residents' contacts, centres, officials)

extension NotificationStore {
    static func saveCentre(_ centre: CentreUpdated, on connection: PostgresConnection) throws {
        try connection.execute(
            """
            INSERT INTO centres (centre_id, name, address, key_hash, active, updated_at)
            VALUES (\(centre.centreId), \(centre.name), \(centre.address), \(centre.keyHash.lowercased()),
                    \(centre.active), \(centre.updatedAt))
            ON CONFLICT (centre_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
                key_hash = EXCLUDED.key_hash, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE centres.updated_at <= EXCLUDED.updated_at
            """)
    }

    static func saveOfficial(_ official: OfficialUpdated, on connection: PostgresConnection) throws {
        let id = official.officialId.uuidString.lowercased()
        try connection.execute(
            """
            INSERT INTO officials (official_id, name, authority, role, email, active, updated_at)
            VALUES (\(id), \(official.name), \(official.authority), \(official.role.rawValue), \(official.email),
                    \(official.active), \(official.updatedAt))
            ON CONFLICT (official_id) DO UPDATE SET name = EXCLUDED.name, authority = EXCLUDED.authority,
                role = EXCLUDED.role, email = EXCLUDED.email, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE officials.updated_at <= EXCLUDED.updated_at
            """)
    }

    /// Keeps the resident's contact (and the address `AnswerLetters` prints) from `appeal.registered`;
    /// returns it as `loadResident` would read it back when this call wrote the row (so the handler
    /// need not read it), nil when a row was there already (then `AnswerLetters.saveAddress` fills a
    /// missing address, as before).
    @discardableResult
    static func saveResident(_ e: AppealRegistered, on connection: PostgresConnection) throws -> ResidentContact? {
        let language = e.author.preferredLanguage.rawValue
        let notifyBy: String? = e.author.notifyBy == "sms" ? "sms" : nil
        let inserted = try connection.execute(
            """
            INSERT INTO recipients (appeal_id, registration_number, full_name, email, phone, language, centre_id,
                                    confidential, registered_at, notify_by, address)
            VALUES (\(e.appealId), \(e.registrationNumber), \(e.author.fullName), \(e.author.email), \(e.author.phone),
                    \(language), \(e.centreId), \(e.confidential), \(e.registeredAt), \(notifyBy),
                    \(e.author.address))
            ON CONFLICT (appeal_id) DO NOTHING
            """)
        guard inserted == 1 else { return nil }
        return ResidentContact(
            appealId: e.appealId, registrationNumber: e.registrationNumber, fullName: e.author.fullName,
            email: e.author.email, phone: e.author.phone, language: language, centreId: e.centreId,
            confidential: e.confidential, notifyBy: notifyBy)
    }

    static func loadResident(appealId: UUID, on connection: PostgresConnection) throws -> ResidentContact? {
        guard
            let row = try connection.query(
                """
                SELECT registration_number, full_name, email, phone, language, centre_id, confidential, notify_by
                FROM recipients WHERE appeal_id = \(appealId)
                """
            ).first
        else { return nil }
        return ResidentContact(
            appealId: appealId, registrationNumber: try row.decode(0), fullName: try row.decode(1),
            email: try row.decode(2, as: String?.self), phone: try row.decode(3, as: String?.self),
            language: try row.decode(4), centreId: try row.decode(5, as: String?.self), confidential: try row.decode(6),
            notifyBy: try row.decode(7, as: String?.self))
    }

    /// The active officials with an email: of `authority`, or else of `role`.
    static func loadOfficials(authority: String?, role: String?, on connection: PostgresConnection) throws
        -> [OfficialContact]
    {
        let rows: PostgresRows
        if let authority {
            rows = try connection.query(
                """
                SELECT official_id, name, authority, role, email FROM officials
                WHERE active AND email IS NOT NULL AND authority = \(authority) ORDER BY official_id
                """)
        } else {
            rows = try connection.query(
                """
                SELECT official_id, name, authority, role, email FROM officials
                WHERE active AND email IS NOT NULL AND role = \(role ?? "reception") ORDER BY official_id
                """)
        }
        return try rows.map { row in
            OfficialContact(
                officialId: try row.decode(0), name: try row.decode(1), authority: try row.decode(2),
                role: try row.decode(3), email: try row.decode(4, as: String?.self))
        }
    }
}
