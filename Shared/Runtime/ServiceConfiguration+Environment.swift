import Foundation
import HromadaCore
import HromadaCrypto
import Logging

extension ServiceConfiguration {
    /// Reads the variables every service shares (`EnvironmentVariable.known` says which: those of
    /// ARCHITECTURE.md — `HROMADA_AMQP_URL`, `HROMADA_DATABASE_URL`, `HROMADA_HTTP_PORT`,
    /// `HROMADA_HTTP_HOST`, `HROMADA_LOG_LEVEL` — and `HROMADA_ADMIN_TOKEN`,
    /// `HROMADA_DATABASE_POOL_SIZE`, `HROMADA_PREFETCH`, `HROMADA_RETENTION_DAYS`) over the
    /// defaults. A value that cannot be parsed is an error naming the variable, not a silent
    /// default. A service's own variables are parsed by its settings file from `environment`.
    public static func fromEnvironment(
        serviceName: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ServiceConfiguration {
        let env = EnvironmentReader(environment)
        var configuration = ServiceConfiguration(
            serviceName: serviceName,
            httpPort: defaultPorts[serviceName] ?? 8080,
            environment: environment
        )
        if let port = env.string(.httpPort) {
            guard let p = Int(port), (0...65535).contains(p) else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.httpPort.name, reason: "must be a port number 0–65535")
            }
            configuration.httpPort = p
        }
        if let host = env.string(.httpHost) { configuration.httpHost = host }
        if let url = try env.url(.amqpURL, schemes: ["amqp", "amqps"]) { configuration.amqpURL = url }
        if let url = env.string(.databaseURL) { configuration.databaseURL = url }
        if let level = try env.logLevel() { configuration.logLevel = level }
        if let size = try env.integer(.databasePoolSize, in: 1...200) { configuration.databasePoolSize = size }
        if let prefetch = try env.integer(.prefetch, in: 1...Int(UInt16.max)) {
            configuration.prefetch = UInt16(prefetch)
        }
        if let days = try env.integer(.retentionDays, in: 1...3650) {
            let retention = Duration.seconds(days * 86_400)
            try Sweeper.validate(retention: retention, variable: EnvironmentVariable.retentionDays.name)
            configuration.retention = retention
        }
        configuration.adminToken = env.string(.adminToken)
        if let keys = env.string(.sealingKeys) {
            do {
                configuration.sealingKeys = try SealingKeyring.parse(keys)
            } catch {
                // The keyring's errors name entries and key ids, never a key.
                throw ConfigurationError(
                    variable: EnvironmentVariable.sealingKeys.name, reason: error.redactedDescription)
            }
        }
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
