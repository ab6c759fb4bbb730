import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import ServiceLifecycle
import Synchronization

/// Router tests in memory: a request goes straight to the application's responder, with no socket
/// and no server, the way HummingbirdTesting's `.router` framework does it, and with the same
/// `app.test(.router) { client in client.execute(uri:method:headers:body:) }` shape.
///
/// Why not HummingbirdTesting itself: its target depends on AsyncHTTPClient, which brings
/// swift-nio-ssl (BoringSSL's C sources), swift-nio-http2 and SOCKS into every test build. Measured
/// on the CI machine, that chain alone was 245 s of a 650 s `swift build --build-tests`, and it
/// put `deploy/local/test.sh` at 1,795 s of its 30 minutes. None of it is used here.
public struct RouterTestSetup: Sendable {
    let remoteAddress: String?

    /// Requests come from no socket address (`context.remoteAddress` is nil).
    public static var router: RouterTestSetup { .init(remoteAddress: nil) }

    /// Requests come from `ip` as the connecting socket address, for what reads the peer (the rate
    /// limiter, trusted proxies) the way a live server on the loopback would see it.
    public static func router(connectingFrom ip: String) -> RouterTestSetup { .init(remoteAddress: ip) }
}

/// One response, as the router produced it: status, header fields and the whole body.
public struct TestResponse: Sendable {
    public let head: HTTPResponse
    public var status: HTTPResponse.Status { head.status }
    public var headers: HTTPFields { head.headerFields }
    public let body: ByteBuffer
    public let trailerHeaders: HTTPFields?
}

/// What a test sends requests through (HummingbirdTesting's name, so a test reads as it did).
public protocol TestClientProtocol: Sendable {
    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?)
        async throws -> TestResponse
}

extension TestClientProtocol {
    /// Sends one request and hands its response to `testCallback` (by default, returns it).
    @discardableResult
    public func execute<Return>(
        uri: String, method: HTTPRequest.Method, headers: HTTPFields = [:], body: ByteBuffer? = nil,
        testCallback: (TestResponse) async throws -> Return = { $0 }
    ) async throws -> Return {
        try await testCallback(try await executeRequest(uri: uri, method: method, headers: headers, body: body))
    }
}

/// Sends requests to one application's responder.
struct RouterTestClient<Responder: HTTPResponder>: TestClientProtocol
where Responder.Context: InitializableFromSource<ApplicationRequestContextSource> {
    let responder: Responder
    let logger: Logger
    let remoteAddress: SocketAddress?

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?)
        async throws -> TestResponse
    {
        var headers = headers
        if let body { headers[.contentLength] = String(body.readableBytes) }
        let request = Request(
            head: .init(method: method, scheme: "http", authority: "localhost", path: uri, headerFields: headers),
            body: RequestBody(buffer: body ?? ByteBuffer()))
        let channel = NIOAsyncTestingChannel()
        if let remoteAddress { channel.remoteAddress = remoteAddress }
        let context = Responder.Context(source: .init(channel: channel, logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch {
            // As a server does with an error that no middleware turned into a response.
            response = Response(status: .internalServerError)
        }
        let collector = BodyCollector()
        try await response.body.write(collector)
        let (collected, trailers) = collector.collected.state.withLock { ($0.body, $0.trailers) }
        return TestResponse(head: response.head, body: collected, trailerHeaders: trailers)
    }
}

/// Gathers a response body as the server would write it.
private struct BodyCollector: ResponseBodyWriter {
    final class Collected: Sendable {
        let state = Mutex<(body: ByteBuffer, trailers: HTTPFields?)>((ByteBuffer(), nil))
    }
    let collected = Collected()

    func write(_ buffer: ByteBuffer) async throws {
        collected.state.withLock { $0.body.writeImmutableBuffer(buffer) }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {
        collected.state.withLock { $0.trailers = trailingHeaders }
    }
}

extension ApplicationProtocol {
    /// Runs `test` with a client that sends requests to this application's router in memory. The
    /// application's services (if any) run meanwhile, as they would in a server, and stop after.
    public func test<Value>(
        _ setup: RouterTestSetup, _ test: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let client = RouterTestClient(
            responder: try await responder, logger: logger,
            remoteAddress: try setup.remoteAddress.map { try SocketAddress(ipAddress: $0, port: 0) })
        guard !services.isEmpty else {
            for process in processesRunBeforeServerStart { try await process() }
            return try await test(client)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            let (started, signalStarted) = AsyncStream.makeStream(of: Void.self)
            let serviceGroup = ServiceGroup(
                configuration: .init(services: services + [StartedSignal(signal: signalStarted)], logger: logger))
            group.addTask {
                // A group that stops before it started (a service failed) ends the wait below too.
                defer { signalStarted.finish() }
                try await serviceGroup.run()
            }
            let outcome: Result<Value, any Error>
            do {
                for process in processesRunBeforeServerStart { try await process() }
                // The group must be running before a shutdown is triggered, or it never runs its services.
                guard await started.first(where: { _ in true }) != nil else { throw ServicesDidNotStart() }
                outcome = .success(try await test(client))
            } catch {
                outcome = .failure(error)
            }
            await serviceGroup.triggerGracefulShutdown()
            // What stopped the services is reported, unless the test's own error says more.
            do {
                try await group.waitForAll()
            } catch {
                if case .failure(let failure) = outcome, !(failure is ServicesDidNotStart) { throw failure }
                throw error
            }
            return try outcome.get()
        }
    }
}

/// The application's services stopped before the test could start (the group's error follows it).
struct ServicesDidNotStart: Error {}

/// A service that tells the test the service group has started, then waits for the shutdown.
private struct StartedSignal: Service {
    let signal: AsyncStream<Void>.Continuation
    func run() async throws {
        signal.yield()
        signal.finish()
        try? await gracefulShutdown()
    }
}
