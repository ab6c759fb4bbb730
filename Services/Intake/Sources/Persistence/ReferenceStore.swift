import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

extension IntakeStore {
    public func categories() async throws -> [CategoryEntry] {
        let rows = try await database.query(
            """
            SELECT code, name_uk, name_en, description_uk, description_en, default_authority, term_days
            FROM categories ORDER BY position
            """)
        return try rows.map { r in
            CategoryEntry(
                code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2), descriptionUk: try r.decode(3),
                descriptionEn: try r.decode(4), defaultAuthority: try r.decode(5), termDays: try r.decode(6))
        }
    }

    public func authorities() async throws -> [AuthorityEntry] {
        let rows = try await database.query("SELECT code, name_uk, name_en, district FROM authorities ORDER BY code")
        return try rows.map { r in
            AuthorityEntry(
                code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2),
                district: try r.decode(3, as: String?.self))
        }
    }

    public func districts() async throws -> [DistrictEntry] {
        let rows = try await database.query("SELECT code, name_uk, name_en FROM districts ORDER BY code")
        return try rows.map { r in
            DistrictEntry(code: try r.decode(0), nameUk: try r.decode(1), nameEn: try r.decode(2))
        }
    }

    /// Writes `Reference` into the reference tables (idempotent: upsert by code).
    public func seedReference() async throws {
        try await database.withTransaction { connection in try ReferenceSeed.seed(on: connection) }
    }
}

/// Seeds the reference tables from `Reference` idempotently (upsert by code).
public enum ReferenceSeed {
    public static func seed(on connection: PostgresConnection) throws {
        try ReferenceTables.upsertDistrictsAndAuthorities(on: connection)
        for (i, c) in Reference.categories.enumerated() {
            try connection.execute(
                """
                INSERT INTO categories (code, name_uk, name_en, description_uk, description_en, default_authority,
                    term_days, position)
                VALUES (\(c.code), \(c.nameUk), \(c.nameEn), \(c.descriptionUk), \(c.descriptionEn),
                    \(c.defaultAuthority), \(c.termDays), \(i))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en,
                    description_uk = EXCLUDED.description_uk, description_en = EXCLUDED.description_en,
                    default_authority = EXCLUDED.default_authority, term_days = EXCLUDED.term_days,
                    position = EXCLUDED.position
                """)
        }
    }
}
