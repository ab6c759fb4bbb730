// HromadaWeb — sessions for a process without a database (the operators' console): the cookie
// itself carries the session, signed with HMAC-SHA256, with a short absolute expiry. Sign-out puts
// the session on an in-memory deny list until it would have expired, so the old cookie stops
// working in this process. How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaCore
import HromadaCrypto
import Synchronization

/// `<base64url(id|subject|csrf|created|expires)>.<hex HMAC>`; nothing kept server-side but the
/// deny list of ended sessions.
public final class SignedCookieSessionStore: SessionStore {
    let secret: SessionSecret
    let purpose: String
    let lifetime: TimeInterval
    private let ended = Mutex<[String: Date]>([:])

    /// `lifetime` is absolute: the console's default is two hours.
    public init(settings: WebSettings, lifetime: Duration = .seconds(2 * 3600)) {
        self.secret = settings.sessionSecret
        self.purpose = "signed." + settings.cookieName
        self.lifetime = lifetime.seconds
    }

    public init(secret: SessionSecret, cookieName: String, lifetime: Duration = .seconds(2 * 3600)) {
        self.secret = secret
        self.purpose = "signed." + cookieName
        self.lifetime = lifetime.seconds
    }

    public func create(subject: String, now: Date) async throws -> (session: WebSession, cookieValue: String) {
        issue(subject: subject, now: now)
    }

    public func load(cookieValue: String, now: Date) async throws -> WebSession? {
        session(from: cookieValue, now: now)
    }

    /// A new session and its cookie value (synchronous: nothing is stored).
    public func issue(subject: String, now: Date) -> (session: WebSession, cookieValue: String) {
        let session = WebSession(
            id: SessionTokens.randomID(), subject: subject, csrf: SessionTokens.csrf(),
            createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        let fields = [
            session.id, session.subject, session.csrf,
            String(Int(now.timeIntervalSince1970)), String(Int(session.expiresAt.timeIntervalSince1970)),
        ]
        let payload = Base64URL.encode(Array(fields.joined(separator: "|").utf8))
        return (session, payload + "." + Hex.encode(secret.mac(payload, purpose: purpose)))
    }

    /// The live session a cookie value carries, or nil (forged, expired or ended).
    public func session(from cookieValue: String, now: Date) -> WebSession? {
        guard cookieValue.utf8.count <= 1024 else { return nil }
        let parts = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let given = try? Hex.decode(String(parts[1])),
            ConstantTime.equals(secret.mac(String(parts[0]), purpose: purpose), given),
            let raw = try? Base64URL.decode(String(parts[0]))
        else { return nil }
        let fields = String(decoding: raw, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(
            String.init)
        guard fields.count == 5, let created = Double(fields[3]), let expires = Double(fields[4]),
            expires > now.timeIntervalSince1970
        else { return nil }
        let session = WebSession(
            id: fields[0], subject: fields[1], csrf: fields[2],
            createdAt: Date(timeIntervalSince1970: created), expiresAt: Date(timeIntervalSince1970: expires))
        let isEnded = ended.withLock { $0[session.id] != nil }
        return isEnded ? nil : session
    }

    public func delete(_ session: WebSession) async throws {
        let now = Date()
        ended.withLock { ended in
            ended = ended.filter { $0.value > now }
            ended[session.id] = session.expiresAt
        }
    }

    /// A signed cookie cannot be found by subject; every session of this process ends instead
    /// (a new secret would do the same across restarts).
    public func deleteAll(subject: String) async throws {
        throw SessionStoreError.unsupported
    }
}

/// What a store cannot do.
public enum SessionStoreError: Error, CustomStringConvertible, Sendable {
    case unsupported
    public var description: String { "the session store does not support this operation" }
}
