import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

/// Everything routing does to its schema. Every function runs synchronously on a connection inside
/// the caller's transaction, so state changes, history rows and outbox events commit together.
public enum RoutingStore {
    // MARK: Reference data and rules

    /// Idempotent: upserts districts, authorities and categories from `Reference`, and installs the
    /// seed rule set as version 1 when there is none yet (replicas starting together insert it once:
    /// the version is the primary key). Publishes `routing-rules.changed` for the seed.
    public static func seed(producer: String, now: Date, on c: PostgresConnection) throws {
        for d in Reference.districts {
            try c.execute("""
                INSERT INTO districts (code, name_uk, name_en) VALUES (\(d.code), \(d.nameUk), \(d.nameEn))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en
                """)
        }
        for a in Reference.authorities {
            try c.execute("""
                INSERT INTO authorities (code, name_uk, name_en, district) VALUES (\(a.code), \(a.nameUk), \(a.nameEn), \(a.district))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en, district = EXCLUDED.district
                """)
        }
        for cat in Reference.categories {
            try c.execute("""
                INSERT INTO categories (code, name_uk, name_en, default_authority, term_days)
                VALUES (\(cat.code), \(cat.nameUk), \(cat.nameEn), \(cat.defaultAuthority), \(cat.termDays))
                ON CONFLICT (code) DO UPDATE SET name_uk = EXCLUDED.name_uk, name_en = EXCLUDED.name_en,
                    default_authority = EXCLUDED.default_authority, term_days = EXCLUDED.term_days
                """)
        }
        let inserted = try c.execute("""
            INSERT INTO rule_sets (version, changed_by, changed_at) VALUES (1, 'seed', \(now)) ON CONFLICT (version) DO NOTHING
            """)
        guard inserted == 1 else { return }
        let rules = AppealRouter.seedRules
        try insertRules(rules, version: 1, on: c)
        try Outbox.enqueue(
            RoutingRulesChanged(version: 1, changedBy: "seed", changedAt: now, rules: rules.map(\.contract)),
            correlationId: UUID(), producer: producer, occurredAt: now, on: c)
    }

    static func insertRules(_ rules: [RoutingRule], version: Int, on c: PostgresConnection) throws {
        for (i, rule) in rules.enumerated() {
            try c.execute("""
                INSERT INTO rules (version, position, category, district, authority)
                VALUES (\(version), \(i), \(rule.category), \(rule.district), \(rule.authority))
                """)
        }
    }

    public static func currentRules(on c: PostgresConnection) throws -> RuleSet {
        let version = try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map { try $0.decode(0, as: Int.self) } ?? 0
        let rows = try c.query("SELECT category, district, authority FROM rules WHERE version = \(version) ORDER BY position")
        let rules = try rows.map {
            RoutingRule(category: try $0.decode(0, as: String.self), district: try $0.decode(1, as: String?.self), authority: try $0.decode(2, as: String.self))
        }
        return RuleSet(version: version, rules: rules)
    }

    /// Replaces the rule set as a new version. `expectedVersion` guards against lost updates (409).
    public static func replaceRules(
        _ update: RuleSetUpdate, changedBy: String, now: Date, producer: String, on c: PostgresConnection
    ) throws -> RuleSet {
        let errors = AppealRouter.validate(update.rules)
        if !errors.isEmpty { throw RoutingValidationErrors(errors: errors) }
        // Serialise concurrent replacements: lock the newest version row.
        let current = try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map { try $0.decode(0, as: Int.self) } ?? 0
        try c.execute("SELECT pg_advisory_xact_lock(\(Int64(7_301_001)))")
        let locked = try c.query("SELECT COALESCE(max(version), 0)::bigint FROM rule_sets").first.map { try $0.decode(0, as: Int.self) } ?? current
        if let expected = update.expectedVersion, expected != locked {
            throw RoutingError(.conflict, code: "stale_version", field: "expectedVersion",
                               message: "the rules are at version \(locked), not \(expected)")
        }
        let version = locked + 1
        try c.execute("INSERT INTO rule_sets (version, changed_by, changed_at) VALUES (\(version), \(changedBy), \(now))")
        try insertRules(update.rules, version: version, on: c)
        try Outbox.enqueue(
            RoutingRulesChanged(version: version, changedBy: changedBy, changedAt: now, rules: update.rules.map(\.contract)),
            correlationId: UUID(), producer: producer, occurredAt: now, on: c)
        return RuleSet(version: version, rules: update.rules)
    }

