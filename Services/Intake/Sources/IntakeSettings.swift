import Foundation
import HromadaCrypto
import HromadaRuntime

/// Every setting the intake service reads, parsed in one place. The variables shared by all
/// services (`HROMADA_AMQP_URL`, `HROMADA_DATABASE_URL`, …) are `ServiceConfiguration`'s; these
/// are intake's own:
///
/// | variable | default | meaning |
/// |---|---|---|
/// | `HROMADA_PUBLIC_URL` | `http://127.0.0.1:<HROMADA_HTTP_PORT>` | where residents reach intake: receipt links |
/// | `HROMADA_SESSION_SECRET` | random per process | hex, ≥ 32 bytes: signs the librarian's session; replicas share it |
/// | `HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS` | 48 | how long an `Idempotency-Key` is remembered |
///
/// A value that cannot be used is an error naming the variable, never a silent default.
public struct IntakeSettings: Sendable {
    /// "Now": injectable so tests can check registration days and windows without waiting.
    public var clock: @Sendable () -> Date
    /// Secret of the librarian's session cookies (random per process unless configured).
    public var sessionSecret: [UInt8]
    /// Largest accepted request body.
    public var maxBodyBytes: Int
    /// The address residents reach intake at, without a trailing slash; links on receipts are
    /// built from it, never from the request's `Host` header.
    public var publicBaseURL: String
    /// How long an idempotency key is remembered: longer than any client's retry window.
    public var idempotencyRetention: Duration

    public static let defaultIdempotencyRetentionHours = 48

    public init(
        clock: @escaping @Sendable () -> Date = { Date() },
        sessionSecret: [UInt8] = SecureRandom.bytes(32),
        maxBodyBytes: Int = 64 * 1024,
        publicBaseURL: String = "http://127.0.0.1:8080",
        idempotencyRetention: Duration = .seconds(defaultIdempotencyRetentionHours * 3600)
    ) {
        self.clock = clock
        self.sessionSecret = sessionSecret
        self.maxBodyBytes = maxBodyBytes
        self.publicBaseURL = publicBaseURL
        self.idempotencyRetention = idempotencyRetention
    }

    /// Reads intake's variables from `configuration.environment` over the defaults.
    public static func fromEnvironment(configuration: ServiceConfiguration) throws -> IntakeSettings {
        let environment = configuration.environment
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var settings = IntakeSettings(publicBaseURL: "http://127.0.0.1:\(configuration.httpPort)")
        if let url = value("HROMADA_PUBLIC_URL") {
            settings.publicBaseURL = try parsePublicURL(url, variable: "HROMADA_PUBLIC_URL")
        }
        if let secret = value("HROMADA_SESSION_SECRET") {
            settings.sessionSecret = try parseSecret(hex: secret, variable: "HROMADA_SESSION_SECRET")
        }
        if let hours = value("HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS") {
            guard let n = Int(hours), (1...24 * 365).contains(n) else {
                throw ConfigurationError(
                    variable: "HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS", reason: "must be a whole number of hours 1–8760")
            }
            settings.idempotencyRetention = .seconds(n * 3600)
        }
        return settings
    }

    /// An absolute http(s) URL without query or fragment; returned without a trailing slash.
    static func parsePublicURL(_ string: String, variable: String) throws -> String {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil
        else { throw ConfigurationError(variable: variable, reason: "must be an absolute http:// or https:// URL") }
        var url = string
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// Hex of at least 32 bytes (`openssl rand -hex 32`).
    static func parseSecret(hex: String, variable: String) throws -> [UInt8] {
        guard let bytes = try? Hex.decode(hex) else {
            throw ConfigurationError(variable: variable, reason: "must be hexadecimal (e.g. openssl rand -hex 32)")
        }
        guard bytes.count >= 32 else { throw ConfigurationError(variable: variable, reason: "must hold at least 32 bytes") }
        return bytes
    }
}
