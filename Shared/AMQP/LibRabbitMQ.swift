// The only file of HromadaAMQP that touches librabbitmq (STYLE habit 3): every status code and
// RPC reply becomes a thrown `AMQPError` here. A `RabbitConnection` is not thread-safe and not
// Sendable: its owner (AMQPClient's or AMQPConsumer's dedicated thread) is the only caller.
import CHromadaShims
import CRabbitMQ
import Foundation
import Logging

// MARK: - Protocol constants
// (amqp_framing.h defines these as casted macros; spelled out here so they are plain UInt32.)

enum AMQPMethodID {
    static let connectionClose: UInt32 = 0x000A_0032
    static let channelClose: UInt32 = 0x0014_0028
    static let basicCancel: UInt32 = 0x003C_001E
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicGetOK: UInt32 = 0x003C_0047
    static let basicGetEmpty: UInt32 = 0x003C_0048
    static let basicAck: UInt32 = 0x003C_0050
    static let basicNack: UInt32 = 0x003C_0078
    static let connectionCloseOK: UInt32 = 0x000A_0033
    static let channelCloseOK: UInt32 = 0x0014_0029
}

private enum PropertyFlag {
    static let contentType: UInt32 = 1 << 15
    static let contentEncoding: UInt32 = 1 << 14
    static let headers: UInt32 = 1 << 13
    static let deliveryMode: UInt32 = 1 << 12
    static let priority: UInt32 = 1 << 11
    static let correlationID: UInt32 = 1 << 10
    static let replyTo: UInt32 = 1 << 9
    static let expiration: UInt32 = 1 << 8
    static let messageID: UInt32 = 1 << 7
    static let timestamp: UInt32 = 1 << 6
    static let type: UInt32 = 1 << 5
    static let userID: UInt32 = 1 << 4
    static let appID: UInt32 = 1 << 3
}

/// A short-string property: its presence flag and where it lives in `AMQPProperties` and in
/// librabbitmq's struct. Encoding and decoding both walk `all`, so the two cannot disagree.
private struct TextProperty: Sendable {
    let flag: UInt32
    let field: any WritableKeyPath<AMQPProperties, String?> & Sendable
    let raw: any WritableKeyPath<amqp_basic_properties_t, amqp_bytes_t> & Sendable

    static let all = [
        TextProperty(flag: PropertyFlag.contentType, field: \.contentType, raw: \.content_type),
        TextProperty(flag: PropertyFlag.contentEncoding, field: \.contentEncoding, raw: \.content_encoding),
        TextProperty(flag: PropertyFlag.correlationID, field: \.correlationID, raw: \.correlation_id),
        TextProperty(flag: PropertyFlag.replyTo, field: \.replyTo, raw: \.reply_to),
        TextProperty(flag: PropertyFlag.expiration, field: \.expiration, raw: \.expiration),
        TextProperty(flag: PropertyFlag.messageID, field: \.messageID, raw: \.message_id),
        TextProperty(flag: PropertyFlag.type, field: \.type, raw: \.type),
        TextProperty(flag: PropertyFlag.userID, field: \.userID, raw: \.user_id),
        TextProperty(flag: PropertyFlag.appID, field: \.appID, raw: \.app_id),
    ]
}

private let frameMethod: UInt8 = 1
private let replySuccess: Int32 = 200
/// Channel numbers are never reused on one connection (stale confirms of a closed channel cannot
/// be mistaken for new ones); past this the connection is replaced.
private let highestChannel: UInt16 = 2000

private func makeTimeval(seconds: Double) -> timeval {
    let whole = max(0, seconds.rounded(.down))
    var result = timeval()
    result.tv_sec = .init(whole)
    result.tv_usec = .init((max(0, seconds) - whole) * 1_000_000)
    return result
}

// MARK: - Status and reply conversion

private func statusText(_ status: Int32) -> String {
    guard let text = amqp_error_string2(status) else { return "status \(status)" }
    return String(cString: text)
}