    // MARK: Tickets from appeals

    /// Creates the appeal's copy and its one ticket, and enqueues `ticket.assigned`. A second
    /// registration of the same appeal (another message id) finds the appeal and changes nothing.
    @discardableResult
    public static func createTicket(
        from e: AppealRegistered, eventId: UUID, producer: String, now: Date, on c: PostgresConnection
    ) throws -> UUID? {
        let inserted = try c.execute("""
            INSERT INTO appeals (appeal_id, registration_number, kind, category, district, subject, body, author_name,
                author_address, author_email, author_phone, preferred_language, benefit_category, confidential, against,
                centre_id, repeat_of, location_address, channel, registered_at, source_event_id)
            VALUES (\(e.appealId), \(e.registrationNumber), \(e.kind.rawValue), \(e.category), \(e.district), \(e.subject),
                \(e.text), \(e.author.fullName), \(e.author.address), \(e.author.email), \(e.author.phone),
                \(e.author.preferredLanguage.rawValue), \(e.author.benefitCategory), \(e.confidential), \(e.against),
                \(e.centreId), \(e.repeatOf), \(e.location?.address), \(e.channel), \(e.registeredAt), \(eventId))
            ON CONFLICT (appeal_id) DO NOTHING
            """)
        guard inserted == 1 else { return nil }
        let categoryRow = try c.query("SELECT default_authority, term_days FROM categories WHERE code = \(e.category)").first
        let categoryDefault = try categoryRow?.decode(0, as: String.self)
        let termDays = try categoryRow?.decode(1, as: Int.self) ?? Law.studyTermDays
        let rules = try currentRules(on: c).rules
        let decision = AppealRouter.route(
            category: e.category, district: e.district, against: e.against,
            rules: rules, categoryDefault: categoryDefault)
        let registeredOn = LocalDate(date: e.registeredAt, in: .kyiv)
        let deadline = Lifecycle.initialDeadline(registeredOn: registeredOn, termDays: termDays)
        let priority = e.author.benefitCategory.map { !$0.isEmpty } ?? false
        let ticketId = UUID()
        try c.execute("""
            INSERT INTO tickets (id, appeal_id, registration_number, authority, status, priority, category, kind, subject,
                against, registered_at, registered_on, deadline, created_at, updated_at)
            VALUES (\(ticketId), \(e.appealId), \(e.registrationNumber), \(decision.authority), 'assigned', \(priority),
                \(e.category), \(e.kind.rawValue), \(e.subject), \(e.against), \(e.registeredAt),
                \(registeredOn.description)::date, \(deadline.description)::date, \(now), \(now))
            """)
        try addHistory(ticketId: ticketId, at: now, action: "assigned", actor: producer, from: nil, to: .assigned,
                       authority: decision.authority, note: decision.reason, on: c)
        try Outbox.enqueue(
            TicketAssigned(ticketId: ticketId, appealId: e.appealId, registrationNumber: e.registrationNumber,
                           authority: decision.authority, category: e.category, priority: priority, deadline: deadline,
                           assignedAt: now, reason: decision.reason),
            correlationId: e.appealId, causationId: eventId, producer: producer, occurredAt: now, on: c)
        return ticketId
    }

    /// An appeal returned as defective by intake: its open ticket is closed.
    public static func closeReturned(_ e: AppealReturned, eventId: UUID, producer: String, now: Date, on c: PostgresConnection) throws {
        guard let t = try loadTicket(appealId: e.appealId, forUpdate: true, on: c), t.status != .closed else { return }
        try c.execute("UPDATE tickets SET status = 'closed', closed_at = \(now), updated_at = \(now) WHERE id = \(t.id)")
        try addHistory(ticketId: t.id, at: now, action: "returned", actor: e.returnedBy ?? "intake", from: t.status, to: .closed,
                       authority: t.authority, note: nil, on: c)
        try Outbox.enqueue(
            TicketClosed(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                         closedAt: now, closedBy: "returned"),
            correlationId: t.appealId, causationId: eventId, producer: producer, occurredAt: now, on: c)
    }

