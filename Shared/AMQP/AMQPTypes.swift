import Foundation

// MARK: - Field tables

/// An AMQP field table (`amqp_table_t`): message headers and queue/exchange arguments.
public typealias AMQPTable = [String: AMQPFieldValue]

/// One value of an AMQP field table.
///
/// Encoding (what this module sends): `.string` → 'S' (long string), `.int` → 'l' (signed 64),
/// `.bool` → 't', `.double` → 'd', `.timestamp` → 'T' (whole seconds), `.table` → 'F',
/// `.array` → 'A', `.bytes` → 'x', `.void` → 'V'.
/// Decoding accepts every kind a stock client may send: 'b','B','s','u','I','i','l','L' become
/// `.int` (an unsigned 64-bit value above `Int64.max` is clamped), 'f','d' and the decimal 'D'
/// become `.double`, 'S' becomes `.string` (or `.bytes` when it is not valid UTF-8).
public enum AMQPFieldValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case timestamp(Date)
    case table(AMQPTable)
    case array([AMQPFieldValue])
    case bytes([UInt8])
    case void
}

extension AMQPFieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AMQPFieldValue {
    /// The string, if this value is `.string`.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The integer, if this value is `.int`.
    public var intValue: Int64? { if case .int(let value) = self { value } else { nil } }
}

// MARK: - Messages

/// The basic-class content properties of a message.
public struct AMQPProperties: Sendable, Hashable {
    public var contentType: String?
    public var contentEncoding: String?
    /// 2 = persistent, 1 = transient.
    public var deliveryMode: UInt8?
    public var messageID: String?
    public var type: String?
    public var correlationID: String?
    public var appID: String?
    /// AMQP timestamps have a resolution of one second; sub-second parts are dropped on the wire.
    public var timestamp: Date?
    public var headers: AMQPTable
    public var expiration: String?
    public var priority: UInt8?
    public var replyTo: String?
    public var userID: String?

    public init(
        contentType: String? = nil, contentEncoding: String? = nil, deliveryMode: UInt8? = nil,
        messageID: String? = nil, type: String? = nil, correlationID: String? = nil, appID: String? = nil,
        timestamp: Date? = nil, headers: AMQPTable = [:], expiration: String? = nil, priority: UInt8? = nil,
        replyTo: String? = nil, userID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.deliveryMode = deliveryMode
        self.messageID = messageID
        self.type = type
        self.correlationID = correlationID
        self.appID = appID
        self.timestamp = timestamp
        self.headers = headers
        self.expiration = expiration
        self.priority = priority
        self.replyTo = replyTo
        self.userID = userID
    }
}

/// A message to publish.
public struct AMQPOutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var body: [UInt8]
    public var properties: AMQPProperties
    /// When true an unroutable message is returned by the broker and `publish` throws `.returned`.
    public var mandatory: Bool

    public init(
        exchange: String, routingKey: String, body: [UInt8], properties: AMQPProperties = AMQPProperties(),
        mandatory: Bool = false
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
    }
}

/// A message received with `basic.get` or from a consumer. Acknowledge it on the same client or
/// consumer that produced it; acks for a delivery from an earlier (dead) connection are dropped.
public struct AMQPDelivery: Sendable {
    public let deliveryTag: UInt64
    /// Which connection of its client/consumer delivered it (incremented on every reconnect).
    public let connectionGeneration: UInt64
    public let exchange: String
    public let routingKey: String
    public let redelivered: Bool
    public let body: [UInt8]
    public let properties: AMQPProperties
    public let queue: String

    public init(
        deliveryTag: UInt64, connectionGeneration: UInt64, exchange: String, routingKey: String, redelivered: Bool,
        body: [UInt8], properties: AMQPProperties, queue: String
    ) {
        self.deliveryTag = deliveryTag
        self.connectionGeneration = connectionGeneration
        self.exchange = exchange
        self.routingKey = routingKey
        self.redelivered = redelivered
        self.body = body
        self.properties = properties
        self.queue = queue
    }
}

// MARK: - Topology

/// Exchanges, queues and bindings to declare (idempotently).
public struct AMQPTopology: Sendable {
    public struct Exchange: Sendable {
        public var name: String
        /// "topic" | "direct" | "fanout" | "headers"
        public var type: String
        public var durable: Bool = true
        public var arguments: AMQPTable = [:]
        /// Only check that the exchange exists (404 otherwise): needs no `configure` permission,
        /// so a service can rely on exchanges a deploy step declared.
        public var passive: Bool = false

