import Foundation
import HromadaAPI
import HromadaRuntime

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Every failure of hromadactl. `description` names endpoints and HTTP statuses, never tokens,
/// passwords or message contents.
public struct CtlError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }
        /// The server could not be reached (connection refused, timeout).
        public static let unreachable = Code("unreachable")
        /// The server answered with an unexpected HTTP status.
        public static let httpStatus = Code("httpStatus")
        /// The answer could not be decoded.
        public static let badResponse = Code("badResponse")
        /// A required setting (token, URL, file) is missing or invalid.
        public static let configuration = Code("configuration")
        /// A message, queue or object does not exist.
        public static let notFound = Code("notFound")
        /// The operator declined, or a confirmation was required and impossible.
        public static let refused = Code("refused")
    }

    public var code: Code
    public var status: Int?
    public var description: String

    public init(_ code: Code, status: Int? = nil, _ description: String) {
        self.code = code
        self.status = status
        self.description = description
    }
}

/// Where hromadactl finds the system. Every value has a default (ARCHITECTURE.md); reading the
/// environment lives in `fromEnvironment`.
public struct CtlEndpoints: Sendable {
    /// Base URLs of the four services by name (`intake`, `routing`, `notification`, `audit`).
    public var services: [(name: String, url: String)]
    /// RabbitMQ management API base URL, credentials in the user-info part.
    public var rabbitMQAPI: String
    /// The AMQP URL; its path is the vhost.
    public var amqpURL: String
    /// Administrator token for the services' admin APIs (nil: admin calls are skipped or refused).
    public var adminToken: String?

    public static let serviceNames = ["intake", "routing", "notification", "audit"]

    public init(
        services: [(name: String, url: String)] = CtlEndpoints.defaultServices,
        rabbitMQAPI: String = "http://guest:guest@127.0.0.1:15672",
        amqpURL: String = "amqp://guest:guest@127.0.0.1:5672/%2f",
        adminToken: String? = nil
    ) {
        self.services = services
        self.rabbitMQAPI = rabbitMQAPI
        self.amqpURL = amqpURL
        self.adminToken = adminToken
    }

    public static var defaultServices: [(name: String, url: String)] {
        [
            ("intake", "http://127.0.0.1:8080"), ("routing", "http://127.0.0.1:8081"),
            ("notification", "http://127.0.0.1:8082"), ("audit", "http://127.0.0.1:8083"),
        ]
    }

    /// `HROMADA_INTAKE_URL`, `HROMADA_ROUTING_URL`, `HROMADA_NOTIFICATION_URL`, `HROMADA_AUDIT_URL`,
    /// `HROMADA_RABBITMQ_API`, `HROMADA_AMQP_URL`, `HROMADA_ADMIN_TOKEN` over the defaults.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> CtlEndpoints
    {
        let reader = EnvironmentReader(environment)
        var endpoints = CtlEndpoints()
        let variables: [String: EnvironmentVariable] = [
            "intake": .intakeURL, "routing": .routingURL, "notification": .notificationURL, "audit": .auditURL,
        ]
        endpoints.services = defaultServices.map { service in
            (service.name, variables[service.name].flatMap(reader.string).map(trimmedSlash) ?? service.url)
        }
        if let api = reader.string(.rabbitMQAPI) { endpoints.rabbitMQAPI = api }
        if let url = reader.string(.amqpURL) { endpoints.amqpURL = url }
        endpoints.adminToken = reader.string(.adminToken)
        return endpoints
    }

    public func url(of service: String) -> String? { services.first { $0.name == service }?.url }

    /// The vhost named by the AMQP URL's path ("%2f" or empty = "/").
    public var vhost: String {
        guard let schemeEnd = amqpURL.range(of: "://") else { return "/" }
        var rest = amqpURL[schemeEnd.upperBound...]
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        let path = String(rest[rest.index(after: slash)...])
        if path.isEmpty { return "/" }
        return path.removingPercentEncoding ?? path
    }

    static func trimmedSlash(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }
}

/// `.hromada/credentials.json` (ARCHITECTURE.md):
/// `{"centreKey","adminToken","operatorToken","officials":[{"authority","name","token"}]}`.
public struct Credentials: Codable, Sendable, Equatable {
    public struct Official: Codable, Sendable, Equatable {
        public var authority: String
        public var name: String
        public var token: String
        /// Optional; `mayor-reception` defaults to `reception`, everyone else to `official`.
        public var role: String?
        public init(authority: String, name: String, token: String, role: String? = nil) {
            self.authority = authority
            self.name = name
            self.token = token
            self.role = role
        }
    }

    /// A librarian's personal account at a centre (intake's form).
    public struct Librarian: Codable, Sendable, Equatable {
        public var centre: String
        public var login: String
        public var password: String
        public init(centre: String, login: String, password: String) {
            self.centre = centre
            self.login = login
            self.password = password
        }
    }