/// Maps a librabbitmq status code to an error code.
private func errorCode(forStatus status: Int32) -> AMQPError.Code {
    switch status {
    case AMQP_STATUS_TIMEOUT.rawValue:
        return .timeout
    case AMQP_STATUS_SSL_ERROR.rawValue, AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue,
        AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue, AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue,
        AMQP_STATUS_SSL_SET_ENGINE_FAILED.rawValue:
        return .tls
    case AMQP_STATUS_SOCKET_ERROR.rawValue, AMQP_STATUS_CONNECTION_CLOSED.rawValue,
        AMQP_STATUS_HEARTBEAT_TIMEOUT.rawValue, AMQP_STATUS_SOCKET_CLOSED.rawValue,
        AMQP_STATUS_SOCKET_INUSE.rawValue, AMQP_STATUS_TCP_ERROR.rawValue:
        return .connectionClosed
    case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED.rawValue:
        return .connectionFailed
    default:
        return .protocolError
    }
}

private func string(_ bytes: amqp_bytes_t) -> String {
    guard bytes.len > 0, let base = bytes.bytes else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
}

private func byteArray(_ bytes: amqp_bytes_t) -> [UInt8] {
    guard bytes.len > 0, let base = bytes.bytes else { return [] }
    return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
}

// MARK: - C memory for outgoing values

/// Owns the malloc'd C copies (strings, tables) that one C call reads; freed when released.
/// (`amqp_cstring_bytes(swiftString)` would point at memory that dies after the expression.)
final class CArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit { for pointer in allocations { free(pointer) } }

    func bytes(_ text: String) -> amqp_bytes_t { bytes(Array(text.utf8)) }

    func bytes(_ data: [UInt8]) -> amqp_bytes_t {
        guard !data.isEmpty else { return amqp_bytes_t(len: 0, bytes: nil) }
        let pointer = malloc(data.count)!
        data.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        allocations.append(pointer)
        return amqp_bytes_t(len: data.count, bytes: pointer)
    }

    func cString(_ text: String) -> UnsafePointer<CChar> {
        let pointer = strdup(text)!
        allocations.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = malloc(max(1, count) * MemoryLayout<T>.stride)!
        allocations.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(1, count))
    }

    func table(_ table: AMQPTable) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_table_entry_t.self, count: table.count)
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            (entries + index).initialize(to: amqp_table_entry_t(key: bytes(key), value: field(value)))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let text):
            field.kind = UInt8(ascii: "S")
            field.value.bytes = bytes(text)
        case .int(let number):
            field.kind = UInt8(ascii: "l")
            field.value.i64 = number
        case .bool(let flag):
            field.kind = UInt8(ascii: "t")
            field.value.boolean = flag ? 1 : 0
        case .double(let number):
            field.kind = UInt8(ascii: "d")
            field.value.f64 = number
        case .timestamp(let date):
            field.kind = UInt8(ascii: "T")
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
        case .table(let nested):
            field.kind = UInt8(ascii: "F")
            field.value.table = table(nested)
        case .array(let values):
            field.kind = UInt8(ascii: "A")
            let entries = allocate(amqp_field_value_t.self, count: values.count)
            for (index, element) in values.enumerated() { (entries + index).initialize(to: self.field(element)) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: values.isEmpty ? nil : entries)
        case .bytes(let data):
            field.kind = UInt8(ascii: "x")
            field.value.bytes = bytes(data)
        case .void:
            field.kind = UInt8(ascii: "V")
        }
        return field
    }

    func properties(_ properties: AMQPProperties) -> amqp_basic_properties_t {
        var result = amqp_basic_properties_t()
        var flags: UInt32 = 0
        for property in TextProperty.all {
            guard let value = properties[keyPath: property.field] else { continue }
            result[keyPath: property.raw] = bytes(value)
            flags |= property.flag
        }
        if !properties.headers.isEmpty {
            result.headers = table(properties.headers)
            flags |= PropertyFlag.headers
        }
        if let value = properties.deliveryMode {
            result.delivery_mode = value
            flags |= PropertyFlag.deliveryMode
        }
        if let value = properties.priority {
            result.priority = value
            flags |= PropertyFlag.priority
        }
        if let value = properties.timestamp {
            result.timestamp = UInt64(max(0, value.timeIntervalSince1970.rounded(.down)))
            flags |= PropertyFlag.timestamp
        }
        result._flags = flags
        return result
    }
}

// MARK: - Decoding incoming values

