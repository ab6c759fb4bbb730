import Foundation
public import Logging

/// One connection + one channel in confirm mode, on its own thread. Reconnects (with backoff up to
/// a few seconds, re-declaring every topology declared so far) on the next call after a failure; a
/// call that fails because the connection dropped throws (`isRetryable`) — it never returns as if it
/// succeeded. While idle the thread services heartbeats and notices a dropped connection.
public final class AMQPClient: Sendable {
    private let worker: AMQPThread
    private let core: ClientCore

    public init(configuration: AMQPConfiguration, logger: Logger) {
        let core = ClientCore(configuration: configuration, logger: logger)
        self.core = core
        // Well inside the heartbeat interval, so the broker never misses our heartbeats while idle.
        let heartbeat = Double(configuration.heartbeatSeconds)
        let idle = heartbeat > 0 ? min(max(heartbeat / 4, 0.2), 5) : 5
        worker = AMQPThread(name: "amqp-client-\(configuration.connectionName)", idleInterval: idle) { core.idle() }
    }

    deinit {
        let core = self.core
        worker.submit { core.shutdown() }
        worker.stop()
    }

    /// Declares exchanges, queues and bindings (idempotent); remembered and re-declared after reconnect.
    public func declare(_ topology: AMQPTopology) async throws {
        let core = self.core
        try await worker.run { try core.declare(topology) }
    }

    /// Publishes the messages in order and returns only when the broker has confirmed every one.
    /// Throws `.returned` when a mandatory message was unroutable, `.nacked` when any was nacked,
    /// `.channelClosed` (e.g. 404 for a missing exchange) or a connection error otherwise. After a
    /// throw, any subset of the batch may have reached the broker: retry the whole batch (consumers
    /// are idempotent).
    ///
    /// Every message carries `user_id` (see `AMQPConfiguration.userID(for:)`): the connection's
    /// user unless the message names another (which the broker refuses unless the user is an
    /// impersonator), so consumers can tell who really published it.
    public func publish(_ messages: [AMQPOutgoingMessage]) async throws {
        guard !messages.isEmpty else { return }
        let configuration = core.configuration
        let messages = messages.map { message in
            var message = message
            message.properties.userID = configuration.userID(for: message)
            return message
        }
        let core = self.core
        try await worker.run { try core.publish(messages) }
    }

    /// `basic.get` with manual ack; nil when the queue is empty.
    public func get(queue: String) async throws -> AMQPDelivery? {
        let core = self.core
        return try await worker.run { try core.get(queue: queue) }
    }

    /// Ignored (no error) when the delivery came from an earlier connection or channel.
    public func ack(_ delivery: AMQPDelivery) async throws {
        let core = self.core
        try await worker.run { try core.settle(delivery) { try $0.ack(delivery.deliveryTag, multiple: false) } }
    }

    public func nack(_ delivery: AMQPDelivery, requeue: Bool) async throws {
        let core = self.core
        try await worker.run {
            try core.settle(delivery) { try $0.nack(delivery.deliveryTag, multiple: false, requeue: requeue) }
        }
    }

    public func reject(_ delivery: AMQPDelivery, requeue: Bool) async throws {
        let core = self.core
        try await worker.run { try core.settle(delivery) { try $0.reject(delivery.deliveryTag, requeue: requeue) } }
    }

    /// Removes every ready message; returns how many.
    public func purge(queue: String) async throws -> UInt32 {
        let core = self.core
        return try await worker.run { try core.withConnection { try $0.purge(queue) } }
    }

    /// Passive declare: ready messages and consumers. Throws `.channelClosed` with reply code 404
    /// when the queue does not exist.
    public func queueState(_ queue: String) async throws -> (messages: UInt32, consumers: UInt32) {
        let core = self.core
        let state = try await worker.run { () throws -> QueueCounts in
            let counts = try core.withConnection { try $0.queueState(queue) }
            return QueueCounts(messages: counts.messages, consumers: counts.consumers)
        }
        return (state.messages, state.consumers)
    }

    /// Deletes the queue and forgets it (it is no longer re-declared after a reconnect).
    public func deleteQueue(_ queue: String) async throws {
        let core = self.core
        try await worker.run { try core.deleteQueue(queue) }
    }

    /// Whether the connection is currently open (for readiness checks); connects if needed.
    public func checkConnection() async throws {
        let core = self.core
        try await worker.run { try core.withConnection { _ in } }
    }

    /// Closes the connection and ends the thread; later calls throw `.closed`.
    public func close() async {
        let core = self.core
        _ = try? await worker.run { core.shutdown() }
        worker.stop()
    }
}

private struct QueueCounts: Sendable {
    var messages: UInt32
    var consumers: UInt32
}

/// Everything of an `AMQPClient` that lives on its thread. Only ever touched from that thread
/// (hence `@unchecked Sendable`: it crosses into the thread's jobs, never runs concurrently).
final class ClientCore: @unchecked Sendable {
    let configuration: AMQPConfiguration
    private var logger: Logger
    private let metrics: AMQPMetrics
    private var connection: RabbitConnection?
    private var connectionSerial: UInt64 = 0
    private var topology = AMQPTopology()
    private var consecutiveFailures = 0
    private var isShutDown = false
    /// The cluster node (index into `configuration.nodes`) to connect to next.
    private var node = 0

