import Foundation
import HromadaCtl
import HromadaTestSupport
import XCTest

final class CtlUnitTests: XCTestCase {
    func testVhostFromAMQPURL() {
        XCTAssertEqual(CtlEndpoints(amqpURL: "amqp://guest:guest@127.0.0.1:5672/%2f").vhost, "/")
        XCTAssertEqual(CtlEndpoints(amqpURL: "amqp://guest:guest@127.0.0.1:5672").vhost, "/")
        XCTAssertEqual(CtlEndpoints(amqpURL: "amqp://u:p@h:5672/t-abc?heartbeat=10").vhost, "t-abc")
        XCTAssertEqual(CtlEndpoints(amqpURL: "amqps://u:p@h/my%2Fvhost").vhost, "my/vhost")
    }

    func testEnvironmentOverridesDefaults() {
        let e = CtlEndpoints.fromEnvironment([
            "HROMADA_ROUTING_URL": "http://10.0.0.5:9000/", "HROMADA_ADMIN_TOKEN": "secret",
            "HROMADA_RABBITMQ_API": "http://a:b@mq:15672",
        ])
        XCTAssertEqual(e.url(of: "routing"), "http://10.0.0.5:9000")
        XCTAssertEqual(e.url(of: "intake"), "http://127.0.0.1:8080")
        XCTAssertEqual(e.url(of: "audit"), "http://127.0.0.1:8083")
        XCTAssertEqual(e.adminToken, "secret")
        XCTAssertEqual(e.rabbitMQAPI, "http://a:b@mq:15672")
        // Each service's variable by its own name; blanks and a line break at the end are not part of it.
        let others = CtlEndpoints.fromEnvironment([
            "HROMADA_INTAKE_URL": "http://i:1 ", "HROMADA_NOTIFICATION_URL": "http://n:3/\n",
            "HROMADA_AUDIT_URL": "http://a:4", "HROMADA_ADMIN_TOKEN": "  ",
        ])
        XCTAssertEqual(
            others.services.map { $0.url }, ["http://i:1", "http://127.0.0.1:8081", "http://n:3", "http://a:4"])
        XCTAssertNil(others.adminToken, "a blank token is no token")
    }

    func testLogLevelIsReadAsTheServicesReadItAndABadOneIsRefused() throws {
        XCTAssertEqual(try makeLogger(level: .warning, environment: [:]).logLevel, .warning)
        XCTAssertEqual(try makeLogger(level: .warning, environment: ["HROMADA_LOG_LEVEL": " DEBUG\n"]).logLevel, .debug)
        XCTAssertThrowsError(try makeLogger(environment: ["HROMADA_LOG_LEVEL": "verbose"])) { error in
            XCTAssertEqual((error as? CtlError)?.code, .configuration)
            XCTAssertTrue("\(error)".contains("HROMADA_LOG_LEVEL"), "\(error)")
            XCTAssertTrue("\(error)".contains("must be one of trace, debug, info"), "\(error)")
        }
    }

    func testQueueKinds() {
        XCTAssertEqual(QueueInfo.kind(of: "hromada.routing"), .main)
        XCTAssertEqual(QueueInfo.kind(of: "hromada.routing.dead"), .dead)
        XCTAssertEqual(QueueInfo.kind(of: "hromada.routing.retry.2"), .retry)
        XCTAssertEqual(QueueInfo.kind(of: "hromada.test"), .other)
        XCTAssertEqual(QueueInfo.mainQueue(of: "hromada.audit.dead"), "hromada.audit")
        XCTAssertEqual(QueueInfo.mainQueue(of: "hromada.audit.retry.0"), "hromada.audit")
        XCTAssertEqual(DeadLetters.mainQueue("hromada.intake"), "hromada.intake")
    }

    func report(services: [ServiceHealth], queues: [QueueInfo], authorities: [AuthorityBacklog]? = []) -> StatusReport {
        var r = StatusReport(
            generatedAt: Date(), vhost: "/", services: services, queues: queues, queuesError: nil,
            authorities: authorities, authoritiesError: nil, problems: [], warnings: [])
        StatusCollector.judge(&r)
        return r
    }

