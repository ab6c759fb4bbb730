import Foundation
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import Logging
import XCTest

@testable import Routing

/// The officials' API driven in memory (`app.test(.router)`, Shared/TestSupport/RouterTesting.swift): no HTTP
/// server and no broker, only routing's schema in a throwaway PostgreSQL database, where the
/// officials and tickets live. Authorisation, field errors, state conflicts, identifiers.
final class RoutingRouterTests: XCTestCase {
    static let adminToken = "router-test-admin-token-0123456789"
    /// 2026-11-27 10:00 Kyiv.
    static let registered = TicketSamples.now

    struct Fixture {
        let runtime: ServiceRuntime
        let app: Application<RouterResponder<WebRequestContext>>

        /// A ticket for a new appeal in `category`, created as the consumer would.
        func ticket(category: String, kind: AppealKind = .application, against: String? = nil) async throws -> UUID {
            let appeal = RoutingFixture.appeal(
                category: category, kind: kind, against: against, registeredAt: registered)
            let id = try await runtime.transaction { tx in
                try RoutingStore.createTicket(from: appeal, eventId: UUID(), now: registered, in: tx)
            }
            return try XCTUnwrap(id)
        }

        /// An official of `authority` and their bearer token.
        func official(_ name: String, authority: String, role: OfficialRole = .official) async throws -> (UUID, String)
        {
            let created = try await runtime.transaction { tx in
                try RoutingStore.createOfficial(
                    OfficialRequest(name: name, authority: authority, role: role.rawValue),
                    now: registered, in: tx)
            }
            return (created.id, created.token)
        }
    }

    func makeFixture() async throws -> Fixture { try await Self.makeFixture(for: self) }

