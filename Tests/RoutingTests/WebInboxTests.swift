import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The officials' web inbox: login by token → session cookie, inbox and ticket pages rendered in a
/// real headless chromium (screenshots under .hromada/screenshots/), a form posted exactly as the
/// browser would, and the CSRF and session checks.
final class WebInboxTests: XCTestCase {
    static let registered = TicketSamples.now

    struct CommandResult {
        var status: Int32
        var output: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> CommandResult {
        // Not Foundation's Process: its waitUntilExit() can hang inside the test process on Linux.
        let (status, output) = try IntegrationEnvironment.run(
            executable, arguments, environment: ProcessInfo.processInfo.environment)
        return CommandResult(status: status, output: output)
    }

    /// Renders `html` (self-contained: inline CSS only) in headless chromium: a screenshot and the DOM.
    static func render(_ html: String, name: String) throws -> (screenshot: URL, dom: String) {
        let browser = try HeadlessBrowser.chromium()
        let folder = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let page = folder.appendingPathComponent("\(name).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let screenshot = folder.appendingPathComponent("\(name).png")
        try? FileManager.default.removeItem(at: screenshot)
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600",
        ]
        try run(browser, common + ["--screenshot=\(screenshot.path)", page.absoluteString])
        let dom = try run(browser, common + ["--dump-dom", page.absoluteString]).output
        print("screenshot: \(screenshot.path)")
        return (screenshot, dom)
    }

    func testWebInboxLoginInboxTicketAndFormsInHeadlessChromium() async throws {
        let clock = TestClock(Self.registered)
        let f = try await RoutingFixture.start(self, clock: clock)
        let (_, token) = try await f.official(name: "Іван Коваль", authority: "zhkg")
        let urgent = RoutingFixture.appeal(
            category: "roads", benefit: "war-veteran", registeredAt: Self.registered, number: 101)
        let late = RoutingFixture.appeal(
            category: "heating", registeredAt: Self.registered.addingTimeInterval(-20 * 86_400), number: 102)
        var hostile = RoutingFixture.appeal(category: "heating", registeredAt: Self.registered, number: 103)
        hostile.subject = "<script>alert('x')</script> Опалення"
        try await f.publish([try f.envelope(urgent), try f.envelope(late), try f.envelope(hostile)])
        let urgentId = try await f.waitForTicket(urgent).uuidString.lowercased()
        _ = try await f.waitForTicket(late)
        _ = try await f.waitForTicket(hostile)
        let base = f.api.baseURL

        // The login page, in Ukrainian by default and in English on request.
        let login = try await f.api.request("GET", "/")
        XCTAssertEqual(login.status, 200)
        XCTAssertTrue(login.text.contains("Вхід для посадових осіб"))
        XCTAssertTrue(login.text.contains("<label for=\"token\">"))
        XCTAssertFalse(login.text.contains("http://") || login.text.contains("https://"), "no external resources")
        let english = try await f.api.request("GET", "/?lang=en")
        XCTAssertTrue(english.text.contains("Sign in for officials"))
        XCTAssertTrue(english.header("Set-Cookie")?.contains("hromada_lang=en") ?? false)
        // URLSession stores that cookie and would replace our own Cookie headers with it: forget it.
        for cookie in HTTPCookieStorage.shared.cookies ?? [] { HTTPCookieStorage.shared.deleteCookie(cookie) }
        let ukrainian = try await f.api.request("GET", "/")
        XCTAssertTrue(ukrainian.text.contains("Вхід для посадових осіб"))

        // A wrong token is refused; the right one gives an HttpOnly, SameSite=Strict session cookie named
        // for the service (the web kit's server-side session; every form also carries its CSRF token).
        let wrong = try Self.run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--data-urlencode", "token=nope", "\(base)/login"])
        XCTAssertEqual(wrong.output, "401")
        let headers = try Self.run(
            "/usr/bin/curl",
            ["-s", "-D", "-", "-o", "/dev/null", "--data-urlencode", "token=\(token)", "\(base)/login"]
        ).output
        XCTAssertTrue(headers.hasPrefix("HTTP/1.1 303"), headers)
        let setCookie =
            headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hromada_routing=") }.map(
                String.init) ?? ""
        XCTAssertTrue(setCookie.contains("HttpOnly"))
        XCTAssertTrue(setCookie.contains("SameSite=Strict"), "routing's session cookie is strict")
        let cookie = String(setCookie.dropFirst("set-cookie: ".count).split(separator: ";")[0])
        XCTAssertTrue(cookie.hasPrefix("hromada_routing="))

