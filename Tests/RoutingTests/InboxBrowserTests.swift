import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Routing

/// The officials' inbox in a real headless chromium (issue 14): the list fits 1,280 and 390 px
/// without horizontal scrolling, the filters are a GET form (the address holds the list, so Back
/// and refresh show it again), paging, and an answer template inserted by the page's script
/// under the CSP. Screenshots under .hromada/screenshots/.
final class InboxBrowserTests: XCTestCase {
    static let registered = TicketSamples.now

    func scrollWidth(_ browser: HeadlessBrowser) throws -> Double {
        try browser.evaluate("document.documentElement.scrollWidth") as? Double ?? .infinity
    }

    func testTheInboxFitsFiltersByAddressPagesAndInsertsATemplate() async throws {
        let f = try await RoutingFixture.startForBrowser(self, at: Self.registered)
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        var appeals: [AppealRegistered] = []
        for n in 0..<30 {
            var a = RoutingFixture.appeal(
                category: n % 2 == 0 ? "heating" : "water-supply", district: n % 3 == 0 ? "korabelnyi" : "zavodskyi",
                registeredAt: Self.registered.addingTimeInterval(Double(n) * 60), number: 700_000 + n)
            a.author.fullName = n == 7 ? "Богдана Вʼюнник" : "Олена Петренко"
            a.subject =
                "Довга тема звернення про відсутність опалення "
                + "в будинку номер \(n) на вулиці Соборній"
            appeals.append(a)
        }
        try await f.publish(try appeals.map(f.envelope))
        for a in appeals { _ = try await f.waitForTicket(a) }
        let first = try await f.waitForTicket(appeals[0]).uuidString.lowercased()
        _ = try await f.call("POST", "/v1/tickets/\(first)/accept", token: head)
        let headPrincipal = Principal(id: headId, name: "Петро Головко", role: .head, authority: "zhkg")
        try await f.runtimes[0].database.withConnection { c in
            try RoutingStore.saveTemplate(
                title: "Опалення відновлено",
                body: "Опалення у вашому будинку відновлено, "
                    + "дякуємо за звернення.",
                principal: headPrincipal, now: Self.registered, on: c)
        }
        let base = f.api.baseURL

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await f.signIn(browser, token: head, language: "uk")

        // The default list: 25 of 30, labelled, page 1 of 2; it fits 1,280 px and 390 px.
        try await browser.open(base + "/?lang=uk")
        let found = try browser.evaluate("document.getElementById('found').innerText") as? String ?? ""
        XCTAssertTrue(found.contains("Знайдено звернень: 30"), found)
        XCTAssertTrue(found.contains("Сторінка 1 з 2"), found)
        let rows = try browser.evaluate("document.querySelectorAll('#inbox-list tbody tr').length") as? Double
        XCTAssertEqual(rows, 25)
        try browser.emulate(width: 1280)
        let wide =
            try browser.evaluate(
                "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 1280)"
                    + ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' '"
                    + " + Math.round(e.getBoundingClientRect().width))"
                    + ".join(', ')") as? String ?? ""
        XCTAssertLessThanOrEqual(try scrollWidth(browser), 1280, "the inbox fits a 1,280 px screen: \(wide)")
        _ = try browser.screenshot("routing-inbox-1280")
        try browser.emulate(width: 390)
        XCTAssertLessThanOrEqual(try scrollWidth(browser), 390, "no horizontal scrolling at 390 px")
        _ = try browser.screenshot("routing-inbox-390")
        try browser.call("Emulation.clearDeviceMetricsOverride")

        // The filters are a GET form: the address holds the search, so refresh and Back keep it.
        try browser.fill("q", "вʼюнник")
        try await browser.click("#inbox-filters button[type=submit]")
        let searched = try browser.location()
        XCTAssertTrue(searched.contains("q="), searched)
        let afterSearch = try browser.evaluate("document.getElementById('found').innerText") as? String ?? ""
        XCTAssertTrue(afterSearch.contains("Знайдено звернень: 1"), afterSearch)
        try await browser.navigating("location.reload()")
        XCTAssertEqual(try browser.location(), searched, "a refresh shows the same list")
        XCTAssertEqual(try browser.evaluate("document.getElementById('q').value") as? String, "вʼюнник")
        // The next page by its link; Back returns to the first.
        try await browser.open(base + "/?lang=uk")
        try await browser.click("a[rel=next]")
        XCTAssertTrue(try browser.location().contains("page=2"))
        let second = try browser.evaluate("document.querySelectorAll('#inbox-list tbody tr').length") as? Double
        XCTAssertEqual(second, 5)
        try await browser.navigating("history.back()")
        XCTAssertFalse(try browser.location().contains("page=2"))

        // The answer form offers the body's templates; choosing one fills the text (a script file).
        try await browser.open(base + "/tickets/\(first)?lang=uk")
        _ = try browser.evaluate(
            """
            (() => { const s = document.getElementById('answer-template'); s.selectedIndex = 1;
              s.dispatchEvent(new Event('change', { bubbles: true })); return true; })()
            """)
        try await browser.wait(until: "document.getElementById('answer-text').value.length > 0")
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('answer-text').value") as? String,
            "Опалення у вашому будинку відновлено, "
                + "дякуємо за звернення.")
        // The forward select starts empty (defect 18).
        XCTAssertEqual(try browser.evaluate("document.getElementById('to').value") as? String, "")

        // A refused answer (too short, defect 15): the browser lands on a GET address with the
        // refusal, the text is still there, and a refresh sends nothing again.
        try browser.fill("outcome", "explained")
        try browser.fill("text", "Коротко")
        try await browser.navigating("document.querySelector('form[action$=\"/answer\"]').submit()")
        let refusedAt = try browser.location()
        XCTAssertTrue(refusedAt.contains("/tickets/\(first)?refused="), refusedAt)
        XCTAssertNotNil(try browser.evaluate("document.querySelector('p.err[role=alert]')?.textContent") as? String)
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('answer-text').value") as? String, "Коротко")
        let historyRows = "document.querySelectorAll('table:last-of-type tbody tr').length"
        let before = try browser.evaluate(historyRows) as? Double
        try await browser.navigating("location.reload()")
        XCTAssertEqual(try browser.location(), refusedAt, "a refresh is a GET of the same address")
        XCTAssertEqual(try browser.evaluate(historyRows) as? Double, before, "nothing was sent again")
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('answer-text').value") as? String, "Коротко")
    }
}
