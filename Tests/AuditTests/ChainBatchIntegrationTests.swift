import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Audit

/// The batched chain writer against a real PostgreSQL: what the consumer does with a batch
/// (inbox claim + `handle(batch:)` in one transaction), counted, verified, split, crashed and run
/// by two replicas at once.
final class ChainBatchIntegrationTests: XCTestCase {
    static let logger = Logger(label: "audit-batch-test")
    let handler = AuditErasureStep(
        chain: AuditEventHandler(
            settings: AuditSettings(checkpointEvery: 25, checkpointInterval: .zero), producer: Producers.audit),
        producer: Producers.audit, clock: { Date() })

    func database() async throws -> (TestDatabase, PostgresClient) {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "audit")
        addTeardownBlock { try? await db.drop() }
        let client = db.client()
        try await Migrator.migrate(
            RuntimeMigrations.all + AuditMigrations.all + ReportMigrations.all, on: client, logger: Self.logger)
        return (db, client)
    }

    // MARK: Events: an appeal as audit sees it under load (registered, assigned, resident notified)

    func appealEvents(count: Int, tag: String = String(Int.random(in: 100_000...999_999))) throws -> [Envelope] {
        var registered: [Envelope] = []
        var assigned: [Envelope] = []
        var notified: [Envelope] = []
        for index in 0..<count {
            let id = UUID()
            let number = "MK-2026-\(tag)\(index)"
            let registration = try Envelope(
                event: AppealRegistered(
                    appealId: id, registrationNumber: number, registeredAt: Date(), kind: .complaint,
                    category: "heating",
                    author: .init(
                        fullName: "Мешканка \(index)", address: "вул. Соборна, \(index)",
                        email: "r@example.org"),
                    subject: "Немає опалення", text: "Холодно", trackingToken: "tok-\(number)",
                    channel: "centre"),
                correlationId: id, causationId: nil, producer: Producers.intake)
            registered.append(registration)
            assigned.append(
                try Envelope(
                    event: TicketAssigned(
                        ticketId: UUID(), appealId: id, registrationNumber: number, authority: "zhkg",
                        category: "heating", priority: index % 3 == 0,
                        deadline: LocalDate(date: Date()).adding(days: 15),
                        assignedAt: Date(), reason: "rule"),
                    correlationId: id, causationId: registration.id, producer: Producers.routing))
            notified.append(
                try Envelope(
                    event: NotificationSent(
                        notificationId: UUID(), sourceEventId: registration.id,
                        sourceEventType: AppealRegistered.eventType, appealId: id, registrationNumber: number,
                        channel: .email, recipientKind: .resident, sentAt: Date()),
                    correlationId: id, causationId: registration.id, producer: Producers.notification))
        }
        // Interleaved as they arrive: registrations run ahead of tickets, tickets of notices.
        var events: [Envelope] = []
        for index in 0..<count {
            events.append(registered[index])
            if index >= 2 { events.append(assigned[index - 2]) }
            if index >= 4 { events.append(notified[index - 4]) }
        }
        events += assigned.suffix(min(2, count)) + notified.suffix(min(4, count))
        return events
    }

    /// What `EventConsumer` does with a batch: inbox claim and the handler, one transaction.
    func consume(_ events: [Envelope], on client: PostgresClient) async throws {
        try await Self.consume(events, handler: handler, on: client)
    }

    static func consume(_ events: [Envelope], handler: AuditErasureStep, on client: PostgresClient) async throws {
        let incoming = events.map { IncomingEvent(envelope: $0, routingKey: $0.routingKey) }
        try await client.withTransaction { connection in
            try handler.handle(batch: try Inbox.claim(batch: incoming, on: connection), on: connection)
        }
    }

    /// The consumer's failure path: the batch at once; if the handler throws, each event alone.
    /// Returns the events that failed alone.
    func consumeSplittingOnFailure(_ events: [Envelope], on client: PostgresClient) async throws -> [Envelope] {
        do {
            try await consume(events, on: client)
            return []
        } catch {
            var failed: [Envelope] = []
            for event in events {
                do { try await consume([event], on: client) } catch { failed.append(event) }
            }
            return failed
        }
    }

    func verify(_ client: PostgresClient) async throws -> AuditVerification {
        try await client.withTransaction(isolation: .repeatableRead) { connection in
            try AuditStore.verify(pageSize: 37, extraCheckpoints: [], on: connection)
        }
    }

    func loggedEventIds(_ client: PostgresClient) async throws -> [UUID] {
        try await client.query("SELECT event_id FROM log ORDER BY seq").map { try $0.decode(0, as: UUID.self) }
    }

    // MARK: Tests

    /// The statements a batch makes do not grow with its size: every chain table is written by one
    /// statement per batch, for 8 events as for 80 (counted by statement-level triggers, which fire
    /// once per statement and table, whatever the rows).
    func testABatchAppendsWithAFixedNumberOfStatements() async throws {
        let (db, client) = try await database()
        let admin = db.adminClient()
        try await admin.withConnection { connection in
            try connection.executeScript(
                """
                CREATE TABLE public.statement_counts (tbl text NOT NULL, op text NOT NULL);
                CREATE FUNCTION public.count_statement() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
                SET search_path = public AS $$
                BEGIN
                    INSERT INTO public.statement_counts VALUES (TG_TABLE_NAME, TG_OP);
                    RETURN NULL;
                END $$;
                CREATE TRIGGER count_log AFTER INSERT OR UPDATE ON audit.log
                    FOR EACH STATEMENT EXECUTE FUNCTION public.count_statement();
                CREATE TRIGGER count_head AFTER INSERT OR UPDATE ON audit.chain_head
                    FOR EACH STATEMENT EXECUTE FUNCTION public.count_statement();
                CREATE TRIGGER count_appeals AFTER INSERT OR UPDATE ON audit.appeals
                    FOR EACH STATEMENT EXECUTE FUNCTION public.count_statement();
                CREATE TRIGGER count_keys AFTER INSERT OR UPDATE ON audit.appeal_keys
                    FOR EACH STATEMENT EXECUTE FUNCTION public.count_statement();
                """)
        }
        for size in [8, 80] {
            // Fresh appeals only (registrations need new keys), none crossing a checkpoint.
            let events = Array(try appealEvents(count: size).prefix(size))
            let incoming = events.map { IncomingEvent(envelope: $0, routingKey: $0.routingKey) }
            let handler = self.handler
            try await client.withTransaction { connection in
                try handler.handle(batch: try Inbox.claim(batch: incoming, on: connection), on: connection)
            }
            let writes = try await admin.query(
                "SELECT tbl || ' ' || op, count(*)::bigint FROM public.statement_counts GROUP BY 1"
            ).reduce(into: [String: Int64]()) {
                $0[try $1.decode(0, as: String.self)] = try $1.decode(1, as: Int64.self)
            }
            XCTAssertEqual(
                writes,
                [
                    "log INSERT": 1, "chain_head UPDATE": 1, "appeals INSERT": 1,
                    // One statement: the new keys and the erasures' ON CONFLICT DO UPDATE.
                    "appeal_keys INSERT": 1, "appeal_keys UPDATE": 1,
                ],
                "one statement per chain table for a batch of \(size)")
            try await admin.execute("DELETE FROM public.statement_counts")
        }
        let report = try await verify(client)
        XCTAssertTrue(report.ok, "\(report)")
    }

    /// Batches of every size, with redeliveries the inbox forgot (the log's own dedup) and the
    /// same batch twice (the inbox): the log holds each event once, in the order first seen, and
    /// the chain, its head and its checkpoints verify.
    func testBatchesOfMixedSizesVerify() async throws {
        let (db, client) = try await database()
        let admin = db.adminClient()
        let events = try appealEvents(count: 60)
        var rest = events[...]
        var sent: [Envelope] = []
        for size in [1, 7, 50, 3, 100, 2, 1000] where !rest.isEmpty {
            let fresh = Array(rest.prefix(size))
            rest = rest.dropFirst(size)
            // A few events sent before, again, in the middle of the batch.
            let again = Array(sent.shuffled().prefix(3))
            var batch = fresh
            batch.insert(contentsOf: again, at: fresh.count / 2)
            try await consume(batch, on: client)
            try await consume(batch, on: client)  // the whole batch redelivered: the inbox has it
            sent += fresh
            // The inbox pruned: the next redeliveries are caught by the log itself.
            try await admin.execute("DELETE FROM audit.inbox")
        }
        let logged = try await loggedEventIds(client)
        XCTAssertEqual(logged, events.map(\.id))
        let report = try await verify(client)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertEqual(report.entries, Int64(events.count))
        XCTAssertEqual(report.headSequence, Int64(events.count))
        XCTAssertEqual(report.checkpointsChecked, events.count / 25)
        let numbers = try await client.count("SELECT count(*)::bigint FROM log WHERE registration_number IS NULL")
        XCTAssertEqual(numbers, 0, "every entry has its appeal's number")
    }

    /// A batch with an event its handler cannot apply (an erasure whose payload does not decode):
    /// the whole batch rolls back, then each event alone: the others are appended in their order,
    /// the poison one not at all, and the chain has no gap or fork.
    func testAPoisonEventInABatchLeavesTheOthersAppended() async throws {
        let (_, client) = try await database()
        let first = try appealEvents(count: 6)
        try await consume(Array(first.prefix(4)), on: client)
        let poison = Envelope(
            type: AppealPersonalDataErased.eventType, version: 1, correlationId: first[0].correlationId,
            causationId: nil, producer: Producers.intake, payload: ["appealId": "not a uuid"])
        var batch = Array(first.dropFirst(4))
        batch.insert(poison, at: batch.count / 2)
        let failed = try await consumeSplittingOnFailure(batch, on: client)
        XCTAssertEqual(failed.map(\.id), [poison.id])
        let logged = try await loggedEventIds(client)
        XCTAssertEqual(logged, first.map(\.id))
        let report = try await verify(client)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertEqual(report.entries, Int64(first.count))
    }

    /// A connection that dies after the batch was appended but before the commit (the writer
    /// killed mid-batch) leaves the chain as it was; the redelivered batch is appended whole.
    func testACrashBeforeTheCommitLeavesNoTrace() async throws {
        let (_, client) = try await database()
        let events = try appealEvents(count: 10)
        try await consume(Array(events.prefix(5)), on: client)
        let headBefore = try await client.query("SELECT seq, hash FROM chain_head").first
        let incoming = events.dropFirst(5).map { IncomingEvent(envelope: $0, routingKey: $0.routingKey) }
        let handler = self.handler
        do {
            try await client.withTransaction { connection in
                try handler.handle(batch: try Inbox.claim(batch: incoming, on: connection), on: connection)
                try connection.execute("SELECT pg_terminate_backend(pg_backend_pid())")
            }
            XCTFail("the connection was terminated")
        } catch {}
        let headAfter = try await client.query("SELECT seq, hash FROM chain_head").first
        XCTAssertEqual(try headAfter?.decode(0, as: Int64.self), try headBefore?.decode(0, as: Int64.self))
        XCTAssertEqual(try headAfter?.decode(1, as: [UInt8].self), try headBefore?.decode(1, as: [UInt8].self))
        let afterCrash = try await loggedEventIds(client)
        XCTAssertEqual(afterCrash, Array(events.prefix(5)).map(\.id))
        try await consume(Array(events.dropFirst(5)), on: client)
        let logged = try await loggedEventIds(client)
        XCTAssertEqual(logged, events.map(\.id))
        let report = try await verify(client)
        XCTAssertTrue(report.ok, "\(report)")
    }

    /// Two replicas, each with its own connection, appending batches at the same time, some of
    /// them the same messages (a redelivery to the other replica): one chain, each event once.
    func testTwoReplicasNeverForkTheChain() async throws {
        let (db, first) = try await database()
        let second = db.client()
        let events = try appealEvents(count: 80)
        let batches = stride(from: 0, to: events.count, by: 12).map { Array(events[$0..<min($0 + 12, events.count)]) }
        let handler = self.handler
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (replica, client) in [(0, first), (1, second)] {
                group.addTask {
                    for (index, batch) in batches.enumerated() where index % 2 == replica || index == 3 {
                        try await Self.consume(batch, handler: handler, on: client)
                    }
                }
            }
            try await group.waitForAll()
        }
        let logged = try await loggedEventIds(first)
        XCTAssertEqual(logged.count, events.count)
        XCTAssertEqual(Set(logged), Set(events.map(\.id)))
        for batch in batches {
            let positions = batch.compactMap { logged.firstIndex(of: $0.id) }
            XCTAssertEqual(positions, positions.sorted(), "a batch keeps its order")
            XCTAssertEqual(positions.last.map { $0 - positions[0] + 1 }, batch.count, "a batch is not interleaved")
        }
        let report = try await verify(first)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertEqual(report.entries, Int64(events.count))
    }

    /// The report projection applied a batch at a time gives the facts it gave one event at a time,
    /// order included (a reopening clears `closed_at`, the later closing sets it again), for an
    /// appeal whose whole life arrives in one batch, ticket events before its registration first.
    func testTheReportProjectionOfABatchIsTheOneOfItsEventsOneByOne() async throws {
        let (_, client) = try await database()
        let start = Date(timeIntervalSince1970: 1_790_000_000)
        func life(_ tag: String) throws -> [Envelope] {
            let id = UUID()
            let ticket = UUID()
            let number = "MK-2026-\(tag)"
            let today = LocalDate(date: start)
            var at = start
            func next<E: DomainEvent>(_ event: E, _ producer: String) throws -> Envelope {
                at += 60
                return try Envelope(
                    event: event, occurredAt: at, correlationId: id, causationId: nil, producer: producer)
            }
            let registration = try next(
                AppealRegistered(
                    appealId: id, registrationNumber: number, registeredAt: start, kind: .complaint,
                    category: "heating",
                    author: .init(
                        fullName: "Мешканка",
                        address: "вул. Соборна, 1"),
                    subject: "Немає опалення", text: "Холодно", trackingToken: "tok-\(number)",
                    channel: "centre"),
                Producers.intake)
            let routing = Producers.routing
            let assigned = try next(
                TicketAssigned(
                    ticketId: ticket, appealId: id, registrationNumber: number, authority: "zhkg",
                    category: "heating", priority: true, deadline: today.adding(days: 15), assignedAt: at), routing)
            return [
                assigned, registration,
                try next(
                    TicketForwarded(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        fromAuthority: "zhkg", officialId: "o-1", reason: "не наше", forwardedAt: at,
                        deadline: today.adding(days: 20)), routing),
                try next(
                    TicketExtended(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        officialId: "o-2", reason: "обстеження", previousDeadline: today.adding(days: 20),
                        newDeadline: today.adding(days: 45), extendedAt: at), routing),
                try next(
                    TicketAnswered(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        officialId: "o-2", outcome: .explained, answerText: "Пояснено", answeredAt: at),
                    routing),
                try next(
                    TicketClosed(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        closedAt: at, closedBy: "o-2"), routing),
                try next(
                    TicketReopened(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        reopenedBy: "o-3", reason: "скарга", reopenedAt: at, deadline: today.adding(days: 60)),
                    routing),
                try next(
                    TicketClosed(
                        ticketId: ticket, appealId: id, registrationNumber: number, authority: "transport",
                        closedAt: at, closedBy: "o-3"), routing),
            ]
        }
        let together = try life("700001")
        let oneByOne = try life("700002")
        try await consume(together, on: client)
        for event in oneByOne { try await consume([event], on: client) }
        let facts = try await client.query(
            """
            SELECT registration_number, concat_ws('|', registered_at, received_on, kind, category, channel, repeat,
                   priority, authority, authority_at, deadline, deadline_at, extensions, forwards, reopenings,
                   answered_at, outcome, reopened_at, returned_at, not_considered_at, closed_at, arrival, collective)
            FROM report_appeals ORDER BY registration_number
            """
        ).map { try $0.decode(1, as: String.self) }
        XCTAssertEqual(facts.count, 2)
        XCTAssertEqual(facts.first, facts.last)
        XCTAssertTrue(facts.first?.contains("|1|1|1|") == true, facts.first ?? "")  // extensions, forwards, reopenings
    }

    /// An erasure through the API that writes an appeal's key row between the batch's read and its
    /// write: the batch sealed fields with a key that cannot be stored, so it is refused (and the
    /// consumer tries again, then finds the tombstone) instead of leaving unreadable fields behind.
    func testAKeyWrittenUnderTheBatchRefusesIt() async throws {
        let (_, client) = try await database()
        let appeal = UUID()
        let erasedAt = Date()
        try await client.withConnection { connection in
            try AuditStore.destroyKeys([appeal], at: erasedAt, on: connection)
        }
        do {
            try await client.withTransaction { connection in
                try AuditStore.writeKeys(
                    created: [(appeal, [UInt8](repeating: 1, count: 32))], destroyed: [], on: connection)
            }
            XCTFail("a key row written since the read refuses the batch")
        } catch let error as AuditError {
            XCTAssertEqual(error.code, .concurrentChange)
        }
        let key = try await client.query("SELECT key FROM appeal_keys WHERE correlation_id = \(appeal)")
        XCTAssertEqual(try key.first?.decode(0, as: [UInt8]?.self), .some(nil), "the tombstone stays")
    }

    // MARK: Measurement (skipped unless asked for)

    /// Statements, server time and CPU per event of what the consumer does with `N` events in
    /// batches of 100 (its default maximum), on one connection:
    /// `HROMADA_AUDIT_MEASURE_EVENTS=3000 HROMADA_AUDIT_MEASURE_LOG=<the server's log file>`.
    /// The server logs every statement of the throwaway database with its duration
    /// (`log_min_duration_statement = 0`); the lines of this connection's backend are counted.
    func testMeasureTheCostOfAppending() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let wanted = environment["HROMADA_AUDIT_MEASURE_EVENTS"].flatMap(Int.init) else {
            throw XCTSkip("set HROMADA_AUDIT_MEASURE_EVENTS to measure")
        }
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "audit")
        addTeardownBlock { try? await db.drop() }
        // For the sessions opened from now on (the client below has none yet).
        try await db.adminClient().withConnection { connection in
            try connection.executeScript("ALTER DATABASE \(db.name) SET log_min_duration_statement = 0")
            try connection.executeScript("ALTER DATABASE \(db.name) SET log_parameter_max_length = 0")
        }
        let client = db.client(poolSize: 1)
        try await Migrator.migrate(
            RuntimeMigrations.all + AuditMigrations.all + ReportMigrations.all, on: client, logger: Self.logger)
        let events = Array(try appealEvents(count: (wanted + 2) / 3).prefix(wanted))
        let backend = try await client.withConnection { $0.backendPID }
        let logPath = environment["HROMADA_AUDIT_MEASURE_LOG"]
        let logStart = logPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0
        let serverCPU = { (ProcessCPU.microseconds(pid: backend) ?? .nan) / 1_000_000 }
        let cpuBefore = serverCPU()
        let processBefore = ProcessInfo.processInfo.systemUptime
        let clientBefore = ProcessCPU.ownMicroseconds()
        // Production's checkpoint interval (the other tests checkpoint every 25 entries).
        let handler = AuditErasureStep(
            chain: AuditEventHandler(settings: AuditSettings(checkpointInterval: .zero), producer: Producers.audit),
            producer: Producers.audit, clock: { Date() })
        var index = 0
        while index < events.count {
            let batch = Array(events[index..<min(index + 100, events.count)])
            try await Self.consume(batch, handler: handler, on: client)
            index += 100
        }
        let logEnd = logPath.flatMap { try? FileManager.default.attributesOfItem(atPath: $0)[.size] as? Int } ?? 0
        let clientAfter = ProcessCPU.ownMicroseconds()
        let wall = ProcessInfo.processInfo.systemUptime - processBefore
        let serverSeconds = serverCPU() - cpuBefore
        let clientSeconds = (clientAfter - clientBefore) / 1_000_000
        let report = try await verify(client)
        XCTAssertTrue(report.ok)
        XCTAssertEqual(report.entries, Int64(events.count))
        var summary = String(
            format: "audit append: %d events, %d batches, wall %.2f s, backend CPU %.0f µs/event, "
                + "test process CPU %.0f µs/event (handler + libpq + test)",
            events.count, (events.count + 99) / 100, wall, serverSeconds * 1e6 / Double(events.count),
            clientSeconds * 1e6 / Double(events.count))
        if let logPath, let handle = FileHandle(forReadingAtPath: logPath) {
            try handle.seek(toOffset: UInt64(logStart))
            let text = String(decoding: try handle.read(upToCount: logEnd - logStart) ?? Data(), as: UTF8.self)
            var count: [String: Int] = [:]
            var milliseconds: [String: Double] = [:]
            for line in text.split(separator: "\n") where line.contains("[\(backend)]") && line.contains("duration: ") {
                guard let range = line.range(of: "duration: ") else { continue }
                let rest = line[range.upperBound...].split(separator: " ", maxSplits: 3)
                guard rest.count >= 3, let ms = Double(rest[0]) else { continue }
                var kind = String(rest[2]).trimmingCharacters(in: .punctuationCharacters)
                if kind == "statement", rest.count > 3 {
                    kind = String(rest[3].prefix(while: { $0 != " " && $0 != ";" })).uppercased()
                }
                count[kind, default: 0] += 1
                milliseconds[kind, default: 0] += ms
            }
            let statements = count.filter { $0.key != "parse" && $0.key != "bind" }.values.reduce(0, +)
            summary += String(
                format: "; %d statements = %.2f per event; server time %.0f µs/event (without COMMIT %.0f)",
                statements, Double(statements) / Double(events.count),
                milliseconds.values.reduce(0, +) * 1000 / Double(events.count),
                (milliseconds.values.reduce(0, +) - (milliseconds["COMMIT"] ?? 0)) * 1000 / Double(events.count))
            summary +=
                "; by kind: "
                + count.keys.sorted().map { "\($0) \(count[$0]!) (\(Int(milliseconds[$0]!)) ms)" }
                .joined(separator: ", ")
        }
        print(summary)
    }
}
