import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// Issue 14's tracking against the real servers: a new short code and an old token both work in
/// the API, the page and the statement; the number in any case; wrong codes limited per number
/// and per client; the page's post/redirect/get with its proof cookie (the code never in an
/// address); the answer and the extension's reason shown to the resident and erased with the appeal.
final class TrackingIntegrationTests: XCTestCase {
    struct Env {
        let intake: IntakeTestService
        var harness: ServiceHarness { intake.harness }
        var forms: FormBrowser { FormBrowser(baseURL: intake.harness.baseURL, origin: intake.harness.baseURL) }
    }

    var auth: [String: String] { ["Authorization": "Bearer \(IntakeTestService.centreKey)"] }

    func start() async throws -> Env {
        // A fixed port: the public URL (and so the forms' Origin) is the harness's address.
        Env(intake: try await IntakeTestService.start(self, port: Int(try HeadlessBrowser.freePort())))
    }

    func register(_ env: Env) async throws -> RegistrationReceipt {
        let r = try await env.harness.request(
            "POST", "/v1/appeals", json: IntakeIntegrationTests.appeal(), headers: auth)
        XCTAssertEqual(r.status, 201, r.text)
        return try r.decode(RegistrationReceipt.self)
    }

    func sql(_ env: Env, _ query: PostgresQuery) async throws -> PostgresRows {
        let client = env.intake.db.client(poolSize: 1)
        defer { Task { await client.close() } }
        return try await client.query(query)
    }

    // MARK: Codes and numbers in the API

    func testANewShortCodeWorksInAnyCaseWithTheNumberInAnyCase() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let code = receipt.trackingToken
        XCTAssertNotNil(code.range(of: #"^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$"#, options: .regularExpression), code)
        let typed = code.lowercased().replacingOccurrences(of: "-", with: "")
        let number = receipt.registrationNumber.lowercased()
        var r = try await env.harness.request("GET", "/v1/appeals/\(number)?token=\(typed)")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(try r.decode(AppealStatusView.self).registrationNumber, receipt.registrationNumber)
        r = try await env.harness.request("GET", "/v1/appeals/\(receipt.registrationNumber)?token=\(code)")
        XCTAssertEqual(r.status, 200)
        r = try await env.harness.request("GET", "/v1/appeals/\(number)/statement?token=\(typed)")
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertTrue(r.text.contains("Шевченко"))
        // The stored hash is of the code as issued (audit keeps the same hash of the event's code).
        let stored = try await sql(
            env, "SELECT tracking_token_hash FROM appeals WHERE registration_number = \(receipt.registrationNumber)")
        XCTAssertEqual(try stored.first?.decode(0, as: String.self), TokenHash.hash(token: code))
    }

    func testCodesIssuedBeforeShortCodesKeepWorkingEverywhere() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let old = "Ab3_xY-9" + SecureRandom.token().dropFirst(8)  // 32 characters of base64url, as issued before
        _ = try await sql(
            env,
            """
            UPDATE appeals SET tracking_token_hash = \(TokenHash.hash(token: String(old)))
            WHERE registration_number = \(receipt.registrationNumber)
            """)
        let encoded = String(old).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var r = try await env.harness.request("GET", "/v1/appeals/\(receipt.registrationNumber)?token=\(encoded)")
        XCTAssertEqual(r.status, 200, r.text)
        r = try await env.harness.request("GET", "/v1/appeals/\(receipt.registrationNumber)/statement?token=\(encoded)")
        XCTAssertEqual(r.status, 200, r.text)
        r = try await env.harness.request(
            "GET", "/v1/appeals/\(receipt.registrationNumber)?token=\(encoded.lowercased())")
        XCTAssertEqual(r.status, 404, "an old token stays case-sensitive")
        // The page: posted, and as an old link (which leaves the address at once).
        let posted = try await env.forms.post(
            "/track", [("number", receipt.registrationNumber), ("token", String(old))])
        XCTAssertEqual(posted.status, 303)
        let cookie = try XCTUnwrap(FormBrowser.cookie(TrackingProof.cookieName, in: posted))
        let page = try await env.forms.get("/track", cookie: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("id=\"status\""), page.text)
        let link = try await env.forms.get("/track?number=\(receipt.registrationNumber)&token=\(encoded)&lang=en")
        XCTAssertEqual(link.status, 303)
        XCTAssertEqual(link.header("Location"), "/track?lang=en", "the code leaves the address")
        XCTAssertNotNil(FormBrowser.cookie(TrackingProof.cookieName, in: link))
    }