    // MARK: Reading tickets

    struct TicketRow {
        var id: UUID
        var appealId: UUID
        var registrationNumber: String
        var authority: String
        var status: TicketStatus
        var priority: Bool
        var category: String
        var kind: String
        var subject: String
        var against: String?
        var registeredAt: Date
        var registeredOn: LocalDate
        var deadline: LocalDate
        var extended: Bool
        var escalated: Bool
        var outcome: String?
        var answerText: String?
        var answeredAt: Date?
        var closedAt: Date?

        func summary(today: LocalDate) -> TicketSummary {
            TicketSummary(
                id: id, registrationNumber: registrationNumber, authority: authority, status: status.rawValue,
                priority: priority, deadline: deadline.description, overdue: status.isOpen && today > deadline,
                daysLeft: today.days(until: deadline), category: category, kind: kind, subject: subject,
                extended: extended, escalated: escalated, registeredAt: registeredAt)
        }
    }

    static let ticketColumns = """
        id, appeal_id, registration_number, authority, status, priority, category, kind, subject, against,
        registered_at, registered_on::text, deadline::text, extended, escalated, outcome, answer_text, answered_at, closed_at
        """

    /// `SELECT <ticket columns> FROM tickets ` followed by `rest` (the column list is a constant).
    static func selectTickets(_ rest: PostgresQuery) -> PostgresQuery {
        PostgresQuery(stringLiteral: "SELECT \(ticketColumns) FROM tickets ") + rest
    }

    static func ticket(from r: PostgresRow) throws -> TicketRow {
        guard let status = TicketStatus(rawValue: try r.decode(4, as: String.self)),
              let registeredOn = LocalDate(string: try r.decode(11, as: String.self)),
              let deadline = LocalDate(string: try r.decode(12, as: String.self))
        else { throw RoutingError(.invalid, code: "corrupt_row", message: "a ticket row could not be read") }
        return TicketRow(
            id: try r.decode(0), appealId: try r.decode(1), registrationNumber: try r.decode(2), authority: try r.decode(3),
            status: status, priority: try r.decode(5), category: try r.decode(6), kind: try r.decode(7), subject: try r.decode(8),
            against: try r.decode(9), registeredAt: try r.decode(10), registeredOn: registeredOn, deadline: deadline,
            extended: try r.decode(13), escalated: try r.decode(14), outcome: try r.decode(15), answerText: try r.decode(16),
            answeredAt: try r.decode(17), closedAt: try r.decode(18))
    }

    static func loadTicket(id: UUID, forUpdate: Bool, on c: PostgresConnection) throws -> TicketRow? {
        let rows = forUpdate
            ? try c.query(selectTickets("WHERE id = \(id) FOR UPDATE"))
            : try c.query(selectTickets("WHERE id = \(id)"))
        return try rows.first.map(ticket(from:))
    }

    static func loadTicket(appealId: UUID, forUpdate: Bool, on c: PostgresConnection) throws -> TicketRow? {
        let rows = forUpdate
            ? try c.query(selectTickets("WHERE appeal_id = \(appealId) FOR UPDATE"))
            : try c.query(selectTickets("WHERE appeal_id = \(appealId)"))
        return try rows.first.map(ticket(from:))
    }

    public struct InboxFilter: Sendable {
        public var authority: String?
        public var status: TicketStatus?
        public var overdueOnly: Bool
        public var limit: Int
        public init(authority: String? = nil, status: TicketStatus? = nil, overdueOnly: Bool = false, limit: Int = 500) {
            self.authority = authority
            self.status = status
            self.overdueOnly = overdueOnly
            self.limit = limit
        }
    }

