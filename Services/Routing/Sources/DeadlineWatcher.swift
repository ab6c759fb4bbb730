import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging
import Metrics
import ServiceLifecycle

/// Raises `ticket.deadline-approaching` (≤ 3 days left) and `ticket.overdue` (today past the
/// deadline; escalated to the mayor's reception) exactly once per ticket, threshold and deadline,
/// and closes answered tickets nobody disputed within `autoCloseDays`.
///
/// Exactly-once across replicas and restarts: candidate tickets are locked with
/// `FOR UPDATE SKIP LOCKED` (two watchers never work the same ticket at once), and each alert is a
/// row in `alerts` whose primary key is (ticket, kind, deadline), inserted with
/// `ON CONFLICT DO NOTHING` in the same transaction as its outbox event: the event is enqueued
/// only when the row was new. An extended deadline is a new deadline, so it may warn again.
public struct DeadlineWatcher: Service {
    public let database: PostgresClient
    public let settings: RoutingSettings
    public let producer: String
    public let logger: Logger
    public let onCommitted: @Sendable () -> Void

    public init(database: PostgresClient, settings: RoutingSettings, producer: String, logger: Logger, onCommitted: @escaping @Sendable () -> Void) {
        self.database = database
        self.settings = settings
        self.producer = producer
        self.logger = logger
        self.onCommitted = onCommitted
    }

    public struct Pass: Sendable, Equatable {
        public var approaching = 0
        public var overdue = 0
        public var closed = 0
        public var total: Int { approaching + overdue + closed }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    _ = try await runOnce()
                } catch is CancellationError {
                    return
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("deadline watcher pass failed", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: settings.watcherInterval)
            }
        }
    }

    /// One pass; batches of `batchSize` until nothing is left.
    public func runOnce() async throws -> Pass {
        var total = Pass()
        while true {
            let now = settings.clock()
            let producer = self.producer
            let batch = settings.watcherBatchSize
            let autoCloseDays = settings.autoCloseDays
            let pass = try await database.withTransaction { c in
                try Self.pass(now: now, batch: batch, autoCloseDays: autoCloseDays, producer: producer, on: c)
            }
            total.approaching += pass.approaching
            total.overdue += pass.overdue
            total.closed += pass.closed
            if pass.approaching > 0 { Counter(label: "hromada_routing_alerts_total", dimensions: [("kind", "deadline-approaching")]).increment(by: pass.approaching) }
            if pass.overdue > 0 { Counter(label: "hromada_routing_alerts_total", dimensions: [("kind", "overdue")]).increment(by: pass.overdue) }
            if pass.total > 0 {
                onCommitted()
                logger.info("deadline watcher pass", metadata: [
                    "alerts.approaching": "\(pass.approaching)", "alerts.overdue": "\(pass.overdue)", "tickets.closed": "\(pass.closed)",
                ])
            }
            if pass.total < batch { return total }
        }
    }

    static func pass(now: Date, batch: Int, autoCloseDays: Int, producer: String, on c: PostgresConnection) throws -> Pass {
        var pass = Pass()
        let today = LocalDate(date: now, in: .kyiv)
        let warnFrom = today.adding(days: Law.deadlineWarningDays).description
        let todayText = today.description
        // Overdue first: a ticket first seen past its deadline raises only `overdue`.
        let overdue = try c.query(RoutingStore.selectTickets("""
            WHERE status NOT IN ('answered', 'closed') AND deadline < \(todayText)::date
              AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.ticket_id = tickets.id AND a.kind = 'overdue' AND a.deadline = tickets.deadline)
            ORDER BY deadline LIMIT \(batch) FOR UPDATE SKIP LOCKED
            """)).map(RoutingStore.ticket(from:))
        for t in overdue {
            let inserted = try c.execute("""
                INSERT INTO alerts (ticket_id, kind, deadline, raised_at) VALUES (\(t.id), 'overdue', \(t.deadline.description)::date, \(now))
                ON CONFLICT DO NOTHING
                """)
            guard inserted == 1 else { continue }
            try c.execute("UPDATE tickets SET escalated = true, updated_at = \(now) WHERE id = \(t.id)")
            try RoutingStore.addHistory(ticketId: t.id, at: now, action: "escalated", actor: "deadline-watcher", from: t.status, to: t.status,
                                        authority: t.authority, note: "overdue since \(t.deadline); escalated to \(Reference.defaultAuthority)", on: c)
            try Outbox.enqueue(
                TicketOverdue(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
                              deadline: t.deadline, daysOverdue: t.deadline.days(until: today), raisedAt: now,
                              escalatedTo: Reference.defaultAuthority),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)
            pass.overdue += 1
        }
        let approaching = try c.query(RoutingStore.selectTickets("""
            WHERE status NOT IN ('answered', 'closed') AND deadline >= \(todayText)::date AND deadline <= \(warnFrom)::date
              AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.ticket_id = tickets.id AND a.kind = 'deadline-approaching' AND a.deadline = tickets.deadline)
            ORDER BY deadline LIMIT \(batch) FOR UPDATE SKIP LOCKED
            """)).map(RoutingStore.ticket(from:))
        for t in approaching {
            let inserted = try c.execute("""
                INSERT INTO alerts (ticket_id, kind, deadline, raised_at) VALUES (\(t.id), 'deadline-approaching', \(t.deadline.description)::date, \(now))
                ON CONFLICT DO NOTHING
                """)
            guard inserted == 1 else { continue }
            try Outbox.enqueue(
                TicketDeadlineApproaching(ticketId: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber,
                                          authority: t.authority, deadline: t.deadline, daysLeft: today.days(until: t.deadline), raisedAt: now),
                correlationId: t.appealId, producer: producer, occurredAt: now, on: c)
            pass.approaching += 1
        }
        // Answered and not disputed within `autoCloseDays`: closed by the system.
        let closeBefore = now.addingTimeInterval(-Double(autoCloseDays) * 86_400)
        let answered = try c.query(RoutingStore.selectTickets("""
            WHERE status = 'answered' AND answered_at <= \(closeBefore)
            ORDER BY answered_at LIMIT \(batch) FOR UPDATE SKIP LOCKED
            """)).map(RoutingStore.ticket(from:))
        for t in answered {
            try RoutingStore.close(t, closedBy: "system", now: now, producer: producer, on: c)
            pass.closed += 1
        }
        return pass
    }
}
