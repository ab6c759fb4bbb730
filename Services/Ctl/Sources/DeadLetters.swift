import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaRuntime
import Logging

/// Dead-letter operations on `<queue>.dead` queues: list and show (through the management API,
/// which puts every read message back), replay (AMQP: get, publish with confirms, only then ack)
/// and purge.
public struct DeadLetters: Sendable {
    public let management: RabbitManagement
    public let amqpURL: String
    public let logger: Logger

    public init(endpoints: CtlEndpoints, logger: Logger) {
        self.management = RabbitManagement(base: endpoints.rabbitMQAPI, vhost: endpoints.vhost)
        self.amqpURL = endpoints.amqpURL
        self.logger = logger
    }

    public struct QueueDeadLetters: Codable, Sendable, Equatable {
        public var queue: String
        public var deadQueue: String
        public var count: Int
        public var messages: [PeekedMessage]
    }

    /// Accepts `hromada.routing` or `hromada.routing.dead`; returns the consumer queue.
    public static func mainQueue(_ name: String) -> String { QueueInfo.mainQueue(of: name) }

    /// Dead-letter queues (all `hromada.*.dead`, or the one of `queue`) with their messages.
    public func list(queue: String? = nil, limit: Int = 100) async throws -> [QueueDeadLetters] {
        let all = try await management.queues()
        let dead = all.filter {
            $0.kind == .dead && (queue == nil || $0.name == EventTopology.deadLetterQueue(Self.mainQueue(queue!)))
        }
        if let queue, dead.isEmpty {
            throw CtlError(.notFound, "no dead-letter queue \(EventTopology.deadLetterQueue(Self.mainQueue(queue)))")
        }
        var result: [QueueDeadLetters] = []
        for info in dead {
            // The management API's counts lag the broker by a few seconds: always look.
            let messages = try await management.peek(queue: info.name, count: limit)
            let count = max(info.ready + info.unacked, messages.count)
            result.append(
                QueueDeadLetters(
                    queue: QueueInfo.mainQueue(of: info.name), deadQueue: info.name, count: count, messages: messages))
        }
        return result
    }

    /// The dead message with this message id, in any dead-letter queue.
    public func show(messageId: String) async throws -> (queue: String, message: PeekedMessage) {
        for entry in try await list(limit: 10_000) {
            if let message = entry.messages.first(where: { $0.messageId == messageId }) {
                return (entry.deadQueue, message)
            }
        }
        throw CtlError(.notFound, "no dead letter with message id \(messageId)")
    }

    public struct ReplayResult: Codable, Sendable, Equatable {
        public var queue: String
        public var replayed: [String]
        public var skipped: Int
    }

    /// Moves dead letters of `queue` back to `queue` through the default exchange (routing key =
    /// queue name), one by one: each is published with a confirm (mandatory, so a missing queue is
    /// an error, not a loss) and only then is the dead copy acknowledged. The attempts counter is
    /// reset; the original routing key header is kept (handlers see the original key), and so is the
    /// original publisher's `user_id` (restored from the dead copy's header). With
    /// `messageId`, only that message moves; others are returned to the dead queue untouched.
    public func replay(queue: String, messageId: String?) async throws -> ReplayResult {
        let main = Self.mainQueue(queue)
        let dead = EventTopology.deadLetterQueue(main)
        return try await withClient(name: "hromadactl-replay") { client in
            try await replay(main: main, dead: dead, messageId: messageId, client: client)
        }
    }

    func replay(main: String, dead: String, messageId: String?, client: AMQPClient) async throws -> ReplayResult {
        let initial: UInt32
        do {
            initial = try await client.queueState(dead).messages
        } catch let error as AMQPError where error.replyCode == 404 {
            throw CtlError(.notFound, "queue \(dead) does not exist")
        }
        do { _ = try await client.queueState(main) } catch let error as AMQPError where error.replyCode == 404 {
            throw CtlError(.notFound, "queue \(main) does not exist; start its service first")
        }
        var replayed: [String] = []
        var held: [AMQPDelivery] = []
        var examined: UInt32 = 0
        // Until the dead queue is empty (held messages stay unacknowledged, so `get` moves on), and
        // never more than was there at the start plus a margin: a replayed message that fails again
        // only comes back after its retries, but never loop on it.
        let cap = initial + 10_000
        while examined < cap {
            guard let delivery = try await client.get(queue: dead) else { break }
            examined += 1
            let id = delivery.properties.messageID
            if let messageId, id != messageId {
                held.append(delivery)
                continue
            }
            var properties = delivery.properties
            properties.headers[Topology.Header.attempts] = nil
            properties.headers[Topology.Header.lastError] = nil
            properties.headers[Topology.Header.failedAt] = nil
            properties.headers["x-hromada-replayed-at"] = .string(ISO8601.format(Date()))
            properties.headers["x-death"] = nil
            // A consumer's dead copy carries its own user; the event's publisher is in a header.
            // Publishing under that user needs the replay user's `impersonator` tag, and makes the
            // consumer accept the event again (it checks `user_id` against the event's producer).
            if case .string(let original)? = properties.headers[EventTopology.originalUserHeader] {
                properties.userID = original
            }
            properties.headers[EventTopology.originalUserHeader] = nil
            let message = AMQPOutgoingMessage(
                exchange: "", routingKey: main, body: delivery.body, properties: properties, mandatory: true)
            do {
                try await client.publish([message])
            } catch {
                try? await client.nack(delivery, requeue: true)
                for h in held { try? await client.nack(h, requeue: true) }
                let code = (error as? AMQPError)?.code.description ?? "error"
                throw CtlError(
                    .refused, "replay stopped: publishing to \(main) was not confirmed (\(code)); the dead copy is kept"
                )
            }
            try await client.ack(delivery)
            replayed.append(id ?? "-")
            logger.info("dead letter replayed", metadata: ["amqp.queue": "\(main)", "amqp.message_id": "\(id ?? "-")"])
            if messageId != nil { break }
        }
        for h in held { try await client.nack(h, requeue: true) }
        if let messageId, replayed.isEmpty {
            throw CtlError(.notFound, "no dead letter with message id \(messageId) in \(dead)")
        }
        return ReplayResult(queue: main, replayed: replayed, skipped: held.count)
    }

    /// Removes every ready message of `<queue>.dead`; returns how many.
    public func purge(queue: String) async throws -> Int {
        let dead = EventTopology.deadLetterQueue(Self.mainQueue(queue))
        return try await withClient(name: "hromadactl-purge") { client in
            do {
                return Int(try await client.purge(queue: dead))
            } catch let error as AMQPError where error.replyCode == 404 {
                throw CtlError(.notFound, "queue \(dead) does not exist")
            }
        }
    }

    /// A short-lived AMQP client, closed after `body` whatever happens.
    func withClient<T: Sendable>(name: String, _ body: (AMQPClient) async throws -> T) async throws -> T {
        let client = AMQPClient(
            configuration: try AMQPConfiguration(url: amqpURL, connectionName: name), logger: logger)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }
}
