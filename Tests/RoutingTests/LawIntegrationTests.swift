import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Routing
import XCTest

/// Issue 20 against the real PostgreSQL and RabbitMQ: migration 210, drafts signed by the head over
/// the API, Art. 15 tickets for the first head personally, complaints routed up the stored (and
/// administrator-changed) hierarchy with their Art. 17 term, and terms from the day of arrival.
final class LawIntegrationTests: XCTestCase {
    static let registered = TicketSamples.now

    func testDraftsSignaturesHeadsPersonallyAndTermsFromArrival() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let (_, deputy) = try await f.official(name: "Ганна Заступник", authority: "zhkg", role: "deputy")

        let hero = RoutingFixture.appeal(category: "heating", benefit: "hero-of-ukraine", registeredAt: Self.registered)
        var paper = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        paper.termsStartOn = LocalDate(string: "2026-11-20")!
        paper.lateEntry = .init(receivedOn: LocalDate(string: "2026-11-20")!, enteredBy: "librarian-7")
        try await f.publish([try f.envelope(hero), try f.envelope(paper)])
        let heroPath = try await f.ticketPath(hero)
        let paperPath = try await f.ticketPath(paper)

        // Art. 20: terms from the day the paper appeal arrived, not from its registration.
        var r = try await f.call("GET", paperPath, token: zhkg)
        XCTAssertEqual(r.object["registeredOn"] as? String, "2026-11-27")
        XCTAssertEqual(r.object["termsStartOn"] as? String, "2026-11-20")
        XCTAssertEqual(r.object["deadline"] as? String, "2026-12-05")
        XCTAssertEqual(r.object["forwardAllowedUntil"] as? String, "2026-11-25")
        XCTAssertEqual(r.object["maxDeadline"] as? String, "2027-01-04")