    public var centreKey: String?
    public var adminToken: String?
    public var operatorToken: String?
    public var officials: [Official]?
    public var librarians: [Librarian]?

    public init(
        centreKey: String? = nil, adminToken: String? = nil, operatorToken: String? = nil, officials: [Official]? = nil
    ) {
        self.centreKey = centreKey
        self.adminToken = adminToken
        self.operatorToken = operatorToken
        self.officials = officials
    }

    public static func load(from path: String) throws -> Credentials {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CtlError(.configuration, "cannot read the credentials file \(path)")
        }
        do {
            return try JSONDecoder().decode(Credentials.self, from: data)
        } catch {
            throw CtlError(.configuration, "the credentials file \(path) is not valid JSON of the expected shape")
        }
    }

    /// Writes the file with mode 0600 (it holds secrets).
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CtlError(.configuration, "cannot write the credentials file \(path)")
        }
        _ = try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}

/// A small JSON-over-HTTP client on URLSession. Credentials in a URL's user-info become a Basic
/// authorization header (they are removed from the URL, so they never reach logs or errors).
public struct HTTPClient: Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as loose JSON: only for the RabbitMQ management API, whose types are not ours.
        public func json() throws -> Any {
            do { return try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) } catch {
                throw CtlError(.badResponse, status: status, "the answer is not JSON")
            }
        }

        /// The body as `T` (a `HromadaAPI` type); a body of another shape is `.badResponse` naming
        /// `what` (the endpoint) and the field, never a value.
        public func decode<T: Decodable>(_ type: T.Type, _ what: String) throws -> T {
            do { return try APICoding.decode(type, from: body) } catch let error as DecodingError {
                throw CtlError(.badResponse, status: status, "\(what): unexpected shape\(Self.field(of: error))")
            } catch {
                throw CtlError(.badResponse, status: status, "\(what): the answer is not JSON")
            }
        }

        static func field(of error: DecodingError) -> String {
            let path: [any CodingKey]
            switch error {
            case .keyNotFound(let key, let context): path = context.codingPath + [key]
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                path = context.codingPath
            @unknown default: path = []
            }
            let name = path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return name.isEmpty ? "" : " (\(name))"
        }
    }

    public var timeout: TimeInterval

    public init(timeout: TimeInterval = 10) { self.timeout = timeout }

    /// Splits `url` into a credential-free URL and an optional Basic authorization value.
    static func split(_ url: String) throws -> (URL, String?) {
        guard var components = URLComponents(string: url), components.host != nil else {
            throw CtlError(.configuration, "invalid URL")
        }
        var authorization: String?
        if let user = components.user {
            let password = components.password ?? ""
            let decodedUser = user.removingPercentEncoding ?? user
            let decodedPassword = password.removingPercentEncoding ?? password
            authorization = "Basic " + Data("\(decodedUser):\(decodedPassword)".utf8).base64EncodedString()
            components.user = nil
            components.password = nil
        }
        guard let clean = components.url else { throw CtlError(.configuration, "invalid URL") }
        return (clean, authorization)
    }

    /// Sends a request; any HTTP status is returned (no throw). Throws `.unreachable` when no
    /// answer arrived.
    public func send(
        _ method: String, _ url: String, body: Data? = nil, bearer: String? = nil,
        headers: [String: String] = [:]
    ) async throws -> Response {
        let (target, basic) = try Self.split(url)
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.timeoutInterval = timeout
        if let basic { request.setValue(basic, forHTTPHeaderField: "Authorization") }
        if let bearer { request.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let port = target.port.map { ":\($0)" } ?? ""
        let where_ = "\(method) \(target.scheme ?? "http")://\(target.host ?? "?")\(port)\(target.path)"
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let http = response as? HTTPURLResponse else {
                throw CtlError(.badResponse, "\(where_): not an HTTP answer")
            }
            return Response(status: http.statusCode, body: data)
        } catch let error as CtlError {
            throw error
        } catch {
            throw CtlError(.unreachable, "\(where_): no answer (\((error as NSError).localizedDescription))")
        }
    }

    /// Sends and requires a 2xx status; returns the body. Error bodies in the contract's shape
    /// (`{"errors":[{code,message}]}`) are summarised in the thrown error.
    public func expectOK(_ method: String, _ url: String, body: Data? = nil, bearer: String? = nil) async throws
        -> Response
    {
        let response = try await send(method, url, body: body, bearer: bearer)
        guard (200..<300).contains(response.status) else {
            let (target, _) = try Self.split(url)
            var summary = ""
            if let body = try? APICoding.decode(ErrorBody.self, from: response.body) {
                summary =
                    ": "
                    + body.errors.map { e in
                        [e.field, e.code, e.message].compactMap { $0 }.joined(separator: " ")
                    }.joined(separator: "; ")
            }
            let code: CtlError.Code = response.status == 404 ? .notFound : .httpStatus
            throw CtlError(
                code, status: response.status, "\(method) \(target.path) answered \(response.status)\(summary)")
        }
        return response
    }
}
