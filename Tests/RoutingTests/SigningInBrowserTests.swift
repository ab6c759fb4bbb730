import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

/// Officials draft, the head signs (Art. 15, 20), in a real headless chromium: the official signs
/// in with the token, fills the answer form, sees the draft; the head signs in, finds it in the
/// queue "awaiting my signature", opens it and clicks "Sign"; the page, the history and the event
/// show the answer in effect under the head's name. Screenshots under .hromada/screenshots/.
final class SigningInBrowserTests: XCTestCase {
    static let registered = TicketSamples.now

    func testAnOfficialDraftsAndTheHeadSignsInTheBrowser() async throws {
        let f = try await RoutingFixture.startForBrowser(self, at: Self.registered)
        let (_, official) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let (headId, head) = try await f.official(name: "Петро Головко", authority: "zhkg", role: "head")
        let appeal = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal).uuidString.lowercased()
        _ = try await f.call("POST", "/v1/tickets/\(id)/accept", token: official)
        let base = f.api.baseURL

        // The official: the answer form makes a draft, shown on the ticket page.
        let desk = try await HeadlessBrowser.launch()
        defer { desk.close() }
        try await f.signIn(desk, token: official, language: "en")
        try await desk.open(base + "/tickets/\(id)?lang=en")
        let ticketPage = try desk.html()
        let where_ = try desk.location()
        XCTAssertTrue(
            ticketPage.contains("takes effect when the head or a deputy signs it"),
            "\(where_): \(ticketPage.prefix(3000))")
        try desk.fill("outcome", "explained")
        try desk.fill("text", "Роз'яснено порядок перерахунку за опалення.")
        try await desk.click("form[action=\"/tickets/\(id)/answer\"] button[type=submit]")
        var page = try desk.html()
        XCTAssertTrue(page.contains("Saved as a draft"), "the official is told it waits for the signature")
        XCTAssertTrue(page.contains("Draft awaiting the head's signature"))
        XCTAssertTrue(page.contains("Роз'яснено порядок перерахунку за опалення."))
        XCTAssertFalse(page.contains("action=\"/tickets/\(id)/sign\""), "an official has no sign button")
        try desk.screenshot("routing-draft-official")
        var r = try await f.call("GET", "/v1/tickets/\(id)", token: official)
        XCTAssertEqual(r.object["status"] as? String, "accepted", "nothing took effect")

        // The head: the queue of drafts, the ticket, the signature.
        let office = try await HeadlessBrowser.launch()
        defer { office.close() }
        try await f.signIn(office, token: head, language: "en")
        try office.fill("awaitingSignature", "true")
        try await office.click("form[method=get] button[type=submit]")
        page = try office.html()
        XCTAssertTrue(try office.location().contains("awaitingSignature=true"))
        XCTAssertTrue(page.contains(appeal.registrationNumber), "the draft is in the head's queue")
        XCTAssertTrue(page.contains("awaiting signature: answer"))
        try office.screenshot("routing-draft-queue")
        try await office.click("a[href=\"/tickets/\(id)\"]")
        XCTAssertTrue(try office.html().contains("Prepared by"))
        try await office.click("#sign-draft")
        page = try office.html()
        XCTAssertTrue(page.contains("Signed: the draft took effect."), page)
        XCTAssertFalse(page.contains("Draft awaiting the head's signature"))
        try office.screenshot("routing-draft-signed")

        r = try await f.call("GET", "/v1/tickets/\(id)", token: head)
        XCTAssertEqual(r.object["status"] as? String, "answered")
        let last = (r.object["history"] as? [[String: Any]])?.last
        XCTAssertEqual(last?["action"] as? String, "answered")
        XCTAssertEqual((last?["actor"] as? String)?.lowercased(), headId.lowercased())
        XCTAssertTrue((last?["note"] as? String ?? "").contains("signed; drafted by"))
        let answered = try await f.events(TicketAnswered.self)
        XCTAssertEqual(answered.map { $0.officialId.lowercased() }, [headId.lowercased()])
        XCTAssertEqual(
            answered.first?.answerText,
            "Роз'яснено порядок перерахунку за опалення.")
    }
}
