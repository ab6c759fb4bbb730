import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Tickets for a consumer batch of `appeal.registered` (issue 16): at most four statements per batch,
/// whatever its size — the appeals' copies with the photos' references and places; the reference
/// data; the complaints' earlier decisions (only when there are complaints); the tickets with their
/// history and events. The effects are those of `createTicket` applied to each registration in order
/// (same tickets, deadlines, history, events and event order).
extension RoutingStore {
    /// One `appeal.registered` of a batch: the payload, its message id (the ticket's cause) and the
    /// handler's clock when it was taken.
    struct Registration: Sendable {
        var appeal: AppealRegistered
        var eventId: UUID
        var now: Date
    }

    /// For each registration, in order, the ticket it created, or nil when its appeal was already
    /// known (a second registration of the same appeal, in this batch or before, changes nothing).
    @discardableResult
    static func createTickets(
        from registrations: [Registration], in tx: UnitOfWork.Transaction
    ) throws -> [UUID?] {
        guard !registrations.isEmpty else { return [] }
        let c = tx.connection
        // The first registration of each appeal inserts its copy; a later one in the batch is a repeat.
        var seen = Set<UUID>()
        let firsts = registrations.indices.filter { seen.insert(registrations[$0].appeal.appealId).inserted }
        let inserted = try insertAppeals(
            firsts.map { registrations[$0] }, with: registrations.map(\.appeal), on: c)
        let fresh = firsts.filter { inserted.contains(registrations[$0].appeal.appealId) }
        var tickets = [UUID?](repeating: nil, count: registrations.count)
        if !fresh.isEmpty {
            // Read in this transaction, so every replica routes with the committed rules, categories
            // and hierarchy (a change committed by an administrator is seen by the next batch).
            let reference = try RoutingReference.read(on: c)
            let decided = try decisionsComplainedAbout(fresh.map { registrations[$0].appeal }, on: c)
            var opened: [(transition: TicketTransition, cause: Registration)] = []
            for index in fresh {
                let r = registrations[index]
                let category = reference.categories[r.appeal.category]
                let transition = Ticket.open(
                    for: r.appeal, id: UUID(), rules: reference.rules.rules,
                    categoryDefault: category?.defaultAuthority,
                    termDays: category?.termDays ?? Law.studyTermDays, hierarchy: reference.hierarchy,
                    complaintDecidedOn: decided[r.appeal.appealId], by: tx.producer, at: r.now)
                opened.append((transition, r))
                tickets[index] = transition.ticket.id
            }
            // The tickets, their history rows and their events: one statement.
            let written: [PostgresQuery?] =
                [try ticketsInsert(opened.map { ($0.transition.ticket, $0.cause.now) })]
                + (try recordStatements(batch: opened.map { ($0.transition, $0.cause.eventId) }, producer: tx.producer))
            try c.execute(try oneStatement(written))
        }
        return tickets
    }

