import Foundation
public import HromadaAMQP
import HromadaContracts
import HromadaRuntime
import Logging
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A throwaway RabbitMQ vhost `t-<random>` for one test, created through the management API
/// (`IntegrationEnvironment.rabbitMQAPI`, the administrator), so tests never see each other's
/// queues. The exchanges are declared in it (a deploy step in production).
///
/// `url` and `configuration(name:)` connect as a throwaway user of this vhost with the
/// `impersonator` tag whose messages carry `user_id` = their producer (`app_id`, else the
/// envelope's `producer`): services and publishers under test pass the consumers' producer check
/// as the real services' messages do. `url(asUser:)` connects as one of the real broker users
/// (`hromada-intake`, `hromada-observer`, …) with exactly its production rights in this vhost.
///
///     let broker = try await TestBroker.create()
///     defer { Task { try? await broker.delete() } }   // or `try await broker.delete()` at the end
///     let client = AMQPClient(configuration: try broker.configuration(name: "t"), logger: logger)
public final class TestBroker: Sendable {
    /// The vhost's name (not encoded).
    public let vhost: String
    /// The AMQP URL of this vhost's relay user (percent-encoded vhost, `?user_id=producer`).
    public let url: String
    /// The relay user's name (`hromada-test-<vhost>`), deleted with the vhost.
    public let relayUser: String
    private let api: ManagementAPI
    private let inspector: AMQPClient
    private let administrator: AMQPConfiguration
    private let granted = Mutex<Set<String>>([])

    private init(
        vhost: String, url: String, relayUser: String, api: ManagementAPI, inspector: AMQPClient,
        administrator: AMQPConfiguration
    ) {
        self.vhost = vhost
        self.url = url
        self.relayUser = relayUser
        self.api = api
        self.inspector = inspector
        self.administrator = administrator
    }

    public static func create() async throws -> TestBroker {
        var administrator = try AMQPConfiguration(url: IntegrationEnvironment.amqpURL, connectionName: "test-broker")
        let vhost = "t-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        administrator.vhost = vhost
        let api = try ManagementAPI(base: IntegrationEnvironment.rabbitMQAPI)
        let encoded = ManagementAPI.encode(vhost)
        try await api.send("PUT", "/api/vhosts/\(encoded)", json: [:])
        try await api.send(
            "PUT", "/api/permissions/\(encoded)/\(ManagementAPI.encode(administrator.user))",
            json: ["configure": ".*", "write": ".*", "read": ".*"])
        let relayUser = "hromada-test-\(vhost)"
        let password = (0..<4).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 16) }.joined()
        try await api.send(
            "PUT", "/api/users/\(ManagementAPI.encode(relayUser))",
            json: ["password": password, "tags": "impersonator"])
        try await api.send(
            "PUT", "/api/permissions/\(encoded)/\(ManagementAPI.encode(relayUser))",
            json: ["configure": ".*", "write": ".*", "read": ".*"])
        var logger = Logger(label: "hromada.test-broker")
        logger.logLevel = .warning
        let inspector = AMQPClient(configuration: administrator, logger: logger)
        try await inspector.declare(AMQPTopology(exchanges: EventTopology.exchangeDeclarations))
        var relay = administrator
        relay.user = relayUser
        relay.password = password
        relay.userIDPolicy = .producer
        return TestBroker(
            vhost: vhost, url: relay.url, relayUser: relayUser, api: api, inspector: inspector,
            administrator: administrator)
    }

    /// A configuration for this vhost as the relay user; `name` becomes the connection name.
    public func configuration(name: String = "test") throws -> AMQPConfiguration {
        try AMQPConfiguration(url: url, connectionName: name)
    }

    /// The administrator in this vhost (no `impersonator` tag: the broker checks its `user_id`).
    public func administratorConfiguration(name: String = "test-admin") -> AMQPConfiguration {
        var configuration = administrator
        configuration.connectionName = name
        return configuration
    }

    /// The URL of the real broker user `user` (`hromada-intake`, `hromada-observer`,
    /// `hromada-replay`, …) in this vhost, after giving it here exactly the rights deploy/local
    /// gives it on `/` (`BrokerGrants`). Its password is deploy/local's generated one.
    public func url(asUser user: String) async throws -> String {
        guard let password = IntegrationEnvironment.secret("rabbitmq", user) else {
            throw ManagementAPI.Failure(
                description: "no generated password for broker user \(user): run deploy/local/infra.sh start")
        }
        guard let grant = BrokerGrants.permissions(for: user) else {
            throw ManagementAPI.Failure(description: "\(user) is not a deploy/local broker user")
        }
        if !granted.withLock({ $0.contains(user) }) {
            let encoded = ManagementAPI.encode(vhost)
            let name = ManagementAPI.encode(user)
            try await api.send(
                "PUT", "/api/permissions/\(encoded)/\(name)",
                json: ["configure": grant.configure, "write": grant.write, "read": grant.read])
            if let topic = BrokerGrants.topicWrite(for: user) {
                try await api.send(
                    "PUT", "/api/topic-permissions/\(encoded)/\(name)",
                    json: ["exchange": Topology.eventsExchange, "write": topic, "read": ".*"])
            }
            granted.withLock { _ = $0.insert(user) }
        }
        var configuration = administrator
        configuration.user = user
        configuration.password = password
        return configuration.url
    }

    /// `url(asUser: "hromada-<service>")`: the service's own broker user.
    public func url(forService service: String) async throws -> String {
        try await url(asUser: "hromada-\(service)")
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
            try await api.send(
                "DELETE", "/api/connections/\(ManagementAPI.encode(name))", json: nil, allowNotFound: true)
            closed += 1
        }
        return closed
    }

    /// Deletes the vhost and everything in it, and the relay user.
    public func delete() async throws {
        await inspector.close()
        try await api.send("DELETE", "/api/vhosts/\(ManagementAPI.encode(vhost))", json: nil, allowNotFound: true)
        try await api.send("DELETE", "/api/users/\(ManagementAPI.encode(relayUser))", json: nil, allowNotFound: true)
    }
}