    /// The inbox: priority first, then the nearest deadline, then the oldest registration.
    public static func listTickets(_ filter: InboxFilter, principal: Principal, today: LocalDate, on c: PostgresConnection) throws -> [TicketSummary] {
        let authority: String? = principal.seesAllTickets ? filter.authority : principal.authority
        if !principal.seesAllTickets && authority == nil { return [] }
        let status = filter.status?.rawValue
        let rows = try c.query(selectTickets("""
            WHERE (\(authority)::text IS NULL OR authority = \(authority))
              AND (\(status)::text IS NULL OR status = \(status))
              AND (NOT \(filter.overdueOnly) OR (status NOT IN ('answered', 'closed') AND deadline < \(today.description)::date))
            ORDER BY priority DESC, deadline ASC, registered_at ASC
            LIMIT \(max(1, min(filter.limit, 2000)))
            """))
        return try rows.map { try ticket(from: $0).summary(today: today) }
    }

    /// The whole ticket for someone allowed to read it (404 otherwise, also for another authority's
    /// ticket), recording the access to personal data as `personal-data.accessed` in the outbox.
    public static func ticketDetail(
        id: UUID, principal: Principal, purpose: String, today: LocalDate, now: Date, producer: String, on c: PostgresConnection
    ) throws -> TicketDetail {
        guard let t = try loadTicket(id: id, forUpdate: false, on: c), principal.canRead(ticketAuthority: t.authority) else {
            throw RoutingError.ticketNotFound
        }
        return try detail(of: t, principal: principal, purpose: purpose, today: today, now: now, producer: producer, on: c)
    }

    static func detail(
        of t: TicketRow, principal: Principal, purpose: String, today: LocalDate, now: Date, producer: String, on c: PostgresConnection
    ) throws -> TicketDetail {
        guard let a = try c.query("""
            SELECT kind, category, district, subject, body, author_name, author_address, author_email, author_phone,
                   preferred_language, benefit_category, confidential, against, centre_id, repeat_of, location_address,
                   channel, registered_at
            FROM appeals WHERE appeal_id = \(t.appealId)
            """).first else { throw RoutingError.ticketNotFound }
        let appeal = TicketAppeal(
            kind: try a.decode(0), category: try a.decode(1), district: try a.decode(2), subject: try a.decode(3), text: try a.decode(4),
            author: .init(fullName: try a.decode(5), address: try a.decode(6), email: try a.decode(7), phone: try a.decode(8),
                          preferredLanguage: try a.decode(9), benefitCategory: try a.decode(10)),
            confidential: try a.decode(11), against: try a.decode(12), centreId: try a.decode(13), repeatOf: try a.decode(14),
            locationAddress: try a.decode(15), channel: try a.decode(16), registeredAt: try a.decode(17))
        let history = try c.query("""
            SELECT at, action, actor, from_status, to_status, authority, note FROM ticket_history WHERE ticket_id = \(t.id) ORDER BY id
            """).map {
            TicketHistoryEntry(at: try $0.decode(0), action: try $0.decode(1), actor: try $0.decode(2), fromStatus: try $0.decode(3),
                               toStatus: try $0.decode(4), authority: try $0.decode(5), note: try $0.decode(6))
        }
        try Outbox.enqueue(
            PersonalDataAccessed(appealId: t.appealId, registrationNumber: t.registrationNumber, actorId: principal.id,
                                 actorRole: principal.role.rawValue, authority: principal.authority, purpose: purpose,
                                 service: producer, accessedAt: now),
            correlationId: t.appealId, producer: producer, occurredAt: now, on: c)
        let s = t.summary(today: today)
        return TicketDetail(
            id: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority, status: t.status.rawValue,
            priority: t.priority, deadline: t.deadline.description, overdue: s.overdue, daysLeft: s.daysLeft, extended: t.extended,
            escalated: t.escalated, registeredAt: t.registeredAt, registeredOn: t.registeredOn.description,
            forwardAllowedUntil: Lifecycle.lastForwardDate(registeredOn: t.registeredOn).description,
            forwardAllowed: Lifecycle.forwardAllowed(registeredOn: t.registeredOn, today: today),
            maxDeadline: Law.latestDeadline(registeredOn: t.registeredOn).description,
            outcome: t.outcome, answerText: t.answerText, answeredAt: t.answeredAt, closedAt: t.closedAt,
            appeal: appeal, history: history)
    }