enum AMQPDecoding {
    static func table(_ table: amqp_table_t) -> AMQPTable {
        var result: AMQPTable = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[string(entry.key)] = field(entry.value)
        }
        return result
    }

    static func field(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch field.kind {
        case UInt8(ascii: "t"): return .bool(field.value.boolean != 0)
        case UInt8(ascii: "b"): return .int(Int64(field.value.i8))
        case UInt8(ascii: "B"): return .int(Int64(field.value.u8))
        case UInt8(ascii: "s"): return .int(Int64(field.value.i16))
        case UInt8(ascii: "u"): return .int(Int64(field.value.u16))
        case UInt8(ascii: "I"): return .int(Int64(field.value.i32))
        case UInt8(ascii: "i"): return .int(Int64(field.value.u32))
        case UInt8(ascii: "l"): return .int(field.value.i64)
        case UInt8(ascii: "L"): return .int(Int64(clamping: field.value.u64))
        case UInt8(ascii: "f"): return .double(Double(field.value.f32))
        case UInt8(ascii: "d"): return .double(field.value.f64)
        case UInt8(ascii: "D"):
            let decimal = field.value.decimal
            var divisor = 1.0
            for _ in 0..<Int(decimal.decimals) { divisor *= 10 }
            // The AMQP 0-9-1 decimal's value is an unsigned 32-bit integer in librabbitmq; RabbitMQ
            // and pika treat it as signed.
            return .double(Double(Int32(bitPattern: decimal.value)) / divisor)
        case UInt8(ascii: "S"):
            let data = byteArray(field.value.bytes)
            if let text = String(validating: data, as: UTF8.self) { return .string(text) }
            return .bytes(data)
        case UInt8(ascii: "x"): return .bytes(byteArray(field.value.bytes))
        case UInt8(ascii: "T"): return .timestamp(Date(timeIntervalSince1970: TimeInterval(field.value.u64)))
        case UInt8(ascii: "F"): return .table(table(field.value.table))
        case UInt8(ascii: "A"):
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { Self.field(entries[$0]) })
        default:
            return .void  // 'V' and kinds no AMQP 0-9-1 peer sends
        }
    }

    static func properties(_ raw: amqp_basic_properties_t) -> AMQPProperties {
        let flags = raw._flags
        var result = AMQPProperties()
        for property in TextProperty.all where flags & property.flag != 0 {
            result[keyPath: property.field] = string(raw[keyPath: property.raw])
        }
        if flags & PropertyFlag.headers != 0 { result.headers = table(raw.headers) }
        if flags & PropertyFlag.deliveryMode != 0 { result.deliveryMode = raw.delivery_mode }
        if flags & PropertyFlag.priority != 0 { result.priority = raw.priority }
        if flags & PropertyFlag.timestamp != 0 {
            result.timestamp = Date(timeIntervalSince1970: TimeInterval(raw.timestamp))
        }
        return result
    }
}

/// Wire-format round trips of field tables through librabbitmq's own codec (amqp_encode_table /
/// amqp_decode_table), so the table conversion can be tested without a broker.
enum AMQPTableWireCodec {
    /// The table encoded as AMQP 0-9-1 field-table bytes (including the 4-byte length prefix).
    static func encode(_ table: AMQPTable) throws -> [UInt8] {
        let arena = CArena()
        var input = arena.table(table)
        var capacity = 4096
        while true {
            var buffer = [UInt8](repeating: 0, count: capacity)
            var offset = 0
            let status = buffer.withUnsafeMutableBytes { raw in
                amqp_encode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &input, &offset)
            }
            if status == AMQP_STATUS_OK.rawValue { return Array(buffer[..<offset]) }
            guard status == AMQP_STATUS_TABLE_TOO_BIG.rawValue, capacity < 64 << 20 else {
                throw AMQPError(.protocolError, "amqp_encode_table: \(statusText(status))")
            }
            capacity *= 4
        }
    }

    /// Decodes AMQP field-table bytes (with the 4-byte length prefix).
    static func decode(_ bytes: [UInt8]) throws -> AMQPTable {
        var pool = amqp_pool_t()
        init_amqp_pool(&pool, 4096)
        defer { empty_amqp_pool(&pool) }
        var copy = bytes
        var output = amqp_table_t()
        var offset = 0
        let status = copy.withUnsafeMutableBytes { raw in
            amqp_decode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &pool, &output, &offset)
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            throw AMQPError(.protocolError, "amqp_decode_table: \(statusText(status))")
        }
        return AMQPDecoding.table(output)
    }
}

// MARK: - Connection

/// A message read off the wire, before its owner stamps generation and queue on it.
struct RawDelivery {
    var deliveryTag: UInt64
    var exchange: String
    var routingKey: String
    var redelivered: Bool
    var body: [UInt8]
    var properties: AMQPProperties
}

