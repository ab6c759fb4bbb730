import Foundation
import HromadaRuntime
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Runs a whole service in the test process — its database pool, outbox relay, consumers and
/// HTTP server on a free port — exactly as its executable would, and talks to it over real HTTP.
///
///     let harness = try await ServiceHarness.start(runtime: runtime, router: router)
///     let response = try await harness.request(
///         "POST", "/v1/appeals", json: body, headers: ["Authorization": "Bearer …"])
///     await harness.stop()
public final class ServiceHarness: Sendable {
    public let baseURL: String
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(baseURL: String, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL
        self.port = port
        self.group = group
        self.task = task
    }

    /// Starts `runtime` with `router` on 127.0.0.1 and a free port; returns once the server listens.
    /// The runtime's configuration must have `httpPort = 0` (any other port is used as given).
    public static func start<Builder: HTTPResponderBuilder>(
        runtime: ServiceRuntime,
        router: Builder
    ) async throws -> ServiceHarness
    where Builder.Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = runtime.makeApplication(router: router) { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let group = runtime.makeServiceGroup(application: application, gracefulShutdownSignals: [])
        let task = Task { try await group.run() }
        var port = 0
        for await p in portStream { port = p }
        guard port > 0 else {
            task.cancel()
            throw HarnessError(description: "the service did not start listening")
        }
        return ServiceHarness(baseURL: "http://127.0.0.1:\(port)", port: port, group: group, task: task)
    }

    /// Graceful shutdown (as on SIGTERM) and waits until every part has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    public struct Response: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func json() throws -> Any { try JSONSerialization.jsonObject(with: body) }
        public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSON.decoder.decode(T.self, from: body) }
        /// Header lookup ignoring case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public func request(_ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:])
        async throws -> Response
    {
        try await Self.request(method, baseURL + path, body: body, headers: headers)
    }

    /// Sends `json` (any JSON-serialisable value or an Encodable) as the body.
    public func request(_ method: String, _ path: String, json: Any, headers: [String: String] = [:]) async throws
        -> Response
    {
        var headers = headers
        headers["Content-Type"] = "application/json"
        return try await request(method, path, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    /// A plain HTTP request to any URL (another harness, a sink's control API).
    public static func request(_ method: String, _ url: String, body: Data? = nil, headers: [String: String] = [:])
        async throws -> Response
    {
        guard let target = URL(string: url) else { throw HarnessError(description: "bad URL \(url)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw HarnessError(description: "not an HTTP response") }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields { fields["\(key)"] = "\(value)" }
        return Response(status: http.statusCode, headers: fields, body: data)
    }

    /// No cookie jar: cookies ignore ports, so a shared jar would carry one service's session or
    /// language cookie into another test's requests. Tests pass cookies explicitly.
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        return URLSession(configuration: configuration)
    }()

    public struct HarnessError: Error, CustomStringConvertible {
        public let description: String
    }
}

/// Polls `condition` until it holds or `timeout` passes: for effects that travel through the
/// broker. Returns whether it held.
public func eventually(
    timeout: Duration = .seconds(10), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
