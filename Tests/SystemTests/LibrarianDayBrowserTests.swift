import Foundation
import HromadaTestSupport
import XCTest

/// Issue 14, "the librarian's day", in Debian's chromium on the running system: from the form's
/// header to the centre's notices and back, today's appeals, the counter on the text, the error
/// summary whose links focus their fields, the skip link, and the answer letter's print view on A4
/// (print media emulated: nothing but the letter); the form, today's list, the notices and the
/// letter fit 390 px without sideways scrolling. Screenshots under .hromada/screenshots/.
final class LibrarianDayBrowserTests: XCTestCase {
    func testTheLibrariansDayInChromium() async throws {
        try IntegrationEnvironment.requireServers()
        _ = try HeadlessBrowser.chromium()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        // Intake started before notification's port was known: again, now with it.
        _ = await system.terminate(.intake)
        try await system.restart(.intake)
        let http = SystemHTTP.shared
        let intake = system.baseURL(.intake)
        let routing = system.baseURL(.routing)
        let notification = system.baseURL(.notification)

        let library = try await system.seedLibrary(
            centre: "lib-day", name: "ЦОГ бібліотеки ім. Гмирьова", passwordPrefix: "day")
        _ = try await system.seedReception()

        // A resident without email, registered at the centre and answered by the head of ЖКГ.
        let submitted = try await http.json(
            "POST", intake + "/v1/appeals",
            [
                "kind": "application", "category": "heating",
                "author": [
                    "fullName": "Шевченко Марія Іванівна",
                    "address": "вул. Садова, 12, кв. 3",
                    "preferredLanguage": "uk",
                ],
                "subject": "Немає опалення",
                "text": "У квартирі холодно вже тиждень, "
                    + "прошу перевірити тепломережу.",
            ] as [String: Any],
            headers: ["Authorization": "Bearer \(library.key)", "Idempotency-Key": UUID().uuidString])
        XCTAssertEqual(submitted.status, 201, submitted.text)
        let number = try XCTUnwrap(try submitted.object()["registrationNumber"] as? String)
        let auth = ["Authorization": "Bearer \(library.head.token)"]
        let ticketId = await system.ticketId(for: number, seenBy: library.head)
        let ticket = try XCTUnwrap(ticketId, "routing made the ticket")
        let accepted = try await http.json(
            "POST", routing + "/v1/tickets/\(ticket)/accept", [String: Any](), headers: auth)
        XCTAssertEqual(accepted.status, 200, accepted.text)
        let answerText =
            "Опалення відновлено 2 грудня після ремонту тепломережі.\n"
            + "Перерахунок зроблено."
        let answered = try await http.json(
            "POST", routing + "/v1/tickets/\(ticket)/answer", ["outcome": "resolved-positively", "text": answerText],
            headers: auth)
        XCTAssertEqual(answered.status, 200, answered.text)

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        func shots(_ name: String) throws {
            for width in [1280, 390] {
                try browser.emulate(width: width)
                let scroll = try browser.evaluate("document.documentElement.scrollWidth") as? Int ?? .max
                let inner = try browser.evaluate("window.innerWidth") as? Int ?? 0
                XCTAssertLessThanOrEqual(scroll, inner, "\(name) at \(width) px scrolls sideways")
                try browser.screenshot("librarian-day-\(name)-\(width)")
            }
            try browser.call("Emulation.clearDeviceMetricsOverride")
        }

        // Sign in at the form.
        try await browser.signInAtIntake(intake, library)
        try await browser.open(intake + "/?lang=uk")
        XCTAssertEqual(
            try browser.evaluate("document.querySelector('a.skip')?.getAttribute('href')") as? String, "#main")
        XCTAssertEqual(try browser.evaluate("document.getElementById('main')?.tagName") as? String, "MAIN")

        // The counter counts, as the browser counts maxlength, and warns near the limit.
        XCTAssertEqual(try browser.evaluate("document.getElementById('text').maxLength") as? Int, 10_000)
        try browser.fill("text", "Холодно 🙏")
        let used = try browser.evaluate("document.getElementById('text-counter').textContent") as? String ?? ""
        XCTAssertTrue(used.contains("10 з 10000"), used)
        try browser.fill("text", String(repeating: "ї", count: 9_500))
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('text-counter').getAttribute('data-state')") as? String,
            "near")
        let near = try browser.evaluate("document.getElementById('text-counter').textContent") as? String ?? ""
        XCTAssertTrue(near.contains("9500 з 10000") && near.contains("500"), near)
        try shots("form")