extension RawDelivery {
    /// The delivery its owner hands out: this message from connection `generation`, off `queue`.
    func stamped(generation: UInt64, queue: String) -> AMQPDelivery {
        AMQPDelivery(
            deliveryTag: deliveryTag, connectionGeneration: generation, exchange: exchange, routingKey: routingKey,
            redelivered: redelivered, body: body, properties: properties, queue: queue)
    }
}

struct PublishOutcome {
    var acked = 0
    var nacked = 0
    /// "exchange/routing key (reply)" of each returned message; no contents.
    var returns: [String] = []
}

enum ConsumeOutcome {
    case delivery(RawDelivery)
    case timeout
    /// The broker cancelled the consumer (e.g. the queue was deleted).
    case cancelledByBroker
}

/// One librabbitmq connection with at most one open channel. Not thread-safe: used only on its
/// owner's thread. After a connection-level failure `isAlive` is false and the owner replaces it;
/// after a channel-level failure the next operation opens a fresh channel.
final class RabbitConnection {
    private let state: amqp_connection_state_t
    private let logger: Logger
    private let confirms: Bool
    private let rpcTimeout: Double
    private(set) var isAlive = true
    /// The open channel, 0 when none is open.
    private(set) var channel: UInt16 = 0
    private var lastChannel: UInt16 = 0
    private var nextPublishSequence: UInt64 = 1
    private var destroyed = false

    private init(state: amqp_connection_state_t, confirms: Bool, rpcTimeout: Double, logger: Logger) {
        self.state = state
        self.confirms = confirms
        self.rpcTimeout = rpcTimeout
        self.logger = logger
    }

    deinit {
        if !destroyed { amqp_destroy_connection(state) }
    }

