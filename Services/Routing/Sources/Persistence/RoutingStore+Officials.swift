import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// Authorities and the officials' directory (tokens stored only as hashes).
extension RoutingStore {
    // MARK: Authorities and officials

    public static func authorities(today: LocalDate, on c: PostgresConnection) throws -> [AuthorityInfo] {
        let openTickets = PostgresQuery(
            stringLiteral: "WITH t AS (SELECT authority, deadline FROM tickets WHERE \(isOpenCondition)) ")
        let query =
            openTickets
                + """
                SELECT a.code, a.name_uk, a.name_en, a.district,
                       (SELECT count(*) FROM t WHERE t.authority = a.code)::bigint,
                       (SELECT count(*) FROM t
                        WHERE t.authority = a.code AND t.deadline < \(today.description)::date)::bigint
                FROM authorities a ORDER BY a.code
                """
        return try c.query(query).map {
            AuthorityInfo(
                code: try $0.decode(0), nameUk: try $0.decode(1), nameEn: try $0.decode(2), district: try $0.decode(3),
                openTickets: try $0.decode(4), overdueTickets: try $0.decode(5))
        }
    }

    /// The active official holding `token`, or nil. Lookup by the token's SHA-256 (the index), then
    /// a constant-time comparison of the stored hash.
    public static func official(token: String, on c: PostgresConnection) throws -> Principal? {
        let hash = TokenHash.hash(token: token)
        guard
            let row = try c.query(
                """
                SELECT id, name, role, authority, token_hash FROM officials WHERE token_hash = \(hash) AND active
                """
            ).first
        else { return nil }
        guard TokenHash.verify(token: token, hash: try row.decode(4, as: String.self)),
            let role = OfficialRole(rawValue: try row.decode(2, as: String.self))
        else { return nil }
        return Principal(
            id: (try row.decode(0, as: UUID.self)).uuidString.lowercased(), name: try row.decode(1), role: role,
            authority: try row.decode(3))
    }

    /// The active official with `id` (web sessions re-check on every request), or nil.
    public static func official(id: UUID, on c: PostgresConnection) throws -> Principal? {
        guard
            let row = try c.query(
                """
                SELECT id, name, role, authority FROM officials WHERE id = \(id) AND active AND token_hash IS NOT NULL
                """
            ).first, let role = OfficialRole(rawValue: try row.decode(2, as: String.self))
        else { return nil }
        return Principal(
            id: id.uuidString.lowercased(), name: try row.decode(1), role: role, authority: try row.decode(3))
    }

    public static func officials(on c: PostgresConnection) throws -> [OfficialInfo] {
        try c.query(
            """
            SELECT id, name, authority, role, email, active, token_hash IS NOT NULL, created_at, updated_at
            FROM officials ORDER BY authority, name
            """
        ).map {
            OfficialInfo(
                id: try $0.decode(0), name: try $0.decode(1), authority: try $0.decode(2),
                role: (OfficialRole(rawValue: try $0.decode(3, as: String.self)) ?? .official).rawValue,
                email: try $0.decode(4),
                active: try $0.decode(5), hasToken: try $0.decode(6), createdAt: try $0.decode(7),
                updatedAt: try $0.decode(8))
        }
    }

    static func validate(_ r: OfficialRequest, tokenRequired: Bool, on c: PostgresConnection) throws {
        var errors: [RoutingError] = []
        let name = r.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 200 {
            errors.append(
                RoutingError(
                    .invalid, code: "required", field: "name", message: "name is required (at most 200 characters)"))
        }
        if try c.query("SELECT 1 FROM authorities WHERE code = \(r.authority)").first == nil {
            errors.append(
                RoutingError(.invalid, code: "unknown_authority", field: "authority", message: "unknown authority code")
            )
        }
        if OfficialRole(rawValue: r.role) == nil {
            errors.append(
                RoutingError(
                    .invalid, code: "unknown_role", field: "role",
                    message: "role must be one of " + OfficialRole.allCases.map(\.rawValue).joined(separator: ", ")))
        }
        if let email = r.email, !email.isEmpty, !(email.contains("@") && email.count <= 254) {
            errors.append(
                RoutingError(.invalid, code: "invalid_email", field: "email", message: "email is not an address"))
        }
        if let token = r.token, token.count < 16 || token.count > 512 {
            errors.append(
                RoutingError(.invalid, code: "too_short", field: "token", message: "a token has 16 to 512 characters"))
        } else if tokenRequired && r.token == nil {
            errors.append(RoutingError(.invalid, code: "required", field: "token", message: "token is required"))
        }
        if !errors.isEmpty { throw RoutingValidationErrors(errors: errors) }
    }

