import Foundation
import HromadaAMQP
import HromadaTestSupport
import XCTest

/// Integration tests against the real RabbitMQ, each in its own throwaway vhost.
final class AMQPClientTests: XCTestCase {
    func testDeclareIsIdempotentAndConflictingRedeclareIsNotRetryable() async throws {
        let broker = try await makeBroker()
        let client = AMQPClient(configuration: try broker.configuration(name: "declare"), logger: testLogger())
        let topology = standardTopology()
        try await client.declare(topology)
        try await client.declare(topology)
        try await client.publish([message("events", "appeal.registered.v1", id: "m1")])
        let depth = try await broker.queueDepth("q")
        XCTAssertEqual(depth, 1)

        // Same name, other arguments: 406 PRECONDITION_FAILED, not retryable.
        let conflicting = AMQPTopology(queues: [.init(name: "q", arguments: ["x-queue-type": "classic"])])
        do {
            try await client.declare(conflicting)
            XCTFail("redeclaring with other arguments must fail")
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .channelClosed)
            XCTAssertEqual(error.replyCode, 406)
            XCTAssertFalse(error.isRetryable)
        }
        // The client opens a fresh channel for the next call.
        try await client.declare(topology)
        let state = try await client.queueState("q")
        XCTAssertEqual(state.messages, 1)
        XCTAssertEqual(state.consumers, 0)
        await client.close()
    }

    func testRoundTripKeepsEveryPropertyAndLargeBodies() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "roundtrip")
        let properties = AMQPProperties(
            contentType: "application/json", contentEncoding: "utf-8", deliveryMode: 2, messageID: UUID().uuidString,
            type: "appeal.registered", correlationID: UUID().uuidString, appID: "hromada-intake",
            timestamp: Date(timeIntervalSince1970: 1_767_225_600),
            headers: [
                "x-attempt": .int(3),
                "long": .string(String(repeating: "Звернення ", count: 100)),
                "nested": .table(["authority": "zhkg", "ids": .array([.int(1), .int(2)]), "ok": .bool(true)]),
                "ratio": .double(0.5),
                "raw": .bytes([0, 7, 255]),
            ],
            expiration: "600000", priority: 4, replyTo: "replies"
        )
        let small = Array(#"{"kind":"proposal","text":"Прохання відремонтувати дах"}"#.utf8)
        let large = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try await client.publish([
            AMQPOutgoingMessage(
                exchange: "events", routingKey: "appeal.registered.v1", body: small, properties: properties),
            AMQPOutgoingMessage(
                exchange: "events", routingKey: "appeal.registered.v1", body: large, properties: properties),
        ])

        let consumer = try standardConsumer(on: broker, name: "roundtrip-consumer")
        let collector = Collector(consumer, ack: true)
        let arrived = await eventually(within: 10) { collector.count == 2 }
        XCTAssertTrue(arrived)
        let deliveries = collector.deliveries
        XCTAssertEqual(deliveries.count, 2)
        XCTAssertEqual(deliveries.first?.body, small)
        XCTAssertEqual(deliveries.last?.body.count, large.count)
        XCTAssertEqual(deliveries.last?.body, large)
        // Every publish carries user_id (issue 13): the test broker's impersonating user sends as the
        // message's producer (app_id); every other property is kept as sent.
        var expected = properties
        expected.userID = properties.appID
        for delivery in deliveries {
            XCTAssertEqual(delivery.properties, expected)
            XCTAssertEqual(delivery.exchange, "events")
            XCTAssertEqual(delivery.routingKey, "appeal.registered.v1")
            XCTAssertEqual(delivery.queue, "q")
            XCTAssertFalse(delivery.redelivered)
        }
        await consumer.close()
        let empty = try await eventually(within: 5) { try await broker.queueDepth("q") == 0 }
        XCTAssertTrue(empty, "acked messages must leave the queue")
        await client.close()
    }

    func testTwoThousandMessagesInBatchesAreConfirmedAndConsumedExactlyOnce() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "bulk")
        let consumer = try standardConsumer(on: broker, name: "bulk-consumer", prefetch: 200)
        let collector = Collector(consumer, ack: true)

        for batch in 0..<20 {
            let messages = (0..<100).map { message("events", "appeal.registered.v1", id: "m-\(batch * 100 + $0)") }
            try await client.publish(messages)
        }
        let allArrived = await eventually(within: 30) { collector.count >= 2_000 }
        XCTAssertTrue(allArrived, "only \(collector.count) of 2000 arrived")
        try await Task.sleep(for: .milliseconds(300))  // nothing more may come
        let ids = collector.deliveries.compactMap(\.properties.messageID)
        XCTAssertEqual(ids.count, 2_000)
        XCTAssertEqual(Set(ids).count, 2_000)
        XCTAssertEqual(Set(ids), Set((0..<2_000).map { "m-\($0)" }))
        XCTAssertFalse(collector.deliveries.contains { $0.redelivered })
        await consumer.close()
        let empty = try await eventually(within: 5) { try await broker.queueDepth("q") == 0 }
        XCTAssertTrue(empty)
        await client.close()
    }

    func testPublishToMissingExchangeThrowsAndTheClientRecovers() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "missing")
        do {
            try await client.publish([message("no-such-exchange", "x", id: "lost")])
            XCTFail("publishing to a missing exchange must throw")
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .channelClosed)
            XCTAssertEqual(error.replyCode, 404)
            XCTAssertTrue(error.isRetryable)
        }
        try await client.publish([message("events", "k", id: "after")])
        let delivery = try await client.get(queue: "q")
        XCTAssertEqual(delivery?.properties.messageID, "after")
        if let delivery { try await client.ack(delivery) }
        let next = try await client.get(queue: "q")
        XCTAssertNil(next)
        await client.close()
    }

    func testMandatoryUnroutableMessageIsReturned() async throws {
        let broker = try await makeBroker()
        let client = AMQPClient(configuration: try broker.configuration(name: "mandatory"), logger: testLogger())
        try await client.declare(
            AMQPTopology(
                exchanges: [.init(name: "direct", type: "direct")],
                queues: [.init(name: "bound")],
                bindings: [.init(queue: "bound", exchange: "direct", routingKey: "yes")]
            ))
        do {
            try await client.publish([
                message("direct", "yes", id: "1", mandatory: true),
                message("direct", "nobody", id: "2", mandatory: true),
            ])
            XCTFail("an unroutable mandatory message must throw")
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .returned)
            XCTAssertTrue(error.description.contains("nobody"))
        }
        // Not mandatory: silently dropped by the broker, confirmed.
        try await client.publish([message("direct", "nobody", id: "3")])
        try await client.publish([message("direct", "yes", id: "4", mandatory: true)])
        let depth = try await broker.queueDepth("bound")
        XCTAssertEqual(depth, 2)
        await client.close()
    }

    func testAckNackRejectAndDeadLettering() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "acks")
        try await client.publish((1...4).map { message("events", "k", id: "m\($0)") })

        let first = try await client.get(queue: "q")
        XCTAssertEqual(first?.properties.messageID, "m1")
        try await client.ack(XCTUnwrap(first))

        let second = try await client.get(queue: "q")
        XCTAssertEqual(second?.properties.messageID, "m2")
        XCTAssertEqual(second?.redelivered, false)
        try await client.reject(XCTUnwrap(second), requeue: true)
        // A quorum queue re-enqueues a requeued message behind the others.
        var remaining: [String: AMQPDelivery] = [:]
        while let delivery = try await client.get(queue: "q") {
            remaining[delivery.properties.messageID ?? "?"] = delivery
        }
        XCTAssertEqual(Set(remaining.keys), ["m2", "m3", "m4"])
        XCTAssertEqual(remaining["m2"]?.redelivered, true)
        XCTAssertEqual(remaining["m3"]?.redelivered, false)
        try await client.ack(XCTUnwrap(remaining["m2"]))
        try await client.reject(XCTUnwrap(remaining["m3"]), requeue: false)  // → dlx → q.dead
        try await client.nack(XCTUnwrap(remaining["m4"]), requeue: false)  // → dlx → q.dead

        let deadlettered = try await eventually(within: 5) { try await broker.queueDepth("q.dead") == 2 }
        XCTAssertTrue(deadlettered)
        let left = try await broker.queueDepth("q")
        XCTAssertEqual(left, 0)
        let dead = try await client.get(queue: "q.dead")
        XCTAssertEqual(dead?.properties.messageID, "m3")
        guard case .array(let deaths)? = dead?.properties.headers["x-death"], case .table(let death)? = deaths.first
        else {
            return XCTFail("a dead-lettered message carries x-death")
        }
        XCTAssertEqual(death["reason"], .string("rejected"))
        XCTAssertEqual(death["queue"], .string("q"))

        // Consumer-side nack with requeue: redelivered to the consumer.
        try await client.publish([message("events", "k", id: "c1")])
        let consumer = try standardConsumer(on: broker, name: "acks-consumer")
        let watchdog = Task {
            try await Task.sleep(for: .seconds(20))
            await consumer.close()
        }  // fail, never hang
        defer { watchdog.cancel() }
        var iterator = consumer.makeAsyncIterator()
        let next1 = await iterator.next()
        let delivery = try XCTUnwrap(next1)
        XCTAssertEqual(delivery.properties.messageID, "c1")
        XCTAssertFalse(delivery.redelivered)
        consumer.nack(delivery, requeue: true)
        let next2 = await iterator.next()
        let redelivery = try XCTUnwrap(next2)
        XCTAssertEqual(redelivery.properties.messageID, "c1")
        XCTAssertTrue(redelivery.redelivered)
        consumer.reject(redelivery, requeue: false)
        // m4 + c1 (m3 unacked on client)
        let deadAgain = try await eventually(within: 5) { try await broker.queueDepth("q.dead") == 2 }
        XCTAssertTrue(deadAgain)
        await consumer.close()
        await client.close()
    }

    func testQueueStatePurgeAndDelete() async throws {
        let broker = try await makeBroker()
        let client = AMQPClient(configuration: try broker.configuration(name: "admin"), logger: testLogger())
        try await client.declare(AMQPTopology(queues: [.init(name: "work")]))
        try await client.publish((0..<5).map { message("", "work", id: "w\($0)") })  // default exchange
        let state = try await client.queueState("work")
        XCTAssertEqual(state.messages, 5)
        let purged = try await client.purge(queue: "work")
        XCTAssertEqual(purged, 5)
        try await client.deleteQueue("work")
        do {
            _ = try await client.queueState("work")
            XCTFail("a deleted queue has no state")
        } catch let error as AMQPError {
            XCTAssertEqual(error.replyCode, 404)
        }
        // A closed client refuses calls.
        await client.close()
        do {
            try await client.publish([message("", "work", id: "late")])
            XCTFail("a closed client must throw")
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .closed)
        }
    }

    func testWrongPasswordIsAnAuthenticationFailure() async throws {
        let broker = try await makeBroker()
        var configuration = try broker.configuration(name: "badauth")
        configuration.password = "definitely-wrong"
        let client = AMQPClient(configuration: configuration, logger: testLogger())
        do {
            try await client.declare(AMQPTopology(queues: [.init(name: "x")]))
            XCTFail("wrong credentials must fail")
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .authenticationFailed)
            XCTAssertFalse(error.isRetryable)
            XCTAssertFalse(error.description.contains("definitely-wrong"))
        }
        await client.close()
    }

    func testClientAndConsumerSurviveForcedConnectionClose() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "forced")
        let consumer = try standardConsumer(on: broker, name: "forced-consumer")
        let collector = Collector(consumer, ack: true)
        try await client.publish([message("events", "k", id: "before")])
        let first = await eventually(within: 10) { collector.count == 1 && consumer.isConnected }
        XCTAssertTrue(first)

        // The client may notice while idle or on the next call; a failed call is retryable.
        let (closed, published) = try await closeConnectionsThenPublish(
            broker, client: client, id: "after", attempts: 20)
        XCTAssertTrue(closed, "the connections were listed and closed")
        XCTAssertTrue(published)
        let second = await eventually(within: 15) {
            collector.deliveries.contains { $0.properties.messageID == "after" }
        }
        XCTAssertTrue(second, "the consumer must reconnect and receive new messages")
        XCTAssertTrue(consumer.isConnected)
        await consumer.close()
        await client.close()
    }

    func testClosingAConsumerFinishesTheSequence() async throws {
        let broker = try await makeBroker()
        let client = try await standardClient(on: broker, name: "close")
        let consumer = try standardConsumer(on: broker, name: "close-consumer")
        let collector = Collector(consumer, ack: true)
        let connected = await eventually(within: 10) { consumer.isConnected }
        XCTAssertTrue(connected)
        let consumers = try await client.queueState("q").consumers
        XCTAssertEqual(consumers, 1)

        let started = Date()
        await consumer.close()
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let finished = await eventually(within: 5) { collector.isFinished }
        XCTAssertTrue(finished, "the for-await loop must end after close()")
        XCTAssertFalse(consumer.isConnected)
        let gone = try await eventually(within: 5) { try await client.queueState("q").consumers == 0 }
        XCTAssertTrue(gone)
        await consumer.close()  // closing twice is harmless
        await client.close()
    }

    func testIdleClientKeepsItsConnectionThroughHeartbeats() async throws {
        let broker = try await makeBroker()
        var configuration = try broker.configuration(name: "idle")
        configuration.heartbeatSeconds = 1
        let client = AMQPClient(configuration: configuration, logger: testLogger())
        try await client.declare(standardTopology())
        try await client.publish([message("events", "k", id: "1")])
        let got1 = try await client.get(queue: "q")
        let first = try XCTUnwrap(got1)
        // Idle for several heartbeat intervals: without heartbeats the broker closes after ~2 s.
        try await Task.sleep(for: .seconds(4))
        // Same connection and channel: the delivery from before the pause can still be acked.
        try await client.ack(first)
        try await client.publish([message("events", "k", id: "2")])
        let got2 = try await client.get(queue: "q")
        let second = try XCTUnwrap(got2)
        XCTAssertEqual(
            second.connectionGeneration, first.connectionGeneration, "the connection must not have been replaced")
        XCTAssertEqual(second.properties.messageID, "2", "the first message must have been acked, not redelivered")
        try await client.ack(second)
        await client.close()
    }
}