    /// Inserts the appeals' copies (each id once) and, in the same statement, the photos' references
    /// and places of every event in `events` (as before: for each registration, the stores skipping
    /// what is already there); returns the ids of the appeals inserted now.
    static func insertAppeals(
        _ registrations: [Registration], with events: [AppealRegistered], on c: PostgresConnection
    ) throws -> Set<UUID> {
        let appeals = registrations.map(\.appeal)
        let insert: PostgresQuery =
            """
            INSERT INTO appeals (appeal_id, registration_number, kind, category, district, subject, body, author_name,
                author_address, author_email, author_phone, preferred_language, benefit_category, confidential, against,
                centre_id, repeat_of, location_address, channel, registered_at, source_event_id)
            SELECT appeal_id, registration_number, kind, category, district, subject, body, author_name,
                author_address, author_email, author_phone, preferred_language, benefit_category, confidential, against,
                centre_id, repeat_of, location_address, channel, registered_at, source_event_id
            FROM unnest(\(appeals.map(\.appealId))::uuid[], \(appeals.map(\.registrationNumber))::text[],
                \(appeals.map(\.kind.rawValue))::text[], \(appeals.map(\.category))::text[],
                \(PostgresNullable.array(appeals.map(\.district)))::text[], \(appeals.map(\.subject))::text[],
                \(appeals.map(\.text))::text[], \(appeals.map(\.author.fullName))::text[],
                \(appeals.map(\.author.address))::text[],
                \(PostgresNullable.array(appeals.map(\.author.email)))::text[],
                \(PostgresNullable.array(appeals.map(\.author.phone)))::text[],
                \(appeals.map(\.author.preferredLanguage.rawValue))::text[],
                \(PostgresNullable.array(appeals.map(\.author.benefitCategory)))::text[],
                \(appeals.map(\.confidential))::boolean[], \(PostgresNullable.array(appeals.map(\.against)))::text[],
                \(PostgresNullable.array(appeals.map(\.centreId)))::text[],
                \(PostgresNullable.array(appeals.map(\.repeatOf)))::text[],
                \(PostgresNullable.array(appeals.map(\.location?.address)))::text[], \(appeals.map(\.channel))::text[],
                \(try appeals.map { try timestampText($0.registeredAt) })::timestamptz[],
                \(registrations.map(\.eventId))::uuid[])
                WITH ORDINALITY AS a(appeal_id, registration_number, kind, category, district, subject, body,
                    author_name, author_address, author_email, author_phone, preferred_language, benefit_category,
                    confidential, against, centre_id, repeat_of, location_address, channel, registered_at,
                    source_event_id, position)
            ORDER BY position
            ON CONFLICT (appeal_id) DO NOTHING
            RETURNING appeal_id
            """
        let statement = try oneStatement([
            PhotoReferenceRecords.insertStatement(batch: events), TicketPlaceRecords.insertStatement(batch: events),
            insert,
        ])
        return Set(try c.query(statement).map { try $0.decode(0, as: UUID.self) })
    }

    /// Art. 17: the day of the decision a complaint complains about, as far as routing knows it: the
    /// answer of the appeal it repeats (`repeatOf`), else the latest answer the body complained about
    /// gave the same author (same name and address). For every complaint among `appeals` that does
    /// not state the day itself, in one statement: the appeal's id → that day (absent when unknown).
    static func decisionsComplainedAbout(
        _ appeals: [AppealRegistered], on c: PostgresConnection
    ) throws -> [UUID: LocalDate] {
        // The author's own date wins in `Ticket.open`: routing's is not needed then.
        let complaints = appeals.filter { $0.kind == .complaint && $0.complaintDecidedOn == nil }
        guard !complaints.isEmpty else { return [:] }
        let rows = try c.query(
            """
            SELECT q.appeal_id, COALESCE(
                (SELECT t.answered_at FROM tickets t
                 WHERE q.repeat_of <> '' AND t.registration_number = q.repeat_of AND t.answered_at IS NOT NULL
                 LIMIT 1),
                (SELECT t.answered_at FROM tickets t
                 JOIN appeals a ON a.appeal_id = t.appeal_id
                 WHERE t.authority = q.against AND t.answered_at IS NOT NULL
                   AND a.author_name = q.author_name AND a.author_address = q.author_address
                   AND a.appeal_id <> q.appeal_id
                 ORDER BY t.answered_at DESC LIMIT 1))
            FROM unnest(\(complaints.map(\.appealId))::uuid[],
                \(PostgresNullable.array(complaints.map(\.repeatOf)))::text[],
                \(PostgresNullable.array(complaints.map(\.against)))::text[],
                \(complaints.map(\.author.fullName))::text[], \(complaints.map(\.author.address))::text[])
                AS q(appeal_id, repeat_of, against, author_name, author_address)
            """)
        var decided: [UUID: LocalDate] = [:]
        for row in rows {
            guard let answeredAt = try row.decode(1, as: Date?.self) else { continue }
            decided[try row.decode(0, as: UUID.self)] = LocalDate(date: answeredAt, in: .kyiv)
        }
        return decided
    }

