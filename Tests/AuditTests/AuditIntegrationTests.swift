import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Audit

/// The audit service against real RabbitMQ and PostgreSQL: events published on `hromada.events`
/// in a throwaway vhost, the log in a throwaway database, the HTTP API over real HTTP.
final class AuditIntegrationTests: XCTestCase {
    let adminToken = "audit-test-admin-\(UUID().uuidString)"

    typealias Fixture = AuditServiceFixture

    static let captureQueue = "test.audit.checkpoints"

    func start(checkpointEvery: Int64) async throws -> Fixture {
        // Our own copy of the published checkpoints, as another party would keep it.
        try await Fixture.start(
            for: self, label: "audit-test", adminToken: adminToken,
            settings: AuditSettings(checkpointEvery: checkpointEvery, checkpointInterval: .zero),
            topology: AMQPTopology(
                exchanges: EventTopology.exchanges,
                queues: [AMQPTopology.Queue(name: Self.captureQueue, durable: true)],
                bindings: [
                    AMQPTopology.Binding(
                        queue: Self.captureQueue, exchange: Topology.eventsExchange, routingKey: "audit.checkpoint.#")
                ]))
    }

    var auth: [String: String] { ["Authorization": "Bearer \(adminToken)"] }

    func publish(_ envelopes: [Envelope], on fixture: Fixture) async throws {
        try await fixture.client.publish(envelopes.map(AMQPOutgoingMessage.init(publishing:)))
    }

    func verify(_ fixture: Fixture) async throws -> AuditVerification {
        let response = try await fixture.harness.request("GET", "/v1/verify", headers: auth)
        XCTAssertEqual(response.status, 200, response.text)
        return try response.decode(AuditVerification.self)
    }

    func trail(_ fixture: Fixture, _ number: String) async throws -> AuditTrail {
        let response = try await fixture.harness.request("GET", "/v1/trail/\(number)", headers: auth)
        XCTAssertEqual(response.status, 200, response.text)
        return try response.decode(AuditTrail.self)
    }

    func waitForEntries(_ fixture: Fixture, _ count: Int64, file: StaticString = #filePath, line: UInt = #line)
        async throws
    {
        let reached = try await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            try await verify(fixture).entries >= count
        }
        XCTAssertTrue(reached, "log did not reach \(count) entries", file: file, line: line)
        let entries = try await verify(fixture).entries
        XCTAssertEqual(entries, count, "exactly \(count) entries", file: file, line: line)
    }

    /// Every `stored` column as text, read as the superuser.
    func rawStored(_ fixture: Fixture) async throws -> [String] {
        try await fixture.admin.query("SELECT stored FROM audit.log ORDER BY seq").map {
            String(decoding: try $0.decode(0, as: [UInt8].self), as: UTF8.self)
        }
    }

    // MARK: Events

    struct Appeal {
        let id = UUID()
        let ticket = UUID()
        let number: String
        let name: String
    }

    func registered(_ a: Appeal) throws -> Envelope {
        let event = AppealRegistered(
            appealId: a.id, registrationNumber: a.number, registeredAt: Date(), kind: .complaint, category: "heating",
            author: .init(
                fullName: a.name, address: "вул. Нікольська, 10, кв. 3", email: "resident@example.org",
                preferredLanguage: .uk),
            subject: "Немає опалення", text: "Третій день холодно в квартирі",
            trackingToken: "track-\(a.number)",
            channel: "centre")
        return try Envelope(event: event, correlationId: a.id, causationId: nil, producer: "hromada-intake")
    }