    func health(_ name: String, live: Bool = true, ready: Bool = true) -> ServiceHealth {
        ServiceHealth(
            name: name, url: "http://x", live: live, ready: ready, version: "0.1.0",
            checks: ready ? ["database": "ok"] : ["database": "failing"], problem: nil)
    }

    func testHealthPolicy() {
        let main = QueueInfo(name: "hromada.routing", ready: 3, unacked: 0, consumers: 1)
        let healthy = report(
            services: [health("routing")],
            queues: [main, QueueInfo(name: "hromada.routing.dead", ready: 0, unacked: 0, consumers: 0)])
        XCTAssertTrue(healthy.healthy)
        XCTAssertEqual(healthy.exitCode(strict: true), 0)

        let dead = report(
            services: [health("routing")],
            queues: [main, QueueInfo(name: "hromada.routing.dead", ready: 2, unacked: 0, consumers: 0)])
        XCTAssertTrue(dead.healthy, "dead letters alone are a warning")
        XCTAssertEqual(dead.exitCode(strict: false), 0)
        XCTAssertEqual(dead.exitCode(strict: true), StatusReport.exitWarnings)
        XCTAssertEqual(dead.deadLetterCount, 2)
        XCTAssertTrue(dead.warnings.contains { $0.contains("2 dead letter(s) in hromada.routing.dead") })

        let noConsumer = report(
            services: [health("routing")],
            queues: [QueueInfo(name: "hromada.routing", ready: 9, unacked: 0, consumers: 0)])
        XCTAssertEqual(noConsumer.exitCode(strict: false), StatusReport.exitUnhealthy)
        XCTAssertTrue(noConsumer.problems.contains { $0.contains("hromada.routing has no consumers") })

        let notReady = report(services: [health("routing", ready: false)], queues: [main])
        XCTAssertEqual(notReady.exitCode(strict: false), 3)
        XCTAssertTrue(notReady.problems.contains { $0.contains("failing: database") })

        let down = report(services: [health("audit", live: false, ready: false)], queues: [])
        XCTAssertEqual(down.exitCode(strict: false), 3)

        var noMQ = StatusReport(
            generatedAt: Date(), vhost: "/", services: [health("routing")], queues: [], queuesError: "unreachable",
            authorities: [], authoritiesError: nil, problems: [], warnings: [])
        StatusCollector.judge(&noMQ)
        XCTAssertFalse(noMQ.healthy)

        let text = dead.renderText()
        XCTAssertTrue(text.contains("hromada.routing.dead"))
        XCTAssertTrue(text.contains("HEALTHY"))
    }

