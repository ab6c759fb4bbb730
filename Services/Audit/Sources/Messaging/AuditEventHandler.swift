import HromadaPostgres
import HromadaRuntime

/// Appends each event to the chain, inside the consumer's batch transaction (with its inbox row).
/// The chain head's row lock makes this the single writer: events of one batch are appended one
/// after another, and a second replica waits for the lock.
public struct AuditEventHandler: EventHandler {
    let settings: AuditSettings
    let producer: String

    public init(settings: AuditSettings, producer: String) {
        self.settings = settings
        self.producer = producer
    }

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        if try AuditStore.append(event.envelope, settings: settings, in: transaction(connection)) != nil {
            try ReportProjection.apply(event.envelope, on: connection)
        }
    }

    /// The single chain writer: the head is locked once per batch (a second replica waits for
    /// the commit) and the batch's events are chained one after the other.
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        let transaction = transaction(connection)
        var head = try AuditStore.lockHead(on: connection)
        for event in events {
            if try AuditStore.append(event.envelope, after: &head, settings: settings, in: transaction) != nil {
                try ReportProjection.apply(event.envelope, on: connection)
            }
        }
    }

    /// The consumer's inbox transaction, to publish checkpoints in (the consumer wakes the relay
    /// after the commit).
    private func transaction(_ connection: PostgresConnection) -> UnitOfWork.Transaction {
        UnitOfWork.Transaction(connection: connection, producer: producer)
    }
}
