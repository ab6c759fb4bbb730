import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaTestSupport
import XCTest

@testable import Intake

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Issue 15, item 1: a client that behaves as FixMyStreet's Open311 client does files, polls and
/// reads against the real intake (PostgreSQL and RabbitMQ). The client below is written from that
/// client's documented behaviour: XML endpoints only; the service list, then each service's
/// definition; every required attribute filled from the resident's form (a required attribute it
/// cannot fill is a failure); the name split at the first space into `first_name`/`last_name`;
/// `lat`/`long` when the resident used the map, otherwise `address_string`; a POST form-urlencoded
/// (spaces as `+`) with `api_key` and `jurisdiction_id`; `service_request_id` taken from the answer,
/// else `tokens/{token}.xml` polled; requests read back by an id list and by a date window
/// (W3C date-times), and status updates from `servicerequestupdates.xml`.
final class FixMyStreetClientTests: XCTestCase {
    static let residence = "вул. Садова, 12, кв. 3"
    static let email = "taras@example.org"

    /// What FixMyStreet holds about a report before it sends it.
    struct Report {
        var name: String
        var email: String
        var detail: String
        var latitude: Double?
        var longitude: Double?
        /// What the resident typed instead of using the map.
        var postcode: String?
        var imageURL: String?
        /// The values the resident gave for the service's attributes (FixMyStreet's extra fields).
        var extra: [String: String]
    }

