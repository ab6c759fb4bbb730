import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// Librarians' accounts (table `librarians`, migration 400).
extension IntakeStore {
    /// Creates the account. Throws `LibrarianLoginInUse` when the centre already has the login, and
    /// `UnknownCentre` when there is no such centre.
    public func addLibrarian(_ registration: LibrarianRegistration, at now: Date) async throws -> Librarian {
        guard try await centre(id: registration.centre) != nil else { throw UnknownCentre() }
        let librarian = Librarian(
            id: UUID(), centre: registration.centre, login: registration.login, active: true,
            createdAt: ISO8601.roundedToMilliseconds(now))
        do {
            _ = try await database.execute(
                """
                INSERT INTO librarians (id, centre_id, login, password_hash, active, created_at)
                VALUES (\(librarian.id), \(librarian.centre), \(librarian.login), \(registration.passwordHash), true,
                    \(librarian.createdAt))
                """)
        } catch let error as PostgresError where error.isUniqueViolation {
            throw LibrarianLoginInUse()
        }
        return librarian
    }

    /// Creates the account or, when the centre has the login already, sets its password and turns it
    /// on (ending its sessions, which the old password opened). Returns the account and whether it is
    /// new. Throws `UnknownCentre` when there is no such centre.
    public func putLibrarian(_ registration: LibrarianRegistration, at now: Date) async throws
        -> (librarian: Librarian, created: Bool)
    {
        guard try await centre(id: registration.centre) != nil else { throw UnknownCentre() }
        let id = UUID()
        return try await database.withTransaction { c in
            let row = try c.query(
                """
                INSERT INTO librarians (id, centre_id, login, password_hash, active, created_at)
                VALUES (\(id), \(registration.centre), \(registration.login), \(registration.passwordHash), true,
                    \(ISO8601.roundedToMilliseconds(now)))
                ON CONFLICT (centre_id, login) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true
                RETURNING id, centre_id, login, active, created_at
                """
            ).first
            guard let row else { throw UnknownCentre() }
            let librarian = try Self.librarian(row)
            if librarian.id != id {
                _ = try c.execute("DELETE FROM web_sessions WHERE subject = \(librarian.sessionSubject)")
            }
            return (librarian, librarian.id == id)
        }
    }

    /// The active account `login` of the active centre `centre` whose password is `password`, or nil
    /// (the same nil for an unknown centre, login or password, so none can be told apart).
    public func authenticateLibrarian(centre: String, login: String, password: String) async throws -> Librarian? {
        let login = login.lowercased()
        guard CentreRegistration.isCentreId(centre), LibrarianRegistration.isLogin(login),
            LibrarianRegistration.passwordLength.contains(password.count)
        else { return nil }
        let rows = try await database.query(
            """
            SELECT l.id, l.centre_id, l.login, l.active, l.created_at, l.password_hash
            FROM librarians l JOIN centres c ON c.id = l.centre_id
            WHERE l.centre_id = \(centre) AND l.login = \(login) AND l.active AND c.active
            """)
        // An unknown login costs the same hashing work as a wrong password, so neither can be told apart.
        let stored = try rows.first?.decode(5, as: String.self) ?? ""
        // (An empty stored hash is no valid hash: `PasswordHash` does the same work and answers false.)
        guard await Self.passwordMatches(password, stored: stored), let row = rows.first else { return nil }
        return try Self.librarian(row)
    }

    /// The account, whatever its state (callers check `active` and the centre's).
    public func librarian(id: UUID) async throws -> Librarian? {
        try await database.query(
            "SELECT id, centre_id, login, active, created_at FROM librarians WHERE id = \(id)"
        ).first.map(Self.librarian)
    }

    public func librarians(centre: String) async throws -> [Librarian] {
        try await database.query(
            "SELECT id, centre_id, login, active, created_at FROM librarians WHERE centre_id = \(centre) ORDER BY login"
        ).map(Self.librarian)
    }

    /// Turns the account on or off; an inactive account's sessions stop working at once. False when
    /// the centre has no such login.
    public func setLibrarian(centre: String, login: String, active: Bool) async throws -> Bool {
        let rows = try await database.query(
            """
            UPDATE librarians SET active = \(active) WHERE centre_id = \(centre) AND login = \(login.lowercased())
            RETURNING id
            """)
        return !rows.isEmpty
    }

    /// `PasswordHash`; a 64-hex `TokenHash` is still read for accounts made before passwords were
    /// salted (they should be given a new password; `hromadactl librarian add` over the same login does).
    static func passwordMatches(_ password: String, stored: String) async -> Bool {
        if stored.count == 64, stored.allSatisfy(\.isHexDigit) {
            return TokenHash.verify(token: password, hash: stored)
        }
        return await PasswordHash.verifyOffThePool(password: password, hash: stored)
    }

    static func librarian(_ row: PostgresRow) throws -> Librarian {
        Librarian(
            id: try row.decode(0), centre: try row.decode(1), login: try row.decode(2), active: try row.decode(3),
            createdAt: try row.decode(4))
    }
}

/// The centre already has an account with this login.
public struct LibrarianLoginInUse: Error, Sendable {}

/// No centre has this id.
public struct UnknownCentre: Error, Sendable {}

extension IntakeStore {
    /// The active account a session subject names, with its active centre; nil for anything else
    /// (a deactivated account or centre ends its sessions at once).
    public func signedInLibrarian(subject: String) async throws -> (Librarian, Centre)? {
        guard let id = Librarian.id(sessionSubject: subject), let librarian = try await librarian(id: id),
            librarian.active, let centre = try await centre(id: librarian.centre), centre.active
        else { return nil }
        return (librarian, centre)
    }
}
