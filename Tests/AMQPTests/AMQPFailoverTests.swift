import Foundation
import HromadaAMQP
import HromadaTestSupport
import XCTest

/// `HROMADA_AMQP_URL` as a comma-separated list of cluster nodes: parsing (in memory) and
/// failover against the real local broker, where the "other nodes" are closed ports.
final class AMQPFailoverTests: XCTestCase {
    func testCommaSeparatedURLsBecomeNodesOfOneConfiguration() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://u:p@10.0.0.1:5701/%2f?heartbeat=7, amqp://u:p@10.0.0.2:5702/%2f,amqp://u:p@rabbit3/%2f")
        XCTAssertEqual(
            configuration.nodes,
            [
                AMQPNode(host: "10.0.0.1", port: 5701), AMQPNode(host: "10.0.0.2", port: 5702),
                AMQPNode(host: "rabbit3", port: 5672),
            ])
        XCTAssertEqual(configuration.user, "u")
        XCTAssertEqual(configuration.heartbeatSeconds, 7)
        XCTAssertEqual(configuration.forNode(1).host, "10.0.0.2")
        XCTAssertEqual(configuration.forNode(1).port, 5702)
        XCTAssertEqual(configuration.forNode(5).host, "rabbit3")
        let single = try AMQPConfiguration(url: "amqp://u:p@10.0.0.1:5701/%2f")
        XCTAssertEqual(single.nodes, [AMQPNode(host: "10.0.0.1", port: 5701)])
    }

    func testNodesThatDifferInCredentialsOrVhostAreRefusedWithoutEchoingThePassword() {
        for list in [
            "amqp://u:secret1@a/%2f,amqp://v:secret1@b/%2f", "amqp://u:secret1@a/%2f,amqp://u:secret2@b/%2f",
            "amqp://u:secret1@a/%2f,amqp://u:secret1@b/other", "amqp://u:secret1@a/%2f,amqps://u:secret1@b/%2f",
            "amqp://u:secret1@a/%2f,http://b",
        ] {
            XCTAssertThrowsError(try AMQPConfiguration(url: list), list) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("node 2"), text)
                XCTAssertFalse(text.contains("secret"), text)
            }
        }
    }

    /// The first node refuses connections (a closed port): client and consumer connect to the
    /// second; when the broker then closes their connections, both move on again and resume.
    func testClientAndConsumerFailOverToTheNextNodeAndResume() async throws {
        let broker = try await makeBroker()
        let closedPort = try Self.closedPort()
        func clusterConfiguration(_ name: String) throws -> AMQPConfiguration {
            var configuration = try broker.configuration(name: name)
            let real = configuration.nodes[0]
            configuration.host = "127.0.0.1"
            configuration.port = closedPort
            configuration.failoverNodes = [real]
            configuration.connectTimeoutSeconds = 2
            return configuration
        }
        var closedNode = try broker.configuration()
        closedNode.port = closedPort
        let viaURL = try AMQPConfiguration(url: closedNode.url + "," + (try broker.configuration()).url)
        XCTAssertEqual(viaURL.nodes.map(\.port), [closedPort, try broker.configuration().port])

        let client = AMQPClient(configuration: try clusterConfiguration("failover"), logger: testLogger())
        try await client.declare(standardTopology())
        let consumer = AMQPConsumer(
            configuration: try clusterConfiguration("failover-consumer"), queue: "q", logger: testLogger())
        let collector = Collector(consumer, ack: true)
        try await client.publish([message("events", "k", id: "before")])
        let first = await eventually(within: 15) { collector.count == 1 && consumer.isConnected }
        XCTAssertTrue(first, "the consumer must reach the second node")

        let (closed, published) = try await closeConnectionsThenPublish(
            broker, client: client, id: "after", attempts: 40)
        XCTAssertTrue(closed, "the connections were listed and closed")
        XCTAssertTrue(published, "the client must move past the closed node back to the broker")
        let second = await eventually(within: 20) {
            collector.deliveries.contains { $0.properties.messageID == "after" }
        }
        XCTAssertTrue(second, "the consumer must reconnect through the node list and resume")
        XCTAssertEqual(collector.deliveries.filter { $0.properties.messageID == "after" }.count, 1)
        await consumer.close()
        await client.close()
    }

    /// A loopback port nothing listens on (bound, then released).
    private static func closedPort() throws -> Int { try IntegrationEnvironment.freeLoopbackPort() }
}
