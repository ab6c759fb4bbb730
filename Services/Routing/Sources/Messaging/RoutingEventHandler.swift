import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging

/// Consumes `appeal.registered` (one ticket per appeal) and `appeal.returned` (closes the ticket).
/// Runs inside the consumer's transaction, which also records the inbox row.
public struct RoutingEventHandler: EventHandler {
    public let producer: String
    public let clock: @Sendable () -> Date
    public let logger: Logger

    public init(producer: String, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.producer = producer
        self.clock = clock
        self.logger = logger
    }

    public static let bindings = ["appeal.registered.v1", "appeal.returned.v1"]

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        switch envelope.type {
        case AppealRegistered.eventType:
            let appeal: AppealRegistered
            do { appeal = try envelope.decode(AppealRegistered.self) } catch {
                throw PermanentEventError("appeal.registered could not be decoded: \(error)")
            }
            let ticket = try RoutingStore.createTicket(from: appeal, eventId: envelope.id, producer: producer, now: clock(), on: connection)
            if let ticket {
                logger.debug("ticket created", metadata: ["appeal.id": "\(appeal.appealId)", "ticket.id": "\(ticket)"])
            }
        case AppealReturned.eventType:
            let returned: AppealReturned
            do { returned = try envelope.decode(AppealReturned.self) } catch {
                throw PermanentEventError("appeal.returned could not be decoded: \(error)")
            }
            try RoutingStore.closeReturned(returned, eventId: envelope.id, producer: producer, now: clock(), on: connection)
        default:
            return
        }
    }
}