    /// Connects, logs in, opens a channel (in confirm mode when `confirms`).
    static func open(_ configuration: AMQPConfiguration, confirms: Bool, logger: Logger) throws -> RabbitConnection {
        guard let state = amqp_new_connection() else {
            throw AMQPError(.connectionFailed, "amqp_new_connection failed")
        }
        let connection = RabbitConnection(
            state: state, confirms: confirms, rpcTimeout: configuration.rpcTimeoutSeconds, logger: logger)
        let target = "\(configuration.host):\(configuration.port)"
        let socket: OpaquePointer?
        if configuration.useTLS {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw AMQPError(.tls, "amqp_ssl_socket_new failed") }
            if let path = configuration.caCertificatePath {
                let status = amqp_ssl_socket_set_cacert(socket, path)
                guard status == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(.tls, "cannot load CA certificate: \(statusText(status))")
                }
            }
            if let certificate = configuration.clientCertificatePath, let key = configuration.clientKeyPath {
                let status = amqp_ssl_socket_set_key(socket, certificate, key)
                guard status == AMQP_STATUS_OK.rawValue else {
                    throw AMQPError(.tls, "cannot load client certificate/key: \(statusText(status))")
                }
            }
            amqp_ssl_socket_set_verify_peer(socket, configuration.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, configuration.verifyPeer ? 1 : 0)
        } else {
            socket = amqp_tcp_socket_new(state)
            guard socket != nil else { throw AMQPError(.connectionFailed, "amqp_tcp_socket_new failed") }
        }

        var connectTimeout = makeTimeval(seconds: configuration.connectTimeoutSeconds)
        let status = amqp_socket_open_noblock(socket, configuration.host, Int32(configuration.port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            connection.isAlive = false
            let code = errorCode(forStatus: status)
            throw AMQPError(
                code == .tls ? .tls : .connectionFailed, "cannot connect to \(target): \(statusText(status))")
        }
        _ = amqp_set_handshake_timeout(state, &connectTimeout)
        var rpc = makeTimeval(seconds: configuration.rpcTimeoutSeconds)
        _ = amqp_set_rpc_timeout(state, &rpc)

        let reply = hromada_amqp_login_plain_named(
            state, configuration.vhost, 0, Int32(configuration.frameMax), Int32(configuration.heartbeatSeconds),
            configuration.user, configuration.password, configuration.connectionName
        )
        do {
            try connection.check(reply, "login to \(target)")
        } catch var error as AMQPError {
            connection.isAlive = false
            if error.replyCode == 403 || error.replyCode == 530 {
                error.code = .authenticationFailed
            } else if error.code != .tls {
                error.code = .connectionFailed
            }
            throw error
        }
        try connection.ensureChannel()
        return connection
    }

    // MARK: Reply handling

    /// Throws for anything but a normal reply, handling broker-initiated closes on the way.
    private func check(_ reply: amqp_rpc_reply_t, _ context: @autoclosure () -> String) throws {
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            isAlive = false
            let status = reply.library_error
            throw AMQPError(errorCode(forStatus: status), "\(context()): \(statusText(status))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            throw handleServerClose(methodID: reply.reply.id, decoded: reply.reply.decoded, channel: channel, context())
        default:
            isAlive = false
            throw AMQPError(.protocolError, "\(context()): no reply")
        }
    }

    /// The reply code and text of a broker's `channel.close` or `connection.close` (0 and "" when the
    /// method was not decoded).
    private func closeReply<Close>(
        _ decoded: UnsafeMutableRawPointer?, as type: Close.Type, _ code: KeyPath<Close, UInt16>,
        _ text: KeyPath<Close, amqp_bytes_t>
    ) -> (UInt16, String) {
        guard let decoded else { return (0, "") }
        let close = decoded.assumingMemoryBound(to: Close.self).pointee
        return (close[keyPath: code], string(close[keyPath: text]))
    }

    /// Acknowledges a broker-initiated channel.close or connection.close and returns the error.
    private func handleServerClose(
        methodID: UInt32, decoded: UnsafeMutableRawPointer?, channel closedChannel: UInt16, _ context: String
    ) -> AMQPError {
        switch methodID {
        case AMQPMethodID.channelClose:
            let (replyCode, text) = closeReply(decoded, as: amqp_channel_close_t.self, \.reply_code, \.reply_text)
            var ok = amqp_channel_close_ok_t()
            let status = amqp_send_method(state, closedChannel, AMQPMethodID.channelCloseOK, &ok)
            if status != AMQP_STATUS_OK.rawValue { isAlive = false }
            if closedChannel == channel { channel = 0 }
            return AMQPError(
                .channelClosed, replyCode: replyCode, "\(context): channel closed by broker: \(replyCode) \(text)")
        case AMQPMethodID.connectionClose:
            let (replyCode, text) = closeReply(decoded, as: amqp_connection_close_t.self, \.reply_code, \.reply_text)
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(state, 0, AMQPMethodID.connectionCloseOK, &ok)
            isAlive = false
            channel = 0
            return AMQPError(
                .connectionClosed, replyCode: replyCode, "\(context): connection closed by broker: \(replyCode) \(text)"
            )
        default:
            isAlive = false
            return AMQPError(.protocolError, "\(context): unexpected method 0x\(String(methodID, radix: 16))")
        }
    }

    private func checkStatus(_ status: Int32, _ context: @autoclosure () -> String) throws {
        guard status != AMQP_STATUS_OK.rawValue else { return }
        isAlive = false
        throw AMQPError(errorCode(forStatus: status), "\(context()): \(statusText(status))")
    }

    private func rpcReply() -> amqp_rpc_reply_t { amqp_get_rpc_reply(state) }

    // MARK: Channel

    func ensureChannel() throws {
        guard channel == 0 else { return }
        guard isAlive else { throw AMQPError(.connectionClosed, "connection is closed") }
        guard lastChannel < highestChannel else {
            isAlive = false
            throw AMQPError(.connectionClosed, "channel numbers used up; reconnecting")
        }
        lastChannel += 1
        let number = lastChannel
        channel = number
        _ = amqp_channel_open(state, number)
        do {
            try check(rpcReply(), "channel.open")
            if confirms {
                _ = amqp_confirm_select(state, number)
                try check(rpcReply(), "confirm.select")
            }
        } catch {
            channel = 0
            throw error
        }
        nextPublishSequence = 1
    }

    // MARK: Topology

    func declare(_ topology: AMQPTopology) throws {
        try ensureChannel()
        for exchange in topology.exchanges {
            let arena = CArena()
            _ = amqp_exchange_declare(
                state, channel, arena.bytes(exchange.name), arena.bytes(exchange.type), exchange.passive ? 1 : 0,
                exchange.durable ? 1 : 0, 0, 0, arena.table(exchange.arguments))
            try check(rpcReply(), "exchange.declare '\(exchange.name)'")
        }
        for queue in topology.queues {
            let arena = CArena()
            _ = amqp_queue_declare(
                state, channel, arena.bytes(queue.name), 0, queue.durable ? 1 : 0, 0, 0, arena.table(queue.arguments))
            try check(rpcReply(), "queue.declare '\(queue.name)'")
        }
        for binding in topology.bindings {
            try call(amqp_queue_bind, on: binding, "queue.bind '\(binding.queue)' to '\(binding.exchange)'")
        }
        for binding in topology.unbindings {
            try call(amqp_queue_unbind, on: binding, "queue.unbind '\(binding.queue)' from '\(binding.exchange)'")
        }
        releaseBuffers()
    }

    /// Calls `method` (`amqp_queue_bind` or `amqp_queue_unbind`, which take the same arguments) for
    /// `binding`, without binding arguments, and checks the broker's reply.
    private func call<Reply>(
        _ method: (
            amqp_connection_state_t?, amqp_channel_t, amqp_bytes_t, amqp_bytes_t, amqp_bytes_t, amqp_table_t
        ) -> UnsafeMutablePointer<Reply>?,
        on binding: AMQPTopology.Binding, _ context: @autoclosure () -> String
    ) throws {
        let arena = CArena()
        _ = method(
            state, channel, arena.bytes(binding.queue), arena.bytes(binding.exchange),
            arena.bytes(binding.routingKey), amqp_table_t(num_entries: 0, entries: nil))
        try check(rpcReply(), context())
    }

    /// Passive declare: (messages ready, consumers). Throws channelClosed 404 when the queue is absent.
    func queueState(_ queue: String) throws -> (messages: UInt32, consumers: UInt32) {
        try ensureChannel()
        let arena = CArena()
        let ok = amqp_queue_declare(
            state, channel, arena.bytes(queue), 1, 0, 0, 0, amqp_table_t(num_entries: 0, entries: nil))
        try check(rpcReply(), "queue.declare passive '\(queue)'")
        guard let ok else { throw AMQPError(.protocolError, "queue.declare passive '\(queue)': no reply") }
        let result = (ok.pointee.message_count, ok.pointee.consumer_count)
        releaseBuffers()
        return result
    }

    func purge(_ queue: String) throws -> UInt32 {
        try ensureChannel()
        let arena = CArena()
        let ok = amqp_queue_purge(state, channel, arena.bytes(queue))
        try check(rpcReply(), "queue.purge '\(queue)'")
        guard let ok else { throw AMQPError(.protocolError, "queue.purge '\(queue)': no reply") }
        let count = ok.pointee.message_count
        releaseBuffers()
        return count
    }

    func deleteQueue(_ queue: String) throws {
        try ensureChannel()
        let arena = CArena()
        _ = amqp_queue_delete(state, channel, arena.bytes(queue), 0, 0)
        try check(rpcReply(), "queue.delete '\(queue)'")
        releaseBuffers()
    }

    // MARK: Publishing with confirms

    /// Publishes every message, then reads frames until the broker confirmed all of them.
    func publish(_ messages: [AMQPOutgoingMessage], onWritten: (Int) -> Void) throws -> PublishOutcome {
        var outcome = PublishOutcome()
        guard !messages.isEmpty else { return outcome }
        try ensureChannel()
        precondition(confirms, "publish needs a confirm-mode connection")
        let publishChannel = channel
        let first = nextPublishSequence
        for message in messages {
            let arena = CArena()
            var properties = arena.properties(message.properties)
            let exchange = arena.bytes(message.exchange)
            let routingKey = arena.bytes(message.routingKey)
            let status = message.body.withUnsafeBytes { body in
                amqp_basic_publish(
                    state, publishChannel, exchange, routingKey, message.mandatory ? 1 : 0, 0, &properties,
                    amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
            }
            try checkStatus(status, "basic.publish to '\(message.exchange)'")
            nextPublishSequence += 1
        }
        onWritten(messages.count)

        var confirmed = [Bool](repeating: false, count: messages.count)
        var remaining = messages.count
        var lowestOpen = 0
        func settle(_ tag: UInt64, multiple: Bool, nack: Bool) {
            guard tag >= first else { return }
            let index = Int(tag - first)
            let range: ClosedRange<Int>
            if multiple {
                guard lowestOpen <= min(index, confirmed.count - 1) else { return }
                range = lowestOpen...min(index, confirmed.count - 1)
            } else {
                guard index < confirmed.count else { return }
                range = index...index
            }
            for position in range where !confirmed[position] {
                confirmed[position] = true
                remaining -= 1
                if nack { outcome.nacked += 1 } else { outcome.acked += 1 }
            }
            while lowestOpen < confirmed.count && confirmed[lowestOpen] { lowestOpen += 1 }
        }

        let deadline = Date(timeIntervalSinceNow: rpcTimeout)
        while remaining > 0 {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                isAlive = false  // confirms are lost with this connection; the owner replaces it
                throw AMQPError(
                    .timeout, "no publisher confirm for \(remaining) message(s) within \(Int(rpcTimeout)) s")
            }
            var frame = amqp_frame_t()
            var wait = makeTimeval(seconds: left)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &wait)
            if status == AMQP_STATUS_TIMEOUT.rawValue { continue }
            try checkStatus(status, "waiting for publisher confirms")
            guard frame.frame_type == frameMethod else { continue }
            let method = frame.payload.method
            if frame.channel == 0 && method.id == AMQPMethodID.connectionClose {
                throw handleServerClose(
                    methodID: method.id, decoded: method.decoded, channel: 0, "waiting for publisher confirms")
            }
            guard frame.channel == publishChannel else { continue }  // stale frames of an earlier channel
            switch method.id {
            case AMQPMethodID.basicAck:
                let ack = method.decoded!.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                settle(ack.delivery_tag, multiple: ack.multiple != 0, nack: false)
            case AMQPMethodID.basicNack:
                let nack = method.decoded!.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                settle(nack.delivery_tag, multiple: nack.multiple != 0, nack: true)
            case AMQPMethodID.basicReturn:
                let returned = method.decoded!.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
                let destination = "'\(string(returned.exchange))'/'\(string(returned.routing_key))'"
                outcome.returns.append("\(destination) (\(returned.reply_code) \(string(returned.reply_text)))")
                var content = amqp_message_t()
                let reply = amqp_read_message(state, publishChannel, &content, 0)
                try check(reply, "reading a returned message")
                amqp_destroy_message(&content)
            case AMQPMethodID.channelClose:
                throw handleServerClose(
                    methodID: method.id, decoded: method.decoded, channel: publishChannel, "publishing")
            default:
                continue
            }
        }
        releaseBuffers()
        return outcome
    }

    // MARK: Getting and acknowledging

    func get(_ queue: String) throws -> RawDelivery? {
        try ensureChannel()
        let arena = CArena()
        let reply = amqp_basic_get(state, channel, arena.bytes(queue), 0)
        try check(reply, "basic.get '\(queue)'")
        if reply.reply.id == AMQPMethodID.basicGetEmpty {
            releaseBuffers()
            return nil
        }
        guard reply.reply.id == AMQPMethodID.basicGetOK, let decoded = reply.reply.decoded else {
            isAlive = false
            throw AMQPError(.protocolError, "basic.get '\(queue)': unexpected reply")
        }
        let ok = decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
        var delivery = RawDelivery(
            deliveryTag: ok.delivery_tag, exchange: string(ok.exchange), routingKey: string(ok.routing_key),
            redelivered: ok.redelivered != 0, body: [], properties: AMQPProperties())
        var message = amqp_message_t()
        try check(amqp_read_message(state, channel, &message, 0), "reading message from '\(queue)'")
        delivery.body = byteArray(message.body)
        delivery.properties = AMQPDecoding.properties(message.properties)
        amqp_destroy_message(&message)
        releaseBuffers()
        return delivery
    }

    func ack(_ tag: UInt64, multiple: Bool) throws {
        guard channel != 0 else { return }
        try checkStatus(amqp_basic_ack(state, channel, tag, multiple ? 1 : 0), "basic.ack")
    }

    func nack(_ tag: UInt64, multiple: Bool, requeue: Bool) throws {
        guard channel != 0 else { return }
        try checkStatus(amqp_basic_nack(state, channel, tag, multiple ? 1 : 0, requeue ? 1 : 0), "basic.nack")
    }

    func reject(_ tag: UInt64, requeue: Bool) throws {
        guard channel != 0 else { return }
        try checkStatus(amqp_basic_reject(state, channel, tag, requeue ? 1 : 0), "basic.reject")
    }

    // MARK: Consuming

    func qos(prefetch: UInt16) throws {
        try ensureChannel()
        _ = amqp_basic_qos(state, channel, 0, prefetch, 0)
        try check(rpcReply(), "basic.qos")
    }

    /// Starts a consumer with manual acks; returns the consumer tag.
    func consume(_ queue: String, consumerTag: String?) throws -> String {
        try ensureChannel()
        let arena = CArena()
        let ok = amqp_basic_consume(
            state, channel, arena.bytes(queue), arena.bytes(consumerTag ?? ""), 0, 0, 0,
            amqp_table_t(num_entries: 0, entries: nil))
        try check(rpcReply(), "basic.consume '\(queue)'")
        guard let ok else { throw AMQPError(.protocolError, "basic.consume '\(queue)': no reply") }
        return string(ok.pointee.consumer_tag)
    }

    func cancel(_ consumerTag: String) throws {
        guard channel != 0 else { return }
        let arena = CArena()
        _ = amqp_basic_cancel(state, channel, arena.bytes(consumerTag))
        try check(rpcReply(), "basic.cancel")
    }

    /// Waits up to `timeout` seconds for a delivery. Handles broker closes and heartbeats.
    func consumeMessage(timeout: Double) throws -> ConsumeOutcome {
        var envelope = amqp_envelope_t()
        var wait = makeTimeval(seconds: timeout)
        let reply = amqp_consume_message(state, &envelope, &wait, 0)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            let delivery = RawDelivery(
                deliveryTag: envelope.delivery_tag, exchange: string(envelope.exchange),
                routingKey: string(envelope.routing_key),
                redelivered: envelope.redelivered != 0, body: byteArray(envelope.message.body),
                properties: AMQPDecoding.properties(envelope.message.properties)
            )
            amqp_destroy_envelope(&envelope)
            releaseBuffers()
            return .delivery(delivery)
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
            return .timeout
        case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
            // A frame other than basic.deliver is waiting (librabbitmq put it back): read it.
            var frame = amqp_frame_t()
            var now = makeTimeval(seconds: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &now)
            if status == AMQP_STATUS_TIMEOUT.rawValue { return .timeout }
            try checkStatus(status, "reading a frame")
            guard frame.frame_type == frameMethod else { return .timeout }
            let method = frame.payload.method
            switch method.id {
            case AMQPMethodID.connectionClose where frame.channel == 0:
                throw handleServerClose(methodID: method.id, decoded: method.decoded, channel: 0, "consuming")
            case AMQPMethodID.channelClose where frame.channel == channel:
                throw handleServerClose(methodID: method.id, decoded: method.decoded, channel: channel, "consuming")
            case AMQPMethodID.basicCancel where frame.channel == channel:
                return .cancelledByBroker
            default:
                return .timeout  // e.g. connection.blocked: nothing to do
            }
        default:
            try check(reply, "consuming")
            return .timeout
        }
    }

    // MARK: Idle

    /// Reads whatever arrived without blocking: services heartbeats and notices a broker-initiated
    /// close or a dead socket while the owner is idle.
    func poll() throws {
        guard isAlive else { return }
        for _ in 0..<64 {
            var frame = amqp_frame_t()
            var now = makeTimeval(seconds: 0)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &now)
            if status == AMQP_STATUS_TIMEOUT.rawValue { break }
            try checkStatus(status, "idle poll")
            guard frame.frame_type == frameMethod else { continue }
            let method = frame.payload.method
            if frame.channel == 0 && method.id == AMQPMethodID.connectionClose {
                throw handleServerClose(methodID: method.id, decoded: method.decoded, channel: 0, "idle")
            }
            if frame.channel == channel && channel != 0 && method.id == AMQPMethodID.channelClose {
                throw handleServerClose(methodID: method.id, decoded: method.decoded, channel: channel, "idle")
            }
        }
        releaseBuffers()
    }

    private func releaseBuffers() {
        amqp_maybe_release_buffers(state)
    }

    // MARK: Closing

    /// Closes the channel and connection politely (short timeout) and frees the C state.
    func close() {
        guard !destroyed else { return }
        if isAlive {
            var short = makeTimeval(seconds: min(rpcTimeout, 2))
            _ = amqp_set_rpc_timeout(state, &short)
            if channel != 0 {
                let reply = amqp_channel_close(state, channel, replySuccess)
                if reply.reply_type != AMQP_RESPONSE_NORMAL { isAlive = false }
            }
            if isAlive {
                _ = amqp_connection_close(state, replySuccess)
            }
        }
        isAlive = false
        channel = 0
        amqp_destroy_connection(state)
        destroyed = true
    }
}
