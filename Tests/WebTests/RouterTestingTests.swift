import Foundation
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import ServiceLifecycle
import Synchronization
import XCTest

/// The in-memory router tester (Shared/TestSupport/RouterTesting.swift) that the router tests of
/// every service stand on: what it sends is what a route receives, the peer address is the one
/// asked for, and an application's services run around the test and stop after it, also when the
/// test throws; a service that fails is reported, and never leaves the test waiting.
final class RouterTestingTests: XCTestCase {
    /// Records that it ran and that it was asked to stop.
    struct RecordingService: Service {
        let events: Events
        final class Events: Sendable {
            let list = Mutex<[String]>([])
            func add(_ event: String) { list.withLock { $0.append(event) } }
            var all: [String] { list.withLock { $0 } }
        }
        func run() async throws {
            events.add("ran")
            try? await gracefulShutdown()
            events.add("stopped")
        }
    }

    static func application(events: RecordingService.Events? = nil) -> some ApplicationProtocol {
        let router = Router(context: WebRequestContext.self)
        router.post("/echo") { request, context -> String in
            let body = String(buffer: try await request.body.collect(upTo: 1024))
            let length = request.headers[.contentLength] ?? "-"
            return "\(body)|\(length)|\(context.remoteAddress?.ipAddress ?? "none")"
        }
        var app = Application(router: router)
        if let events { app.addServices(RecordingService(events: events)) }
        return app
    }

    func testTheRouteGetsTheBodyItsLengthAndThePeerAskedFor() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "привіт"))
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(String(buffer: response.body), "привіт|12|none")
            let missing = try await client.execute(uri: "/nowhere", method: .get)
            XCTAssertEqual(missing.status, .notFound)
        }
        try await Self.application().test(.router(connectingFrom: "127.0.0.1")) { client in
            let response = try await client.execute(uri: "/echo", method: .post, body: ByteBuffer(string: "x"))
            XCTAssertEqual(String(buffer: response.body), "x|1|127.0.0.1")
        }
    }

    func testServicesRunDuringTheTestAndStopAfterItEvenWhenItThrows() async throws {
        struct Planned: Error {}
        let events = RecordingService.Events()
        let seen = try await Self.application(events: events).test(.router) { _ in
            _ = await eventually(timeout: .seconds(5), every: .milliseconds(10)) { !events.all.isEmpty }
            return events.all
        }
        XCTAssertEqual(seen, ["ran"], "the service runs while the test does")
        XCTAssertEqual(events.all, ["ran", "stopped"], "and stops when it ends")

        let failing = RecordingService.Events()
        do {
            try await Self.application(events: failing).test(.router) { _ in throw Planned() }
            XCTFail("the test's error is rethrown")
        } catch is Planned {}
        XCTAssertEqual(failing.all, ["ran", "stopped"], "a throwing test stops the services too")
    }

    func testAServiceThatFailsIsReportedAndNeverHangsTheTest() async throws {
        struct Broken: Error {}
        struct FailingService: Service {
            func run() async throws { throw Broken() }
        }
        var app = Application(router: Router(context: WebRequestContext.self))
        app.addServices(FailingService())
        do {
            try await app.test(.router) { _ in }
            XCTFail("the service's failure is reported")
        } catch is Broken {}
    }
}
