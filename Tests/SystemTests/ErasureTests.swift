import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaTestSupport
import Logging
import XCTest

/// Issue 19, "nothing left behind": appeals with unique names, emails and phones go through the
/// real services to the answer and closing; one is erased by an administrator, one by the
/// retention sweep; then every table of every schema (as the database superuser) and every queue
/// of the broker is searched for their personal data, and nothing is found — while an appeal still
/// open keeps its data (the search does find what is there) and the audit chain still verifies
/// and still counts the erased appeals' events.
final class ErasureTests: XCTestCase {
    /// One resident's unique personal data.
    struct Resident {
        let tag: String
        var fullName: String { "Стиранко Олена \(tag)" }
        var address: String { "вул. Забуття \(tag), 7" }
        var email: String { "erase.\(tag)@example.org" }
        let phoneDigits: String
        var phone: String { "+38067\(phoneDigits)" }
        /// What must not be found anywhere once the appeal is erased.
        var needles: [String] { [tag, email, phoneDigits] }

        static func make() -> Resident {
            Resident(
                tag: "t" + String(UInt64.random(in: 0...UInt64.max), radix: 36),
                phoneDigits: String(format: "%07d", Int.random(in: 0...9_999_999)))
        }
    }

    func testErasureLeavesNoTraceInAnyTableOrQueue() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(
            replicas: 1,
            environment: ["HROMADA_ERASURE_SWEEP_SECONDS": "2"])
        addTeardownBlock { await system.cleanup() }
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs() } }
        let http = SystemHTTP.shared
        let admin = system.adminHeaders

        let centreKey = try await system.seedCentre(id: "lib-erasure")
        let head = try await system.seedOfficial(
            name: "Голова ЖКГ", authority: "zhkg", role: "head", email: "head.zhkg@example.org")
        _ = try await eventually(timeout: .seconds(20)) {
            try await system.scalar("SELECT count(*) FROM notification.officials") >= 1
        }

        // Three residents: A is erased by an administrator, B by the retention sweep, C stays open.
        let residents = (0..<3).map { _ in Resident.make() }
        var numbers: [String] = []
        var tokens: [String] = []
        for resident in residents {
            let appeal: [String: Any] = [
                "kind": "application", "category": "heating",
                "author": [
                    "fullName": resident.fullName, "address": resident.address, "email": resident.email,
                    "phone": resident.phone, "preferredLanguage": "uk",
                ],
                "subject": "Опалення \(resident.tag)",
                "text": "Прошу перевірити опалення, \(resident.fullName).",
                "consent": true, "assistedBy": "Бібліотекарка \(resident.tag)",
                "location": ["lat": 46.97, "lon": 31.99, "address": resident.address],
            ]
            let r = try await http.json(
                "POST", system.baseURL(.intake) + "/v1/appeals", appeal,
                headers: ["Authorization": "Bearer \(centreKey)"])
            XCTAssertEqual(r.status, 201, r.text)
            numbers.append(try XCTUnwrap(try r.object()["registrationNumber"] as? String))
            tokens.append(try XCTUnwrap(try r.object()["trackingToken"] as? String))
        }

        // Each reaches the head's inbox; A and B are accepted, answered and closed.
        let headAuth = ["Authorization": "Bearer \(head.token)"]
        var tickets: [String: String] = [:]
        let routed = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            let r = try await http.request("GET", system.baseURL(.routing) + "/v1/tickets", headers: headAuth)
            guard r.status == 200, let list = try r.object()["tickets"] as? [[String: Any]] else { return false }
            for t in list {
                if let n = t["registrationNumber"] as? String, let id = t["id"] as? String { tickets[n] = id }
            }
            return numbers.allSatisfy { tickets[$0] != nil }
        }
        XCTAssertTrue(routed, "not every appeal reached the zhkg inbox: \(tickets)")
        for number in numbers.prefix(2) {
            let ticket = try XCTUnwrap(tickets[number])
            let base = system.baseURL(.routing) + "/v1/tickets/\(ticket)"
            let accepted = try await http.json("POST", base + "/accept", [String: Any](), headers: headAuth)
            XCTAssertEqual(accepted.status, 200, accepted.text)
            let answered = try await http.json(
                "POST", base + "/answer",
                ["outcome": "resolved-positively", "text": "Відповідь для \(number)."], headers: headAuth)
            XCTAssertEqual(answered.status, 200, answered.text)
            if try answered.object()["status"] as? String != "answered" {
                let signed = try await http.json("POST", base + "/sign", [String: Any](), headers: headAuth)
                XCTAssertEqual(signed.status, 200, signed.text)
            }
            let closed = try await http.json("POST", base + "/close", [String: Any](), headers: admin)
            XCTAssertEqual(closed.status, 200, closed.text)
        }
        for (number, token) in zip(numbers, tokens).prefix(2) {
            let closedInIntake = try await eventually(timeout: .seconds(20), every: .milliseconds(300)) {
                let r = try await http.request("GET", system.baseURL(.intake) + "/v1/appeals/\(number)?token=\(token)")
                guard r.status == 200 else { return false }
                return try r.object()["status"] as? String == "closed"
            }
            XCTAssertTrue(closedInIntake, "intake never saw \(number) closed")
        }
        let (numberA, numberB, numberC) = (numbers[0], numbers[1], numbers[2])

        // The resident's statement: what is held about the appeal and who viewed it (the head's
        // actions recorded by routing as `personal-data.accessed`), as JSON and as a printable page.
        let statementURL = system.baseURL(.intake) + "/v1/appeals/\(numberA)/statement?token=\(tokens[0])"
        var statementText = ""
        let viewed = try await eventually(timeout: .seconds(20), every: .milliseconds(300)) {
            let r = try await http.request("GET", statementURL)
            statementText = r.text
            guard r.status == 200 else { return false }
            let accesses = try r.object()["accesses"] as? [[String: Any]] ?? []
            return accesses.contains { $0["purpose"] as? String == "ticket.answer" }
        }
        XCTAssertTrue(viewed, "the statement lists no access: \(statementText)")
        XCTAssertTrue(statementText.contains(residents[0].email), statementText)
        XCTAssertTrue(statementText.contains("erasableFrom"), "a closed appeal's statement says when it is erased")
        let statementPage = try await TrackingPageClient.get(
            system.baseURL(.intake) + "/track/statement?number=\(numberA)&token=\(tokens[0])&lang=en")
        XCTAssertEqual(statementPage.status, 200)
        XCTAssertTrue(statementPage.text.contains(residents[0].phone), "the page shows the phone held")
        XCTAssertTrue(statementPage.text.contains("ticket.answer"), "the page shows who viewed the data")
        let tracking = try await TrackingPageClient.get(
            system.baseURL(.intake) + "/track?number=\(numberA)&token=\(tokens[0])&lang=en")
        XCTAssertTrue(tracking.text.contains("id=\"statement-link\""), "the tracking page links to the statement")
        let wrongToken = try await http.request(
            "GET", system.baseURL(.intake) + "/v1/appeals/\(numberA)/statement?token=\(tokens[1])")
        XCTAssertEqual(wrongToken.status, 404, "another appeal's code opens nothing")
        let erase = system.baseURL(.intake) + "/v1/admin/appeals/"

        // Refusals: no reason; an open appeal; no administrator.
        let noReason = try await http.json("POST", erase + "\(numberA)/erase", [String: Any](), headers: admin)
        XCTAssertEqual(noReason.status, 422, noReason.text)
        let open = try await http.json("POST", erase + "\(numberC)/erase", ["reason": "test"], headers: admin)
        XCTAssertEqual(open.status, 409, open.text)
        let anonymous = try await http.json("POST", erase + "\(numberA)/erase", ["reason": "test"])
        XCTAssertEqual(anonymous.status, 401, anonymous.text)

        // A: the administrator's decision with its legal reason.
        let reason = "Art. 8 of the personal-data law: the resident withdrew consent; file closed"
        let erased = try await http.json("POST", erase + "\(numberA)/erase", ["reason": reason], headers: admin)
        XCTAssertEqual(erased.status, 202, erased.text)
        XCTAssertEqual(try erased.object()["reason"] as? String, reason)
        let again = try await http.json("POST", erase + "\(numberA)/erase", ["reason": reason], headers: admin)
        XCTAssertEqual(again.status, 200, again.text)
        XCTAssertEqual(try again.object()["erasedNow"] as? Bool, false)

        // B: its retention ends (closed eight years ago), and the sweep erases it by itself.
        _ = try await system.adminQuery(
            "UPDATE intake.appeals SET last_event_at = now() - interval '8 years' "
                + "WHERE registration_number = \(numberB)"
        )

        // Every service confirms both erasures.
        for number in [numberA, numberB] {
            var last = ""
            let complete = try await eventually(timeout: .seconds(40), every: .milliseconds(500)) {
                let r = try await http.request(
                    "GET", system.baseURL(.intake) + "/v1/admin/erasures/\(number)", headers: admin)
                last = r.text
                guard r.status == 200 else { return false }
                return try r.object()["complete"] as? Bool == true
            }
            XCTAssertTrue(complete, "erasure of \(number) incomplete: \(last)")
        }
        let metrics = try await http.request("GET", system.baseURL(.routing) + "/metrics")
        XCTAssertTrue(
            metrics.text.split(separator: "\n").contains {
                $0.hasPrefix("hromada_erasures_applied_total") && $0.hasSuffix(" 2")
            },
            "routing counts its two erasures")
        let listed = try await http.request("GET", system.baseURL(.intake) + "/v1/admin/erasures", headers: admin)
        let list = try listed.object()
        XCTAssertEqual((list["complete"] as? NSNumber)?.intValue, 2, listed.text)
        XCTAssertEqual((list["waiting"] as? NSNumber)?.intValue, 0, listed.text)
        let triggers = (list["erasures"] as? [[String: Any]] ?? []).compactMap { $0["trigger"] as? String }.sorted()
        XCTAssertEqual(triggers, ["administrator", "retention"])

        // The erased appeal's statement and tracking page open no more (the tracking code is gone).
        let statementAfter = try await http.request("GET", statementURL)
        XCTAssertEqual(statementAfter.status, 404, statementAfter.text)

        // A replayed ticket event of an erased appeal brings nothing back (tombstones).
        let replayed = try await replayAcceptance(of: numberA, ticket: try XCTUnwrap(tickets[numberA]), system: system)
        let replayConsumed = try await eventually(timeout: .seconds(20), every: .milliseconds(300)) {
            try await system.scalar("SELECT count(*) FROM intake.inbox WHERE message_id = '\(replayed)'") == 1
        }
        XCTAssertTrue(replayConsumed, "intake never consumed the replayed event")
        let replayEffects = try await system.scalar(
            "SELECT count(*) FROM intake.appeal_history WHERE event_id = '\(replayed)'")
        XCTAssertEqual(replayEffects, 0, "the replayed event reached an erased appeal's history")
        let statusA = try await system.adminQuery(
            "SELECT status FROM intake.appeals WHERE registration_number = \(numberA)")
        XCTAssertEqual(try statusA.first?.decode(0, as: String.self), "closed")

        // Let everything settle: outboxes relayed, queues drained.
        let settled = try await eventually(timeout: .seconds(30), every: .milliseconds(500)) {
            let outbox = try await system.outboxBacklog()
            let queued = try await system.queueBacklog()
            return outbox == 0 && queued == 0
        }
        XCTAssertTrue(settled, "outboxes or queues never drained")

        // Nothing of A or B in any table of any schema; C (still open) is found, so the search works.
        let tables = try await everyTable(system)
        XCTAssertTrue(tables.contains("intake.appeals") && tables.contains("audit.log"), "\(tables)")
        for resident in residents.prefix(2) {
            for needle in resident.needles {
                let hits = try await tablesContaining(needle, tables: tables, system: system)
                XCTAssertEqual(hits, [], "\(needle) of an erased appeal is still in \(hits)")
            }
        }
        let controlHits = try await tablesContaining(residents[2].tag, tables: tables, system: system)
        XCTAssertTrue(controlHits.contains("intake.appeals"), "the open appeal's data was not found: \(controlHits)")
        XCTAssertTrue(controlHits.contains("routing.appeals"), "the open appeal's data was not found: \(controlHits)")

        // Nor in any queue of the broker.
        let messages = try await system.broker.peekEveryMessage()
        for resident in residents.prefix(2) {
            for needle in resident.needles {
                let queues = messages.filter { $0.value.contains { $0.contains(needle) } }.map(\.key)
                XCTAssertEqual(queues, [], "\(needle) of an erased appeal is still queued in \(queues)")
            }
        }

        // The non-personal facts remain: the appeals and tickets are still counted; the chain verifies
        // and still holds the erased appeals' events, their fields shown as erased.
        let kept = try await system.scalar(
            "SELECT count(*) FROM intake.appeals "
                + "WHERE registration_number IN ('\(numberA)', '\(numberB)') AND category = 'heating'"
        )
        XCTAssertEqual(kept, 2)
        let closedTickets = try await system.scalar(
            "SELECT count(*) FROM routing.tickets "
                + "WHERE registration_number IN ('\(numberA)', '\(numberB)') AND status = 'closed'"
        )
        XCTAssertEqual(closedTickets, 2)
        let verify = try await http.request("GET", system.baseURL(.audit) + "/v1/verify", headers: admin)
        XCTAssertEqual(try verify.object()["ok"] as? Bool, true, verify.text)
        for number in [numberA, numberB] {
            let trail = try await http.request("GET", system.baseURL(.audit) + "/v1/trail/\(number)", headers: admin)
            XCTAssertEqual(trail.status, 200, trail.text)
            let entries = try trail.object()["entries"] as? [[String: Any]] ?? []
            let types = Set(entries.compactMap { $0["type"] as? String })
            for type in ["appeal.registered", "ticket.answered", "ticket.closed", AppealPersonalDataErased.eventType] {
                XCTAssertTrue(types.contains(type), "\(number)'s trail lacks \(type): \(types.sorted())")
            }
            let confirmations = entries.filter { $0["type"] as? String == AppealPersonalDataErasureConfirmed.eventType }
            XCTAssertEqual(confirmations.count, 4, "\(number): one confirmation per service")
            XCTAssertTrue(trail.text.contains("[erased]"), "\(number)'s trail does not show its fields erased")
            for needle in residents[number == numberA ? 0 : 1].needles {
                XCTAssertFalse(trail.text.contains(needle), "\(number)'s trail still shows \(needle)")
            }
        }
        reachedEnd = true
    }

    /// docs/RETENTION.md, "Backups": a service restored from a backup taken before an erasure holds
    /// the data again; republishing the recorded erasures erases it again. An erasure from the
    /// ledger is applied even though the restored copy shows the appeal open.
    func testARestoredServiceIsErasedAgain() async throws {
        try IntegrationEnvironment.requireServers()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        var reachedEnd = false
        defer { if !reachedEnd || (testRun?.failureCount ?? 0) > 0 { system.printLogs() } }
        let http = SystemHTTP.shared
        let admin = system.adminHeaders
        let centreKey = try await system.seedCentre(id: "lib-restore")
        let resident = Resident.make()
        let appeal: [String: Any] = [
            "kind": "proposal", "category": "roads",
            "author": ["fullName": resident.fullName, "address": resident.address, "email": resident.email],
            "subject": "Дорога \(resident.tag)",
            "text": "Ями на дорозі біля будинку, \(resident.fullName).",
        ]
        let r = try await http.json(
            "POST", system.baseURL(.intake) + "/v1/appeals", appeal, headers: ["Authorization": "Bearer \(centreKey)"])
        XCTAssertEqual(r.status, 201, r.text)
        let number = try XCTUnwrap(try r.object()["registrationNumber"] as? String)
        let copied = try await eventually(timeout: .seconds(20), every: .milliseconds(300)) {
            try await system.scalar("SELECT count(*) FROM routing.appeals WHERE author_email = '\(resident.email)'")
                == 1
        }
        XCTAssertTrue(copied, "routing never got the appeal")

        // The ledger's erasure is applied though the appeal is still open (as a restored copy may show it).
        let refused = try await http.json(
            "POST", system.baseURL(.intake) + "/v1/admin/appeals/\(number)/erase", ["reason": "court decision"],
            headers: admin)
        XCTAssertEqual(refused.status, 409, refused.text)
        let reapplied = try await http.json(
            "POST", system.baseURL(.intake) + "/v1/admin/appeals/\(number)/erase",
            ["reason": "erased again after a restore: court decision", "reapply": true], headers: admin)
        XCTAssertEqual(reapplied.status, 202, reapplied.text)
        let erased = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            try await system.scalar("SELECT count(*) FROM routing.appeals WHERE author_email = '\(resident.email)'")
                == 0
        }
        XCTAssertTrue(erased, "routing did not erase")

        // Routing is "restored" from an older backup: the data and no tombstone.
        _ = try await system.adminQuery(
            "UPDATE routing.appeals SET author_name = \(resident.fullName), author_email = \(resident.email) "
                + "WHERE registration_number = \(number)")
        _ = try await system.adminQuery("DELETE FROM routing.erasure_tombstones WHERE registration_number = \(number)")
        let republished = try await http.request(
            "POST", system.baseURL(.intake) + "/v1/admin/erasures/republish", headers: admin)
        XCTAssertEqual(republished.status, 200, republished.text)
        XCTAssertEqual((try republished.object()["republished"] as? NSNumber)?.intValue, 1, republished.text)
        let erasedAgain = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            try await system.scalar(
                "SELECT count(*) FROM routing.appeals WHERE author_email = '\(resident.email)' "
                    + "OR author_name LIKE '%\(resident.tag)%'") == 0
        }
        XCTAssertTrue(erasedAgain, "the restored routing copy was not erased again")
        let tombstone = try await system.scalar(
            "SELECT count(*) FROM routing.erasure_tombstones WHERE registration_number = '\(number)'")
        XCTAssertEqual(tombstone, 1, "the tombstone is back")
        reachedEnd = true
    }

    // MARK: Helpers

    /// Publishes a fresh `ticket.accepted` for an erased appeal, as routing would (a replay); returns its id.
    func replayAcceptance(of number: String, ticket: String, system: SystemHarness) async throws -> UUID {
        let rows = try await system.adminQuery("SELECT id FROM intake.appeals WHERE registration_number = \(number)")
        let appealId = try XCTUnwrap(rows.first).decode(0, as: UUID.self)
        let event = TicketAccepted(
            ticketId: try XCTUnwrap(UUID(uuidString: ticket)), appealId: appealId, registrationNumber: number,
            authority: "zhkg", officialId: "replay", acceptedAt: Date())
        let envelope = try Envelope(
            event: event, correlationId: appealId, causationId: nil, producer: "hromada-routing")
        var logger = Logger(label: "hromada.erasure-test")
        logger.logLevel = .warning
        let client = AMQPClient(configuration: try system.broker.configuration(name: "erasure-replay"), logger: logger)
        do {
            try await client.publish([
                AMQPOutgoingMessage(
                    exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try envelope.encoded(),
                    properties: AMQPProperties(
                        contentType: "application/json", deliveryMode: 2,
                        messageID: envelope.id.uuidString.lowercased(),
                        type: envelope.type, correlationID: appealId.uuidString.lowercased(), appID: envelope.producer,
                        timestamp: envelope.occurredAt))
            ])
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        return envelope.id
    }

    /// `schema.table` of every table outside PostgreSQL's own schemas.
    func everyTable(_ system: SystemHarness) async throws -> [String] {
        let rows = try await system.adminQuery(
            """
            SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
              AND table_schema NOT LIKE 'pg_toast%'
            ORDER BY 1
            """)
        return try rows.map { try $0.decode(0, as: String.self) }
    }

    /// The tables with a row whose text (every column; byte columns as hex) contains `needle`.
    func tablesContaining(_ needle: String, tables: [String], system: SystemHarness) async throws -> [String] {
        let hex = Data(needle.utf8).map { String(format: "%02x", $0) }.joined()
        let patterns = ["%\(needle)%", "%\(hex)%"]
        var hits: [String] = []
        for table in tables {
            let parts = table.split(separator: ".", maxSplits: 1).map { "\"\($0)\"" }
            var query = PostgresQuery(
                stringLiteral: "SELECT count(*) FROM \(parts.joined(separator: ".")) AS r WHERE r::text ILIKE ANY($1)")
            query.binds = [PostgresBind(patterns)]
            let count = try await system.adminQuery(query).first?.decode(0, as: Int64.self) ?? 0
            if count > 0 { hits.append(table) }
        }
        return hits
    }
}
