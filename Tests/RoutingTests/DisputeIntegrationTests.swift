import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Routing
import XCTest

/// A resident's dispute of an answer against the real PostgreSQL and RabbitMQ: reception's
/// `POST /v1/tickets/{id}/dispute` sends the ticket to the body above the one that answered (the
/// stored hierarchy), as a complaint with its dates, its Art. 17 term checked and recorded in the
/// history and in `ticket.reopened`/`ticket.assigned`; and a complaint's own dates from intake
/// (`appeal.registered`) decide its term.
final class DisputeIntegrationTests: XCTestCase {
    static let registered = TicketSamples.now

    func testADisputeGoesUpWithItsDatesAndALateOneWaitsForTheHeadAbove() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (_, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let (_, mayor) = try await f.official(
            name: "Міський голова", authority: "executive-committee", role: "head")
        let (_, reception) = try await f.official(
            name: "Оксана Бондар", authority: "mayor-reception", role: "reception")

        // Two appeals answered by zhkg's head on 27 November.
        let first = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        let second = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(first), try f.envelope(second)])
        let path = try await f.ticketPath(first)
        let latePath = try await f.ticketPath(second)
        for p in [path, latePath] {
            try await f.refuse(p, acceptedBy: zhkg, head: head, reasons: "Відмовлено: ремонт у 2027.")
        }

        // Five days later the resident disputes the first answer at reception.
        clock.advance(days: 5)
        var r = try await f.call(
            "POST", "\(path)/dispute", token: zhkg, json: ["reason": "не згодна з відмовою"])
        XCTAssertEqual(r.status, 403, "reception registers a dispute, not the body that answered")
        for (learned, why) in [("2026-11-26", "before the answer"), ("2026-12-03", "in the future"), ("28.11", "")] {
            r = try await f.call(
                "POST", "\(path)/dispute", token: reception,
                json: ["reason": "не згодна з відмовою", "learnedOn": learned])
            XCTAssertEqual(r.status, 422, "\(learned) \(why)")
            XCTAssertEqual(r.firstError["field"] as? String, "learnedOn")
        }
        r = try await f.call(
            "POST", "\(path)/dispute", token: reception,
            json: ["reason": "не згодна з відмовою", "learnedOn": "2026-11-28"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["authority"] as? String, "executive-committee", "the body above zhkg in the seed")
        XCTAssertEqual(r.object["status"] as? String, "reopened")
        XCTAssertEqual(r.object["deadline"] as? String, "2026-12-17", "a fresh standard term from the dispute")
        XCTAssertNil(r.object["complaintTermMissed"])
        let row = try XCTUnwrap((r.object["history"] as? [[String: Any]])?.last)
        XCTAssertEqual(row["action"] as? String, "disputed")
        XCTAssertEqual(
            row["note"] as? String,
            "Art. 16–17: dispute of the answer of zhkg (decided 2026-11-27, learned 2026-11-28) sent to "
                + "executive-committee; in time (until 2026-12-28): не згодна з відмовою")
        r = try await f.call("GET", path, token: zhkg)
        XCTAssertEqual(r.status, 404, "never at the body complained about")
        // Stored as a complaint against the body that answered.
        let storedAsComplaint = try await f.count(
            """
            SELECT count(*)::int FROM tickets
            WHERE appeal_id = \(first.appealId) AND kind = 'complaint' AND against = 'zhkg'
            """)
        XCTAssertEqual(storedAsComplaint, 1)
        r = try await f.call(
            "POST", "\(path)/answer", token: mayor,
            json: ["outcome": "explained", "text": "Пояснюємо план ремонту."])
        XCTAssertEqual(r.status, 200, r.text)
        // The executive committee's own answer: nothing stands above it (Art. 16: the court).
        r = try await f.call(
            "POST", "\(path)/dispute", token: reception, json: ["reason": "знову не згодна"])
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["code"] as? String, "no_higher_body")

        // The second answer disputed more than a month after it: late, waits for the mayor.
        clock.advance(days: 30)
        r = try await f.call(
            "POST", "\(latePath)/dispute", token: reception, json: ["reason": "не згодна з відмовою"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["complaintTermMissed"] as? String, "2026-12-27")
        try await f.answerAfterRestoringTerm(
            latePath, head: mayor, text: "Пояснюємо план.",
            reason: "Авторка була в лікарні, довідка є.")

        // The trail: each dispute is a reopening at, and an assignment to, the body above.
        var assigned: [TicketAssigned] = []
        var reopened: [TicketReopened] = []
        _ = try await eventually {
            for envelope in try await f.observed() {
                if envelope.type == TicketAssigned.eventType {
                    let event = try envelope.decode(TicketAssigned.self)
                    if event.reason == "dispute-upward" { assigned.append(event) }
                } else if envelope.type == TicketReopened.eventType {
                    reopened.append(try envelope.decode(TicketReopened.self))
                }
            }
            return assigned.count == 2 && reopened.count == 2
        }
        XCTAssertEqual(Set(assigned.map(\.appealId)), [first.appealId, second.appealId])
        XCTAssertTrue(assigned.allSatisfy { $0.authority == "executive-committee" && $0.previousAuthority == "zhkg" })
        XCTAssertEqual(Set(reopened.map(\.authority)), ["executive-committee"])
    }

    func testReceptionRegistersADisputeOnTheTicketPage() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let (_, reception) = try await f.official(
            name: "Оксана Бондар", authority: "mayor-reception", role: "reception")
        let appeal = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal).uuidString.lowercased()
        try await f.refuse(
            "/v1/tickets/\(id)", acceptedBy: head, head: head,
            reasons: "Відмовлено: ремонт у плані на 2027 рік.")

        let browser = FormBrowser(baseURL: f.api.baseURL)
        let login = try await browser.post("/login?lang=en", [("token", reception)])
        XCTAssertEqual(login.status, 303, login.text)
        let cookie = try XCTUnwrap(FormBrowser.cookie("hromada_routing", in: login))
        let page = try await browser.get("/tickets/\(id)?lang=en", cookie: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("action=\"/tickets/\(id)/dispute\""), "reception is offered the dispute")
        XCTAssertTrue(page.text.contains("name=\"learnedOn\""))
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: page.text))
        clock.advance(days: 3)
        let posted = try await browser.post(
            "/tickets/\(id)/dispute?lang=en",
            [
                ("csrf", csrf), ("reason", "Мешканка не згодна з відмовою"),
                ("learnedOn", "2026-11-28"),
            ], cookie: cookie)
        XCTAssertEqual(posted.status, 303, posted.text)
        let r = try await f.call("GET", "/v1/tickets/\(id)", token: RoutingFixture.adminToken)
        XCTAssertEqual(r.object["authority"] as? String, "executive-committee")
        XCTAssertEqual((r.object["history"] as? [[String: Any]])?.last?["action"] as? String, "disputed")
        let after = try await browser.get("/tickets/\(id)?lang=en", cookie: cookie)
        XCTAssertFalse(after.text.contains("/dispute\""), "a reopened ticket is not disputed again")
        // The printable card (Instruction 348) carries the dispute in its history.
        let card = try await browser.get("/tickets/\(id)/card?lang=en", cookie: cookie)
        XCTAssertEqual(card.status, 200)
        XCTAssertTrue(card.text.contains("disputed (sent to the body above)"), card.text)
        XCTAssertTrue(card.text.contains("decided 2026-11-27, learned 2026-11-28"))
    }

    func testAComplaintsOwnDatesFromIntakeDecideItsTerm() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        // Decided 1 September, learned 20 November: in time until 20 December.
        var inTime = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: Self.registered)
        inTime.complaintDecidedOn = LocalDate(string: "2026-09-01")
        inTime.complaintLearnedOn = LocalDate(string: "2026-11-20")
        // Learned 1 October: the month ended on 1 November.
        var late = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: Self.registered)
        late.complaintDecidedOn = LocalDate(string: "2026-09-01")
        late.complaintLearnedOn = LocalDate(string: "2026-10-01")
        try await f.publish([try f.envelope(inTime), try f.envelope(late)])
        let inTimeId = try await f.waitForTicket(inTime)
        let lateId = try await f.waitForTicket(late)
        var r = try await f.call(
            "GET", "/v1/tickets/\(inTimeId.uuidString.lowercased())", token: RoutingFixture.adminToken)
        XCTAssertEqual(r.object["authority"] as? String, "executive-committee")
        XCTAssertNil(r.object["complaintTermMissed"])
        r = try await f.call("GET", "/v1/tickets/\(lateId.uuidString.lowercased())", token: RoutingFixture.adminToken)
        XCTAssertEqual(r.object["complaintTermMissed"] as? String, "2026-11-01")
    }
}