    func testAFixMyStreetClientFilesPollsAndReadsBack() async throws {
        let service = try await IntakeTestService.start(self, label: "test.intake.fixmystreet")
        let client = FixMyStreetLikeClient(harness: service.harness, apiKey: IntakeTestService.centreKey)

        // The service list, then the definition of a service with metadata.
        let services = try await client.serviceList()
        let lighting = try XCTUnwrap(services.first { $0.child("service_code")?.text == "street-lighting" })
        XCTAssertEqual(lighting.child("metadata")?.text, "true")
        let attributes = try await client.serviceDefinition("street-lighting")
        let required = attributes.filter {
            $0.child("required")?.text == "true" && $0.child("variable")?.text == "true"
        }
        XCTAssertEqual(required.compactMap { $0.child("code")?.text }, ["residence_address"])
        let residence = try XCTUnwrap(attributes.first { $0.child("code")?.text == "residence_address" })
        XCTAssertEqual(residence.child("datatype")?.text, "string")
        let described = residence.child("description")?.text ?? ""
        XCTAssertTrue(described.contains("місця проживання"), described)
        XCTAssertTrue(described.contains("residence address"), described)
        let patronymic = try XCTUnwrap(attributes.first { $0.child("code")?.text == "patronymic" })
        XCTAssertEqual(patronymic.child("required")?.text, "false", "the patronymic is asked for, not required")
        let orders = attributes.compactMap { $0.child("order")?.text.flatMap { Int($0) } }
        XCTAssertEqual(orders.count, attributes.count)
        XCTAssertEqual(Set(orders).count, orders.count, "each attribute has its own order")

        // A report placed on the map, with a photo link, no patronymic, consent to publish.
        let mapped = Report(
            name: "Тарас Шевченко", email: Self.email,
            detail: "Не світить ліхтар біля зупинки на Нікольській.",
            latitude: 46.9659, longitude: 31.9974, postcode: nil,
            imageURL: "https://fixmystreet.example.org/photo/42.0.jpeg",
            extra: ["residence_address": Self.residence, "consent": "true"])
        let first = try await client.send(mapped, serviceCode: "street-lighting", definition: attributes)
        XCTAssertTrue(first.hasPrefix("MK-"), first)
        // A report with a typed place and no coordinates: the place is the problem's, not the residence.
        let typed = Report(
            name: "Леся Українка", email: "lesia@example.org",
            detail: "Темно на всій вулиці вночі.",
            latitude: nil, longitude: nil, postcode: "вул. Соборна, 5", imageURL: nil,
            extra: ["residence_address": "просп. Центральний, 20, кв. 7"])
        let second = try await client.send(typed, serviceCode: "street-lighting", definition: attributes)

        // Stored: the residence as the author's address, the problem's place as the location.
        let db = service.db.client(poolSize: 1)
        let rows = try await db.query(
            """
            SELECT registration_number, full_name, address, location_address, lat, lon, body FROM appeals
            ORDER BY registration_number
            """)
        await db.close()
        let stored = try Dictionary(
            uniqueKeysWithValues: rows.map { r in
                (
                    try r.decode(0, as: String.self),
                    (
                        name: try r.decode(1, as: String.self), address: try r.decode(2, as: String.self),
                        place: try r.decode(3, as: String?.self), lat: try r.decode(4, as: Double?.self),
                        body: try r.decode(6, as: String.self)
                    )
                )
            })
        XCTAssertEqual(stored[first]?.name, "Тарас Шевченко", "first and last name are enough")
        XCTAssertEqual(stored[first]?.address, Self.residence)
        XCTAssertEqual(stored[first]?.lat, 46.9659)
        XCTAssertNil(stored[first]?.place)
        XCTAssertEqual(stored[second]?.address, "просп. Центральний, 20, кв. 7")
        XCTAssertTrue(
            stored[second]?.body.contains("вул. Соборна, 5") == true, "the typed place stays with the text")

        // Read back by a list of ids.
        let byIds = try await client.serviceRequests(["service_request_id": "\(first),\(second)"])
        XCTAssertEqual(Set(byIds.compactMap { $0.child("service_request_id")?.text }), [first, second])
        let firstRow = try XCTUnwrap(byIds.first { $0.child("service_request_id")?.text == first })
        XCTAssertEqual(firstRow.child("status")?.text, "open")
        XCTAssertEqual(firstRow.child("media_url")?.text, mapped.imageURL, "the photo is shown as its link")
        XCTAssertEqual(firstRow.child("lat")?.text, "46.9659")
        XCTAssertEqual(firstRow.child("description")?.text, mapped.detail)
        XCTAssertEqual(
            firstRow.child("status_notes")?.text, Open311Notes.statusNote(.registered, language: .uk))
        XCTAssertTrue(firstRow.child("status_notes")?.text?.contains("зареєстровано") == true)
        for text in [client.lastBody] {
            for secret in [
                Self.residence, "Садова", "Центральний, 20", "Шевченко", Self.email,
                "lesia@",
            ] {
                XCTAssertFalse(text.contains(secret), "Open311 shows \(secret)")
            }
        }

        // Read back by a date window, as W3C date-times.
        let now = Date()
        let window = try await client.serviceRequests([
            "start_date": FixMyStreetLikeClient.w3c(now.addingTimeInterval(-3600)),
            "end_date": FixMyStreetLikeClient.w3c(now.addingTimeInterval(60)),
        ])
        XCTAssertEqual(Set(window.compactMap { $0.child("service_request_id")?.text }), [first, second])
        let earlier = try await client.serviceRequests([
            "start_date": FixMyStreetLikeClient.w3c(now.addingTimeInterval(-7200)),
            "end_date": FixMyStreetLikeClient.w3c(now.addingTimeInterval(-3600)),
        ])
        XCTAssertTrue(earlier.isEmpty, "a window before the filing holds nothing")

        // The state moves on (as routing's events move the resident's view): the notes say what it means.
        let accepted = TrackingUpdate(registrationNumber: first, status: .accepted, occurredAt: Date())
        let admin = service.db.client(poolSize: 1)
        try await admin.withConnection { connection in
            try TrackingRecords.apply(accepted, eventId: UUID(), eventType: "ticket.accepted", on: connection)
        }
        await admin.close()
        let english = try await client.serviceRequests(["service_request_id": first, "locale": "en_GB"])
        XCTAssertEqual(
            english.first?.child("status_notes")?.text, "The authority has accepted the appeal for consideration.")
        XCTAssertEqual(english.first?.child("service_name")?.text, Reference.category(code: "street-lighting")?.nameEn)
        let englishServices = try await client.get("services.xml", ["locale": "en"]).children("service")
        XCTAssertEqual(
            englishServices.first { $0.child("service_code")?.text == "street-lighting" }?.child("service_name")?.text,
            Reference.category(code: "street-lighting")?.nameEn)
        let updates = try await client.serviceRequestUpdates(
            start: now.addingTimeInterval(-3600), end: Date().addingTimeInterval(60))
        let ofFirst = updates.filter { $0.child("service_request_id")?.text == first }
        XCTAssertEqual(ofFirst.compactMap { $0.child("status")?.text }, ["open", "in_progress"])
        XCTAssertEqual(
            ofFirst.last?.child("description")?.text, Open311Notes.statusNote(.accepted, language: .uk))
        XCTAssertTrue(ofFirst.allSatisfy { $0.child("update_id")?.text?.isEmpty == false })
        XCTAssertTrue(ofFirst.allSatisfy { $0.child("updated_datetime")?.text?.isEmpty == false })
        XCTAssertFalse(client.lastBody.contains(Self.residence))

        // Erasing the author's personal data takes the photo link with it.
        let eraser = service.db.client(poolSize: 1)
        try await eraser.withConnection { connection in
            let id = try XCTUnwrap(
                try connection.query("SELECT id FROM appeals WHERE registration_number = \(first)").first
            ).decode(0, as: UUID.self)
            try IntakeStore.erasePersonalFields(appealId: id, registrationNumber: first, on: connection)
        }
        await eraser.close()
        let erased = try await client.serviceRequests(["service_request_id": first])
        XCTAssertEqual(erased.first?.child("service_request_id")?.text, first)
        XCTAssertNil(erased.first?.child("media_url")?.text, "no link after erasure")
        XCTAssertFalse(client.lastBody.contains("fixmystreet.example.org"))
    }

