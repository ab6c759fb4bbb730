import HromadaRuntime
import XCTest

final class WakeSignalTests: XCTestCase {
    func testASignalBeforeTheWaitIsNotLost() async {
        let signal = WakeSignal()
        signal.signal()
        let start = ContinuousClock.now
        await signal.wait(timeout: .seconds(5))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(1))
    }

    func testWaitTimesOutWithoutASignal() async {
        let signal = WakeSignal()
        let start = ContinuousClock.now
        await signal.wait(timeout: .milliseconds(100))
        let elapsed = ContinuousClock.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(90))
        XCTAssertLessThan(elapsed, .seconds(2))
    }

    func testASignalWakesAWaiter() async {
        let signal = WakeSignal()
        let start = ContinuousClock.now
        async let waited: Void = signal.wait(timeout: .seconds(10))
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        await waited
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    func testConfigurationFromEnvironmentNamesTheBadVariable() {
        XCTAssertThrowsError(
            try ServiceConfiguration.fromEnvironment(
                serviceName: "intake", environment: ["HROMADA_HTTP_PORT": "eighty"])
        ) { error in
            XCTAssertTrue("\(error)".contains("HROMADA_HTTP_PORT"))
        }
        XCTAssertThrowsError(
            try ServiceConfiguration.fromEnvironment(
                serviceName: "intake", environment: ["HROMADA_AMQP_URL": "http://x"]))
        let c = try? ServiceConfiguration.fromEnvironment(serviceName: "routing", environment: [:])
        XCTAssertEqual(c?.httpPort, 8081)
        // No password in the default: each role's password is generated (issue 13: it was the role's name).
        XCTAssertEqual(c?.databaseURL, "postgresql://hromada_routing@127.0.0.1:5432/hromada")
        XCTAssertEqual(c?.amqpURL, "amqp://hromada-routing@127.0.0.1:5672/%2f")
        XCTAssertEqual(c?.httpHost, "127.0.0.1")
        let d = try? ServiceConfiguration.fromEnvironment(
            serviceName: "audit", environment: ["HROMADA_HTTP_PORT": "9000", "HROMADA_LOG_LEVEL": "debug"])
        XCTAssertEqual(d?.httpPort, 9000)
        XCTAssertEqual(d?.logLevel, .debug)
    }
}