    func lifecycle(_ a: Appeal) throws -> [Envelope] {
        let reg = try registered(a)
        func wrap<E: DomainEvent>(_ e: E, _ producer: String) throws -> Envelope {
            try Envelope(event: e, correlationId: a.id, causationId: reg.id, producer: producer)
        }
        let today = LocalDate(date: Date())
        return [
            reg,
            try wrap(
                TicketAssigned(
                    ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                    category: "heating",
                    priority: false, deadline: today.adding(days: 15), assignedAt: Date(), reason: "rule"),
                "hromada-routing"),
            try wrap(
                TicketAccepted(
                    ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                    officialId: "official-zhkg-1", acceptedAt: Date()), "hromada-routing"),
            try wrap(
                TicketExtended(
                    ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                    officialId: "official-zhkg-1",
                    reason: "Потрібне обстеження будинку",
                    previousDeadline: today.adding(days: 15),
                    newDeadline: today.adding(days: 45), extendedAt: Date()), "hromada-routing"),
            try wrap(
                TicketAnswered(
                    ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                    officialId: "official-zhkg-1",
                    outcome: .resolvedPositively,
                    answerText: "Шановна \(a.name), опалення відновлено.",
                    answeredAt: Date()), "hromada-routing"),
            try wrap(
                NotificationSent(
                    notificationId: UUID(), sourceEventId: UUID(), sourceEventType: TicketAnswered.eventType,
                    appealId: a.id,
                    registrationNumber: a.number, channel: .email, recipientKind: .resident, sentAt: Date()),
                "hromada-notification"),
            try wrap(
                PersonalDataAccessed(
                    appealId: a.id, registrationNumber: a.number, actorId: "official-zhkg-1", actorRole: "official",
                    authority: "zhkg", purpose: "ticket.view", service: "hromada-routing", accessedAt: Date()),
                "hromada-routing"),
        ]
    }

    // MARK: Tests

