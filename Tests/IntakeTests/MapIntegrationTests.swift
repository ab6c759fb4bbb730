import Foundation
import HromadaPostgres
import HromadaTestSupport
import XCTest

@testable import Intake

/// An appeal's point through the centre API and Open311, against the real servers: a point outside
/// Mykolaiv or a coordinate that is no number is a field error in each channel's own error form
/// (never a 500), and a point with no district given gets the district its outline contains.
final class MapIntegrationTests: XCTestCase {
    static let centreKey = IntakeTestService.centreKey
    var auth: [String: String] { ["Authorization": "Bearer \(Self.centreKey)"] }

    /// The district and point intake stored for `number`.
    func stored(_ service: IntakeTestService, _ number: String) async throws -> (String?, Double?, Double?) {
        let client = service.db.client(poolSize: 1)
        defer { Task { await client.close() } }
        let row = try await client.query(
            "SELECT district, lat, lon FROM appeals WHERE registration_number = \(number)"
        ).first
        let found = try XCTUnwrap(row, "appeal \(number) stored")
        return (
            try found.decode(0, as: String?.self), try found.decode(1, as: Double?.self),
            try found.decode(2, as: Double?.self)
        )
    }

    func appeal(location: Any?, district: String? = nil) -> [String: Any] {
        var body = IntakeIntegrationTests.appeal()
        if let location { body["location"] = location }
        if let district { body["district"] = district }
        return body
    }

