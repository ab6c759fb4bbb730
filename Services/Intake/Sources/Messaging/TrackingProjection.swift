import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The resident-status projection: ticket events (and `appeal.returned`) from `hromada.intake`
/// update the appeal's public status, authority and deadline, and add a history entry (with the
/// resident's own text of an answer or an extension, shown only with the code).
/// Decode → domain (`TrackingUpdate`) → store (`TrackingRecords`).
public struct TrackingProjection: EventHandler {
    public static let bindings = TrackingUpdate.bindings

    public init() {}

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        let update: TrackingUpdate
        let residentText: String?
        do {
            // Unknown types (new `ticket.*` or `appeal.*` events) give nil: ignored, never dead-lettered.
            guard let decoded = try TrackingUpdate.from(envelope) else { return }
            update = decoded
            residentText = try TrackingUpdate.residentText(envelope)
        } catch let error as ContractError {
            throw PermanentEventError("\(envelope.type): \(error.code)")
        }
        try TrackingRecords.apply(
            update, residentText: residentText, eventId: envelope.id, eventType: envelope.type, on: connection)
    }
}
