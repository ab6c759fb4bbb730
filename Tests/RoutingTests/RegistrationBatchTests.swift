import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Routing

/// A consumer batch of `appeal.registered` written with a fixed number of statements (issue 16),
/// against a real PostgreSQL, through the consumer's own path (inbox claim + handler, one transaction):
/// what it costs, that it opens the tickets the domain decides (payloads and order), that a batch
/// mixing new and already handled appeals changes only the new ones, that reference data changed
/// by another replica between two batches is honoured, and that a poison event fails its batch and,
/// alone, only itself.
final class RegistrationBatchTests: XCTestCase {
    typealias Bench = RegistrationBatchBench

    func envelopes(_ indexes: Range<Int>, tag: Int = Int.random(in: 100...999)) throws -> [Envelope] {
        try indexes.map { try Bench.envelope(Bench.appeal($0, tag: tag)) }
    }

    // MARK: Cost

    func testABatchCostsTheSameStatementsWhateverItsSize() async throws {
        let bench = try await Bench.make(for: self)
        // Twice, so every statement is prepared (the cache prepares a statement on its second run).
        try await bench.apply(try envelopes(0..<20))
        try await bench.apply(try envelopes(0..<20))
        // Both batches hold a complaint (index 7), a photo (3) and a place (1): every statement runs.
        let tenEvents = try envelopes(0..<10)
        let ten = try await bench.apply(tenEvents)
        let sixty = try await bench.apply(try envelopes(0..<60))
        XCTAssertEqual(ten, sixty, "the statements of a batch do not grow with its size")
        // BEGIN, inbox claim, erasure tombstones, appeals with photos and places, reference data,
        // complaints' decisions, tickets with history and outbox, COMMIT.
        XCTAssertEqual(sixty, 8)
        let tickets = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 110)
        // A redelivered batch: the inbox claim finds nothing new, nothing else runs.
        let redelivered = try await bench.apply(tenEvents)
        XCTAssertEqual(redelivered, 3, "BEGIN, inbox claim, COMMIT")
        // Known appeals under new message ids: no reference data, tickets, history or events.
        let known = try tenEvents.map { try Bench.envelope($0.decode(AppealRegistered.self)) }
        let repeated = try await bench.apply(known)
        XCTAssertEqual(repeated, 5, "BEGIN, inbox, tombstones, appeals (with photos and places), COMMIT")
        let unchanged = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(unchanged, 110)
    }

    // MARK: The same tickets, history and events as the domain decides

    func testTicketsHistoryAndEventsAreThoseTheDomainDecides() async throws {
        let bench = try await Bench.make(for: self)
        let appeals = (0..<40).map { Bench.appeal($0) }
        let batch = try appeals.map(Bench.envelope)
        try await bench.apply(batch)

        let outbox = try await bench.outbox()
        XCTAssertEqual(outbox.map(\.type), Array(repeating: TicketAssigned.eventType, count: 40))
        XCTAssertEqual(outbox.map(\.appealId), appeals.map(\.appealId), "events in the batch's order")
        for (index, appeal) in appeals.enumerated() {
            let expected = Ticket.open(
                for: appeal, id: UUID(), rules: AppealRouter.seedRules,
                categoryDefault: Reference.category(code: appeal.category)?.defaultAuthority,
                termDays: Reference.category(code: appeal.category)?.termDays ?? Law.studyTermDays,
                hierarchy: .seed, by: Producers.routing, at: Bench.registered)
            let row = try await bench.client.query(
                """
                SELECT t.id, t.authority, t.deadline::text, t.priority, t.head_personally, t.status, t.kind,
                    t.terms_start_on::text, t.created_at, h.action, h.actor, h.to_status, h.authority, h.note, h.at,
                    a.source_event_id, a.author_email, a.district
                FROM tickets t JOIN ticket_history h ON h.ticket_id = t.id JOIN appeals a ON a.appeal_id = t.appeal_id
                WHERE t.appeal_id = \(appeal.appealId)
                """)
            XCTAssertEqual(row.count, 1, "one ticket and one history row for appeal \(index)")
            let r = try XCTUnwrap(row.first)
            let t = expected.ticket
            XCTAssertEqual(try r.decode(1, as: String.self), t.authority, "appeal \(index)")
            XCTAssertEqual(try r.decode(2, as: String.self), t.deadline.description, "appeal \(index)")
            XCTAssertEqual(try r.decode(3, as: Bool.self), t.priority)
            XCTAssertEqual(try r.decode(4, as: Bool.self), t.headPersonally)
            XCTAssertEqual(try r.decode(5, as: String.self), "assigned")
            XCTAssertEqual(try r.decode(6, as: String.self), appeal.kind.rawValue)
            XCTAssertEqual(try r.decode(7, as: String.self), t.termsStartOn.description)
            XCTAssertEqual(try r.decode(8, as: Date.self), Bench.registered)
            XCTAssertEqual(try r.decode(9, as: String.self), expected.history.action)
            XCTAssertEqual(try r.decode(10, as: String.self), Producers.routing)
            XCTAssertEqual(try r.decode(11, as: String.self), "assigned")
            XCTAssertEqual(try r.decode(12, as: String.self), t.authority)
            XCTAssertEqual(try r.decode(13, as: String?.self), expected.history.note)
            XCTAssertEqual(try r.decode(14, as: Date.self), Bench.registered)
            XCTAssertEqual(try r.decode(15, as: UUID.self), batch[index].id)
            XCTAssertEqual(try r.decode(16, as: String?.self), appeal.author.email)
            XCTAssertEqual(try r.decode(17, as: String?.self), appeal.district, "NULL stays NULL")

            let envelope = outbox[index].envelope
            XCTAssertEqual(envelope.causationId, batch[index].id)
            XCTAssertEqual(envelope.correlationId, appeal.appealId)
            XCTAssertEqual(envelope.producer, Producers.routing)
            XCTAssertEqual(envelope.occurredAt, ISO8601.roundedToMilliseconds(Bench.registered))
            XCTAssertEqual(envelope.routingKey, "ticket.assigned.v1.\(t.authority)")
            var assigned = try XCTUnwrap(expected.events.first as? TicketAssigned)
            assigned.ticketId = try r.decode(0, as: UUID.self)
            XCTAssertEqual(try envelope.decode(TicketAssigned.self), assigned, "appeal \(index)")
        }
        // The photos' references and places, as the event carried them.
        let photos = try await bench.count("SELECT count(*)::bigint FROM appeal_photos")
        XCTAssertEqual(photos, appeals.filter { $0.photos != nil }.count)
        let places = try await bench.count("SELECT count(*)::bigint FROM appeal_places")
        XCTAssertEqual(places, appeals.filter { $0.location != nil || $0.mediaURL != nil }.count)
        let links = try await bench.count("SELECT count(*)::bigint FROM appeal_places WHERE lat IS NULL")
        XCTAssertEqual(links, appeals.filter { $0.location == nil && $0.mediaURL != nil }.count)
    }

    // MARK: New and already handled appeals in one batch

    func testABatchMixingNewAndAlreadyHandledAppealsChangesOnlyTheNewOnes() async throws {
        let bench = try await Bench.make(for: self)
        let a = Bench.appeal(0)
        let b = Bench.appeal(1)
        let c = Bench.appeal(2)
        let d = Bench.appeal(3)
        let (ea, eb) = (try Bench.envelope(a), try Bench.envelope(b))
        let (ec, ed) = (try Bench.envelope(c), try Bench.envelope(d))
        try await bench.apply([ea, eb])
        // ea again (a redelivery: the inbox drops it), b again under another message id (known appeal),
        // c and d new, c again under another message id in the same batch.
        let eb2 = try Bench.envelope(b)
        let ec2 = try Bench.envelope(c)
        try await bench.apply([ea, eb2, ec, ed, ec2])

        let tickets = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 4)
        let history = try await bench.count("SELECT count(*)::bigint FROM ticket_history")
        XCTAssertEqual(history, 4)
        let inbox = try await bench.count("SELECT count(*)::bigint FROM inbox")
        XCTAssertEqual(inbox, 6)
        let outbox = try await bench.outbox()
        XCTAssertEqual(
            outbox.map(\.appealId), [a, b, c, d].map(\.appealId), "one ticket.assigned per appeal, in order")
        XCTAssertEqual(outbox.map(\.envelope.causationId), [ea.id, eb.id, ec.id, ed.id], "caused by the first")
        let sources = try await bench.client.query(
            "SELECT source_event_id FROM appeals WHERE appeal_id = ANY(\([b.appealId, c.appealId]))"
        ).map { try $0.decode(0, as: UUID.self) }
        XCTAssertEqual(Set(sources), [eb.id, ec.id])

        // And straight through the store: nil for the known appeals, a ticket for the new one.
        let e = Bench.appeal(4)
        let created = try await bench.client.withTransaction { connection in
            try RoutingStore.createTickets(
                from: [a, e, e, c].map {
                    RoutingStore.Registration(appeal: $0, eventId: UUID(), now: Bench.registered)
                },
                in: UnitOfWork.Transaction(connection: connection, producer: Producers.routing))
        }
        XCTAssertEqual(created.map { $0 != nil }, [false, true, false, false])
    }

    // MARK: Reference data changed between two batches

    func testReferenceDataChangedByAnotherReplicaBetweenBatchesIsHonoured() async throws {
        let bench = try await Bench.make(for: self)
        func complaint(_ index: Int) -> AppealRegistered {
            RoutingFixture.appeal(
                category: "heating", kind: .complaint, against: "zhkg", registeredAt: Bench.registered,
                number: 500_000 + index)
        }
        func heating(_ index: Int) -> AppealRegistered {
            RoutingFixture.appeal(category: "heating", registeredAt: Bench.registered, number: 600_000 + index)
        }
        let first = [heating(1), complaint(1)]
        try await bench.apply(try first.map(Bench.envelope))

        // Another replica's administrator: heating to the mayor's reception, zhkg under the mayor's
        // reception, and heating's term made 30 days (what a newer release's seed would write).
        let other = bench.db.client(poolSize: 1)
        defer { Task { await other.close() } }
        var rules = AppealRouter.seedRules
        let heatingRule = try XCTUnwrap(rules.firstIndex { $0.category == "heating" && $0.district == nil })
        rules[heatingRule] = RoutingRule(category: "heating", authority: "health")
        var parents = AuthorityHierarchy.seed.parents
        parents["zhkg"] = "mayor-reception"
        let (newRules, hierarchy) = (rules, AuthorityHierarchy(parents: parents))
        try await other.withTransaction { connection in
            let tx = UnitOfWork.Transaction(connection: connection, producer: Producers.routing)
            _ = try RoutingStore.replaceRules(
                RuleSetUpdate(expectedVersion: 1, rules: newRules), changedBy: "admin", now: Bench.registered, in: tx)
            _ = try RoutingStore.replaceHierarchy(hierarchy, in: tx)
            try connection.execute("UPDATE categories SET term_days = 30 WHERE code = 'heating'")
        }

        let second = [heating(2), complaint(2)]
        try await bench.apply(try second.map(Bench.envelope))
        func ticket(_ appeal: AppealRegistered) async throws -> (String, String) {
            let row = try await bench.client.query(
                "SELECT authority, deadline::text FROM tickets WHERE appeal_id = \(appeal.appealId)")
            return (try XCTUnwrap(row.first).decode(0, as: String.self), try row[0].decode(1, as: String.self))
        }
        let registeredOn = LocalDate(date: Bench.registered, in: .kyiv)
        let before = (try await ticket(first[0]), try await ticket(first[1]))
        XCTAssertEqual(before.0.0, "zhkg")
        XCTAssertEqual(before.0.1, Lifecycle.initialDeadline(registeredOn: registeredOn, termDays: 15).description)
        XCTAssertEqual(before.1.0, AuthorityHierarchy.executiveCommittee.code)
        let after = (try await ticket(second[0]), try await ticket(second[1]))
        XCTAssertEqual(after.0.0, "health", "the new rule set")
        XCTAssertEqual(after.0.1, Lifecycle.initialDeadline(registeredOn: registeredOn, termDays: 30).description)
        XCTAssertEqual(after.1.0, "mayor-reception", "the new hierarchy")
    }

    // MARK: Failures

    func testAPoisonEventFailsItsBatchAndAloneOnlyItself() async throws {
        let bench = try await Bench.make(for: self)
        let good = try envelopes(0..<4)
        var poison = good[1]
        poison.id = UUID()
        guard case .object(var payload) = poison.payload else { return XCTFail("payload is an object") }
        payload["category"] = nil
        poison.payload = .object(payload)
        let batch = [good[0], poison, good[2], good[3]]
        do {
            try await bench.apply(batch)
            XCTFail("the batch must fail")
        } catch {
            XCTAssertTrue(error is PermanentEventError, "\(error)")
        }
        let nothing = try await bench.count(
            "SELECT (SELECT count(*) FROM tickets) + (SELECT count(*) FROM inbox) + (SELECT count(*) FROM outbox)")
        XCTAssertEqual(nothing, 0, "the failed batch left nothing behind")
        // The consumer's split: each event alone.
        let failed = await bench.applyOneByOne(batch)
        XCTAssertEqual(failed, [poison.id])
        let tickets = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, 3)
        // Redelivered afterwards, the whole batch changes nothing more (the poison still fails alone).
        let failedAgain = await bench.applyOneByOne(batch)
        XCTAssertEqual(failedAgain, [poison.id])
        let again = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(again, 3)
    }

    func testAReturnAfterItsRegistrationInTheSameBatchClosesTheTicket() async throws {
        let bench = try await Bench.make(for: self)
        let appeal = Bench.appeal(0)
        let returned = try Envelope(
            event: AppealReturned(
                appealId: appeal.appealId, registrationNumber: appeal.registrationNumber, reason: "no address",
                returnedAt: Bench.registered),
            correlationId: appeal.appealId, causationId: nil, producer: Producers.intake)
        let later = Bench.appeal(1)
        try await bench.apply([try Bench.envelope(appeal), returned, try Bench.envelope(later)])
        let status = try await bench.client.query(
            "SELECT status FROM tickets WHERE appeal_id = \(appeal.appealId)"
        ).first?.decode(0, as: String.self)
        XCTAssertEqual(status, "closed")
        let outbox = try await bench.outbox()
        XCTAssertEqual(outbox.map(\.appealId), [appeal.appealId, appeal.appealId, later.appealId])
        XCTAssertEqual(outbox.first?.type, TicketAssigned.eventType)
        XCTAssertEqual(outbox.last?.type, TicketAssigned.eventType)
    }
}
