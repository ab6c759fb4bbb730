// HromadaAPI — the JSON shapes of the services' HTTP APIs that clients rely on (hromadactl, the
// console, the tests, an authority's own system), in one module with no server code: Codable and
// Sendable, UUIDs written lower-case, instants as ISO 8601 with offset. Services may keep their own
// richer types; these must stay wire-compatible with them (more fields on the wire are welcome).
public import Foundation
import HromadaContracts

/// The coders for these types: the contracts' own settings (sorted keys, ISO 8601 instants with
/// offset, lower-case UUIDs; reading accepts either case).
public enum APICoding {
    public static func encoder() -> JSONEncoder { ContractCoding.makeEncoder() }
    public static func decoder() -> JSONDecoder { ContractCoding.makeDecoder() }

    /// Decodes `T` from a response body; the error names the type and the field, never a value.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder().decode(type, from: data)
    }
}

/// Every error outside Open311: `{"errors": [{"field"?, "code", "message"}]}` (ARCHITECTURE.md).
public struct ErrorBody: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var field: String?
        public var code: String
        public var message: String
        /// The Ukrainian message, where the service gives one.
        public var messageUk: String?

        public init(field: String? = nil, code: String, message: String, messageUk: String? = nil) {
            self.field = field
            self.code = code
            self.message = message
            self.messageUk = messageUk
        }
    }

    public var errors: [Item]
    public init(errors: [Item]) { self.errors = errors }
}

/// `GET /health/live` and `GET /health/ready` of every service.
public struct HealthStatus: Codable, Sendable, Equatable {
    /// Events committed but not yet confirmed by the broker.
    public struct OutboxLag: Codable, Sendable, Equatable {
        public var rows: Int
        public var oldestSeconds: Double
        public init(rows: Int, oldestSeconds: Double) {
            self.rows = rows
            self.oldestSeconds = oldestSeconds
        }
    }

    /// `live`, `ready` or `not ready`.
    public var status: String
    public var service: String
    public var version: String
    /// Readiness checks by name → `ok` | `failing` (ready only).
    public var checks: [String: String]?
    public var outbox: OutboxLag?

    public init(
        status: String, service: String, version: String, checks: [String: String]? = nil, outbox: OutboxLag? = nil
    ) {
        self.status = status
        self.service = service
        self.version = version
        self.checks = checks
        self.outbox = outbox
    }
}