    static func addHistory(
        ticketId: UUID, at: Date, action: String, actor: String, from: TicketStatus?, to: TicketStatus, authority: String,
        note: String?, on c: PostgresConnection
    ) throws {
        try c.execute("""
            INSERT INTO ticket_history (ticket_id, at, action, actor, from_status, to_status, authority, note)
            VALUES (\(ticketId), \(at), \(action), \(actor), \(from?.rawValue), \(to.rawValue), \(authority), \(note))
            """)
    }

    // MARK: Actions

    /// Validates `action` against the lifecycle and the law, applies it, records history and
    /// enqueues its event — all on `c`, inside the caller's transaction. Returns the ticket.
    public static func perform(
        _ action: TicketAction, ticketId: UUID, request: TicketActionRequest, principal: Principal,
        now: Date, producer: String, on c: PostgresConnection
    ) throws -> TicketDetail {
        guard let t = try loadTicket(id: ticketId, forUpdate: true, on: c), principal.canRead(ticketAuthority: t.authority) else {
            throw RoutingError.ticketNotFound
        }
        switch action {
        case .reopen, .close:
            guard principal.canReopenAndClose else {
                throw RoutingError(.forbidden, code: "forbidden", message: "only the mayor's reception staff may \(action.rawValue) a ticket")
            }
        default:
            guard principal.canWork(ticketAuthority: t.authority) else {
                throw RoutingError(.forbidden, code: "forbidden", message: "only the holding authority may \(action.rawValue) this ticket")
            }
        }
        try Lifecycle.check(action, from: t.status)
        let today = LocalDate(date: now, in: .kyiv)
        let actor = principal.id
        let reason = request.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        func requireReason() throws {
            if reason.isEmpty { throw RoutingError(.invalid, code: "required", field: "reason", message: "reason is required") }
        }
        switch action {
        case .accept:
            try c.execute("UPDATE tickets SET status = 'accepted', updated_at = \(now) WHERE id = \(t.id)")
            try addHistory(ticketId: t.id, at: now, action: "accepted", actor: actor, from: t.status, to: .accepted, authority: t.authority, note: nil, on: c)
            try Outbox.enqueue(
                TicketAccepted(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                               officialId: actor, acceptedAt: now),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)

        case .forward:
            guard Lifecycle.forwardAllowed(registeredOn: t.registeredOn, today: today) else {
                throw RoutingError(.conflict, code: "forward_window_closed", field: "registeredAt",
                                   message: "forwarding is allowed within \(Law.forwardWindowDays) days of registration (until \(Lifecycle.lastForwardDate(registeredOn: t.registeredOn)))")
            }
            let to = request.to?.trimmingCharacters(in: .whitespaces) ?? ""
            guard !to.isEmpty else { throw RoutingError(.invalid, code: "required", field: "to", message: "to is required") }
            guard try c.query("SELECT 1 FROM authorities WHERE code = \(to)").first != nil else {
                throw RoutingError(.invalid, code: "unknown_authority", field: "to", message: "unknown authority code")
            }
            guard to != t.authority else {
                throw RoutingError(.invalid, code: "same_authority", field: "to", message: "the ticket is already at this authority")
            }
            if t.kind == AppealKind.complaint.rawValue, let against = t.against, against == to {
                throw RoutingError(.invalid, code: "complaint_against_authority", field: "to",
                                   message: "a complaint is never sent to the body it complains about")
            }
            try requireReason()
            try c.execute("UPDATE tickets SET status = 'assigned', authority = \(to), updated_at = \(now) WHERE id = \(t.id)")
            try addHistory(ticketId: t.id, at: now, action: "forwarded", actor: actor, from: t.status, to: .assigned, authority: to,
                           note: "from \(t.authority): \(reason)", on: c)
            try Outbox.enqueue(
                TicketForwarded(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: to,
                                fromAuthority: t.authority, officialId: actor, reason: reason, forwardedAt: now, deadline: t.deadline),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)
            try Outbox.enqueue(
                TicketAssigned(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: to,
                               category: t.category, priority: t.priority, deadline: t.deadline, assignedAt: now,
                               reason: "forwarded", previousAuthority: t.authority),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)

        case .extend:
            var requested: LocalDate?
            if let text = request.newDeadline {
                guard let parsed = LocalDate(string: text) else {
                    throw RoutingError(.invalid, code: "invalid_date", field: "newDeadline", message: "newDeadline must be YYYY-MM-DD")
                }
                requested = parsed
            }
            let newDeadline = try Lifecycle.extendedDeadline(current: t.deadline, registeredOn: t.registeredOn, days: request.days, newDeadline: requested)
            try requireReason()
            try c.execute("""
                UPDATE tickets SET status = 'accepted', extended = true, deadline = \(newDeadline.description)::date, updated_at = \(now)
                WHERE id = \(t.id)
                """)
            try addHistory(ticketId: t.id, at: now, action: "extended", actor: actor, from: t.status, to: .accepted, authority: t.authority,
                           note: "\(t.deadline) → \(newDeadline): \(reason)", on: c)
            try Outbox.enqueue(
                TicketExtended(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                               officialId: actor, reason: reason, previousDeadline: t.deadline, newDeadline: newDeadline, extendedAt: now),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)

        case .answer:
            let (outcome, text) = try Lifecycle.validateAnswer(outcome: request.outcome, text: request.text)
            try c.execute("""
                UPDATE tickets SET status = 'answered', outcome = \(outcome.rawValue), answer_text = \(text), answered_at = \(now),
                    updated_at = \(now) WHERE id = \(t.id)
                """)
            try addHistory(ticketId: t.id, at: now, action: "answered", actor: actor, from: t.status, to: .answered, authority: t.authority,
                           note: outcome.rawValue, on: c)
            try Outbox.enqueue(
                TicketAnswered(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                               officialId: actor, outcome: outcome, answerText: text, answeredAt: now),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)

        case .reopen:
            try requireReason()
            let deadline = Lifecycle.reopenedDeadline(today: today)
            try c.execute("""
                UPDATE tickets SET status = 'reopened', deadline = \(deadline.description)::date, escalated = false, updated_at = \(now)
                WHERE id = \(t.id)
                """)
            try addHistory(ticketId: t.id, at: now, action: "reopened", actor: actor, from: t.status, to: .reopened, authority: t.authority,
                           note: reason, on: c)
            try Outbox.enqueue(
                TicketReopened(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                               reopenedBy: actor, reason: reason, reopenedAt: now, deadline: deadline),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)

        case .close:
            try close(t, closedBy: actor, now: now, producer: producer, on: c)
        }
        guard let updated = try loadTicket(id: t.id, forUpdate: false, on: c) else { throw RoutingError.ticketNotFound }
        return try detail(of: updated, principal: principal, purpose: "ticket.\(action.rawValue)", today: today, now: now, producer: producer, on: c)
    }

