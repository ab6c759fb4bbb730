import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import XCTest

@testable import Routing

/// The problem's place and an Open311 client's photo link on the officials' side (issue 15): the
/// rendering check that lets only http(s) links through, the partial on the ticket page and the
/// card, and against the real PostgreSQL and RabbitMQ the JSON API and erasure.
final class TicketPlaceTests: XCTestCase {
    static let registered = TicketSamples.now

    static func appeal(mediaURL: String?, lat: Double? = 46.975033, lon: Double? = 31.994583) -> TicketDetail.Appeal {
        var appeal = TicketDetail.Appeal(
            kind: "application", category: "street-lighting", district: "tsentralnyi", subject: "Ліхтар",
            text: "Не світить",
            author: .init(
                fullName: "Тарас Шевченко", address: "вул. Садова, 12", email: nil, phone: nil,
                preferredLanguage: "uk", benefitCategory: nil),
            confidential: false, against: nil, centreId: nil, repeatOf: nil,
            locationAddress: "вул. Нікольська, 17",
            channel: "open311", registeredAt: registered)
        if let lat, let lon { appeal.location = .init(lat: lat, lon: lon, address: "вул. Нікольська, 17") }
        appeal.mediaURL = mediaURL
        return appeal
    }

    // MARK: The rendering check

    func testOnlyHTTPAndHTTPSLinksWithAHostAreShown() {
        XCTAssertEqual(MediaLink.safeURL("https://example.org/p/1.jpg"), "https://example.org/p/1.jpg")
        XCTAssertEqual(MediaLink.safeURL("HTTP://example.org/a?b=c&d=e"), "HTTP://example.org/a?b=c&d=e")
        for bad in [
            "javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)", "data:text/html,<b>x",
            "vbscript:msgbox", "//example.org/a.jpg", "/relative.jpg", "https://", "http:/example.org",
            "https://user:pass@example.org/a.jpg", "https://example.org/a b.jpg", "https://example.org/\na",
            "ftp://example.org/a.jpg", "", String(repeating: "a", count: 3000),
        ] {
            XCTAssertNil(MediaLink.safeURL(bad), bad)
        }
        XCTAssertNil(MediaLink.safeURL(nil))
    }

    func testThePointHasSixDecimalsAndAnOpenStreetMapLink() throws {
        let point = try XCTUnwrap(TicketPlaceView.point(lat: 46.9750331234, lon: 31.99458))
        XCTAssertEqual(point.coordinates, "46.975033, 31.994580")
        XCTAssertEqual(
            point.mapURL, "https://www.openstreetmap.org/?mlat=46.975033&mlon=31.994580#map=17/46.975033/31.994580")
        XCTAssertNil(TicketPlaceView.point(lat: .nan, lon: 31))
        XCTAssertNil(TicketPlaceView.point(lat: 91, lon: 31))
    }

