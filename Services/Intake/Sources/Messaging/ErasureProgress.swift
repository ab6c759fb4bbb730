import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging

/// Intake's consumer of `hromada.intake`, erasure-aware: the services' erasure confirmations are
/// counted (the operators' progress view), accesses to an appeal's personal data are recorded (the
/// resident's statement), every other event goes to the tracking projection — unless its appeal
/// was erased (`ErasureGate` drops it, so a late ticket event brings nothing back).
public enum IntakeConsumer {
    /// The tracking projection's routing keys, the confirmations' and the accesses'.
    public static let bindings =
        TrackingProjection.bindings + [
            Topology.routingKey(
                type: AppealPersonalDataErasureConfirmed.eventType,
                version: AppealPersonalDataErasureConfirmed.version),
            Topology.routingKey(type: PersonalDataAccessed.eventType, version: PersonalDataAccessed.version),
        ] + DisputeDecisions.bindings

    public static func handler(producer: String, logger: Logger) -> ErasureGate {
        ErasureGate(
            wrapping: DisputeDecisions(next: ErasureProgress(tracking: TrackingProjection())), producer: producer,
            logger: logger
        ) {
            erasure, transaction in
            // Intake erases its own rows when it decides the erasure; this only runs if the event
            // ever reaches intake's queue, and is idempotent.
            try IntakeStore.erasePersonalFields(
                appealId: erasure.appealId, registrationNumber: erasure.registrationNumber, on: transaction.connection)
        }
    }
}

/// Records `appeal.personal-data-erasure-confirmed` and `personal-data.accessed`; hands every
/// other event to `tracking`.
struct ErasureProgress: EventHandler {
    let tracking: TrackingProjection

    func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        if event.envelope.type == PersonalDataAccessed.eventType {
            guard let access = try? event.envelope.decode(PersonalDataAccessed.self) else {
                throw PermanentEventError("\(event.envelope.type): undecodable payload")
            }
            try IntakeStore.recordAccess(access, eventId: event.envelope.id, on: connection)
            return
        }
        guard event.envelope.type == AppealPersonalDataErasureConfirmed.eventType else {
            try tracking.handle(event, on: connection)
            return
        }
        let confirmation: AppealPersonalDataErasureConfirmed
        do {
            confirmation = try event.envelope.decode(AppealPersonalDataErasureConfirmed.self)
        } catch {
            throw PermanentEventError("\(event.envelope.type): undecodable payload")
        }
        // A service confirms only for itself: the envelope's producer is checked by the consumer.
        guard confirmation.service == event.envelope.producer else {
            throw PermanentEventError("\(event.envelope.type): service differs from the producer")
        }
        try IntakeStore.recordConfirmation(
            appealId: confirmation.appealId, service: confirmation.service, at: confirmation.confirmedAt, on: connection
        )
    }
}
