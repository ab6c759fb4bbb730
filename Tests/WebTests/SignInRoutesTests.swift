import Foundation
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import XCTest

/// The kit's sign-in and sign-out routes (`WebSite.signInRoutes`) in memory: the shared page with the
/// service's labels, refusals, redirects only to this service's paths, the Origin check, the throttle
/// and the rate limit, sessions created and ended in the service's store, path parameters and
/// sign-in by link.
final class SignInRoutesTests: XCTestCase {
    static let token = "probe-token-0123456789"
    static let origin = "http://127.0.0.1:8080"
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .origin: origin]

    /// A probe service: `/login` with one token field, `/centres/:centre/login` with a note and a
    /// one-time link (`?once=good`), and `/whoami`, which needs a session.
    static func makeApplication(store: MemorySessionStore) throws -> some ApplicationProtocol {
        let settings = WebSettings(service: "probe", publicURL: try PublicURL(origin))
        let site = try WebSite(settings: settings, bundle: Bundle.module, templates: ["probe"], sessionStore: store)
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        site.install(on: router, session: { session, _ in .centre(id: session.subject) })
        let probe = SignInForm(
            title: "probeSignIn", refused: "probeRefused", fields: [.init("token", label: "probeToken")])
        let signIn = site.signInRoutes(
            probe, context: WebRequestContext.self, signInPath: "/login", signOutPath: "/logout",
            home: { _, _ in "/home" }, afterSignOut: { _, _ in "/bye" },
            check: { attempt in
                attempt["token"] == token ? .signedIn(subject: "probe") : .refused
            }
        )
        signIn.register(on: router)
        site.signInRoutes(
            probe, context: WebRequestContext.self, signInPath: "/centres/:centre/login",
            signOutPath: "/centres/:centre/logout",
            home: { _, context in "/centres/\(context.parameters.get("centre") ?? "")/page" },
            note: { _, context, language in
                site.catalogue.string("probeCentre", language) + ": " + (context.parameters.get("centre") ?? "")
            },
            link: { request, _ in
                guard let once = request.uri.queryParameters.get("once") else { return nil }
                return once == "good" ? .signedIn(subject: "linked") : .refused
            },
            check: { attempt in
                attempt["token"] == token
                    ? .signedIn(subject: try attempt.context.parameters.require("centre")) : .refused
            }
        ).register(on: router)
        router.get("/whoami") { request, context -> Response in
            guard let principal = context.principal else {
                return signIn.page(request, context: context, message: "probeSignInFirst", status: .unauthorized)
            }
            return Response(
                status: .ok,
                body: .init(byteBuffer: ByteBuffer(string: "\(principal)|csrf=\(context.session?.csrf ?? "")")))
        }
        return Application(router: router)
    }

    static func body(_ fields: [(String, String)]) -> ByteBuffer {
        ByteBuffer(string: fields.map { "\($0.0)=\(PublicURL.encode($0.1))" }.joined(separator: "&"))
    }

    static func cookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("hromada_probe=") }
            .map { String($0.split(separator: ";")[0]) }
    }

    func testThePageHasTheServiceLabelsAndKeepsOnlyALocalNext() async throws {
        let app = try Self.makeApplication(store: MemorySessionStore())
        try await app.test(.router) { client in
            let page = try await client.execute(uri: "/login?lang=en&next=%2Fwhoami%3Fx%3D1", method: .get)
            XCTAssertEqual(page.status, .ok)
            let html = String(buffer: page.body)
            XCTAssertTrue(html.contains("<h1>Sign in to the probe</h1>"), html)
            XCTAssertTrue(html.contains("<label for=\"token\">Probe token</label>"))
            XCTAssertTrue(html.contains("type=\"password\""))
            XCTAssertTrue(html.contains("action=\"/login?lang=en\""))
            XCTAssertTrue(html.contains("name=\"next\" value=\"/whoami?x=1\""), html)
            XCTAssertFalse(html.contains("name=\"csrf\""), "no session yet, no token")
            XCTAssertFalse(html.contains("<style") || html.contains("<script>"), "no inline style or script")
            XCTAssertFalse(page.headers[.contentSecurityPolicy]?.contains("unsafe-inline") ?? true)
            let ukrainian = String(buffer: try await client.execute(uri: "/login", method: .get).body)
            XCTAssertTrue(ukrainian.contains("Вхід до проби"))
            for foreign in ["//evil.example/x", "https://evil.example", "/\\evil.example", "evil", "/a b"] {
                let uri = "/login?next=" + PublicURL.encode(foreign)
                let html = String(buffer: try await client.execute(uri: uri, method: .get).body)
                XCTAssertFalse(html.contains("name=\"next\""), foreign)
            }
        }
    }

    func testARefusalIs401AndASignInGoesOnlyToALocalPath() async throws {
        let store = MemorySessionStore()
        let app = try Self.makeApplication(store: store)
        try await app.test(.router) { client in
            let wrong = try await client.execute(
                uri: "/login?lang=en", method: .post, headers: Self.form, body: Self.body([("token", "nope")]))
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertTrue(String(buffer: wrong.body).contains("That token does not open the probe"))
            XCTAssertNil(Self.cookie(wrong))
            XCTAssertEqual(store.count, 0)
            let empty = try await client.execute(uri: "/login", method: .post, headers: Self.form, body: Self.body([]))
            XCTAssertEqual(empty.status, .unauthorized, "a form without the field is a failed sign-in")

            let back = try await client.execute(
                uri: "/login", method: .post, headers: Self.form,
                body: Self.body([("token", Self.token), ("next", "/whoami?x=1")]))
            XCTAssertEqual(back.status, .seeOther)
            XCTAssertEqual(back.headers[.location], "/whoami?x=1")
            XCTAssertNotNil(Self.cookie(back))
            for foreign in ["//evil.example", "https://evil.example/", "/\\evil.example"] {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: Self.form,
                    body: Self.body([("token", Self.token), ("next", foreign)]))
                XCTAssertEqual(response.headers[.location], "/home", foreign)
            }
            XCTAssertEqual(store.count, 4, "one row per sign-in")
        }
    }

    func testAnotherSitesFormCannotSignTheBrowserIn() async throws {
        let store = MemorySessionStore()
        let app = try Self.makeApplication(store: store)
        try await app.test(.router) { client in
            var foreign = Self.form
            foreign[.origin] = "https://evil.example"
            let response = try await client.execute(
                uri: "/login", method: .post, headers: foreign, body: Self.body([("token", Self.token)]))
            XCTAssertEqual(response.status, .forbidden)
            XCTAssertNil(Self.cookie(response))
            XCTAssertEqual(store.count, 0)
        }
    }

    func testSignOutNeedsTheSessionsTokenAndDeletesTheRow() async throws {
        let store = MemorySessionStore()
        let app = try Self.makeApplication(store: store)
        try await app.test(.router) { client in
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: Self.body([("token", Self.token)]))
            let cookie = try XCTUnwrap(Self.cookie(signedIn))
            let who = String(
                buffer: try await client.execute(uri: "/whoami", method: .get, headers: [.cookie: cookie]).body)
            XCTAssertTrue(who.hasPrefix("centre:probe|"), who)
            let csrf = String(who.split(separator: "=").last ?? "")
            // Signed in, the sign-in form carries the session's token (the middleware asks for it).
            let again = try await client.execute(uri: "/login", method: .get, headers: [.cookie: cookie])
            XCTAssertTrue(String(buffer: again.body).contains("name=\"csrf\" value=\"\(csrf)\""))

            var headers = Self.form
            headers[.cookie] = cookie
            let noToken = try await client.execute(uri: "/logout", method: .post, headers: headers, body: Self.body([]))
            XCTAssertEqual(noToken.status, .forbidden)
            XCTAssertEqual(store.count, 1, "still signed in")
            let out = try await client.execute(
                uri: "/logout", method: .post, headers: headers, body: Self.body([("csrf", csrf)]))
            XCTAssertEqual(out.status, .seeOther)
            XCTAssertEqual(out.headers[.location], "/bye")
            XCTAssertTrue(
                out.headers[values: .setCookie].contains { $0.hasPrefix("hromada_probe=") && $0.contains("Max-Age=0") },
                "\(out.headers[values: .setCookie])")
            XCTAssertEqual(store.count, 0, "the row is gone")
            let replayed = try await client.execute(uri: "/whoami?lang=en", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(replayed.status, .unauthorized)
            XCTAssertTrue(String(buffer: replayed.body).contains("Sign in first"), "the kit's page with the message")
        }
    }

    func testFailuresAreSlowedAndSignInsAreRateLimitedInTheirOwnClass() async throws {
        let app = try Self.makeApplication(store: MemorySessionStore())
        try await app.test(.router) { client in
            for attempt in 1...5 {
                let response = try await client.execute(
                    uri: "/login", method: .post, headers: Self.form, body: Self.body([("token", "guess-\(attempt)")]))
                XCTAssertEqual(response.status, .unauthorized, "attempt \(attempt)")
            }
            let slowed = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: Self.body([("token", Self.token)]))
            XCTAssertEqual(slowed.status, .tooManyRequests, "even the right token waits after five failures")
            XCTAssertNotNil(slowed.headers[.retryAfter])
            // The page itself is limited too (burst 10 per address): the 11th quick view waits.
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<12 { statuses.append(try await client.execute(uri: "/centres/a/login", method: .get).status) }
            XCTAssertTrue(statuses.contains(.tooManyRequests), "\(statuses)")
        }
    }

    func testPathParametersNotesAndSignInByLink() async throws {
        let store = MemorySessionStore()
        let app = try Self.makeApplication(store: store)
        try await app.test(.router) { client in
            let page = String(buffer: try await client.execute(uri: "/centres/cog-a/login?lang=en", method: .get).body)
            XCTAssertTrue(page.contains("action=\"/centres/cog-a/login?lang=en\""), page)
            XCTAssertTrue(page.contains("<p>Centre: cog-a</p>"))
            let signedIn = try await client.execute(
                uri: "/centres/cog-a/login", method: .post, headers: Self.form, body: Self.body([("token", Self.token)])
            )
            XCTAssertEqual(signedIn.headers[.location], "/centres/cog-a/page")
            XCTAssertEqual(store.subjects, ["cog-a"])

            let linked = try await client.execute(uri: "/centres/cog-a/login?once=good", method: .get)
            XCTAssertEqual(linked.status, .seeOther)
            XCTAssertNotNil(Self.cookie(linked))
            let refused = try await client.execute(uri: "/centres/cog-a/login?once=bad&lang=en", method: .get)
            XCTAssertEqual(refused.status, .unauthorized)
            XCTAssertTrue(String(buffer: refused.body).contains("That token does not open the probe"))
            XCTAssertNil(Self.cookie(refused))
        }
    }

    func testOnlyPathsOfThisServiceAreLocal() {
        typealias Routes = SignInRoutes<WebRequestContext>
        for good in ["/", "/tickets/1?done=accept", "/centres/a%20b/notices"] {
            XCTAssertEqual(Routes.localPath(good), good)
        }
        for bad in [
            "", "tickets", "//evil.example", "/\\evil", "https://evil.example", "/a\nb", "/a b",
            "/" + String(repeating: "a", count: 600),
        ] {
            XCTAssertNil(Routes.localPath(bad), bad)
        }
    }
}
