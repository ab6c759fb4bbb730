import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The officials' inbox at scale (issue 14, migrations 230–249): search, filters, sort, paging and
/// counts over a year of a department's work, and the CSV export's rows.
///
/// Search is PostgreSQL full text with the built-in `simple` configuration (lower-cases, no
/// stemming, no extension needed — Ukrainian words are matched as typed, as prefixes) over a
/// generated column of routing's own copy of the appeal. The column holds personal data (the
/// resident's name and address): it lives in routing's schema only and, being generated, is
/// rewritten from the erased values when `RoutingErasure` replaces them.
public enum InboxMigrations {
    public static let all: [Migration] = [searchAndIndexes, work]

    static let searchAndIndexes = Migration(
        version: 230, name: "inbox: full-text search over the appeal's copy; indexes for filters and sorts",
        sql: """
            ALTER TABLE appeals ADD COLUMN search tsvector GENERATED ALWAYS AS (
                to_tsvector('simple', registration_number || ' ' || author_name || ' ' || author_address || ' '
                    || coalesce(location_address, '') || ' ' || subject || ' ' || body)
            ) STORED;
            CREATE INDEX appeals_search ON appeals USING gin (search);
            CREATE INDEX appeals_district ON appeals (district, appeal_id);
            -- The default list (open tickets, priority then the nearest deadline) and the other sorts.
            CREATE INDEX tickets_inbox_open ON tickets (authority, priority DESC, deadline, registered_at, id)
                WHERE status NOT IN ('answered', 'closed');
            CREATE INDEX tickets_inbox_registered ON tickets (authority, registered_at DESC, id DESC);
            CREATE INDEX tickets_inbox_number ON tickets (authority, registration_number, id);
            CREATE INDEX tickets_number ON tickets (registration_number);
            -- A number's serial typed alone (`54321`): the last six characters, any year.
            CREATE INDEX tickets_serial ON tickets (right(registration_number, 6));
            CREATE INDEX tickets_inbox_category ON tickets (authority, category, deadline);
            """)

    static let work = Migration(
        version: 231, name: "inbox: assignment to a colleague, internal notes, answer templates, groups",
        sql: """
            ALTER TABLE tickets ADD COLUMN assignee uuid REFERENCES officials (id);
            ALTER TABLE tickets ADD COLUMN group_id uuid;
            CREATE INDEX tickets_assignee ON tickets (assignee, deadline) WHERE assignee IS NOT NULL;
            -- Officials' internal notes: never shown to the resident (personal data: erased with the appeal).
            CREATE TABLE ticket_notes (
                id bigserial PRIMARY KEY,
                ticket_id uuid NOT NULL REFERENCES tickets (id),
                at timestamptz NOT NULL,
                author text NOT NULL,
                body text NOT NULL
            );
            CREATE INDEX ticket_notes_ticket ON ticket_notes (ticket_id, id);
            -- Answer templates, per authority, kept by that authority's officials.
            CREATE TABLE answer_templates (
                id uuid PRIMARY KEY,
                authority text NOT NULL,
                title text NOT NULL,
                body text NOT NULL,
                updated_by text NOT NULL,
                updated_at timestamptz NOT NULL,
                UNIQUE (authority, title)
            );
            -- Appeals about one incident, answered at once (each ticket still answered on its own).
            CREATE TABLE ticket_groups (
                id uuid PRIMARY KEY,
                authority text NOT NULL,
                title text NOT NULL,
                created_by text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE INDEX tickets_group ON tickets (group_id) WHERE group_id IS NOT NULL;
            """)
}

/// One row of the inbox: the ticket and what the list shows beside it.
public struct InboxRow: Sendable {
    public var ticket: Ticket
    public var district: String?
    public var assignee: UUID?
    public var assigneeName: String?
    public var groupId: UUID?
    /// For the export (personal data: the list page does not show them).
    public var authorName: String
    public var authorAddress: String
}

/// A page of the inbox and its labelled counts.
public struct InboxPage: Sendable {
    public var rows: [InboxRow]
    /// Tickets matching the query (every page).
    public var total: Int
    /// The scope's counts whatever the filters: open, overdue, due this week, assigned to the asker.
    public var open: Int
    public var overdue: Int
    public var dueThisWeek: Int
    public var mine: Int
}