        // Art. 15: the hero's appeal is for the first head personally.
        r = try await f.call("GET", heroPath, token: zhkg)
        XCTAssertEqual(r.object["headPersonally"] as? Bool, true)
        let opened = (r.object["history"] as? [[String: Any]])?.first?["note"] as? String
        XCTAssertEqual(opened, "rule; Art. 15: the first head personally")
        r = try await f.call("POST", "\(heroPath)/accept", token: zhkg)
        XCTAssertEqual(r.status, 200, r.text)
        r = try await f.call(
            "POST", "\(heroPath)/answer", token: deputy,
            json: ["outcome": "resolved-positively", "text": "Опалення відновлено 28.11."])
        XCTAssertEqual(r.status, 202, "a deputy drafts here: \(r.text)")
        r = try await f.call("POST", "\(heroPath)/sign", token: deputy)
        XCTAssertEqual(r.status, 403)
        XCTAssertEqual(r.firstError["code"] as? String, "head_personally")
        r = try await f.call("POST", "\(heroPath)/sign", token: head)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["status"] as? String, "answered")

        // A draft rejected by the head: recorded in the history, nothing else changes.
        r = try await f.call("POST", "\(paperPath)/accept", token: zhkg)
        r = try await f.call(
            "POST", "\(paperPath)/extend", token: zhkg, json: ["days": 5, "reason": "перевірка"])
        XCTAssertEqual(r.status, 202, r.text)
        r = try await f.call(
            "POST", "\(paperPath)/reject-draft", token: head,
            json: ["reason": "Відповідайте в строк"])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertNil(r.object["draft"])
        XCTAssertEqual(r.object["deadline"] as? String, "2026-12-05")
        let last = (r.object["history"] as? [[String: Any]])?.last
        XCTAssertEqual(last?["action"] as? String, "draft-rejected")
        XCTAssertEqual((last?["actor"] as? String)?.lowercased(), headId.lowercased())
        r = try await f.call("POST", "\(paperPath)/sign", token: head)
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["code"] as? String, "no_draft")

        // Only the signed answer went out: one ticket.answered, by the head, and no ticket.extended.
        let answered = try await f.events(TicketAnswered.self)
        XCTAssertEqual(answered.map { $0.officialId.lowercased() }, [headId.lowercased()])
        let extended = try await f.observed(type: "ticket.extended")
        XCTAssertTrue(extended.isEmpty)
        let drafts = try await f.count("SELECT count(*)::bigint FROM tickets WHERE draft IS NOT NULL")
        XCTAssertEqual(drafts, 0)
    }

    func testComplaintsGoUpTheStoredHierarchyAndLateOnesWaitForTheHead() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (_, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let (_, mayor) = try await f.official(
            name: "Міський голова", authority: "executive-committee", role: "head")

        // The decision complained about: zhkg's answer of 27 November (signed by its head).
        let first = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(first)])
        let firstPath = try await f.ticketPath(first)
        try await f.refuse(
            firstPath, acceptedBy: zhkg, head: head,
            reasons: "Відмовлено: ремонт у плані на 2027 рік.")

        // In time (two weeks later): up the seeded hierarchy to the executive committee.
        clock.advance(days: 14)
        var inTime = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: clock.now)
        inTime.repeatOf = first.registrationNumber
        // Late (more than a month after the answer): flagged, nobody may answer it yet.
        clock.advance(days: 30)
        let late = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: clock.now)
        try await f.publish([try f.envelope(inTime), try f.envelope(late)])
        let inTimePath = try await f.ticketPath(inTime)
        let latePath = try await f.ticketPath(late)
        var r = try await f.call("GET", inTimePath, token: mayor)
        XCTAssertEqual(r.status, 200, "the executive committee holds it")
        XCTAssertEqual(r.object["authority"] as? String, "executive-committee")
        XCTAssertNil(r.object["complaintTermMissed"])
        r = try await f.call("GET", latePath, token: mayor)
        XCTAssertEqual(r.object["authority"] as? String, "executive-committee")
        XCTAssertEqual(r.object["complaintTermMissed"] as? String, "2026-12-27")
        r = try await f.call("GET", latePath, token: zhkg)
        XCTAssertEqual(r.status, 404, "never at the body complained about")

        _ = try await f.call("POST", "\(latePath)/accept", token: mayor)
        let restored = try await f.answerAfterRestoringTerm(
            latePath, head: mayor, text: "Пояснюємо порядок ремонту.",
            reason: "Автор був на лікуванні, довідка є.")
        XCTAssertNil(restored.object["complaintTermMissed"])
        XCTAssertEqual(
            (restored.object["history"] as? [[String: Any]])?.last?["action"] as? String, "term-restored")

        // An administrator puts zhkg under the mayor's reception: the next complaint goes there.
        r = try await f.call(
            "PUT", "/v1/authority-hierarchy", token: RoutingFixture.adminToken,
            json: ["parents": ["zhkg": "mayor-reception", "mayor-reception": "executive-committee"]])
        XCTAssertEqual(r.status, 200, r.text)
        let next = RoutingFixture.appeal(
            category: "heating", kind: .complaint, against: "zhkg", registeredAt: clock.now)
        try await f.publish([try f.envelope(next)])
        let nextId = try await f.waitForTicket(next)
        r = try await f.call("GET", "/v1/tickets/\(nextId.uuidString.lowercased())", token: RoutingFixture.adminToken)
        XCTAssertEqual(r.object["authority"] as? String, "mayor-reception")
        let assigned = try await f.events(TicketAssigned.self) { seen in
            seen.contains { $0.appealId == next.appealId }
        }
        XCTAssertEqual(assigned.first { $0.appealId == next.appealId }?.reason, "complaint-upward")
    }

    func testReturnAndNotConsideredAreTheHeadsDecisionsOverTheAPI() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, zhkg) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let defective = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        let anonymous = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(defective), try f.envelope(anonymous)])
        let returnPath = try await f.ticketPath(defective)
        let declinePath = try await f.ticketPath(anonymous)

        // Art. 5, 7: only the head returns, with an explanation, within 10 days of arrival.
        let explanation =
            "Не зрозуміло, про яку адресу і яке питання "
            + "йдеться (ст. 5 Закону)."
        var r = try await f.call("POST", "\(returnPath)/return", token: zhkg, json: ["text": explanation])
        XCTAssertEqual(r.status, 403)
        XCTAssertEqual(r.firstError["code"] as? String, "head_only")
        r = try await f.call("POST", "\(returnPath)/return", token: head, json: ["text": "коротко"])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["field"] as? String, "explanation")
        clock.advance(days: 11)
        r = try await f.call("POST", "\(returnPath)/return", token: head, json: ["text": explanation])
        XCTAssertEqual(r.status, 409)
        XCTAssertEqual(r.firstError["code"] as? String, "return_window_closed")
        clock.set(Self.registered)
        r = try await f.call("POST", "\(returnPath)/return", token: head, json: ["text": explanation])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(r.object["status"] as? String, "closed")

        // Art. 8: "not considered" on a known ground, with the written notice.
        r = try await f.call(
            "POST", "\(declinePath)/not-considered", token: head,
            json: [
                "ground": "political-views",
                "text": "Звернення не розглядається з цієї причини.",
            ])
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(r.firstError["code"] as? String, "unknown_ground")
        r = try await f.call(
            "POST", "\(declinePath)/not-considered", token: head,
            json: [
                "ground": "anonymous",
                "text": "Звернення без місця проживання не розглядається "
                    + "(ст. 8).",
            ])
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual((r.object["history"] as? [[String: Any]])?.last?["action"] as? String, "not-considered")

        let returned = try await f.events(AppealReturned.self)
        let declined = try await f.events(AppealNotConsidered.self)
        XCTAssertEqual(returned.map(\.appealId), [defective.appealId])
        XCTAssertEqual(returned.first?.returnedBy?.lowercased(), headId.lowercased())
        XCTAssertEqual(returned.first?.reason, explanation)
        XCTAssertEqual(declined.map(\.ground), ["anonymous"])
        XCTAssertEqual(declined.first?.decidedBy.lowercased(), headId.lowercased())
    }
}