    /// The router on a fresh schema; `test` owns the teardown.
    static func makeFixture(for test: XCTestCase) async throws -> Fixture {
        try IntegrationEnvironment.requireServers()
        var logger = Logger(label: "routing-router-test")
        logger.logLevel = .warning
        let db = try await TestDatabase.create(schema: "routing")
        // No broker is contacted: the URL is only parsed.
        let configuration = ServiceConfiguration(
            serviceName: "routing", httpHost: "127.0.0.1", httpPort: 0, amqpURL: "amqp://unused:unused@127.0.0.1:1/",
            databaseURL: db.connectionString, databasePoolSize: 2, logLevel: .warning, prefetch: 10,
            adminToken: Self.adminToken)
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger)
        test.addTeardownBlock {
            await runtime.database.close()
            try? await db.drop()
        }
        // The service's own list (RoutingService.prepare): the ticket page reads the photos' references.
        try await Migrator.migrate(
            RuntimeMigrations.all + RoutingMigrations.all + RoutingErasure.migrations + PhotoReferenceMigrations.all
                + TicketPlaceMigrations.all,
            on: runtime.database, logger: logger)
        try await runtime.transaction { tx in try RoutingStore.seed(now: Self.registered, in: tx) }
        let clock = TestClock(Self.registered)
        let router = try await RoutingService.makeRouter(
            runtime: runtime, settings: RoutingSettings(clock: clock.clock, runWatcher: false))
        return Fixture(runtime: runtime, app: Application(router: router, logger: logger))
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ value: Any) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: value))
    }

    static func object(_ response: TestResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any] ?? [:]
    }

    static func firstError(_ response: TestResponse) -> [String: Any] {
        (object(response)["errors"] as? [[String: Any]])?.first ?? [:]
    }

    // MARK: Authorisation

    func testAnOfficialSeesOnlyTheirAuthoritysTickets() async throws {
        let f = try await makeFixture()
        let own = try await f.ticket(category: "heating")  // zhkg
        let other = try await f.ticket(category: "health-care")  // health
        let (_, zhkg) = try await f.official("Іван Коваль", authority: "zhkg")
        try await f.app.test(.router) { client in
            try await client.execute(uri: "/v1/tickets", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertEqual(Self.firstError(response)["code"] as? String, "unauthorized")
            }
            for uri in ["/v1/tickets", "/v1/tickets?authority=health"] {
                try await client.execute(uri: uri, method: .get, headers: Self.bearer(zhkg)) { response in
                    XCTAssertEqual(response.status, .ok)
                    let ids = (Self.object(response)["tickets"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
                    XCTAssertEqual(ids, [own.uuidString.lowercased()], uri)
                }
            }
            try await client.execute(
                uri: "/v1/tickets/\(other.uuidString.lowercased())", method: .get,
                headers: Self.bearer(zhkg)
            ) { response in
                XCTAssertEqual(response.status, .notFound, "another authority's ticket is 404, not 403")
                XCTAssertEqual(Self.firstError(response)["code"] as? String, "not_found")
            }
            for action in TicketAction.allCases {
                try await client.execute(
                    uri: "/v1/tickets/\(other.uuidString.lowercased())/\(action.rawValue)", method: .post,
                    headers: Self.bearer(zhkg), body: Self.json(["reason": "x"])
                ) { response in
                    XCTAssertEqual(response.status, .notFound, action.rawValue)
                }
            }
            try await client.execute(
                uri: "/v1/tickets/\(own.uuidString.lowercased())", method: .get,
                headers: Self.bearer(zhkg)
            ) { response in
                XCTAssertEqual(response.status, .ok)
            }
            // Reopen belongs to reception: an official is told it is forbidden on their own ticket.
            try await client.execute(
                uri: "/v1/tickets/\(own.uuidString.lowercased())/reopen", method: .post,
                headers: Self.bearer(zhkg), body: Self.json(["reason": "x"])
            ) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(Self.firstError(response)["code"] as? String, "forbidden")
            }
            try await client.execute(uri: "/v1/routing-rules", method: .get, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
            try await client.execute(uri: "/v1/officials", method: .get, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .forbidden)
            }
        }
    }

    // MARK: Field errors and state conflicts

    func testBadInputIs422NamingTheField() async throws {
        let f = try await makeFixture()
        let id = try await f.ticket(category: "heating")
        let (_, zhkg) = try await f.official("Іван Коваль", authority: "zhkg")
        let path = "/v1/tickets/\(id.uuidString.lowercased())"
        try await f.app.test(.router) { client in
            try await client.execute(uri: "\(path)/accept", method: .post, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .ok)
            }
            let cases: [(String, [String: Any], String, String)] = [
                (
                    "extend", ["newDeadline": "2026-13-45", "reason": "перевірка"], "newDeadline",
                    "invalid_date"
                ),
                ("extend", ["days": 0, "reason": "перевірка"], "days", "invalid_value"),
                ("extend", ["days": 5], "reason", "required"),
                (
                    "extend", ["newDeadline": "2027-01-12", "reason": "перевірка"], "newDeadline",
                    "beyond_legal_maximum"
                ),
                ("forward", ["reason": "не наша"], "to", "required"),
                ("forward", ["to": "atlantis", "reason": "не наша"], "to", "unknown_authority"),
                ("answer", ["text": "Достатньо довгий текст"], "outcome", "required"),
                ("answer", ["outcome": "refused", "text": "Відмовлено."], "text", "reasons_required"),
            ]
            for (action, body, field, code) in cases {
                try await client.execute(
                    uri: "\(path)/\(action)", method: .post, headers: Self.bearer(zhkg),
                    body: Self.json(body)
                ) { response in
                    XCTAssertEqual(response.status, .unprocessableContent, "\(action) \(body)")
                    XCTAssertEqual(Self.firstError(response)["field"] as? String, field, "\(action) \(body)")
                    XCTAssertEqual(Self.firstError(response)["code"] as? String, code, "\(action) \(body)")
                }
            }
            try await client.execute(uri: "/v1/tickets?status=bogus", method: .get, headers: Self.bearer(zhkg)) {
                response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertEqual(Self.firstError(response)["field"] as? String, "status")
            }
            // A body that is not the request's shape: 400 naming the field, never a 500.
            try await client.execute(
                uri: "\(path)/extend", method: .post, headers: Self.bearer(zhkg),
                body: Self.json(["days": "five"])
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertEqual(Self.firstError(response)["field"] as? String, "days")
            }
            try await client.execute(
                uri: "\(path)/extend", method: .post, headers: Self.bearer(zhkg),
                body: ByteBuffer(string: "{not json")
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertEqual(Self.firstError(response)["code"] as? String, "malformed_json")
            }
            try await client.execute(
                uri: "/v1/routing-rules", method: .put, headers: Self.bearer(Self.adminToken),
                body: Self.json(["rules": [["category": "mystery", "authority": "zhkg"]]])
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertEqual(Self.firstError(response)["field"] as? String, "rules[0].category")
            }
            try await client.execute(
                uri: "/v1/officials", method: .post, headers: Self.bearer(Self.adminToken),
                body: Self.json(["name": "X", "authority": "atlantis", "role": "official"])
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertEqual(Self.firstError(response)["field"] as? String, "authority")
            }
        }
    }

    func testAnActionInTheWrongStateIs409NamingTheState() async throws {
        let f = try await makeFixture()
        let id = try await f.ticket(category: "heating")
        let (_, zhkg) = try await f.official("Іван Коваль", authority: "zhkg")
        let path = "/v1/tickets/\(id.uuidString.lowercased())"
        try await f.app.test(.router) { client in
            try await client.execute(
                uri: "\(path)/answer", method: .post, headers: Self.bearer(zhkg),
                body: Self.json(["outcome": "explained", "text": "Пояснюємо докладно."])
            ) { response in
                XCTAssertEqual(response.status, .conflict)
                XCTAssertEqual(Self.firstError(response)["field"] as? String, "status")
                XCTAssertEqual(
                    Self.firstError(response)["message"] as? String, "ticket is assigned; answer is not allowed")
            }
            try await client.execute(uri: "\(path)/accept", method: .post, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(Self.object(response)["status"] as? String, "accepted")
            }
            try await client.execute(uri: "\(path)/accept", method: .post, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .conflict)
                XCTAssertEqual(Self.firstError(response)["code"] as? String, "invalid_transition")
                XCTAssertEqual(
                    Self.firstError(response)["message"] as? String, "ticket is accepted; accept is not allowed")
            }
            try await client.execute(uri: "\(path)/fly", method: .post, headers: Self.bearer(zhkg)) { response in
                XCTAssertEqual(response.status, .notFound, "an unknown action")
            }
        }
    }

    // MARK: The shared API types

    /// What routing answers decodes into `HromadaAPI`'s types, the ones hromadactl and other
    /// clients use (a renamed or retyped field fails here, not in a client).
    func testAnswersDecodeIntoTheSharedAPITypes() async throws {
        let f = try await makeFixture()
        let id = try await f.ticket(category: "heating")
        _ = try await f.official("Іван Коваль", authority: "zhkg")
        let admin = Self.bearer(Self.adminToken)
        try await f.app.test(.router) { client in
            func decode<T: Decodable>(_ type: T.Type, _ uri: String) async throws -> T {
                let response = try await client.execute(uri: uri, method: .get, headers: admin)
                XCTAssertEqual(response.status, .ok, uri)
                return try APICoding.decode(T.self, from: Data(buffer: response.body))
            }
            let list = try await decode([String: [RoutingJSON.Ticket]].self, "/v1/tickets")
            XCTAssertEqual(list["tickets"]?.map(\.id), [id])
            XCTAssertEqual(list["tickets"]?.first?.deadline, "2026-12-12")
            let one = try await decode(RoutingJSON.Ticket.self, "/v1/tickets/\(id.uuidString.lowercased())")
            XCTAssertEqual(one.authority, "zhkg")
            XCTAssertEqual(one.status, "assigned")
            let rules = try await decode(RoutingJSON.RuleSet.self, "/v1/routing-rules")
            XCTAssertEqual(rules.version, 1)
            XCTAssertEqual(rules.rules.count, AppealRouter.seedRules.count)
            let authorities = try await decode([RoutingJSON.Authority].self, "/v1/authorities")
            XCTAssertEqual(authorities.first { $0.code == "zhkg" }?.openTickets, 1)
            let officials = try await decode([RoutingJSON.Official].self, "/v1/officials")
            XCTAssertEqual(officials.map(\.authority), ["zhkg"])
            let refused = try await client.execute(
                uri: "/v1/tickets/\(id.uuidString.lowercased())/answer", method: .post,
                headers: admin, body: Self.json([:]))
            let body = try APICoding.decode(ErrorBody.self, from: Data(buffer: refused.body))
            XCTAssertEqual(body.errors.first?.code, "invalid_transition")
        }
    }

    // MARK: Identifiers

    func testIdentifiersAreWrittenLowerCaseAndReadInEitherCase() async throws {
        let f = try await makeFixture()
        let id = try await f.ticket(category: "heating")
        let (officialId, zhkg) = try await f.official("Іван Коваль", authority: "zhkg")
        let lower = id.uuidString.lowercased()
        try await f.app.test(.router) { client in
            for spelling in [id.uuidString.uppercased(), lower] {
                try await client.execute(uri: "/v1/tickets/\(spelling)", method: .get, headers: Self.bearer(zhkg)) {
                    response in
                    XCTAssertEqual(response.status, .ok, spelling)
                    let body = Self.object(response)
                    XCTAssertEqual(body["id"] as? String, lower)
                    let appealId = body["appealId"] as? String ?? ""
                    XCTAssertEqual(appealId, appealId.lowercased())
                    XCTAssertNotNil(UUID(uuidString: appealId))
                }
            }
            try await client.execute(
                uri: "/v1/tickets/\(id.uuidString.uppercased())/accept", method: .post,
                headers: Self.bearer(zhkg)
            ) { response in
                XCTAssertEqual(response.status, .ok)
                let history = Self.object(response)["history"] as? [[String: Any]] ?? []
                XCTAssertEqual(history.last?["actor"] as? String, officialId.uuidString.lowercased())
            }
            try await client.execute(uri: "/v1/tickets", method: .get, headers: Self.bearer(zhkg)) { response in
                let text = String(buffer: response.body)
                XCTAssertTrue(text.contains(lower))
                XCTAssertFalse(text.contains(id.uuidString.uppercased()))
            }
            try await client.execute(
                uri: "/v1/officials", method: .post, headers: Self.bearer(Self.adminToken),
                body: Self.json(["name": "Марія", "authority": "health", "role": "official"])
            ) { response in
                XCTAssertEqual(response.status, .created)
                let created = Self.object(response)["id"] as? String ?? ""
                XCTAssertEqual(created, created.lowercased())
                XCTAssertNotNil(UUID(uuidString: created))
            }
            try await client.execute(uri: "/v1/officials", method: .get, headers: Self.bearer(Self.adminToken)) {
                response in
                let ids =
                    ((try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [[String: Any]])?
                    .compactMap { $0["id"] as? String } ?? []
                XCTAssertEqual(ids.count, 2)
                XCTAssertEqual(ids, ids.map { $0.lowercased() })
            }
            // An official's id in a URL, upper-case: found.
            try await client.execute(
                uri: "/v1/officials/\(officialId.uuidString.uppercased())/token", method: .post,
                headers: Self.bearer(Self.adminToken)
            ) { response in
                XCTAssertEqual(response.status, .ok)
            }
        }
    }
}