    func testWhatTheClientIsRefusedNamesTheField() async throws {
        let service = try await IntakeTestService.start(self, label: "test.intake.fixmystreet")
        let client = FixMyStreetLikeClient(harness: service.harness, apiKey: IntakeTestService.centreKey)
        var base: [String: String] = [
            "service_code": "street-lighting", "description": "Не світить ліхтар.",
            "first_name": "Тарас",
            "last_name": "Шевченко", "email": Self.email, "lat": "46.9659", "long": "31.9974",
            "attribute[residence_address]": Self.residence,
        ]

        // The client that skips the required attribute learns which one.
        var withoutResidence = base
        withoutResidence["attribute[residence_address]"] = nil
        let refused = try await client.post(withoutResidence)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("<errors><error><code>422</code>"))
        XCTAssertTrue(refused.text.contains("author.address"), refused.text)

        for bad in [
            "javascript:alert(1)", "file:///etc/passwd", "ftp://example.org/a.jpg", "https://",
            "https://example.org/" + String(repeating: "a", count: 2001),
        ] {
            var form = base
            form["media_url"] = bad
            let answer = try await client.post(form)
            XCTAssertEqual(answer.status, 400, bad)
            XCTAssertTrue(answer.text.contains("media_url"), answer.text)
        }

        // A confidential request keeps its link to itself, like its text.
        base["media_url"] = "http://fixmystreet.example.org/photo/7.jpeg"
        base["attribute[confidential]"] = "true"
        let posted = try await client.post(base)
        XCTAssertEqual(posted.status, 201, posted.text)
        let id = try XCTUnwrap(
            try XMLTree.parse(posted.body).children("request").first?.child("service_request_id")?.text)
        let shown = try await client.serviceRequests(["service_request_id": id])
        XCTAssertTrue(shown.isEmpty, "a confidential request is not listed")
        let one = try await service.harness.request("GET", "/open311/v2/requests/\(id).xml")
        XCTAssertEqual(one.status, 200, one.text)
        XCTAssertFalse(one.text.contains("fixmystreet.example.org"), "no link while unpublished")
        XCTAssertFalse(one.text.contains("<description>"))
    }

    func testStatusNotesAndMediaRules() {
        var notes: Set<String> = []
        for status in PublicStatus.allCases {
            let uk = Open311Notes.statusNote(status, language: .uk)
            let en = Open311Notes.statusNote(status, language: .en)
            XCTAssertNotEqual(uk, status.rawValue)
            XCTAssertNotEqual(en, status.rawValue)
            XCTAssertTrue(uk.contains(where: { ("а"..."я").contains($0) }), uk)
            XCTAssertFalse(en.contains(where: { ("а"..."я").contains($0) }), en)
            notes.insert(uk)
            notes.insert(en)
        }
        XCTAssertEqual(notes.count, PublicStatus.allCases.count * 2, "each state says something of its own")
        XCTAssertEqual(Open311Notes.Language(locale: "en_GB"), .en)
        XCTAssertEqual(Open311Notes.Language(locale: "uk-UA"), .uk)
        XCTAssertEqual(Open311Notes.Language(locale: nil), .uk)
        XCTAssertEqual(Open311Notes.updateStatus(.registered), "open")
        XCTAssertEqual(Open311Notes.updateStatus(.forwarded), "internal_referral")
        XCTAssertEqual(Open311Notes.updateStatus(.answered), "closed")
        XCTAssertEqual(Open311Notes.updateStatus(.notConsidered), "no_further_action")
        XCTAssertNil(Open311Notes.mediaURLProblem("https://example.org/p.jpg"))
        XCTAssertNil(Open311Notes.mediaURLProblem("HTTP://example.org/p.jpg"))
        XCTAssertNotNil(Open311Notes.mediaURLProblem("https://exa mple.org/p.jpg"))
        XCTAssertNotNil(Open311Notes.mediaURLProblem("data:image/png;base64,AAAA"))
        XCTAssertNotNil(Open311Notes.mediaURLProblem("//example.org/p.jpg"))
        XCTAssertNotNil(Open311Notes.mediaURLProblem("https://user:secret@example.org/p.jpg"))
    }
}

