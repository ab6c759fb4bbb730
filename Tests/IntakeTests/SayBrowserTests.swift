import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaTestSupport
import XCTest

@testable import Intake

/// The resident's say on an answer (issue 15) in a real headless chromium, against the real
/// PostgreSQL and RabbitMQ: on the tracking page the resident rates the answer and disputes it;
/// a double click, a repeated post and a refresh record each once, the code never lands in an
/// address, and routing's decision shows on the page. At the centre the librarian records a rating
/// from the form's header link (`via: centre`, the librarian's account recorded).
final class SayBrowserTests: XCTestCase {
    struct Appeal {
        var id: UUID
        var number: String
        var code: String
    }

    /// An appeal registered through the centre API and answered by zhkg (routing's events).
    func answeredAppeal(_ server: IntakeTestServer, _ routing: RoutingEvents) async throws -> Appeal {
        let created = try await server.harness.request(
            "POST", "/v1/appeals",
            json: [
                "kind": "application", "category": "heating", "subject": "Немає опалення",
                "text": "У квартирі немає опалення з понеділка, "
                    + "батареї холодні.",
                "author": [
                    "fullName": "Олена Петренко", "address": "вул. Соборна, 1, Миколаїв",
                    "preferredLanguage": "uk",
                ],
            ], headers: ["Authorization": "Bearer \(IntakeTestServer.centreKey)"])
        XCTAssertEqual(created.status, 201, created.text)
        let body = try XCTUnwrap(try created.json() as? [String: Any])
        let appeal = Appeal(
            id: try XCTUnwrap((body["id"] as? String).flatMap(UUID.init(uuidString:))),
            number: try XCTUnwrap(body["registrationNumber"] as? String),
            code: try XCTUnwrap(body["trackingToken"] as? String))
        let ticket = UUID()
        let now = Date()
        try await routing.publish(
            TicketAssigned(
                ticketId: ticket, appealId: appeal.id, registrationNumber: appeal.number, authority: "zhkg",
                category: "heating", priority: false, deadline: LocalDate(date: now).adding(days: 15),
                assignedAt: now.addingTimeInterval(1), reason: "rule"), appeal: appeal.id)
        try await routing.publish(
            TicketAnswered(
                ticketId: ticket, appealId: appeal.id, registrationNumber: appeal.number, authority: "zhkg",
                officialId: "o", outcome: .refused,
                answerText: "Відмовлено: ремонт тепломережі у 2027 році.",
                answeredAt: now.addingTimeInterval(2)), appeal: appeal.id)
        let store = server.db.client(poolSize: 1)
        defer { Task { await store.close() } }
        let answered = try await eventually(timeout: .seconds(20)) {
            try await store.count(
                "SELECT count(*)::int FROM appeals WHERE registration_number = \(appeal.number) AND status = 'answered'"
            ) == 1
        }
        XCTAssertTrue(answered, "intake's tracking shows the answer")
        return appeal
    }

    /// Every address the tab has been at, and the current one.
    func addresses(_ browser: HeadlessBrowser) throws -> [String] {
        let history = try browser.call("Page.getNavigationHistory")
        return (history["entries"] as? [[String: Any]] ?? []).compactMap { $0["url"] as? String }
            + [try browser.location()]
    }

    func text(_ browser: HeadlessBrowser, _ id: String) throws -> String {
        try browser.evaluate("document.getElementById('\(id)')?.textContent ?? ''") as? String ?? ""
    }

    func testTheResidentRatesAndDisputesOnTheTrackingPageOnceEach() async throws {
        _ = try HeadlessBrowser.chromium()
        let server = try await IntakeTestServer.start(self, port: Int(try HeadlessBrowser.freePort()))
        let routing = try await RoutingEvents.connect(server, test: self)
        let appeal = try await answeredAppeal(server, routing)
        let store = server.db.client(poolSize: 1)
        defer { Task { await store.close() } }
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        let base = server.harness.baseURL

        // The lookup shows the answer and the say.
        try await browser.open(base + "/track?lang=uk")
        try browser.fill("number", appeal.number)
        try browser.fill("token", appeal.code)
        try await browser.click("#track-form button[type=submit]")
        try await browser.wait(until: "document.getElementById('say') !== null")
        XCTAssertTrue(try text(browser, "say-until").count > 0, "the last day to dispute is shown")
        try browser.screenshot("intake-track-say-forms")

        // Rating: a double click on the button.
        try browser.evaluate("document.getElementById('rating-4').checked = true; true")
        try await browser.navigating(
            "const b = document.getElementById('say-rate'); b.click(); b.click()")
        try await browser.wait(until: "document.getElementById('say-message') !== null")
        let location = try browser.location()
        XCTAssertTrue(location.contains("/track/said"), location)
        // A refresh of the result page is a GET: nothing is sent again.
        try await browser.navigating("location.reload()")
        // The same form posted twice more from the page (a script's double submit): still one rating.
        try await browser.open(base + "/track?lang=uk")
        XCTAssertEqual(try text(browser, "say-rated").contains("4"), true, "the page says what was rated")
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('say-rating-form') === null") as? Bool, true,
            "no second rating form for the same answer")
        let reposted =
            try browser.evaluate(
                """
                (async () => {
                  const body = new URLSearchParams({number: '\(appeal.number)', token: '\(appeal.code)', rating: '4'});
                  const a = await fetch('/track/rating', {method: 'POST', body});
                  const b = await fetch('/track/rating', {method: 'POST', body});
                  return [a.status, b.status];
                })()
                """) as? [Int]
        XCTAssertEqual(reposted, [200, 200], "the repeats land on the result page")
        var ratings = try await store.count(
            "SELECT count(*)::int FROM answer_ratings WHERE appeal_id = \(appeal.id) AND rating = 4")
        XCTAssertEqual(ratings, 1, "one rating, however often it was sent")

