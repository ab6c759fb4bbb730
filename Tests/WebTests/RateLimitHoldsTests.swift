import Foundation
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import XCTest

/// The rate limiter, its requests coming from the loopback as a socket address (`.router(connectingFrom:)`,
/// what a live server on 127.0.0.1 would give): made-up `X-Forwarded-For` values do not escape it,
/// route classes have their own buckets, failed sign-ins are slowed, and a browser gets the kit's
/// error page. IntakeRateLimitTests holds a live service to the same over a real socket.
final class RateLimitHoldsTests: XCTestCase {
    static let loopback = IPNetwork("127.0.0.1")!

    /// Reference data (burst 3), tracking (burst 3), and a sign-in that accepts only "right".
    static func makeApplication(trusting proxies: [IPNetwork]) -> some ApplicationProtocol {
        let addresses = ClientAddressResolver(trustedProxies: proxies)
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(WebErrorMiddleware())
        typealias Limit = RateLimitMiddleware<WebRequestContext>
        router.group().add(middleware: Limit(.reference, requestsPerSecond: 0.01, burst: 3, addresses: addresses))
            .get("/v1/categories") { _, _ in "[]" }
        router.group().add(middleware: Limit(.tracking, requestsPerSecond: 0.01, burst: 3, addresses: addresses))
            .get("/track") { _, _ in "tracked" }
        router.group()
            .add(middleware: SignInThrottleMiddleware<WebRequestContext>(freeFailures: 2, addresses: addresses))
            .post("/login") { request, _ -> Response in
                let body = String(buffer: try await request.body.collect(upTo: 1024))
                return Response(status: body == "token=right" ? .seeOther : .unauthorized)
            }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    static func forwarded(_ address: String) -> HTTPFields { [.init("X-Forwarded-For")!: address] }

    func testRotatingForwardedForFromAnUntrustedAddressDoesNotEscape() async throws {
        let app = Self.makeApplication(trusting: [])
        try await app.test(.router(connectingFrom: "127.0.0.1")) { client in
            for i in 1...3 {
                let response = try await client.execute(
                    uri: "/v1/categories", method: .get, headers: Self.forwarded("198.51.100.\(i)"))
                XCTAssertEqual(response.status, .ok)
            }
            let response = try await client.execute(
                uri: "/v1/categories", method: .get,
                headers: Self.forwarded("198.51.100.77").merging([.accept: "application/json"]))
            XCTAssertEqual(response.status, .tooManyRequests, "a new header value is the same client")
            XCTAssertNotNil(response.headers[.retryAfter])
            XCTAssertTrue(String(buffer: response.body).contains("rate_limited"))
        }
    }

    func testOneClientExhaustingReferenceDataDoesNotStarveAnothersTracking() async throws {
        // Behind a trusted proxy (the loopback), the forwarded address is the client.
        let app = Self.makeApplication(trusting: [Self.loopback])
        try await app.test(.router(connectingFrom: "127.0.0.1")) { client in
            let hammer = Self.forwarded("203.0.113.9")
            for _ in 1...3 {
                _ = try await client.execute(uri: "/v1/categories", method: .get, headers: hammer)
            }
            let refused = try await client.execute(uri: "/v1/categories", method: .get, headers: hammer)
            XCTAssertEqual(refused.status, .tooManyRequests)
            // Another resident: reference data and tracking still answer.
            let resident = Self.forwarded("198.51.100.20")
            let categories = try await client.execute(uri: "/v1/categories", method: .get, headers: resident)
            XCTAssertEqual(categories.status, .ok, "anonymous callers do not share one bucket")
            let tracking = try await client.execute(uri: "/track", method: .get, headers: resident)
            XCTAssertEqual(tracking.status, .ok)
            // The hammering client's own tracking has a bucket of its own too.
            let ownTracking = try await client.execute(uri: "/track", method: .get, headers: hammer)
            XCTAssertEqual(ownTracking.status, .ok)
        }
    }

    func testFailedSignInsAreSlowedPerAddress() async throws {
        let app = Self.makeApplication(trusting: [Self.loopback])
        try await app.test(.router(connectingFrom: "127.0.0.1")) { client in
            let guesser = Self.forwarded("203.0.113.50")
            for _ in 1...2 {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: guesser, body: ByteBuffer(string: "token=wrong"))
                XCTAssertEqual(response.status, .unauthorized)
            }
            // The third attempt, even with the right token, must wait.
            let slowed = try await client.execute(
                uri: "/login", method: .post, headers: guesser.merging([.accept: "text/html"]),
                body: ByteBuffer(string: "token=right"))
            XCTAssertEqual(slowed.status, .tooManyRequests)
            XCTAssertEqual(slowed.headers[.retryAfter], "1")
            XCTAssertTrue(
                slowed.headers[.contentType]?.hasPrefix("text/html") ?? false, "a browser gets the kit's page")
            // Another address signs in at once.
            let other = try await client.execute(
                uri: "/login", method: .post, headers: Self.forwarded("198.51.100.30"),
                body: ByteBuffer(string: "token=right"))
            XCTAssertEqual(other.status, .seeOther)
            // After the delay, the guesser may try again.
            try await Task.sleep(for: .milliseconds(1100))
            let later = try await client.execute(
                uri: "/login", method: .post, headers: guesser, body: ByteBuffer(string: "token=right"))
            XCTAssertEqual(later.status, .seeOther)
        }
    }
}

extension HTTPFields {
    fileprivate func merging(_ other: HTTPFields) -> HTTPFields {
        var all = self
        all.append(contentsOf: other)
        return all
    }
}
