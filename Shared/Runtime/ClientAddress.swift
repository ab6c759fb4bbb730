import Foundation
import Hummingbird
import NIOCore

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `::1`, `192.168.1.7`): a bare address is a /32 or /128.
public struct IPNetwork: Sendable, Hashable {
    let bytes: [UInt8]
    let prefix: Int

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let bytes = IPNetwork.bytes(String(parts[0])) else { return nil }
        let bits = bytes.count * 8
        if parts.count == 2 {
            guard let p = Int(parts[1]), (0...bits).contains(p) else { return nil }
            prefix = p
        } else {
            prefix = bits
        }
        self.bytes = bytes
    }

    public func contains(_ address: String) -> Bool {
        guard let other = IPNetwork.bytes(address), other.count == bytes.count else { return false }
        var remaining = prefix
        for (a, b) in zip(bytes, other) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The address's bytes (4 or 16), or nil when it is not an IP address. An IPv4-mapped IPv6
    /// address counts as its IPv4 address.
    static func bytes(_ text: String) -> [UInt8]? {
        let text = text.trimmingCharacters(in: .whitespaces)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let all = withUnsafeBytes(of: &v6) { Array($0) }
        if all[0..<10].allSatisfy({ $0 == 0 }) && all[10] == 0xFF && all[11] == 0xFF { return Array(all[12...]) }
        return all
    }
}

/// Who the client is, for limits: the connecting address, unless that address is a trusted
/// proxy; then the right-most `X-Forwarded-For` hop that is not itself a trusted proxy. A value
/// a client makes up in `X-Forwarded-For` is never believed from an untrusted connection.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork] = []) { self.trustedProxies = trustedProxies }

    /// From `HROMADA_TRUSTED_PROXIES` (comma-separated addresses or CIDRs; unset = none).
    public init(environment: EnvironmentReader) throws {
        guard let value = environment.string(.trustedProxies) else {
            self.init()
            return
        }
        var networks: [IPNetwork] = []
        for item in value.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let network = IPNetwork(String(item)) else {
                throw ConfigurationError(
                    variable: EnvironmentVariable.trustedProxies.name,
                    reason: "must list IP addresses or CIDRs, comma-separated")
            }
            networks.append(network)
        }
        self.init(trustedProxies: networks)
    }

    /// From the process's environment when a service builds its routes; no proxy is trusted when
    /// the value is unusable (the stricter reading: a client can never choose its own bucket).
    public static var fromProcess: ClientAddressResolver {
        (try? ClientAddressResolver(environment: EnvironmentReader())) ?? ClientAddressResolver()
    }

    public func isTrusted(_ address: String) -> Bool { trustedProxies.contains { $0.contains(address) } }

    /// The client's address given the connecting address (nil when unknown) and the request's
    /// `X-Forwarded-For` values in order.
    public func client(connecting: String?, forwardedFor: [String]) -> String {
        guard let connecting else { return "unknown" }
        guard isTrusted(connecting) else { return connecting }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            // A hop that is not an address is as far as the chain can be believed.
            guard IPNetwork.bytes(hop) != nil else { return connecting }
            if !isTrusted(hop) { return hop }
        }
        return hops.first ?? connecting
    }

    public func client(_ request: Request, connecting: SocketAddress?) -> String {
        let connectingText = connecting.flatMap { $0.ipAddress }
        let forwarded = request.headers[values: .init("X-Forwarded-For")!]
        return client(connecting: connectingText, forwardedFor: forwarded)
    }

    public func client(_ request: Request, context: some RequestContext) -> String {
        client(request, connecting: (context as? any RemoteAddressRequestContext)?.remoteAddress)
    }
}
