import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Hummingbird
import Logging
import XCTest

@testable import Intake

/// The HTTP front doors run in memory (`app.test(.router)`): no HTTP server, no broker. Requests
/// refused before any data is needed use a runtime whose database is never reached; reference
/// data is read from a throwaway PostgreSQL database.
final class IntakeRouterTests: XCTestCase {
    static let adminToken = "admin-token-for-router-tests-0123"

    /// A runtime that connects to nothing: no route under test may reach its database.
    static func offlineRuntime() throws -> ServiceRuntime {
        var logger = Logger(label: "test.intake.router")
        logger.logLevel = .critical
        let configuration = ServiceConfiguration(
            serviceName: "intake", httpHost: "127.0.0.1", httpPort: 0,
            databaseURL: "postgresql://nobody:nobody@127.0.0.1:9/none?connect_timeout=1", adminToken: adminToken)
        return try ServiceRuntime(configuration: configuration, logger: logger)
    }

    func withApp(
        runtime: ServiceRuntime? = nil, settings: IntakeSettings = IntakeSettings(),
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let runtime = try runtime ?? Self.offlineRuntime()
        let router = try await IntakeService.makeRouter(runtime: runtime, settings: settings)
        let app = Application(router: router)
        try await app.test(.router) { client in try await body(client) }
    }

