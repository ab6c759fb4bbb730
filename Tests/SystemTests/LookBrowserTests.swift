import Foundation
import HromadaTestSupport
import XCTest

/// One look for the four UIs (issue 14): every page people use — the librarian's form, receipt and
/// the resident's tracking (intake), the officials' inbox, ticket and card (routing), the centre's
/// notices (notification) and the operators' console — opened in Debian's chromium on the running
/// system at 1,280 px and at 390 px. Each page must fit its width (no horizontal page scroll:
/// `scrollWidth <= innerWidth`; tables scroll inside their own box) and carry the kit's header
/// (`header.site`), except the printable documents (report, quarterly summary), and print no ISO
/// date to a person (docs/VOCABULARY.md). The screenshots go to .hromada/docs/screenshots/look/;
/// `HROMADA_WRITE_FIXTURES=1` writes them into docs/screenshots/look/ to be committed.
final class LookBrowserTests: XCTestCase {
    struct Page {
        let name: String
        let url: String
        /// A printable document without the site header (a report, the quarterly summary).
        var document = false
    }

    func testEveryPageHasTheHeaderAndFits1280And390() async throws {
        try IntegrationEnvironment.requireServers()
        _ = try HeadlessBrowser.chromium()
        let system = try await SystemHarness.start(replicas: 1)
        addTeardownBlock { await system.cleanup() }
        let intake = system.baseURL(.intake)
        let routing = system.baseURL(.routing)
        let notification = system.baseURL(.notification)

        let library = try await system.seedLibrary(
            centre: "lib-look", name: "ЦОГ Центральної бібліотеки", passwordPrefix: "look")

        // The console, as an operator runs it.
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HROMADA_") }
        env["HROMADA_INTAKE_URL"] = intake
        env["HROMADA_ROUTING_URL"] = routing
        env["HROMADA_NOTIFICATION_URL"] = notification
        env["HROMADA_AUDIT_URL"] = system.baseURL(.audit)
        env["HROMADA_ADMIN_TOKEN"] = system.adminToken
        env["HROMADA_AMQP_URL"] = system.broker.url
        env["HROMADA_RABBITMQ_API"] = IntegrationEnvironment.rabbitMQAPI
        env["HROMADA_OPERATOR_TOKEN"] = "look-operator"
        let (consoleURL, console) = try await SystemHarness.startConsole(environment: env)
        defer { console.terminate() }

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        var pages: [Page] = []

        // The librarian: sign-in, the form, a registered appeal's receipt.
        pages.append(Page(name: "intake-sign-in", url: intake + "/form/login?lang=uk"))
        try await browser.signInAtIntake(intake, library)
        pages.append(Page(name: "intake-form", url: intake + "/?lang=uk"))
        pages.append(Page(name: "intake-form-en", url: intake + "/?lang=en"))
        try await browser.open(intake + "/?lang=uk")
        for (field, value) in [
            ("fullName", "Шевченко Марія Іванівна"),
            ("address", "м. Миколаїв, вул. Садова, 12, кв. 3"),
            ("category", "heating"), ("district", "tsentralnyi"), ("subject", "Немає опалення"),
            (
                "text",
                "У квартирі холодно вже тиждень, прошу перевірити "
                    + "тепломережу біля будинку."
            ),
        ] {
            try browser.fill(field, value)
        }
        try await browser.click("#appeal-form button[type=submit]")
        let receiptURL = try browser.location()
        let receipt = try browser.html()
        let number = try XCTUnwrap(
            receipt.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(receipt[$0]) },
            String(receipt.prefix(2000)))
        pages.append(Page(name: "intake-receipt", url: receiptURL))
        pages += [
            Page(name: "intake-today", url: intake + "/form/today?lang=uk"),
            Page(name: "intake-receipt-copy", url: intake + "/form/today/\(number)?lang=uk"),
            Page(name: "intake-say", url: intake + "/form/say?lang=uk"),
        ]