        // A tampered cookie is no session.
        let tampered = try await f.api.request("GET", "/", headers: ["Cookie": cookie + "0"])
        XCTAssertTrue(tampered.text.contains("Вхід для посадових осіб"))

        // The inbox: priority first, overdue marked in words, user text escaped.
        let inbox = try await f.api.request("GET", "/", headers: ["Cookie": cookie])
        XCTAssertEqual(inbox.status, 200)
        let html = inbox.text
        XCTAssertTrue(html.contains("Вхідні звернення"))
        XCTAssertTrue(html.contains("ПРОСТРОЧЕНО"), "overdue is said in text, not colour only")
        XCTAssertFalse(html.contains("<script>alert"), "user text is escaped")
        let first = html.range(of: urgent.registrationNumber)
        let second = html.range(of: late.registrationNumber)
        XCTAssertNotNil(first)
        XCTAssertNotNil(second)
        if let first, let second { XCTAssertLessThan(first.lowerBound, second.lowerBound, "priority first") }
        let rendered = try Self.render(html, name: "routing-inbox")
        XCTAssertTrue(rendered.dom.contains(urgent.registrationNumber), "chromium rendered the inbox")
        XCTAssertTrue(rendered.dom.contains("ПРОСТРОЧЕНО"))
        let size =
            (try FileManager.default.attributesOfItem(atPath: rendered.screenshot.path)[.size] as? NSNumber)?.intValue
            ?? 0
        XCTAssertGreaterThan(size, 10_000, "a real screenshot was written")

        // The ticket page shows the law's limits; viewing it is recorded.
        let page = try await f.api.request("GET", "/tickets/\(urgentId)", headers: ["Cookie": cookie])
        XCTAssertEqual(page.status, 200)
        XCTAssertTrue(page.text.contains("02.12.2026"), "forward allowed until registration + 5")
        XCTAssertTrue(page.text.contains("Олена Петренко"))
        XCTAssertTrue(page.text.contains("action=\"/tickets/\(urgentId)/forward\""))
        let ticketRender = try Self.render(page.text, name: "routing-ticket")
        XCTAssertTrue(ticketRender.dom.contains("Надіслати за належністю"))

        // Post the accept form as the browser would: without the CSRF token it is refused.
        let csrf =
            page.text.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.split(separator: "\"").first
            .map(String.init) ?? ""
        XCTAssertFalse(csrf.isEmpty)
        let form = ["Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"]
        let noCsrf = try await f.api.request(
            "POST", "/tickets/\(urgentId)/accept", body: Data("csrf=bad".utf8), headers: form)
        XCTAssertEqual(noCsrf.status, 403)
        let accepted = try await f.api.request(
            "POST", "/tickets/\(urgentId)/accept", body: Data("csrf=\(csrf)".utf8), headers: form)
        // 303 to the ticket page (URLSession may follow it).
        XCTAssertTrue([200, 303].contains(accepted.status), "\(accepted.status)")
        let afterAccept = try await f.api.request("GET", "/tickets/\(urgentId)", headers: ["Cookie": cookie])
        XCTAssertTrue(afterAccept.text.contains("Прийнято до розгляду"), "status now accepted")
        // The extend form shows the 45-day cap as the date input's max.
        XCTAssertTrue(afterAccept.text.contains("max=\"2027-01-11\""))
        // An extension past the cap is refused on the page with the law's words.
        let beyond = try await f.api.request(
            "POST", "/tickets/\(urgentId)/extend",
            body: Data(
                "csrf=\(csrf)&newDeadline=2027-01-20&reason=%D0%BF%D0%B5%D1%80%D0%B5%D0%B2%D1%96%D1%80%D0%BA%D0%B0".utf8
            ), headers: form)
        // Post/redirect/get (issue 14, defect 15): the refusal is shown on the ticket's GET address.
        XCTAssertTrue([200, 303].contains(beyond.status), "\(beyond.status)")
        let refusedShown =
            beyond.status == 303
            ? try await f.api.request("GET", beyond.header("Location") ?? "/", headers: ["Cookie": cookie]) : beyond
        XCTAssertTrue(refusedShown.text.contains("45 днів"))
        // After the 5-day window the forward form is disabled.
        clock.advance(days: 6)
        let closedWindow = try await f.api.request("GET", "/tickets/\(urgentId)?lang=en", headers: ["Cookie": cookie])
        XCTAssertTrue(closedWindow.text.contains("The 5-day forwarding window has passed"))
        let viewed = try await eventually {
            try await f.observed(type: "personal-data.accessed").count >= 2
        }
        XCTAssertTrue(viewed)
    }
}