    func testSessionsAreSignedExpireAndBindCSRF() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = Clock(now)
        let sessions = ConsoleSessions(lifetime: 3600, clock: { clock.now })
        let s = sessions.newSession()
        XCTAssertTrue(sessions.isValid(s))
        XCTAssertFalse(sessions.isValid(nil))
        XCTAssertFalse(sessions.isValid(s + "0"))
        var tampered = Array(s)
        tampered[5] = tampered[5] == "1" ? "2" : "1"  // inside the expiry
        XCTAssertFalse(sessions.isValid(String(tampered)))
        XCTAssertFalse(ConsoleSessions().isValid(s), "another process's secret does not accept it")
        let csrf = sessions.csrfToken(for: s)
        XCTAssertTrue(sessions.isValidCSRF(csrf, session: s))
        XCTAssertFalse(sessions.isValidCSRF(csrf, session: sessions.newSession()))
        XCTAssertFalse(sessions.isValidCSRF(nil, session: s))
        XCTAssertTrue(sessions.cookie(s).contains("HttpOnly"))
        XCTAssertTrue(sessions.cookie(s).contains("SameSite=Strict"))
        clock.now = now.addingTimeInterval(3601)
        XCTAssertFalse(sessions.isValid(s), "expired")
    }

    func testOneTimeLoginWorksOnceAndExpires() {
        let clock = Clock(Date(timeIntervalSince1970: 1_800_000_000))
        let sessions = ConsoleSessions(clock: { clock.now })
        let nonce = sessions.makeOneTimeLogin(validFor: 60)
        XCTAssertFalse(sessions.redeemOneTimeLogin("guess"))
        XCTAssertTrue(sessions.redeemOneTimeLogin(nonce))
        XCTAssertFalse(sessions.redeemOneTimeLogin(nonce), "single use")
        let late = sessions.makeOneTimeLogin(validFor: 60)
        clock.now = clock.now.addingTimeInterval(61)
        XCTAssertFalse(sessions.redeemOneTimeLogin(late), "expired")
    }

    func testSeederCompletesMissingCredentialsOnly() {
        var empty = Credentials()
        var n = 0
        XCTAssertTrue(
            Seeder.complete(&empty) {
                n += 1
                return "tok-\(n)"
            })
        XCTAssertNotNil(empty.centreKey)
        XCTAssertNotNil(empty.adminToken)
        XCTAssertNotNil(empty.operatorToken)
        XCTAssertEqual(Set(empty.officials?.map(\.authority) ?? []), ["mayor-reception", "zhkg"])
        XCTAssertEqual(empty.librarians, [.init(centre: "demo-library", login: "demo-librarian", password: "tok-6")])
        let before = empty
        XCTAssertFalse(Seeder.complete(&empty) { "other" }, "a complete file is left alone")
        XCTAssertEqual(before, empty)
        XCTAssertEqual(Seeder.role(for: .init(authority: "mayor-reception", name: "x", token: "t")), "reception")
        XCTAssertEqual(Seeder.role(for: .init(authority: "zhkg", name: "x", token: "t")), "official")
    }

    func testCredentialsRoundTripWithPrivateMode() throws {
        let path = NSTemporaryDirectory() + "hromada-cred-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = Credentials(
            centreKey: "k", adminToken: "a", operatorToken: "o",
            officials: [.init(authority: "zhkg", name: "Н", token: "t")])
        try c.save(to: path)
        XCTAssertEqual(try Credentials.load(from: path), c)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
    }

    func testDepthChartScalesSeries() {
        let t = Date()
        let samples = [
            QueueHistory.Sample(at: t, depths: ["hromada.routing": 0, "hromada.routing.retry.0": 5]),
            QueueHistory.Sample(
                at: t.addingTimeInterval(10), depths: ["hromada.routing": 10, "hromada.routing.dead": 2]),
        ]
        let chart = DepthChart.make(samples, width: 100, height: 110)
        XCTAssertEqual(
            chart.series.map(\.queue), ["hromada.routing", "hromada.routing.dead"], "retry queues are not drawn")
        XCTAssertEqual(chart.maxValue, 10)
        XCTAssertEqual(chart.series[0].points, "0.0,110.0 100.0,10.0")
        XCTAssertEqual(chart.series[0].last, 10)
        XCTAssertEqual(chart.spanSeconds, 10)
        let history = QueueHistory(capacity: 3)
        for i in 0..<5 { history.append(.init(at: t, depths: ["q": i])) }
        XCTAssertEqual(history.all.map { $0.depths["q"] }, [2, 3, 4])
    }
}

/// A clock the test moves.
typealias Clock = Locked<Date>

extension Locked where Value == Date {
    var now: Date {
        get { value }
        set { value = newValue }
    }
}

/// deploy/monitoring: the Prometheus config scrapes the four services and the Grafana dashboard
/// has panels over every metric of issue 6 item 4 (checked by deploy/monitoring/validate.sh).
final class MonitoringConfigTests: XCTestCase {
    func testPrometheusAndGrafanaFilesParseAndCoverTheMetrics() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { throw XCTSkip("python3 missing") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        // Not Foundation's Process: its waitUntilExit() can hang inside the test process on Linux.
        let (status, output) = try IntegrationEnvironment.run(
            "/bin/bash", [root.appendingPathComponent("deploy/monitoring/validate.sh").path],
            environment: ProcessInfo.processInfo.environment)
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("ok:"), output)
    }
}
