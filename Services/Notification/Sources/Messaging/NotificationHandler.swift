import Foundation
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import Logging

/// Applies one event inside the consumer's inbox transaction: keeps the directory copies
/// (residents' contacts, centres, officials) and writes one delivery row per notice. It sends
/// nothing itself; the `DeliverySender` does, after the commit.
public struct NotificationHandler: EventHandler {
    let planner: NotificationPlanner
    let producer: String
    let clock: @Sendable () -> Date
    let logger: Logger

    /// The routing keys the service's queue is bound to.
    public static let bindings: [String] = [
        "appeal.registered.v1", "appeal.returned.v1", "appeal.not-considered.v1",
        "ticket.assigned.v1.*", "ticket.forwarded.v1.*", "ticket.extended.v1.*", "ticket.answered.v1.*",
        "ticket.reopened.v1.*", "ticket.deadline-approaching.v1.*", "ticket.overdue.v1.*", "ticket.closed.v1.*",
        "centre.updated.v1", "official.updated.v1",
        // Issue 15: the officials of the body whose answer a resident disputed are told.
        "appeal.dispute-accepted.v1",
    ]

    /// A ticket event about an appeal whose `appeal.registered` has not arrived yet (they come from
    /// different producers). Thrown so the event is retried later, not dropped.
    public struct ResidentNotYetKnown: Error, CustomStringConvertible, PrivacySafeError, Sendable {
        public let code = "resident_not_yet_known"
        public let appealId: UUID
        public var description: String { "\(code): appeal \(appealId)" }
    }

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        try handle(batch: [event], on: connection)
    }

    /// The events of one consumer batch in order; the delivery rows they plan are written together at
    /// the end in one multi-row insert (`NotificationStore.insertAll`), in the same transaction.
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        var planned: [NotificationStore.NoticeRow] = []
        for event in events { try apply(event, planning: &planned, on: connection) }
        let transaction = UnitOfWork.Transaction(connection: connection, producer: producer)
        // The consumer's inbox transaction: the rows and their events commit together, and the
        // consumer wakes the relay after the commit.
        try NotificationStore.insertAll(planned, at: clock(), in: transaction)
    }

    private func apply(
        _ event: IncomingEvent, planning planned: inout [NotificationStore.NoticeRow], on connection: PostgresConnection
    ) throws {
        let envelope = event.envelope
        switch envelope.type {
        case CentreUpdated.eventType:
            try NotificationStore.saveCentre(try decode(envelope, CentreUpdated.self), on: connection)
        case OfficialUpdated.eventType:
            try NotificationStore.saveOfficial(try decode(envelope, OfficialUpdated.self), on: connection)
        case AppealRegistered.eventType:
            let registered = try decode(envelope, AppealRegistered.self)
            let saved = try NotificationStore.saveResident(registered, on: connection)
            if saved == nil { try AnswerLetters.saveAddress(registered, on: connection) }
            try notify(
                envelope, appealId: registered.appealId, registrationNumber: registered.registrationNumber,
                justSaved: saved, planning: &planned, on: connection)
        case TicketAssigned.eventType, TicketForwarded.eventType, TicketExtended.eventType, TicketAnswered.eventType,
            TicketReopened.eventType, TicketClosed.eventType, TicketDeadlineApproaching.eventType,
            TicketOverdue.eventType, AppealDisputeAccepted.eventType:
            guard case .string(let number)? = envelope.payload["registrationNumber"],
                case .string(let appeal)? = envelope.payload["appealId"], let appealId = UUID(uuidString: appeal)
            else { throw PermanentEventError("ticket event without appealId/registrationNumber") }
            try notify(envelope, appealId: appealId, registrationNumber: number, planning: &planned, on: connection)
        default:
            return
        }
    }

    private func decode<E: DomainEvent>(_ envelope: Envelope, _ type: E.Type) throws -> E {
        do { return try envelope.decode(type) } catch {
            throw PermanentEventError("\(envelope.type) v\(envelope.version) does not match the contract")
        }
    }

    /// Looks up who the planner needs, plans, and adds one delivery row per notice to `planned`.
    /// `justSaved`: the resident's contact this transaction has just written (not read back).
    func notify(
        _ envelope: Envelope, appealId: UUID, registrationNumber: String, justSaved: ResidentContact? = nil,
        planning planned: inout [NotificationStore.NoticeRow], on connection: PostgresConnection
    ) throws {
        let needs = NotificationPlanner.recipients(of: envelope)
        var resident: ResidentContact?
        if needs.resident {
            resident = try justSaved ?? NotificationStore.loadResident(appealId: appealId, on: connection)
            guard resident != nil else { throw ResidentNotYetKnown(appealId: appealId) }
        }
        var officials: [OfficialContact] = []
        var reception: [OfficialContact] = []
        if let authority = needs.authority {
            officials = try NotificationStore.loadOfficials(authority: authority, role: nil, on: connection)
        }
        if needs.reception {
            reception = try NotificationStore.loadOfficials(
                authority: nil, role: OfficialRole.reception.rawValue, on: connection)
        }
        let notices = try planner.plan(envelope, resident: resident, officials: officials, reception: reception)
        // An answer handed over at a centre keeps its parts for the printable letter (issue 14).
        try AnswerLetters.save(envelope, resident: resident, notices: notices, on: connection)
        planned += notices.map {
            NotificationStore.NoticeRow(
                notice: $0, envelope: envelope, appealId: appealId, registrationNumber: registrationNumber)
        }
        logger.debug(
            "notices planned",
            metadata: [
                "event.id": "\(envelope.id.uuidString.lowercased())", "event.type": "\(envelope.type)",
                "notices": "\(notices.count)",
            ])
    }
}