    /// The new tickets' `INSERT`, each created and updated at its registration's `now`.
    static func ticketsInsert(_ tickets: [(ticket: Ticket, now: Date)]) throws -> PostgresQuery {
        let t = tickets.map(\.ticket)
        let times = try tickets.map { try timestampText($0.now) }
        return
            """
            INSERT INTO tickets (id, appeal_id, registration_number, authority, status, priority, category, kind,
                subject, against, registered_at, registered_on, deadline, created_at, updated_at, terms_start_on,
                head_personally, complaint_term_missed)
            SELECT id, appeal_id, registration_number, authority, status, priority, category, kind, subject, against,
                registered_at, registered_on, deadline, at, at, terms_start_on, head_personally, complaint_term_missed
            FROM unnest(\(t.map(\.id))::uuid[], \(t.map(\.appealId))::uuid[], \(t.map(\.registrationNumber))::text[],
                \(t.map(\.authority))::text[], \(t.map(\.status.rawValue))::text[], \(t.map(\.priority))::boolean[],
                \(t.map(\.category))::text[], \(t.map(\.kind.rawValue))::text[], \(t.map(\.subject))::text[],
                \(PostgresNullable.array(t.map(\.against)))::text[],
                \(try t.map { try timestampText($0.registeredAt) })::timestamptz[],
                \(t.map(\.registeredOn.description))::date[], \(t.map(\.deadline.description))::date[],
                \(times)::timestamptz[], \(t.map(\.termsStartOn.description))::date[],
                \(t.map(\.headPersonally))::boolean[],
                \(PostgresNullable.array(t.map { $0.complaintTermMissed?.description }))::date[])
                WITH ORDINALITY AS n(id, appeal_id, registration_number, authority, status, priority, category, kind,
                    subject, against, registered_at, registered_on, deadline, at, terms_start_on, head_personally,
                    complaint_term_missed, position)
            ORDER BY position
            """
    }

    /// `record` for many transitions as statements to run together: their history rows, then all their
    /// events, in the transitions' order (each transition's events in its own order).
    static func recordStatements(
        batch transitions: [(transition: TicketTransition, causationId: UUID?)], producer: String
    ) throws -> [PostgresQuery?] {
        var history: PostgresQuery?
        let recorded = transitions.map(\.transition).filter(\.recordsHistory)
        if !recorded.isEmpty {
            let h = recorded.map(\.history)
            history =
                """
                INSERT INTO ticket_history (ticket_id, at, action, actor, from_status, to_status, authority, note)
                SELECT ticket_id, at, action, actor, from_status, to_status, authority, note
                FROM unnest(\(recorded.map(\.ticket.id))::uuid[],
                    \(try h.map { try timestampText($0.at) })::timestamptz[],
                    \(h.map(\.action))::text[], \(h.map(\.actor))::text[],
                    \(PostgresNullable.array(h.map { $0.from?.rawValue }))::text[], \(h.map(\.to.rawValue))::text[],
                    \(h.map(\.authority))::text[], \(PostgresNullable.array(h.map(\.note)))::text[])
                    WITH ORDINALITY AS r(ticket_id, at, action, actor, from_status, to_status, authority, note,
                        position)
                ORDER BY position
                """
        }
        var envelopes: [Envelope] = []
        for (transition, causationId) in transitions {
            for event in transition.events {
                envelopes.append(
                    try Envelope(
                        event: event, occurredAt: transition.history.at, correlationId: transition.ticket.appealId,
                        causationId: causationId, producer: producer))
            }
        }
        return [history, try Outbox.insertStatement(batch: envelopes)]
    }

