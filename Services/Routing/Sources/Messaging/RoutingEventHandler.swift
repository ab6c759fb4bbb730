import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging

/// Consumes `appeal.registered` (one ticket per appeal), `appeal.returned` (closes the ticket) and
/// `appeal.disputed`: decode → domain (through the store: `Ticket.open`, `Ticket.returned`) → store.
/// Runs inside the consumer's transaction, which also records the inbox rows and wakes the relay
/// after the commit; a batch's registrations are written together (issue 16).
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
        try handle(batch: [event], on: connection)
    }

    /// The batch in delivery order. Each run of consecutive `appeal.registered` is handled together
    /// (`RoutingStore.createTickets`: a fixed number of statements per run, whatever its length);
    /// any other event is handled alone at its place, so an appeal returned or disputed after its
    /// registration in the same batch still finds its ticket. A payload that cannot be decoded
    /// throws before anything of its run is written; the consumer then splits the batch and handles
    /// each event alone, so only that event fails.
    public func handle(batch events: [IncomingEvent], on connection: PostgresConnection) throws {
        let tx = UnitOfWork.Transaction(connection: connection, producer: producer)
        var registrations: [RoutingStore.Registration] = []
        for event in events {
            let envelope = event.envelope
            if envelope.type == AppealRegistered.eventType {
                let appeal = try Self.decode(AppealRegistered.self, from: envelope)
                registrations.append(.init(appeal: appeal, eventId: envelope.id, now: clock()))
                continue
            }
            try register(registrations, in: tx)
            registrations = []
            try handleOther(envelope, in: tx)
        }
        try register(registrations, in: tx)
    }

    private func register(_ registrations: [RoutingStore.Registration], in tx: UnitOfWork.Transaction) throws {
        guard !registrations.isEmpty else { return }
        // Issue 15's photos' references and the problem's point are stored by `createTickets` too.
        let tickets = try RoutingStore.createTickets(from: registrations, in: tx)
        guard logger.logLevel <= .debug else { return }
        for (registration, ticket) in zip(registrations, tickets) {
            guard let ticket else { continue }
            logger.debug(
                "ticket created",
                metadata: [
                    "appeal.id": "\(registration.appeal.appealId.uuidString.lowercased())",
                    "ticket.id": "\(ticket.uuidString.lowercased())",
                ])
        }
    }

    private func handleOther(_ envelope: Envelope, in tx: UnitOfWork.Transaction) throws {
        switch envelope.type {
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