    // MARK: Wrong codes

    func testWrongCodesAreLimitedPerNumber() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let other = try await register(env)
        let path = "/v1/appeals/\(receipt.registrationNumber)?token="
        for i in 0..<TrackingLimits.standard.failuresPerNumber {
            let wrong = try await env.harness.request("GET", path + "WRONG\(i)")
            XCTAssertEqual(wrong.status, 404, "attempt \(i + 1)")
        }
        // Over the limit even the right code waits: nothing is compared.
        let refused = try await env.harness.request("GET", path + receipt.trackingToken)
        XCTAssertEqual(refused.status, 429, refused.text)
        XCTAssertTrue(refused.text.contains("too_many_wrong_codes"), refused.text)
        XCTAssertNotNil(refused.header("Retry-After"))
        // The page says so too, without the code anywhere.
        let posted = try await env.forms.post(
            "/track", [("number", receipt.registrationNumber), ("token", receipt.trackingToken)])
        XCTAssertEqual(posted.status, 303)
        XCTAssertTrue(posted.header("Location")?.contains("problem=limited") == true, "\(posted.headers)")
        XCTAssertFalse(posted.header("Location")?.contains(receipt.trackingToken) == true)
        // Another number is not affected.
        let fine = try await env.harness.request(
            "GET", "/v1/appeals/\(other.registrationNumber)?token=\(other.trackingToken)")
        XCTAssertEqual(fine.status, 200)
        // The window passes (moved back here, not waited for): the right code works again.
        _ = try await sql(
            env, "UPDATE tracking_failures SET window_started_at = window_started_at - interval '2 hours'")
        let again = try await env.harness.request("GET", path + receipt.trackingToken)
        XCTAssertEqual(again.status, 200)
    }

    func testRightCodesNeverLockAnyoneOut() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let path = "/v1/appeals/\(receipt.registrationNumber)?token=\(receipt.trackingToken)"
        for _ in 0..<(TrackingLimits.standard.failuresPerNumber + 3) {
            let r = try await env.harness.request("GET", path)
            XCTAssertEqual(r.status, 200, "a centre's system polling with the right code")
        }
        let rows = try await sql(env, "SELECT count(*)::int FROM tracking_failures")
        XCTAssertEqual(try rows.first?.decode(0, as: Int.self), 0, "right codes leave no rows behind")
    }

    func testWrongCodesAreLimitedPerClient() async throws {
        let env = try await start()
        let receipt = try await register(env)
        // Guessing across many numbers from one address (paced under the tracking rate limit).
        for i in 0..<TrackingLimits.standard.failuresPerClient {
            let r = try await env.harness.request("GET", "/v1/appeals/MK-2026-\(String(900_000 + i))?token=WRONG")
            XCTAssertEqual(r.status, 404, "\(i): \(r.text)")
            if i >= 15 { try await Task.sleep(for: .milliseconds(520)) }
        }
        let refused = try await env.harness.request(
            "GET", "/v1/appeals/\(receipt.registrationNumber)?token=\(receipt.trackingToken)")
        XCTAssertEqual(refused.status, 429, refused.text)
        XCTAssertTrue(refused.text.contains("too_many_wrong_codes"), refused.text)
    }

    // MARK: The page

    func testThePagePostsRedirectsAndKeepsTheResultWithoutTheCodeInAnyAddress() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let typedNumber = "  " + receipt.registrationNumber.lowercased().replacingOccurrences(of: "-", with: " ") + " "
        let typedCode = receipt.trackingToken.lowercased().replacingOccurrences(of: "-", with: " ")
        let posted = try await env.forms.post("/track?lang=uk", [("number", typedNumber), ("token", typedCode)])
        XCTAssertEqual(posted.status, 303, posted.text)
        XCTAssertEqual(posted.header("Location"), "/track?lang=uk")
        let setCookie = try XCTUnwrap(posted.header("Set-Cookie"))
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/track", "Max-Age=900"] {
            XCTAssertTrue(setCookie.contains(attribute), "\(attribute): \(setCookie)")
        }
        XCTAssertFalse(setCookie.contains(TrackingCode.parse(receipt.trackingToken)!), "the cookie holds no code")
        let cookie = try XCTUnwrap(FormBrowser.cookie(TrackingProof.cookieName, in: posted))
        var page = try await env.forms.get("/track?lang=en", cookie: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains(receipt.registrationNumber))
        XCTAssertTrue(page.text.contains("id=\"status\""))
        XCTAssertTrue(page.text.contains("<html lang=\"en\""), "the language link keeps the result")
        // The registration has no authority yet: its history line names none (not the page's «—»).
        XCTAssertFalse(page.text.contains("class=\"who\""), page.text)
        // The statement rides on the same proof.
        page = try await env.forms.get("/track/statement", cookie: cookie)
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("Шевченко"), "the resident's own data")
        // An email's link for another number shows the form for that number, not this result.
        page = try await env.forms.get("/track?number=MK-2026-999999", cookie: cookie)
        XCTAssertFalse(page.text.contains("id=\"status\""))
        XCTAssertTrue(page.text.contains("value=\"MK-2026-999999\""))
        // Done clears it.
        let done = try await env.forms.post("/track/done", [], cookie: cookie)
        XCTAssertEqual(done.status, 303)
        XCTAssertTrue(done.header("Set-Cookie")?.contains("Max-Age=0") == true, "\(done.headers)")
        // A wrong code: back to the page with the number and the problem, no code in the address.
        let wrong = try await env.forms.post("/track", [("number", typedNumber), ("token", "K7QFM-29XM0")])
        XCTAssertEqual(wrong.status, 303)
        let location = try XCTUnwrap(wrong.header("Location"))
        XCTAssertTrue(
            location.contains("problem=look-alike") && location.contains(receipt.registrationNumber), location)
        page = try await env.forms.get(location)
        XCTAssertEqual(page.status, 404)
        XCTAssertTrue(page.text.contains("id=\"not-found\""))
        // The statement's own form: posted, then shown from the proof.
        let statement = try await env.forms.post(
            "/track/statement", [("number", typedNumber), ("token", receipt.trackingToken)])
        XCTAssertEqual(statement.status, 303)
        XCTAssertTrue(statement.header("Location")?.hasPrefix("/track/statement") == true)
        // A cross-site post is refused by the kit's origin check.
        let foreign = try await env.forms.post(
            "/track", [("number", typedNumber), ("token", typedCode)], origin: "https://evil.example")
        XCTAssertEqual(foreign.status, 403)
    }

    // MARK: The answer and the extension

    func testTheAnswerItsOutcomeAndTheExtensionReasonAreShownAndErased() async throws {
        let env = try await start()
        let receipt = try await register(env)
        let routing = try await RoutingEvents.connect(env.intake, test: self)
        let client = routing.client
        func publish<E: DomainEvent>(_ e: E) async throws { try await routing.publish(e, appeal: receipt.id) }
        let ticket = UUID()
        let now = Date()
        let deadline = LocalDate(date: now).adding(days: 15)
        try await publish(
            TicketAssigned(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg", category: "heating", priority: false, deadline: deadline,
                assignedAt: now.addingTimeInterval(1), reason: "rule"))
        try await publish(
            TicketExtended(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg", officialId: "official-secret-id",
                reason: "Потрібна перевірка тепломережі на місці.",
                previousDeadline: deadline, newDeadline: deadline.adding(days: 15),
                extendedAt: now.addingTimeInterval(2)))
        // An event type this projection does not know (other work of this session): ignored.
        var unknown = try Envelope(
            event: TicketAccepted(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg", officialId: "o", acceptedAt: now.addingTimeInterval(2.5)),
            correlationId: receipt.id, causationId: nil, producer: "hromada-routing")
        unknown.type = "ticket.note-added"
        try await routing.publish(unknown, routingKey: "ticket.note-added.v1.zhkg")
        try await publish(
            TicketAnswered(
                ticketId: ticket, appealId: receipt.id, registrationNumber: receipt.registrationNumber,
                authority: "zhkg", officialId: "official-secret-id", outcome: .refused,
                answerText: "Ремонт тепломережі внесено до плану на "
                    + "2027 рік.\nДо того — тимчасове підключення.",
                answeredAt: now.addingTimeInterval(3)))
        let path = "/v1/appeals/\(receipt.registrationNumber)?token=\(receipt.trackingToken)&lang=uk"
        func status() async throws -> AppealStatusView {
            try await env.harness.request("GET", path).decode(AppealStatusView.self)
        }
        let answered = try await eventually { try await status().answer != nil }
        XCTAssertTrue(answered)
        let view = try await status()
        XCTAssertEqual(view.answer?.outcome, "refused")
        XCTAssertEqual(view.answer?.outcomeName, "Відмовлено")
        XCTAssertEqual(view.answer?.authorityName, Reference.body(code: "zhkg")?.nameUk)
        XCTAssertTrue(view.answer?.text.hasPrefix("Ремонт тепломережі") == true)
        XCTAssertEqual(
            view.extension_?.reason, "Потрібна перевірка тепломережі на місці.")
        XCTAssertEqual(view.extension_?.deadline, deadline.adding(days: 15))
        let json = try await env.harness.request("GET", path).text
        XCTAssertTrue(json.contains("\"extension\""), json)
        XCTAssertFalse(json.contains("official-secret-id"))
        XCTAssertFalse(json.contains("note-added"), "the unknown event left no trace")
        // Nothing was dead-lettered.
        let dead = try await client.queueState(Topology.Queue.intake.rawValue + ".dead")
        XCTAssertEqual(dead.messages, 0)

        // The page shows them in words.
        let posted = try await env.forms.post(
            "/track?lang=uk", [("number", receipt.registrationNumber), ("token", receipt.trackingToken)])
        let cookie = try XCTUnwrap(FormBrowser.cookie(TrackingProof.cookieName, in: posted))
        let page = try await env.forms.get("/track?lang=uk", cookie: cookie).text
        XCTAssertTrue(page.contains("id=\"answer-text\""), page)
        XCTAssertTrue(
            page.contains("Ремонт тепломережі внесено до плану на 2027 рік."))
        XCTAssertTrue(page.contains("<dd id=\"outcome\">Відмовлено</dd>"), page)
        XCTAssertTrue(page.contains("Потрібна перевірка тепломережі на місці."))
        XCTAssertFalse(page.contains(">refused<") || page.contains(">zhkg<"), "names, never codes")

        // Erased with the appeal's other personal data.
        let erase = try await env.harness.request(
            "POST", "/v1/admin/appeals/\(receipt.registrationNumber)/erase",
            json: ["reason": "test of the erasure", "reapply": true],
            headers: ["Authorization": "Bearer \(IntakeTestService.adminToken)"])
        XCTAssertLessThan(erase.status, 300, erase.text)
        let left = try await sql(
            env,
            """
            SELECT count(*)::int FROM appeal_history h JOIN appeals a ON a.id = h.appeal_id
            WHERE a.registration_number = \(receipt.registrationNumber) AND h.resident_text IS NOT NULL
            """)
        XCTAssertEqual(try left.first?.decode(0, as: Int.self), 0)
        let after = try await env.forms.get("/track?lang=uk", cookie: cookie)
        XCTAssertFalse(after.text.contains("id=\"status\""), "the proof ends with the erasure")
    }
}

