import Foundation
import HromadaCrypto
import Hummingbird

/// A web session in a cookie, for the server-rendered pages (the librarian's form, the officials'
/// inbox, the centre's notices, the operators' console): `<base64url(subject|expiry|csrf)>.<hex
/// HMAC-SHA256>`. The server keeps nothing; a forged or expired cookie reads as no session. The
/// cookie is HttpOnly and SameSite=Strict, and every form also posts the session's CSRF token
/// back (`SignedSession.csrfField`), which `isValidCSRF` checks in constant time.
///
/// Expiry follows the wall clock, never a service's injectable domain clock: a session lasts
/// hours of real time whatever date a test pretends it is.
///
/// The secret is per process unless a deployment sets one (`HROMADA_SESSION_SECRET`); with
/// several replicas behind one address they must share it, or a user signs in again after a hop.
public struct SignedSession: Sendable {
    public struct Session: Sendable, Equatable {
        /// Who: a centre id, an official's id, "operator".
        public let subject: String
        /// Seconds since 1970 after which the session is void.
        public let expires: Int
        public let csrf: String
    }

    public static let csrfField = "csrf"
    public let cookieName: String
    private let secret: [UInt8]
    private let lifetime: Duration

    public init(cookieName: String = "hromada_session", secret: [UInt8], lifetime: Duration = .seconds(12 * 3600)) {
        self.cookieName = cookieName
        self.secret = secret
        self.lifetime = lifetime
    }

    /// The secret from `HROMADA_SESSION_SECRET` (any string, hashed to 32 bytes) or a random one.
    public static func secret(from environment: [String: String]) -> [UInt8] {
        if let configured = environment["HROMADA_SESSION_SECRET"], !configured.isEmpty {
            return SHA256.hash(configured)
        }
        return SecureRandom.bytes(32)
    }

    /// A new session for `subject` and the `Set-Cookie` value that carries it.
    public func issue(subject: String, now: Date = Date()) -> (session: Session, setCookie: String) {
        let seconds = Int(lifetime.components.seconds)
        let session = Session(subject: subject, expires: Int(now.timeIntervalSince1970) + seconds, csrf: SecureRandom.token(bytes: 18))
        let payload = Base64URL.encode(Array("\(session.subject)|\(session.expires)|\(session.csrf)".utf8))
        let value = payload + "." + Hex.encode(mac(payload))
        return (session, "\(cookieName)=\(value); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(seconds)")
    }

    /// The `Set-Cookie` value that ends the session.
    public var clearCookie: String { "\(cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0" }

    /// The request's valid, unexpired session, or nil.
    public func read(_ request: Request, now: Date = Date()) -> Session? {
        guard let value = request.cookies[cookieName]?.value else { return nil }
        return read(cookieValue: value, now: now)
    }

    public func read(cookieValue value: String, now: Date = Date()) -> Session? {
        guard value.count < 1024 else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let given = try? Hex.decode(String(parts[1])),
              ConstantTime.equals(mac(String(parts[0])), given),
              let raw = try? Base64URL.decode(String(parts[0])) else { return nil }
        let fields = String(decoding: raw, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 3, let expires = Int(fields[1]), expires > Int(now.timeIntervalSince1970) else { return nil }
        return Session(subject: fields[0], expires: expires, csrf: fields[2])
    }

    /// Whether a posted form carries this session's CSRF token.
    public func isValidCSRF(_ session: Session, form: FormData) -> Bool {
        guard let posted = form[Self.csrfField] else { return false }
        return ConstantTime.equals(Array(posted.utf8), Array(session.csrf.utf8))
    }

    private func mac(_ payload: String) -> [UInt8] {
        HMACSHA256.authenticationCode(key: secret, message: Array(payload.utf8))
    }
}