        public init(name: String, type: String, durable: Bool = true, arguments: AMQPTable = [:], passive: Bool = false)
        {
            self.name = name
            self.type = type
            self.durable = durable
            self.arguments = arguments
            self.passive = passive
        }
    }

    /// e.g. `arguments: ["x-queue-type": "quorum", "x-dead-letter-exchange": "hromada.dlx",
    /// "x-message-ttl": .int(5000)]`
    public struct Queue: Sendable {
        public var name: String
        public var durable: Bool = true
        public var arguments: AMQPTable = [:]

        public init(name: String, durable: Bool = true, arguments: AMQPTable = [:]) {
            self.name = name
            self.durable = durable
            self.arguments = arguments
        }
    }

    public struct Binding: Sendable, Hashable {
        public var queue: String
        public var exchange: String
        public var routingKey: String

        public init(queue: String, exchange: String, routingKey: String) {
            self.queue = queue
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public var exchanges: [Exchange]
    public var queues: [Queue]
    public var bindings: [Binding]
    /// Bindings an earlier version declared that must go (unbinding a missing one is a no-op).
    public var unbindings: [Binding]

    public init(exchanges: [Exchange] = [], queues: [Queue] = [], bindings: [Binding] = [], unbindings: [Binding] = [])
    {
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        self.unbindings = unbindings
    }

    public var isEmpty: Bool { exchanges.isEmpty && queues.isEmpty && bindings.isEmpty && unbindings.isEmpty }

    /// This topology with `other` added; a later declaration of the same name replaces the earlier.
    func merged(with other: AMQPTopology) -> AMQPTopology {
        var result = self
        for exchange in other.exchanges {
            result.exchanges.removeAll { $0.name == exchange.name }
            result.exchanges.append(exchange)
        }
        for queue in other.queues {
            result.queues.removeAll { $0.name == queue.name }
            result.queues.append(queue)
        }
        for binding in other.bindings where !result.bindings.contains(binding) {
            result.bindings.append(binding)
        }
        for binding in other.unbindings where !result.unbindings.contains(binding) {
            result.unbindings.append(binding)
        }
        return result
    }

    /// This topology without the queue `name` and its bindings.
    func removingQueue(_ name: String) -> AMQPTopology {
        var result = self
        result.queues.removeAll { $0.name == name }
        result.bindings.removeAll { $0.queue == name }
        result.unbindings.removeAll { $0.queue == name }
        return result
    }
}

// MARK: - Errors

/// Every failure of this module. `description` names queues, exchanges and broker reply texts
/// but never message contents or credentials.
public struct AMQPError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The TCP/TLS connection or the AMQP handshake could not be completed.
        public static let connectionFailed = Code("connectionFailed")
        /// The broker refused the credentials or access to the vhost (not retryable).
        public static let authenticationFailed = Code("authenticationFailed")
        /// The connection was lost or closed by the broker (e.g. restart): retry.
        public static let connectionClosed = Code("connectionClosed")
        /// The broker closed the channel (404 no such exchange/queue, 406 precondition failed, …);
        /// `replyCode` says which.
        public static let channelClosed = Code("channelClosed")
        /// The broker nacked at least one published message.
        public static let nacked = Code("nacked")
        /// A mandatory message could not be routed to any queue.
        public static let returned = Code("returned")
        public static let timeout = Code("timeout")
        public static let tls = Code("tls")
        public static let protocolError = Code("protocolError")
        /// The client or consumer was closed by its owner.
        public static let closed = Code("closed")
    }

    public var code: Code
    /// The AMQP reply code when the broker closed the channel or connection (e.g. 404, 406, 320).
    public var replyCode: UInt16?
    public var description: String

    public init(_ code: Code, replyCode: UInt16? = nil, _ description: String) {
        self.code = code
        self.replyCode = replyCode
        self.description = description
    }

    /// Whether trying the same call again later may succeed: everything except authentication
    /// failures, 403 ACCESS_REFUSED / 406 PRECONDITION_FAILED replies (e.g. redeclaring a queue
    /// with other arguments) and calls on a closed client.
    public var isRetryable: Bool {
        if code == .authenticationFailed || code == .closed { return false }
        if let replyCode, replyCode == 403 || replyCode == 406 { return false }
        return true
    }
}