/// The web inbox on the kit, in memory: sign-in opens a server-side session, sign-out ends it for
/// good, forms need the session's CSRF token, pages carry a CSP without inline code, and a
/// session cookie does not open the JSON API.
final class RoutingWebRouterTests: XCTestCase {
    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        ByteBuffer(
            string: pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }
                .joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    static func cookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("hromada_routing=") }
            .flatMap { $0.split(separator: ";").first.map(String.init) }
    }

    static func csrf(_ html: String) -> String {
        html.components(separatedBy: "name=\"csrf\" value=\"").dropFirst().first?.split(separator: "\"").first.map(
            String.init) ?? ""
    }

    func testSignInSignOutCSRFAndHeaders() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        let id = try await f.ticket(category: "heating")
        let (_, token) = try await f.official("Іван Коваль", authority: "zhkg")
        try await f.app.test(.router) { client in
            let login = try await client.execute(uri: "/", method: .get)
            XCTAssertEqual(login.status, .ok)
            let csp = login.headers[.contentSecurityPolicy] ?? ""
            XCTAssertTrue(csp.contains("default-src 'none'"), csp)
            XCTAssertFalse(csp.contains("unsafe-inline"), csp)
            let page = String(buffer: login.body)
            XCTAssertFalse(
                page.contains("<style") || page.contains("style=\"") || page.contains("<script>"),
                "no inline style or script")
            XCTAssertTrue(page.contains("/assets/hromada.css"), "the shared stylesheet")

            let wrong = try await client.execute(
                uri: "/login", method: .post, headers: Self.formHeaders,
                body: Self.form([("token", "nope-nope-nope-nope")]))
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertNil(Self.cookie(wrong))
            let signedIn = try await client.execute(
                uri: "/login", method: .post, headers: Self.formHeaders,
                body: Self.form([("token", token)]))
            XCTAssertEqual(signedIn.status, .seeOther)
            let cookie = try XCTUnwrap(Self.cookie(signedIn))
            let sessions = try await f.runtime.database.query("SELECT count(*)::bigint FROM web_sessions").first?
                .decode(0, as: Int.self)
            XCTAssertEqual(sessions, 1, "a server-side row in routing's schema")

            let inbox = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            let html = String(buffer: inbox.body)
            XCTAssertTrue(html.contains("Вхідні звернення"))
            XCTAssertTrue(html.contains("/tickets/\(id.uuidString.lowercased())"), "links carry lower-case ids")
            let csrf = Self.csrf(html)
            XCTAssertFalse(csrf.isEmpty)

            // The session does not open the JSON API: that needs a bearer token.
            let api = try await client.execute(uri: "/v1/tickets", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(api.status, .unauthorized)

            // A form without the session's token is refused before the route runs; with it, it works.
            var headers = Self.formHeaders
            headers[.cookie] = cookie
            let upper = id.uuidString.uppercased()
            let forged = try await client.execute(
                uri: "/tickets/\(upper)/accept", method: .post, headers: headers,
                body: Self.form([("csrf", "forged")]))
            XCTAssertEqual(forged.status, .forbidden)
            let accepted = try await client.execute(
                uri: "/tickets/\(upper)/accept", method: .post, headers: headers,
                body: Self.form([("csrf", csrf)]))
            XCTAssertEqual(accepted.status, .seeOther)
            XCTAssertEqual(accepted.headers[.location], "/tickets/\(id.uuidString.lowercased())?done=accept")
            var foreign = headers
            foreign[.origin] = "https://evil.example"
            let crossSite = try await client.execute(
                uri: "/tickets/\(upper)/answer", method: .post, headers: foreign,
                body: Self.form([
                    ("csrf", csrf), ("outcome", "explained"),
                    ("text", "Пояснюємо докладно."),
                ]))
            XCTAssertEqual(crossSite.status, .forbidden, "another site's form")

            // An illegal step is shown on the ticket's page with the law's words, reached by
            // post/redirect/get (issue 14, defect 15: a refresh never sends the form again).
            let refused = try await client.execute(
                uri: "/tickets/\(upper)/accept", method: .post, headers: headers,
                body: Self.form([("csrf", csrf)]))
            XCTAssertEqual(refused.status, .seeOther)
            let refusedPage = try await client.execute(
                uri: try XCTUnwrap(refused.headers[.location]), method: .get, headers: [.cookie: cookie])
            XCTAssertTrue(String(buffer: refusedPage.body).contains("Ця дія недоступна"))

            // Signing out deletes the row: the old cookie no longer opens the inbox.
            let out = try await client.execute(
                uri: "/logout", method: .post, headers: headers, body: Self.form([("csrf", csrf)]))
            XCTAssertEqual(out.status, .seeOther)
            let after = try await client.execute(uri: "/", method: .get, headers: [.cookie: cookie])
            XCTAssertTrue(
                String(buffer: after.body).contains("Вхід для посадових осіб"),
                "signed out for good")
            let left = try await f.runtime.database.query("SELECT count(*)::bigint FROM web_sessions").first?.decode(
                0, as: Int.self)
            XCTAssertEqual(left, 0)
        }
    }

    func testErrorsArePagesForBrowsersAndJSONForClients() async throws {
        let f = try await RoutingRouterTests.makeFixture(for: self)
        try await f.app.test(.router) { client in
            let json = try await client.execute(
                uri: "/v1/tickets/not-a-uuid", method: .get,
                headers: [.authorization: "Bearer \(RoutingRouterTests.adminToken)"])
            XCTAssertEqual(json.status, .notFound)
            XCTAssertTrue(json.headers[.contentType]?.hasPrefix("application/json") ?? false)
            let page = try await client.execute(
                uri: "/v1/tickets/not-a-uuid", method: .get,
                headers: [
                    .authorization: "Bearer \(RoutingRouterTests.adminToken)",
                    .accept: "text/html,application/xhtml+xml,*/*;q=0.8",
                ])
            XCTAssertEqual(page.status, .notFound)
            XCTAssertTrue(page.headers[.contentType]?.hasPrefix("text/html") ?? false)
        }
    }
}
