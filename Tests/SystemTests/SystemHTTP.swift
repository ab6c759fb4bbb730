import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A plain HTTP client for the system tests: never follows redirects (so a `303` and its
/// `Set-Cookie` are visible, as to a browser's first hop), keeps no cookies of its own (tests pass
/// them explicitly), and answers every status without throwing. Transport failures (connection
/// refused while a service is down) throw.
final class SystemHTTP: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    static let shared = SystemHTTP()

    private var session: URLSession!

    override init() {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.timeoutIntervalForRequest = 15
        configuration.httpMaximumConnectionsPerHost = 32
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
    }

    struct Response: Sendable {
        let status: Int
        let headers: [String: String]
        let body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
        func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        func object() throws -> [String: Any] {
            guard let object = try json() as? [String: Any] else {
                throw SystemTestError("expected a JSON object, got: \(text.prefix(300))")
            }
            return object
        }
        func array() throws -> [[String: Any]] {
            guard let array = try json() as? [[String: Any]] else {
                throw SystemTestError("expected a JSON array, got: \(text.prefix(300))")
            }
            return array
        }
    }

    struct TransportError: Error, CustomStringConvertible {
        let description: String
    }

    func request(
        _ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:], timeout: TimeInterval = 15
    ) async throws -> Response {
        guard let target = URL(string: url) else { throw SystemTestError("bad URL \(url)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = self.session!
        return try await withCheckedThrowingContinuation { continuation in
            let task = session.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(
                        throwing: TransportError(description: "\(method) \(target.path): \(error.localizedDescription)")
                    )
                    return
                }
                guard let http = response as? HTTPURLResponse else {
                    continuation.resume(
                        throwing: TransportError(description: "\(method) \(target.path): not an HTTP response"))
                    return
                }
                var fields: [String: String] = [:]
                for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
                continuation.resume(returning: Response(status: http.statusCode, headers: fields, body: data ?? Data()))
            }
            task.resume()
        }
    }

    func json(
        _ method: String, _ url: String, _ value: Any, headers: [String: String] = [:], timeout: TimeInterval = 15
    ) async throws -> Response {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return try await request(
            method, url, body: try JSONSerialization.data(withJSONObject: value), headers: headers, timeout: timeout)
    }

    /// `application/x-www-form-urlencoded`, as a browser posts a form.
    func form(_ url: String, _ fields: [(String, String)], headers: [String: String] = [:]) async throws -> Response {
        var headers = headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let body = fields.map { key, value in
            let k = key.addingPercentEncoding(withAllowedCharacters: allowed) ?? key
            let v =
                (value.addingPercentEncoding(withAllowedCharacters: allowed.union(CharacterSet(charactersIn: " ")))
                ?? value)
                .replacingOccurrences(of: " ", with: "+")
            return "\(k)=\(v)"
        }.joined(separator: "&")
        return try await request("POST", url, body: Data(body.utf8), headers: headers)
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}

struct SystemTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
