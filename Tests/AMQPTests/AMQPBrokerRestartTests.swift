import Foundation
import HromadaAMQP
import HromadaTestSupport
import Synchronization
import XCTest

final class AMQPBrokerRestartTests: XCTestCase {
    /// Restarts RabbitMQ through deploy/local/infra.sh. Where that script is absent (a developer
    /// machine with a hand-started broker) HROMADA_TEST_RABBITMQ_RESTART may name a command instead.
    private func restartBroker() throws {
        let script = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/infra.sh").path
        if FileManager.default.fileExists(atPath: script) {
            try IntegrationEnvironment.infra("restart-rabbitmq")
            return
        }
        if let command = ProcessInfo.processInfo.environment["HROMADA_TEST_RABBITMQ_RESTART"], !command.isEmpty {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", command]
            try process.run()
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0, "restart command failed")
            return
        }
        if IntegrationEnvironment.infrastructureRequired {
            XCTFail("deploy/local/infra.sh is missing: cannot restart RabbitMQ")
        }
        throw XCTSkip("no way to restart RabbitMQ here (deploy/local/infra.sh missing)")
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
        let consumer = AMQPConsumer(configuration: try broker.configuration(name: "restart-consumer"), queue: "q", prefetch: 50,
                                    topology: topology, logger: testLogger())
        let collector = Collector(consumer, ack: true)

        let total = 500
        let batchSize = 10
        let progress = Mutex((published: 0, failures: 0))
        let producer = Task {
            var batch = 0
            let deadline = Date(timeIntervalSinceNow: 120)
            while batch * batchSize < total && Date() < deadline {
                let messages = (0..<batchSize).map { message("events", "appeal.registered.v1", id: "r-\(batch * batchSize + $0)") }
                do {
                    try await client.publish(messages)
                    batch += 1
                    progress.withLock { $0.published = batch * batchSize }
                    try? await Task.sleep(for: .milliseconds(40))
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

        let midStream = await eventually(within: 30) { progress.withLock { $0.published } >= 100 }
        XCTAssertTrue(midStream)
        do {
            try restartBroker()
        } catch {
            producer.cancel()
            await consumer.close()
            await client.close()
            throw error
        }
        await producer.value
        let state = progress.withLock { $0 }
        XCTAssertEqual(state.published, total, "the producer must get all batches confirmed")
        XCTAssertGreaterThan(state.failures, 0, "the restart should have interrupted the producer at least once")

        let expected = Set((0..<total).map { "r-\($0)" })
        let complete = await eventually(within: 60) { Set(collector.deliveries.compactMap(\.properties.messageID)).isSuperset(of: expected) }
        let ids = collector.deliveries.compactMap(\.properties.messageID)
        let missing = expected.subtracting(ids)
        XCTAssertTrue(complete, "lost \(missing.count) message(s), e.g. \(missing.sorted().prefix(5))")
        XCTAssertTrue(consumer.isConnected)
        print("broker restart: \(ids.count) deliveries for \(Set(ids).count) ids (\(ids.count - Set(ids).count) duplicates), \(state.failures) failed publish attempts")
        await consumer.close()
        await client.close()
    }
}