/// The client's side, kept to what FixMyStreet's client does.
final class FixMyStreetLikeClient: @unchecked Sendable {
    let harness: ServiceHarness
    let apiKey: String
    let endpoint = "/open311/v2/"
    let jurisdiction = "mykolaiv.ua"
    /// The last response body, to check it for what must not be there.
    var lastBody = ""

    init(harness: ServiceHarness, apiKey: String) {
        self.harness = harness
        self.apiKey = apiKey
    }

    /// W3C date-time in UTC, as FixMyStreet writes it.
    static func w3c(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Form encoding as Perl's URI does it: unreserved characters kept, space as `+`.
    static func encode(_ s: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~ ")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: " ", with: "+")
    }

    static func query(_ params: [String: String]) -> String {
        params.keys.sorted().map { "\(encode($0))=\(encode(params[$0]!))" }.joined(separator: "&")
    }

    func get(_ path: String, _ params: [String: String] = [:]) async throws -> XMLTree {
        var params = params
        params["jurisdiction_id"] = jurisdiction
        let response = try await harness.request("GET", endpoint + path + "?" + Self.query(params))
        lastBody = response.text
        XCTAssertEqual(response.status, 200, "\(path): \(response.text)")
        return try XMLTree.parse(response.body)
    }

    func post(_ params: [String: String]) async throws -> ServiceHarness.Response {
        var params = params
        params["jurisdiction_id"] = jurisdiction
        params["api_key"] = apiKey
        let response = try await harness.request(
            "POST", endpoint + "requests.xml", body: Data(Self.query(params).utf8),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        lastBody = response.text
        return response
    }

    func serviceList() async throws -> [XMLTree] { try await get("services.xml").children("service") }

    func serviceDefinition(_ code: String) async throws -> [XMLTree] {
        try await get("services/\(code).xml").child("attributes")?.children("attribute") ?? []
    }

    /// FixMyStreet's split: the first word, then the rest.
    static func splitName(_ name: String) -> (String, String) {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, "") }
        return (String(trimmed[..<space]), trimmed[space...].trimmingCharacters(in: .whitespaces))
    }

