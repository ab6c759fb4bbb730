import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Everything routing does to its schema — the only place with SQL. Every function runs
/// synchronously on a connection inside the caller's transaction, so state changes, history rows
/// and outbox events commit together. No legal rule lives here: the store loads a `Ticket`, asks
/// the domain, and saves the `TicketTransition` it returns.
public enum RoutingStore {
    // MARK: Tickets from appeals

    /// Creates the appeal's copy and its one ticket, and enqueues `ticket.assigned` (with the photos'
    /// references and the place): `createTickets` for one registration. A second registration of the
    /// same appeal (another message id) finds the appeal and changes nothing.
    @discardableResult
    public static func createTicket(
        from e: AppealRegistered, eventId: UUID, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> UUID? {
        try createTickets(from: [Registration(appeal: e, eventId: eventId, now: now)], in: tx)[0]
    }

    /// An appeal returned as defective by intake: its ticket is closed (unless it is already).
    public static func closeReturned(
        _ e: AppealReturned, eventId: UUID, now: Date, in tx: UnitOfWork.Transaction
    ) throws {
        let c = tx.connection
        guard let ticket = try loadTicket(appealId: e.appealId, forUpdate: true, on: c),
            let transition = ticket.returned(by: e.returnedBy, at: now)
        else { return }
        try save(transition, causationId: eventId, now: now, in: tx)
    }

    // MARK: People's actions

    /// Loads the ticket (locked), lets the domain decide, saves what it decided. Throws the
    /// domain's `TicketRefusal` unchanged.
    public static func perform(
        _ command: TicketCommand, ticketId: UUID, principal: Principal, now: Date, in tx: UnitOfWork.Transaction
    ) throws -> Ticket {
        let c = tx.connection
        guard let ticket = try loadTicket(id: ticketId, forUpdate: true, on: c) else { throw TicketRefusal.notFound }
        // Only a dispute needs the stored hierarchy (it goes to the body above, Art. 16).
        let bodies = command.action == .dispute ? try hierarchy(on: c) : .seed
        let transition = try ticket.apply(
            command, by: principal, at: now, today: LocalDate(date: now, in: .kyiv), hierarchy: bodies
        ).get()
        try save(transition, causationId: nil, now: now, in: tx)
        return transition.ticket
    }

    // MARK: Saving what the domain decided

    /// Writes the ticket's new state, its history row and its events.
    static func save(
        _ transition: TicketTransition, causationId: UUID?, now: Date, in tx: UnitOfWork.Transaction
    ) throws {
        let c = tx.connection
        let t = transition.ticket
        try c.execute(
            """
            UPDATE tickets SET authority = \(t.authority), status = \(t.status.rawValue),
                deadline = \(t.deadline.description)::date, extended = \(t.extended), escalated = \(t.escalated),
                outcome = \(t.outcome?.rawValue), answer_text = \(t.answerText), answered_at = \(t.answeredAt),
                closed_at = \(t.closedAt), updated_at = \(now), draft = \(try draftJSON(t.draft))::jsonb,
                complaint_term_missed = \(t.complaintTermMissed?.description)::date,
                kind = \(t.kind.rawValue), against = \(t.against)
            WHERE id = \(t.id)
            """)
        try record(transition, causationId: causationId, in: tx)
    }

    /// The history row and the outbox events of a transition (each correlated with the appeal).
    static func record(
        _ transition: TicketTransition, causationId: UUID?, in tx: UnitOfWork.Transaction
    ) throws {
        let c = tx.connection
        let t = transition.ticket
        let h = transition.history
        if transition.recordsHistory {
            try c.execute(
                """
                INSERT INTO ticket_history (ticket_id, at, action, actor, from_status, to_status, authority, note)
                VALUES (\(t.id), \(h.at), \(h.action), \(h.actor), \(h.from?.rawValue), \(h.to.rawValue),
                    \(h.authority), \(h.note))
                """)
        }
        for event in transition.events {
            try tx.publish(event, correlationId: t.appealId, causationId: causationId, occurredAt: h.at)
        }
    }

    /// Records that `principal` saw the appeal's personal data, as `personal-data.accessed`.
    public static func recordAccess(
        to t: Ticket, by principal: Principal, purpose: String, now: Date, in tx: UnitOfWork.Transaction
    ) throws {
        try tx.publish(
            t.accessed(by: principal, purpose: purpose, service: tx.producer, at: now),
            correlationId: t.appealId, occurredAt: now)
    }

    // MARK: Reading tickets

    static let ticketColumns = """
        id, appeal_id, registration_number, authority, status, priority, category, kind, subject, against,
        registered_at, registered_on::text, deadline::text, extended, escalated, outcome, answer_text, answered_at,
        closed_at, terms_start_on::text, draft::text, head_personally, complaint_term_missed::text
        """

    /// A draft as stored (the contracts' JSON: ISO 8601 instants, `YYYY-MM-DD` dates).
    static func draftJSON(_ draft: TicketDraft?) throws -> String? {
        guard let draft else { return nil }
        return String(decoding: try ContractCoding.makeEncoder().encode(draft), as: UTF8.self)
    }

    /// `status NOT IN ('answered', 'closed')`, written from `TicketStatus.isOpen` (a constant, not a
    /// parameter: the same text as the partial index `tickets_open_deadline`, so the planner uses it).
    static let isOpenCondition =
        "status NOT IN ("
        + TicketStatus.allCases.filter { !$0.isOpen }.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// `SELECT <ticket columns> FROM tickets ` followed by `rest` (the column list is a constant).
    static func selectTickets(_ rest: PostgresQuery) -> PostgresQuery {
        PostgresQuery(stringLiteral: "SELECT \(ticketColumns) FROM tickets ") + rest
    }

    static func ticket(from r: PostgresRow) throws -> Ticket {
        let outcome = try r.decode(15, as: String?.self)
        guard let status = TicketStatus(rawValue: try r.decode(4, as: String.self)),
            let kind = AppealKind(rawValue: try r.decode(7, as: String.self)),
            let registeredOn = LocalDate(string: try r.decode(11, as: String.self)),
            let deadline = LocalDate(string: try r.decode(12, as: String.self)),
            outcome == nil || AnswerOutcome(rawValue: outcome!) != nil
        else { throw RoutingError(.invalid, code: "corrupt_row", message: "a ticket row could not be read") }
        return Ticket(
            id: try r.decode(0), appealId: try r.decode(1), registrationNumber: try r.decode(2),
            authority: try r.decode(3), status: status, priority: try r.decode(5), category: try r.decode(6),
            kind: kind, subject: try r.decode(8), against: try r.decode(9), registeredAt: try r.decode(10),
            registeredOn: registeredOn, deadline: deadline, extended: try r.decode(13), escalated: try r.decode(14),
            outcome: outcome.flatMap(AnswerOutcome.init(rawValue:)), answerText: try r.decode(16),
            answeredAt: try r.decode(17), closedAt: try r.decode(18),
            termsStartOn: try r.decode(19, as: String?.self).flatMap(LocalDate.init(string:)),
            draft: try r.decode(20, as: String?.self).map {
                try ContractCoding.makeDecoder().decode(TicketDraft.self, from: Data($0.utf8))
            },
            headPersonally: try r.decode(21),
            complaintTermMissed: try r.decode(22, as: String?.self).flatMap(
                LocalDate.init(string:)))
    }

    static func loadTicket(id: UUID, forUpdate: Bool, on c: PostgresConnection) throws -> Ticket? {
        try loadTicket("WHERE id = \(id)", forUpdate: forUpdate, on: c)
    }

    static func loadTicket(appealId: UUID, forUpdate: Bool, on c: PostgresConnection) throws -> Ticket? {
        try loadTicket("WHERE appeal_id = \(appealId)", forUpdate: forUpdate, on: c)
    }

    /// The ticket `condition` selects; with `forUpdate`, its row stays locked until the transaction ends.
    private static func loadTicket(
        _ condition: PostgresQuery, forUpdate: Bool, on c: PostgresConnection
    ) throws -> Ticket? {
        let lock: PostgresQuery = forUpdate ? " FOR UPDATE" : ""
        return try c.query(selectTickets(condition + lock)).first.map(ticket(from:))
    }

    public struct InboxFilter: Sendable {
        public var authority: String?
        public var status: TicketStatus?
        public var overdueOnly: Bool
        public var limit: Int
        /// The head's queue: only tickets with a draft waiting for a signature.
        public var awaitingSignature = false
        public init(authority: String? = nil, status: TicketStatus? = nil, overdueOnly: Bool = false, limit: Int = 500)
        {
            self.authority = authority
            self.status = status
            self.overdueOnly = overdueOnly
            self.limit = limit
        }
    }

    /// The inbox: priority first, then the nearest deadline, then the oldest registration. Only
    /// the tickets `principal` may read (`Principal.inboxScope`).
    public static func listTickets(
        _ filter: InboxFilter, principal: Principal, today: LocalDate, on c: PostgresConnection
    ) throws -> [Ticket] {
        guard let scope = principal.inboxScope(requested: filter.authority) else { return [] }
        let authority = scope.authority
        let status = filter.status?.rawValue
        let rows = try c.query(
            selectTickets(
                """
                WHERE (\(authority)::text IS NULL OR authority = \(authority))
                  AND (\(status)::text IS NULL OR status = \(status))
                  AND (NOT \(filter.awaitingSignature) OR draft IS NOT NULL)
                  AND (NOT \(filter.overdueOnly) OR (
                """) + PostgresQuery(stringLiteral: isOpenCondition) + """
                     AND deadline < \(today.description)::date))
                    ORDER BY priority DESC, deadline ASC, registered_at ASC
                    LIMIT \(max(1, min(filter.limit, 2000)))
                    """)
        return try rows.map(ticket(from:))
    }

    /// The ticket with its appeal and history for someone allowed to read it (`notFound`
    /// otherwise, also for another authority's ticket).
    public static func ticketRecord(id: UUID, principal: Principal, on c: PostgresConnection) throws -> TicketRecord {
        guard let t = try loadTicket(id: id, forUpdate: false, on: c), principal.canRead(ticketAuthority: t.authority)
        else {
            throw TicketRefusal.notFound
        }
        return try record(of: t, on: c)
    }

    static func record(of t: Ticket, on c: PostgresConnection) throws -> TicketRecord {
        guard
            let a = try c.query(
                """
                SELECT kind, category, district, subject, body, author_name, author_address, author_email, author_phone,
                       preferred_language, benefit_category, confidential, against, centre_id, repeat_of,
                              location_address,
                       channel, registered_at
                FROM appeals WHERE appeal_id = \(t.appealId)
                """
            ).first
        else { throw TicketRefusal.notFound }
        let appeal = TicketAppeal(
            kind: try a.decode(0), category: try a.decode(1), district: try a.decode(2), subject: try a.decode(3),
            text: try a.decode(4),
            author: .init(
                fullName: try a.decode(5), address: try a.decode(6), email: try a.decode(7),
                phone: try a.decode(8), preferredLanguage: try a.decode(9), benefitCategory: try a.decode(10)),
            confidential: try a.decode(11), against: try a.decode(12), centreId: try a.decode(13),
            repeatOf: try a.decode(14), locationAddress: try a.decode(15), channel: try a.decode(16),
            registeredAt: try a.decode(17))
        let history = try c.query(
            """
            SELECT at, action, actor, from_status, to_status, authority, note FROM ticket_history
            WHERE ticket_id = \(t.id) ORDER BY id
            """
        ).map {
            TicketHistoryEntry(
                at: try $0.decode(0), action: try $0.decode(1), actor: try $0.decode(2),
                fromStatus: try $0.decode(3), toStatus: try $0.decode(4), authority: try $0.decode(5),
                note: try $0.decode(6))
        }
        return TicketRecord(ticket: t, appeal: appeal, history: history)
    }
}

/// A ticket as officials read it: the aggregate, routing's copy of the appeal, and the history.
public struct TicketRecord: Sendable {
    public var ticket: Ticket
    public var appeal: TicketAppeal
    public var history: [TicketHistoryEntry]
}