    static func json(_ response: TestResponse) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(buffer: response.body), options: [.fragmentsAllowed])
    }

    static func errors(_ response: TestResponse) throws -> [[String: Any]] {
        let object = try XCTUnwrap(try json(response) as? [String: Any])
        return try XCTUnwrap(object["errors"] as? [[String: Any]])
    }

    var admin: HTTPFields { [.authorization: "Bearer \(Self.adminToken)", .contentType: "application/json"] }

    func testAppealWithoutCentreKeyIs401() async throws {
        try await withApp { client in
            for headers: HTTPFields in [[:], [.authorization: "Basic abc"], [.authorization: "Bearer "]] {
                try await client.execute(
                    uri: "/v1/appeals", method: .post, headers: headers, body: ByteBuffer(string: "{}")
                ) { response in
                    XCTAssertEqual(response.status, .unauthorized)
                    XCTAssertEqual(response.headers[.wwwAuthenticate], "Bearer")
                    XCTAssertEqual(try Self.errors(response).first?["code"] as? String, "unauthorized")
                }
            }
        }
    }

    func testAdminRoutesNeedTheAdministratorToken() async throws {
        try await withApp { client in
            try await client.execute(uri: "/v1/admin/centres", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(
                uri: "/v1/admin/centres/lib-1", method: .put, headers: [.authorization: "Bearer wrong"],
                body: ByteBuffer(string: "{}")
            ) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
        }
    }

    /// Malformed JSON is 400; JSON of the wrong shape is 400 naming the field; values that break
    /// the rules are 422 naming every field. No database is touched on the way.
    func testCentreBodiesBadJSONAndBadValuesNameTheField() async throws {
        let admin = self.admin
        try await withApp { client in
            try await client.execute(
                uri: "/v1/admin/centres/lib-1", method: .put, headers: admin, body: ByteBuffer(string: "{\"name\": ")
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
                XCTAssertEqual(try Self.errors(response).first?["code"] as? String, "malformed_json")
            }
            // JSON of the wrong shape: the first error names the field.
            for (body, field, code) in [
                (#"{"name": 5, "address": "вул. Соборна, 1", "key": "k"}"#, "name", "invalid_type"),
                (#"{"name": "ЦОГ", "address": "вул. Соборна, 1"}"#, "key", "required"),
            ] {
                try await client.execute(
                    uri: "/v1/admin/centres/lib-1", method: .put, headers: admin, body: ByteBuffer(string: body)
                ) { response in
                    XCTAssertEqual(response.status, .badRequest)
                    let error = try XCTUnwrap(try Self.errors(response).first)
                    XCTAssertEqual(error["field"] as? String, field)
                    XCTAssertEqual(error["code"] as? String, code)
                }
            }
            try await client.execute(
                uri: "/v1/admin/centres/Bad_Id", method: .put, headers: admin,
                body: ByteBuffer(string: #"{"name": "x", "address": "вул", "key": "short"}"#)
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                let errors = try Self.errors(response)
                XCTAssertEqual(errors.compactMap { $0["field"] as? String }, ["id", "name", "address", "key"])
                for error in errors {
                    XCTAssertEqual(
                        error["code"] as? String, error["field"] as? String == "id" ? "invalid_value" : "invalid_length"
                    )
                    XCTAssertNotNil(error["message"] as? String)
                    XCTAssertNotNil(error["messageUk"] as? String)
                }
            }
        }
    }

    func testTrackingWithoutATokenIs404WithoutALookup() async throws {
        try await withApp { client in
            for uri in [
                "/v1/appeals/MK-2026-000001", "/v1/appeals/MK-2026-000001?token=",
                "/v1/appeals/\(String(repeating: "9", count: 41))?token=x",
            ] {
                try await client.execute(uri: uri, method: .get) { response in
                    XCTAssertEqual(response.status, .notFound, uri)
                    XCTAssertEqual(try Self.errors(response).first?["code"] as? String, "not_found")
                }
            }
        }
    }

    // MARK: Pages

    func testPagesWithoutASessionUseTheSharedStylesheetAndAStrictPolicy() async throws {
        try await withApp { client in
            let login = try await client.execute(uri: "/?lang=en", method: .get)
            XCTAssertEqual(login.status, .ok)
            let html = String(buffer: login.body)
            XCTAssertTrue(
                html.contains("name=\"login\"") && html.contains("name=\"password\""), "the librarian's sign-in")
            XCTAssertFalse(html.contains("<style"), "no inline stylesheet")
            XCTAssertFalse(html.contains("onclick"), "no inline script")
            let csp = try XCTUnwrap(login.headers[.contentSecurityPolicy])
            XCTAssertFalse(csp.contains("unsafe-inline"), csp)
            XCTAssertTrue(csp.contains("script-src 'self'"), csp)
            let stylesheet = try XCTUnwrap(
                html.range(of: #"/assets/hromada\.css[^"]*"#, options: .regularExpression).map { String(html[$0]) })
            let css = try await client.execute(uri: stylesheet, method: .get)
            XCTAssertEqual(css.status, .ok)
            XCTAssertTrue(String(buffer: css.body).contains("@media print"), "the receipt prints from the shared sheet")
            let script = try XCTUnwrap(
                html.range(of: #"/assets/hromada\.js[^"]*"#, options: .regularExpression).map { String(html[$0]) })
            let js = try await client.execute(uri: script, method: .get)
            XCTAssertTrue(String(buffer: js.body).contains("data-print"), "the print button's behaviour is a file")

            let track = try await client.execute(uri: "/track?lang=en", method: .get)
            XCTAssertEqual(track.status, .ok)
            XCTAssertTrue(String(buffer: track.body).contains("Appeal status"))

            // Posting the form without a session shows the sign-in page; a key no centre can have is
            // refused without a lookup.
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let submit = try await client.execute(
                uri: "/form/appeals", method: .post, headers: form, body: ByteBuffer(string: "fullName=x"))
            XCTAssertEqual(submit.status, .unauthorized)
            XCTAssertTrue(String(buffer: submit.body).contains("name=\"password\""))
            let login2 = try await client.execute(
                uri: "/form/login?lang=en", method: .post, headers: form,
                body: ByteBuffer(string: "centre=central-library&login=oksana&password=short"))
            XCTAssertEqual(login2.status, .unauthorized)
            XCTAssertTrue(String(buffer: login2.body).contains("Wrong centre, login or password"))
            // A form posted from another site is refused before any route runs.
            var foreign = form
            foreign[.origin] = "https://evil.example"
            let csrf = try await client.execute(
                uri: "/form/login", method: .post, headers: foreign,
                body: ByteBuffer(string: "centre=central-library&login=oksana&password=short"))
            XCTAssertEqual(csrf.status, .forbidden)
        }
    }

    func testSessionCookieIsNamedForTheServiceAndSecretComesFromTheEnvironment() throws {
        let secret = String(repeating: "ab", count: 32)
        let configuration = ServiceConfiguration(
            serviceName: "intake", httpPort: 8080,
            environment: ["HROMADA_SESSION_SECRET": secret, "HROMADA_PUBLIC_URL": "https://zvernennia.example/"])
        let settings = try IntakeSettings.fromEnvironment(configuration: configuration)
        XCTAssertEqual(settings.web.cookieName, "hromada_intake")
        XCTAssertEqual(settings.web.sessionSecret.bytes, [UInt8](repeating: 0xab, count: 32))
        XCTAssertFalse(settings.web.sessionSecret.isRandom)
        XCTAssertEqual(
            settings.web.publicURL.link(path: "/track", query: [("number", "MK-2026-000001")]),
            "https://zvernennia.example/track?number=MK-2026-000001")
        XCTAssertEqual(settings.idempotencyRetention, .seconds(48 * 3600))
        for bad in ["not-hex", "abcd"] {
            let c = ServiceConfiguration(
                serviceName: "intake", httpPort: 8080, environment: ["HROMADA_SESSION_SECRET": bad])
            XCTAssertThrowsError(try IntakeSettings.fromEnvironment(configuration: c)) { error in
                XCTAssertTrue("\(error)".contains("HROMADA_SESSION_SECRET"), "\(error)")
                XCTAssertFalse("\(error)".contains(bad), "the value is never echoed")
            }
        }
        let hours = ServiceConfiguration(
            serviceName: "intake", httpPort: 8080, environment: ["HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS": "72"])
        XCTAssertEqual(
            try IntakeSettings.fromEnvironment(configuration: hours).idempotencyRetention, .seconds(72 * 3600))
        let badHours = ServiceConfiguration(
            serviceName: "intake", httpPort: 8080, environment: ["HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS": "soon"])
        XCTAssertThrowsError(try IntakeSettings.fromEnvironment(configuration: badHours))
        let defaults = try IntakeSettings.fromEnvironment(
            configuration: ServiceConfiguration(serviceName: "intake", httpPort: 8123))
        XCTAssertEqual(defaults.web.publicURL.description, "http://127.0.0.1:8123")
        XCTAssertTrue(defaults.web.sessionSecret.isRandom)
    }

    // MARK: Open311

    func testOpen311ServicesAndErrorFormat() async throws {
        try await withApp { client in
            try await client.execute(uri: "/open311/v2/services.json?jurisdiction_id=", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let services = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(services.count, Reference.categories.count)
                for service in services {
                    for key in ["service_code", "service_name", "description", "type", "group", "keywords"] {
                        XCTAssertNotNil(service[key] as? String, key)
                    }
                    XCTAssertEqual(service["metadata"] as? Bool, true)
                }
            }
            try await client.execute(uri: "/open311/v2/services.json?jurisdiction_id=elsewhere", method: .get) {
                response in
                XCTAssertEqual(response.status, .notFound)
                let errors = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(errors.first?["code"] as? Int, 404)
                XCTAssertNotNil(errors.first?["description"] as? String)
            }
            try await client.execute(uri: "/open311/v2/services/unicorns.xml", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertEqual(response.headers[.contentType], "text/xml; charset=utf-8")
                XCTAssertTrue(String(buffer: response.body).contains("<errors><error><code>404</code><description>"))
            }
            try await client.execute(uri: "/open311/v2/discovery", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(String(buffer: response.body).contains("\"code\":404"), String(buffer: response.body))
            }
            try await client.execute(uri: "/open311/v2/services/heating.json", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let definition = try XCTUnwrap(try Self.json(response) as? [String: Any])
                XCTAssertEqual(definition["service_code"] as? String, "heating")
                let codes = (definition["attributes"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? []
                XCTAssertTrue(codes.contains("consent") && codes.contains("district"), "\(codes)")
                // Issue 20: no attribute about consent is required (Art. 7).
                let consent = (definition["attributes"] as? [[String: Any]])?.first {
                    $0["code"] as? String == "consent"
                }
                XCTAssertEqual(consent?["required"] as? Bool, false)
            }
            try await client.execute(
                uri: "/open311/v2/requests.xml", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "service_code=heating&description=x")
            ) { response in
                XCTAssertEqual(response.status, .forbidden, "no api_key")
                XCTAssertTrue(String(buffer: response.body).contains("<errors><error><code>403</code>"))
            }
            try await client.execute(
                uri: "/open311/v2/requests.json?start_date=yesterday", method: .get
            ) { response in
                XCTAssertEqual(response.status, .badRequest)
                let errors = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(errors.first?["code"] as? Int, 400)
                XCTAssertTrue((errors.first?["description"] as? String)?.contains("start_date") ?? false)
            }
        }
    }

    // MARK: Reference data (a real database, still no HTTP server)

    func testCategoriesAndAuthoritiesShape() async throws {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "intake")
        addTeardownBlock { try? await db.drop() }
        var logger = Logger(label: "test.intake.router")
        logger.logLevel = .warning
        let runtime = try ServiceRuntime(
            configuration: ServiceConfiguration(
                serviceName: "intake", httpHost: "127.0.0.1", httpPort: 0, databaseURL: db.connectionString),
            logger: logger)
        try await Migrator.migrate(RuntimeMigrations.all + IntakeMigrations.all, on: runtime.database, logger: logger)
        try await IntakeStore(runtime: runtime).seedReference()
        addTeardownBlock { await runtime.database.close() }
        try await withApp(runtime: runtime) { client in
            try await client.execute(uri: "/v1/categories", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let categories = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(categories.compactMap { $0["code"] as? String }, Reference.categories.map(\.code))
                for category in categories {
                    for key in ["code", "nameUk", "nameEn", "descriptionUk", "descriptionEn", "defaultAuthority"] {
                        XCTAssertNotNil(category[key] as? String, key)
                    }
                    let term = try XCTUnwrap(category["termDays"] as? Int)
                    XCTAssertTrue([15, 30].contains(term))
                    XCTAssertEqual(category["needsStudy"] as? Bool, term == 30)
                }
            }
            try await client.execute(uri: "/v1/authorities", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let authorities = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(
                    Set(authorities.compactMap { $0["code"] as? String }), Set(Reference.authorities.map(\.code)))
                XCTAssertTrue(authorities.allSatisfy { $0["nameUk"] is String && $0["nameEn"] is String })
                XCTAssertTrue(
                    authorities.contains {
                        $0["code"] as? String == "zavodskyi-administration" && $0["district"] as? String == "zavodskyi"
                    })
            }
            try await client.execute(uri: "/v1/districts", method: .get) { response in
                let districts = try XCTUnwrap(try Self.json(response) as? [[String: Any]])
                XCTAssertEqual(
                    Set(districts.compactMap { $0["code"] as? String }), Set(Reference.districts.map(\.code)))
            }
        }
    }
}
