import Foundation
import HromadaAMQP
import HromadaTestSupport
import XCTest

/// Messages exchanged with a stock client (Python's pika, through Tests/Interop/pika_interop.py).
final class AMQPInteropTests: XCTestCase {
    private var script: String {
        IntegrationEnvironment.repositoryRoot.appendingPathComponent("Tests/Interop/pika_interop.py").path
    }

    /// Runs python3 with `arguments`; returns (status, stdout).
    private func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        // Not Foundation's Process: its waitUntilExit() can hang inside the test process on Linux.
        try IntegrationEnvironment.run(
            "/usr/bin/env", ["python3"] + arguments, environment: ProcessInfo.processInfo.environment)
    }

    private func requirePika() throws {
        let available = (try? python(["-c", "import pika"]).status) == 0
        if available { return }
        if IntegrationEnvironment.infrastructureRequired {
            XCTFail("python3 with pika is required (deploy/local/infra.sh installs it)")
        }
        throw XCTSkip("python3 -c 'import pika' failed")
    }

    func testPikaReadsWhatSwiftPublished() async throws {
        let broker = try await makeBroker()
        try requirePika()
        let client = AMQPClient(
            configuration: try broker.configuration(name: "interop-publisher"), logger: testLogger())
        try await client.declare(standardTopology())
        let id = UUID().uuidString
        let correlation = UUID().uuidString
        let body = "{\"id\":\"\(id)\",\"text\":\"Звернення\"}"
        try await client.publish([
            AMQPOutgoingMessage(
                exchange: "events", routingKey: "appeal.registered.v1", body: Array(body.utf8),
                properties: AMQPProperties(
                    contentType: "application/json", contentEncoding: "utf-8", deliveryMode: 2, messageID: id,
                    type: "appeal.registered",
                    correlationID: correlation, appID: "hromada-intake",
                    timestamp: Date(timeIntervalSince1970: 1_767_225_600),
                    headers: [
                        "long": .string(String(repeating: "ї", count: 300)),
                        "attempt": .int(2),
                        "flag": .bool(true),
                        "nested": .table(["authority": "zhkg", "list": .array([.int(1), .string("two")])]),
                    ],
                    priority: 3
                )
            )
        ])

        let result = try python([script, "consume", broker.administratorConfiguration().url, "q"])
        XCTAssertEqual(result.status, 0)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["exchange"] as? String, "events")
        XCTAssertEqual(json["routing_key"] as? String, "appeal.registered.v1")
        XCTAssertEqual(json["content_type"] as? String, "application/json")
        XCTAssertEqual(json["content_encoding"] as? String, "utf-8")
        XCTAssertEqual(json["delivery_mode"] as? Int, 2)
        XCTAssertEqual(json["message_id"] as? String, id)
        XCTAssertEqual(json["type"] as? String, "appeal.registered")
        XCTAssertEqual(json["correlation_id"] as? String, correlation)
        XCTAssertEqual(json["app_id"] as? String, "hromada-intake")
        XCTAssertEqual(
            json["user_id"] as? String, "hromada-intake", "user_id = the producer's broker user, readable by pika")
        XCTAssertEqual(json["timestamp"] as? Int, 1_767_225_600)
        XCTAssertEqual(json["priority"] as? Int, 3)
        XCTAssertEqual(json["body"] as? String, body)
        let headers = try XCTUnwrap(json["headers"] as? [String: Any])
        XCTAssertEqual(headers["long"] as? String, String(repeating: "ї", count: 300))
        XCTAssertEqual(headers["attempt"] as? Int, 2)
        XCTAssertEqual(headers["flag"] as? Bool, true)
        let nested = try XCTUnwrap(headers["nested"] as? [String: Any])
        XCTAssertEqual(nested["authority"] as? String, "zhkg")
        let list = try XCTUnwrap(nested["list"] as? [Any])
        XCTAssertEqual(list.first as? Int, 1)
        XCTAssertEqual(list.last as? String, "two")
        let depth = try await broker.queueDepth("q")
        XCTAssertEqual(depth, 0, "pika acked the message")
        await client.close()
    }

    func testSwiftReadsWhatPikaPublished() async throws {
        let broker = try await makeBroker()
        try requirePika()
        let client = try await standardClient(on: broker, name: "interop-setup")
        let result = try python([
            script, "publish", broker.administratorConfiguration().url, "events", "appeal.registered.v1",
        ])
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.output.trimmingCharacters(in: .whitespacesAndNewlines), "published")

        let consumer = try standardConsumer(on: broker, name: "interop-consumer")
        // Should the message never come, closing the consumer ends the sequence and the test fails instead of hanging.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            await consumer.close()
        }
        defer { watchdog.cancel() }
        var iterator = consumer.makeAsyncIterator()
        let next = await iterator.next()
        let delivery = try XCTUnwrap(next)
        consumer.ack(delivery)
        XCTAssertEqual(delivery.exchange, "events")
        XCTAssertEqual(delivery.routingKey, "appeal.registered.v1")
        XCTAssertEqual(String(decoding: delivery.body, as: UTF8.self), "{\"from\": \"pika\"}")
        let properties = delivery.properties
        XCTAssertEqual(properties.contentType, "application/json")
        XCTAssertEqual(properties.contentEncoding, "utf-8")
        XCTAssertEqual(properties.deliveryMode, 2)
        XCTAssertEqual(properties.messageID, "pika-message-1")
        XCTAssertEqual(properties.type, "appeal.registered")
        XCTAssertEqual(properties.correlationID, "pika-correlation-1")
        XCTAssertEqual(properties.appID, "pika-interop")
        XCTAssertEqual(properties.timestamp, Date(timeIntervalSince1970: 1_767_225_600))
        XCTAssertEqual(properties.priority, 5)
        XCTAssertEqual(properties.replyTo, "pika.replies")
        XCTAssertEqual(properties.expiration, "60000")
        XCTAssertEqual(properties.userID, nil, "pika set no user_id")
        let headers = properties.headers
        XCTAssertEqual(headers["text"], .string("Миколаїв"))
        XCTAssertEqual(headers["long"], .string(String(repeating: "ж", count: 400)))
        XCTAssertEqual(headers["small"], .int(42))
        XCTAssertEqual(headers["negative"], .int(-7))
        XCTAssertEqual(headers["big"], .int(1 << 40))
        XCTAssertEqual(headers["flag"], .bool(true))
        XCTAssertEqual(headers["amount"], .double(12.5))
        XCTAssertEqual(headers["when"], .timestamp(Date(timeIntervalSince1970: 1_767_225_600)))
        XCTAssertEqual(headers["raw"], .bytes([0, 1, 0xFE]))
        XCTAssertEqual(headers["nothing"], .void)
        XCTAssertEqual(
            headers["nested"], .table(["authority": "zhkg", "ids": .array([.int(1), .string("two"), .bool(false)])]))
        XCTAssertEqual(headers.count, 11)
        await consumer.close()
        let depth = try await broker.queueDepth("q")
        XCTAssertEqual(depth, 0, "the Swift consumer acked the message before closing")
        await client.close()
    }
}
