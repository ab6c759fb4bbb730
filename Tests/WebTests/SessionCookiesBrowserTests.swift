import Foundation
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import Logging
import ServiceLifecycle
import XCTest

/// Issue 14: two services on one host (a library PC with the librarian's form on 8080 and the
/// officials' inbox on 8081) each keep their own session in one chromium — cookies are per host, not
/// per port, so each service names its cookie `hromada_<service>`. Signing in to one never signs
/// the other out; signing out of one leaves the other signed in.
final class SessionCookiesBrowserTests: XCTestCase {
    static let token = "probe-token-0123456789"

    /// A kit site for `service` on a known loopback port: `/login` (one token field), `/logout`,
    /// and `/whoami`, which shows the session's subject or the sign-in page.
    static func start(service: String) async throws
        -> (base: String, group: ServiceGroup, task: Task<Void, any Error>)
    {
        let port = Int(try HeadlessBrowser.freePort())
        let base = "http://127.0.0.1:\(port)"
        let settings = WebSettings(service: service, publicURL: try PublicURL(base))
        let site = try WebSite(
            settings: settings, bundle: Bundle.module, templates: ["probe"],
            sessionStore: MemorySessionStore())
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        site.install(on: router, session: { session, _ in .centre(id: session.subject) })
        let signIn = site.signInRoutes(
            SignInForm(title: "probeSignIn", refused: "probeRefused", fields: [.init("token", label: "probeToken")]),
            context: WebRequestContext.self, signInPath: "/login", signOutPath: "/logout",
            home: { _, _ in "/whoami" }, afterSignOut: { _, _ in "/whoami" },
            check: { attempt in
                attempt["token"] == token ? .signedIn(subject: "\(service)-user") : .refused
            }
        )
        signIn.register(on: router)
        router.get("/whoami") { request, context -> Response in
            guard let session = context.session, context.principal != nil else {
                return signIn.page(request, context: context, message: "probeSignInFirst", status: .unauthorized)
            }
            let page = """
                <!DOCTYPE html><html><body><p id="who">\(session.subject)</p>
                <form method="post" action="/logout"><input type="hidden" name="csrf" value="\(session.csrf)">
                <button type="submit">out</button></form></body></html>
                """
            return HTMLResponse.page(page)
        }
        var logger = Logger(label: "test.cookies")
        logger.logLevel = .warning
        let (running, continuation) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in
                continuation.yield()
                continuation.finish()
            }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)], logger: logger))
        let task = Task { try await group.run() }
        for await _ in running {}
        return (base, group, task)
    }

    func signIn(_ browser: HeadlessBrowser, _ base: String) async throws {
        try await browser.open(base + "/login")
        try browser.fill("token", Self.token)
        try await browser.click("form:has(input[name=token]) button[type=submit]")
    }

    func who(_ browser: HeadlessBrowser, _ base: String) async throws -> String? {
        try await browser.open(base + "/whoami")
        return try browser.evaluate("document.getElementById('who')?.textContent ?? null") as? String
    }

    func testTwoServicesOnOneHostKeepTheirOwnSessionsInOneBrowser() async throws {
        _ = try HeadlessBrowser.chromium()
        let intake = try await Self.start(service: "intake")
        let routing = try await Self.start(service: "routing")
        defer {
            for service in [intake, routing] {
                Task { await service.group.triggerGracefulShutdown() }
            }
        }
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }

        try await signIn(browser, intake.base)
        var signedIntake = try await who(browser, intake.base)
        XCTAssertEqual(signedIntake, "intake-user")
        try await signIn(browser, routing.base)
        let signedRouting = try await who(browser, routing.base)
        XCTAssertEqual(signedRouting, "routing-user")
        signedIntake = try await who(browser, intake.base)
        XCTAssertEqual(signedIntake, "intake-user", "signing in to the inbox kept the librarian signed in")

        let cookies = try browser.call("Network.getAllCookies")["cookies"] as? [[String: Any]] ?? []
        let names = Set(cookies.compactMap { $0["name"] as? String })
        XCTAssertTrue(names.isSuperset(of: ["hromada_intake", "hromada_routing"]), "\(names)")

        // Signing out of the inbox leaves the librarian's form signed in.
        _ = try await who(browser, routing.base)
        try await browser.click("form[action=\"/logout\"] button[type=submit]")
        let afterSignOut = try await who(browser, routing.base)
        XCTAssertNil(afterSignOut, "signed out of the inbox")
        signedIntake = try await who(browser, intake.base)
        XCTAssertEqual(signedIntake, "intake-user")
    }
}
