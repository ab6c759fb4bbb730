import Foundation
import HromadaTestSupport
import XCTest

/// Crashes, broker and database restarts under a steady stream of appeals, and two replicas of
/// every service: zero lost, zero duplicated (README, "Reliability").
final class FaultTests: XCTestCase {
    /// While ~20 appeals/s flow: kill -9 each service in turn and restart it, restart RabbitMQ,
    /// restart PostgreSQL; then check from the databases that nothing was lost or duplicated.
    func testCrashesAndServerRestartsLoseAndDuplicateNothing() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs(lines: 80) } }
        let began = ContinuousClock.now
        func log(_ message: String) {
            print("[fault +\(Int((ContinuousClock.now - began).components.seconds))s] \(message)")
        }

        let centreKey = try await system.seedCentre(id: "lib-central")
        _ = try await system.seedHousingOfficial(role: "official", email: "official.zhkg@example.org")
        let known = try await eventually(timeout: .seconds(20)) {
            try await system.scalar("SELECT count(*) FROM notification.officials") >= 1
        }
        XCTAssertTrue(known, "official.updated did not reach notification")

        let stream = AppealStream(intakeURLs: system.baseURLs(.intake), centreKey: centreKey, rate: 20)
        stream.start()
        log("stream started at 20 appeals/s")
        try await Task.sleep(for: .seconds(5))

        for service in SystemHarness.Service.allCases {
            system.kill9(service)
            log("kill -9 \(service.executable) (accepted so far: \(stream.snapshot.accepted.count))")
            try await Task.sleep(for: .seconds(2))
            try await system.restart(service)
            log("\(service.executable) restarted and ready")
            try await Task.sleep(for: .seconds(4))
        }

        log("restarting RabbitMQ")
        try await infraInBackground("restart-rabbitmq")
        log("RabbitMQ back")
        try await Task.sleep(for: .seconds(8))

        log("restarting PostgreSQL")
        try await infraInBackground("restart-postgres")
        log("PostgreSQL back")
        try await Task.sleep(for: .seconds(8))

        await stream.stop()
        let stats = stream.snapshot
        log(
            "stream stopped: started \(stats.started), accepted \(stats.accepted.count), replays \(stats.replays),"
                + " retries \(stats.retries), gave up \(stats.gaveUp), refused \(stats.refused.count)")
        XCTAssertTrue(stats.refused.isEmpty, "appeals refused: \(stats.refused.prefix(5))")
        XCTAssertEqual(stats.gaveUp, 0, "appeals never accepted")
        for service in SystemHarness.Service.allCases {
            XCTAssertTrue(system.isRunning(service), "\(service.executable) is no longer running (crashed?)")
        }

        // An email the killed notification process had claimed stays leased and is sent by the
        // restarted process only when the lease runs out (`HROMADA_SMTP_LEASE_SECONDS`: 30 s in the
        // harness, 180 s by default).
        let drained = await ExactlyOnce.awaitDrained(system, timeout: .seconds(240))
        log("drained: \(drained)")
        XCTAssertTrue(drained, "the system did not settle within 240 s after the faults")
        let counts = try await ExactlyOnce.count(system, accepted: Array(stats.accepted.values))
        print(counts)
        ExactlyOnce.assertExactlyOnce(counts, officialsPerTicket: 1)
        XCTAssertEqual(
            Set(stats.accepted.values).count, stats.accepted.count, "two accepted appeals share a registration number")
        reachedEnd = true
    }

    /// Two processes of every service on the same database and vhost (competing consumers, HTTP on
    /// different ports, submissions round-robin over the two intakes): the same exactly-once results.
    func testTwoReplicasOfEveryServiceGiveExactlyOnceResults() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(replicas: 2)
        addTeardownBlock { await system.cleanup() }
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs(lines: 60) } }

        let centreKey = try await system.seedCentre(id: "lib-central")
        _ = try await system.seedHousingOfficial(role: "official", email: "official.zhkg@example.org")
        let known = try await eventually(timeout: .seconds(20)) {
            try await system.scalar("SELECT count(*) FROM notification.officials") >= 1
        }
        XCTAssertTrue(known)

        let total = 300
        let stream = AppealStream(intakeURLs: system.baseURLs(.intake), centreKey: centreKey, rate: 30)
        stream.start(limit: total)
        await stream.finish()
        let stats = stream.snapshot
        XCTAssertEqual(stats.accepted.count, total, "refused: \(stats.refused.prefix(3)), gave up: \(stats.gaveUp)")

        let drained = await ExactlyOnce.awaitDrained(system, timeout: .seconds(120))
        XCTAssertTrue(drained, "two replicas did not settle")
        let counts = try await ExactlyOnce.count(system, accepted: Array(stats.accepted.values))
        print(counts)
        ExactlyOnce.assertExactlyOnce(counts, officialsPerTicket: 1)
        XCTAssertEqual(counts.registered, total)

        // Both replicas really took part: each intake registered appeals, and the queues had two consumers each.
        let registeredLines = system.logLines(containing: "appeal registered")
        for replica in 0..<2 {
            let mine = registeredLines.filter { $0.hasPrefix("intake-\(replica):") }.count
            XCTAssertGreaterThan(mine, total / 4, "intake replica \(replica) registered only \(mine) appeals")
        }
        for queue in ["hromada.routing", "hromada.notification", "hromada.audit", "hromada.intake"] {
            let consumers = try await system.consumerCount(queue)
            XCTAssertEqual(consumers, 2, "\(queue) should have one consumer per replica")
        }
        // Registration numbers stay unique and gap-free across the two intakes.
        let numbers = Set(stats.accepted.values)
        XCTAssertEqual(numbers.count, total)

        for replica in [1, 0] {
            for service in SystemHarness.Service.allCases.reversed() {
                let result = await system.terminate(service, replica)
                XCTAssertEqual(result, .exited(0), "\(service.executable) replica \(replica) on SIGTERM: \(result)")
            }
        }
        reachedEnd = true
    }
}
