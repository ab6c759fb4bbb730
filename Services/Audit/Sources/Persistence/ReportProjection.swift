import Foundation
import HromadaContracts
import HromadaPostgres

/// The reports' projection: one row of non-personal facts per appeal (`report_appeals`) and the
/// centres' names (`report_centres`), kept up to date by the chain writer for every event it
/// appends (never for a redelivery the log already holds, so counters count each event once).
///
/// Events of one appeal may arrive out of order (retries): counters only add, times keep the
/// latest (`GREATEST`), and a "latest" value (authority, deadline, outcome) is replaced only by
/// an event that happened later than the one that set it.
public enum ReportMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 600, name: "reports: non-personal facts per appeal, centres' names",
            sql: """
                CREATE TABLE report_appeals (
                    correlation_id uuid PRIMARY KEY,
                    registration_number text,
                    registered_at timestamptz,
                    received_on date,
                    kind text,
                    category text,
                    district text,
                    centre text,
                    channel text,
                    repeat boolean NOT NULL DEFAULT false,
                    priority boolean NOT NULL DEFAULT false,
                    authority text,
                    authority_at timestamptz,
                    deadline date,
                    deadline_at timestamptz,
                    extensions integer NOT NULL DEFAULT 0,
                    forwards integer NOT NULL DEFAULT 0,
                    reopenings integer NOT NULL DEFAULT 0,
                    answered_at timestamptz,
                    outcome text,
                    reopened_at timestamptz,
                    returned_at timestamptz,
                    not_considered_at timestamptz,
                    closed_at timestamptz
                );
                CREATE INDEX report_appeals_received_on ON report_appeals (received_on);
                CREATE TABLE report_centres (
                    centre_id text PRIMARY KEY,
                    name text NOT NULL,
                    updated_at timestamptz NOT NULL
                );
                """),
        // Entries appended before the projection existed are replayed into it by `ReportBackfill`.
        // Applied together with 600 (an upgrade from a release without reports) the projection is
        // empty and everything up to the chain head is replayed; applied after 600 had filled it,
        // nothing is (the live projection has seen those events).
        Migration(
            version: 601, name: "reports: replay of the log appended before the projection",
            sql: """
                CREATE TABLE report_backfill (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    through_seq bigint NOT NULL,
                    done_seq bigint NOT NULL DEFAULT 0
                );
                INSERT INTO report_backfill (id, through_seq)
                SELECT 1, CASE WHEN EXISTS (SELECT 1 FROM report_appeals) OR EXISTS (SELECT 1 FROM report_centres)
                               THEN 0 ELSE (SELECT seq FROM chain_head WHERE id = 1) END;
                """),
        Migration(
            version: 602, name: "reports: arrival and collective appeals (Resolution 858)",
            sql: """
                ALTER TABLE report_appeals ADD COLUMN arrival text, ADD COLUMN collective boolean NOT NULL DEFAULT false;
                """),
        // Issue 15: residents' ratings of answers (Reports/RatingReport.swift).
        RatingProjection.migration,
        // Issue 16: one statement per batch instead of up to three per event.
        ReportProjection.applyFunction,
    ]
}

/// Replays log entries appended before the projection existed (`report_backfill`), a page per
/// transaction with its progress, so each entry is applied exactly once even across restarts and
/// replicas (the row lock serialises them). The stored entries keep every non-personal field in
/// clear, which is all the projection reads.
enum ReportBackfill {
    /// One page in a transaction of its own (the replay publishes no event, so no relay to wake).
    static func step(pageSize: Int, in database: PostgresClient) async throws -> Int {
        try await database.withTransaction { connection in try step(pageSize: pageSize, on: connection) }
    }

    /// Applies up to `pageSize` entries; returns how many (0 when the replay is complete).
    static func step(pageSize: Int, on connection: PostgresConnection) throws -> Int {
        guard
            let row = try connection.query(
                "SELECT through_seq, done_seq FROM report_backfill WHERE id = 1 FOR UPDATE"
            ).first
        else { return 0 }
        let through = try row.decode(0, as: Int64.self)
        let done = try row.decode(1, as: Int64.self)
        guard done < through else { return 0 }
        let upTo = min(through, done + Int64(pageSize))
        let entries = try connection.query(
            "SELECT stored FROM log WHERE seq > \(done) AND seq <= \(upTo) ORDER BY seq")
        // An entry that is no envelope (never written by this code) is skipped, not fatal.
        let envelopes = try entries.compactMap { try? Envelope.decode(from: try $0.decode(0, as: [UInt8].self)) }
        try ReportProjection.apply(envelopes, on: connection)
        try connection.execute("UPDATE report_backfill SET done_seq = \(upTo) WHERE id = 1")
        return entries.count
    }
}

