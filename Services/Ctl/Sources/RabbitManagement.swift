import Foundation
import HromadaContracts

/// One queue as the RabbitMQ management API reports it.
public struct QueueInfo: Codable, Sendable, Equatable {
    public var name: String
    /// Ready messages.
    public var ready: Int
    /// Delivered but not yet acknowledged.
    public var unacked: Int
    public var consumers: Int
    /// Messages per second published into the queue (message_stats.publish_details.rate).
    public var publishRate: Double
    /// Messages per second delivered to consumers (deliver_get_details.rate).
    public var deliverRate: Double

    public init(
        name: String, ready: Int, unacked: Int, consumers: Int, publishRate: Double = 0, deliverRate: Double = 0
    ) {
        self.name = name
        self.ready = ready
        self.unacked = unacked
        self.consumers = consumers
        self.publishRate = publishRate
        self.deliverRate = deliverRate
    }

    /// What kind of queue this is by its name.
    public enum Kind: String, Codable, Sendable { case main, dead, retry, other }

    public var kind: Kind { Self.kind(of: name) }

    public static func kind(of name: String) -> Kind {
        if name.hasSuffix(".dead") { return .dead }
        if name.range(of: #"\.retry\.\d+$"#, options: .regularExpression) != nil { return .retry }
        if Topology.Queue(rawValue: name) != nil { return .main }
        return .other
    }

    /// The consumer queue a `.dead` or `.retry.N` queue belongs to.
    public static func mainQueue(of name: String) -> String {
        if name.hasSuffix(".dead") { return String(name.dropLast(".dead".count)) }
        if let range = name.range(of: #"\.retry\.\d+$"#, options: .regularExpression) {
            return String(name[..<range.lowerBound])
        }
        return name
    }
}

/// A message read from a queue without taking it away.
public struct PeekedMessage: Codable, Sendable, Equatable {
    public var messageId: String?
    public var type: String?
    public var correlationId: String?
    /// The routing key it was first published with (the runtime's header), else the delivery's.
    public var originalRoutingKey: String?
    public var attempts: Int?
    public var lastError: String?
    public var failedAt: String?
    /// The consumer queue it failed in (the runtime's header).
    public var failedQueue: String?
    public var redelivered: Bool
    /// The body as text (JSON envelope); `show` prints it, `list` does not.
    public var payload: String
    public var headers: [String: String]

    public init(
        messageId: String?, type: String?, correlationId: String?, originalRoutingKey: String?, attempts: Int?,
        lastError: String?, failedAt: String?, failedQueue: String?, redelivered: Bool, payload: String,
        headers: [String: String]
    ) {
        self.messageId = messageId
        self.type = type
        self.correlationId = correlationId
        self.originalRoutingKey = originalRoutingKey
        self.attempts = attempts
        self.lastError = lastError
        self.failedAt = failedAt
        self.failedQueue = failedQueue
        self.redelivered = redelivered
        self.payload = payload
        self.headers = headers
    }
}

/// The parts of the RabbitMQ management HTTP API hromadactl uses.
public struct RabbitManagement: Sendable {
    public let base: String
    public let vhost: String
    let http: HTTPClient

    public init(base: String, vhost: String, timeout: TimeInterval = 10) {
        self.base = CtlEndpoints.trimmedSlash(base)
        self.vhost = vhost
        self.http = HTTPClient(timeout: timeout)
    }

    static func encode(_ segment: String) -> String {
        segment.addingPercentEncoding(
            withAllowedCharacters: CharacterSet(
                charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? segment
    }

    /// Every queue of the vhost whose name starts with `prefix`, sorted by name.
    public func queues(prefix: String = "hromada.") async throws -> [QueueInfo] {
        let response = try await http.expectOK(
            "GET",
            "\(base)/api/queues/\(Self.encode(vhost))"
                + "?columns=name,messages_ready,messages_unacknowledged,consumers,message_stats")
        guard let list = try response.json() as? [[String: Any]] else {
            throw CtlError(.badResponse, "the management API's queue list is not an array")
        }
        return list.compactMap(Self.queueInfo).filter { $0.name.hasPrefix(prefix) }.sorted { $0.name < $1.name }
    }

    static func queueInfo(_ object: [String: Any]) -> QueueInfo? {
        guard let name = object["name"] as? String else { return nil }
        func int(_ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? 0 }
        let stats = object["message_stats"] as? [String: Any] ?? [:]
        func rate(_ key: String) -> Double {
            ((stats["\(key)_details"] as? [String: Any])?["rate"] as? NSNumber)?.doubleValue ?? 0
        }
        return QueueInfo(
            name: name, ready: int("messages_ready"), unacked: int("messages_unacknowledged"),
            consumers: int("consumers"), publishRate: rate("publish"), deliverRate: rate("deliver_get"))
    }

    /// Reads up to `count` messages and puts them back (`ack_requeue_true`): nothing is lost.
    public func peek(queue: String, count: Int = 100) async throws -> [PeekedMessage] {
        let request: [String: Any] = [
            "count": count, "ackmode": "ack_requeue_true", "encoding": "auto", "truncate": 50_000,
        ]
        let body = try JSONSerialization.data(withJSONObject: request)
        let response = try await http.send(
            "POST", "\(base)/api/queues/\(Self.encode(vhost))/\(Self.encode(queue))/get", body: body)
        if response.status == 404 {
            throw CtlError(.notFound, status: 404, "queue \(queue) does not exist in vhost \(vhost)")
        }
        guard (200..<300).contains(response.status) else {
            throw CtlError(.httpStatus, status: response.status, "reading queue \(queue) answered \(response.status)")
        }
        guard let list = try response.json() as? [[String: Any]] else {
            throw CtlError(.badResponse, "the management API's message list is not an array")
        }
        return list.map(Self.peeked)
    }

    static func peeked(_ object: [String: Any]) -> PeekedMessage {
        let properties = object["properties"] as? [String: Any] ?? [:]
        let rawHeaders = properties["headers"] as? [String: Any] ?? [:]
        var headers: [String: String] = [:]
        for (key, value) in rawHeaders { headers[key] = "\(value)" }
        var payload = object["payload"] as? String ?? ""
        if (object["payload_encoding"] as? String) == "base64", let data = Data(base64Encoded: payload) {
            payload = String(decoding: data, as: UTF8.self)
        }
        var type = properties["type"] as? String
        var messageId = properties["message_id"] as? String
        if type == nil || messageId == nil,
            let envelope = try? JSONSerialization.jsonObject(with: Data(payload.utf8)) as? [String: Any]
        {
            type = type ?? envelope["type"] as? String
            messageId = messageId ?? envelope["id"] as? String
        }
        return PeekedMessage(
            messageId: messageId, type: type, correlationId: properties["correlation_id"] as? String,
            originalRoutingKey: rawHeaders[Topology.Header.originalRoutingKey] as? String ?? object["routing_key"]
                as? String,
            attempts: (rawHeaders[Topology.Header.attempts] as? NSNumber)?.intValue,
            lastError: rawHeaders[Topology.Header.lastError] as? String,
            failedAt: rawHeaders[Topology.Header.failedAt] as? String,
            failedQueue: rawHeaders[Topology.Header.queue] as? String,
            redelivered: object["redelivered"] as? Bool ?? false,
            payload: payload, headers: headers)
    }
}
