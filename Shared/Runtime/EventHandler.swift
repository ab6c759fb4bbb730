import Foundation
import HromadaContracts
import HromadaPostgres

/// One event taken from a service's queue.
public struct IncomingEvent: Sendable {
    public let envelope: Envelope
    /// The routing key it was published with (kept across retries).
    public let routingKey: String
    /// 1 on the first try; grows with every retry.
    public let attempt: Int
    public let redelivered: Bool

    public init(envelope: Envelope, routingKey: String, attempt: Int = 1, redelivered: Bool = false) {
        self.envelope = envelope
        self.routingKey = routingKey
        self.attempt = attempt
        self.redelivered = redelivered
    }
}

/// What a consuming service does with an event. `handle` runs on a database connection inside
/// the transaction that also records the event in the inbox, so its effects (rows, outbox events)
/// commit together with "processed" or not at all. Throwing rolls everything back; the event is
/// tried again after a delay and dead-lettered after the last try. Throw `PermanentEventError`
/// for an event that can never succeed (it goes to the dead letters at once).
public protocol EventHandler: Sendable {
    func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws
    /// The events of one delivered batch not seen before, in delivery order, in one transaction.
    /// The default handles them one by one; a handler with per-transaction work to share (a lock,
    /// a lookup) does it once here.
    func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws
}

extension EventHandler {
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        for event in events { try handle(event, on: connection) }
    }
}

/// An event that can never be applied (unknown version, a payload that contradicts the contract).
/// Its reason goes into the dead-letter header and the logs as it is: name types, codes and
/// fields, never a value from the payload.
public struct PermanentEventError: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Wraps a closure as an `EventHandler`.
public struct ClosureEventHandler: EventHandler {
    let body: @Sendable (IncomingEvent, PostgresConnection) throws -> Void
    public init(_ body: @escaping @Sendable (IncomingEvent, PostgresConnection) throws -> Void) { self.body = body }
    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws { try body(event, connection) }
}
