import Foundation
import HromadaContracts
import HromadaPostgres

/// Runs "the change and its events in one transaction, relay woken after commit": the one way a
/// service writes. The body gets a `UnitOfWork.Transaction` — its `connection` for the change,
/// `publish` for the events, which go to the outbox in the same transaction — and returns a
/// result. After the commit the outbox relay is woken, so the events leave at once instead of at
/// its next poll; when the body throws (or the commit fails) everything is rolled back and
/// nothing is published.
///
/// ```swift
/// let ticket = try await runtime.transaction { tx in
///     let ticket = try RoutingStore.accept(id, by: official, on: tx.connection)
///     try tx.publish(TicketAccepted(...), correlationId: ticket.appealId)
///     return ticket
/// }
/// ```
///
/// A long-running part (a watcher, a sender) keeps a `UnitOfWork` instead of the database and
/// the relay: `runtime.unitOfWork`. Event handlers need none of this: the consumer already runs
/// them in a transaction and wakes the relay after it (wrap their connection in a `Transaction`
/// to use `publish(_:causedBy:)`).
public struct UnitOfWork: Sendable {
    public let database: PostgresClient
    /// The `producer` written into every envelope published through it (`hromada-<service>`).
    public let producer: String
    private let committed: @Sendable () -> Void

    /// `onCommitted` runs after each successful commit (the relay's `notifyCommitted`).
    public init(database: PostgresClient, producer: String, onCommitted: @escaping @Sendable () -> Void = {}) {
        self.database = database
        self.producer = producer
        self.committed = onCommitted
    }

    /// Wakes `relay` after each commit.
    public init(database: PostgresClient, producer: String, relay: OutboxRelay) {
        self.init(database: database, producer: producer, onCommitted: { relay.notifyCommitted() })
    }

    /// Runs `body` in one transaction; after the commit wakes the relay and returns the result.
    /// The relay is woken after every commit, whether or not the body published: waking an idle
    /// relay costs one empty query, missing a wake-up costs a poll interval of latency.
    @discardableResult
    public func run<T: Sendable>(
        isolation: PostgresIsolation = .readCommitted,
        _ body: @escaping @Sendable (Transaction) throws -> T
    ) async throws -> T {
        let producer = self.producer
        let result = try await database.withTransaction(isolation: isolation) { connection in
            try body(Transaction(connection: connection, producer: producer))
        }
        committed()
        return result
    }

    /// One unit of work's open transaction. Valid only inside the body it was given to.
    public struct Transaction {
        /// The connection the change is made on; everything on it commits or rolls back together.
        public let connection: PostgresConnection
        public let producer: String

        public init(connection: PostgresConnection, producer: String) {
            self.connection = connection
            self.producer = producer
        }

        /// Adds `event` to the outbox in this transaction. Returns its envelope (whose id is the
        /// AMQP message id consumers deduplicate on).
        @discardableResult
        public func publish<E: DomainEvent>(
            _ event: E, correlationId: UUID, causationId: UUID? = nil, occurredAt: Date = Date()
        ) throws -> Envelope {
            try Outbox.enqueue(
                event, correlationId: correlationId, causationId: causationId, producer: producer,
                occurredAt: occurredAt, on: connection)
        }

        /// An event caused by an incoming one: same correlation (the appeal), causation = its id.
        @discardableResult
        public func publish<E: DomainEvent>(_ event: E, causedBy cause: Envelope, occurredAt: Date = Date()) throws
            -> Envelope
        {
            try publish(event, correlationId: cause.correlationId, causationId: cause.id, occurredAt: occurredAt)
        }

        /// Adds a ready envelope to the outbox in this transaction.
        public func publish(_ envelope: Envelope) throws {
            try Outbox.enqueue(envelope, on: connection)
        }
    }
}

extension ServiceRuntime {
    /// This service's unit of work: its database, its producer name, its outbox relay.
    public var unitOfWork: UnitOfWork {
        UnitOfWork(database: database, producer: configuration.producer, relay: outboxRelay)
    }

    /// `unitOfWork.run`: the change and its events in one transaction, the relay woken after the
    /// commit. Use it instead of `database.withTransaction` + `outboxRelay.notifyCommitted()`.
    @discardableResult
    public func transaction<T: Sendable>(
        isolation: PostgresIsolation = .readCommitted,
        _ body: @escaping @Sendable (UnitOfWork.Transaction) throws -> T
    ) async throws -> T {
        try await unitOfWork.run(isolation: isolation, body)
    }
}