    static func close(_ t: TicketRow, closedBy: String, now: Date, producer: String, on c: PostgresConnection) throws {
        try c.execute("UPDATE tickets SET status = 'closed', closed_at = \(now), updated_at = \(now) WHERE id = \(t.id)")
        try addHistory(ticketId: t.id, at: now, action: "closed", actor: closedBy, from: t.status, to: .closed, authority: t.authority, note: nil, on: c)
        try Outbox.enqueue(
            TicketClosed(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                         closedAt: now, closedBy: closedBy),
            correlationId: t.appealId, producer: producer, occurredAt: now, on: c)
    }

    // MARK: Authorities and officials

    public static func authorities(today: LocalDate, on c: PostgresConnection) throws -> [AuthorityInfo] {
        try c.query("""
            SELECT a.code, a.name_uk, a.name_en, a.district,
                   (SELECT count(*) FROM tickets t WHERE t.authority = a.code AND t.status NOT IN ('answered', 'closed'))::bigint,
                   (SELECT count(*) FROM tickets t WHERE t.authority = a.code AND t.status NOT IN ('answered', 'closed')
                        AND t.deadline < \(today.description)::date)::bigint
            FROM authorities a ORDER BY a.code
            """).map {
            AuthorityInfo(code: try $0.decode(0), nameUk: try $0.decode(1), nameEn: try $0.decode(2), district: try $0.decode(3),
                          openTickets: try $0.decode(4), overdueTickets: try $0.decode(5))
        }
    }