/// What one appended event changes in the projection, computed in Swift from its payload and
/// applied by `report_apply` (migration 630) in the batch's order.
struct ReportChange: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case registered, assigned, forwarded, extended, reopened, answered, closed, returned, notConsidered
        case centre, rated
    }
    var kind: Kind
    /// The appeal (correlation id; the rated appeal for `rated`).
    var id: UUID?
    /// When the event happened, timestamps as PostgreSQL text (microseconds, as a bind would send).
    var at: String?
    var number: String?
    var registeredAt: String?
    var receivedOn: String?
    var appealKind: String?
    var category: String?
    var district: String?
    var centre: String?
    var channel: String?
    var isRepeat: Bool?
    var arrival: String?
    var collective: Bool?
    var authority: String?
    var deadline: String?
    var priority: Bool?
    var answeredAt: String?
    var outcome: String?
    var name: String?
    var rating: Int?
    var via: String?
    var ratedAt: String?
    var ratedOn: String?

    init(_ kind: Kind, id: UUID?, at: Date?) throws {
        self.kind = kind
        self.id = id
        self.at = try at.flatMap { try $0.encodePostgresText() }
    }
}

enum ReportProjection {
    /// Applies appended events, in their order, with one statement (none when no event counts).
    static func apply(_ envelopes: [Envelope], on connection: PostgresConnection) throws {
        let changes = try envelopes.compactMap(change(for:))
        guard !changes.isEmpty else { return }
        try connection.execute("SELECT report_apply(\(PostgresJSON(changes))::jsonb)")
    }

    /// What `envelope` changes; nil for events that say nothing a report counts.
    static func change(for envelope: Envelope) throws -> ReportChange? {
        let p = envelope.payload
        let id = envelope.correlationId
        let at = envelope.occurredAt
        // Issue 15: a resident's rating of an answer (Reports/RatingReport.swift).
        if let rated = try RatingProjection.change(for: envelope) { return rated }
        switch envelope.type {
        case AppealRegistered.eventType:
            guard let number = p["registrationNumber"]?.stringValue,
                let registeredAt = p["registeredAt"]?.stringValue.flatMap(ISO8601.parse)
            else { return nil }
            let receivedOn =
                p["termsStartOn"]?.stringValue.flatMap(LocalDate.init(string:))
                ?? LocalDate(date: registeredAt, in: .kyiv)
            // Resolution 858's frequency when intake decided it (a duplicate links `repeatOf` too but is
            // no repeat); events written before the classifier: a linked earlier appeal.
            let frequency = p["classifier"]?["frequency"]?.stringValue
            var change = try ReportChange(.registered, id: id, at: at)
            change.number = number
            change.registeredAt = try registeredAt.encodePostgresText()
            change.receivedOn = receivedOn.description
            change.appealKind = p["kind"]?.stringValue
            change.category = p["category"]?.stringValue
            change.district = p["district"]?.stringValue
            change.centre = p["centreId"]?.stringValue
            change.channel = p["channel"]?.stringValue
            change.isRepeat = frequency.map { $0 == "repeat" } ?? (p["repeatOf"]?.stringValue != nil)
            change.arrival = p["classifier"]?["arrival"]?.stringValue
            change.collective =
                p["classifier"]?["form"]?.stringValue == "collective" || !(p["coSigners"]?.arrayValue ?? []).isEmpty
            return change
        case TicketAssigned.eventType, TicketForwarded.eventType, TicketExtended.eventType, TicketReopened.eventType,
            TicketAnswered.eventType:
            let kinds: [String: ReportChange.Kind] = [
                TicketAssigned.eventType: .assigned, TicketForwarded.eventType: .forwarded,
                TicketExtended.eventType: .extended, TicketReopened.eventType: .reopened,
                TicketAnswered.eventType: .answered,
            ]
            // The holding authority and the deadline in force, replaced only by a later event.
            var change = try ReportChange(kinds[envelope.type]!, id: id, at: at)
            change.authority = p["authority"]?.stringValue
            let deadlineKey = envelope.type == TicketExtended.eventType ? "newDeadline" : "deadline"
            change.deadline = p[deadlineKey]?.stringValue.flatMap(LocalDate.init(string:))?.description
            if envelope.type == TicketAssigned.eventType {
                change.priority = p["priority"]?.boolValue ?? false
                change.category = p["category"]?.stringValue
            }
            if envelope.type == TicketAnswered.eventType {
                change.answeredAt = try (p["answeredAt"]?.stringValue.flatMap(ISO8601.parse) ?? at).encodePostgresText()
                change.outcome = p["outcome"]?.stringValue
            }
            return change
        case TicketClosed.eventType: return try ReportChange(.closed, id: id, at: at)
        case AppealReturned.eventType: return try ReportChange(.returned, id: id, at: at)
        case AppealNotConsidered.eventType:
            var change = try ReportChange(.notConsidered, id: id, at: at)
            change.authority = p["authority"]?.stringValue
            return change
        case CentreUpdated.eventType:
            guard let centre = p["centreId"]?.stringValue, let name = p["name"]?.stringValue else { return nil }
            var change = try ReportChange(.centre, id: nil, at: at)
            change.centre = centre
            change.name = name
            return change
        default:
            return nil
        }
    }

