import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Intake

/// The librarian's form in a real headless chromium, as issue 14 found it wanting: a refresh,
/// Back or a second click never registers twice (post/redirect/get with a one-time form token);
/// switching language on a form with errors or on the receipt keeps what was typed and never shows
/// JSON; an unknown address is a page; a complaint's receipt does not name the body it is against;
/// the form has a sign-out. Screenshots at 1,280 and 390 px under .hromada/screenshots/.
final class LibrarianFormBrowserTests: XCTestCase {
    struct Session {
        let server: IntakeTestServer
        let browser: HeadlessBrowser
        var base: String { server.harness.baseURL }
    }

    /// A server on a known port (the browser's Origin must be its public URL) and a signed-in librarian.
    func signedIn() async throws -> Session { try await Self.signedIn(self) }

    /// The same for another test class of the form (tracking starts from a registered appeal).
    static func signedIn(_ test: XCTestCase) async throws -> Session {
        _ = try HeadlessBrowser.chromium()
        let server = try await IntakeTestServer.start(test, port: Int(try HeadlessBrowser.freePort()))
        return Session(server: server, browser: try await server.browserSignedIn())
    }

    static let appeal: [(String, String)] = [
        ("fullName", "Коваленко Марʼяна Іванівна"),
        ("address", "вул. Нікольська, 20, кв. 7"),
        ("kind", "application"), ("category", "heating"),
        ("subject", "Немає опалення в будинку «Затишок»"),
        (
            "text",
            "У будинку на Нікольській, 20 немає опалення вже тиждень; "
                + "просимо відновити 🙏."
        ),
    ]

    func appealCount(_ server: IntakeTestServer) async throws -> Int {
        let client = server.db.client(poolSize: 1)
        defer { Task { await client.close() } }
        return try await client.count("SELECT count(*)::int FROM appeals") ?? -1
    }

