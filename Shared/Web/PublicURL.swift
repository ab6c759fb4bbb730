// HromadaWeb — links from the configured public base URL (`HROMADA_PUBLIC_URL`), never from the
// request's `Host` header (which any client may set). How a service adopts the kit:
// Shared/Web/README.md.
import Foundation
import HromadaRuntime

/// The address users reach a service at, e.g. `https://zvernennia.mkrada.gov.ua` or
/// `http://127.0.0.1:8080`, possibly with a path prefix behind a reverse proxy.
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    /// `http` or `https`.
    public let scheme: String
    /// Host and, when not the scheme's default, `:port`.
    public let authority: String
    /// A path prefix without the trailing slash (`""` or e.g. `/hromada`).
    public let basePath: String

    /// Parses an absolute http(s) URL without query or fragment.
    public init(_ string: String, variable: String = "HROMADA_PUBLIC_URL") throws {
        guard let components = URLComponents(string: string),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil
        else {
            throw ConfigurationError(
                variable: variable, reason: "must be an absolute http:// or https:// URL without query")
        }
        self.scheme = scheme
        let defaultPort = scheme == "https" ? 443 : 80
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        self.authority = components.port.map { $0 == defaultPort ? hostPart : "\(hostPart):\($0)" } ?? hostPart
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.basePath = path
    }

    /// `http://127.0.0.1:<port>`: the local default.
    public static func local(port: Int) -> PublicURL {
        // A literal that always parses.
        try! PublicURL("http://127.0.0.1:\(port)")  // swiftlint:disable:this force_try
    }

    public var isHTTPS: Bool { scheme == "https" }

    /// `scheme://authority`, as a browser sends it in `Origin`.
    public var origin: String { "\(scheme)://\(authority)" }

    public var description: String { origin + basePath }

    /// The absolute link to `path` (which starts with `/`) with `query` pairs percent-encoded in
    /// order: `link(path: "/track", query: [("number", "2026-000001")])`.
    public func link(path: String, query: [(String, String)] = []) -> String {
        origin + self.path(path, query: query)
    }

    /// The same link without scheme and host (for redirects within the service).
    public func path(_ path: String, query: [(String, String)] = []) -> String {
        let normalised = path.hasPrefix("/") ? path : "/" + path
        var result = basePath + normalised
        if !query.isEmpty {
            result += "?" + query.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        }
        return result
    }

    /// Percent-encodes a query component (everything but unreserved characters).
    public static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static let unreserved = CharacterSet(
        charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