/// Routing's events as the intake consumer receives them, published by the test's observer user.
struct RoutingEvents {
    let client: AMQPClient

    /// Connects and waits until intake consumes `hromada.intake`.
    static func connect(_ intake: IntakeTestService, test: XCTestCase) async throws -> RoutingEvents {
        let client = AMQPClient(
            configuration: try intake.broker.configuration(name: "observer"), logger: Logger(label: "test.routing"))
        test.addTeardownBlock { await client.close() }
        let consuming = await client.hasConsumer(on: Topology.Queue.intake.rawValue, within: .seconds(10))
        XCTAssertTrue(consuming, "intake consumes its queue")
        return RoutingEvents(client: client)
    }

    func publish<E: DomainEvent>(_ event: E, appeal: UUID) async throws {
        let envelope = try Envelope(event: event, correlationId: appeal, causationId: nil, producer: "hromada-routing")
        try await publish(envelope, routingKey: envelope.routingKey)
    }

    func publish(_ envelope: Envelope, routingKey: String) async throws {
        try await client.publish([
            AMQPOutgoingMessage(
                exchange: Topology.eventsExchange, routingKey: routingKey, body: try envelope.encoded(),
                properties: AMQPProperties(
                    contentType: "application/json", deliveryMode: 2, messageID: envelope.id.uuidString,
                    type: envelope.type))
        ])
    }
}
