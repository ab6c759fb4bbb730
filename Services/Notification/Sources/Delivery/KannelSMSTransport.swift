import Foundation
import HromadaCore
import HromadaCrypto

/// `HROMADA_SMS_URL` taken apart: Kannel's `sendsms` address and the sendsms user it logs in as.
/// `http://hromada:SECRET@127.0.0.1:13013/cgi-bin/sendsms` (credentials as user info) or
/// `http://127.0.0.1:13013/cgi-bin/sendsms?username=hromada&password=SECRET`; any other query
/// parameter (e.g. `from=`, `smsc=`) is passed on with every message. `description` never shows
/// the password.
public struct SMSGatewayEndpoint: Sendable, Equatable, CustomStringConvertible {
    /// `scheme://host:port/path`, no credentials, no query.
    public var url: String
    public var username: String
    public var password: String
    /// Other query parameters of the configured URL, in their order.
    public var parameters: [(String, String)]

    public struct InvalidURL: Error, CustomStringConvertible, Sendable {
        public let code = "sms_url_invalid"
        public let reason: String
        public var description: String { "the SMS gateway URL \(reason)" }
    }

    public init(url string: String) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw InvalidURL(reason: "is not an http:// or https:// URL") }
        var username = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        var password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        var parameters: [(String, String)] = []
        for item in components.queryItems ?? [] {
            switch item.name.lowercased() {
            case "username", "user": username = item.value
            case "password", "pass": password = item.value
            default: parameters.append((item.name, item.value ?? ""))
            }
        }
        guard let username, !username.isEmpty, let password, !password.isEmpty else {
            throw InvalidURL(reason: "names no sendsms user and password (user:password@ or ?username=&password=)")
        }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        let shownHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let path = components.percentEncodedPath.isEmpty ? "/cgi-bin/sendsms" : components.percentEncodedPath
        self.url = "\(scheme)://\(shownHost):\(port)\(path)"
        self.username = username
        self.password = password
        self.parameters = parameters
    }

    public var description: String { url }

    public static func == (a: Self, b: Self) -> Bool {
        a.url == b.url && a.username == b.username && a.password == b.password
            && a.parameters.map { "\($0.0)=\($0.1)" } == b.parameters.map { "\($0.0)=\($0.1)" }
    }
}

/// The signed `dlr-url` each SMS carries, and its check.
///
/// Who could fake a delivery report? Anyone who can reach the endpoint. So each report URL carries
/// `sig`, an HMAC of the delivery's id under a key derived from the gateway's URL with its
/// password (`HROMADA_SMS_URL`, which every replica has): only whoever knows the sendsms password —
/// Kannel, which received the URL from us — can produce a valid one. An unsigned or altered report
/// is refused (403) and changes nothing. The report type (`s`, Kannel's `%d`) cannot be signed (the
/// gateway fills it in); a holder of a genuine URL is the gateway itself.
public struct SMSReportLinks: Sendable {
    private let key: [UInt8]
    /// The endpoint's absolute URL, e.g. `http://127.0.0.1:8082/v1/sms/delivery-report`.
    public let base: String

    public static let path = "/v1/sms/delivery-report"

    public init(gatewayURL: String, base: String) {
        key = HMACSHA256.authenticationCode(
            key: Array(gatewayURL.utf8), message: Array("hromada sms delivery reports v1".utf8))
        self.base = base
    }

    /// 128 bits of HMAC-SHA-256 over the delivery id, base64url (22 characters).
    public func signature(for id: UUID) -> String {
        let code = HMACSHA256.authenticationCode(
            key: key, message: Array("sms-report:\(id.uuidString.lowercased())".utf8))
        return Base64URL.encode(Array(code.prefix(16)))
    }

    public func isValid(_ signature: String, for id: UUID) -> Bool {
        ConstantTime.equals(self.signature(for: id), signature)
    }

    /// The `dlr-url` for one delivery; Kannel replaces `%d` with the report type.
    public func url(for id: UUID) -> String {
        "\(base)?d=\(id.uuidString.lowercased())&s=%d&sig=\(signature(for: id))"
    }
}

/// Sends one SMS delivery through Kannel's HTTP `sendsms` (one GET through libcurl, `CurlHTTP`):
/// UCS-2 (`coding=2`, the text given as UTF-8), delivery reports requested for delivered (1),
/// undelivered (2), at the operator's centre (8) and refused by it (16), to the signed `dlr-url`.
///
/// Outcomes as for email: 2xx (Kannel's "0: Accepted for delivery" or "3: Queued for later
/// delivery") → sent; no connection, timeout, 408, 429, 5xx → temporary (retried with the same
/// backoff); other 4xx (bad parameters, the sendsms user refused) → permanent.
///
/// At-least-once, as SMTP: sendsms has no idempotency key. If the sender dies between Kannel's
/// acceptance and the commit of `sent`, the lease expires and the SMS is sent again (once per such
/// crash). A graceful shutdown and database outages shorter than the lease do not resend
/// (`DeliverySender`).
public struct KannelSMSTransport: NoticeTransport {
    public let endpoint: SMSGatewayEndpoint
    public let reports: SMSReportLinks
    public let connectTimeoutSeconds: Int
    public let timeoutSeconds: Int
    /// Kannel's dlr-mask: 1 + 2 + 8 + 16.
    public static let reportMask = 27

    public init(
        endpoint: SMSGatewayEndpoint, reports: SMSReportLinks, connectTimeoutSeconds: Int = 5, timeoutSeconds: Int = 20
    ) {
        self.endpoint = endpoint
        self.reports = reports
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// The request URL (with the password: never log it).
    func requestURL(for row: ClaimedDelivery) -> String {
        var query: [(String, String)] = [
            ("username", endpoint.username), ("password", endpoint.password), ("to", row.address),
            ("text", SMSText.sanitized(row.body)), ("coding", "2"), ("charset", "UTF-8"),
            ("dlr-mask", "\(Self.reportMask)"), ("dlr-url", reports.url(for: row.subject.notificationId)),
        ]
        query += endpoint.parameters
        return endpoint.url + "?" + query.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    public func send(_ row: ClaimedDelivery) -> SendOutcome {
        let response = CurlHTTP.get(
            url: requestURL(for: row), connectTimeoutSeconds: connectTimeoutSeconds, timeoutSeconds: timeoutSeconds)
        return Self.classify(response)
    }

    static func classify(_ response: CurlHTTP.Response) -> SendOutcome {
        if response.curlCode != 0 || response.status == 0 {
            return .temporary(reason: "sms gateway unreachable: curl \(response.curlCode): \(response.error)")
        }
        let said = response.body.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
        switch response.status {
        case 200...299: return .sent
        case 408, 429, 500...599: return .temporary(reason: "sms gateway HTTP \(response.status): \(said)")
        default: return .permanent(reason: "sms gateway HTTP \(response.status): \(said)")
        }
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (`+` and `%` included).
    static func encode(_ value: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }
}