    func testTheCentreAPIChecksThePointAndFillsTheDistrict() async throws {
        let service = try await IntakeTestService.start(self)
        let api = service.harness

        // A point in the south, no district: Корабельний from the outline.
        var response = try await api.request(
            "POST", "/v1/appeals", json: appeal(location: ["lat": 46.88, "lon": 32.0]), headers: auth)
        XCTAssertEqual(response.status, 201, response.text)
        var number = try response.decode(RegistrationReceipt.self).registrationNumber
        var (district, lat, lon) = try await stored(service, number)
        XCTAssertEqual(district, "korabelnyi")
        XCTAssertEqual(lat, 46.88)
        XCTAssertEqual(lon, 32.0)

        // The same point with a district chosen by hand: the hand wins.
        response = try await api.request(
            "POST", "/v1/appeals", json: appeal(location: ["lat": 46.88, "lon": 32.0], district: "zavodskyi"),
            headers: auth)
        XCTAssertEqual(response.status, 201, response.text)
        number = try response.decode(RegistrationReceipt.self).registrationNumber
        (district, _, _) = try await stored(service, number)
        XCTAssertEqual(district, "zavodskyi")

        // On the Southern Bug: inside the city, in no district.
        response = try await api.request(
            "POST", "/v1/appeals", json: appeal(location: ["lat": 46.966, "lon": 31.958]), headers: auth)
        XCTAssertEqual(response.status, 201, response.text)
        number = try response.decode(RegistrationReceipt.self).registrationNumber
        (district, _, _) = try await stored(service, number)
        XCTAssertNil(district)

        // Kyiv: 422 naming `location`, in both languages.
        response = try await api.request(
            "POST", "/v1/appeals", json: appeal(location: ["lat": 50.4501, "lon": 30.5234]), headers: auth)
        XCTAssertEqual(response.status, 422, response.text)
        let errors = try XCTUnwrap((try response.json() as? [String: Any])?["errors"] as? [[String: Any]])
        XCTAssertEqual(errors.count, 1, response.text)
        XCTAssertEqual(errors.first?["field"] as? String, "location")
        XCTAssertEqual(errors.first?["code"] as? String, "outside_city")
        XCTAssertTrue((errors.first?["message"] as? String)?.contains("Mykolaiv") == true, response.text)
        XCTAssertTrue((errors.first?["messageUk"] as? String)?.contains("Миколаєві") == true, response.text)

        // Out of range, text and numbers JSON cannot hold: field errors, never a 500.
        response = try await api.request(
            "POST", "/v1/appeals", json: appeal(location: ["lat": 91, "lon": 31.99]), headers: auth)
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertTrue(response.text.contains("\"location.lat\""), response.text)
        // A number past Double's range is refused by the JSON parser itself, before any field is
        // read: 400 `malformed_json` (still never a 500).
        for (body, expected) in [
            (#"{"lat":"abc","lon":31.99}"#, "location.lat"), (#"{"lat":"NaN","lon":31.99}"#, "location.lat"),
            (#"{"lat":46.97,"lon":null,"address":"x"}"#, "location"), (#"{"lat":1e400,"lon":31.99}"#, "malformed_json"),
        ] {
            var json = try XCTUnwrap(
                String(data: try JSONSerialization.data(withJSONObject: appeal(location: nil)), encoding: .utf8))
            json.removeLast()
            json += #","location":"# + body + "}"
            response = try await api.request(
                "POST", "/v1/appeals", body: Data(json.utf8),
                headers: auth.merging(["Content-Type": "application/json"]) { a, _ in a })
            XCTAssertTrue([400, 422].contains(response.status), "\(body): \(response.status) \(response.text)")
            XCTAssertTrue(response.text.contains("\"\(expected)"), "\(body): \(response.text)")
        }
        let client = service.db.client(poolSize: 1)
        defer { Task { await client.close() } }
        let count = try await client.count("SELECT count(*)::int FROM appeals")
        XCTAssertEqual(count, 3, "only the three good points were registered")
    }

    func testOpen311ChecksLatLongAndFillsTheDistrict() async throws {
        let service = try await IntakeTestService.start(self)
        let api = service.harness
        func post(_ lat: String, _ long: String, district: String? = nil, format: String = "json") async throws
            -> ServiceHarness.Response
        {
            var fields: [(String, String)] = [
                ("api_key", Self.centreKey), ("service_code", "street-lighting"), ("lat", lat), ("long", long),
                ("first_name", "Леся"), ("last_name", "Українка"), ("email", "lesia@example.org"),
                ("description", "Не світить ліхтар біля будинку вже тиждень."),
                ("attribute[residence_address]", "вул. Соборна, 5, кв. 1"),
            ]
            if let district { fields.append(("attribute[district]", district)) }
            return try await api.request(
                "POST", "/open311/v2/requests.\(format)", body: Data(TestLibrarian.formBody(fields).utf8),
                headers: ["Content-Type": "application/x-www-form-urlencoded"])
        }
        // Ternivka, no district attribute: Інгульський from the outline.
        var response = try await post("46.99", "32.10")
        XCTAssertEqual(response.status, 201, response.text)
        var id = try XCTUnwrap((try response.json() as? [[String: Any]])?.first?["service_request_id"] as? String)
        var (district, lat, _) = try await stored(service, id)
        XCTAssertEqual(district, "inhulskyi")
        XCTAssertEqual(lat, 46.99)
        // The attribute chosen by the client wins.
        response = try await post("46.99", "32.10", district: "tsentralnyi")
        XCTAssertEqual(response.status, 201, response.text)
        id = try XCTUnwrap((try response.json() as? [[String: Any]])?.first?["service_request_id"] as? String)
        (district, _, _) = try await stored(service, id)
        XCTAssertEqual(district, "tsentralnyi")

        // Outside the city and bad numbers: the spec's error list, naming the field.
        for (lat, long, field) in [
            ("50.4501", "30.5234", "location:"), ("abc", "31.99", "location.lat:"), ("46.97", "NaN", "location.lon:"),
            ("46.97", "1e999", "location.lon:"),
        ] {
            response = try await post(lat, long)
            XCTAssertEqual(response.status, 422, "\(lat),\(long): \(response.text)")
            let error = try XCTUnwrap((try response.json() as? [[String: Any]])?.first, response.text)
            XCTAssertEqual(error["code"] as? Int, 422)
            XCTAssertTrue((error["description"] as? String)?.hasPrefix(field) == true, response.text)
        }
        response = try await post("50.4501", "30.5234", format: "xml")
        XCTAssertEqual(response.status, 422, response.text)
        XCTAssertTrue(response.text.contains("<errors><error><code>422</code><description>location:"), response.text)
    }

    /// Without Debian's Leaflet the form says so and keeps the two coordinate inputs, which work
    /// with no script at all: text that is no number comes back next to them, a decimal comma is
    /// read, and the district comes from the point.
    func testWithoutLeafletTheFormsCoordinatesStillWork() async throws {
        let service = try await IntakeTestService.start(self) { $0.map.leafletDirectory = "/nonexistent/leaflet" }
        let librarian = try await TestLibrarian.create(
            on: service.harness, centre: "central-library", login: "oksana", adminToken: IntakeTestService.adminToken)
        let browser = FormBrowser(baseURL: service.harness.baseURL)
        let signedIn = try await browser.post("/form/login?lang=en", librarian.signInFields)
        XCTAssertEqual(signedIn.status, 303, signedIn.text)
        let cookie = try XCTUnwrap(FormBrowser.cookie("hromada_intake", in: signedIn))
        let form = try await browser.get("/?lang=en", cookie: cookie)
        XCTAssertEqual(form.status, 200, form.text)
        XCTAssertTrue(form.text.contains("id=\"map-unavailable\""), "the page says the map is missing")
        XCTAssertTrue(form.text.contains("name=\"lat\"") && form.text.contains("name=\"lon\""))
        XCTAssertFalse(form.text.contains("leaflet.js"))
        let policy = try XCTUnwrap(form.header("Content-Security-Policy"))
        XCTAssertTrue(policy.contains("img-src 'self' data: https://tile.openstreetmap.org"), policy)
        let leaflet = try await browser.get("/assets/leaflet/leaflet.js")
        XCTAssertEqual(leaflet.status, 404)

        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))
        let wrong = try await browser.post(
            "/form/appeals?lang=en", TestLibrarian.appealForm(csrf: csrf) + [("lat", "abc"), ("lon", "31.99")],
            cookie: cookie)
        XCTAssertEqual(wrong.status, 422, wrong.text)
        XCTAssertTrue(wrong.text.contains("id=\"location-error\">lat must be a number"), wrong.text)
        XCTAssertTrue(wrong.text.contains("value=\"abc\""), "what was typed is shown again")
        let outside = try await browser.post(
            "/form/appeals?lang=uk", TestLibrarian.appealForm(csrf: csrf) + [("lat", "50.45"), ("lon", "30.52")],
            cookie: cookie)
        XCTAssertEqual(outside.status, 422, outside.text)
        XCTAssertTrue(outside.text.contains("Точка має бути в Миколаєві"), outside.text)

        let sent = try await browser.post(
            "/form/appeals?lang=en", TestLibrarian.appealForm(csrf: csrf) + [("lat", "46,88"), ("lon", " 32,0 ")],
            cookie: cookie)
        XCTAssertEqual(sent.status, 201, sent.text)
        let number = try XCTUnwrap(
            sent.text.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(sent.text[$0]) })
        let (district, lat, lon) = try await stored(service, number)
        XCTAssertEqual(district, "korabelnyi")
        XCTAssertEqual(lat, 46.88)
        XCTAssertEqual(lon, 32.0)
    }

    /// Leaflet (from Debian's folder, images included) and the map's own files are served by intake.
    func testLeafletAndTheMapsFilesAreServedLocally() async throws {
        guard FileManager.default.fileExists(atPath: MapSettings.debianLeaflet + "/leaflet.js") else {
            throw XCTSkip("Debian's libjs-leaflet is not installed (deploy/local/infra.sh installs it)")
        }
        let service = try await IntakeTestService.start(self, withCentre: false)
        for (path, type) in [
            ("/assets/leaflet/leaflet.js", "text/javascript"), ("/assets/leaflet/leaflet.css", "text/css"),
            ("/assets/leaflet/images/marker-icon.png", "image/png"), ("/assets/map/hromada-map.js", "text/javascript"),
            ("/assets/map/hromada-map.css", "text/css"), ("/assets/map/mykolaiv-districts.geojson", ""),
        ] {
            let response = try await service.harness.request("GET", path)
            XCTAssertEqual(response.status, 200, path)
            XCTAssertTrue(response.header("Content-Type")?.hasPrefix(type) == true, "\(path): \(response.headers)")
        }
        let outlines = try await service.harness.request("GET", "/assets/map/mykolaiv-districts.geojson")
        XCTAssertEqual(try DistrictOutlines(geoJSON: outlines.body).outlines.count, 4)
        XCTAssertTrue(outlines.text.contains("APPROXIMATE"))
    }
}