        // The error summary takes the focus; its links focus their fields.
        try browser.fill("text", "")
        try browser.fill("fullName", "Шевченко Марія Іванівна")
        try await browser.navigating("document.getElementById('appeal-form').submit()")
        XCTAssertEqual(try browser.evaluate("document.activeElement?.id") as? String, "errors")
        let targets =
            try browser.evaluate(
                "[...document.querySelectorAll('#errors a')].map(a => a.getAttribute('href')).join(' ')") as? String
            ?? ""
        XCTAssertTrue(targets.hasPrefix("#address"), "in the form's order: \(targets)")
        for target in ["text", "category", "address"] {
            try browser.evaluate("document.querySelector('#errors a[href=\"#\(target)\"]').click(); true")
            XCTAssertEqual(try browser.evaluate("document.activeElement?.id") as? String, target)
            XCTAssertEqual(
                try browser.evaluate("document.getElementById('\(target)').getAttribute('aria-describedby')")
                    as? String ?? "", target == "text" ? "text-error text-counter" : "\(target)-error")
            XCTAssertEqual(
                try browser.evaluate("document.getElementById('\(target)').getAttribute('aria-invalid')") as? String,
                "true")
        }
        try browser.screenshot("librarian-day-form-errors-1280")

        // Today's appeals from the header.
        try await browser.click("#nav-today")
        XCTAssertTrue(try browser.location().hasPrefix(intake + "/form/today"))
        XCTAssertTrue(try browser.html().contains(number), "today's list has the centre's appeal")
        try shots("today")

        // To the centre's notices (notification, its own sign-in with the centre's key) and back.
        try await browser.click("#nav-notices")
        XCTAssertTrue(try browser.location().hasPrefix(notification + "/centres/\(library.centre)/notices"))
        try browser.fill("key", library.key)
        try await browser.click("main form button[type=submit]")
        try await browser.open(notification + "/centres/\(library.centre)/notices?status=all&lang=uk")
        var appeared = false
        for _ in 0..<40 where !appeared {
            appeared = (try browser.evaluate("document.querySelector('a.letter-link') !== null") as? Bool) == true
            if !appeared {
                try await Task.sleep(for: .milliseconds(500))
                try await browser.open(notification + "/centres/\(library.centre)/notices?status=all&lang=uk")
            }
        }
        XCTAssertTrue(appeared, "the answer's notice offers the letter")
        let notices = try browser.html()
        XCTAssertTrue(notices.contains("ЦОГ бібліотеки ім. Гмирьова"), "the centre by its name")
        XCTAssertTrue(notices.contains("<dd>Українська</dd>"), "the language by its name")
        XCTAssertTrue(notices.contains("class=\"skip\""))
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('nav-form').href") as? String, intake + "/?lang=uk")
        try shots("notices")

        // The answer letter, printed: A4, only the letter.
        try await browser.click("a.letter-link")
        let letter = try browser.html()
        for expected in [
            number, "Шевченко Марія Іванівна", "вул. Садова, 12, кв. 3",
            "Перерахунок зроблено.",
            "вирішено позитивно", "статей 15 і 20", "статті 16, 17",
        ] {
            XCTAssertTrue(letter.contains(expected), "the letter shows \(expected)")
        }
        try shots("letter")
        try browser.call("Emulation.setEmulatedMedia", ["media": "print"])
        let hidden =
            try browser.evaluate(
                """
                ['header.site', 'a.skip', 'main > p.noprint', 'button'].every(s =>
                  [...document.querySelectorAll(s)].every(e => getComputedStyle(e).display === 'none'))
                """) as? Bool
        XCTAssertEqual(hidden, true, "no header, skip link or buttons in print")
        XCTAssertEqual(
            try browser.evaluate("getComputedStyle(document.getElementById('answer-letter')).display") as? String,
            "block")
        try browser.screenshot("librarian-day-letter-print")
        let pdf = try browser.call("Page.printToPDF", ["preferCSSPageSize": true, "printBackground": false])
        let data = try XCTUnwrap((pdf["data"] as? String).flatMap { Data(base64Encoded: $0) })
        let folder = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try data.write(to: folder.appendingPathComponent("librarian-day-letter.pdf"))
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertNotNil(
            text.range(of: #"/MediaBox\s*\[\s*0 0 59[456](\.\d+)? 84[12](\.\d+)?\s*\]"#, options: .regularExpression),
            "the letter prints on A4 (595 × 842 points)")
        try browser.call("Emulation.setEmulatedMedia", ["media": ""])

        // Back to the form from the notices' header: still signed in at intake.
        try await browser.click("#nav-form")
        XCTAssertTrue(try browser.location().hasPrefix(intake + "/"))
        XCTAssertEqual(try browser.evaluate("document.getElementById('appeal-form') !== null") as? Bool, true)
    }
}