    func number(in html: String) -> String? {
        html.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(html[$0]) }
    }

    // MARK: 1. One registration per form

    func testRefreshBackAndASecondClickNeverRegisterTwice() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        // A second click while the first is on its way: the same form posted twice from the page.
        let doubled =
            try browser.evaluate(
                """
                (async () => {
                  const form = document.getElementById('appeal-form');
                  const send = () => fetch(
                      form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)) });
                  const [a, b] = await Promise.all([send(), send()]);
                  return [a.url, b.url, await a.text(), await b.text()];
                })()
                """) as? [String]
        let answers = try XCTUnwrap(doubled)
        XCTAssertTrue(answers[0].contains("/form/receipt/") && answers[1].contains("/form/receipt/"), "\(answers[0])")
        XCTAssertEqual(number(in: answers[2]), number(in: answers[3]), "both clicks show one receipt")
        var count = try await appealCount(s.server)
        XCTAssertEqual(count, 1, "two posts of one form register one appeal")

        // The real click on the same form: the browser lands on the receipt's own address (a GET),
        // told the form was sent before, with the first number.
        try await browser.click("#appeal-form button[type=submit]")
        let receiptURL = try browser.location()
        XCTAssertTrue(receiptURL.contains("/form/receipt/"), "post/redirect/get: \(receiptURL)")
        let first = try XCTUnwrap(number(in: answers[2]))
        var page = try browser.html()
        XCTAssertEqual(number(in: page), first)
        XCTAssertTrue(page.contains("id=\"sent-again\""), "the repeat is flagged")
        try browser.screenshotsAtBothWidths("intake-receipt-sent-again")

        // F5: the receipt is fetched again, nothing is posted.
        try await browser.navigating("location.reload()")
        XCTAssertEqual(number(in: try browser.html()), first)
        // Back to the form and Forward again: no "Confirm form resubmission", the same receipt.
        try await browser.navigating("history.back()")
        try await browser.navigating("history.forward()")
        page = try browser.html()
        XCTAssertEqual(number(in: page), first, String(page.prefix(1500)))
        count = try await appealCount(s.server)
        XCTAssertEqual(count, 1, "refresh, Back and Forward register nothing")

        // A new appeal from the form the receipt links to is a new registration.
        try await browser.open(s.base + "/")
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        try await browser.click("#appeal-form button[type=submit]")
        page = try browser.html()
        XCTAssertNotEqual(number(in: page), first)
        XCTAssertFalse(page.contains("id=\"sent-again\""))
        count = try await appealCount(s.server)
        XCTAssertEqual(count, 2)
    }

    // MARK: 2. The email's link

    /// The link the resident's emails carry (notification's `TrackingLink`, checked there by
    /// ResidentEmailLinkTests): `<public address>/track?number=<number>`. It opens the tracking page
    /// with the number filled in; the resident types only the code.
    func testTheEmailsTrackingLinkOpensTheTrackingPageWithTheNumber() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        try await browser.click("#appeal-form button[type=submit]")
        let number = try XCTUnwrap(number(in: try browser.html()))
        let token = try XCTUnwrap(
            try browser.evaluate("document.getElementById('tracking-token').textContent") as? String)
        // A resident's phone: no librarian's session.
        let phone = try await HeadlessBrowser.launch()
        defer { phone.close() }
        try await phone.open(s.base + "/track?number=" + number)
        XCTAssertEqual(try phone.evaluate("document.querySelector('[name=number]').value") as? String, number)
        try phone.fill("token", token)
        try await phone.click("form[action=\"/track\"] button[type=submit]")
        let page = try phone.html()
        XCTAssertTrue(page.contains("id=\"status\""), String(page.prefix(1500)))
        try phone.screenshotsAtBothWidths("intake-track-from-email")
    }

    // MARK: 3. Language switches keep what was typed; unknown addresses are pages

    func testSwitchingLanguageOnAFormWithErrorsAndOnTheReceiptKeepsEverything() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        try browser.fill("fullName", "Коваленко Марʼяна Іванівна")
        try browser.fill("subject", "Тема з апострофом ' і «лапками»")
        // Sent without the browser's own checks, so the server's messages show.
        try await browser.navigating("document.getElementById('appeal-form').submit()")
        var page = try browser.html()
        XCTAssertTrue(page.contains("id=\"errors\""), String(page.prefix(1500)))
        try browser.screenshotsAtBothWidths("intake-form-errors-uk")

        try await browser.click("header button[name=relanguage]")
        page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<html lang=\"en\""), "the page is in English now")
        XCTAssertTrue(page.contains("id=\"errors\""), "the errors are still shown")
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('fullName').value") as? String,
            "Коваленко Марʼяна Іванівна")
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('subject').value") as? String,
            "Тема з апострофом ' і «лапками»")
        var count = try await appealCount(s.server)
        XCTAssertEqual(count, 0, "switching language sends nothing")
        try browser.screenshotsAtBothWidths("intake-form-errors-en")

        // The receipt: switching language shows the same receipt.
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        try await browser.click("#appeal-form button[type=submit]")
        let number = try XCTUnwrap(number(in: try browser.html()))
        try await browser.click("header a[lang]")
        page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertEqual(self.number(in: page), number)
        count = try await appealCount(s.server)
        XCTAssertEqual(count, 1)

        // An address that does not exist answers a page to a browser.
        try await browser.open(s.base + "/no/such/page")
        page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<h1"), String(page.prefix(800)))
        try browser.screenshotsAtBothWidths("intake-not-found")
    }

    // MARK: 4. An expired session or form loses nothing

    func testAnExpiredSessionOrFormKeepsWhatWasTyped() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        // The session ends while the librarian types (idle timeout, another tab signed out).
        let client = s.server.db.client(poolSize: 1)
        _ = try await client.query("DELETE FROM web_sessions")
        await client.close()
        try await browser.click("#appeal-form button[type=submit]")
        var page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("name=\"password\""), "asked to sign in again")
        try browser.screenshotsAtBothWidths("intake-session-expired")
        let librarian = try await TestLibrarian.create(
            on: s.server.harness, centre: "central-library", login: "petro", adminToken: IntakeTestServer.adminToken)
        try await browser.signIn(librarian)
        for (name, value) in Self.appeal {
            XCTAssertEqual(
                try browser.evaluate("document.querySelector('[name=\(name)]').value") as? String, value,
                "\(name) kept across the new sign-in")
        }
        var count = try await appealCount(s.server)
        XCTAssertEqual(count, 0, "an expired form registers nothing")

        // The form itself expired (its token no longer matches the session): a page, then the form
        // again with everything typed.
        try browser.evaluate("document.querySelector('#appeal-form [name=csrf]').value = 'expired'; true")
        try await browser.click("#appeal-form button[type=submit]")
        page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<h1"), String(page.prefix(800)))
        try browser.screenshotsAtBothWidths("intake-form-expired")
        count = try await appealCount(s.server)
        XCTAssertEqual(count, 0, "an expired form registers nothing")
        try await browser.open(s.base + "/")
        XCTAssertEqual(try browser.evaluate("document.querySelector('[name=text]').value") as? String, Self.appeal[5].1)
        try await browser.click("#appeal-form button[type=submit]")
        XCTAssertNotNil(number(in: try browser.html()))
        count = try await appealCount(s.server)
        XCTAssertEqual(count, 1)
        // Sent: the next blank form is blank (nothing of this resident kept in the tab).
        try await browser.open(s.base + "/")
        XCTAssertEqual(try browser.evaluate("document.querySelector('[name=fullName]').value") as? String, "")
    }

    // MARK: 5. A complaint's receipt does not name the body it is against

    func testAComplaintsReceiptNeverNamesTheBodyItIsAgainstAsTheAuthority() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        try await browser.open(s.base + "/?lang=en")
        for (name, value) in Self.appeal where name != "kind" && name != "category" { try browser.fill(name, value) }
        try browser.fill("kind", "complaint")
        try browser.fill("against", "transport")
        try browser.fill("category", "public-transport")
        try await browser.click("#appeal-form button[type=submit]")
        let page = try browser.html()
        XCTAssertNotNil(number(in: page), String(page.prefix(2000)))
        let hint = try XCTUnwrap(
            page.range(of: #"Expected authority: [^<]*"#, options: .regularExpression).map { String(page[$0]) })
        XCTAssertTrue(hint.contains("the body above"), hint)
        try browser.screenshotsAtBothWidths("intake-receipt-complaint")
    }

    // MARK: 8. Sign-out on the shared PC

    func testTheFormHasASignOutThatEndsTheSession() async throws {
        let s = try await signedIn()
        defer { s.browser.close() }
        let browser = s.browser
        try browser.screenshotsAtBothWidths("intake-form-signed-in")
        try await browser.click("header form[action^=\"/form/logout\"] button[type=submit]")
        XCTAssertTrue(try browser.html().contains("name=\"password\""), "signed out: the sign-in page")
        try await browser.open(s.base + "/")
        let page = try browser.html()
        XCTAssertTrue(page.contains("name=\"password\""), "the next person sees the sign-in page")
        XCTAssertFalse(page.contains("id=\"appeal-form\""))
    }
}
