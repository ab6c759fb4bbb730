import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The intake service against the real PostgreSQL and RabbitMQ (throwaway database and vhost).
final class IntakeIntegrationTests: XCTestCase {
    static let adminToken = IntakeTestService.adminToken
    static let centreKey = IntakeTestService.centreKey
    static let observeQueue = "test.observe"

    struct Env {
        let harness: ServiceHarness
        let client: AMQPClient
        let db: TestDatabase
    }

    func start() async throws -> Env {
        let intake = try await IntakeTestService.start(self)
        let client = try await intake.observer(queue: Self.observeQueue, test: self)
        return Env(harness: intake.harness, client: client, db: intake.db)
    }

    static func appeal(
        name: String = "Шевченко Тарас Григорович",
        text: String = "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти."
    ) -> [String: Any] {
        [
            "kind": "application", "category": "heating",
            "author": ["fullName": name, "address": "вул. Садова, 12, кв. 3", "preferredLanguage": "uk"],
            "subject": "Немає опалення", "text": text, "consent": true, "assistedBy": "Оксана",
        ]
    }

    var auth: [String: String] { ["Authorization": "Bearer \(Self.centreKey)"] }

    /// Reads observed messages until one of `type` arrives.
    func awaitMessage(_ env: Env, type: String) async throws -> AMQPDelivery? {
        try await env.client.awaitMessage(type: type, in: Self.observeQueue, within: .seconds(10))
    }