    /// `parts` as ONE statement, one round trip: all but the last as data-modifying `WITH` queries (each
    /// runs once and in full, whether or not the last reads it), the last as the statement itself.
    /// Each part sees the tables as they were before the statement: none may depend on another's rows
    /// (a foreign key between them is fine: it is checked at the statement's end).
    static func oneStatement(_ parts: [PostgresQuery?]) throws -> PostgresQuery {
        let parts = parts.compactMap { $0 }
        guard let last = parts.last else {
            throw RoutingError(.invalid, code: "empty_statement", message: "no statement to run")
        }
        var statement: PostgresQuery = ""
        for (index, part) in parts.dropLast().enumerated() {
            statement.append(PostgresQuery(stringLiteral: index == 0 ? "WITH part0 AS (\n" : ",\npart\(index) AS (\n"))
            statement.append(part)
            statement.append("\n)")
        }
        statement.append(PostgresQuery(stringLiteral: parts.count > 1 ? "\n" : ""))
        statement.append(last)
        return statement
    }
}

/// What opening a ticket reads besides the appeal: the current rule set, each category's default
/// authority and term, and the hierarchy of bodies — in one statement.
struct RoutingReference: Sendable {
    struct Category: Sendable {
        var defaultAuthority: String
        var termDays: Int
    }

    var rules: RuleSet
    var categories: [String: Category]
    var hierarchy: AuthorityHierarchy

    static func read(on c: PostgresConnection) throws -> RoutingReference {
        // part 0: the newest version's rules in order; 1: categories; 2: the hierarchy; 3: the version.
        let rows = try c.query(
            """
            SELECT part, a, b, c, n FROM (
                SELECT 0 AS part, position AS ord, category AS a, district AS b, authority AS c, version AS n
                FROM rules WHERE version = (SELECT COALESCE(max(version), 0) FROM rule_sets)
                UNION ALL SELECT 1, 0, code, default_authority, NULL, term_days FROM categories
                UNION ALL SELECT 2, 0, code, parent, NULL, NULL FROM authority_hierarchy
                UNION ALL SELECT 3, 0, NULL, NULL, NULL, COALESCE(max(version), 0) FROM rule_sets
            ) reference
            ORDER BY part, ord
            """)
        var rules: [RoutingRule] = []
        var version = 0
        var categories: [String: Category] = [:]
        var parents: [String: String] = [:]
        for row in rows {
            switch try row.decode(0, as: Int.self) {
            case 0:
                rules.append(
                    RoutingRule(
                        category: try row.decode(1, as: String.self), district: try row.decode(2, as: String?.self),
                        authority: try row.decode(3, as: String.self)))
            case 1:
                categories[try row.decode(1, as: String.self)] = Category(
                    defaultAuthority: try row.decode(2, as: String.self), termDays: try row.decode(4, as: Int.self))
            case 2:
                parents[try row.decode(1, as: String.self)] = try row.decode(2, as: String.self)
            default:
                version = try row.decode(4, as: Int.self)
            }
        }
        return RoutingReference(
            rules: RuleSet(version: version, rules: rules), categories: categories,
            hierarchy: AuthorityHierarchy(parents: parents))
    }
}

/// A value that may be SQL NULL inside an array parameter (the shared `[T]` encoding writes every
/// element; `Optional` is no array element).
struct PostgresNullable<Wrapped: PostgresArrayElement & PostgresEncodable & PostgresDecodable>: PostgresArrayElement,
    PostgresEncodable, PostgresDecodable
{
    var value: Wrapped?

    static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    static var postgresArrayDataType: PostgresDataType { Wrapped.postgresArrayDataType }
    func encodePostgresText() throws -> String? { try value?.encodePostgresText() }
    init(value: Wrapped?) { self.value = value }
    init(postgresText text: String) throws { value = try Wrapped(postgresText: text) }
    static func postgresNull() throws -> Self { Self(value: nil) }

    /// `[T?]` as an array parameter whose nils are NULL.
    static func array(_ values: [Wrapped?]) -> [Self] { values.map(Self.init(value:)) }
}

/// A timestamp's text exactly as a `Date` parameter sends it, for a `::timestamptz[]` array.
func timestampText(_ date: Date) throws -> String { try date.encodePostgresText() ?? "" }
