import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// The resident's statement (personal-data law, Art. 8: the right to know what is held about
/// them and who has had access): intake's copy of the appeal's personal data and the accesses
/// recorded from `personal-data.accessed`.
extension IntakeStore {
    /// Records one access (idempotent per event).
    static func recordAccess(_ access: PersonalDataAccessed, eventId: UUID, on connection: PostgresConnection) throws {
        try connection.execute(
            """
            INSERT INTO appeal_accesses (event_id, appeal_id, role, authority, purpose, service, accessed_at)
            VALUES (\(eventId), \(access.appealId), \(access.actorRole), \(access.authority), \(access.purpose),
                    \(access.service), \(access.accessedAt))
            ON CONFLICT (event_id) DO NOTHING
            """)
    }

    /// The statement when `token` is the appeal's tracking code, else nil (also for an erased
    /// appeal: its tracking code is gone). A wrong number costs the same hash comparison.
    func statement(number: String, token: String, policy: RetentionPolicy, at now: Date) async throws
        -> StatementJSON.Statement?
    {
        try await statement(number: number, accept: { TrackingCode.verify(token, hash: $0) }, policy: policy, at: now)
    }

    /// The statement when `accept` accepts the stored code hash (a right code, or the tracking
    /// page's proof naming that hash), else nil.
    func statement(
        number: String, accept: @escaping @Sendable (String) -> Bool, policy: RetentionPolicy, at now: Date
    ) async throws -> StatementJSON.Statement? {
        try await database.withConnection { connection -> StatementJSON.Statement? in
            let row = try connection.query(
                """
                SELECT id, tracking_token_hash, registered_at, status, last_event_at,
                       full_name, address, email, phone, preferred_language, benefit_category, subject, body,
                       location_address, lat::text, lon::text, co_signers::text, representative::text, assisted_by,
                       centre_id, confidential, publication_consent
                FROM appeals WHERE registration_number = \(number)
                """
            ).first
            let storedHash = try row?.decode(1, as: String.self) ?? String(repeating: "0", count: 64)
            guard accept(storedHash), let row else { return nil }
            let appealId = try row.decode(0, as: UUID.self)
            var items: [StatementJSON.Item] = []
            func add(_ field: String, _ column: Int) throws {
                if let value = try row.decode(column, as: String?.self), !value.isEmpty {
                    items.append(StatementJSON.Item(field: field, value: value))
                }
            }
            try add("author.fullName", 5)
            try add("author.address", 6)
            try add("author.email", 7)
            try add("author.phone", 8)
            try add("author.preferredLanguage", 9)
            try add("author.benefitCategory", 10)
            try add("subject", 11)
            try add("text", 12)
            try add("location.address", 13)
            if let lat = try row.decode(14, as: String?.self), let lon = try row.decode(15, as: String?.self) {
                items.append(StatementJSON.Item(field: "location.coordinates", value: "\(lat), \(lon)"))
            }
            items += Self.people(json: try row.decode(16, as: String?.self), field: "coSigner")
            items += Self.people(json: try row.decode(17, as: String?.self), field: "representative")
            try add("assistedBy", 18)
            try add("centre", 19)
            items.append(
                StatementJSON.Item(field: "confidential", value: try row.decode(20, as: Bool.self) ? "yes" : "no"))
            items.append(
                StatementJSON.Item(
                    field: "publicationConsent", value: try row.decode(21, as: Bool.self) ? "yes" : "no"))
            let accesses = try connection.query(
                """
                SELECT accessed_at, role, authority, purpose, service FROM appeal_accesses
                WHERE appeal_id = \(appealId) ORDER BY accessed_at, event_id
                """
            ).map { r in
                StatementJSON.Access(
                    at: try r.decode(0, as: Date.self), role: try r.decode(1, as: String.self),
                    authority: try r.decode(2, as: String?.self), purpose: try r.decode(3, as: String.self),
                    service: try r.decode(4, as: String.self))
            }
            let status = PublicStatus(rawValue: try row.decode(3, as: String.self)) ?? .registered
            let closedAt = try row.decode(4, as: Date?.self)
            let erasable =
                RetentionPolicy.isFinal(status)
                ? closedAt.map { policy.erasableFrom(closedOn: LocalDate(date: $0)) } : nil
            return StatementJSON.Statement(
                registrationNumber: number, registeredAt: try row.decode(2, as: Date.self), generatedAt: now,
                personalData: items, accesses: accesses, purpose: Self.purpose, erasableFrom: erasable)
        }
    }

    static let purpose =
        "considering the appeal under the Law of Ukraine «On citizens' appeals» (the body's legal duty, "
        + "Art. 7); kept as Instruction 348 requires, then erased (docs/RETENTION.md)"

    /// Name and address of each person in a jsonb list (or one object) of co-signers/representatives.
    static func people(json: String?, field: String) -> [StatementJSON.Item] {
        guard let json, let data = json.data(using: .utf8),
            let value = try? JSONSerialization.jsonObject(with: data)
        else { return [] }
        let list = (value as? [[String: Any]]) ?? ((value as? [String: Any]).map { [$0] } ?? [])
        return list.map { person in
            let parts = ["fullName", "address", "documentKind", "documentNumber", "documentDate"]
                .compactMap { person[$0] as? String }
            return StatementJSON.Item(field: field, value: parts.joined(separator: ", "))
        }
    }
}