extension RoutingStore {
    /// The ticket columns of `ticketColumns`, qualified with `t.` (the inbox joins the appeal).
    static let qualifiedTicketColumns = ticketColumns.split(separator: ",")
        .map { "t." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    /// `FROM tickets t [JOIN appeals a …] WHERE …` for `query` in `principal`'s scope, or nil when
    /// the principal sees nothing.
    static func inboxWhere(_ query: InboxQuery, principal: Principal, today: LocalDate) -> PostgresQuery? {
        guard let scope = principal.inboxScope(requested: query.authority) else { return nil }
        // The appeal's copy is joined only when a filter reads it (the count of a large list is
        // then an index scan of `tickets` alone).
        var needsAppeal = query.district != nil
        if case .words = query.search { needsAppeal = true }
        var sql: PostgresQuery =
            needsAppeal ? "FROM tickets t JOIN appeals a ON a.appeal_id = t.appeal_id" : "FROM tickets t"
        sql.append(" WHERE true")
        if let authority = scope.authority { sql.append(" AND t.authority = \(authority)") }
        let open = PostgresQuery(stringLiteral: " AND t." + isOpenCondition)
        switch query.state {
        case .open: sql.append(open)
        case .finished: sql.append(" AND t.status IN ('answered', 'closed')")
        case .all: break
        case .status(let s): sql.append(" AND t.status = \(s.rawValue)")
        }
        if let category = query.category { sql.append(" AND t.category = \(category)") }
        if let kind = query.kind?.rawValue { sql.append(" AND t.kind = \(kind)") }
        if let district = query.district { sql.append(" AND a.district = \(district)") }
        if query.overdue { sql.append(open + " AND t.deadline < \(today.description)::date") }
        if query.dueThisWeek {
            sql.append(
                open + " AND t.deadline BETWEEN \(today.description)::date"
                    + " AND \(InboxQuery.endOfWeek(today).description)::date")
        }
        if query.awaitingSignature { sql.append(" AND t.draft IS NOT NULL") }
        if query.mine { sql.append(" AND t.assignee = \(UUID(uuidString: principal.id) ?? UUID())") }
        switch query.search {
        case .none: break
        case .number(let number): sql.append(" AND t.registration_number = \(number)")
        case .serial(let serial): sql.append(" AND right(t.registration_number, 6) = \(serial)")
        case .words(let words):
            // Each word as a quoted prefix (`'коваленк':*`); the words hold only letters, digits and ʼ.
            let tsquery = words.map { "'\($0)':*" }.joined(separator: " & ")
            sql.append(" AND a.search @@ to_tsquery('simple', \(tsquery))")
        }
        return sql
    }

    static func inboxOrder(_ sort: InboxQuery.Sort) -> String {
        switch sort {
        case .deadline: " ORDER BY t.priority DESC, t.deadline, t.registered_at, t.id"
        case .registered: " ORDER BY t.registered_at DESC, t.id DESC"
        case .number: " ORDER BY t.registration_number, t.id"
        }
    }

    static func inboxRow(from r: PostgresRow) throws -> InboxRow {
        InboxRow(
            ticket: try ticket(from: r), district: try r.decode(23), assignee: try r.decode(24),
            assigneeName: try r.decode(25), groupId: try r.decode(26),
            authorName: try r.decode(27), authorAddress: try r.decode(28))
    }

    /// The rows of `query` (the page it names, or up to `limit` rows from the first for an export).
    public static func inboxRows(
        _ query: InboxQuery, principal: Principal, today: LocalDate, limit: Int? = nil, on c: PostgresConnection
    ) throws -> [InboxRow] {
        // The page's ids first (only the joins its filters need, so a deep offset walks one index),
        // then their columns with the appeal's copy and the assignee's name.
        guard let from = inboxWhere(query, principal: principal, today: today) else { return [] }
        let order = inboxOrder(query.sort)
        var ids = PostgresQuery(stringLiteral: "SELECT t.id ") + from + PostgresQuery(stringLiteral: order)
        if let limit {
            ids.append(" LIMIT \(limit)")
        } else {
            ids.append(" LIMIT \(query.pageSize) OFFSET \((query.page - 1) * query.pageSize)")
        }
        let columns =
            "SELECT \(qualifiedTicketColumns), a.district, t.assignee, o.name, t.group_id, "
            + "a.author_name, a.author_address FROM tickets t JOIN appeals a ON a.appeal_id = t.appeal_id "
            + "LEFT JOIN officials o ON o.id = t.assignee WHERE t.id IN ("
        let sql = PostgresQuery(stringLiteral: columns) + ids + PostgresQuery(stringLiteral: ")" + order)
        return try c.query(sql).map(inboxRow(from:))
    }

    /// A page of the inbox with its counts.
    public static func inboxPage(
        _ query: InboxQuery, principal: Principal, today: LocalDate, on c: PostgresConnection
    ) throws -> InboxPage {
        guard let from = inboxWhere(query, principal: principal, today: today),
            let scope = principal.inboxScope(requested: query.authority)
        else { return InboxPage(rows: [], total: 0, open: 0, overdue: 0, dueThisWeek: 0, mine: 0) }
        let total = try c.query(PostgresQuery(stringLiteral: "SELECT count(*) ") + from).first?.decode(0, as: Int.self)
        let rows = try inboxRows(query, principal: principal, today: today, on: c)
        var counts: PostgresQuery = """
            SELECT count(*), count(*) FILTER (WHERE deadline < \(today.description)::date),
                count(*) FILTER (WHERE deadline BETWEEN \(today.description)::date
                    AND \(InboxQuery.endOfWeek(today).description)::date),
                count(*) FILTER (WHERE assignee = \(UUID(uuidString: principal.id) ?? UUID()))
            FROM tickets WHERE
            """
        counts.append(PostgresQuery(stringLiteral: " " + isOpenCondition))
        if let authority = scope.authority { counts.append(" AND authority = \(authority)") }
        let summary = try c.query(counts).first
        return InboxPage(
            rows: rows, total: total ?? 0, open: try summary?.decode(0, as: Int.self) ?? 0,
            overdue: try summary?.decode(1, as: Int.self) ?? 0, dueThisWeek: try summary?.decode(2, as: Int.self) ?? 0,
            mine: try summary?.decode(3, as: Int.self) ?? 0)
    }
}