    func testLifecycleTrailRedeliveryAndErasure() async throws {
        let fixture = try await start(checkpointEvery: 1000)
        let suffix = String(Int.random(in: 100_000...999_999))
        let a = Appeal(number: "MK-2026-\(suffix)", name: "Олена Тестова-Шевчук")
        let b = Appeal(number: "MK-2026-\(suffix)B", name: "Петро Іншенко")
        let events = try lifecycle(a)
        // A type the catalogue does not know yet, from a known service (consumers accept unknown types
        // only from one of the producing services: `Producers.distrust`).
        let unknown = Envelope(
            type: "x-test.unknown-thing", version: 3, correlationId: b.id, causationId: nil,
            producer: Producers.routing, payload: ["anything": [1, 2.5, "x"]])
        try await publish(events + [try registered(b), unknown], on: fixture)
        try await waitForEntries(fixture, 9)

        // The trail: the whole lifecycle in order, decrypted.
        let first = try await trail(fixture, a.number)
        XCTAssertEqual(first.registrationNumber, a.number)
        XCTAssertEqual(first.entries.map(\.type), events.map(\.type))
        XCTAssertEqual(first.entries.map(\.eventId), events.map(\.id))
        XCTAssertEqual(first.entries.map(\.sequence), first.entries.map(\.sequence).sorted())
        XCTAssertEqual(first.entries[0].payload[path: ["author", "fullName"]], .string(a.name))
        XCTAssertEqual(first.entries[0].payload["text"], "Третій день холодно в квартирі")
        // Issue 13 item 5: the tracking code is never in the trail, only its HMAC under the appeal's key.
        let shownCode = try XCTUnwrap(first.entries[0].payload["trackingToken"]?.stringValue)
        XCTAssertTrue(shownCode.hasPrefix("hmac-sha256:"), shownCode)
        XCTAssertEqual(shownCode.count, "hmac-sha256:".count + 64)
        XCTAssertFalse(shownCode.contains("track-\(a.number)"))
        XCTAssertNotEqual(shownCode, "hmac-sha256:" + TokenHash.hash(token: "track-\(a.number)"))
        XCTAssertEqual(first.entries[3].payload["reason"], "Потрібне обстеження будинку")
        XCTAssertEqual(first.entries[4].payload["answerText"]?.stringValue?.contains(a.name), true)
        XCTAssertEqual(first.entries[2].actor, "official-zhkg-1")
        XCTAssertEqual(first.entries[0].actor, "hromada-intake")
        XCTAssertTrue(first.entries.allSatisfy { $0.hash.count == 64 })

        // Trails need a token; unknown appeals are 404.
        let anonymous = try await fixture.harness.request("GET", "/v1/trail/\(a.number)")
        XCTAssertEqual(anonymous.status, 401)
        let wrong = try await fixture.harness.request("GET", "/v1/verify", headers: ["Authorization": "Bearer nope"])
        XCTAssertEqual(wrong.status, 401)
        let missing = try await fixture.harness.request("GET", "/v1/trail/MK-1999-000000", headers: auth)
        XCTAssertEqual(missing.status, 404)

        // Reading the trail was itself recorded (personal-data.accessed through the outbox and back).
        try await waitForEntries(fixture, 10)
        let second = try await trail(fixture, a.number)
        let access = try XCTUnwrap(second.entries.last)
        XCTAssertEqual(second.entries.count, events.count + 1)
        XCTAssertEqual(access.type, PersonalDataAccessed.eventType)
        XCTAssertEqual(access.payload["actorId"], "administrator")
        XCTAssertEqual(access.payload["purpose"], "audit.trail")
        XCTAssertEqual(access.actor, "administrator")
        try await waitForEntries(fixture, 11)  // the second read's access event

        // A redelivered event (same message id) is appended once.
        let sentinel = try Envelope(
            event: TicketClosed(
                ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg", closedAt: Date(),
                closedBy: "official-zhkg-1"),
            correlationId: a.id, causationId: nil, producer: "hromada-routing")
        try await publish([events[2], events[2], sentinel], on: fixture)
        try await waitForEntries(fixture, 12)
        let copies = try await fixture.admin.count(
            "SELECT count(*)::bigint FROM audit.log WHERE event_id = \(events[2].id)")
        XCTAssertEqual(copies, 1)
        let sentinelSeq = try await fixture.admin.query("SELECT seq FROM audit.log WHERE event_id = \(sentinel.id)")
            .first?.decode(0, as: Int64.self)
        XCTAssertEqual(sentinelSeq, 12)
        // The registration number column was filled (from the payload, or the appeals map for the unknown event).
        let numbered = try await fixture.admin.count(
            "SELECT count(*)::bigint FROM audit.log WHERE registration_number = \(b.number)")
        XCTAssertEqual(numbered, 2)

        // No plaintext personal data in the stored bytes.
        for stored in try await rawStored(fixture) {
            XCTAssertFalse(
                stored.contains(a.name) || stored.contains(b.name) || stored.contains("Третій день"),
                "plaintext in the log")
        }

        // Export: JSON Lines that verify offline.
        let exportResponse = try await fixture.harness.request("GET", "/v1/export?from=1", headers: auth)
        XCTAssertEqual(exportResponse.status, 200)
        let lines = try AuditClient.parseExport(exportResponse.body)
        XCTAssertEqual(lines.map(\.sequence), Array(1...12))
        var previous = AuditChain.genesis
        for line in lines {
            XCTAssertEqual(try Hex.decode(line.prevHash), previous)
            let hash = AuditChain.link(previous: previous, stored: Array(line.stored.utf8))
            XCTAssertEqual(Hex.encode(hash), line.hash, "export line \(line.sequence) verifies offline")
            previous = hash
        }
        let partial = try AuditClient.parseExport(
            try await fixture.harness.request("GET", "/v1/export?from=5&limit=3", headers: auth).body)
        XCTAssertEqual(partial.map(\.sequence), [5, 6, 7])

        var report = try await verify(fixture)
        XCTAssertTrue(report.ok)
        XCTAssertNil(report.firstBadSequence)

        // Erasure: administrator only; destroys the key; itself audited.
        let notAdmin = try await fixture.harness.request("POST", "/v1/erase/\(a.number)")
        XCTAssertEqual(notAdmin.status, 401)
        let eraseResponse = try await fixture.harness.request("POST", "/v1/erase/\(a.number)", headers: auth)
        XCTAssertEqual(eraseResponse.status, 200, eraseResponse.text)
        let erasure = try eraseResponse.decode(AuditErasure.self)
        XCTAssertEqual(erasure.keysDestroyed, 1)
        XCTAssertFalse(erasure.alreadyErased)
        try await waitForEntries(fixture, 13)
        let again = try await fixture.harness.request("POST", "/v1/erase/\(a.number)", headers: auth)
        XCTAssertTrue(try again.decode(AuditErasure.self).alreadyErased)
        let unknownErase = try await fixture.harness.request("POST", "/v1/erase/MK-1999-000000", headers: auth)
        XCTAssertEqual(unknownErase.status, 404)

        // A late event with personal data for the erased appeal stores none.
        let late = try Envelope(
            event: TicketReopened(
                ticketId: a.ticket, appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                reopenedBy: "official-zhkg-1",
                reason: "late secret reason", reopenedAt: Date(), deadline: LocalDate(date: Date()).adding(days: 15)),
            correlationId: a.id, causationId: nil, producer: "hromada-routing")
        try await publish([late], on: fixture)
        try await waitForEntries(fixture, 14)

        let after = try await trail(fixture, a.number)
        XCTAssertEqual(after.entries.first?.payload["author"], "[erased]")
        XCTAssertEqual(after.entries.first?.payload["text"], "[erased]")
        XCTAssertEqual(after.entries.first?.payload["registrationNumber"], .string(a.number))
        XCTAssertEqual(after.entries.first { $0.type == TicketAnswered.eventType }?.payload["answerText"], "[erased]")
        XCTAssertEqual(after.entries.first { $0.type == TicketReopened.eventType }?.payload["reason"], "[erased]")
        let erasedEntry = try XCTUnwrap(after.entries.first { $0.type == PersonalDataErased.eventType })
        XCTAssertEqual(erasedEntry.payload["erasedBy"], "administrator")
        for stored in try await rawStored(fixture) {
            XCTAssertFalse(
                stored.contains(a.name) || stored.contains("late secret"), "plaintext in the log after erasure")
        }
        let keyGone = try await fixture.admin.query(
            "SELECT key IS NULL AND erased_at IS NOT NULL FROM audit.appeal_keys WHERE correlation_id = \(a.id)"
        ).first?.decode(0, as: Bool.self)
        XCTAssertEqual(keyGone, true)
        // The other appeal still reads; the chain still verifies.
        let other = try await trail(fixture, b.number)
        XCTAssertEqual(other.entries.first?.payload[path: ["author", "fullName"]], .string(b.name))
        XCTAssertEqual(other.entries.map(\.type), [AppealRegistered.eventType, "x-test.unknown-thing"])
        report = try await verify(fixture)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertGreaterThanOrEqual(report.entries, 14)
    }

