import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

/// The officials' ticket page in a real headless chromium (issue 14): an answered ticket reads in
/// names, not codes (district, benefit category, who did it, the notes), its facts fit at 1,280 and
/// 390 px, the answer's label and its error agree on the length, and an unknown address answers a
/// page. Screenshots under .hromada/screenshots/.
final class TicketPageBrowserTests: XCTestCase {
    static let registered = TicketSamples.now

    /// The right edge (px) of the widest of `selector`'s elements, and the narrowest's width.
    func edges(_ browser: HeadlessBrowser, _ selector: String) throws -> (right: Double, narrowest: Double) {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: [selector]), as: UTF8.self)
        let values =
            try browser.evaluate(
                """
                (() => { const r = [...document.querySelectorAll(\(json)[0])].map(e => e.getBoundingClientRect());
                  return [Math.max(...r.map(x => x.right)), Math.min(...r.map(x => x.width))]; })()
                """) as? [Double]
        return (values?.first ?? .infinity, values?.last ?? 0)
    }

    func testAnAnsweredTicketReadsInNamesAndFitsAt1280And390() async throws {
        let f = try await RoutingFixture.startForBrowser(self, at: Self.registered)
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let appeal = RoutingFixture.appeal(
            category: "heating", district: "zavodskyi", benefit: "idp", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal).uuidString.lowercased()
        _ = try await f.call("POST", "/v1/tickets/\(id)/accept", token: head)
        let base = f.api.baseURL

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await f.signIn(browser, token: head, language: "uk")
        try await browser.open(base + "/tickets/\(id)?lang=en")

        // The label and the error agree: a 7-character answer is refused for the length the label gives.
        let label = try browser.evaluate("document.querySelector('label[for=answer-text]').textContent") as? String
        XCTAssertTrue(label?.contains("at least 10") == true, label ?? "no label")
        try browser.fill("outcome", "resolved-positively")
        try browser.fill("text", "Коротко")
        try await browser.navigating("document.querySelector('form[action$=\"/answer\"]').submit()")
        let refused = try browser.html()
        XCTAssertTrue(refused.contains("at least 10 characters"), String(refused.prefix(3000)))
        let typed = "document.getElementById('answer-text').value"
        XCTAssertEqual(try browser.evaluate(typed) as? String, "Коротко", "the refused answer is still there")
        // Its language link (the page's address is the post's): the ticket in Ukrainian, typing kept.
        try await browser.click("header a[lang]")
        let switched = try browser.html()
        XCTAssertFalse(switched.contains("{\"errors\""), String(switched.prefix(800)))
        let address = try browser.location()
        XCTAssertTrue(address.hasSuffix("/tickets/\(id)?lang=uk"), address)
        XCTAssertEqual(try browser.evaluate(typed) as? String, "Коротко")
        try await browser.open(base + "/tickets/\(id)?lang=en")

        let answer = String(
            repeating: "Теплопостачання відновлено після ремонту "
                + "на тепловій мережі; перерахунок зроблено. ",
            count: 12)
        try browser.fill("outcome", "resolved-positively")
        try browser.fill("text", answer)
        try await browser.click("form[action=\"/tickets/\(id)/answer\"] button[type=submit]")
        let page = try browser.html()
        XCTAssertTrue(page.contains("resolved positively"), String(page.prefix(3000)))

        // Names, never codes.
        let facts = try XCTUnwrap(try browser.evaluate("document.querySelector('dl.facts').innerText") as? String)
        XCTAssertTrue(facts.contains("Zavodskyi"), facts)
        XCTAssertFalse(facts.contains("zavodskyi"), "the district's code: \(facts)")
        XCTAssertTrue(facts.contains("Internally displaced person"), facts)
        XCTAssertFalse(facts.contains("idp"), facts)
        let history = try XCTUnwrap(try browser.evaluate("document.querySelector('table').innerText") as? String)
        XCTAssertFalse(history.contains("hromada-routing"), history)
        XCTAssertFalse(history.lowercased().contains(headId.lowercased()), "no official's id: \(history)")
        XCTAssertTrue(history.contains("Петро Головко"), history)
        XCTAssertFalse(history.contains("resolved-positively"), history)
        let notes =
            try browser.evaluate(
                "[...document.querySelectorAll('table tbody td:last-child')].map(td => td.textContent.trim())")
            as? [String]
        XCTAssertFalse(notes?.contains("rule") ?? true, "the routing note in words: \(notes ?? [])")
        XCTAssertTrue(notes?.contains("by the category rule") ?? false, "\(notes ?? [])")

        // 1,280 px: the label column stays narrow, the answer gets the room.
        try browser.emulate(width: 1280)
        let labels = try edges(browser, "dl.facts dt")
        let values = try edges(browser, "dl.facts dd")
        XCTAssertLessThan(labels.right, 420, "the labels' column")
        XCTAssertGreaterThan(values.narrowest, 600, "the values' column")
        try browser.screenshot("routing-ticket-answered-1280")
        // 390 px: nothing of the facts is off screen.
        try browser.emulate(width: 390)
        let phone = try edges(browser, "dl.facts dd")
        XCTAssertLessThanOrEqual(phone.right, 390, "the values fit a phone's width")
        let pageWidth = try browser.evaluate("document.documentElement.scrollWidth") as? Double
        XCTAssertLessThanOrEqual(pageWidth ?? .infinity, 390, "no horizontal scrolling at 390 px")
        try browser.screenshot("routing-ticket-answered-390")
        try browser.call("Emulation.clearDeviceMetricsOverride")

        // An address that does not exist is a page, not JSON.
        try await browser.open(base + "/no/such/page?lang=en")
        let missing = try browser.html()
        XCTAssertFalse(missing.contains("{\"errors\""), String(missing.prefix(800)))
        XCTAssertTrue(missing.contains("<h1"), String(missing.prefix(800)))
    }
}