    func testAJavascriptLinkNeverRendersAsALinkButThePlaceStays() throws {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: WebInbox.templateNames)
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        for template in ["ticket", "card"] {
            var view = RegistrationCardTests.view()
            view.place = TicketPlaceView(
                Self.appeal(mediaURL: "javascript:alert(1)"), districtName: "Центральний")
            let html = templates.render(view, template: template, language: .en, catalogue: catalogue)
            XCTAssertFalse(html.lowercased().contains("javascript:"), template)
            XCTAssertFalse(html.contains("Photo from the Open311 client"), template)
            XCTAssertTrue(html.contains("<dd>вул. Нікольська, 17</dd>"), template)
            XCTAssertTrue(html.contains("46.975033, 31.994583"), template)
            XCTAssertTrue(html.contains("<dt>District</dt><dd>Центральний</dd>"), template)
        }
        // Neither a place nor a showable link: no section at all.
        let nothing = Self.appeal(mediaURL: "data:x", lat: nil, lon: nil).with(address: nil)
        XCTAssertNil(TicketPlaceView(nothing, districtName: "Центральний"))
    }

    func testTheLinkOpensInANewTabWithoutReferrerAndIsNeverAnImage() throws {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: WebInbox.templateNames)
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        let url = "https://fms.example.org/photo/1.full.jpeg?a=1&b=\"x\""
        for (template, language, label) in [
            ("ticket", Language.en, "Photo from the Open311 client (external link)"),
            ("card", .uk, "Фото від клієнта Open311 (зовнішнє посилання)"),
        ] {
            var view = RegistrationCardTests.view()
            view.place = TicketPlaceView(Self.appeal(mediaURL: url), districtName: nil)
            let html = templates.render(view, template: template, language: language, catalogue: catalogue)
            let escaped = "https://fms.example.org/photo/1.full.jpeg?a=1&amp;b=&quot;x&quot;"
            XCTAssertTrue(
                html.contains(
                    "<a href=\"\(escaped)\" rel=\"noopener noreferrer nofollow\" target=\"_blank\" "
                        + "class=\"open311-media\">\(label)</a>"), html)
            XCTAssertFalse(html.contains("<img src=\"https://fms"), "never embedded")
            XCTAssertTrue(
                html.contains(
                    "href=\"https://www.openstreetmap.org/?mlat=46.975033&amp;mlon=31.994583"
                        + "#map=17/46.975033/31.994583\" rel=\"noopener noreferrer nofollow\" target=\"_blank\""), html)
        }
    }

    // MARK: Against the real servers

    func testRoutingKeepsThePointAndTheLinkShowsThemInTheAPIAndErasureClearsThem() async throws {
        let f = try await RoutingFixture.start(self, clock: TestClock(Self.registered))
        var appeal = RoutingFixture.appeal(category: "heating", district: "tsentralnyi", registeredAt: Self.registered)
        appeal.location = .init(lat: 46.975033, lon: 31.994583, address: "вул. Нікольська, 17")
        appeal.mediaURL = "https://fms.example.org/photo/7.jpeg"
        var plain = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered)
        plain.channel = "open311"
        try await f.publish([try f.envelope(appeal), try f.envelope(plain)])
        let ticket = try await f.waitForTicket(appeal)
        let plainTicket = try await f.waitForTicket(plain)
        let (_, token) = try await f.official(name: "Іван Коваль", authority: "zhkg")

        let detail = try await f.call("GET", "/v1/tickets/\(ticket.uuidString.lowercased())", token: token)
        XCTAssertEqual(detail.status, 200, detail.text)
        let shown = try XCTUnwrap(detail.object["appeal"] as? [String: Any])
        XCTAssertEqual(shown["mediaURL"] as? String, "https://fms.example.org/photo/7.jpeg")
        let location = try XCTUnwrap(shown["location"] as? [String: Any], detail.text)
        XCTAssertEqual(location["lat"] as? Double, 46.975033)
        XCTAssertEqual(location["lon"] as? Double, 31.994583)
        XCTAssertEqual(location["address"] as? String, "вул. Нікольська, 17")
        let typed = try JSON.decoder.decode(TicketDetail.self, from: detail.body)
        XCTAssertEqual(
            typed.appeal.location, .init(lat: 46.975033, lon: 31.994583, address: "вул. Нікольська, 17"))

        // An appeal without either: the fields are absent, nothing is stored.
        let other = try await f.call("GET", "/v1/tickets/\(plainTicket.uuidString.lowercased())", token: token)
        let otherAppeal = try XCTUnwrap(other.object["appeal"] as? [String: Any])
        XCTAssertNil(otherAppeal["location"])
        XCTAssertNil(otherAppeal["mediaURL"])
        let storedForPlain = try await f.count("SELECT count(*) FROM appeal_places WHERE appeal_id = \(plain.appealId)")
        XCTAssertEqual(storedForPlain, 0)

        // Erasure through the bus (the ErasureGate): the point and the link go.
        let erased = AppealPersonalDataErased(
            appealId: appeal.appealId, registrationNumber: appeal.registrationNumber, trigger: .retention,
            erasedBy: "test", erasedAt: Self.registered)
        try await f.publish([
            try Envelope(event: erased, correlationId: appeal.appealId, causationId: nil, producer: "hromada-intake")
        ])
        let cleared = try await eventually(timeout: .seconds(20)) {
            try await f.count("SELECT count(*) FROM appeal_places WHERE appeal_id = \(appeal.appealId)") == 0
        }
        XCTAssertTrue(cleared, "erasure deleted the point and the link")
        let after = try await f.call("GET", "/v1/tickets/\(ticket.uuidString.lowercased())", token: token)
        XCTAssertEqual(after.status, 200, after.text)
        let afterAppeal = try XCTUnwrap(after.object["appeal"] as? [String: Any])
        XCTAssertNil(afterAppeal["mediaURL"])
        XCTAssertNil(afterAppeal["location"])
        XCTAssertFalse(after.text.contains("fms.example.org"))
    }
}

extension TicketDetail.Appeal {
    fileprivate func with(address: String?) -> TicketDetail.Appeal {
        var copy = self
        copy.locationAddress = address
        return copy
    }
}