    /// Issue 16: the real consumer with a batch holding one event its handler refuses (an erasure
    /// whose payload does not decode): the batch is rolled back, split, every other event appended
    /// in publishing order, the poison one dead-lettered, and the chain verifies without a gap.
    func testAPoisonEventInAPublishedBatchIsSplitOffWithoutAFork() async throws {
        let fixture = try await start(checkpointEvery: 1000)
        let suffix = String(Int.random(in: 100_000...999_999))
        let a = Appeal(number: "MK-2026-\(suffix)", name: "Олена Тестова-Шевчук")
        let b = Appeal(number: "MK-2026-\(suffix)B", name: "Петро Іншенко")
        let poison = Envelope(
            type: AppealPersonalDataErased.eventType, version: 1, correlationId: a.id, causationId: nil,
            producer: Producers.intake, payload: ["appealId": "not a uuid"])
        var events = try lifecycle(a) + [try registered(b)]
        let good = events
        events.insert(poison, at: 4)
        try await publish(events, on: fixture)
        try await waitForEntries(fixture, Int64(good.count))
        let logged = try await fixture.admin.query("SELECT event_id FROM audit.log ORDER BY seq").map {
            try $0.decode(0, as: UUID.self)
        }
        XCTAssertEqual(logged, good.map(\.id))
        let dead = await eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            ((try? await fixture.client.queueState("\(Topology.Queue.audit.rawValue).dead"))?.messages ?? 0) >= 1
        }
        XCTAssertTrue(dead, "the poison event is dead-lettered")
        let report = try await verify(fixture)
        XCTAssertTrue(report.ok, "\(report)")
        XCTAssertEqual(report.entries, Int64(good.count))
    }

    func testAppendOnlyForTheRoleAndTamperingIsDetected() async throws {
        let fixture = try await start(checkpointEvery: 5)
        let a = Appeal(number: "MK-2026-\(Int.random(in: 100_000...999_999))", name: "Марія Перевірна")
        let events = try lifecycle(a)
        var more: [Envelope] = []
        for i in 0..<3 {
            more.append(
                try Envelope(
                    event: PersonalDataAccessed(
                        appealId: a.id, registrationNumber: a.number, actorId: "official-\(i)", actorRole: "official",
                        purpose: "ticket.view", service: "hromada-routing", accessedAt: Date()),
                    correlationId: a.id, causationId: nil, producer: "hromada-routing"))
        }
        try await publish(events + more, on: fixture)  // 10 events; checkpoints at 5 and 10 add 2 entries
        try await waitForEntries(fixture, 12)
        let checkpoints = try await fixture.harness.request("GET", "/v1/checkpoints", headers: auth).decode(
            [AuditCheckpointRecord].self)
        XCTAssertEqual(checkpoints.map(\.sequence), [5, 10])
        // The copies another party kept, from the broker.
        var captured: [AuditCheckpoint] = []
        _ = await eventually(timeout: .seconds(10)) {
            while let delivery = try? await fixture.client.get(queue: Self.captureQueue) {
                if let event = try? Envelope.decode(from: delivery.body).decode(AuditCheckpoint.self) {
                    captured.append(event)
                }
                try? await fixture.client.ack(delivery)
            }
            return captured.count >= 2
        }
        XCTAssertEqual(captured.map(\.sequence), [5, 10])
        XCTAssertEqual(captured.map(\.headHash), checkpoints.map(\.headHash))
        let total: Int64 = 12
        var report = try await verify(fixture)
        XCTAssertTrue(report.ok)
        XCTAssertEqual(report.checkpointsChecked, 2)

        // The audit role: INSERT and SELECT only; the trigger stops even an owner who re-grants.
        let role = fixture.db.client()
        for statement: PostgresQuery in [
            "UPDATE log SET actor = 'x' WHERE seq = 1", "DELETE FROM log WHERE seq = 1", "TRUNCATE log",
            "UPDATE checkpoints SET entries = 0", "DELETE FROM checkpoints",
        ] {
            do {
                try await role.execute(statement)
                XCTFail("\(statement.sql) should fail for the audit role")
            } catch let error as PostgresError {
                XCTAssertEqual(error.sqlState, "42501", "\(statement.sql): \(error.safeDescription)")
            }
        }
        do {
            _ = try await role.withTransaction { connection in
                try connection.execute("GRANT UPDATE, DELETE, TRUNCATE ON log TO CURRENT_USER")
                return try connection.execute("UPDATE log SET actor = 'careless' WHERE seq = 1")
            }
            XCTFail("the trigger should refuse an UPDATE even after the owner re-grants it")
        } catch let error as PostgresError {
            XCTAssertEqual(error.sqlState, "42501")
            // The server's message is only in debugDescription (`description` is redacted).
            XCTAssertTrue(error.debugDescription.contains("append-only"), "refused by the trigger")
        }

        // Tampering as the superuser (triggers off with session_replication_role = replica).
        try await fixture.admin.withConnection { c in
            try c.executeScript(
                """
                CREATE TABLE public.log_copy AS SELECT * FROM audit.log;
                CREATE TABLE public.cp_copy AS SELECT * FROM audit.checkpoints;
                CREATE TABLE public.head_copy AS SELECT * FROM audit.chain_head;
                """)
        }
        func tamper(_ sql: String) async throws {
            try await fixture.admin.withTransaction { c in
                try c.executeScript("SET LOCAL session_replication_role = replica;\n" + sql)
            }
        }
        func restore() async throws {
            try await tamper(
                """
                DELETE FROM audit.log; INSERT INTO audit.log SELECT * FROM public.log_copy;
                DELETE FROM audit.checkpoints; INSERT INTO audit.checkpoints SELECT * FROM public.cp_copy;
                DELETE FROM audit.chain_head; INSERT INTO audit.chain_head SELECT * FROM public.head_copy;
                """)
            let healed = try await verify(fixture)
            XCTAssertTrue(healed.ok, "restored chain verifies")
        }
        let cases: [(String, String, Int64, ChainBreak)] = [
            (
                "changed stored bytes", "UPDATE audit.log SET stored = stored || '\\x20'::bytea WHERE seq = 3;", 3,
                .hashMismatch
            ),
            ("changed hash", "UPDATE audit.log SET hash = sha256('forged'::bytea) WHERE seq = 4;", 4, .hashMismatch),
            ("deleted row", "DELETE FROM audit.log WHERE seq = 5;", 5, .sequenceGap),
            ("deleted last row", "DELETE FROM audit.log WHERE seq = \(total);", total, .headMismatch),
            (
                "inserted row with a bad hash",
                """
                INSERT INTO audit.log
                SELECT seq + 1, gen_random_uuid(), event_type, correlation_id, registration_number, 'forger',
                    occurred_at, recorded_at, stored, hash, sha256('forged'::bytea)
                FROM audit.log WHERE seq = \(total);
                """, total + 1, .hashMismatch
            ),
            (
                "inserted row with a correct hash",
                """
                INSERT INTO audit.log
                SELECT seq + 1, gen_random_uuid(), event_type, correlation_id, registration_number, 'forger',
                    occurred_at, recorded_at, stored, hash, sha256(hash || stored)
                FROM audit.log WHERE seq = \(total);
                """, total + 1, .headMismatch
            ),
            (
                "swapped rows",
                """
                UPDATE audit.log SET seq = -2 WHERE seq = 2;
                UPDATE audit.log SET seq = 2 WHERE seq = 6;
                UPDATE audit.log SET seq = 6 WHERE seq = -2;
                """, 2, .previousHashMismatch
            ),
        ]
        for (name, sql, expected, reason) in cases {
            try await tamper(sql)
            report = try await verify(fixture)
            XCTAssertFalse(report.ok, name)
            XCTAssertEqual(report.firstBadSequence, expected, name)
            XCTAssertEqual(report.reason, reason.rawValue, name)
            try await restore()
        }

        // Rewriting the whole table consistently from entry 7: every hash recomputed.
        let rows = try await fixture.admin.query("SELECT seq, stored, hash FROM audit.log ORDER BY seq")
        var previous = try XCTUnwrap(rows.first { try $0.decode(0, as: Int64.self) == 6 }).decode(2, as: [UInt8].self)
        var rewritten: [(Int64, [UInt8], [UInt8], [UInt8])] = []
        for row in rows where try row.decode(0, as: Int64.self) >= 7 {
            let seq = try row.decode(0, as: Int64.self)
            var stored = try row.decode(1, as: [UInt8].self)
            if seq == 7 {
                var value = try JSONValue.parse(stored)
                value["producer"] = "hromada-forger"
                stored = try value.canonicalBytes()
            }
            let hash = AuditChain.link(previous: previous, stored: stored)
            rewritten.append((seq, stored, previous, hash))
            previous = hash
        }
        let newHead = previous
        let updates = rewritten
        let newTen = try XCTUnwrap(rewritten.first { $0.0 == 10 }).3
        try await fixture.admin.withTransaction { c in
            try c.execute("SET LOCAL session_replication_role = replica")
            for (seq, stored, prev, hash) in updates {
                try c.execute(
                    "UPDATE audit.log SET stored = \(stored), prev_hash = \(prev), hash = \(hash) WHERE seq = \(seq)")
            }
            try c.execute("UPDATE audit.chain_head SET hash = \(newHead)")
        }
        report = try await verify(fixture)
        XCTAssertFalse(report.ok, "the local checkpoints table catches the rewrite")
        XCTAssertEqual(report.firstBadSequence, 6)
        XCTAssertEqual(report.reason, ChainBreak.checkpointMismatch.rawValue)
        // The forger rewrites the local checkpoints too: only copies kept elsewhere still tell.
        try await tamper("UPDATE audit.checkpoints SET hash = decode('\(Hex.encode(newTen))', 'hex') WHERE seq = 10;")
        report = try await verify(fixture)
        XCTAssertTrue(report.ok, "a full rewrite including the local checkpoints fools the local check")
        let external = AuditVerifyRequest(
            checkpoints: captured.map { .init(sequence: $0.sequence, headHash: $0.headHash) })
        let response = try await fixture.harness.request(
            "POST", "/v1/verify", body: try JSON.encoder.encode(external),
            headers: auth.merging(["Content-Type": "application/json"]) { a, _ in a })
        XCTAssertEqual(response.status, 200, response.text)
        report = try response.decode(AuditVerification.self)
        XCTAssertFalse(report.ok, "the rewritten table disagrees with the checkpoints captured from the broker")
        XCTAssertEqual(report.firstBadSequence, 6)
        XCTAssertEqual(report.reason, ChainBreak.checkpointMismatch.rawValue)
        try await restore()
    }
}
