import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

/// The ticket page and the card with an Open311 photo link and the problem's point, in a real
/// headless chromium (issue 15): the link opens in a new tab without a referrer, no `<img>` shows
/// it, and loading either page makes no request to any other origin (neither the client's host nor
/// OpenStreetMap). Screenshot under .hromada/screenshots/.
final class TicketPlaceBrowserTests: XCTestCase {
    static let registered = TicketSamples.now

    func testThePageLinksThePhotoAndThePointAndLoadsNothingFromElsewhere() async throws {
        let f = try await RoutingFixture.startForBrowser(self, at: Self.registered)
        let (_, token) = try await f.official(name: "Ольга Мапова", authority: "zhkg")
        var appeal = RoutingFixture.appeal(category: "heating", district: "tsentralnyi", registeredAt: Self.registered)
        appeal.channel = "open311"
        appeal.location = .init(lat: 46.9659, lon: 31.9974, address: "вул. Нікольська, 17")
        appeal.mediaURL = "https://fms.example.org/photo/17.full.jpeg"
        try await f.publish([try f.envelope(appeal)])
        let id = try await f.waitForTicket(appeal).uuidString.lowercased()
        let base = f.api.baseURL

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await f.signIn(browser, token: token, language: "en")
        try browser.call("Network.enable")
        for path in ["/tickets/\(id)?lang=en", "/tickets/\(id)/card?lang=en"] {
            try await browser.open(base + path)
            let link =
                try browser.evaluate(
                    """
                    (() => { const a = document.querySelector('a.open311-media');
                      return a ? [a.getAttribute('href'), a.rel, a.target, a.textContent] : null; })()
                    """) as? [String]
            XCTAssertEqual(
                link,
                [
                    "https://fms.example.org/photo/17.full.jpeg", "noopener noreferrer nofollow", "_blank",
                    "Photo from the Open311 client (external link)",
                ], path)
            let map = try browser.evaluate("document.querySelector('a.map-link')?.href") as? String
            XCTAssertEqual(
                map, "https://www.openstreetmap.org/?mlat=46.965900&mlon=31.997400#map=17/46.965900/31.997400", path)
            let images = try browser.evaluate("document.querySelectorAll('img[src*=\"example.org\"]').length") as? Int
            XCTAssertEqual(images, 0, "never embedded")
            let place = try browser.evaluate("document.querySelector('#place')?.textContent ?? ''") as? String ?? ""
            XCTAssertTrue(place.contains("46.965900, 31.997400"), place)
            XCTAssertTrue(place.contains("вул. Нікольська, 17"), place)
        }
        _ = try browser.screenshot("ticket-place-open311")
        // Nothing was requested from another origin while the two pages loaded.
        let requested = browser.events.filter { $0["method"] as? String == "Network.requestWillBeSent" }
            .compactMap { (($0["params"] as? [String: Any])?["request"] as? [String: Any])?["url"] as? String }
        XCTAssertFalse(requested.isEmpty, "the pages' own requests were seen")
        XCTAssertEqual(requested.filter { !$0.hasPrefix(base) && !$0.hasPrefix("data:") }, [], "\(requested)")
    }
}
