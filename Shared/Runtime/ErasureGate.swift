import Foundation
import HromadaContracts
import HromadaPostgres
import Logging
import Metrics

/// The tombstones of erased appeals in a service's schema: what keeps an erased appeal erased.
/// A row per appeal (its id, registration number and when it was erased), written in the same
/// transaction as the erasure. `ErasureGate` drops every later event of a tombstoned appeal
/// (a redelivery, a dead letter replayed, an older event arriving late), so nothing it carries
/// comes back. The registration number and instants are no personal data.
public enum ErasureTombstones {
    /// The table, in each service's own migrations (issue 19's version range, 500–519).
    public static let migration = Migration(
        version: 500, name: "erasure tombstones",
        sql: """
            CREATE TABLE IF NOT EXISTS erasure_tombstones (
                appeal_id           uuid        PRIMARY KEY,
                registration_number text        NOT NULL,
                erased_at           timestamptz NOT NULL,
                erasure_event_id    uuid,
                recorded_at         timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX IF NOT EXISTS erasure_tombstones_number ON erasure_tombstones (registration_number);
            """)

    /// Erasures applied, per service (`hromada_erasures_applied_total{service}`); counted inside the
    /// transaction, so a try that is rolled back and retried counts again.
    public static func applied(by service: String) -> Counter {
        Counter(label: "hromada_erasures_applied_total", dimensions: [("service", service)])
    }

    /// The text that replaces a personal field that cannot be NULL.
    public static let marker = "[erased]"

    /// Records the tombstone (idempotent: the first erasure's instant stays).
    public static func record(
        appealId: UUID, registrationNumber: String, erasedAt: Date, eventId: UUID?, on connection: PostgresConnection
    ) throws {
        try connection.execute(
            """
            INSERT INTO erasure_tombstones (appeal_id, registration_number, erased_at, erasure_event_id)
            VALUES (\(appealId), \(registrationNumber), \(erasedAt), \(eventId))
            ON CONFLICT (appeal_id) DO NOTHING
            """)
    }

    /// The ids among `ids` whose appeals were erased.
    public static func erased(among ids: [UUID], on connection: PostgresConnection) throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try connection.query("SELECT appeal_id FROM erasure_tombstones WHERE appeal_id = ANY(\(ids))")
        return Set(try rows.map { try $0.decode(0, as: UUID.self) })
    }

    /// The appeal ids an event may concern: its correlation id and the payload's `appealId`.
    public static func appealIds(of envelope: Envelope) -> [UUID] {
        var ids = [envelope.correlationId]
        if let id = envelope.payload["appealId"]?.stringValue.flatMap(UUID.init(uuidString:)),
            id != envelope.correlationId
        {
            ids.append(id)
        }
        return ids
    }
}

/// Wraps a service's event handler with its part of an appeal's erasure:
/// - `appeal.personal-data-erased` runs the service's `erase` (its own schema only), records the
///   tombstone and publishes `appeal.personal-data-erasure-confirmed`, all in the consumer's inbox
///   transaction, so it happens exactly once;
/// - every other event of a tombstoned appeal is consumed without effect;
/// - everything else goes to the wrapped handler, in delivery order.
/// Confirmations (consumed by intake to track progress) always pass through.
public struct ErasureGate: EventHandler {
    /// Erases the appeal's personal data in the service's schema, inside the given transaction.
    public typealias Erase = @Sendable (AppealPersonalDataErased, UnitOfWork.Transaction) throws -> Void

    /// The routing key a service binds to receive erasures.
    public static let binding = Topology.routingKey(
        type: AppealPersonalDataErased.eventType, version: AppealPersonalDataErased.version)

    let inner: any EventHandler
    let producer: String
    let clock: @Sendable () -> Date
    let erase: Erase
    let logger: Logger

    public init(
        wrapping inner: any EventHandler, producer: String, clock: @escaping @Sendable () -> Date = Date.init,
        logger: Logger, erase: @escaping Erase
    ) {
        self.inner = inner
        self.producer = producer
        self.clock = clock
        self.erase = erase
        self.logger = logger
    }

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        try handle(batch: [event], on: connection)
    }

    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        var pending: [IncomingEvent] = []
        for event in events {
            if event.envelope.type == AppealPersonalDataErased.eventType {
                try pass(pending, on: connection)
                pending = []
                try apply(event.envelope, on: connection)
            } else {
                pending.append(event)
            }
        }
        try pass(pending, on: connection)
    }

    /// Hands `events` to the wrapped handler, without those of erased appeals.
    private func pass(_ events: [IncomingEvent], on connection: PostgresConnection) throws {
        guard !events.isEmpty else { return }
        let candidates = events.filter { $0.envelope.type != AppealPersonalDataErasureConfirmed.eventType }
        let erased = try ErasureTombstones.erased(
            among: Array(Set(candidates.flatMap { ErasureTombstones.appealIds(of: $0.envelope) })), on: connection)
        let kept = events.filter { event in
            event.envelope.type == AppealPersonalDataErasureConfirmed.eventType
                || ErasureTombstones.appealIds(of: event.envelope).allSatisfy { !erased.contains($0) }
        }
        if kept.count < events.count {
            logger.debug(
                "dropped events of erased appeals", metadata: ["erasure.dropped": "\(events.count - kept.count)"])
        }
        if !kept.isEmpty { try inner.handle(batch: kept, on: connection) }
    }

    private func apply(_ envelope: Envelope, on connection: PostgresConnection) throws {
        let erasure: AppealPersonalDataErased
        do {
            erasure = try envelope.decode(AppealPersonalDataErased.self)
        } catch {
            throw PermanentEventError("\(envelope.type): undecodable payload")
        }
        let transaction = UnitOfWork.Transaction(connection: connection, producer: producer)
        try erase(erasure, transaction)
        try ErasureTombstones.record(
            appealId: erasure.appealId, registrationNumber: erasure.registrationNumber, erasedAt: erasure.erasedAt,
            eventId: envelope.id, on: connection)
        try Self.confirm(erasure, event: envelope, in: transaction, at: clock())
        ErasureTombstones.applied(by: producer).increment()
        logger.info(
            "erased an appeal's personal data",
            metadata: ["appeal.registrationNumber": "\(erasure.registrationNumber)", "erasure.service": "\(producer)"])
    }

    /// Publishes this service's `appeal.personal-data-erasure-confirmed` for `erasure`.
    public static func confirm(
        _ erasure: AppealPersonalDataErased, event: Envelope, in transaction: UnitOfWork.Transaction, at now: Date
    ) throws {
        try transaction.publish(
            AppealPersonalDataErasureConfirmed(
                appealId: erasure.appealId, registrationNumber: erasure.registrationNumber,
                service: transaction.producer, erasureEventId: event.id, confirmedAt: now),
            causedBy: event, occurredAt: now)
    }
}
