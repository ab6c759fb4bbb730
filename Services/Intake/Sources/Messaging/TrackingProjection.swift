import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// The resident-status projection: ticket events (and `appeal.returned`) from `hromada.intake`
/// update the appeal's public status, authority and deadline, and add a history entry. Only
/// public facts are kept: never an official's id, a reason text or an answer text.
public struct TrackingProjection: EventHandler {
    public static let bindings = ["ticket.#", "appeal.returned.#"]

    public init() {}

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        let update: (number: String, status: String?, authority: String?, deadline: LocalDate?, note: String?, at: Date)
        do {
            switch envelope.type {
            case TicketAssigned.eventType:
                let e = try envelope.decode(TicketAssigned.self)
                update = (e.registrationNumber, "assigned", e.authority, e.deadline, e.reason.map { "reason:\($0)" }, e.assignedAt)
            case TicketAccepted.eventType:
                let e = try envelope.decode(TicketAccepted.self)
                update = (e.registrationNumber, "accepted", e.authority, nil, nil, e.acceptedAt)
            case TicketForwarded.eventType:
                let e = try envelope.decode(TicketForwarded.self)
                update = (e.registrationNumber, "forwarded", e.authority, e.deadline, "from:\(e.fromAuthority)", e.forwardedAt)
            case TicketExtended.eventType:
                let e = try envelope.decode(TicketExtended.self)
                update = (e.registrationNumber, "extended", e.authority, e.newDeadline, "previous-deadline:\(e.previousDeadline)", e.extendedAt)
            case TicketAnswered.eventType:
                let e = try envelope.decode(TicketAnswered.self)
                update = (e.registrationNumber, "answered", e.authority, nil, "outcome:\(e.outcome.rawValue)", e.answeredAt)
            case TicketReopened.eventType:
                let e = try envelope.decode(TicketReopened.self)
                update = (e.registrationNumber, "reopened", e.authority, e.deadline, nil, e.reopenedAt)
            case TicketClosed.eventType:
                let e = try envelope.decode(TicketClosed.self)
                update = (e.registrationNumber, "closed", e.authority, nil, nil, e.closedAt)
            case AppealReturned.eventType:
                let e = try envelope.decode(AppealReturned.self)
                update = (e.registrationNumber, "returned", nil, nil, nil, e.returnedAt)
            default:
                return  // deadline warnings and others: not part of the resident's view
            }
        } catch let error as ContractError {
            throw PermanentEventError("\(envelope.type): \(error.code)")
        }
        guard let row = try connection.query(
            "SELECT id, last_event_at FROM appeals WHERE registration_number = \(update.number) FOR UPDATE"
        ).first else {
            return  // an appeal another intake did not register here: nothing to project
        }
        let appealId = try row.decode(0, as: UUID.self)
        let lastEventAt = try row.decode(1, as: Date?.self)
        let inserted = try connection.execute(
            """
            INSERT INTO appeal_history (appeal_id, event_id, event_type, status, authority, deadline, note, occurred_at)
            VALUES (\(appealId), \(envelope.id), \(envelope.type), \(update.status ?? "registered"), \(update.authority),
                    \(update.deadline?.description)::date, \(update.note), \(update.at))
            ON CONFLICT (event_id) DO NOTHING
            """
        )
        guard inserted == 1 else { return }
        // Events may arrive out of order (retries): the latest by occurrence sets the status.
        if lastEventAt == nil || update.at >= lastEventAt! {
            try connection.execute(
                """
                UPDATE appeals SET status = \(update.status ?? "registered"), authority = COALESCE(\(update.authority), authority),
                    deadline = COALESCE(\(update.deadline?.description)::date, deadline), last_event_at = \(update.at), updated_at = now()
                WHERE id = \(appealId)
                """
            )
        } else {
            // An older event still may carry the first deadline or authority we have not seen.
            try connection.execute(
                """
                UPDATE appeals SET authority = COALESCE(authority, \(update.authority)),
                    deadline = COALESCE(deadline, \(update.deadline?.description)::date) WHERE id = \(appealId)
                """
            )
        }
    }
}

/// What a resident with the right token sees: public facts only.
public struct AppealStatusView: Codable, Sendable, Equatable {
    public struct HistoryEntry: Codable, Sendable, Equatable {
        public var at: Date
        public var event: String
        public var status: String
        public var authority: String?
        public var authorityName: String?
        public var deadline: LocalDate?
        public var note: String?
    }
    public var registrationNumber: String
    public var status: String
    public var kind: String
    public var category: String
    public var categoryName: String
    public var registeredAt: Date
    public var authority: String?
    public var authorityName: String?
    public var deadline: LocalDate?
    public var repeatOf: String?
    public var history: [HistoryEntry]
}

public enum TrackingQuery {
    /// The status view when `token` belongs to `number`, else nil. The token is compared in
    /// constant time against a hash; an unknown number costs the same hash comparison.
    public static func find(number: String, token: String, language: Language = .en, on connection: PostgresConnection) throws -> AppealStatusView? {
        let row = try connection.query(
            """
            SELECT id, tracking_token_hash, status, kind, category, registered_at, authority, deadline::text, repeat_of
            FROM appeals WHERE registration_number = \(number)
            """
        ).first
        let storedHash = try row?.decode(1, as: String.self) ?? String(repeating: "0", count: 64)
        let matches = TokenHash.verify(token: token, hash: storedHash)
        guard let row, matches else { return nil }
        let id = try row.decode(0, as: UUID.self)
        func authorityName(_ code: String?) -> String? {
            code.flatMap { Reference.authority(code: $0) }.map { language == .uk ? $0.nameUk : $0.nameEn }
        }
        let history = try connection.query(
            "SELECT occurred_at, event_type, status, authority, deadline::text, note FROM appeal_history WHERE appeal_id = \(id) ORDER BY occurred_at, seq"
        ).map { r in
            AppealStatusView.HistoryEntry(
                at: try r.decode(0, as: Date.self), event: try r.decode(1, as: String.self), status: try r.decode(2, as: String.self),
                authority: try r.decode(3, as: String?.self), authorityName: authorityName(try r.decode(3, as: String?.self)),
                deadline: try r.decode(4, as: String?.self).flatMap(LocalDate.init(string:)), note: try r.decode(5, as: String?.self))
        }
        let category = try row.decode(4, as: String.self)
        let categoryRef = Reference.category(code: category)
        let authority = try row.decode(6, as: String?.self)
        return AppealStatusView(
            registrationNumber: number, status: try row.decode(2, as: String.self), kind: try row.decode(3, as: String.self),
            category: category, categoryName: (language == .uk ? categoryRef?.nameUk : categoryRef?.nameEn) ?? category,
            registeredAt: try row.decode(5, as: Date.self), authority: authority, authorityName: authorityName(authority),
            deadline: try row.decode(7, as: String?.self).flatMap(LocalDate.init(string:)), repeatOf: try row.decode(8, as: String?.self),
            history: history)
    }
}