    /// The active official holding `token`, or nil. Lookup by the token's SHA-256 (the index), then
    /// a constant-time comparison of the stored hash.
    public static func official(token: String, on c: PostgresConnection) throws -> Principal? {
        let hash = TokenHash.hash(token: token)
        guard let row = try c.query("""
            SELECT id, name, role, authority, token_hash FROM officials WHERE token_hash = \(hash) AND active
            """).first else { return nil }
        guard TokenHash.verify(token: token, hash: try row.decode(4, as: String.self)),
              let role = OfficialRole(rawValue: try row.decode(2, as: String.self)) else { return nil }
        return Principal(id: (try row.decode(0, as: UUID.self)).uuidString.lowercased(), name: try row.decode(1), role: role, authority: try row.decode(3))
    }

    /// The active official with `id` (web sessions re-check on every request), or nil.
    public static func official(id: UUID, on c: PostgresConnection) throws -> Principal? {
        guard let row = try c.query("""
            SELECT id, name, role, authority FROM officials WHERE id = \(id) AND active AND token_hash IS NOT NULL
            """).first, let role = OfficialRole(rawValue: try row.decode(2, as: String.self)) else { return nil }
        return Principal(id: id.uuidString.lowercased(), name: try row.decode(1), role: role, authority: try row.decode(3))
    }

    public static func officials(on c: PostgresConnection) throws -> [OfficialInfo] {
        try c.query("""
            SELECT id, name, authority, role, email, active, token_hash IS NOT NULL, created_at, updated_at
            FROM officials ORDER BY authority, name
            """).map {
            OfficialInfo(id: try $0.decode(0), name: try $0.decode(1), authority: try $0.decode(2),
                         role: OfficialRole(rawValue: try $0.decode(3, as: String.self)) ?? .official, email: try $0.decode(4),
                         active: try $0.decode(5), hasToken: try $0.decode(6), createdAt: try $0.decode(7), updatedAt: try $0.decode(8))
        }
    }

    static func validate(_ r: OfficialRequest, tokenRequired: Bool, on c: PostgresConnection) throws {
        var errors: [RoutingError] = []
        let name = r.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 200 {
            errors.append(RoutingError(.invalid, code: "required", field: "name", message: "name is required (at most 200 characters)"))
        }
        if try c.query("SELECT 1 FROM authorities WHERE code = \(r.authority)").first == nil {
            errors.append(RoutingError(.invalid, code: "unknown_authority", field: "authority", message: "unknown authority code"))
        }
        if let email = r.email, !email.isEmpty, !(email.contains("@") && email.count <= 254) {
            errors.append(RoutingError(.invalid, code: "invalid_email", field: "email", message: "email is not an address"))
        }
        if let token = r.token, token.count < 16 || token.count > 512 {
            errors.append(RoutingError(.invalid, code: "too_short", field: "token", message: "a token has 16 to 512 characters"))
        } else if tokenRequired && r.token == nil {
            errors.append(RoutingError(.invalid, code: "required", field: "token", message: "token is required"))
        }
        if !errors.isEmpty { throw RoutingValidationErrors(errors: errors) }
    }

