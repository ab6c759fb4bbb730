import Foundation
import XCTest

@testable import HromadaAMQP

final class AMQPConfigurationTests: XCTestCase {
    func testDefaultsFromMinimalURL() throws {
        let configuration = try AMQPConfiguration(url: "amqp://localhost")
        XCTAssertEqual(configuration.host, "localhost")
        XCTAssertEqual(configuration.port, 5672)
        XCTAssertEqual(configuration.user, "guest")
        XCTAssertEqual(configuration.password, "guest")
        XCTAssertEqual(configuration.vhost, "/")
        XCTAssertFalse(configuration.useTLS)
        XCTAssertTrue(configuration.verifyPeer)
        XCTAssertEqual(configuration.heartbeatSeconds, 30)
        XCTAssertEqual(configuration.connectionName, "hromada")
    }

    func testFullURLWithPercentEncodedParts() throws {
        let configuration = try AMQPConfiguration(
            url: "amqp://us%40er:p%3Ass%2Fw@broker.example:5673/%2f", connectionName: "intake")
        XCTAssertEqual(configuration.user, "us@er")
        XCTAssertEqual(configuration.password, "p:ss/w")
        XCTAssertEqual(configuration.host, "broker.example")
        XCTAssertEqual(configuration.port, 5673)
        XCTAssertEqual(configuration.vhost, "/")
        XCTAssertEqual(configuration.connectionName, "intake")
    }

    func testNamedAndEncodedVhosts() throws {
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/hromada").vhost, "hromada")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/t-abc%2Fdef").vhost, "t-abc/def")
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://h/").vhost, "/")
        XCTAssertThrowsError(try AMQPConfiguration(url: "amqp://h/a/b"))
    }

    func testAMQPSDefaultsAndQueryParameters() throws {
        let configuration = try AMQPConfiguration(
            url: "amqps://svc:secret@rmq.local/prod?cacertfile=%2Fetc%2Fca.pem&certfile=/etc/c.pem&keyfile=/etc/k.pem"
                + "&verify=verify_none&heartbeat=10&connection_timeout=2500&unknown=1"
        )
        XCTAssertTrue(configuration.useTLS)
        XCTAssertEqual(configuration.port, 5671)
        XCTAssertEqual(configuration.vhost, "prod")
        XCTAssertEqual(configuration.caCertificatePath, "/etc/ca.pem")
        XCTAssertEqual(configuration.clientCertificatePath, "/etc/c.pem")
        XCTAssertEqual(configuration.clientKeyPath, "/etc/k.pem")
        XCTAssertFalse(configuration.verifyPeer)
        XCTAssertEqual(configuration.heartbeatSeconds, 10)
        XCTAssertEqual(configuration.connectTimeoutSeconds, 2.5, accuracy: 0.0001)
        XCTAssertTrue(try AMQPConfiguration(url: "amqps://h?verify=verify_peer").verifyPeer)
    }

    func testIPv6Host() throws {
        let configuration = try AMQPConfiguration(url: "amqp://[::1]:5999/v")
        XCTAssertEqual(configuration.host, "::1")
        XCTAssertEqual(configuration.port, 5999)
        XCTAssertEqual(try AMQPConfiguration(url: "amqp://[::1]").port, 5672)
    }

    func testInvalidURLsThrowWithoutLeakingThePassword() {
        for url in [
            "http://h", "amqp://u:hunter2@h:99999/", "amqp://u:hunter2@h/?verify=maybe", "amqp://u:hunter2@h/%zz",
            "amqp://h?heartbeat=-1",
        ] {
            XCTAssertThrowsError(try AMQPConfiguration(url: url), url) { error in
                XCTAssertEqual((error as? AMQPError)?.code, .connectionFailed)
                XCTAssertFalse("\(error)".contains("hunter2"))
            }
        }
    }

    func testRedactedURLAndURLRoundTrip() throws {
        let configuration = try AMQPConfiguration(url: "amqp://svc:s%40cret@127.0.0.1:5672/t-1%2F2")
        XCTAssertFalse(configuration.redactedURL.contains("cret"))
        XCTAssertFalse("\(configuration)".contains("cret"))
        let again = try AMQPConfiguration(url: configuration.url)
        XCTAssertEqual(again.password, "s@cret")
        XCTAssertEqual(again.vhost, "t-1/2")
        XCTAssertEqual(again.port, 5672)
    }

    func testRetryability() {
        XCTAssertTrue(AMQPError(.connectionClosed, replyCode: 320, "restart").isRetryable)
        XCTAssertTrue(AMQPError(.channelClosed, replyCode: 404, "no exchange").isRetryable)
        XCTAssertFalse(AMQPError(.channelClosed, replyCode: 406, "precondition").isRetryable)
        XCTAssertFalse(AMQPError(.authenticationFailed, replyCode: 403, "refused").isRetryable)
        XCTAssertTrue(AMQPError(.timeout, "slow").isRetryable)
        XCTAssertTrue(AMQPError(.nacked, "nack").isRetryable)
    }
}
