import HromadaRuntime
import XCTest

/// The limiter's parts in memory: who the client is, buckets per key, eviction, failed sign-ins.
final class RateLimitTests: XCTestCase {
    func testNetworksMatchAddressesAndPrefixes() throws {
        let net = try XCTUnwrap(IPNetwork("10.1.0.0/16"))
        XCTAssertTrue(net.contains("10.1.200.3"))
        XCTAssertFalse(net.contains("10.2.0.1"))
        XCTAssertFalse(net.contains("not an address"))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("192.168.1.7")).contains("192.168.1.7"))
        XCTAssertFalse(try XCTUnwrap(IPNetwork("192.168.1.7")).contains("192.168.1.8"))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("fd00::/8")).contains("fd12:3456::1"))
        XCTAssertFalse(try XCTUnwrap(IPNetwork("fd00::/8")).contains("fe80::1"))
        XCTAssertTrue(try XCTUnwrap(IPNetwork("127.0.0.1")).contains("::ffff:127.0.0.1"), "IPv4-mapped IPv6")
        XCTAssertTrue(try XCTUnwrap(IPNetwork("0.0.0.0/0")).contains("8.8.8.8"))
        XCTAssertNil(IPNetwork("10.0.0.0/33"))
        XCTAssertNil(IPNetwork("example.org"))
        XCTAssertNil(IPNetwork("10.0.0.0/x"))
    }

    func testForwardedForIsIgnoredFromAnUntrustedConnection() {
        let resolver = ClientAddressResolver(trustedProxies: [])
        XCTAssertEqual(resolver.client(connecting: "203.0.113.5", forwardedFor: ["1.2.3.4"]), "203.0.113.5")
        XCTAssertEqual(resolver.client(connecting: nil, forwardedFor: ["1.2.3.4"]), "unknown")
    }

    func testBehindATrustedProxyTheRightMostUntrustedHopIsTheClient() throws {
        let resolver = ClientAddressResolver(trustedProxies: [try XCTUnwrap(IPNetwork("10.0.0.0/8"))])
        // The client prepended a made-up hop; the proxy appended the real one.
        XCTAssertEqual(
            resolver.client(connecting: "10.0.0.2", forwardedFor: ["6.6.6.6, 198.51.100.7, 10.0.0.9"]),
            "198.51.100.7")
        XCTAssertEqual(
            resolver.client(connecting: "10.0.0.2", forwardedFor: ["6.6.6.6", "198.51.100.7"]), "198.51.100.7",
            "repeated headers are one list")
        XCTAssertEqual(resolver.client(connecting: "10.0.0.2", forwardedFor: []), "10.0.0.2")
        XCTAssertEqual(
            resolver.client(connecting: "10.0.0.2", forwardedFor: ["198.51.100.7, garbage"]), "10.0.0.2",
            "a hop that is no address stops the chain at the proxy")
        XCTAssertEqual(
            resolver.client(connecting: "203.0.113.5", forwardedFor: ["198.51.100.7"]), "203.0.113.5",
            "not from the proxy: the header is not believed")
    }

    func testTrustedProxiesFromTheEnvironment() throws {
        let none = try ClientAddressResolver(environment: EnvironmentReader([:]))
        XCTAssertTrue(none.trustedProxies.isEmpty)
        let two = try ClientAddressResolver(
            environment: EnvironmentReader(["HROMADA_TRUSTED_PROXIES": "10.0.0.0/8, ::1"]))
        XCTAssertEqual(two.trustedProxies.count, 2)
        XCTAssertTrue(two.isTrusted("::1"))
        XCTAssertThrowsError(
            try ClientAddressResolver(environment: EnvironmentReader(["HROMADA_TRUSTED_PROXIES": "10.0.0.0/8,proxy"]))
        ) { error in
            XCTAssertTrue("\(error)".contains("HROMADA_TRUSTED_PROXIES"))
            XCTAssertFalse("\(error)".contains("proxy\""), "the value is not echoed")
        }
    }

    func testBucketsAreSeparatePerKeyRefusePastTheBurstAndRefill() {
        let limiter = RateLimiter(rate: 10, burst: 3)
        let t0 = ContinuousClock.now
        for _ in 0..<3 { XCTAssertEqual(limiter.take("reference|a:1.1.1.1", now: t0), 0) }
        XCTAssertGreaterThan(
            limiter.take("reference|a:1.1.1.1", now: t0), 0, "the fourth request in the same instant waits")
        XCTAssertEqual(limiter.take("reference|a:2.2.2.2", now: t0), 0, "another client has its own bucket")
        XCTAssertEqual(
            limiter.take("reference|a:1.1.1.1", now: t0 + .milliseconds(150)), 0, "a token is back after 1/rate")
    }

    func testIdleBucketsAreEvictedAndMemoryStaysBounded() {
        let limiter = RateLimiter(rate: 1, burst: 2, capacity: 100)
        let t0 = ContinuousClock.now
        for i in 0..<100 { _ = limiter.take("k\(i)", now: t0) }
        XCTAssertEqual(limiter.count, 100)
        // Ten seconds later every bucket has refilled: the next new key evicts them all.
        XCTAssertEqual(limiter.take("new", now: t0 + .seconds(10)), 0)
        XCTAssertEqual(limiter.count, 1)
        // A flood of new keys at one instant never grows past the capacity.
        for i in 0..<1000 { _ = limiter.take("flood\(i)", now: t0 + .seconds(11)) }
        XCTAssertLessThanOrEqual(limiter.count, 100)
    }

    func testAnEvictionDoesNotForgiveABusyClient() {
        let limiter = RateLimiter(rate: 1, burst: 2, capacity: 10)
        let t0 = ContinuousClock.now
        _ = limiter.take("busy", now: t0)
        _ = limiter.take("busy", now: t0)
        for i in 0..<20 { _ = limiter.take("other\(i)", now: t0 + .milliseconds(100)) }
        XCTAssertGreaterThan(
            limiter.take("busy", now: t0 + .milliseconds(200)), 0,
            "an empty bucket is not idle: it stays (the fullest ones go instead)")
    }

    func testFailedSignInsAreSlowedExponentially() {
        let throttle = FailureThrottle(freeFailures: 2, maxDelay: .seconds(8))
        let t0 = ContinuousClock.now
        throttle.failed("1.1.1.1", now: t0)
        XCTAssertEqual(throttle.wait("1.1.1.1", now: t0), 0, "the first failures are free")
        throttle.failed("1.1.1.1", now: t0)
        XCTAssertEqual(throttle.wait("1.1.1.1", now: t0), 1, accuracy: 0.001)
        throttle.failed("1.1.1.1", now: t0 + .seconds(1))
        XCTAssertEqual(throttle.wait("1.1.1.1", now: t0 + .seconds(1)), 2, accuracy: 0.001)
        throttle.failed("1.1.1.1", now: t0 + .seconds(3))
        throttle.failed("1.1.1.1", now: t0 + .seconds(3))
        throttle.failed("1.1.1.1", now: t0 + .seconds(3))
        XCTAssertEqual(throttle.wait("1.1.1.1", now: t0 + .seconds(3)), 8, accuracy: 0.001, "capped at maxDelay")
        XCTAssertEqual(throttle.wait("2.2.2.2", now: t0 + .seconds(3)), 0, "per address")
        throttle.succeeded("1.1.1.1")
        XCTAssertEqual(throttle.wait("1.1.1.1", now: t0 + .seconds(3)), 0, "a success clears the record")
    }

    func testFailureRecordsAreBounded() {
        let throttle = FailureThrottle(freeFailures: 1, maxDelay: .seconds(4), capacity: 10)
        let t0 = ContinuousClock.now
        for i in 0..<50 { throttle.failed("a\(i)", now: t0 + .seconds(i)) }
        XCTAssertLessThanOrEqual(throttle.count, 10)
    }
}
