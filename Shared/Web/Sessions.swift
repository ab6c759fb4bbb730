// HromadaWeb — one session mechanism for every page: a cookie named per service
// (`hromada_<service>`; HttpOnly, SameSite=Lax, Secure when the public URL is https) whose value
// the service's `SessionStore` understands. Services with a database keep server-side rows in
// their own schema (`PostgresSessionStore`, migration `WebMigrations.sessions`), so replicas share
// them and sign-out really ends a session; the console, which has no database, keeps a signed
// cookie with a short absolute expiry (`SignedCookieSessionStore`). Expiry follows the wall clock.
// How a service adopts the kit: Shared/Web/README.md.
import Foundation
import HromadaCrypto
import HromadaRuntime
public import Hummingbird

/// One signed-in browser.
public struct WebSession: Sendable, Equatable {
    /// The store's key for the session (never the cookie's value).
    public var id: String
    /// Whom the service signed in: a centre id, an official's id, `operator`, … The service maps it
    /// to a `Principal` on every request (so a revoked credential ends the session).
    public var subject: String
    /// The synchronizer token every state-changing form of this session posts back.
    public var csrf: String
    public var createdAt: Date
    /// The absolute end, whatever the activity.
    public var expiresAt: Date

    public init(id: String, subject: String, csrf: String, createdAt: Date, expiresAt: Date) {
        self.id = id
        self.subject = subject
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Where sessions live. `create` returns the cookie value that names the session; `load` returns
/// nil for anything unknown, forged, ended or expired (by idle time or absolutely).
public protocol SessionStore: Sendable {
    func create(subject: String, now: Date) async throws -> (session: WebSession, cookieValue: String)
    func load(cookieValue: String, now: Date) async throws -> WebSession?
    /// Ends one session: its cookie stops working, on every replica.
    func delete(_ session: WebSession) async throws
    /// Ends every session of `subject` (e.g. when its key or token is replaced).
    func deleteAll(subject: String) async throws
}

/// Opens, reads and ends sessions for one service; builds its cookies.
public struct WebSessions: Sendable {
    public let cookieName: String
    public let store: any SessionStore
    /// `Secure` on the cookie: the public URL is https.
    public let secure: Bool
    /// `Lax` (the default: a link from elsewhere opens the page signed in; forms from elsewhere are
    /// refused by the CSRF checks) or `Strict` (the console: no cookie on any cross-site request).
    public let sameSite: Cookie.SameSite
    let clock: @Sendable () -> Date

    public init(
        settings: WebSettings, store: any SessionStore, sameSite: Cookie.SameSite = .lax,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.init(
            cookieName: settings.cookieName, store: store, secure: settings.publicURL.isHTTPS, sameSite: sameSite,
            clock: clock)
    }

    public init(
        cookieName: String, store: any SessionStore, secure: Bool, sameSite: Cookie.SameSite = .lax,
        clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.cookieName = cookieName
        self.store = store
        self.secure = secure
        self.sameSite = sameSite
        self.clock = clock
    }

    /// A new session for `subject` and the cookie to set on the response.
    public func start(subject: String) async throws -> (session: WebSession, cookie: Cookie) {
        let now = clock()
        let (session, value) = try await store.create(subject: subject, now: now)
        let maxAge = max(0, Int(session.expiresAt.timeIntervalSince(now)))
        return (session, cookie(value: value, maxAge: maxAge))
    }

    /// The request's live session, or nil.
    public func load(_ request: Request) async throws -> WebSession? {
        guard let value = request.cookies[cookieName]?.value, !value.isEmpty, value.utf8.count <= 1024 else {
            return nil
        }
        return try await store.load(cookieValue: value, now: clock())
    }

    /// Ends `session` (when there is one) and returns the cookie that clears it in the browser.
    public func end(_ session: WebSession?) async throws -> Cookie {
        if let session { try await store.delete(session) }
        return clearingCookie
    }

    /// The `Set-Cookie` that removes the session cookie.
    public var clearingCookie: Cookie { cookie(value: "", maxAge: 0) }

    /// The session cookie carrying `value` (HttpOnly, Path=/, SameSite, Secure for https).
    public func cookie(value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: cookieName, value: value, maxAge: maxAge, path: "/", secure: secure, httpOnly: true,
            sameSite: sameSite)
    }
}

/// Reads the session cookie on every request: fills `context.session` and, through `principal`,
/// `context.principal` (nil when the subject no longer maps to anyone, e.g. a revoked token).
/// A principal already set (by a bearer token) is kept.
public struct SessionAuthenticator<Context: PrincipalRequestContext>: RouterMiddleware {
    let sessions: WebSessions
    let principal: @Sendable (WebSession, Context) async throws -> Principal?

    public init(
        sessions: WebSessions,
        principal: @escaping @Sendable (WebSession, Context) async throws -> Principal?
    ) {
        self.sessions = sessions
        self.principal = principal
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if context.principal == nil, let session = try await sessions.load(request) {
            if let principal = try await principal(session, context) {
                context.session = session
                context.principal = principal
            }
        }
        return try await next(request, context)
    }
}

/// Reads `Authorization: Bearer <token>` and asks `principal` who it belongs to. A request without a
/// token, or with an unknown one, goes on unauthenticated: the route's `require(_:)` answers 401.
public struct BearerAuthenticator<Context: PrincipalRequestContext>: RouterMiddleware {
    let principal: @Sendable (String, Context) async throws -> Principal?

    public init(principal: @escaping @Sendable (String, Context) async throws -> Principal?) {
        self.principal = principal
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        if context.principal == nil, let token = Self.token(request) {
            context.principal = try await principal(token, context)
        }
        return try await next(request, context)
    }

    /// The token of `Authorization: Bearer <token>` (at most 512 characters), or nil.
    public static func token(_ request: Request) -> String? { BearerToken.from(request) }
}

/// Helpers shared by the stores.
enum SessionTokens {
    /// A random session token, its store key (SHA-256: a leaked table gives no usable cookie), and
    /// the cookie value `<token>.<mac>` (a forged value is refused before any lookup).
    static func make(secret: SessionSecret, purpose: String) -> (token: String, key: String, cookieValue: String) {
        let token = SecureRandom.token(bytes: 32)
        return (token, SHA256.hex(token), token + "." + mac(token, secret: secret, purpose: purpose))
    }

    /// The token of a cookie value whose MAC checks out.
    static func token(of cookieValue: String, secret: SessionSecret, purpose: String) -> String? {
        let parts = cookieValue.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let token = String(parts[0])
        guard ConstantTime.equals(mac(token, secret: secret, purpose: purpose), String(parts[1])) else { return nil }
        return token
    }

    /// A CSRF token: 20 random bytes as lower-case hex (safe in any HTML attribute or form field).
    static func csrf() -> String { Hex.encode(SecureRandom.bytes(20)) }

    /// A random session id for stores that keep no rows.
    static func randomID() -> String { Hex.encode(SecureRandom.bytes(16)) }

    static func mac(_ token: String, secret: SessionSecret, purpose: String) -> String {
        Hex.encode(Array(secret.mac(token, purpose: purpose).prefix(16)))
    }
}
