import Foundation
import HromadaAMQP
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

/// The resident's say on an answer (issue 15) across the four services, against the real
/// PostgreSQL and RabbitMQ: ratings on the tracking page aggregate per authority in audit's report
/// API; a dispute from the tracking page becomes, in routing, a complaint to the body above the
/// one that answered, whose officials are told, with every step in the audit trail; a redelivered
/// `appeal.disputed` has no second effect and a forged one (another producer) is refused.
final class SayIntegrationTests: XCTestCase {
    static let observeQueue = "test.say.disputed"

    struct Appeal {
        var number: String
        var token: String
    }

    func testResidentsRateAndDisputeAndRoutingSendsTheComplaintUp() async throws {
        let system = try await SecuritySystem.start(self)
        let admin = ["Authorization": "Bearer \(SecuritySystem.adminToken)"]
        // A head who signs zhkg's answers, and officials with email at zhkg and the executive committee.
        let head = try await official(system, name: "Петро Головко", authority: "zhkg", role: "head")
        _ = try await official(
            system, name: "Ганна Мельник", authority: "zhkg", role: "official",
            email: "melnyk@zhkg.example.org")
        let mayor = try await official(
            system, name: "Олег Мер", authority: "executive-committee", role: "head",
            email: "mayor@city.example.org")
        // Capture `appeal.disputed` as it travels (sealed), to redeliver and forge it below.
        try await system.client.declare(
            AMQPTopology(
                exchanges: [], queues: [AMQPTopology.Queue(name: Self.observeQueue, durable: true)],
                bindings: [
                    AMQPTopology.Binding(
                        queue: Self.observeQueue, exchange: Topology.eventsExchange, routingKey: "appeal.disputed.v1")
                ]))

        let first = try await answeredAppeal(
            system, head: head, text: "Відмовлено: ремонт мережі у 2027 році.")
        let second = try await answeredAppeal(
            system, head: head, text: "Роз'яснено порядок подання заявки.")

        // Ratings: once per answer; the same again lands on the same result, another is refused.
        var r = try await post(system, "/track/rating", ["number": first.number, "token": first.token, "rating": "4"])
        XCTAssertEqual(r.status, 303, r.text)
        XCTAssertEqual(r.headers["location"].map { $0.contains("/track/said?what=rated") }, true, "\(r.headers)")
        XCTAssertFalse(r.headers["location"]?.contains(first.token) ?? true, "the code never in an address")
        r = try await post(system, "/track/rating", ["number": first.number, "token": first.token, "rating": "4"])
        XCTAssertEqual(r.headers["location"].map { $0.contains("what=again") }, true, "a double click: \(r.text)")
        r = try await post(system, "/track/rating", ["number": first.number, "token": first.token, "rating": "1"])
        XCTAssertEqual(r.status, 422, "one rating per answer")
        r = try await post(system, "/track/rating", ["number": first.number, "token": "WRONG-CODE", "rating": "1"])
        XCTAssertEqual(r.status, 404, "the code is checked again from the post")
        r = try await post(system, "/track/rating", ["number": second.number, "token": second.token, "rating": "2"])
        XCTAssertEqual(r.status, 303, r.text)
        r = try await post(system, "/track/rating", ["number": second.number, "token": second.token, "rating": "9"])
        XCTAssertEqual(r.status, 422)

        // Audit's report: per authority, count, average and distribution.
        var report: RatingJSON.Report?
        let aggregated = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let got = try await system.harness("audit").request("GET", "/v1/reports/ratings", headers: admin)
            report = try? got.decode(RatingJSON.Report.self)
            return report?.total.count == 2
        }
        XCTAssertTrue(aggregated, "two ratings reach audit's report: \(String(describing: report))")
        let zhkg = try XCTUnwrap(report?.authorities.first { $0.authority == "zhkg" })
        XCTAssertEqual(zhkg.count, 2)
        XCTAssertEqual(zhkg.average, 3.0)
        XCTAssertEqual(zhkg.distribution, [0, 1, 0, 1, 0])
        XCTAssertEqual(report?.authorities.count, 1)