        // The resident: tracking with the number and the code from the receipt.
        let code =
            try browser.evaluate(
                "(document.getElementById('tracking-token') || document.getElementById('tracking-code'))"
                    + "?.textContent.trim() ?? ''") as? String ?? ""
        XCTAssertFalse(code.isEmpty, "the receipt shows the tracking code")
        try await browser.open(intake + "/track?lang=uk")
        try browser.fill("number", number)
        if (try? browser.fill("token", code)) == nil { try browser.fill("code", code) }
        try await browser.click("main form:has(input[name=number]) button[type=submit]")
        pages.append(Page(name: "intake-tracking", url: try browser.location()))
        pages.append(Page(name: "intake-tracking-empty", url: intake + "/track?lang=uk"))
        pages.append(Page(name: "intake-statement", url: intake + "/track/statement?lang=uk"))
        pages.append(Page(name: "intake-not-found", url: intake + "/no/such/page?lang=uk"))

        // The official: the inbox, the ticket and its card.
        let ticketId = await system.ticketId(for: number, seenBy: library.head)
        let ticket = try XCTUnwrap(ticketId, "routing made the ticket")
        pages.append(Page(name: "routing-sign-in", url: routing + "/?lang=uk"))
        try await browser.open(routing + "/?lang=uk")
        try browser.fill("token", library.head.token)
        try await browser.click("form:has(input[name=token]) button[type=submit]")
        pages += [
            Page(name: "routing-inbox", url: routing + "/?lang=uk"),
            Page(name: "routing-inbox-en", url: routing + "/?lang=en"),
            Page(name: "routing-ticket", url: routing + "/tickets/\(ticket)?lang=uk"),
            Page(name: "routing-ticket-en", url: routing + "/tickets/\(ticket)?lang=en"),
            Page(name: "routing-card", url: routing + "/tickets/\(ticket)/card?lang=uk"),
            Page(name: "routing-templates", url: routing + "/inbox/templates?lang=uk"),
        ]

        // The centre: its notices (the resident has no email, so the centre is told).
        let notices = notification + "/centres/\(library.centre)/notices"
        pages.append(Page(name: "notices-sign-in", url: notices + "?lang=uk"))
        try await browser.open(notices + "?lang=uk")
        try browser.fill("key", library.key)
        try await browser.click("main form button[type=submit]")
        pages.append(Page(name: "notices", url: notices + "?status=all&lang=uk"))
        pages.append(Page(name: "notices-en", url: notices + "?status=all&lang=en"))

        // The operator: the dashboard, reports, the printable report and quarterly summary, erasures.
        pages.append(Page(name: "console-sign-in", url: consoleURL + "/login?lang=uk"))
        try await browser.open(consoleURL + "/login?lang=uk")
        try browser.fill("token", "look-operator")
        try await browser.click("main form button[type=submit]")
        let today = ISO8601DateFormatter.kyivDay(Date())
        let quarter = ((Int(today.dropFirst(5).prefix(2)) ?? 1) - 1) / 3 + 1
        try await Task.sleep(for: .seconds(6))  // the console takes its first sample
        pages += [
            Page(name: "console-dashboard", url: consoleURL + "/?lang=uk"),
            Page(name: "console-dashboard-en", url: consoleURL + "/?lang=en"),
            Page(name: "console-reports", url: consoleURL + "/reports?from=\(today)&to=\(today)&by=category&lang=uk"),
            Page(
                name: "console-report-print", url: consoleURL + "/reports/print?from=\(today)&to=\(today)&lang=uk",
                document: true),
            Page(
                name: "console-quarterly",
                url: consoleURL + "/reports/quarterly?year=\(today.prefix(4))&quarter=\(quarter)",
                document: true),
            Page(
                name: "console-reports-en",
                url: consoleURL + "/reports?from=\(today)&to=\(today)&by=authority&lang=en"),
            Page(name: "console-erasures", url: consoleURL + "/erasures?lang=uk"),
        ]

