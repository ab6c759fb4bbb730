import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The deadline watcher's storage. Candidates are found with the dates `DeadlineWatch.window`
/// gives and locked with `FOR UPDATE SKIP LOCKED` (two watchers never work the same ticket at
/// once); `DeadlineWatch` decides for each. Every alert is a row in `alerts` keyed by (ticket,
/// kind, deadline), inserted with `ON CONFLICT DO NOTHING` in the same transaction as its outbox
/// event: the event is enqueued only when the row was new, so each alert leaves exactly once
/// across replicas and restarts; an extended deadline is a new deadline and may warn again.
extension RoutingStore {
    public struct WatchPass: Sendable, Equatable {
        public var approaching = 0
        public var overdue = 0
        public var closed = 0
        public var total: Int { approaching + overdue + closed }
        public init() {}
    }

    /// One batch of each kind of work, at `now`.
    static func watchDeadlines(
        now: Date, batch: Int, autoCloseDays: Int, in tx: UnitOfWork.Transaction
    ) throws -> WatchPass {
        let c = tx.connection
        var pass = WatchPass()
        let today = LocalDate(date: now, in: .kyiv)
        let window = DeadlineWatch.window(now: now, autoCloseDays: autoCloseDays)
        // Overdue first: a ticket first seen past its deadline raises only `overdue`.
        let overdue = try alertCandidates(
            .overdue, deadline: "deadline < \(window.overdueBefore.description)::date", batch: batch, on: c)
        for ticket in overdue where DeadlineWatch.alert(for: ticket, today: today) == .overdue {
            guard try insertAlert(.overdue, for: ticket, now: now, on: c) else { continue }
            try save(ticket.escalatedAsOverdue(today: today, at: now), causationId: nil, now: now, in: tx)
            pass.overdue += 1
        }
        let approaching = try alertCandidates(
            .approaching,
            deadline: """
                deadline >= \(window.approachingFrom.description)::date
                AND deadline <= \(window.approachingThrough.description)::date
                """, batch: batch, on: c)
        for ticket in approaching where DeadlineWatch.alert(for: ticket, today: today) == .approaching {
            guard try insertAlert(.approaching, for: ticket, now: now, on: c) else { continue }
            try tx.publish(
                ticket.deadlineApproaching(today: today, at: now), correlationId: ticket.appealId, occurredAt: now)
            pass.approaching += 1
        }
        // 'answered' is written as a literal, not a bind, so that even a generic plan of this (prepared)
        // statement can use the partial index tickets_answered (… WHERE status = 'answered').
        assert(TicketStatus.answered.rawValue == "answered")
        let answered = try c.query(
            selectTickets(
                """
                WHERE status = 'answered' AND answered_at <= \(window.closeAnsweredBefore)
                ORDER BY answered_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
                """)
        ).map(ticket(from:))
        for ticket in answered where DeadlineWatch.shouldAutoClose(ticket, now: now, autoCloseDays: autoCloseDays) {
            try save(ticket.autoClosed(at: now), causationId: nil, now: now, in: tx)
            pass.closed += 1
        }
        return pass
    }

    /// Open tickets whose deadline meets `deadline` and that have no `kind` alert for that deadline yet.
    private static func alertCandidates(
        _ kind: DeadlineWatch.AlertKind, deadline: PostgresQuery, batch: Int, on c: PostgresConnection
    ) throws -> [Ticket] {
        let query =
            selectTickets(PostgresQuery(stringLiteral: "WHERE \(isOpenCondition) AND "))
            + deadline
                + """
                 AND NOT EXISTS (SELECT 1 FROM alerts a
                                 WHERE a.ticket_id = tickets.id AND a.kind = \(kind.rawValue)
                                   AND a.deadline = tickets.deadline)
                ORDER BY deadline LIMIT \(batch) FOR UPDATE SKIP LOCKED
                """
        return try c.query(query).map(ticket(from:))
    }

    /// True when this alert is new (the row was inserted).
    private static func insertAlert(
        _ kind: DeadlineWatch.AlertKind, for t: Ticket, now: Date, on c: PostgresConnection
    ) throws -> Bool {
        try c.execute(
            """
            INSERT INTO alerts (ticket_id, kind, deadline, raised_at)
            VALUES (\(t.id), \(kind.rawValue), \(t.deadline.description)::date, \(now))
            ON CONFLICT DO NOTHING
            """) == 1
    }
}