    /// `report_apply(changes jsonb)`: each change in array order, exactly as one statement per
    /// event did before (so the order of an appeal's events within a batch still matters where
    /// it did: a reopening clears `closed_at`, a later closing sets it). Events of one appeal may
    /// arrive out of order (retries): counters only add, times keep the latest (`GREATEST`), and
    /// a "latest" value (authority, deadline, outcome) is replaced only by an event that happened
    /// later than the one that set it.
    static let applyFunction = Migration(
        version: 630, name: "reports: the projection applied a batch at a time (report_apply)",
        sql: """
            CREATE FUNCTION report_apply(changes jsonb) RETURNS void LANGUAGE plpgsql AS $report$
            DECLARE
                c jsonb;
                c_kind text;
                c_id uuid;
                c_at timestamptz;
                c_deadline date;
            BEGIN
                FOR c IN SELECT value FROM jsonb_array_elements(changes) LOOP
                    c_kind := c->>'kind';
                    c_id := (c->>'id')::uuid;
                    c_at := (c->>'at')::timestamptz;
                    c_deadline := (c->>'deadline')::date;
                    IF c_kind = 'rated' THEN
                        INSERT INTO report_ratings (correlation_id, answered_at, authority, rating, via, rated_at,
                                                    rated_on)
                        VALUES (c_id, (c->>'answeredAt')::timestamptz, c->>'authority', (c->>'rating')::integer,
                                c->>'via', (c->>'ratedAt')::timestamptz, (c->>'ratedOn')::date)
                        ON CONFLICT (correlation_id, answered_at) DO NOTHING;
                    ELSIF c_kind = 'registered' THEN
                        INSERT INTO report_appeals (correlation_id, registration_number, registered_at, received_on,
                                                    kind, category, district, centre, channel, repeat, arrival,
                                                    collective)
                        VALUES (c_id, c->>'number', (c->>'registeredAt')::timestamptz, (c->>'receivedOn')::date,
                                c->>'appealKind', c->>'category', c->>'district', c->>'centre', c->>'channel',
                                (c->>'isRepeat')::boolean, c->>'arrival', (c->>'collective')::boolean)
                        ON CONFLICT (correlation_id) DO UPDATE SET
                            registration_number = EXCLUDED.registration_number, registered_at = EXCLUDED.registered_at,
                            received_on = EXCLUDED.received_on, kind = EXCLUDED.kind,
                            category = COALESCE(report_appeals.category, EXCLUDED.category),
                            district = EXCLUDED.district,
                            centre = EXCLUDED.centre, channel = EXCLUDED.channel, repeat = EXCLUDED.repeat,
                            arrival = EXCLUDED.arrival, collective = EXCLUDED.collective;
                    ELSIF c_kind = 'centre' THEN
                        INSERT INTO report_centres (centre_id, name, updated_at) VALUES (c->>'centre', c->>'name', c_at)
                        ON CONFLICT (centre_id) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at
                        WHERE report_centres.updated_at <= EXCLUDED.updated_at;
                    ELSE
                        -- A row for an appeal whose registration has not been seen yet (a ticket event first).
                        INSERT INTO report_appeals (correlation_id) VALUES (c_id)
                        ON CONFLICT (correlation_id) DO NOTHING;
                        IF c_kind IN ('assigned', 'forwarded', 'extended', 'reopened', 'answered') THEN
                            UPDATE report_appeals SET
                                authority = CASE WHEN authority_at IS NULL OR authority_at <= c_at
                                                 THEN COALESCE(c->>'authority', authority) ELSE authority END,
                                authority_at = GREATEST(authority_at, c_at),
                                deadline = CASE WHEN c_deadline IS NOT NULL
                                                     AND (deadline_at IS NULL OR deadline_at <= c_at)
                                                THEN c_deadline ELSE deadline END,
                                deadline_at = CASE WHEN c_deadline IS NOT NULL THEN GREATEST(deadline_at, c_at)
                                                   ELSE deadline_at END
                            WHERE correlation_id = c_id;
                        END IF;
                        IF c_kind = 'assigned' THEN
                            UPDATE report_appeals SET priority = priority OR (c->>'priority')::boolean,
                                category = COALESCE(category, c->>'category')
                            WHERE correlation_id = c_id;
                        ELSIF c_kind = 'forwarded' THEN
                            UPDATE report_appeals SET forwards = forwards + 1 WHERE correlation_id = c_id;
                        ELSIF c_kind = 'extended' THEN
                            UPDATE report_appeals SET extensions = extensions + 1 WHERE correlation_id = c_id;
                        ELSIF c_kind = 'reopened' THEN
                            UPDATE report_appeals SET reopenings = reopenings + 1,
                                reopened_at = GREATEST(reopened_at, c_at), closed_at = NULL
                            WHERE correlation_id = c_id;
                        ELSIF c_kind = 'answered' THEN
                            UPDATE report_appeals SET
                                outcome = CASE WHEN answered_at IS NULL
                                                    OR answered_at <= (c->>'answeredAt')::timestamptz
                                               THEN c->>'outcome' ELSE outcome END,
                                answered_at = GREATEST(answered_at, (c->>'answeredAt')::timestamptz)
                            WHERE correlation_id = c_id;
                        ELSIF c_kind = 'closed' THEN
                            UPDATE report_appeals SET closed_at = GREATEST(closed_at, c_at) WHERE correlation_id = c_id;
                        ELSIF c_kind = 'returned' THEN
                            UPDATE report_appeals SET returned_at = GREATEST(returned_at, c_at)
                            WHERE correlation_id = c_id;
                        ELSIF c_kind = 'notConsidered' THEN
                            UPDATE report_appeals SET not_considered_at = GREATEST(not_considered_at, c_at),
                                authority = c->>'authority'
                            WHERE correlation_id = c_id;
                        END IF;
                    END IF;
                END LOOP;
            END
            $report$;
            """)
}

