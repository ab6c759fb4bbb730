import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The resident-status projection: ticket events (and `appeal.returned`) from `hromada.intake`
/// update the appeal's public status, authority and deadline, and add a history entry.
/// Decode → domain (`TrackingUpdate`) → store (`TrackingRecords`).
public struct TrackingProjection: EventHandler {
    public static let bindings = TrackingUpdate.bindings

    public init() {}

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        let update: TrackingUpdate
        do {
            guard let decoded = try TrackingUpdate.from(envelope) else { return }
            update = decoded
        } catch let error as ContractError {
            throw PermanentEventError("\(envelope.type): \(error.code)")
        }
        try TrackingRecords.apply(update, eventId: envelope.id, eventType: envelope.type, on: connection)
    }
}
