import Foundation
import HromadaContracts
import HromadaTestSupport
import HromadaWeb
import XCTest

@testable import Intake

/// Issue 14, "the librarian's day", against the real PostgreSQL and RabbitMQ: today's appeals of
/// the signed-in librarian's centre (only that centre, only today in Europe/Kyiv, only signed in),
/// the header's links, and the text's limit (refused past it with the field's error naming the
/// limit, never cut; the textarea's maxlength is the validator's constant).
final class LibrarianDayIntegrationTests: XCTestCase {
    static let centreB = IntakeTestService.northCentre

    /// `2026-11-30T09:15` in Kyiv and the like (UTC+2 in winter).
    static func kyiv(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text + ":00+02:00")!
    }

    func signIn(_ browser: FormBrowser, _ librarian: TestLibrarian) async throws -> String {
        let response = try await browser.post("/form/login?lang=uk", librarian.signInFields)
        XCTAssertEqual(response.status, 303, response.text)
        return try XCTUnwrap(FormBrowser.cookie("hromada_intake", in: response), "a session cookie")
    }

    /// Oksana, a new librarian of the test centre, signed in with the Ukrainian form open.
    func oksanaAtTheForm(
        _ server: IntakeTestServer
    ) async throws -> (browser: FormBrowser, cookie: String, form: ServiceHarness.Response) {
        let oksana = try await TestLibrarian.create(
            on: server.harness, centre: IntakeTestServer.centreId, login: "oksana",
            adminToken: IntakeTestServer.adminToken)
        let browser = FormBrowser(baseURL: server.harness.baseURL)
        let cookie = try await signIn(browser, oksana)
        return (browser, cookie, try await browser.get("/?lang=uk", cookie: cookie))
    }

    /// Registers the test librarian's usual appeal through the form; returns its number.
    func register(_ browser: FormBrowser, cookie: String, subject: String) async throws -> String {
        let form = try await browser.get("/?lang=uk", cookie: cookie)
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))
        var fields = TestLibrarian.appealForm(csrf: csrf)
        fields = fields.map { $0.0 == "subject" ? ("subject", subject) : $0 }
        let receipt = try await browser.post("/form/appeals", fields, cookie: cookie)
        XCTAssertEqual(receipt.status, 201, receipt.text)
        let text = receipt.text
        return try XCTUnwrap(text.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(text[$0]) })
    }

    func testTodaysAppealsAreThisCentresOfTodayOnlyForASignedInLibrarian() async throws {
        let now = Locked(Self.kyiv("2026-11-29T16:40"))
        let server = try await IntakeTestServer.start(self) { settings in
            settings.clock = { now.value }
            settings.notificationURL = try! PublicURL("https://notices.example.test")
        }
        try await IntakeTestService.addNorthCentre(on: server.harness)
        let oksana = try await TestLibrarian.create(
            on: server.harness, centre: IntakeTestServer.centreId, login: "oksana",
            adminToken: IntakeTestServer.adminToken)
        let petro = try await TestLibrarian.create(
            on: server.harness, centre: Self.centreB, login: "petro", adminToken: IntakeTestServer.adminToken)
        let browser = FormBrowser(baseURL: server.harness.baseURL)
        let cookieA = try await signIn(browser, oksana)
        let cookieB = try await signIn(browser, petro)

        let yesterday = try await register(browser, cookie: cookieA, subject: "Учорашнє звернення")
        // 00:30 in Kyiv is still the 29th in UTC: it belongs to Kyiv's 30 November.
        now.value = Self.kyiv("2026-11-30T00:30")
        let justAfterMidnight = try await register(browser, cookie: cookieA, subject: "Після півночі")
        now.value = Self.kyiv("2026-11-30T09:15")
        let morning = try await register(
            browser, cookie: cookieA, subject: "Ранкове звернення «Затишок»")
        let otherCentre = try await register(
            browser, cookie: cookieB, subject: "Звернення іншого центру")

        let page = try await browser.get("/form/today?lang=uk", cookie: cookieA)
        XCTAssertEqual(page.status, 200, page.text)
        let html = page.text
        XCTAssertTrue(html.contains(morning) && html.contains(justAfterMidnight), html)
        XCTAssertFalse(html.contains(yesterday), "yesterday's appeal is not today's")
        XCTAssertFalse(html.contains(otherCentre), "another centre's appeal is not shown")
        XCTAssertFalse(html.contains("Звернення іншого центру"))
        XCTAssertTrue(html.contains("09:15") && html.contains("00:30"), "times in Europe/Kyiv")
        XCTAssertTrue(html.contains("Ранкове звернення «Затишок»"), "the subject, escaped")
        XCTAssertTrue(html.contains("oksana"), "who registered it")
        XCTAssertTrue(html.contains("Теплопостачання"), "the category by its name")
        XCTAssertTrue(html.contains("Заява"), "the kind by its name")
        XCTAssertTrue(html.contains("id=\"today-count\">2<"), "two today")
        XCTAssertTrue(html.contains("30.11.2026"), "the day, as Ukrainian pages write it")
        XCTAssertFalse(html.contains("Коваленко"), "no resident's name on the list")

        // The receipt's copy: this centre's appeal of today only.
        let copy = try await browser.get("/form/today/\(morning)?lang=uk", cookie: cookieA)
        XCTAssertEqual(copy.status, 200, copy.text)
        XCTAssertTrue(copy.text.contains(morning) && copy.text.contains("id=\"copy-note\""))
        for (number, cookie) in [(otherCentre, cookieA), (yesterday, cookieA), (morning, cookieB)] {
            let refused = try await browser.get("/form/today/\(number)", cookie: cookie)
            XCTAssertEqual(refused.status, 404, "\(number): \(refused.text.prefix(300))")
        }
        // Centre B sees its own.
        let b = try await browser.get("/form/today", cookie: cookieB)
        XCTAssertTrue(b.text.contains(otherCentre) && !b.text.contains(morning))

        // Signed out: the sign-in page, nothing listed.
        let anonymous = try await browser.get("/form/today")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertTrue(anonymous.text.contains("name=\"password\""))
        XCTAssertFalse(anonymous.text.contains(morning))
        let anonymousCopy = try await browser.get("/form/today/\(morning)")
        XCTAssertEqual(anonymousCopy.status, 401)

        // The header: the form, today's list, the centre's notices at the configured address (not Host).
        let form = try await browser.get("/?lang=uk", cookie: cookieA)
        XCTAssertTrue(
            form.text.contains("href=\"https://notices.example.test/centres/central-library/notices?lang=uk\""),
            String(form.text.prefix(2000)))
        XCTAssertTrue(form.text.contains("href=\"/form/today?lang=uk\""))
        XCTAssertTrue(form.text.contains("class=\"skip\" href=\"#main\""), "a skip link")
        XCTAssertTrue(form.text.contains("id=\"main\""))
        XCTAssertTrue(form.text.contains("/form/logout"), "sign-out")
    }

    func testTextPastTheLimitIsRefusedNamingTheLimitAndNeverCut() async throws {
        let server = try await IntakeTestServer.start(self)
        let (browser, cookie, form) = try await oksanaAtTheForm(server)
        let limit = AppealValidator.textLength.upperBound
        XCTAssertTrue(
            form.text.contains("maxlength=\"\(limit)\" aria-describedby"), "the textarea's limit is the validator's")
        XCTAssertTrue(form.text.contains("data-counter=\"text-counter\"") && form.text.contains("id=\"text-counter\""))
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))

        // One character past the limit, in Cyrillic (two bytes each): refused with the field's error.
        let tooLong = String(repeating: "ї", count: limit + 1)
        var fields = TestLibrarian.appealForm(csrf: csrf).map { $0.0 == "text" ? ("text", tooLong) : $0 }
        let refused = try await browser.post("/form/appeals?lang=uk", fields, cookie: cookie)
        XCTAssertEqual(refused.status, 422, String(refused.text.prefix(500)))
        let html = refused.text
        XCTAssertTrue(html.contains("id=\"text-error\""), "the error sits at its field")
        let error = try XCTUnwrap(
            html.components(separatedBy: "id=\"text-error\">").dropFirst().first?
                .components(separatedBy: "</p>").first)
        XCTAssertTrue(error.contains("\(limit)"), "the error names the limit: \(error)")
        XCTAssertTrue(html.contains("aria-describedby=\"text-error text-counter\" aria-invalid=\"true\""))
        XCTAssertTrue(html.contains("<a href=\"#text\">"), "the summary links the field")
        XCTAssertTrue(html.contains(tooLong + "</textarea>"), "the whole text comes back, not cut")
        let count = try await server.db.client(poolSize: 1).query("SELECT count(*)::int FROM appeals").first?
            .decode(0, as: Int.self)
        XCTAssertEqual(count, 0)

        // At the limit it registers.
        fields = TestLibrarian.appealForm(csrf: csrf).map { $0.0 == "text" ? ("text", String(tooLong.dropLast())) : $0 }
        let accepted = try await browser.post("/form/appeals?lang=uk", fields, cookie: cookie)
        XCTAssertEqual(accepted.status, 201, String(accepted.text.prefix(500)))
    }

    func testTheErrorSummaryListsLinksInTheFormsOrderAndEachErrorIsTiedToItsField() async throws {
        let server = try await IntakeTestServer.start(self)
        let (browser, cookie, form) = try await oksanaAtTheForm(server)
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))
        let refused = try await browser.post(
            "/form/appeals?lang=uk",
            [("csrf", csrf), ("text", "коротко"), ("email", "not-an-address"), ("kind", "application")],
            cookie: cookie)
        XCTAssertEqual(refused.status, 422)
        let html = refused.text
        let summary = try XCTUnwrap(
            html.components(separatedBy: "data-error-summary>").dropFirst().first?
                .components(separatedBy: "</ul>").first)
        let targets = summary.components(separatedBy: "<a href=\"#").dropFirst()
            .compactMap { $0.split(separator: "\"").first }.map(String.init)
        let order = WebPages.fieldOrder.map(\.target)
        XCTAssertEqual(targets, targets.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }, "\(targets)")
        XCTAssertEqual(targets.first, "fullName")
        XCTAssertTrue(
            targets.contains("email") && targets.contains("text") && targets.contains("category"), "\(targets)")
        for field in ["fullName", "address", "email", "category", "subject"] {
            XCTAssertTrue(
                html.contains("id=\"\(field)\" aria-invalid=\"true\" aria-describedby=\"\(field)-error\""), field)
            XCTAssertTrue(html.contains("id=\"\(field)-error\""), field)
        }
        XCTAssertTrue(html.contains("tabindex=\"-1\""), "the summary can take the focus")
    }
}
