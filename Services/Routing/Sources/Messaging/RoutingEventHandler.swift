import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging

/// Consumes `appeal.registered` (one ticket per appeal) and `appeal.returned` (closes the ticket):
/// decode → domain (through the store: `Ticket.open`, `Ticket.returned`) → store. Runs inside the
/// consumer's transaction, which also records the inbox row and wakes the relay after the commit.
public struct RoutingEventHandler: EventHandler {
    public let producer: String
    public let clock: @Sendable () -> Date
    public let logger: Logger

    public init(producer: String, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.producer = producer
        self.clock = clock
        self.logger = logger
    }

    public static let bindings = ["appeal.registered.v1", "appeal.returned.v1", "appeal.disputed.v1"]

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        let tx = UnitOfWork.Transaction(connection: connection, producer: producer)
        switch envelope.type {
        case AppealRegistered.eventType:
            let appeal = try Self.decode(AppealRegistered.self, from: envelope)
            let ticket = try RoutingStore.createTicket(from: appeal, eventId: envelope.id, now: clock(), in: tx)
            // Issue 15: the photos' references (ids and hashes; intake keeps the images).
            try PhotoReferenceRecords.store(appeal, on: connection)
            // The problem's point and an Open311 photo link (TicketPlaceRecords.swift).
            try TicketPlaceRecords.store(appeal, on: connection)
            if let ticket {
                logger.debug(
                    "ticket created",
                    metadata: [
                        "appeal.id": "\(appeal.appealId.uuidString.lowercased())",
                        "ticket.id": "\(ticket.uuidString.lowercased())",
                    ])
            }
        case AppealReturned.eventType:
            let returned = try Self.decode(AppealReturned.self, from: envelope)
            try RoutingStore.closeReturned(returned, eventId: envelope.id, now: clock(), in: tx)
        case AppealDisputed.eventType:
            // The resident's dispute of an answer (issue 15): ResidentDispute.swift.
            try ResidentDispute.handle(envelope, now: clock(), in: tx)
        default:
            return
        }
    }

    /// The payload, or a permanent error naming the event and the field path (never a value: the
    /// reason goes into the dead-letter header).
    static func decode<E: DomainEvent>(_ type: E.Type, from envelope: Envelope) throws -> E {
        do {
            return try envelope.decode(E.self)
        } catch let error as DecodingError {
            throw PermanentEventError("\(E.eventType) could not be decoded: \(Self.path(of: error))")
        } catch {
            throw PermanentEventError("\(E.eventType) could not be decoded")
        }
    }

    static func path(of error: DecodingError) -> String {
        let (kind, context): (String, DecodingError.Context?) =
            switch error {
            case .keyNotFound(let key, let context): ("missing \(key.stringValue)", context)
            case .typeMismatch(_, let context): ("wrong type", context)
            case .valueNotFound(_, let context): ("null", context)
            case .dataCorrupted(let context): ("invalid value", context)
            @unknown default: ("unreadable", nil)
            }
        let path =
            context?.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") ?? ""
        return path.isEmpty ? kind : "\(kind) at payload.\(path)"
    }
}