    public static func createOfficial(_ r: OfficialRequest, now: Date, producer: String, on c: PostgresConnection) throws -> OfficialCreated {
        try validate(r, tokenRequired: false, on: c)
        let token = r.token ?? SecureRandom.token(bytes: 24)
        let id = UUID()
        let email = r.email.flatMap { $0.isEmpty ? nil : $0 }
        do {
            try c.savepoint {
                try c.execute("""
                    INSERT INTO officials (id, name, authority, role, email, token_hash, active, created_at, updated_at)
                    VALUES (\(id), \(r.name.trimmingCharacters(in: .whitespaces)), \(r.authority), \(r.role.rawValue), \(email),
                        \(TokenHash.hash(token: token)), true, \(now), \(now))
                    """)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw RoutingError(.conflict, code: "already_exists", field: "name", message: "an official with this name (or token) already exists at this authority")
        }
        try publishOfficial(id: id, now: now, producer: producer, on: c)
        return OfficialCreated(id: id, token: token)
    }

    /// Idempotent upsert keyed by (authority, name), used by the demo seed: sets role, email and
    /// the given token, and reactivates.
    public static func upsertOfficial(_ r: OfficialRequest, now: Date, producer: String, on c: PostgresConnection) throws -> OfficialUpserted {
        try validate(r, tokenRequired: true, on: c)
        let name = r.name.trimmingCharacters(in: .whitespaces)
        let email = r.email.flatMap { $0.isEmpty ? nil : $0 }
        let hash = TokenHash.hash(token: r.token ?? "")
        let row = try c.query("""
            INSERT INTO officials (id, name, authority, role, email, token_hash, active, created_at, updated_at)
            VALUES (\(UUID()), \(name), \(r.authority), \(r.role.rawValue), \(email), \(hash), true, \(now), \(now))
            ON CONFLICT (authority, name) DO UPDATE SET role = EXCLUDED.role, email = EXCLUDED.email,
                token_hash = EXCLUDED.token_hash, active = true, updated_at = EXCLUDED.updated_at
            RETURNING id, (xmax = 0)
            """).first
        guard let row else { throw RoutingError(.invalid, code: "upsert_failed", message: "the official could not be saved") }
        let id: UUID = try row.decode(0)
        try publishOfficial(id: id, now: now, producer: producer, on: c)
        return OfficialUpserted(id: id, created: try row.decode(1))
    }

    public static func issueToken(officialId: UUID, now: Date, producer: String, on c: PostgresConnection) throws -> TokenIssued {
        let token = SecureRandom.token(bytes: 24)
        let n = try c.execute("""
            UPDATE officials SET token_hash = \(TokenHash.hash(token: token)), active = true, updated_at = \(now) WHERE id = \(officialId)
            """)
        guard n == 1 else { throw RoutingError(.notFound, code: "not_found", message: "official not found") }
        try publishOfficial(id: officialId, now: now, producer: producer, on: c)
        return TokenIssued(token: token)
    }

    /// Revoking removes the token hash and marks the official inactive until a new token is issued.
    public static func revokeToken(officialId: UUID, now: Date, producer: String, on c: PostgresConnection) throws {
        let n = try c.execute("UPDATE officials SET token_hash = NULL, active = false, updated_at = \(now) WHERE id = \(officialId)")
        guard n == 1 else { throw RoutingError(.notFound, code: "not_found", message: "official not found") }
        try publishOfficial(id: officialId, now: now, producer: producer, on: c)
    }

    static func publishOfficial(id: UUID, now: Date, producer: String, on c: PostgresConnection) throws {
        guard let row = try c.query("SELECT name, authority, role, email, active FROM officials WHERE id = \(id)").first else { return }
        try Outbox.enqueue(
            OfficialUpdated(officialId: id, name: try row.decode(0), authority: try row.decode(1),
                            role: OfficialRole(rawValue: try row.decode(2, as: String.self)) ?? .official, email: try row.decode(3),
                            active: try row.decode(4), updatedAt: now),
            correlationId: id, producer: producer, occurredAt: now, on: c)
    }
}

/// Several field errors at once (422).
public struct RoutingValidationErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [RoutingError]
    public var description: String { errors.map(\.code).joined(separator: ",") }
}

extension RoutingRule {
    var contract: RoutingRulesChanged.Rule { .init(category: category, district: district, authority: authority) }
}
