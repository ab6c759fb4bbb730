import Foundation
import HromadaCtl
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import Logging
import XCTest

/// The console on the web kit, in memory (no server, no broker): its pages, session, CSRF,
/// stylesheet and error pages.
final class ConsoleRouterTests: XCTestCase {
    static let token = "operator-token-for-tests"

    func makeConsole() async throws -> Console {
        let endpoints = CtlEndpoints(services: [], rabbitMQAPI: "http://127.0.0.1:1", amqpURL: "amqp://127.0.0.1:1/%2f")
        let settings = ConsoleSettings(host: "127.0.0.1", port: 8090, operatorToken: Self.token, endpoints: endpoints)
        return try await Console(settings: settings, logger: Logger(label: "test.console"))
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    func testLoginDashboardCSRFAndSignOutOnTheKit() async throws {
        let console = try await makeConsole()
        let app = Application(router: console.makeRouter())
        try await app.test(.router) { client in
            // The login page: the shared stylesheet, a strict policy, no inline style or script.
            try await client.execute(uri: "/login?lang=en", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("Hromada — operator console"))
                XCTAssertTrue(html.contains("/assets/hromada.css?v="))
                XCTAssertFalse(html.contains("<style"))
                XCTAssertFalse(html.contains("<script>"))
                XCTAssertFalse(response.headers[.contentSecurityPolicy]?.contains("unsafe-inline") ?? true)
            }
            // A wrong token, then the right one: an HttpOnly, SameSite=Strict cookie named hromada_console.
            try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "token=nope")
            ) {
                XCTAssertEqual($0.status, .unauthorized)
            }
            let cookie = try await client.execute(
                uri: "/login", method: .post, headers: Self.form,
                body: ByteBuffer(string: "token=\(Self.token)")
            ) { response in
                XCTAssertEqual(response.status, .seeOther)
                let setCookie = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(setCookie.hasPrefix("hromada_console="))
                XCTAssertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
                return String(setCookie.split(separator: ";")[0])
            }
            // The dashboard renders (no sample yet) with its script as a file and a CSRF token.
            let csrf = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .ok)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("/assets/console.js?v="))
                XCTAssertFalse(html.contains("style=\""), "no inline style attributes")
                let marker = "name=\"csrf\" value=\""
                let start = try XCTUnwrap(html.range(of: marker)).upperBound
                return String(html[start...].prefix { $0 != "\"" })
            }
            XCTAssertTrue(csrf.allSatisfy { $0.isHexDigit })
            try await client.execute(uri: "/api/snapshot", method: .get, headers: [.cookie: cookie]) {
                XCTAssertEqual($0.status, .ok)
            }
            // A replay without the token, or from another site, is refused before anything moves.
            var headers = Self.form
            headers[.cookie] = cookie
            func replay(_ body: String, extra: HTTPFields = [:]) async throws -> TestResponse {
                var all = headers
                for field in extra { all[field.name] = field.value }
                return try await client.execute(
                    uri: "/dlq/replay", method: .post, headers: all, body: ByteBuffer(string: body))
            }
            let noToken = try await replay("queue=hromada.routing")
            XCTAssertEqual(noToken.status, .forbidden)
            let foreign = try await replay(
                "csrf=\(csrf)&queue=hromada.routing", extra: [.origin: "https://evil.example"])
            XCTAssertEqual(foreign.status, .forbidden)
            // A bad queue name with a good token is a field error (and a page for a browser).
            let badQueue = try await replay("csrf=\(csrf)&queue=other", extra: [.accept: "text/html"])
            XCTAssertEqual(badQueue.status, .unprocessableContent)
            XCTAssertTrue(badQueue.headers[.contentType]?.hasPrefix("text/html") ?? false)
            XCTAssertTrue(String(buffer: badQueue.body).contains("a hromada.* queue is required"))
            // Sign-out ends the session: the old cookie no longer opens the dashboard.
            try await client.execute(
                uri: "/logout", method: .post, headers: headers,
                body: ByteBuffer(string: "csrf=\(csrf)")
            ) { response in
                XCTAssertEqual(response.status, .seeOther)
                XCTAssertTrue(response.headers[.setCookie]?.contains("Max-Age=0") ?? false)
            }
            try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .seeOther)
                XCTAssertEqual(response.headers[.location], "/login")
            }
            try await client.execute(uri: "/api/snapshot", method: .get, headers: [.cookie: cookie]) {
                XCTAssertEqual($0.status, .unauthorized)
            }
            // The console's script and the shared stylesheet are served.
            try await client.execute(uri: "/assets/console.js", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(String(buffer: response.body).contains("/api/snapshot"))
            }
            // An unknown page is an HTML page for a browser.
            try await client.execute(uri: "/nowhere", method: .get, headers: [.accept: "text/html"]) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("text/html") ?? false)
            }
        }
    }
}
