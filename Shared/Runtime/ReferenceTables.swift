import HromadaContracts
public import HromadaPostgres

/// The reference tables that intake's and routing's schemas both hold in the same shape, written
/// from `Reference`. Each service writes its `categories` itself (their columns differ).
public enum ReferenceTables {
    /// Upserts every district and authority of `Reference` by code (idempotent), on `connection`,
    /// into the `districts (code, name_uk, name_en)` and
    /// `authorities (code, name_uk, name_en, district)` tables of its schema.
    public static func upsertDistrictsAndAuthorities(on connection: PostgresConnection) throws {
        for d in Reference.districts {
            try connection.execute(
                """
                INSERT INTO districts (code, name_uk, name_en) VALUES (\(d.code), \(d.nameUk), \(d.nameEn))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en
                """)
        }
        for a in Reference.authorities {
            try connection.execute(
                """
                INSERT INTO authorities (code, name_uk, name_en, district)
                VALUES (\(a.code), \(a.nameUk), \(a.nameEn), \(a.district))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en,
                    district = EXCLUDED.district
                """)
        }
    }
}
