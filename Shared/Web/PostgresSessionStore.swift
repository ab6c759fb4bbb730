// HromadaWeb — server-side sessions in the service's own schema. Each service appends
// `WebMigrations.sessions` to its migrations; replicas share the rows, sign-out deletes the row.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaCore
import HromadaCrypto
public import HromadaPostgres

/// The table of `PostgresSessionStore`, as a migration every web service appends to its own list
/// (runtime migrations use versions 1–99; this is 90).
public enum WebMigrations {
    public static let sessions = Migration(
        version: 90,
        name: "web: sessions",
        sql: """
            CREATE TABLE web_sessions (
                token_hash   text        PRIMARY KEY,
                subject      text        NOT NULL,
                csrf         text        NOT NULL,
                created_at   timestamptz NOT NULL,
                last_seen_at timestamptz NOT NULL,
                expires_at   timestamptz NOT NULL
            );
            CREATE INDEX web_sessions_subject ON web_sessions (subject);
            CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
            """
    )
}

/// Sessions as rows of `web_sessions`, keyed by the SHA-256 of the cookie's random token.
/// A session ends at `expires_at` (absolute) or after `idleTimeout` without a request; ended rows
/// are deleted whenever a session starts, so the table stays small.
public struct PostgresSessionStore: SessionStore {
    let database: PostgresClient
    let secret: SessionSecret
    let purpose: String
    let idleTimeout: TimeInterval
    let lifetime: TimeInterval
    /// `last_seen_at` is written at most this often per session (not on every request).
    let touchInterval: TimeInterval

    public init(database: PostgresClient, settings: WebSettings, touchInterval: TimeInterval = 60) {
        self.database = database
        self.secret = settings.sessionSecret
        self.purpose = "session." + settings.cookieName
        self.idleTimeout = settings.sessionIdleTimeout.seconds
        self.lifetime = settings.sessionLifetime.seconds
        self.touchInterval = touchInterval
    }

    public func create(subject: String, now: Date) async throws -> (session: WebSession, cookieValue: String) {
        let (_, key, cookieValue) = SessionTokens.make(secret: secret, purpose: purpose)
        let session = WebSession(
            id: key, subject: subject, csrf: SessionTokens.csrf(),
            createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        let idleCutoff = now.addingTimeInterval(-idleTimeout)
        try await database.withTransaction { connection in
            try connection.execute(
                "DELETE FROM web_sessions WHERE expires_at <= \(now) OR last_seen_at <= \(idleCutoff)")
            try connection.execute(
                """
                INSERT INTO web_sessions (token_hash, subject, csrf, created_at, last_seen_at, expires_at)
                VALUES (\(session.id), \(session.subject), \(session.csrf), \(now), \(now), \(session.expiresAt))
                """)
        }
        return (session, cookieValue)
    }

    public func load(cookieValue: String, now: Date) async throws -> WebSession? {
        guard let token = SessionTokens.token(of: cookieValue, secret: secret, purpose: purpose) else { return nil }
        let key = SHA256.hex(token)
        let idleCutoff = now.addingTimeInterval(-idleTimeout)
        let touchCutoff = now.addingTimeInterval(-touchInterval)
        return try await database.withConnection { connection -> WebSession? in
            guard
                let row = try connection.query(
                    """
                    SELECT subject, csrf, created_at, expires_at, last_seen_at <= \(touchCutoff)
                    FROM web_sessions
                    WHERE token_hash = \(key) AND expires_at > \(now) AND last_seen_at > \(idleCutoff)
                    """
                ).first
            else { return nil }
            let session = WebSession(
                id: key, subject: try row.decode(0), csrf: try row.decode(1),
                createdAt: try row.decode(2), expiresAt: try row.decode(3))
            if try row.decode(4, as: Bool.self) {
                try connection.execute("UPDATE web_sessions SET last_seen_at = \(now) WHERE token_hash = \(key)")
            }
            return session
        }
    }

    public func delete(_ session: WebSession) async throws {
        try await database.execute("DELETE FROM web_sessions WHERE token_hash = \(session.id)")
    }

    public func deleteAll(subject: String) async throws {
        try await database.execute("DELETE FROM web_sessions WHERE subject = \(subject)")
    }
}