    /// Sends a report; returns its service_request_id (polling the token when none comes back).
    func send(_ report: FixMyStreetClientTests.Report, serviceCode: String, definition: [XMLTree]) async throws
        -> String
    {
        let (first, last) = Self.splitName(report.name)
        var params: [String: String] = [
            "description": report.detail, "service_code": serviceCode, "first_name": first, "last_name": last,
            "email": report.email,
        ]
        if let lat = report.latitude, let long = report.longitude {
            params["lat"] = String(format: "%.6f", lat)
            params["long"] = String(format: "%.6f", long)
        } else {
            params["address_string"] = report.postcode ?? ""
        }
        if let image = report.imageURL { params["media_url"] = image }
        for attribute in definition where attribute.child("variable")?.text == "true" {
            let code = try XCTUnwrap(attribute.child("code")?.text)
            if let value = report.extra[code] {
                params["attribute[\(code)]"] = value
            } else if attribute.child("required")?.text == "true" {
                XCTFail("the form has no value for the required attribute \(code)")
            }
        }
        let response = try await post(params)
        XCTAssertTrue((200..<300).contains(response.status), response.text)
        let request = try XCTUnwrap(try XMLTree.parse(response.body).children("request").first)
        if let id = request.child("service_request_id")?.text, !id.isEmpty {
            // The token the answer also carries resolves to the same id, as polling would find it.
            if let token = request.child("token")?.text, !token.isEmpty {
                let polled = try await idFromToken(token)
                XCTAssertEqual(polled, id)
            }
            return id
        }
        let token = try XCTUnwrap(request.child("token")?.text, "neither an id nor a token")
        for _ in 1...5 {
            if let id = try await idFromToken(token) { return id }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        throw XMLTree.Malformed(reason: "timed out polling token \(token)")
    }

    func idFromToken(_ token: String) async throws -> String? {
        let tree = try await get("tokens/\(token).xml")
        return tree.children("request").first?.child("service_request_id")?.text
    }

    func serviceRequests(_ params: [String: String]) async throws -> [XMLTree] {
        try await get("requests.xml", params).children("request")
    }

    func serviceRequestUpdates(start: Date, end: Date) async throws -> [XMLTree] {
        try await get(
            "servicerequestupdates.xml",
            ["api_key": apiKey, "start_date": Self.w3c(start), "end_date": Self.w3c(end)]
        ).children("request_update")
    }
}

/// A parsed XML element: its name, text and child elements.
final class XMLTree: @unchecked Sendable {
    let name: String
    var text: String?
    var elements: [XMLTree] = []
    init(name: String) { self.name = name }

    func child(_ name: String) -> XMLTree? { elements.first { $0.name == name } }
    func children(_ name: String) -> [XMLTree] { elements.filter { $0.name == name } }

    struct Malformed: Error { let reason: String }

    static func parse(_ data: Data) throws -> XMLTree {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw Malformed(reason: parser.parserError.map { "\($0)" } ?? "no root element")
        }
        return root
    }

    final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTree?
        var stack: [XMLTree] = []
        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            let node = XMLTree(name: elementName)
            if let parent = stack.last { parent.elements.append(node) } else { root = node }
            stack.append(node)
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last.map { $0.text = ($0.text ?? "") + string }
        }
        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            stack.removeLast()
        }
    }
}
