import Foundation
import HromadaTestSupport
import XCTest

@testable import Intake

/// The "Повідомляти SMS" box in a real headless chromium: its label ticks it, its hint is tied to
/// it, a box ticked without a phone comes back ticked with the reason in the error summary, and
/// with a phone the appeal is registered. Screenshots under .hromada/screenshots/.
final class SMSChoiceBrowserTests: XCTestCase {
    func testTheSMSBoxWorksInABrowser() async throws {
        _ = try HeadlessBrowser.chromium()
        let server = try await IntakeTestServer.start(self, port: Int(try HeadlessBrowser.freePort()))
        let browser = try await server.browserSignedIn(as: "iryna")
        defer { browser.close() }

        XCTAssertEqual(
            try browser.evaluate("document.querySelector('label[for=notifyBy]').textContent") as? String,
            "Повідомляти SMS")
        XCTAssertEqual(try browser.evaluate("document.getElementById('notifyBy').checked") as? Bool, false)
        XCTAssertEqual(
            try browser.evaluate(
                "document.querySelector('label[for=notifyBy]').click(); document.getElementById('notifyBy').checked")
                as? Bool, true, "the label ticks the box")
        let hint = try browser.evaluate(
            "document.getElementById(document.getElementById('notifyBy').getAttribute('aria-describedby')).textContent")
        XCTAssertTrue(
            (hint as? String)?.contains("код для відстеження") == true, "\(hint ?? "no hint")")
        try browser.screenshot("intake-form-sms-box")

        for (name, value) in LibrarianFormBrowserTests.appeal { try browser.fill(name, value) }
        try await browser.click("#appeal-form button[type=submit]")
        var page = try browser.html()
        XCTAssertTrue(
            page.contains("Для повідомлень SMS вкажіть телефон"), String(page.prefix(2000)))
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('notifyBy').checked") as? Bool, true, "kept ticked")

        try browser.fill("phone", "+380 67 123 45 67")
        try await browser.click("#appeal-form button[type=submit]")
        page = try browser.html()
        XCTAssertNotNil(page.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression), "registered: the receipt")
    }
}