        // Every page at both widths: the header, no horizontal scrolling, a screenshot kept.
        let folder = IntegrationEnvironment.picturesFolder(committed: "docs/screenshots/look")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var problems: [String] = []
        var texts: [String: String] = [:]
        for width in [1280, 390] {
            try browser.emulate(width: width)
            for page in pages {
                try await browser.open(page.url)
                let facts =
                    try browser.evaluate(
                        """
                        JSON.stringify({scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                          header: !!document.querySelector('header.site a.brand'),
                          raw: document.body.innerText.trim().startsWith('{"errors"'),
                          failed: /\\(5\\d\\d\\)/.test(document.querySelector('h1')?.innerText ?? ''),
                          iso: (document.body.innerText.match(/(^|[^\\w-])20\\d\\d-\\d\\d-\\d\\d(T[\\d:.]+)?/g) || [])
                            .slice(0, 3),
                          wide: [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right
                            > window.innerWidth + 1 && !e.closest('table, .table-scroll, pre, svg'))
                            .slice(0, 3).map(e => e.tagName + '.' + e.className)})
                        """) as? String ?? "{}"
                let fact = try JSONSerialization.jsonObject(with: Data(facts.utf8)) as? [String: Any] ?? [:]
                let scroll = fact["scroll"] as? Int ?? .max
                let inner = fact["inner"] as? Int ?? 0
                if scroll > inner {
                    let wide = fact["wide"] ?? ""
                    problems.append("\(page.name) at \(width) px scrolls sideways: \(scroll) > \(inner) \(wide)")
                }
                if !page.document, fact["header"] as? Bool != true {
                    problems.append("\(page.name) at \(width) px has not the kit's header (header.site a.brand)")
                }
                if fact["raw"] as? Bool == true { problems.append("\(page.name) shows raw JSON") }
                if fact["failed"] as? Bool == true { problems.append("\(page.name) answers a server error") }
                if let iso = fact["iso"] as? [String], !iso.isEmpty, width == 1280 {
                    problems.append("\(page.name) prints ISO dates to people: \(iso)")
                }
                if width == 1280 { texts[page.name] = try browser.evaluate("document.body.innerText") as? String }
                let shot = try browser.screenshot("look-\(page.name)-\(width)")
                let kept = folder.appendingPathComponent("\(page.name)-\(width).png")
                try? FileManager.default.removeItem(at: kept)
                try FileManager.default.copyItem(at: shot, to: kept)
            }
        }
        if !problems.isEmpty { system.printLogs(lines: 40) }
        XCTAssertEqual(problems, [], problems.joined(separator: "\n"))

        // One vocabulary: the resident, the official and the librarian read the same state's name and
        // the same date for the same appeal (docs/VOCABULARY.md).
        let ticketText = texts["routing-ticket"] ?? ""
        let deadline = try XCTUnwrap(
            ticketText.range(of: #"\d\d\.\d\d\.20\d\d \("#, options: .regularExpression)
                .map { String(ticketText[$0].dropLast(2)) }, "the ticket's deadline as 30.11.2026")
        for name in ["intake-tracking", "routing-inbox", "routing-ticket"] {
            let text = texts[name] ?? ""
            XCTAssertTrue(
                text.contains("Передано на розгляд"), "\(name) names the state as the kit does")
            XCTAssertTrue(text.contains(deadline), "\(name) writes the deadline \(deadline)")
        }
        XCTAssertTrue(texts["routing-inbox-en"]?.contains("Sent for consideration") ?? false, "the English name")
        XCTAssertTrue(
            texts["routing-ticket-en"]?.range(of: #"\d{1,2} [A-Z][a-z]{2} 20\d\d"#, options: .regularExpression) != nil,
            "English dates as 30 Nov 2026")
        XCTAssertGreaterThanOrEqual(pages.count, 18, "every page of the four UIs")
    }
}
