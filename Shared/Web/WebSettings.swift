// HromadaWeb — the web settings every page-serving service reads the same way:
// `HROMADA_PUBLIC_URL` (the address users reach the service at; links and the cookie's `Secure`
// flag come from it, never from the `Host` header) and `HROMADA_SESSION_SECRET` (hex, at least
// 32 bytes; replicas behind one address must share it). How a service adopts the kit:
// Shared/Web/README.md.
import Foundation
import HromadaCrypto
import HromadaRuntime
public import Logging

/// The web settings of one service. Every field has a default; `fromEnvironment` reads the variables.
public struct WebSettings: Sendable {
    /// `intake`, `routing`, `notification`, `audit`, `console`: names the session cookie
    /// (`hromada_<service>`).
    public var service: String
    public var publicURL: PublicURL
    public var sessionSecret: SessionSecret
    /// A session unused this long ends (wall clock).
    public var sessionIdleTimeout: Duration
    /// A session ends this long after sign-in whatever happens (wall clock).
    public var sessionLifetime: Duration

    public init(
        service: String,
        publicURL: PublicURL,
        sessionSecret: SessionSecret = .random(),
        sessionIdleTimeout: Duration = .seconds(2 * 3600),
        sessionLifetime: Duration = .seconds(12 * 3600)
    ) {
        self.service = service
        self.publicURL = publicURL
        self.sessionSecret = sessionSecret
        self.sessionIdleTimeout = sessionIdleTimeout
        self.sessionLifetime = sessionLifetime
    }

    /// The local default for tests and development: `http://127.0.0.1:<port>`, a random secret.
    public static func local(service: String, port: Int) -> WebSettings {
        WebSettings(service: service, publicURL: .local(port: port))
    }

    /// The session cookie's name: `hromada_<service>`.
    public var cookieName: String { "hromada_\(service)" }

    /// Reads `HROMADA_PUBLIC_URL` (default `http://127.0.0.1:<port>`) and `HROMADA_SESSION_SECRET`
    /// (hex, ≥ 32 bytes; random per process when unset). A bad value is an error naming the variable.
    public static func fromEnvironment(
        service: String, port: Int, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> WebSettings {
        let reader = EnvironmentReader(environment)
        var settings = WebSettings.local(service: service, port: port)
        if let url = reader.string(.publicURL) {
            settings.publicURL = try PublicURL(url, variable: EnvironmentVariable.publicURL.name)
        }
        if let secret = reader.string(.sessionSecret) {
            settings.sessionSecret = try SessionSecret(hex: secret, variable: EnvironmentVariable.sessionSecret.name)
        }
        return settings
    }

    /// Logs, once at start, what a deployment with replicas must know: a random secret means a
    /// user's session and forms fail whenever a request lands on another replica.
    public func logStartup(_ logger: Logger) {
        if sessionSecret.isRandom {
            logger.warning(
                """
                HROMADA_SESSION_SECRET is not set: sessions are signed with a random per-process secret; \
                replicas behind one address must share a secret
                """,
                metadata: ["web.service": "\(service)"])
        }
        logger.info("public URL", metadata: ["web.public_url": "\(publicURL)"])
    }
}

/// The key that signs session cookies (HMAC-SHA256). Never logged or printed.
public struct SessionSecret: Sendable, CustomStringConvertible {
    public let bytes: [UInt8]
    /// True when drawn at random in this process (no `HROMADA_SESSION_SECRET`).
    public let isRandom: Bool

    public static let minimumBytes = 32

    /// A secret given as hex of at least 32 bytes (64 hex digits), e.g. `openssl rand -hex 32`.
    public init(hex: String, variable: String = "HROMADA_SESSION_SECRET") throws {
        guard let bytes = try? Hex.decode(hex) else {
            throw ConfigurationError(variable: variable, reason: "must be hexadecimal (e.g. openssl rand -hex 32)")
        }
        guard bytes.count >= Self.minimumBytes else {
            throw ConfigurationError(
                variable: variable, reason: "must hold at least \(Self.minimumBytes) bytes (64 hex digits)")
        }
        self.bytes = bytes
        self.isRandom = false
    }

    init(bytes: [UInt8], isRandom: Bool) {
        self.bytes = bytes
        self.isRandom = isRandom
    }

    public static func random() -> SessionSecret { SessionSecret(bytes: SecureRandom.bytes(32), isRandom: true) }

    public var description: String { isRandom ? "SessionSecret(random)" : "SessionSecret(configured)" }

    /// HMAC-SHA256 of `message` under a key derived for `purpose`, so one secret serves several
    /// uses (cookies of different services, CSRF) without one's MAC being valid for another.
    func mac(_ message: String, purpose: String) -> [UInt8] {
        let key = HMACSHA256.authenticationCode(key: bytes, message: Array("hromada.\(purpose)".utf8))
        return HMACSHA256.authenticationCode(key: key, message: Array(message.utf8))
    }
}
