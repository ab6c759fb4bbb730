import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Audit's step of an appeal's erasure: every event is chained as always (the wrapped chain
/// writer), and an `appeal.personal-data-erased` (from intake) also destroys the appeal's key —
/// what `POST /v1/erase` does — then confirms with `appeal.personal-data-erasure-confirmed`, in
/// the same inbox transaction. The destroyed key is audit's tombstone: the row stays with its
/// `erased_at`, and any later event of the appeal (a replay, a late ticket event) is chained
/// without its personal fields (`ChainBatch` gives it no key).
public struct AuditErasureStep: EventHandler {
    let chain: AuditEventHandler
    let producer: String
    let clock: @Sendable () -> Date

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        try handle(batch: [event], on: connection)
    }

    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        try chain.handle(batch: events, on: connection)
        for event in events where event.envelope.type == AppealPersonalDataErased.eventType {
            let erasure: AppealPersonalDataErased
            do {
                erasure = try event.envelope.decode(AppealPersonalDataErased.self)
            } catch {
                throw PermanentEventError("\(event.envelope.type): undecodable payload")
            }
            try AuditStore.destroyKeys(
                ErasureTombstones.appealIds(of: event.envelope), at: erasure.erasedAt, on: connection)
            try ErasureGate.confirm(
                erasure, event: event.envelope,
                in: UnitOfWork.Transaction(connection: connection, producer: producer), at: clock())
            ErasureTombstones.applied(by: producer).increment()
        }
    }
}
