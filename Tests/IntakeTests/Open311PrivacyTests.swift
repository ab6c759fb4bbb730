import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// Open311 shows only what was published (issue 13, item 3), against the real servers: an appeal
/// from the centre API without `publish` is absent from lists and shows no text by number; with
/// `publish` it is listed with its text and never its author; an Open311-filed request is listed.
final class Open311PrivacyTests: XCTestCase {
    static let centreKey = IntakeTestService.centreKey

    func start() async throws -> ServiceHarness {
        try await IntakeTestService.start(self, label: "test.intake.open311").harness
    }

    static let name = "Шевченко Тарас Григорович"
    static let residence = "вул. Садова, 12, кв. 3"
    static let phone = "+380671234567"

    static func appeal(text: String, publish: Bool?) -> [String: Any] {
        var body: [String: Any] = [
            "kind": "application", "category": "street-lighting",
            "author": [
                "fullName": name, "address": residence, "phone": phone, "email": "taras@example.org",
                "preferredLanguage": "uk",
            ],
            "subject": "Не світить ліхтар", "text": text, "consent": true,
        ]
        if let publish { body["publish"] = publish }
        return body
    }

    func register(_ harness: ServiceHarness, text: String, publish: Bool?) async throws -> String {
        let response = try await harness.request(
            "POST", "/v1/appeals", json: Self.appeal(text: text, publish: publish),
            headers: ["Authorization": "Bearer \(Self.centreKey)"])
        XCTAssertEqual(response.status, 201, response.text)
        let receipt = try XCTUnwrap(try response.json() as? [String: Any])
        return try XCTUnwrap(receipt["registrationNumber"] as? String)
    }

    func assertNoAuthor(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        for secret in [Self.name, "Тарас", Self.residence, "Садова", Self.phone, "taras@example.org"] {
            XCTAssertFalse(text.contains(secret), "Open311 shows \(secret)", file: file, line: line)
        }
    }

    func testOnlyPublishedAppealsAreListedAndNoneShowsItsAuthor() async throws {
        let harness = try await start()
        let privateText = "Паспорт КС123456, телефон +380501112233: ліхтар не світить."
        let publicText = "Не світить ліхтар біля зупинки на Соборній."
        let unpublished = try await register(harness, text: privateText, publish: nil)
        let declined = try await register(harness, text: privateText + " (2)", publish: false)
        let published = try await register(harness, text: publicText, publish: true)

        for format in ["json", "xml"] {
            let list = try await harness.request("GET", "/open311/v2/requests.\(format)")
            XCTAssertEqual(list.status, 200, list.text)
            XCTAssertFalse(list.text.contains(unpublished), "an unpublished appeal is absent from the list")
            XCTAssertFalse(list.text.contains(declined))
            XCTAssertFalse(list.text.contains("КС123456"))
            XCTAssertTrue(list.text.contains(published), "a published appeal is listed")
            XCTAssertTrue(list.text.contains(publicText), "with its description")
            assertNoAuthor(list.text)
            // Asking for the numbers in a list does not bring them back either.
            let byIds = try await harness.request(
                "GET", "/open311/v2/requests.\(format)?service_request_id=\(unpublished),\(published)")
            XCTAssertFalse(byIds.text.contains(unpublished))
            XCTAssertTrue(byIds.text.contains(published))
        }

        // By number an unpublished appeal shows its public facts only.
        let one = try await harness.request("GET", "/open311/v2/requests/\(unpublished).json")
        XCTAssertEqual(one.status, 200, one.text)
        let row = try XCTUnwrap((try one.json() as? [[String: Any]])?.first)
        XCTAssertEqual(row["service_request_id"] as? String, unpublished)
        XCTAssertEqual(row["service_code"] as? String, "street-lighting")
        XCTAssertEqual(row["status"] as? String, "open")
        XCTAssertNotNil(row["requested_datetime"] as? String)
        XCTAssertNil(row["description"] as? String, "no text")
        XCTAssertNil(row["address"] as? String)
        XCTAssertNil(row["lat"] as? Double)
        XCTAssertFalse(one.text.contains("КС123456"))
        assertNoAuthor(one.text)
        let xml = try await harness.request("GET", "/open311/v2/requests/\(unpublished).xml")
        XCTAssertFalse(xml.text.contains("<description>"))
        XCTAssertFalse(xml.text.contains("КС123456"))
        assertNoAuthor(xml.text)

        let shown = try await harness.request("GET", "/open311/v2/requests/\(published).json")
        XCTAssertTrue(shown.text.contains(publicText))
        assertNoAuthor(shown.text)
    }

    func testARequestFiledThroughOpen311IsListed() async throws {
        let harness = try await start()
        let body = [
            "api_key=\(Self.centreKey)", "service_code=street-lighting", "lat=46.9659", "long=31.9974",
            "first_name=Taras", "last_name=Shevchenko", "email=taras%40example.org",
            // The residence (Art. 5) is the required attribute; address_string is the problem's place.
            "attribute%5Bresidence_address%5D=Mykolaiv%2C%20Sadova%2012",
            "address_string=Mykolaiv%2C%20Nikolska%2017",
            "description=Lamp%20post%2017%20is%20dark",
        ].joined(separator: "&")
        let post = try await harness.request(
            "POST", "/open311/v2/requests.json", body: Data(body.utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(post.status, 201, post.text)
        let id = try XCTUnwrap((try post.json() as? [[String: Any]])?.first?["service_request_id"] as? String)
        let list = try await harness.request("GET", "/open311/v2/requests.json")
        XCTAssertTrue(list.text.contains(id))
        XCTAssertTrue(list.text.contains("Lamp post 17 is dark"))
        XCTAssertFalse(list.text.contains("Shevchenko"))
        XCTAssertFalse(list.text.contains("taras@example.org"))
        XCTAssertFalse(list.text.contains("Sadova"), "never the residence")
    }
}
