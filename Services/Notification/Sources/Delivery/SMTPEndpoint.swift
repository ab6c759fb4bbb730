import Foundation

/// `HROMADA_SMTP_URL` taken apart: what libcurl gets as URL, and the options the URL asks for.
/// `smtp://127.0.0.1:2525`, `smtps://mail.example:465`, `smtp://user:pass@host:587?starttls=required`
/// (STARTTLS demanded; `starttls=try` uses it when offered), `?cacert=/path/ca.pem`, `?verify=none`.
public struct SMTPEndpoint: Sendable, Equatable {
    public enum TLS: Sendable, Equatable { case none, opportunistic, startTLSRequired, implicit }

    /// `smtp://host:port` or `smtps://host:port`, without credentials or query.
    public var url: String
    public var username: String?
    public var password: String?
    public var tls: TLS
    public var caFile: String?
    public var verifyPeer: Bool

    public struct InvalidURL: Error, CustomStringConvertible, Sendable {
        public let code = "smtp_url_invalid"
        public var description: String { "the SMTP URL is not smtp://host[:port] or smtps://host[:port]" }
    }

    public init(url string: String) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
            scheme == "smtp" || scheme == "smtps", let host = components.host, !host.isEmpty
        else { throw InvalidURL() }
        let port = components.port ?? (scheme == "smtps" ? 465 : 25)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        url = "\(scheme)://\(shownHost):\(port)"
        username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name.lowercased(), $0.value ?? "") },
            uniquingKeysWith: { _, b in b })
        if scheme == "smtps" {
            tls = .implicit
        } else {
            switch query["starttls"]?.lowercased() {
            case nil, "", "no", "none": tls = .none
            case "try", "opportunistic": tls = .opportunistic
            case "required", "yes", "always": tls = .startTLSRequired
            default: throw InvalidURL()
            }
        }
        caFile = query["cacert"].flatMap { $0.isEmpty ? nil : $0 }
        verifyPeer = query["verify"]?.lowercased() != "none"
    }
}
