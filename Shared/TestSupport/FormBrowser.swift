import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A browser's forms without a browser: posts `application/x-www-form-urlencoded` bodies (with an
/// `Origin` when given one: the service's public URL's), never follows redirects (so a sign-in's
/// `Set-Cookie` can be read), keeps no cookie jar (each call names the cookie it sends), and reads
/// the page's CSRF token.
public struct FormBrowser: Sendable {
    public let baseURL: String
    /// The `Origin` sent with posts (the service's public URL's origin), or none.
    public let origin: String?

    public init(baseURL: String, origin: String? = nil) {
        self.baseURL = baseURL
        self.origin = origin
    }

    public func get(_ path: String, cookie: String? = nil) async throws -> ServiceHarness.Response {
        try await send("GET", path, body: nil, cookie: cookie)
    }

    /// Posts `fields`; `origin` overrides the same-origin default (nil sends none).
    public func post(
        _ path: String, _ fields: [(String, String)], cookie: String? = nil, origin: String?? = .none
    ) async throws -> ServiceHarness.Response {
        try await send(
            "POST", path, body: Data(TestLibrarian.formBody(fields).utf8), cookie: cookie, origin: origin ?? self.origin
        )
    }

    /// `method path` with a form body as given (nil: none), `cookie` and `origin` (none by default).
    public func send(
        _ method: String, _ path: String, body: Data?, cookie: String?, origin: String? = nil
    ) async throws -> ServiceHarness.Response {
        guard let url = URL(string: baseURL + path) else {
            throw ServiceHarness.HarnessError(description: "bad path \(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        request.httpShouldHandleCookies = false
        if body != nil { request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type") }
        if let origin { request.setValue(origin, forHTTPHeaderField: "Origin") }
        if let cookie { request.setValue(cookie, forHTTPHeaderField: "Cookie") }
        let (data, response) = try await Self.session.data(for: request)
        guard let http = response as? HTTPURLResponse else {
            throw ServiceHarness.HarnessError(description: "not an HTTP response")
        }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return ServiceHarness.Response(status: http.statusCode, headers: fields, body: data)
    }

    /// The `name=value` of the cookie `name` the response sets, if any.
    public static func cookie(_ name: String, in response: ServiceHarness.Response) -> String? {
        guard let header = response.header("Set-Cookie") else { return nil }
        return header.components(separatedBy: ", ").map { String($0.split(separator: ";")[0]) }
            .first { $0.hasPrefix(name + "=") && $0.count > name.count + 1 }
    }

    /// The first `name="csrf" value="…"` of a page.
    public static func csrf(in html: String) -> String? {
        html.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.split(separator: "\"").first
            .map(String.init)
    }

    final class NoRedirect: NSObject, URLSessionTaskDelegate, Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) { completionHandler(nil) }
    }

    nonisolated(unsafe) static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration, delegate: NoRedirect(), delegateQueue: nil)
    }()
}