/// Reads the projection for the HTTP API.
struct ReportStore: ReportQueries {
    let database: PostgresClient
    let clock: @Sendable () -> Date
    let openDataThreshold: Int

    func now() -> Date { clock() }

    func facts(from: LocalDate, to: LocalDate) async throws -> [AppealFacts] {
        try await database.withConnection { connection in
            try Self.facts(from: from, to: to, on: connection)
        }
    }

    func centreNames() async throws -> [String: String] {
        try await database.withConnection { connection in
            var names: [String: String] = [:]
            for row in try connection.query("SELECT centre_id, name FROM report_centres") {
                names[try row.decode(0, as: String.self)] = try row.decode(1, as: String.self)
            }
            return names
        }
    }

    static func facts(from: LocalDate, to: LocalDate, on connection: PostgresConnection) throws -> [AppealFacts] {
        let rows = try connection.query(
            """
            SELECT correlation_id, registration_number, registered_at, received_on::text, kind, category, district,
                   centre, channel, repeat, priority, authority, deadline::text, extensions, forwards, reopenings,
                   answered_at, outcome, reopened_at, returned_at, not_considered_at, closed_at, arrival, collective
            FROM report_appeals
            WHERE received_on BETWEEN \(from.description)::date AND \(to.description)::date
            ORDER BY received_on, registered_at
            """)
        return try rows.map { row in
            AppealFacts(
                appealId: try row.decode(0, as: UUID.self),
                registrationNumber: try row.decode(1, as: String?.self),
                registeredAt: try row.decode(2, as: Date?.self),
                receivedOn: try row.decode(3, as: String?.self).flatMap(LocalDate.init(string:)),
                kind: try row.decode(4, as: String?.self), category: try row.decode(5, as: String?.self),
                district: try row.decode(6, as: String?.self), centre: try row.decode(7, as: String?.self),
                channel: try row.decode(8, as: String?.self), arrival: try row.decode(22, as: String?.self),
                isCollective: try row.decode(23, as: Bool.self), isRepeat: try row.decode(9, as: Bool.self),
                priority: try row.decode(10, as: Bool.self), authority: try row.decode(11, as: String?.self),
                deadline: try row.decode(12, as: String?.self).flatMap(LocalDate.init(string:)),
                extensions: try row.decode(13, as: Int.self), forwards: try row.decode(14, as: Int.self),
                reopenings: try row.decode(15, as: Int.self), answeredAt: try row.decode(16, as: Date?.self),
                outcome: try row.decode(17, as: String?.self), reopenedAt: try row.decode(18, as: Date?.self),
                returnedAt: try row.decode(19, as: Date?.self), notConsideredAt: try row.decode(20, as: Date?.self),
                closedAt: try row.decode(21, as: Date?.self))
        }
    }
}
