import Foundation
import HromadaAPI
import HromadaTestSupport
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import XCTest

@testable import HromadaCtl

/// The servers the console's tests run over real HTTP on a free port of 127.0.0.1 (a stand-in
/// for a service, or the console itself), and the answers and sign-in they share.
enum TestServers {
    typealias Running = (url: String, group: ServiceGroup, task: Task<Void, any Error>)

    /// Runs the application `make` builds, after `services` in one service group, and returns
    /// its base URL once it listens; `make` gets the callback that learns the bound port.
    static func run<App: Service>(
        after services: [any Service] = [], logger: Logger,
        _ make: (@escaping @Sendable (any Channel) async -> Void) -> App
    ) async -> Running {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = make { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let group = ServiceGroup(
            configuration: .init(services: (services + [app]).map { .init(service: $0) }, logger: logger))
        let task = Task { try await group.run() }
        var port = 0
        for await p in ports { port = p }
        return ("http://127.0.0.1:\(port)", group, task)
    }

    /// A stand-in for one of the services: `router` on a free port.
    static func standIn(_ router: Router<BasicRequestContext>, logger: Logger) async -> Running {
        await run(logger: logger) { onServerRunning in
            Application(
                router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: onServerRunning, logger: logger)
        }
    }

    /// Refuses `request` unless it carries `token` as its bearer, as the services do.
    static func requireBearer(_ token: String, _ request: Request) throws {
        guard request.headers[.authorization] == "Bearer \(token)" else { throw HTTPError(.unauthorized) }
    }

    /// `value` as the services answer it: JSON in the API's coding.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try APICoding.encoder().encode(value))))
    }

    /// A console over `endpoints` with its routes served in memory (`app.test(.router)`), signed in
    /// with a one-time login: `body` gets the client and the session's cookie.
    static func withSignedInConsole(
        endpoints: CtlEndpoints, logger: Logger,
        _ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        let console = try await Console(
            settings: ConsoleSettings(host: "127.0.0.1", port: 8090, operatorToken: "operator", endpoints: endpoints),
            logger: logger)
        try await Application(router: console.makeRouter()).test(.router) { client in
            let once = console.sessions.makeOneTimeLogin()
            let cookie = try await client.execute(uri: "/login?once=\(once)", method: .get) { response in
                String(try XCTUnwrap(response.headers[.setCookie]).split(separator: ";")[0])
            }
            try await body(client, cookie)
        }
    }
}
