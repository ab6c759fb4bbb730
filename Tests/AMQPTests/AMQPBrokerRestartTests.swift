import Foundation
import HromadaAMQP
import HromadaTestSupport
import Synchronization
import XCTest

final class AMQPBrokerRestartTests: XCTestCase {
    struct RestartFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Restarts RabbitMQ through deploy/local/infra.sh ("restart-rabbitmq"). Where that script is
    /// absent (a developer machine with a hand-started broker) HROMADA_TEST_RABBITMQ_RESTART may
    /// name a shell command instead.
    ///
    /// Not through `IntegrationEnvironment.infra`: Foundation's `Process` on Linux learns that a
    /// child ended from a socket the child inherits, and the daemonised RabbitMQ that the script
    /// starts inherits it too, so `waitUntilExit()` would hang until the broker stops again.
    /// Here the command runs under `posix_spawn` + `waitpid`, with every inherited descriptor above
    /// stderr closed before the script starts.
    private static func restartBroker() throws {
        let script = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/infra.sh").path
        let command: String
        if FileManager.default.fileExists(atPath: script) {
            command = "exec /bin/bash \"\(script)\" restart-rabbitmq"
        } else if let custom = ProcessInfo.processInfo.environment["HROMADA_TEST_RABBITMQ_RESTART"], !custom.isEmpty {
            command = custom
        } else {
            if IntegrationEnvironment.infrastructureRequired {
                XCTFail("deploy/local/infra.sh is missing: cannot restart RabbitMQ")
            }
            throw XCTSkip("no way to restart RabbitMQ here (deploy/local/infra.sh missing)")
        }
        let closeInherited =
            "for fd in /proc/$$/fd/*; do fd=${fd##*/}; "
            + "[ \"$fd\" -gt 2 ] 2>/dev/null && eval \"exec $fd>&-\" 2>/dev/null; done; "
        let status = try spawnAndWait(["/bin/bash", "-c", closeInherited + command])
        guard status == 0 else {
            throw RestartFailed(description: "restarting RabbitMQ exited \(status)")
        }
    }

    /// Runs a program and waits for it (posix_spawn + waitpid); returns its exit status.
    private static func spawnAndWait(_ arguments: [String]) throws -> Int32 {
        var pid = pid_t()
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard spawned == 0 else {
            throw RestartFailed(description: "posix_spawn \(arguments[0]) failed: \(spawned)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS by hand (macros do not import).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// A producer publishes 500 persistent messages in batches with retry-on-error while the broker
    /// restarts; the consumer acks and records ids. Every id must arrive at least once. Duplicates
    /// are allowed (a batch that threw may have partly reached the broker before the restart and is
    /// published again; a delivery whose ack died with the connection is redelivered): the services'
    /// inbox (processed message ids, in the same transaction as the effects) removes them.
    func testNoMessageIsLostAcrossABrokerRestart() async throws {
        let broker = try await makeBroker()
        let topology = standardTopology()
        let client = AMQPClient(configuration: try broker.configuration(name: "restart-producer"), logger: testLogger())
        try await client.declare(topology)
        let consumer = AMQPConsumer(
            configuration: try broker.configuration(name: "restart-consumer"), queue: "q", prefetch: 50,
            topology: topology, logger: testLogger())
        let collector = Collector(consumer, ack: true)

        let total = 500
        let batchSize = 10
        let progress = Mutex((published: 0, failures: 0))
        let producer = Task {
            var batch = 0
            let deadline = Date(timeIntervalSinceNow: 120)
            while batch * batchSize < total && Date() < deadline && !Task.isCancelled {
                let messages = (0..<batchSize).map {
                    message("events", "appeal.registered.v1", id: "r-\(batch * batchSize + $0)")
                }
                do {
                    try await client.publish(messages)
                    batch += 1
                    progress.withLock { $0.published = batch * batchSize }
                    // Paced so that the stream spans the broker's shutdown and start (~15 s).
                    try? await Task.sleep(for: .milliseconds(250))
                } catch let error as AMQPError {
                    XCTAssertTrue(error.isRetryable, "\(error)")
                    progress.withLock { $0.failures += 1 }
                    try? await Task.sleep(for: .milliseconds(200))  // then publish the same batch again
                } catch {
                    XCTFail("unexpected error \(error)")
                    return
                }
            }
        }

        let midStream = await eventually(within: 30) { progress.withLock { $0.published } >= 50 }
        XCTAssertTrue(midStream)
        do {
            // On a thread of its own: the restart blocks for ~15 s and must not hold a cooperative thread.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread { continuation.resume(with: Result { try AMQPBrokerRestartTests.restartBroker() }) }.start()
            }
        } catch {
            producer.cancel()
            await producer.value
            await consumer.close()
            await client.close()
            throw error
        }
        await producer.value
        let state = progress.withLock { $0 }
        XCTAssertEqual(state.published, total, "the producer must get all batches confirmed")
        XCTAssertGreaterThan(state.failures, 0, "the restart should have interrupted the producer at least once")

        let expected = Set((0..<total).map { "r-\($0)" })
        let complete = await eventually(within: 60) {
            Set(collector.deliveries.compactMap(\.properties.messageID)).isSuperset(of: expected)
        }
        let ids = collector.deliveries.compactMap(\.properties.messageID)
        let missing = expected.subtracting(ids)
        XCTAssertTrue(complete, "lost \(missing.count) message(s), e.g. \(missing.sorted().prefix(5))")
        let reconnected = await eventually(within: 30) { consumer.isConnected }
        XCTAssertTrue(reconnected)
        let distinct = Set(ids).count
        print(
            "broker restart: \(ids.count) deliveries for \(distinct) ids (\(ids.count - distinct) duplicates), "
                + "\(state.failures) failed publish attempts")
        await consumer.close()
        await client.close()
    }
}