    init(configuration: AMQPConfiguration, logger: Logger) {
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "amqp.connection"] = .string(configuration.connectionName)
        self.logger = logger
        self.metrics = AMQPMetrics(connectionName: configuration.connectionName)
    }

    /// Changes whenever the connection or its channel is replaced: delivery tags are per channel.
    private var generation: UInt64 {
        guard let connection else { return 0 }
        return connectionSerial << 16 | UInt64(connection.channel)
    }

    func withConnection<T>(_ body: (RabbitConnection) throws -> T) throws -> T {
        let connection = try connected()
        do {
            return try body(connection)
        } catch let error as AMQPError {
            if !connection.isAlive { drop(because: error) }
            throw error
        }
    }

    private func connected() throws -> RabbitConnection {
        guard !isShutDown else { throw AMQPError(.closed, "the AMQP client is closed") }
        if let connection {
            do {
                try connection.poll()
                if connection.isAlive { return connection }
            } catch let error as AMQPError {
                if connection.isAlive { return connection }  // only the channel closed; reopened on use
                drop(because: error)
            } catch {}
            drop(because: AMQPError(.connectionClosed, "connection lost"))
        }
        if consecutiveFailures > 0 {
            let delay = min(0.1 * pow(2, Double(consecutiveFailures - 1)), 3)
            Thread.sleep(forTimeInterval: delay)
        }
        do {
            let connection = try RabbitConnection.openFailingOver(
                configuration, confirms: true, logger: logger, node: &node)
            do {
                if !topology.isEmpty { try connection.declare(topology) }
            } catch {
                connection.close()
                throw error
            }
            connectionSerial += 1
            if connectionSerial > 1 {
                metrics.reconnects.increment()
                logger.info(
                    "AMQP connection re-established", metadata: ["amqp.broker": .string(configuration.redactedURL)])
            } else {
                logger.debug(
                    "AMQP connection established", metadata: ["amqp.broker": .string(configuration.redactedURL)])
            }
            consecutiveFailures = 0
            self.connection = connection
            return connection
        } catch {
            consecutiveFailures += 1
            logger.warning(
                "AMQP connection failed",
                metadata: ["amqp.error": .string("\(error)"), "amqp.attempt": .stringConvertible(consecutiveFailures)])
            throw error
        }
    }

    private func drop(because error: any Error) {
        guard let connection else { return }
        logger.warning("AMQP connection lost", metadata: ["amqp.error": .string("\(error)")])
        connection.close()
        self.connection = nil
        node += 1  // a lost node is tried last next time
    }

    func declare(_ declared: AMQPTopology) throws {
        try withConnection { try $0.declare(declared) }
        topology = topology.merged(with: declared)
    }

    func publish(_ messages: [AMQPOutgoingMessage]) throws {
        let outcome = try withConnection { connection in
            try connection.publish(messages) { metrics.published.increment(by: Int64($0)) }
        }
        metrics.confirmed.increment(by: Int64(outcome.acked))
        if outcome.nacked > 0 { metrics.nacked.increment(by: Int64(outcome.nacked)) }
        if !outcome.returns.isEmpty {
            metrics.returned.increment(by: Int64(outcome.returns.count))
            let examples = outcome.returns.prefix(3).joined(separator: ", ")
            throw AMQPError(
                .returned, replyCode: 312, "\(outcome.returns.count) mandatory message(s) unroutable: \(examples)")
        }
        if outcome.nacked > 0 {
            throw AMQPError(.nacked, "the broker nacked \(outcome.nacked) of \(messages.count) message(s)")
        }
    }

    func get(queue: String) throws -> AMQPDelivery? {
        try withConnection { connection in
            guard let raw = try connection.get(queue) else { return nil }
            metrics.consumed.increment()
            return raw.stamped(generation: generation, queue: queue)
        }
    }

    /// Acks/nacks/rejects on the connection and channel the delivery came from; silently ignored
    /// when that connection or channel is gone (the broker redelivers the message).
    func settle(_ delivery: AMQPDelivery, _ body: (RabbitConnection) throws -> Void) throws {
        guard !isShutDown else { throw AMQPError(.closed, "the AMQP client is closed") }
        guard let connection, connection.isAlive, connection.channel != 0, delivery.connectionGeneration == generation
        else {
            logger.debug(
                "dropping acknowledgement for a delivery of an earlier connection",
                metadata: ["amqp.queue": .string(delivery.queue)])
            return
        }
        do {
            try body(connection)
        } catch let error as AMQPError {
            if !connection.isAlive { drop(because: error) }
            throw error
        }
    }

    func deleteQueue(_ queue: String) throws {
        try withConnection { try $0.deleteQueue(queue) }
        topology = topology.removingQueue(queue)
    }

    /// Called by the thread when no job arrived for a while.
    func idle() {
        guard let connection, !isShutDown else { return }
        do {
            try connection.poll()
        } catch {
            if !connection.isAlive { drop(because: error) }
        }
    }

    func shutdown() {
        guard !isShutDown else { return }
        isShutDown = true
        connection?.close()
        connection = nil
    }
}
