import HromadaPostgres
import HromadaRuntime

/// Appends each event to the chain, inside the consumer's batch transaction (with its inbox row).
/// The chain head's row lock makes this the single writer: a batch's events are appended in their
/// order with one multi-row insert, and a second replica waits for the lock.
public struct AuditEventHandler: EventHandler {
    let settings: AuditSettings
    let producer: String

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        try handle(batch: [event], on: connection)
    }

    /// The single chain writer: the head is locked once per batch (a second replica waits for
    /// the commit) and the whole batch is appended in a few statements (`AuditStore.append(batch:)`);
    /// the report projection sees every appended event, never one the log already held.
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        let batch = try AuditStore.append(
            batch: events.map(\.envelope), settings: settings, in: transaction(connection))
        try ReportProjection.apply(batch.appended, on: connection)
    }

    /// The consumer's inbox transaction, to publish checkpoints in (the consumer wakes the relay
    /// after the commit).
    private func transaction(_ connection: PostgresConnection) -> UnitOfWork.Transaction {
        UnitOfWork.Transaction(connection: connection, producer: producer)
    }
}