    func testRegistrationPublishesEventWithContractProperties() async throws {
        let env = try await start()
        let response = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: auth)
        XCTAssertEqual(response.status, 201, response.text)
        let receipt = try response.decode(RegistrationReceipt.self)
        XCTAssertTrue(receipt.registrationNumber.range(of: #"^MK-\d{4}-\d{6}$"#, options: .regularExpression) != nil)
        XCTAssertEqual(receipt.status, "registered")
        XCTAssertFalse(receipt.trackingToken.isEmpty)

        let delivery = try await awaitMessage(env, type: "appeal.registered")
        let d = try XCTUnwrap(delivery)
        let envelope = try Envelope.decode(from: d.body)
        let event = try envelope.decode(AppealRegistered.self)
        XCTAssertEqual(event.registrationNumber, receipt.registrationNumber)
        XCTAssertEqual(event.trackingToken, receipt.trackingToken)
        XCTAssertEqual(event.centreId, "central-library")
        XCTAssertEqual(event.assistedBy, "Оксана")
        XCTAssertEqual(event.channel, "api")
        XCTAssertEqual(d.routingKey, "appeal.registered.v1")
        XCTAssertEqual(d.properties.contentType, "application/json")
        XCTAssertEqual(d.properties.deliveryMode, 2)
        XCTAssertEqual(d.properties.messageID?.lowercased(), envelope.id.uuidString.lowercased())
        XCTAssertEqual(d.properties.correlationID?.lowercased(), receipt.id.uuidString.lowercased())
        XCTAssertEqual(envelope.correlationId, receipt.id)
        XCTAssertEqual(d.properties.appID, "hromada-intake")
        XCTAssertNotNil(d.properties.timestamp)

        // A centre upsert also produced centre.updated.
        let reference = try await env.harness.request("GET", "/v1/categories")
        let categories = try XCTUnwrap(try reference.json() as? [[String: Any]])
        XCTAssertEqual(categories.count, Reference.categories.count)
        let authoritiesResponse = try await env.harness.request("GET", "/v1/authorities")
        let authorities = try XCTUnwrap(try authoritiesResponse.json() as? [[String: Any]])
        XCTAssertTrue(
            authorities.contains {
                $0["code"] as? String == "zavodskyi-administration" && $0["district"] as? String == "zavodskyi"
            })
    }

    func testIdempotencyKey() async throws {
        let env = try await start()
        var headers = auth
        headers["Idempotency-Key"] = "retry-1"
        let first = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: headers)
        let second = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: headers)
        XCTAssertEqual(first.status, 201)
        XCTAssertEqual(second.status, 201)
        let a = try first.decode(RegistrationReceipt.self)
        let b = try second.decode(RegistrationReceipt.self)
        XCTAssertEqual(a, b)
        let other = try await env.harness.request(
            "POST", "/v1/appeals",
            json: Self.appeal(text: "Зовсім інший текст звернення про дороги."),
            headers: headers
        )
        XCTAssertEqual(other.status, 422)
        XCTAssertTrue(other.text.contains("idempotency_key_reused"))
        let count = try await env.harness.request(
            "POST", "/v1/appeals", json: Self.appeal(name: "Франко Іван"), headers: auth)
        let third = try count.decode(RegistrationReceipt.self)
        XCTAssertEqual(
            Int(third.registrationNumber.suffix(6)), Int(a.registrationNumber.suffix(6))! + 1,
            "the replay registered nothing")
    }

    /// Numbers are drawn outside the registering transaction (so registrations run in parallel):
    /// concurrent registrations still get distinct numbers, and when all succeed, no gaps.
    func testConcurrentRegistrationsGetDistinctConsecutiveNumbers() async throws {
        let env = try await start()
        let headers = auth
        let numbers = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<40 {
                group.addTask {
                    let body = Self.appeal(
                        name: "Мешканець Номер \(i)",
                        text: "Звернення номер \(i): "
                            + "прошу відремонтувати дорогу біля будинку.")
                    let response = try await env.harness.request("POST", "/v1/appeals", json: body, headers: headers)
                    XCTAssertEqual(response.status, 201, response.text)
                    return try response.decode(RegistrationReceipt.self).registrationNumber
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(Set(numbers).count, 40, "no number given twice")
        let sequences = numbers.compactMap { Int($0.suffix(6)) }.sorted()
        XCTAssertEqual(sequences.count, 40)
        XCTAssertEqual(sequences.last! - sequences.first!, 39, "no gaps when every registration succeeds")
    }

    func testRefusals() async throws {
        let env = try await start()
        func post(_ body: [String: Any], headers: [String: String]? = nil) async throws -> ServiceHarness.Response {
            try await env.harness.request("POST", "/v1/appeals", json: body, headers: headers ?? auth)
        }
        func fields(_ r: ServiceHarness.Response) throws -> [String: String] {
            let object = try XCTUnwrap(try r.json() as? [String: Any])
            let errors = try XCTUnwrap(object["errors"] as? [[String: Any]])
            for e in errors {
                XCTAssertNotNil(e["messageUk"])
                XCTAssertNotNil(e["message"])
            }
            return Dictionary(
                errors.map { (($0["field"] as? String) ?? "-", $0["code"] as! String) }, uniquingKeysWith: { a, _ in a }
            )
        }
        var oneWord = Self.appeal()
        oneWord["author"] = ["fullName": "Тарас", "address": "", "preferredLanguage": "uk"]
        var r = try await post(oneWord)
        XCTAssertEqual(r.status, 422)
        XCTAssertEqual(try fields(r)["author.fullName"], "anonymous")
        XCTAssertEqual(try fields(r)["author.address"], "anonymous")
        // Issue 20: no consent is no reason to refuse (Art. 7); asking to publish without it is.
        var noConsent = Self.appeal()
        noConsent["consent"] = false
        r = try await post(noConsent)
        XCTAssertEqual(r.status, 201, r.text)
        // Each of these changes to a valid appeal is refused, naming the field and the reason.
        let refusals: [(change: [String: Any], field: String, code: String)] = [
            (["consent": false, "publish": true], "publish", "consent_required_for_publication"),
            (["kind": "complaint"], "against", "required"),
            (["kind": "complaint", "against": "nobody"], "against", "unknown_authority"),
            (["category": "unicorns"], "category", "unknown_category"),
            (["text": "коротко"], "text", "too_short"),
        ]
        for refusal in refusals {
            r = try await post(Self.appeal().merging(refusal.change) { _, changed in changed })
            XCTAssertEqual(try fields(r)[refusal.field], refusal.code, "\(refusal.change)")
        }
        r = try await env.harness.request("POST", "/v1/appeals", body: Data("{\"kind\": ".utf8), headers: auth)
        XCTAssertEqual(r.status, 400)
        r = try await env.harness.request(
            "POST", "/v1/appeals", body: Data(repeating: 0x20, count: 70_000), headers: auth)
        XCTAssertEqual(r.status, 413)
        r = try await post(Self.appeal(), headers: ["Authorization": "Bearer wrong-key-wrong-key"])
        XCTAssertEqual(r.status, 401)
        r = try await post(Self.appeal(), headers: [:])
        XCTAssertEqual(r.status, 401)
    }

    func testRepeatIsFlaggedAndLinked() async throws {
        let env = try await start()
        let first = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: auth).decode(
            RegistrationReceipt.self)
        var again = Self.appeal(
            name: "шевченко  Тарас Григорович",
            text: "У квартирі немає опалення третій тиждень. "
                + "Прошу допомогти!")
        again["author"] = [
            "fullName": "шевченко  Тарас Григорович",
            "address": "вул. Садова 12, кв. 3",
        ]
        let second = try await env.harness.request("POST", "/v1/appeals", json: again, headers: auth)
        XCTAssertEqual(second.status, 201)
        let receipt = try second.decode(RegistrationReceipt.self)
        XCTAssertEqual(receipt.repeatOf, first.registrationNumber)
        XCTAssertNotEqual(receipt.registrationNumber, first.registrationNumber)
        let unrelated = try await env.harness.request(
            "POST", "/v1/appeals",
            json: Self.appeal(
                text: "Прошу встановити ліхтар біля під'їзду номер два."),
            headers: auth)
        XCTAssertNil(try unrelated.decode(RegistrationReceipt.self).repeatOf)
    }

    func testTrackingFollowsTicketEvents() async throws {
        let env = try await start()
        let receipt = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: auth).decode(
            RegistrationReceipt.self)
        let path = "/v1/appeals/\(receipt.registrationNumber)?token=\(receipt.trackingToken)"
        var r = try await env.harness.request("GET", path)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(try r.decode(AppealStatusView.self).status, "registered")

        let wrong = try await env.harness.request("GET", "/v1/appeals/\(receipt.registrationNumber)?token=nope")
        let unknown = try await env.harness.request("GET", "/v1/appeals/MK-1999-000001?token=nope")
        XCTAssertEqual(wrong.status, 404)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(wrong.body, unknown.body)
        XCTAssertFalse(wrong.text.contains("Шевченко"))

        let ticket = UUID()
        let now = Date()
        let deadline = LocalDate(date: now).adding(days: 15)
        func publish<E: DomainEvent>(_ e: E) async throws {
            let envelope = try Envelope(
                event: e, correlationId: receipt.id, causationId: nil, producer: "hromada-routing")
            try await env.client.publish([
                AMQPOutgoingMessage(
                    exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try envelope.encoded(),
                    properties: AMQPProperties(
                        contentType: "application/json", deliveryMode: 2, messageID: envelope.id.uuidString,
                        type: envelope.type))
            ])
        }
        // The consumer declares and binds hromada.intake when it starts; wait for it.
        let consuming = await env.client.hasConsumer(on: Topology.Queue.intake.rawValue, within: .seconds(10))
        XCTAssertTrue(consuming)
        func status() async throws -> AppealStatusView {
            try await env.harness.request("GET", path).decode(AppealStatusView.self)
        }

        try await publish(
            TicketAssigned(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg",
                category: "heating", priority: false, deadline: deadline, assignedAt: now.addingTimeInterval(1),
                reason: "rule"))
        let assigned = try await eventually { try await status().status == "assigned" }
        XCTAssertTrue(assigned)
        var view = try await status()
        XCTAssertEqual(view.authority, "zhkg")
        XCTAssertEqual(view.deadline, deadline)
        try await publish(
            TicketAccepted(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg",
                officialId: "official-secret-id", acceptedAt: now.addingTimeInterval(2)))
        let accepted = try await eventually { try await status().status == "accepted" }
        XCTAssertTrue(accepted)
        try await publish(
            TicketAnswered(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg",
                officialId: "official-secret-id", outcome: .resolvedPositively,
                answerText: "Опалення відновлено.",
                answeredAt: now.addingTimeInterval(3)))
        let answered = try await eventually { try await status().status == "answered" }
        XCTAssertTrue(answered)
        view = try await status()
        XCTAssertEqual(view.history.map(\.status), ["registered", "assigned", "accepted", "answered"])
        r = try await env.harness.request("GET", path)
        XCTAssertFalse(r.text.contains("official-secret-id"))
        XCTAssertFalse(r.text.contains("Шевченко"))

        // Issue 14: an old link with the code proves it and leaves the address at once (303 to a
        // clean /track with the tracking page's proof cookie); the page then shows the status.
        let forms = FormBrowser(baseURL: env.harness.baseURL)
        let link = try await forms.get(
            "/track?number=\(receipt.registrationNumber)&token=\(receipt.trackingToken)&lang=en")
        XCTAssertEqual(link.status, 303)
        XCTAssertFalse(link.header("Location")?.contains(receipt.trackingToken) ?? true)
        let proof = try XCTUnwrap(FormBrowser.cookie(TrackingProof.cookieName, in: link))
        let page = try await forms.get(link.header("Location") ?? "/track?lang=en", cookie: proof)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Answered"))
        let badPage = try await env.harness.request("GET", "/track?number=\(receipt.registrationNumber)&token=wrong")
        XCTAssertEqual(badPage.status, 404)
    }

    func testOpen311RoundTripJSONAndXML() async throws {
        let env = try await start()
        let services = try await env.harness.request("GET", "/open311/v2/services.json?jurisdiction_id=")
        XCTAssertEqual(services.status, 200)
        let list = try XCTUnwrap(try services.json() as? [[String: Any]])
        XCTAssertTrue(
            list.contains { $0["service_code"] as? String == "heating" && $0["type"] as? String == "realtime" })
        let xmlServices = try await env.harness.request("GET", "/open311/v2/services.xml")
        XCTAssertTrue(xmlServices.text.contains("<services><service>"))
        let definition = try await env.harness.request("GET", "/open311/v2/services/heating.json")
        XCTAssertTrue(definition.text.contains("\"district\""))
        let badJurisdiction = try await env.harness.request(
            "GET", "/open311/v2/services.json?jurisdiction_id=elsewhere")
        XCTAssertEqual(badJurisdiction.status, 404)
        XCTAssertTrue(badJurisdiction.text.contains("\"code\":404"))

        /// The fields form-urlencoded, names included (Open311's `attribute[consent]`).
        func form(_ pairs: [(String, String)]) -> Data {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            func encoded(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed)! }
            return Data(pairs.map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&").utf8)
        }
        let fields: [(String, String)] = [
            ("api_key", Self.centreKey), ("service_code", "street-lighting"), ("lat", "46.9659"), ("long", "31.9974"),
            ("address_string", "вул. Соборна, 5, кв. 1"), ("first_name", "Леся"),
            ("last_name", "Українка"),
            ("email", "lesia@example.org"),
            ("description", "Не світить ліхтар біля будинку вже тиждень."),
            ("attribute[consent]", "true"), ("attribute[district]", "tsentralnyi"), ("jurisdiction_id", ""),
            // Issue 15: the residence (Art. 5) is a required attribute; address_string is the place.
            ("attribute[residence_address]", "вул. Соборна, 5, кв. 1"),
        ]
        let post = try await env.harness.request(
            "POST", "/open311/v2/requests.json", body: form(fields),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(post.status, 201, post.text)
        let created = try XCTUnwrap((try post.json() as? [[String: Any]])?.first)
        let id = try XCTUnwrap(created["service_request_id"] as? String)
        XCTAssertTrue(id.hasPrefix("MK-"))

        let got = try await env.harness.request("GET", "/open311/v2/requests/\(id).json")
        XCTAssertEqual(got.status, 200)
        let request = try XCTUnwrap((try got.json() as? [[String: Any]])?.first)
        XCTAssertEqual(request["service_code"] as? String, "street-lighting")
        XCTAssertEqual(request["status"] as? String, "open")
        XCTAssertFalse(got.text.contains("Леся"))
        XCTAssertFalse(got.text.contains("lesia@"))
        let gotXML = try await env.harness.request("GET", "/open311/v2/requests/\(id).xml")
        XCTAssertTrue(gotXML.text.contains("<service_requests><request>"))
        XCTAssertTrue(gotXML.text.contains("<service_request_id>\(id)</service_request_id>"))
        let listed = try await env.harness.request(
            "GET", "/open311/v2/requests.json?service_code=street-lighting&status=open")
        XCTAssertTrue(listed.text.contains(id))
        let closed = try await env.harness.request("GET", "/open311/v2/requests.json?status=closed")
        XCTAssertFalse(closed.text.contains(id))
        let tooLong = try await env.harness.request(
            "GET", "/open311/v2/requests.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
        XCTAssertEqual(tooLong.status, 400)
        XCTAssertTrue(tooLong.text.contains("<errors><error><code>400</code>"))
        let token = try await env.harness.request("GET", "/open311/v2/tokens/\(id).json")
        XCTAssertTrue(token.text.contains(id))

        // Issue 20: consent is never a condition of registration (Art. 7); a request without the
        // consent attribute is registered. A request missing a required field is still refused.
        var noConsent = fields
        noConsent.removeAll { $0.0 == "attribute[consent]" }
        let registered = try await env.harness.request(
            "POST", "/open311/v2/requests.json", body: form(noConsent),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(registered.status, 201, registered.text)
        var refused = fields
        refused.removeAll { $0.0 == "description" }
        let bad = try await env.harness.request(
            "POST", "/open311/v2/requests.xml", body: form(refused),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(bad.status, 422)
        XCTAssertTrue(bad.text.contains("<errors><error><code>422</code>"))
        var wrongKey = fields
        wrongKey[0] = ("api_key", "nope")
        let forbidden = try await env.harness.request(
            "POST", "/open311/v2/requests.json", body: form(wrongKey),
            headers: ["Content-Type": "application/x-www-form-urlencoded"])
        XCTAssertEqual(forbidden.status, 403)
    }

    func testGarbageNeverGives500() async throws {
        let env = try await start()
        let garbage: [Data] = [
            Data(), Data("null".utf8), Data("[]".utf8), Data("{\"author\":7}".utf8), Data([0xff, 0xfe, 0x00]),
            Data("a=%%%&&==".utf8), Data("{\"kind\":\"complaint\",\"location\":{\"lat\":\"x\"}}".utf8),
            Data(String(repeating: "[", count: 5000).utf8),
        ]
        let paths = [
            ("POST", "/v1/appeals"), ("PUT", "/v1/admin/centres/x"), ("GET", "/v1/appeals/%00?token=%ff"),
            ("POST", "/open311/v2/requests.json"),
            ("POST", "/open311/v2/requests.xml"), ("GET", "/open311/v2/requests.json?start_date=x&status=z"),
            ("GET", "/open311/v2/services/%2e%2e.xml"),
            ("POST", "/form/appeals"), ("POST", "/form/login"), ("GET", "/track?number=%zz&token=1"),
            ("GET", "/open311/v2/tokens/x.json"),
        ]
        for (method, path) in paths {
            for body in garbage {
                for headers in [auth, ["Authorization": "Bearer \(Self.adminToken)"], [:]] {
                    let r = try await env.harness.request(
                        method, path, body: method == "GET" ? nil : body, headers: headers)
                    XCTAssertLessThan(r.status, 500, "\(method) \(path) → \(r.status) \(r.text.prefix(200))")
                }
            }
        }
    }

    func testLibrarianFormInHeadlessChromium() async throws {
        let env = try await start()
        let chromium = "/usr/bin/chromium"
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            if IntegrationEnvironment.infrastructureRequired { XCTFail("chromium missing") }
            throw XCTSkip("chromium not installed")
        }
        let librarian = try await TestLibrarian.create(
            on: env.harness, centre: "central-library", login: "oksana", adminToken: Self.adminToken)
        let login = try await env.harness.request("GET", "/")
        XCTAssertTrue(login.text.contains("name=\"password\""))
        // Log in as the browser would (the redirect is not followed so the cookie can be read).
        let browser = FormBrowser(baseURL: env.harness.baseURL)
        let signedIn = try await browser.post("/form/login", librarian.signInFields)
        XCTAssertEqual(signedIn.status, 303)
        let setCookie = try XCTUnwrap(signedIn.header("Set-Cookie"))
        XCTAssertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        func send(_ method: String, _ path: String, body: Data? = nil) async throws -> ServiceHarness.Response {
            try await browser.send(method, path, body: body, cookie: cookie)
        }
        let form = try await send("GET", "/")
        XCTAssertTrue(form.text.contains("name=\"fullName\""))
        XCTAssertTrue(form.text.contains("minlength=\"10\""))
        let csrf = try XCTUnwrap(
            form.text.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression).map {
                String(form.text[$0])
            }?
            .replacingOccurrences(of: "name=\"csrf\" value=\"", with: "").dropLast())

        let dir = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let formFile = dir.appendingPathComponent("intake-form.html")
        try form.body.write(to: formFile)

        // Art. 5 errors re-render the form.
        let invalid = TestLibrarian.formBody([
            ("csrf", String(csrf)), ("fullName", "Тарас"), ("address", ""), ("kind", "application"),
            ("category", "heating"), ("subject", "Тема"), ("text", "Текст звернення довгий"),
        ])
        let rejected = try await send("POST", "/form/appeals", body: Data(invalid.utf8))
        XCTAssertEqual(rejected.status, 422)
        XCTAssertTrue(rejected.text.contains("class=\"error\""))
        let valid = TestLibrarian.formBody([
            ("csrf", String(csrf)), ("fullName", "Коваленко Марія"),
            ("address", "вул. Нікольська, 20, кв. 7"), ("kind", "application"), ("category", "heating"),
            ("subject", "Холодно <script>"),
            ("text", "Немає опалення в під'їзді вже тиждень."),
            ("consent", "true"), ("assistedBy", "Оксана"),
        ])
        let receipt = try await send("POST", "/form/appeals", body: Data(valid.utf8))
        XCTAssertEqual(receipt.status, 201, receipt.text)
        XCTAssertTrue(receipt.text.contains("id=\"registration-number\">MK-"))
        // The print styles live in the one shared stylesheet the receipt links (no inline <style>).
        let stylesheet = try XCTUnwrap(
            receipt.text.range(of: #"/assets/hromada\.css[^"]*"#, options: .regularExpression)
                .map { String(receipt.text[$0]) })
        let css = try await send("GET", stylesheet)
        XCTAssertTrue(css.text.contains("@media print"))
        let noCsrf = try await send(
            "POST", "/form/appeals", body: Data(valid.replacingOccurrences(of: "csrf=", with: "x=").utf8))
        XCTAssertEqual(noCsrf.status, 403)
        let receiptFile = dir.appendingPathComponent("intake-receipt.html")
        try receipt.body.write(to: receiptFile)

        func chromiumRun(_ args: [String]) throws -> String {
            try IntegrationEnvironment.run(
                chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] + args,
                environment: ProcessInfo.processInfo.environment
            ).output
        }
        for (file, png) in [(formFile, "intake-form.png"), (receiptFile, "intake-receipt.png")] {
            let shot = dir.appendingPathComponent(png)
            try? FileManager.default.removeItem(at: shot)
            _ = try chromiumRun(["--screenshot=\(shot.path)", "--window-size=1280,1600", file.absoluteString])
            XCTAssertTrue(FileManager.default.fileExists(atPath: shot.path), "screenshot \(png)")
            print("screenshot: \(shot.path)")
        }
        let dom = try chromiumRun(["--dump-dom", receiptFile.absoluteString])
        XCTAssertTrue(dom.contains("tracking-token"))
        let trackDom = try chromiumRun(["--dump-dom", env.harness.baseURL + "/track?lang=en"])
        XCTAssertTrue(trackDom.contains("Appeal status"))
    }
}