        // The dispute, from the tracking page.
        r = try await post(system, "/track/dispute", ["number": first.number, "token": first.token, "reason": "ні"])
        XCTAssertEqual(r.status, 422, "a reason of a few words at least")
        let reason = "Не згодна з відмовою: батареї холодні вже місяць."
        r = try await post(
            system, "/track/dispute", ["number": first.number, "token": first.token, "reason": reason])
        XCTAssertEqual(r.status, 303, r.text)
        XCTAssertEqual(r.headers["location"].map { $0.contains("what=disputed") }, true)
        r = try await post(
            system, "/track/dispute", ["number": first.number, "token": first.token, "reason": reason])
        XCTAssertEqual(r.headers["location"].map { $0.contains("what=again") }, true, "a refresh: \(r.text)")

        // Routing: the ticket went up to the executive committee as a complaint against zhkg.
        let routing = system.databases["routing"]!.client(poolSize: 1)
        defer { Task { await routing.close() } }
        let wentUp = try await oneRowEventually(
            routing,
            """
            SELECT count(*)::int FROM tickets WHERE registration_number = \(first.number)
              AND authority = 'executive-committee' AND kind = 'complaint' AND against = 'zhkg'
              AND status = 'reopened'
            """)
        XCTAssertTrue(wentUp, "the complaint went to the body above the one that answered")
        // Intake shows routing's decision.
        let intake = system.databases["intake"]!.client(poolSize: 1)
        defer { Task { await intake.close() } }
        let shown = try await oneRowEventually(
            intake,
            """
            SELECT count(*)::int FROM answer_disputes
            WHERE outcome = 'accepted' AND complaint_to = 'executive-committee'
            """)
        XCTAssertTrue(shown, "intake recorded the acceptance for the tracking page")
        let reopened = try await oneRowEventually(
            intake,
            "SELECT count(*)::int FROM appeals WHERE registration_number = \(first.number) AND status = 'reopened'")
        XCTAssertTrue(reopened, "the tracking status follows the ticket at the body above")
        let considered = try await trackingPage(system, first)
        XCTAssertTrue(
            considered.contains("передано вищому органу"),
            "what was said still shows: \(considered)")
        XCTAssertFalse(considered.contains("id=\"say-dispute-form\""), "no new dispute while it is considered")
        XCTAssertFalse(considered.contains("id=\"say-rating-form\""))

