import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import HromadaAMQP
import Logging

/// A throwaway RabbitMQ vhost `t-<random>` for one test, created through the management API
/// (`IntegrationEnvironment.rabbitMQAPI`), so tests never see each other's queues.
///
///     let broker = try await TestBroker.create()
///     defer { Task { try? await broker.delete() } }   // or `try await broker.delete()` at the end
///     let client = AMQPClient(configuration: try broker.configuration(name: "t"), logger: logger)
public final class TestBroker: Sendable {
    /// The vhost's name (not encoded).
    public let vhost: String
    /// The AMQP URL of `IntegrationEnvironment.amqpURL` with the vhost replaced (percent-encoded).
    public let url: String
    private let api: ManagementAPI
    private let inspector: AMQPClient

    private init(vhost: String, url: String, api: ManagementAPI, inspector: AMQPClient) {
        self.vhost = vhost
        self.url = url
        self.api = api
        self.inspector = inspector
    }

    public static func create() async throws -> TestBroker {
        var configuration = try AMQPConfiguration(url: IntegrationEnvironment.amqpURL, connectionName: "test-broker")
        let vhost = "t-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        configuration.vhost = vhost
        let api = try ManagementAPI(base: IntegrationEnvironment.rabbitMQAPI)
        let encoded = ManagementAPI.encode(vhost)
        try await api.send("PUT", "/api/vhosts/\(encoded)", json: [:])
        try await api.send("PUT", "/api/permissions/\(encoded)/\(ManagementAPI.encode(configuration.user))",
                           json: ["configure": ".*", "write": ".*", "read": ".*"])
        var logger = Logger(label: "hromada.test-broker")
        logger.logLevel = .warning
        let inspector = AMQPClient(configuration: configuration, logger: logger)
        return TestBroker(vhost: vhost, url: configuration.url, api: api, inspector: inspector)
    }

    /// A configuration for this vhost; `name` becomes the connection name.
    public func configuration(name: String = "test") throws -> AMQPConfiguration {
        try AMQPConfiguration(url: url, connectionName: name)
    }

    /// Ready messages in `queue` (a passive declare: immediate, unlike the management API's
    /// statistics; unacknowledged deliveries are not counted).
    public func queueDepth(_ queue: String) async throws -> Int {
        Int(try await inspector.queueState(queue).messages)
    }

    /// Force-closes every client connection to this vhost (as a broker failover would), through the
    /// management API. Returns how many were closed.
    @discardableResult
    public func closeAllConnections() async throws -> Int {
        let data = try await api.send("GET", "/api/vhosts/\(ManagementAPI.encode(vhost))/connections", json: nil)
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return 0 }
        var closed = 0
        for connection in list {
            guard let name = connection["name"] as? String else { continue }
            try await api.send("DELETE", "/api/connections/\(ManagementAPI.encode(name))", json: nil, allowNotFound: true)
            closed += 1
        }
        return closed
    }

    /// Deletes the vhost and everything in it.
    public func delete() async throws {
        await inspector.close()
        try await api.send("DELETE", "/api/vhosts/\(ManagementAPI.encode(vhost))", json: nil, allowNotFound: true)
    }
}

/// A minimal client for the RabbitMQ management HTTP API (basic auth from the URL's user info).
struct ManagementAPI: Sendable {
    let base: String
    let authorization: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(base: String) throws {
        guard var components = URLComponents(string: base), components.host != nil else {
            throw Failure(description: "invalid management API URL")
        }
        let user = components.user ?? "guest"
        let password = components.password ?? "guest"
        components.user = nil
        components.password = nil
        components.path = ""
        guard let clean = components.string else { throw Failure(description: "invalid management API URL") }
        self.base = clean
        self.authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? segment
    }

    @discardableResult
    func send(_ method: String, _ path: String, json: [String: String]?, allowNotFound: Bool = false) async throws -> Data {
        guard let url = URL(string: base + path) else { throw Failure(description: "invalid management API path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.timeoutInterval = 15
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        if (200..<300).contains(status) || (allowNotFound && status == 404) { return data }
        throw Failure(description: "management API \(method) \(path) answered \(status)")
    }
}
