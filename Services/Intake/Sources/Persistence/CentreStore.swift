import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

extension IntakeStore {
    /// The active centre whose key is `key`, or nil. The key is hashed and looked up by hash; a key
    /// no centre can have (too short or too long) is refused without a lookup.
    public func authenticateCentre(key: String?) async throws -> Centre? {
        guard let key, CentreRegistration.keyLength.contains(key.count) else { return nil }
        let hash = TokenHash.hash(token: key)
        let rows = try await database.query(
            "SELECT id, name, address, active, updated_at, key_hash FROM centres WHERE key_hash = \(hash) AND active")
        guard let r = rows.first, TokenHash.verify(token: key, hash: try r.decode(5, as: String.self)) else {
            return nil
        }
        return try Self.centre(r)
    }

    public func centre(id: String) async throws -> Centre? {
        try await database.query("SELECT id, name, address, active, updated_at FROM centres WHERE id = \(id)")
            .first.map(Self.centre)
    }

    public func centres() async throws -> [Centre] {
        try await database.query("SELECT id, name, address, active, updated_at FROM centres ORDER BY id").map(
            Self.centre)
    }

    /// Writes the centre and `centre.updated` in one transaction. Throws `CentreKeyInUse` when
    /// another centre has the same key.
    public func upsert(_ centre: CentreRegistration, at now: Date) async throws -> Centre {
        do {
            return try await unitOfWork.run { tx in
                try tx.connection.execute(
                    """
                    INSERT INTO centres (id, name, address, key_hash, active, updated_at)
                    VALUES (\(centre.id), \(centre.name), \(centre.address), \(centre.keyHash), \(centre.active),
                        \(now))
                    ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
                        key_hash = EXCLUDED.key_hash, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
                    """)
                try tx.publish(
                    centre.updatedEvent(at: now), correlationId: CentreUpdated.correlationId(centreId: centre.id),
                    occurredAt: now)
                return centre.centre(updatedAt: now)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw CentreKeyInUse()
        }
    }

    static func centre(_ r: PostgresRow) throws -> Centre {
        Centre(
            id: try r.decode(0), name: try r.decode(1), address: try r.decode(2), active: try r.decode(3),
            updatedAt: try r.decode(4))
    }
}

/// Another centre already has this key (keys are unique so a key names one centre).
public struct CentreKeyInUse: Error, Sendable {}