        // The officials of the body that answered are told; the body above gets its new ticket.
        let notification = system.databases["notification"]!.client(poolSize: 1)
        defer { Task { await notification.close() } }
        let told = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let answered = try await notification.count(
                """
                SELECT count(*)::int FROM deliveries
                WHERE source_event_type = 'appeal.dispute-accepted' AND recipient_kind = 'official'
                """)
            let above = try await notification.count(
                """
                SELECT count(*)::int FROM deliveries d
                JOIN officials o ON d.recipient_key = 'official:' || o.official_id
                WHERE d.source_event_type = 'ticket.assigned' AND o.authority = 'executive-committee'
                """)
            return answered == 1 && above == 1
        }
        XCTAssertTrue(told, "zhkg's official with an email is told of the dispute, the committee of its ticket")

        // The trail holds every step.
        var types: [String] = []
        let trailed = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let got = try await system.harness("audit").request("GET", "/v1/trail/\(first.number)", headers: admin)
            types = (try? got.decode(AuditJSON.Trail.self))?.entries.map(\.type) ?? []
            return [
                AppealAnswerRated.eventType, AppealDisputed.eventType, AppealDisputeAccepted.eventType,
                TicketReopened.eventType,
            ].allSatisfy(types.contains)
        }
        XCTAssertTrue(trailed, "the trail: \(types)")

        // A redelivery of the same `appeal.disputed` (same message id, as intake) has no second effect.
        let captured = try await capturedDispute(system)
        try await system.client.publish([BrokerTrustTests.message(captured)])
        // A forgery: the same event claiming another producer (a new id) is dead-lettered, no effect.
        var forged = try Envelope.decode(from: try captured.encoded())
        forged.id = UUID()
        forged.producer = Producers.notification
        try await system.client.publish([BrokerTrustTests.message(forged)])
        let dead = EventTopology.deadLetterQueue(Topology.Queue.routing.rawValue)
        var reasons: [String] = []
        let refused = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            reasons += try await system.client.drain(dead).map {
                $0.properties.headers[Topology.Header.lastError]?.stringValue ?? ""
            }
            return reasons.contains { $0.contains("hromada-notification does not produce appeal.disputed") }
        }
        XCTAssertTrue(refused, "the forged dispute is refused by routing's producer check: \(reasons)")
        // Give the redelivery time to be (not) applied, then count the effects.
        let settled = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            ((try? await system.client.queueState(Topology.Queue.routing.rawValue))?.messages ?? 1) == 0
        }
        XCTAssertTrue(settled)
        let disputes = try await routing.count(
            """
            SELECT count(*)::int FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
            WHERE t.registration_number = \(first.number) AND h.action IN ('disputed', 'dispute-refused')
            """)
        XCTAssertEqual(disputes, 1, "one dispute, whatever was redelivered or forged")
        let accepted = try await intake.count("SELECT count(*)::int FROM answer_disputes WHERE outcome <> 'pending'")
        XCTAssertEqual(accepted, 1)

        // The committee answers the complaint. Nothing stands above it: intake's month is open, but
        // routing refuses the next dispute (Art. 16: the court) and the tracking page says why.
        let ticketRows = try await routing.query("SELECT id FROM tickets WHERE registration_number = \(first.number)")
        let ticket = try XCTUnwrap(try ticketRows.first?.decode(0, as: UUID.self)).uuidString.lowercased()
        let answer = try await system.request(
            "routing", "POST", "/v1/tickets/\(ticket)/answer",
            json: [
                "outcome": "explained",
                "text": "Пояснюємо: ремонт мережі "
                    + "заплановано на травень 2027 року.",
            ],
            headers: ["Authorization": "Bearer \(mayor)"])
        XCTAssertEqual(answer.status, 200, answer.text)
        let answeredAbove = try await oneRowEventually(
            intake,
            """
            SELECT count(*)::int FROM appeal_history h JOIN appeals a ON a.id = h.appeal_id
            WHERE a.registration_number = \(first.number) AND h.status = 'answered'
              AND h.authority = 'executive-committee'
            """)
        XCTAssertTrue(answeredAbove)
        r = try await post(
            system, "/track/dispute",
            [
                "number": first.number, "token": first.token,
                "reason": "І з цією відповіддю я не згодна.",
            ])
        XCTAssertEqual(r.status, 303, "intake's own check lets it through: \(r.text)")
        let refusedAbove = try await oneRowEventually(
            intake,
            """
            SELECT count(*)::int FROM answer_disputes
            WHERE outcome = 'refused' AND refusal_code = 'no-higher-body'
            """)
        XCTAssertTrue(refusedAbove, "routing's refusal reaches intake")
        let page = try await trackingPage(system, first)
        XCTAssertTrue(page.contains("id=\"say-dispute-state\""), page)
        XCTAssertTrue(page.contains("до суду"), "the page gives routing's reason")
    }

    // MARK: Helpers

    /// The tracking page as the resident sees it after looking the appeal up (the proof cookie).
    func trackingPage(_ system: SecuritySystem, _ appeal: Appeal) async throws -> String {
        let lookup = try await post(system, "/track", ["number": appeal.number, "token": appeal.token])
        let cookie = try XCTUnwrap(lookup.headers["set-cookie"]?.split(separator: ";").first.map(String.init))
        let sent = await RawHTTP.send(
            port: system.harness("intake").port, method: "GET", path: "/track?lang=uk", headers: [("Cookie", cookie)])
        return try XCTUnwrap(sent).text
    }

    func official(
        _ system: SecuritySystem, name: String, authority: String, role: String, email: String? = nil
    ) async throws -> String {
        try await TestOfficial.create(
            name: name, authority: authority, role: role, email: email, on: system.harness("routing"),
            adminToken: SecuritySystem.adminToken
        ).token
    }

    /// An appeal about heating (zhkg) registered at the centre, accepted by zhkg's official and
    /// answered by its head; returns once intake's tracking shows the answer.
    func answeredAppeal(_ system: SecuritySystem, head: String, text: String) async throws -> Appeal {
        let created = try await system.request(
            "intake", "POST", "/v1/appeals", json: SecuritySystem.appeal(),
            headers: ["Authorization": "Bearer \(SecuritySystem.centreKey)"])
        XCTAssertEqual(created.status, 201, created.text)
        let body = try XCTUnwrap(try created.json() as? [String: Any])
        let appeal = Appeal(
            number: try XCTUnwrap(body["registrationNumber"] as? String),
            token: try XCTUnwrap(body["trackingToken"] as? String))
        let routing = system.databases["routing"]!.client(poolSize: 1)
        let intake = system.databases["intake"]!.client(poolSize: 1)
        defer {
            Task {
                await routing.close()
                await intake.close()
            }
        }
        var ticket: UUID?
        _ = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            ticket = try await routing.query(
                "SELECT id FROM tickets WHERE registration_number = \(appeal.number)"
            ).first?.decode(0, as: UUID.self)
            return ticket != nil
        }
        let path = "/v1/tickets/\(try XCTUnwrap(ticket).uuidString.lowercased())"
        var r = try await system.request(
            "routing", "POST", "\(path)/accept", json: [:], headers: ["Authorization": "Bearer \(system.officialToken)"]
        )
        XCTAssertEqual(r.status, 200, r.text)
        r = try await system.request(
            "routing", "POST", "\(path)/answer", json: ["outcome": "refused", "text": text],
            headers: ["Authorization": "Bearer \(head)"])
        XCTAssertEqual(r.status, 200, r.text)
        let tracked = try await oneRowEventually(
            intake,
            "SELECT count(*)::int FROM appeals WHERE registration_number = \(appeal.number) AND status = 'answered'")
        XCTAssertTrue(tracked, "intake's tracking shows the answer")
        return appeal
    }

    /// A form post to intake, answered as sent (no redirect followed).
    func post(_ system: SecuritySystem, _ path: String, _ fields: [String: String]) async throws
        -> RawHTTP.Response
    {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        let body = fields.sorted { $0.key < $1.key }.map {
            "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        let response = await RawHTTP.send(
            port: system.harness("intake").port, method: "POST", path: path,
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
        return try XCTUnwrap(response, "no answer from intake")
    }

    /// Whether `sql` (a `count(*)`) counts exactly one within 30 s: for an effect that travels
    /// through the broker to another service's schema.
    func oneRowEventually(_ client: PostgresClient, _ sql: PostgresQuery) async throws -> Bool {
        try await eventually(timeout: .seconds(30), every: .milliseconds(200)) { try await client.count(sql) == 1 }
    }

    func capturedDispute(_ system: SecuritySystem) async throws -> Envelope {
        var found: Envelope?
        _ = try await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            if let delivery = try await system.client.get(queue: Self.observeQueue) {
                try await system.client.ack(delivery)
                found = try? Envelope.decode(from: delivery.body)
            }
            return found != nil
        }
        return try XCTUnwrap(found, "appeal.disputed was observed on the bus")
    }
}
