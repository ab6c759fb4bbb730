import Foundation
import Logging

extension ServiceConfiguration {
    /// Reads the variables of ARCHITECTURE.md (`HROMADA_AMQP_URL`, `HROMADA_DATABASE_URL`,
    /// `HROMADA_HTTP_PORT`, `HROMADA_LOG_LEVEL`, …) over the defaults. A value that cannot be
    /// parsed is an error naming the variable, not a silent default.
    public static func fromEnvironment(
        serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceConfiguration {
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        var configuration = ServiceConfiguration(
            serviceName: serviceName,
            httpPort: defaultPorts[serviceName] ?? 8080,
            environment: environment
        )
        if let port = value("HROMADA_HTTP_PORT") {
            guard let p = Int(port), (0...65535).contains(p) else {
                throw ConfigurationError(variable: "HROMADA_HTTP_PORT", reason: "must be a port number 0–65535")
            }
            configuration.httpPort = p
        }
        if let host = value("HROMADA_HTTP_HOST") { configuration.httpHost = host }
        if let url = value("HROMADA_AMQP_URL") {
            guard url.hasPrefix("amqp://") || url.hasPrefix("amqps://") else {
                throw ConfigurationError(variable: "HROMADA_AMQP_URL", reason: "must start with amqp:// or amqps://")
            }
            configuration.amqpURL = url
        }
        if let url = value("HROMADA_DATABASE_URL") { configuration.databaseURL = url }
        if let level = value("HROMADA_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(variable: "HROMADA_LOG_LEVEL", reason: "must be one of trace, debug, info, notice, warning, error, critical")
            }
            configuration.logLevel = parsed
        }
        if let size = value("HROMADA_DATABASE_POOL_SIZE") {
            guard let n = Int(size), (1...200).contains(n) else {
                throw ConfigurationError(variable: "HROMADA_DATABASE_POOL_SIZE", reason: "must be 1–200")
            }
            configuration.databasePoolSize = n
        }
        if let prefetch = value("HROMADA_PREFETCH") {
            guard let n = UInt16(prefetch), n > 0 else {
                throw ConfigurationError(variable: "HROMADA_PREFETCH", reason: "must be 1–65535")
            }
            configuration.prefetch = n
        }
        configuration.adminToken = value("HROMADA_ADMIN_TOKEN")
        return configuration
    }
}

/// A configuration value that cannot be used. Names the variable; never echoes the value
/// (it may be a password inside a URL).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let variable: String
    public let reason: String
    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }
    public var description: String { "invalid \(variable): \(reason)" }
}
