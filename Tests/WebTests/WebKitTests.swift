import Foundation
import HromadaCrypto
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import XCTest

/// The web kit in memory (the router tester in HromadaTestSupport, no server): errors by `Accept`,
/// principals and policies, sessions and their cookies, CSRF, forms, templates, strings, assets,
/// page headers and links from the public URL.
final class WebKitTests: XCTestCase {
    struct ProbeModel: Encodable, Sendable {
        var name: String
        var note: String?
        var items: [String]
        var csrf: String?
    }

    struct ProbeForm: Decodable, Sendable {
        var name: String
        var count: Int?
        var agree: Bool?
    }

    static let adminToken = "admin-token-0123456789"
    static let officialToken = "official-token-0123456789"

    /// A site for the `intake` service on http://127.0.0.1:8080 with signed-cookie sessions, and routes
    /// that exercise every piece.
    static func makeApplication(
        publicURL: String = "http://127.0.0.1:8080", service: String = "intake"
    ) throws -> (some ApplicationProtocol, WebSite) {
        let settings = WebSettings(service: service, publicURL: try PublicURL(publicURL))
        let site = try WebSite(
            settings: settings, bundle: Bundle.module, templates: ["probe"],
            sessionStore: SignedCookieSessionStore(settings: settings))
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        site.install(
            on: router,
            bearer: { token, _ in
                if token == adminToken { return .administrator }
                if token == officialToken {
                    return .official(.init(id: "o-1", name: "Official", authority: "zhkg", role: .official))
                }
                return nil
            },
            session: { session, _ in
                session.subject.hasPrefix("centre:") ? .librarian(centre: String(session.subject.dropFirst(7))) : nil
            })
        router.get("/v1/admin") { _, context -> String in
            try context.require(.administrator)
            return "admin"
        }
        router.get("/v1/missing") { _, _ -> String in throw APIError.notFound("appeal") }
        router.get("/boom") { _, _ -> String in
            struct Secret: Error { let value = "Шевченко Тарас" }
            throw Secret()
        }
        router.get("/page") { request, context -> Response in
            site.page(
                "probe",
                ProbeModel(name: "<b>Тарас</b>", note: nil, items: ["a", "b"], csrf: context.session?.csrf),
                request: request)
        }
        router.post("/login") { _, _ in try await site.signIn(subject: "centre:demo", redirectTo: "/page") }
        router.post("/logout") { _, context in try await site.signOut(context, redirectTo: "/") }
        router.get("/whoami") { _, context -> String in
            try context.require(.centre).description
        }
        router.post("/form") { request, context -> String in
            try context.require(.centre)
            let form = try await site.form(ProbeForm.self, request)
            return "\(form.name)|\(form.count ?? -1)|\(form.agree ?? false)"
        }
        router.get("/link") { _, _ -> String in site.link("/track", query: [("number", "2026/000001"), ("lang", "uk")])
        }
        return (Application(router: router), site)
    }