    public static func createOfficial(_ r: OfficialRequest, now: Date, in tx: UnitOfWork.Transaction) throws
        -> OfficialCreated
    {
        let c = tx.connection
        try validate(r, tokenRequired: false, on: c)
        let token = r.token ?? SecureRandom.token(bytes: 24)
        let id = UUID()
        let email = r.email.flatMap { $0.isEmpty ? nil : $0 }
        do {
            _ = try c.savepoint {
                try c.execute(
                    """
                    INSERT INTO officials (id, name, authority, role, email, token_hash, active, created_at, updated_at)
                    VALUES (\(id), \(r.name.trimmingCharacters(in: .whitespaces)), \(r.authority), \(r.role),
                        \(email),
                        \(TokenHash.hash(token: token)), true, \(now), \(now))
                    """)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw RoutingError(
                .conflict, code: "already_exists", field: "name",
                message: "an official with this name (or token) already exists at this authority")
        }
        try publishOfficial(id: id, now: now, in: tx)
        return OfficialCreated(id: id, token: token)
    }

    /// Idempotent upsert keyed by (authority, name), used by the demo seed: sets role, email and
    /// the given token, and reactivates.
    public static func upsertOfficial(_ r: OfficialRequest, now: Date, in tx: UnitOfWork.Transaction) throws
        -> OfficialUpserted
    {
        let c = tx.connection
        try validate(r, tokenRequired: true, on: c)
        let name = r.name.trimmingCharacters(in: .whitespaces)
        let email = r.email.flatMap { $0.isEmpty ? nil : $0 }
        let hash = TokenHash.hash(token: r.token ?? "")
        let row = try c.query(
            """
            INSERT INTO officials (id, name, authority, role, email, token_hash, active, created_at, updated_at)
            VALUES (\(UUID()), \(name), \(r.authority), \(r.role), \(email), \(hash), true, \(now), \(now))
            ON CONFLICT (authority, name) DO UPDATE SET role = EXCLUDED.role, email = EXCLUDED.email,
                token_hash = EXCLUDED.token_hash, active = true, updated_at = EXCLUDED.updated_at
            RETURNING id, (xmax = 0)
            """
        ).first
        guard let row else {
            throw RoutingError(.invalid, code: "upsert_failed", message: "the official could not be saved")
        }
        let id: UUID = try row.decode(0)
        try publishOfficial(id: id, now: now, in: tx)
        return OfficialUpserted(id: id, created: try row.decode(1))
    }

    public static func issueToken(officialId: UUID, now: Date, in tx: UnitOfWork.Transaction) throws -> TokenIssued {
        let c = tx.connection
        let token = SecureRandom.token(bytes: 24)
        let n = try c.execute(
            """
            UPDATE officials SET token_hash = \(TokenHash.hash(token: token)), active = true, updated_at = \(now)
            WHERE id = \(officialId)
            """)
        guard n == 1 else { throw RoutingError(.notFound, code: "not_found", message: "official not found") }
        try publishOfficial(id: officialId, now: now, in: tx)
        return TokenIssued(token: token)
    }

    /// Revoking removes the token hash and marks the official inactive until a new token is issued.
    public static func revokeToken(officialId: UUID, now: Date, in tx: UnitOfWork.Transaction) throws {
        let c = tx.connection
        let n = try c.execute(
            "UPDATE officials SET token_hash = NULL, active = false, updated_at = \(now) WHERE id = \(officialId)")
        guard n == 1 else { throw RoutingError(.notFound, code: "not_found", message: "official not found") }
        try publishOfficial(id: officialId, now: now, in: tx)
    }

    static func publishOfficial(id: UUID, now: Date, in tx: UnitOfWork.Transaction) throws {
        let c = tx.connection
        guard let row = try c.query("SELECT name, authority, role, email, active FROM officials WHERE id = \(id)").first
        else { return }
        try tx.publish(
            OfficialUpdated(
                officialId: id, name: try row.decode(0), authority: try row.decode(1),
                role: OfficialRole(rawValue: try row.decode(2, as: String.self)) ?? .official, email: try row.decode(3),
                active: try row.decode(4), updatedAt: now),
            correlationId: id, occurredAt: now)
    }
}