/// The rights deploy/local/lib.sh (`user_permissions`, `topic_write_pattern`) gives each broker
/// user on `/`; SecurityTests check that the two agree.
public enum BrokerGrants {
    public struct Grant: Sendable, Equatable {
        public let configure: String
        public let write: String
        public let read: String
    }

    public static let services = ["intake", "routing", "notification", "audit"]
    public static let users =
        ["hromada-admin"] + services.map { "hromada-\($0)" } + [
            "hromada-observer", "hromada-monitor", "hromada-replay",
        ]

    public static func permissions(for user: String) -> Grant? {
        if user.hasPrefix("hromada-"), services.contains(String(user.dropFirst("hromada-".count))) {
            let q = "hromada\\." + user.dropFirst("hromada-".count)
            return Grant(
                configure: "^\(q)(\\.retry\\.[0-9]+|\\.dead)?$",
                write: "^(hromada\\.events|hromada\\.dlx|\(q)(\\.retry\\.[0-9]+|\\.dead)?)$",
                read: "^(hromada\\.events|hromada\\.dlx|\(q)(\\.retry\\.[0-9]+)?)$")
        }
        switch user {
        case "hromada-observer":
            return Grant(
                configure: #"^amq\.gen-.*$"#, write: #"^amq\.gen-.*$"#, read: #"^(amq\.gen-.*|hromada\.events)$"#)
        case "hromada-monitor": return Grant(configure: "^$", write: "^$", read: #"^hromada\.[a-z-]+\.dead$"#)
        case "hromada-replay":
            return Grant(configure: "^$", write: #"^amq\.default$"#, read: #"^hromada\.[a-z-]+\.dead$"#)
        case "hromada-admin": return Grant(configure: ".*", write: ".*", read: ".*")
        default: return nil
        }
    }

    /// The topic permission (`write`) on `hromada.events`: a service's own event types
    /// (`Producers`), nothing for the other users.
    public static func topicWrite(for user: String) -> String? {
        if Producers.all.contains(user) { return Producers.writeRoutingKeyPattern(for: user) }
        return user == "hromada-admin" ? nil : "^$"
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
        segment.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(
                charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? segment
    }

    @discardableResult
    func send(_ method: String, _ path: String, json: [String: String]?, allowNotFound: Bool = false) async throws
        -> Data
    {
        guard let url = URL(string: base + path) else {
            throw Failure(description: "invalid management API path \(path)")
        }
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

// Issue 19: the "nothing left behind" check reads every message still held by the vhost.
extension TestBroker {
    /// Every ready message of every queue of this vhost, as text (payload as the broker holds it),
    /// read through the management API and requeued: what an erasure check searches.
    public func peekEveryMessage(perQueue limit: Int = 1000) async throws -> [String: [String]] {
        let listing = try await api.send("GET", "/api/queues/\(ManagementAPI.encode(vhost))", json: nil)
        let queues = (try JSONSerialization.jsonObject(with: listing) as? [[String: Any]] ?? [])
            .compactMap { $0["name"] as? String }
        var found: [String: [String]] = [:]
        for queue in queues {
            let path = "/api/queues/\(ManagementAPI.encode(vhost))/\(ManagementAPI.encode(queue))/get"
            let body = try JSONSerialization.data(withJSONObject: [
                "count": limit, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 1_000_000,
            ])
            let data = try await api.post(path, body: body)
            let messages = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
            found[queue] = messages.map { message in
                let properties =
                    (try? JSONSerialization.data(withJSONObject: message["properties"] ?? [:]))
                    .map { String(decoding: $0, as: UTF8.self) } ?? ""
                return "\(message["payload"] as? String ?? "") \(properties)"
            }
        }
        return found
    }
}

extension ManagementAPI {
    /// POST with a JSON body of any shape.
    func post(_ path: String, body: Data) async throws -> Data {
        guard let url = URL(string: base + path) else {
            throw Failure(description: "invalid management API path \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.timeoutInterval = 15
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw Failure(description: "management API POST \(path) answered \(status)")
        }
        return data
    }
}
