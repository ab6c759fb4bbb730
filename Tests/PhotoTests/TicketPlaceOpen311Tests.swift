import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import XCTest

/// An Open311 client's `media_url` and `lat`/`long` reach the official who answers (issue 15),
/// across intake, routing and audit on the real PostgreSQL and RabbitMQ: the link travels sealed
/// in `appeal.registered`, routing's ticket page links it (new tab, no referrer, never an image)
/// with the point and its OpenStreetMap link, the officials' JSON API has both, and viewing the
/// ticket stays a recorded personal-data access. (In PhotoTests because only this target runs
/// intake and routing together.)
final class TicketPlaceOpen311Tests: XCTestCase {
    func testAnOpen311PhotoLinkAndPointReachTheTicketPageAndTheAPI() async throws {
        let system = try await PhotoSystem.start(self)
        let media = "https://fms.example.org/photo/17.full.jpeg?v=2&s=a"
        func encoded(_ value: String) -> String {
            value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
        }
        let body = [
            "api_key=\(PhotoSystem.centreKey)", "service_code=street-lighting", "lat=46.9659", "long=31.9974",
            "first_name=Taras", "last_name=Shevchenko", "email=taras%40example.org",
            "attribute%5Bresidence_address%5D=" + encoded("Mykolaiv, Sadova 12"),
            "address_string=" + encoded("Mykolaiv, Nikolska 17"),
            "description=" + encoded("Lamp post 17 is dark"), "media_url=" + encoded(media),
        ].joined(separator: "&")
        let post = try await system.intake.request(
            "POST", "/open311/v2/requests.json", body: Data(body.utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(post.status, 201, post.text)
        let number = try XCTUnwrap((try post.json() as? [[String: Any]])?.first?["service_request_id"] as? String)

        // The event carries the link, sealed with the other personal fields.
        let observed = try await system.awaitMessage(type: "appeal.registered")
        let delivery = try XCTUnwrap(observed)
        XCTAssertFalse(String(decoding: delivery.body, as: UTF8.self).contains("fms.example.org"), "sealed on the bus")
        let event = try Envelope.decode(from: delivery.body).openingPersonalData(with: TestSealing.keyring)
            .decode(AppealRegistered.self)
        XCTAssertEqual(event.mediaURL, media)
        XCTAssertEqual(event.location?.lat, 46.9659)

        // The official's ticket.
        let token = try await system.createOfficial(name: "Інспектор Місця").token
        let ticket = try await system.ticket(token: token, of: number)

        // The JSON API: both, typed.
        let detail = try await system.routing.request(
            "GET", "/v1/tickets/\(ticket)", headers: ["Authorization": "Bearer \(token)"])
        XCTAssertEqual(detail.status, 200, detail.text)
        let appeal = try XCTUnwrap((try detail.json() as? [String: Any])?["appeal"] as? [String: Any])
        XCTAssertEqual(appeal["mediaURL"] as? String, media)
        let location = try XCTUnwrap(appeal["location"] as? [String: Any], detail.text)
        XCTAssertEqual(location["lat"] as? Double, 46.9659)
        XCTAssertEqual(location["lon"] as? Double, 31.9974)
        XCTAssertEqual(location["address"] as? String, "Mykolaiv, Nikolska 17")

        // The page: a link the official's browser opens, never an image; the point and its map link.
        let browser = FormBrowser(baseURL: system.routing.baseURL, origin: system.routing.baseURL)
        let signedIn = try await browser.post("/login", [("token", token)])
        XCTAssertEqual(signedIn.status, 303, signedIn.text)
        let cookie = try XCTUnwrap(FormBrowser.cookie("hromada_routing", in: signedIn))
        let escaped = media.replacingOccurrences(of: "&", with: "&amp;")
        let osm = "https://www.openstreetmap.org/?mlat=46.965900&amp;mlon=31.997400#map=17/46.965900/31.997400"
        for (path, label) in [
            ("/tickets/\(ticket)?lang=en", "Photo from the Open311 client (external link)"),
            (
                "/tickets/\(ticket)/card?lang=uk",
                "Фото від клієнта Open311 (зовнішнє посилання)"
            ),
        ] {
            let page = try await browser.get(path, cookie: cookie)
            XCTAssertEqual(page.status, 200, page.text)
            XCTAssertTrue(
                page.text.contains(
                    "<a href=\"\(escaped)\" rel=\"noopener noreferrer nofollow\" target=\"_blank\" "
                        + "class=\"open311-media\">\(label)</a>"), page.text)
            XCTAssertFalse(page.text.contains("src=\"https://fms.example.org"), "never embedded")
            XCTAssertTrue(
                page.text.contains("href=\"\(osm)\" rel=\"noopener noreferrer nofollow\" target=\"_blank\""), page.text)
            XCTAssertTrue(page.text.contains("46.965900, 31.997400"))
            XCTAssertTrue(page.text.contains("Mykolaiv, Nikolska 17"))
            // The page's policy lets no third-party image or frame in.
            let policy = page.header("Content-Security-Policy") ?? ""
            XCTAssertFalse(policy.contains("fms.example.org"), policy)
            XCTAssertFalse(policy.contains("openstreetmap"), policy)
        }

        // Viewing the ticket is recorded as a personal-data access.
        let recorded = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            guard let entries = try await system.trailEntries(of: number) else { return false }
            return entries.contains {
                $0["type"] as? String == "personal-data.accessed"
                    && ($0["payload"] as? [String: Any])?["purpose"] as? String == "ticket.view"
            }
        }
        XCTAssertTrue(recorded, "audit recorded the ticket view")
    }
}