    static let browser: HTTPFields = [.accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"]

    // MARK: Errors

    func testErrorsAnswerJSONToAPIClientsAndAPageToBrowsers() async throws {
        let (app, _) = try Self.makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/missing", method: .get, headers: [.accept: "application/json"]) {
                response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(response.headers[.contentType], "application/json; charset=utf-8")
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                XCTAssertEqual(body.errors.first?.code, "not_found")
                XCTAssertEqual(body.errors.first?.message, "appeal not found")
            }
            // No Accept, or */*, is an API client too (curl).
            try await client.execute(uri: "/v1/missing", method: .get, headers: [.accept: "*/*"]) { response in
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("application/json") ?? false)
            }
            try await client.execute(uri: "/v1/missing", method: .get, headers: Self.browser) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(response.headers[.contentType], "text/html; charset=utf-8")
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("Сторінку не знайдено"), html)
                XCTAssertFalse(html.contains("{\"errors\""))
                XCTAssertNotNil(response.headers[.contentSecurityPolicy])
            }
            // An unknown path, in English for a browser that chose it.
            try await client.execute(uri: "/nowhere?lang=en", method: .get, headers: Self.browser) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(String(buffer: response.body).contains("Page not found"))
            }
            // An unexpected error says nothing of its cause, in either form.
            try await client.execute(uri: "/boom", method: .get, headers: Self.browser) { response in
                XCTAssertEqual(response.status, .internalServerError)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("Внутрішня помилка"))
                XCTAssertFalse(html.contains("Шевченко"))
                XCTAssertFalse(html.contains("Secret"))
            }
            try await client.execute(uri: "/boom", method: .get) { response in
                XCTAssertEqual(response.status, .internalServerError)
                let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                XCTAssertEqual(body.errors.map(\.code), ["internal_error"])
            }
        }
    }

    func testContentNegotiationPrefersHTMLOnlyWhenAsked() throws {
        func prefers(_ accept: String?) -> Bool {
            var headers: HTTPFields = [:]
            if let accept { headers[.accept] = accept }
            let request = Request(
                head: .init(method: .get, scheme: "http", authority: "x", path: "/", headerFields: headers),
                body: .init(buffer: ByteBuffer()))
            return ContentNegotiation.prefersHTML(request)
        }
        XCTAssertTrue(prefers("text/html,application/xhtml+xml,*/*;q=0.8"))
        XCTAssertTrue(prefers("text/html"))
        XCTAssertFalse(prefers(nil))
        XCTAssertFalse(prefers("*/*"))
        XCTAssertFalse(prefers("application/json"))
        XCTAssertFalse(prefers("application/json, text/html;q=0.5"))
        XCTAssertFalse(prefers("text/html;q=0"))
    }

    // MARK: Principals

    func testBearerPrincipalAndPolicies() async throws {
        let (app, _) = try Self.makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/admin", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertEqual(response.headers[.wwwAuthenticate], "Bearer")
            }
            try await client.execute(uri: "/v1/admin", method: .get, headers: [.authorization: "Bearer wrong"]) {
                response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(
                uri: "/v1/admin", method: .get,
                headers: [.authorization: "Bearer \(Self.officialToken)"]
            ) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
            try await client.execute(
                uri: "/v1/admin", method: .get,
                headers: [.authorization: "Bearer \(Self.adminToken)"]
            ) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(String(buffer: response.body), "admin")
            }
        }
    }

    func testPolicyCombinations() {
        let official = Principal.official(.init(id: "1", name: "n", authority: "zhkg", role: .head))
        XCTAssertTrue(Policy.official.allows(official))
        XCTAssertTrue(Policy.official.allows(.administrator))
        XCTAssertFalse(Policy.official.allows(.centre(id: "c")))
        XCTAssertTrue(Policy.centre.allows(.librarian(centre: "c")))
        XCTAssertFalse(Policy.administrator.allows(.operator))
        XCTAssertTrue(Policy.administrator.or(.operator).allows(.operator))
        XCTAssertEqual(Principal.librarian(centre: "demo").centre, "demo")
        XCTAssertFalse(official.description.contains("n"), "logs carry ids, not names")
    }

    // MARK: Sessions and CSRF

    /// Signs in through the router and returns the session cookie's `name=value`.
    static func signIn(_ client: some TestClientProtocol) async throws -> String {
        try await client.execute(uri: "/login", method: .post, headers: [.origin: "http://127.0.0.1:8080"]) {
            response in
            XCTAssertEqual(response.status, .seeOther)
            XCTAssertEqual(response.headers[.location], "/page")
            let setCookie = try XCTUnwrap(response.headers[.setCookie])
            return String(setCookie.split(separator: ";")[0])
        }
    }

    static func csrf(_ client: some TestClientProtocol, cookie: String) async throws -> String {
        try await client.execute(uri: "/page", method: .get, headers: [.cookie: cookie]) { response in
            let html = String(buffer: response.body)
            let marker = "name=\"csrf\" value=\""
            let start = try XCTUnwrap(html.range(of: marker)).upperBound
            return String(html[start...].prefix { $0 != "\"" })
        }
    }

    func testCookieNamedPerServiceHttpOnlyLaxAndSecureOnlyForHTTPS() async throws {
        let (app, _) = try Self.makeApplication(service: "routing")
        try await app.test(.router) { client in
            try await client.execute(uri: "/login", method: .post) { response in
                let cookie = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(cookie.hasPrefix("hromada_routing="), cookie)
                XCTAssertTrue(cookie.contains("HttpOnly"))
                XCTAssertTrue(cookie.contains("SameSite=Lax"))
                XCTAssertTrue(cookie.contains("Path=/"))
                XCTAssertFalse(cookie.contains("Secure"))
            }
        }
        let (secureApp, _) = try Self.makeApplication(publicURL: "https://zvernennia.example.org", service: "intake")
        try await secureApp.test(.router) { client in
            try await client.execute(uri: "/login", method: .post) { response in
                let cookie = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(cookie.hasPrefix("hromada_intake="), cookie)
                XCTAssertTrue(cookie.contains("Secure"))
            }
        }
        XCTAssertEqual(WebSettings.local(service: "notification", port: 8082).cookieName, "hromada_notification")
    }

    func testCSRFRefusesFormsWithoutTheSessionTokenOrFromAnotherOrigin() async throws {
        let (app, _) = try Self.makeApplication()
        try await app.test(.router) { client in
            let cookie = try await Self.signIn(client)
            let token = try await Self.csrf(client, cookie: cookie)
            XCTAssertGreaterThan(token.count, 20)
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: cookie]
            func post(_ body: String, extra: HTTPFields = [:]) async throws -> (HTTPResponse.Status, String) {
                var headers = form
                headers.append(contentsOf: extra)
                return try await client.execute(
                    uri: "/form", method: .post, headers: headers,
                    body: ByteBuffer(string: body)
                ) { ($0.status, String(buffer: $0.body)) }
            }
            // No token, a wrong token: refused.
            let missing = try await post("name=x")
            XCTAssertEqual(missing.0, .forbidden)
            XCTAssertTrue(missing.1.contains("\"code\":\"csrf\""))
            // The last character changed to another one ("A" would be no change for a token ending in "A").
            let wrong = try await post("name=x&csrf=\(token.dropLast())\(token.hasSuffix("A") ? "B" : "A")")
            XCTAssertEqual(wrong.0, .forbidden)
            // The right token from another site: refused (Origin, then Referer).
            let foreign = try await post("name=x&csrf=\(token)", extra: [.origin: "https://evil.example"])
            XCTAssertEqual(foreign.0, .forbidden)
            let foreignReferer = try await post(
                "name=x&csrf=\(token)", extra: [.referer: "http://127.0.0.1:8080.evil/page"])
            XCTAssertEqual(foreignReferer.0, .forbidden)
            // The right token from the site itself: accepted, and the handler still reads the body.
            let good = try await post(
                "name=%D0%A2%D0%B0%D1%80%D0%B0%D1%81+I&count=3&agree=true&csrf=\(token)",
                extra: [.origin: "http://127.0.0.1:8080"])
            XCTAssertEqual(good.0, .ok)
            XCTAssertEqual(good.1, "Тарас I|3|true")
            let referer = try await post("name=x&csrf=\(token)", extra: [.referer: "http://127.0.0.1:8080/page"])
            XCTAssertEqual(referer.0, .ok)
            // A sign-in form from another site is refused too.
            try await client.execute(
                uri: "/login", method: .post,
                headers: [.origin: "https://evil.example", .contentType: "application/x-www-form-urlencoded"]
            ) {
                XCTAssertEqual($0.status, .forbidden)
            }
        }
    }

    func testSignOutEndsTheSessionEvenIfTheOldCookieIsReplayed() async throws {
        let (app, _) = try Self.makeApplication()
        try await app.test(.router) { client in
            let cookie = try await Self.signIn(client)
            try await client.execute(uri: "/whoami", method: .get, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(String(buffer: response.body), "librarian:demo")
            }
            let token = try await Self.csrf(client, cookie: cookie)
            try await client.execute(
                uri: "/logout", method: .post,
                headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(token)")
            ) { response in
                XCTAssertEqual(response.status, .seeOther)
                let clearing = try XCTUnwrap(response.headers[.setCookie])
                XCTAssertTrue(clearing.hasPrefix("hromada_intake=;"), clearing)
                XCTAssertTrue(clearing.contains("Max-Age=0"))
            }
            try await client.execute(uri: "/whoami", method: .get, headers: [.cookie: cookie]) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            // A forged cookie is no session either.
            try await client.execute(uri: "/whoami", method: .get, headers: [.cookie: cookie + "x"]) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
        }
    }

    func testSignedCookieSessionsExpireAbsolutely() async throws {
        let settings = WebSettings.local(service: "console", port: 8090)
        let store = SignedCookieSessionStore(settings: settings, lifetime: .seconds(60))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (session, value) = try await store.create(subject: "operator", now: start)
        let loaded = try await store.load(cookieValue: value, now: start.addingTimeInterval(59))
        XCTAssertEqual(loaded, session)
        let expired = try await store.load(cookieValue: value, now: start.addingTimeInterval(61))
        XCTAssertNil(expired)
        // Another secret (another deployment) does not accept it.
        let other = SignedCookieSessionStore(settings: WebSettings.local(service: "console", port: 8090))
        let foreign = try await other.load(cookieValue: value, now: start)
        XCTAssertNil(foreign)
    }

    func testARevokedSubjectIsNoSessionAndStrictCookiesAreAnOption() async throws {
        let settings = WebSettings.local(service: "routing", port: 8081)
        let store = SignedCookieSessionStore(settings: settings)
        let site = try WebSite(
            settings: settings, bundle: Bundle.module, templates: [], sessionStore: store, sameSite: .strict)
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        // Only "official:live" still maps to someone: the other subject's token was revoked.
        site.install(
            on: router,
            session: { session, _ in
                session.subject == "official:live"
                    ? .official(.init(id: "live", name: "n", authority: "zhkg", role: .head)) : nil
            })
        router.post("/login/:who") { _, context in
            try await site.signIn(subject: "official:" + (context.parameters.get("who") ?? ""), redirectTo: "/")
        }
        router.get("/me") { _, context -> String in
            XCTAssertEqual(context.session == nil, context.principal == nil)
            return try context.require(.official).description
        }
        try await Application(router: router).test(.router) { client in
            for (who, expected) in [("live", HTTPResponse.Status.ok), ("revoked", .unauthorized)] {
                let cookie = try await client.execute(uri: "/login/\(who)", method: .post) { response in
                    let setCookie = try XCTUnwrap(response.headers[.setCookie])
                    XCTAssertTrue(setCookie.contains("SameSite=Strict"), setCookie)
                    return String(setCookie.split(separator: ";")[0])
                }
                try await client.execute(uri: "/me", method: .get, headers: [.cookie: cookie]) {
                    XCTAssertEqual($0.status, expected, who)
                }
            }
        }
    }

    // MARK: Settings

    func testSessionSecretIsHexOfAtLeast32Bytes() throws {
        let hex = String(repeating: "ab", count: 32)
        let settings = try WebSettings.fromEnvironment(
            service: "intake", port: 8080, environment: ["HROMADA_SESSION_SECRET": hex])
        XCTAssertFalse(settings.sessionSecret.isRandom)
        XCTAssertEqual(settings.sessionSecret.bytes, [UInt8](repeating: 0xab, count: 32))
        XCTAssertThrowsError(
            try WebSettings.fromEnvironment(
                service: "intake", port: 8080,
                environment: ["HROMADA_SESSION_SECRET": String(repeating: "ab", count: 31)])
        ) {
            XCTAssertTrue("\($0)".contains("HROMADA_SESSION_SECRET"))
            XCTAssertFalse("\($0)".contains("abab"), "the value is never echoed")
        }
        XCTAssertThrowsError(
            try WebSettings.fromEnvironment(
                service: "intake", port: 8080,
                environment: ["HROMADA_SESSION_SECRET": String(repeating: "zz", count: 40)]))
        // A secret read from a file (a Kubernetes secret made with --from-file) ends with a line break.
        let fromFile = try WebSettings.fromEnvironment(
            service: "intake", port: 8080, environment: ["HROMADA_SESSION_SECRET": hex + "\n"])
        XCTAssertEqual(fromFile.sessionSecret.bytes, settings.sessionSecret.bytes)
        let unset = try WebSettings.fromEnvironment(service: "intake", port: 8080, environment: [:])
        XCTAssertTrue(unset.sessionSecret.isRandom)
        XCTAssertEqual(unset.publicURL.origin, "http://127.0.0.1:8080")
        XCTAssertFalse("\(unset.sessionSecret)".contains(Hex.encodeForTest(unset.sessionSecret.bytes)))
    }

    func testPublicURLParsingAndLinks() throws {
        let url = try PublicURL("https://hromada.example.org:443/app/")
        XCTAssertEqual(url.origin, "https://hromada.example.org")
        XCTAssertEqual(url.basePath, "/app")
        XCTAssertTrue(url.isHTTPS)
        XCTAssertEqual(
            url.link(path: "/track", query: [("number", "2026/1 a"), ("x", "&=")]),
            "https://hromada.example.org/app/track?number=2026%2F1%20a&x=%26%3D")
        XCTAssertEqual(url.path("/"), "/app/")
        XCTAssertEqual(try PublicURL("http://127.0.0.1:8081").link(path: "/"), "http://127.0.0.1:8081/")
        for bad in ["ftp://x", "127.0.0.1:8080", "http://", "http://x/?a=b", "https://user:pw@x"] {
            XCTAssertThrowsError(try PublicURL(bad), bad) { XCTAssertTrue("\($0)".contains("HROMADA_PUBLIC_URL")) }
        }
    }

    func testLinksComeFromThePublicURLNeverFromTheHostHeader() async throws {
        let (app, _) = try Self.makeApplication(publicURL: "https://zvernennia.example.org")
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/link", method: .get,
                headers: [.init("Host")!: "evil.example", .init("X-Forwarded-Host")!: "evil.example"]
            ) { response in
                let link = String(buffer: response.body)
                XCTAssertEqual(link, "https://zvernennia.example.org/track?number=2026%2F000001&lang=uk")
                XCTAssertFalse(link.contains("evil"))
            }
        }
    }

    // MARK: Pages, templates, strings, assets

    func testPagesRenderTypedModelsEscapedWithTheSharedStylesheetAndAStrictPolicy() async throws {
        let (app, site) = try Self.makeApplication()
        try await app.test(.router) { client in
            try await client.execute(uri: "/page", method: .get, headers: Self.browser) { response in
                XCTAssertEqual(response.status, .ok)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("Пробна сторінка: &lt;b&gt;Тарас&lt;/b&gt;"), html)
                XCTAssertFalse(html.contains("id=\"note\""), "a nil optional renders no section")
                XCTAssertTrue(html.contains("<li>a</li><li>b</li>"))
                XCTAssertTrue(html.contains("href=\"\(site.assets.link("hromada.css"))\""))
                XCTAssertTrue(html.contains("src=\"\(site.assets.link("hromada.js"))\""))
                XCTAssertFalse(html.contains("<style"), "no inline stylesheet")
                XCTAssertFalse(html.contains("onclick"), "no inline script")
                XCTAssertTrue(html.contains("lang=\"en\""), "the language switch")
                let csp = try XCTUnwrap(response.headers[.contentSecurityPolicy])
                XCTAssertFalse(csp.contains("unsafe-inline"))
                XCTAssertTrue(csp.contains("script-src 'self'"))
                XCTAssertTrue(csp.contains("frame-ancestors 'none'"))
                XCTAssertEqual(response.headers[.init("X-Content-Type-Options")!], "nosniff")
                XCTAssertEqual(
                    response.headers[.init("Referrer-Policy")!], "same-origin", "no URL leaks to other sites")
                XCTAssertEqual(response.headers[.cacheControl], "no-store")
            }
            try await client.execute(uri: "/page?lang=en", method: .get) { response in
                XCTAssertTrue(String(buffer: response.body).contains("Probe page"))
                XCTAssertTrue(response.headers[.setCookie]?.hasPrefix("hromada_lang=en") ?? false)
            }
            try await client.execute(uri: "/page", method: .get, headers: [.cookie: "hromada_lang=en"]) { response in
                XCTAssertTrue(String(buffer: response.body).contains("Probe page"))
            }
        }
    }

    func testTheStylesheetAndScriptAreServedWithContentHashesAndCacheHeaders() async throws {
        let (app, site) = try Self.makeApplication()
        let css = site.assets.link("hromada.css")
        XCTAssertTrue(css.hasPrefix("/assets/hromada.css?v="))
        try await app.test(.router) { client in
            let etag = try await client.execute(uri: css, method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/css; charset=utf-8")
                XCTAssertEqual(response.headers[.cacheControl], "public, max-age=31536000, immutable")
                XCTAssertTrue(String(buffer: response.body).contains("body{"))
                return try XCTUnwrap(response.headers[.eTag])
            }
            try await client.execute(uri: "/assets/hromada.css", method: .get, headers: [.ifNoneMatch: etag]) {
                response in
                XCTAssertEqual(response.status, .notModified)
            }
            try await client.execute(uri: site.assets.link("hromada.js"), method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "text/javascript; charset=utf-8")
                XCTAssertTrue(String(buffer: response.body).contains("window.print()"))
            }
            try await client.execute(uri: "/assets/nothing.css", method: .get) { XCTAssertEqual($0.status, .notFound) }
        }
    }

    func testAMissingTemplateOrUntranslatedStringFailsAtStart() throws {
        let settings = WebSettings.local(service: "intake", port: 8080)
        XCTAssertThrowsError(
            try WebSite(
                settings: settings, bundle: Bundle.module, templates: ["probe", "absent"],
                sessionStore: SignedCookieSessionStore(settings: settings))
        ) {
            XCTAssertTrue("\($0)".contains("absent"))
        }
        XCTAssertThrowsError(try StringCatalogue(tables: [.uk: ["a": "а", "b": "б"], .en: ["a": "a"]])) {
            XCTAssertTrue("\($0)".contains("en lacks b"), "\($0)")
        }
    }

    func testFormDecodingNamesTheField() throws {
        XCTAssertThrowsError(try WebForm.decode(ProbeForm.self, from: "count=2")) { error in
            let webError = error as? WebError
            XCTAssertEqual(webError?.status, .unprocessableContent)
            XCTAssertEqual(webError?.errors.first?.field, "name")
            XCTAssertEqual(webError?.errors.first?.code, "required")
        }
        // Hummingbird's decoder does not say which number failed: the code says what, the value is never echoed.
        XCTAssertThrowsError(try WebForm.decode(ProbeForm.self, from: "name=a&count=many")) { error in
            XCTAssertEqual((error as? WebError)?.status, .unprocessableContent)
            XCTAssertEqual((error as? WebError)?.errors.first?.code, "invalid_value")
            XCTAssertFalse("\((error as? WebError)?.errors ?? [])".contains("many"))
        }
        let form = try WebForm.decode(ProbeForm.self, from: "name=a+b")
        XCTAssertEqual(form.name, "a b")
        XCTAssertNil(form.count)
    }
}

struct ErrorBody: Decodable {
    struct Item: Decodable {
        var field: String?
        var code: String
        var message: String
    }
    var errors: [Item]
}

extension Hex {
    static func encodeForTest(_ bytes: [UInt8]) -> String { encode(bytes) }
}