        // Dispute: a reason, a double click, then Back and send again.
        let reason = "Не згодна з відмовою: у будинку діти, батареї холодні."
        try browser.fill("reason", reason)
        try await browser.navigating(
            "const d = document.getElementById('say-dispute'); d.click(); d.click()")
        try await browser.wait(until: "document.getElementById('say-message') !== null")
        let disputed = try text(browser, "say-message")
        XCTAssertTrue(disputed.contains("скаргу"), disputed)
        try await browser.navigating("history.back()")
        if try browser.evaluate("document.getElementById('say-dispute') !== null") as? Bool == true {
            try browser.fill("reason", reason)
            try await browser.click("#say-dispute")
        }
        var disputes = try await store.count("SELECT count(*)::int FROM answer_disputes WHERE appeal_id = \(appeal.id)")
        XCTAssertEqual(disputes, 1, "one dispute, however often it was sent")
        for address in try addresses(browser) {
            XCTAssertFalse(address.contains(appeal.code), "«\(address)» holds the code")
        }

        // Routing accepts it: the page says where the complaint went.
        let disputeRows = try await store.query(
            "SELECT event_id FROM answer_disputes WHERE appeal_id = \(appeal.id)")
        let disputeId = try XCTUnwrap(try disputeRows.first?.decode(0, as: UUID.self))
        try await routing.publish(
            AppealDisputeAccepted(
                appealId: appeal.id, registrationNumber: appeal.number, ticketId: UUID(), authority: "zhkg",
                complaintTo: "executive-committee", disputeId: disputeId,
                lastDay: LocalDate(date: Date()).adding(days: 30),
                acceptedAt: Date()), appeal: appeal.id)
        let decided = try await eventually(timeout: .seconds(20)) {
            try await store.count(
                "SELECT count(*)::int FROM answer_disputes WHERE outcome = 'accepted' AND appeal_id = \(appeal.id)")
                == 1
        }
        XCTAssertTrue(decided)
        try await browser.open(base + "/track?lang=uk")
        let state = try text(browser, "say-dispute-state")
        XCTAssertTrue(state.contains("Виконавч"), "the body above is named: \(state)")
        try browser.screenshot("intake-track-say")
        ratings = try await store.count("SELECT count(*)::int FROM answer_ratings")
        disputes = try await store.count("SELECT count(*)::int FROM answer_disputes")
        XCTAssertEqual([ratings, disputes], [1, 1])
    }

    func testTheLibrarianRecordsARatingFromTheFormsHeader() async throws {
        _ = try HeadlessBrowser.chromium()
        let server = try await IntakeTestServer.start(self, port: Int(try HeadlessBrowser.freePort()))
        let routing = try await RoutingEvents.connect(server, test: self)
        let appeal = try await answeredAppeal(server, routing)
        let browser = try await server.browserSignedIn()
        defer { browser.close() }

        try await browser.click("#nav-say")
        try await browser.wait(until: "document.getElementById('say-rating-form') !== null")
        /// Fills the header's rating form with the appeal's number, `code` and five stars, and sends it.
        func rate(code: String) async throws {
            try browser.evaluate(
                """
                (() => {
                    const f = document.getElementById('say-rating-form');
                    f.querySelector('[name=number]').value = '\(appeal.number)';
                    f.querySelector('[name=token]').value = '\(code)';
                    document.getElementById('rating-5').checked = true; return true
                })()
                """)
            try await browser.click("#say-rate")
        }
        // A wrong code is refused, naming nothing about the appeal.
        try await rate(code: "AAAAA-AAAAA")
        XCTAssertTrue(try browser.evaluate("document.querySelector('.errors') !== null") as? Bool == true)
        try await rate(code: appeal.code)
        let rated = try text(browser, "say-message")
        XCTAssertTrue(rated.contains("оцінку"), rated)
        let store = server.db.client(poolSize: 1)
        defer { Task { await store.close() } }
        let rows = try await store.query(
            "SELECT rating, via, registered_by FROM answer_ratings WHERE appeal_id = \(appeal.id)")
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(try row.decode(0, as: Int.self), 5)
        XCTAssertEqual(try row.decode(1, as: String.self), "centre")
        XCTAssertNotNil(try row.decode(2, as: String?.self), "the librarian's account is recorded")
        try browser.screenshot("intake-form-say")
    }
}
