import Foundation

/// Where and how to connect to the broker.
public struct AMQPConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String
    public var vhost: String
    public var useTLS: Bool
    public var caCertificatePath: String?
    public var clientCertificatePath: String?
    public var clientKeyPath: String?
    /// Verify the broker's certificate chain and host name (TLS only).
    public var verifyPeer: Bool
    /// Heartbeat interval proposed to the broker; 0 disables heartbeats.
    public var heartbeatSeconds: Int
    /// Meant for the management UI's connection name. librabbitmq 0.11 can only send client
    /// properties through the C-variadic `amqp_login_with_properties`, which the shims do not wrap
    /// yet, so today this is used for thread names and logs only.
    public var connectionName: String
    /// TCP connect and AMQP handshake timeout.
    public var connectTimeoutSeconds: Double
    /// Upper bound for a synchronous broker reply (declare, get, …) and for waiting on confirms.
    public var rpcTimeoutSeconds: Double
    public var frameMax: Int
    /// Which AMQP `user_id` a published message carries when it sets none itself.
    public var userIDPolicy: UserIDPolicy = .connectionUser
    /// Further cluster nodes to fail over to, after `host`/`port` (a comma-separated URL list).
    public var failoverNodes: [AMQPNode] = []

    /// The `user_id` property of published messages. RabbitMQ refuses a message whose `user_id`
    /// is not the connection's user, unless that user has the `impersonator` tag.
    public enum UserIDPolicy: Sendable, Hashable {
        /// `user_id` = this configuration's user (every service publishes this way).
        case connectionUser
        /// `user_id` = the message's `app_id`, else the `producer` field of a JSON body, else the
        /// connection's user: for a relay acting for several producers (needs `impersonator`;
        /// the test broker's publishers). URL query `user_id=producer`.
        case producer
    }

    public init(
        host: String = "127.0.0.1", port: Int? = nil, user: String = "guest", password: String = "guest",
        vhost: String = "/",
        useTLS: Bool = false, caCertificatePath: String? = nil, clientCertificatePath: String? = nil,
        clientKeyPath: String? = nil,
        verifyPeer: Bool = true, heartbeatSeconds: Int = 30, connectionName: String = "hromada",
        connectTimeoutSeconds: Double = 5, rpcTimeoutSeconds: Double = 30, frameMax: Int = 131_072
    ) {
        self.host = host
        self.port = port ?? (useTLS ? 5671 : 5672)
        self.user = user
        self.password = password
        self.vhost = vhost
        self.useTLS = useTLS
        self.caCertificatePath = caCertificatePath
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.verifyPeer = verifyPeer
        self.heartbeatSeconds = heartbeatSeconds
        self.connectionName = connectionName
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.rpcTimeoutSeconds = rpcTimeoutSeconds
        self.frameMax = frameMax
    }

    /// Parses amqp:// and amqps:// URIs (RabbitMQ URI spec): `amqp[s]://[user[:password]@]host[:port][/vhost][?query]`.
    /// User, password, host and vhost are percent-decoded ("%2f" = "/"); an absent or empty vhost
    /// means "/". Default ports 5672 / 5671. Query parameters: `cacertfile`, `certfile`, `keyfile`,
    /// `verify=verify_none|verify_peer`, `heartbeat` (seconds), `connection_timeout` (milliseconds),
    /// `user_id=producer` (see `UserIDPolicy.producer`); others are ignored.
    /// Several comma-separated URLs are the nodes of one cluster (see `failoverNodes`).
    public init(url: String, connectionName: String = "hromada") throws {
        if let urls = Self.splitNodeList(url) {
            guard !urls.isEmpty else { throw AMQPError(.connectionFailed, "invalid AMQP URL: empty node list") }
            self = try Self.cluster(urls: urls, connectionName: connectionName)
            return
        }
        func invalid(_ reason: String) -> AMQPError {
            // The URL itself may hold a password: never echo it.
            AMQPError(.connectionFailed, "invalid AMQP URL: \(reason)")
        }
        var rest = Substring(url)
        let useTLS: Bool
        if rest.lowercased().hasPrefix("amqps://") {
            useTLS = true
            rest = rest.dropFirst("amqps://".count)
        } else if rest.lowercased().hasPrefix("amqp://") {
            useTLS = false
            rest = rest.dropFirst("amqp://".count)
        } else {
            throw invalid("scheme must be amqp or amqps")
        }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        var path: Substring? = nil
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var authority = rest
        var user = "guest"
        var password = "guest"
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user =
                    try Self.percentDecoded(userInfo[..<colon]) ?? { throw invalid("bad percent-encoding in user") }()
                password =
                    try Self.percentDecoded(userInfo[userInfo.index(after: colon)...])
                    ?? { throw invalid("bad percent-encoding in password") }()
            } else {
                user = try Self.percentDecoded(userInfo) ?? { throw invalid("bad percent-encoding in user") }()
            }
        }

        var host: String
        var portText: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("unterminated IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw invalid("junk after IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        host = try Self.percentDecoded(Substring(host)) ?? { throw invalid("bad percent-encoding in host") }()
        if host.isEmpty { host = "localhost" }
        var port = useTLS ? 5671 : 5672
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65535).contains(value) else { throw invalid("bad port") }
            port = value
        }

        var vhost = "/"
        if let path, !path.isEmpty {
            guard !path.contains("/") else { throw invalid("vhost must be one path segment (encode '/' as %2f)") }
            vhost = try Self.percentDecoded(path) ?? { throw invalid("bad percent-encoding in vhost") }()
        }

        self.init(
            host: host, port: port, user: user, password: password, vhost: vhost, useTLS: useTLS,
            connectionName: connectionName)

        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts[0]
            let rawValue = parts.count > 1 ? parts[1] : ""
            guard let value = Self.percentDecoded(Substring(rawValue.replacingOccurrences(of: "+", with: " "))) else {
                throw invalid("bad percent-encoding in query parameter \(key)")
            }
            switch key {
            case "cacertfile": caCertificatePath = value
            case "certfile": clientCertificatePath = value
            case "keyfile": clientKeyPath = value
            case "verify":
                switch value {
                case "verify_none": verifyPeer = false
                case "verify_peer": verifyPeer = true
                default: throw invalid("verify must be verify_none or verify_peer")
                }
            case "heartbeat":
                guard let seconds = Int(value), seconds >= 0 else { throw invalid("bad heartbeat") }
                heartbeatSeconds = seconds
            case "user_id":
                guard value == "producer" else { throw invalid("user_id must be producer") }
                userIDPolicy = .producer
            case "connection_timeout":
                guard let milliseconds = Double(value), milliseconds > 0 else {
                    throw invalid("bad connection_timeout")
                }
                connectTimeoutSeconds = milliseconds / 1000
            default:
                continue
            }
        }
    }

    /// The URL without the password, for logs.
    public var redactedURL: String {
        let scheme = useTLS ? "amqps" : "amqp"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? vhost
        return "\(scheme)://\(user)@\(hostPart):\(port)/\(encodedVhost)"
    }

    /// An `amqp(s)://` URL for this configuration (the password included), e.g. for a stock client.
    public var url: String {
        let scheme = useTLS ? "amqps" : "amqp"
        let hostPart = host.contains(":") ? "[\(host)]" : host
        func encode(_ text: String) -> String {
            text.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? text
        }
        let query = userIDPolicy == .producer ? "?user_id=producer" : ""
        return "\(scheme)://\(encode(user)):\(encode(password))@\(hostPart):\(port)/\(encode(vhost))\(query)"
    }

    /// The `user_id` to send with `message`: its own when set, otherwise by `userIDPolicy`.
    public func userID(for message: AMQPOutgoingMessage) -> String {
        if let own = message.properties.userID { return own }
        switch userIDPolicy {
        case .connectionUser:
            return user
        case .producer:
            if let appID = message.properties.appID, !appID.isEmpty { return appID }
            if let object = try? JSONSerialization.jsonObject(with: Data(message.body)) as? [String: Any],
                let producer = object["producer"] as? String, !producer.isEmpty
            {
                return producer
            }
            return user
        }
    }

    private static let unreserved = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    /// Strict percent-decoding of UTF-8; nil when a `%` escape is malformed.
    static func percentDecoded(_ text: Substring) -> String? {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard let high = utf8.popFirst(), let low = utf8.popFirst(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

extension AMQPConfiguration: CustomStringConvertible {
    public var description: String { redactedURL }
}
