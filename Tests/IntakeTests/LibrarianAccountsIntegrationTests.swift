import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaTestSupport
import Intake
import XCTest

/// Issue 13, item 7, against the real PostgreSQL and RabbitMQ: librarians sign in to the form with
/// their own accounts, the appeal and its `appeal.registered` name the account (not a typed-in
/// name), an account opens only its own centre's form, and sign-out or deactivation ends the session.
extension IntakeIntegrationTests {
    static let centreB = IntakeTestService.northCentre
    static let centreKeyB = IntakeTestService.northCentreKey

    var admin: [String: String] { ["Authorization": "Bearer \(Self.adminToken)"] }

    func signIn(_ browser: FormBrowser, _ librarian: TestLibrarian) async throws -> String {
        let response = try await browser.post("/form/login?lang=en", librarian.signInFields)
        XCTAssertEqual(response.status, 303, response.text)
        return try XCTUnwrap(FormBrowser.cookie("hromada_intake", in: response), "a session cookie")
    }

    /// A new librarian `login` of the central library, signed in: a browser and its session cookie.
    func signedInLibrarian(_ env: Env, login: String) async throws -> (browser: FormBrowser, cookie: String) {
        let librarian = try await TestLibrarian.create(
            on: env.harness, centre: "central-library", login: login, adminToken: Self.adminToken)
        let browser = FormBrowser(baseURL: env.harness.baseURL)
        return (browser, try await signIn(browser, librarian))
    }

    func testALibrarianSignsInAsThemselvesAndTheAppealNamesTheirAccount() async throws {
        let env = try await start()
        let librarian = try await TestLibrarian.create(
            on: env.harness, centre: "central-library", login: "oksana", adminToken: Self.adminToken)
        let browser = FormBrowser(baseURL: env.harness.baseURL)
        let signInPage = try await browser.get("/?lang=en")
        XCTAssertTrue(signInPage.text.contains("name=\"login\"") && signInPage.text.contains("name=\"password\""))
        XCTAssertFalse(signInPage.text.contains("name=\"key\""), "the centre key is for machines, not the form")

        let cookie = try await signIn(browser, librarian)
        let form = try await browser.get("/?lang=en", cookie: cookie)
        XCTAssertEqual(form.status, 200)
        XCTAssertTrue(form.text.contains("oksana"), "the form shows who is signed in")
        XCTAssertFalse(form.text.contains("name=\"assistedBy\""), "no free-text field for who helped")
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))

        let receipt = try await browser.post("/form/appeals", TestLibrarian.appealForm(csrf: csrf), cookie: cookie)
        XCTAssertEqual(receipt.status, 201, receipt.text)
        let delivery = try await awaitMessage(env, type: "appeal.registered")
        let event = try Envelope.decode(from: try XCTUnwrap(delivery).body).decode(AppealRegistered.self)
        XCTAssertEqual(event.registeredBy, librarian.id, "the event names the librarian's account")
        XCTAssertNil(event.assistedBy, "no typed-in name travels")
        XCTAssertEqual(event.centreId, "central-library")
        XCTAssertEqual(event.channel, "centre")
        let rows = try await env.db.adminClient().query(
            "SELECT registered_by::text FROM intake.appeals WHERE registration_number = \(event.registrationNumber)")
        XCTAssertEqual(try rows.first?.decode(0, as: String?.self), librarian.id)

        // Machine clients keep the centre key and the old field.
        let api = try await env.harness.request("POST", "/v1/appeals", json: Self.appeal(), headers: auth)
        XCTAssertEqual(api.status, 201, api.text)
        let apiDelivery = try await awaitMessage(env, type: "appeal.registered")
        let apiEvent = try Envelope.decode(from: try XCTUnwrap(apiDelivery).body).decode(AppealRegistered.self)
        XCTAssertEqual(apiEvent.assistedBy, "Оксана")
        XCTAssertNil(apiEvent.registeredBy)
    }

    func testAnAccountOpensOnlyItsOwnCentresForm() async throws {
        let env = try await start()
        try await IntakeTestService.addNorthCentre(on: env.harness)
        let a = try await TestLibrarian.create(
            on: env.harness, centre: "central-library", login: "oksana", adminToken: Self.adminToken)
        let b = try await TestLibrarian.create(
            on: env.harness, centre: Self.centreB, login: "oksana", adminToken: Self.adminToken)
        let browser = FormBrowser(baseURL: env.harness.baseURL)

        let elsewhere = try await browser.post(
            "/form/login?lang=en", [("centre", Self.centreB), ("login", a.login), ("password", a.password)])
        XCTAssertEqual(elsewhere.status, 401, "centre A's librarian at centre B's form")
        XCTAssertNil(FormBrowser.cookie("hromada_intake", in: elsewhere))
        XCTAssertTrue(elsewhere.text.contains("Wrong centre, login or password"))
        let wrong = try await browser.post(
            "/form/login", [("centre", a.centre), ("login", a.login), ("password", b.password)])
        XCTAssertEqual(wrong.status, 401, "another account's password")
        let cookieB = try await signIn(browser, b)
        let formB = try await browser.get("/", cookie: cookieB)
        XCTAssertTrue(formB.text.contains("ЦОГ Північної бібліотеки"), "B's librarian works at B")

        // The centre's administrator (its key) keeps its own centre's accounts only.
        let own = try await env.harness.request(
            "POST", "/v1/admin/centres/\(Self.centreB)/librarians", json: ["login": "petro"],
            headers: ["Authorization": "Bearer \(Self.centreKeyB)"])
        XCTAssertEqual(own.status, 201, own.text)
        let generated = try XCTUnwrap((try own.json() as? [String: Any])?["password"] as? String)
        XCTAssertGreaterThanOrEqual(generated.count, 12, "a generated password, shown once")
        let list = try await env.harness.request(
            "GET", "/v1/admin/centres/\(Self.centreB)/librarians",
            headers: ["Authorization": "Bearer \(Self.centreKeyB)"])
        XCTAssertFalse(list.text.contains(generated), "never listed again")
        XCTAssertEqual(
            Set(((try list.json() as? [[String: Any]]) ?? []).compactMap { $0["login"] as? String }),
            ["oksana", "petro"])
        let foreign = try await env.harness.request(
            "POST", "/v1/admin/centres/central-library/librarians", json: ["login": "petro"],
            headers: ["Authorization": "Bearer \(Self.centreKeyB)"])
        XCTAssertEqual(foreign.status, 401, "another centre's key")
        let again = try await env.harness.request(
            "POST", "/v1/admin/centres/\(Self.centreB)/librarians", json: ["login": "petro"], headers: admin)
        XCTAssertEqual(again.status, 409)
        let bad = try await env.harness.request(
            "POST", "/v1/admin/centres/\(Self.centreB)/librarians",
            json: ["login": "Петро Іванович", "password": "short"],
            headers: admin)
        XCTAssertEqual(bad.status, 422)
        let fields = ((try bad.json() as? [String: Any])?["errors"] as? [[String: Any]])?.compactMap {
            $0["field"] as? String
        }
        XCTAssertEqual(fields, ["login", "password"])
        let nowhere = try await env.harness.request(
            "POST", "/v1/admin/centres/no-such-centre/librarians", json: ["login": "petro"], headers: admin)
        XCTAssertEqual(nowhere.status, 404)

        // Deactivating the account ends its session at once.
        let off = try await env.harness.request(
            "DELETE", "/v1/admin/centres/\(Self.centreB)/librarians/oksana", headers: admin)
        XCTAssertEqual(off.status, 204)
        let after = try await browser.get("/", cookie: cookieB)
        XCTAssertFalse(after.text.contains("ЦОГ Північної бібліотеки"))
        XCTAssertTrue(after.text.contains("name=\"password\""), "the sign-in page again")
    }

    func testSignOutEndsTheLibrariansSession() async throws {
        let env = try await start()
        let (browser, cookie) = try await signedInLibrarian(env, login: "oksana")
        let signedIn = try await browser.get("/", cookie: cookie)
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: signedIn.text))

        let noToken = try await browser.post("/form/logout", [], cookie: cookie)
        XCTAssertEqual(noToken.status, 403, "sign-out is a form with the session's token")
        let out = try await browser.post("/form/logout", [("csrf", csrf)], cookie: cookie)
        XCTAssertEqual(out.status, 303)
        let page = try await browser.get("/", cookie: cookie)
        XCTAssertTrue(page.text.contains("name=\"password\""), "the old cookie shows the sign-in page")
        XCTAssertFalse(page.text.contains(csrf))
        let late = try await browser.post("/form/appeals", TestLibrarian.appealForm(csrf: csrf), cookie: cookie)
        XCTAssertEqual(late.status, 401, "no appeal with an ended session")
        let sessions = try await env.db.adminClient().count("SELECT count(*)::bigint FROM intake.web_sessions")
        XCTAssertEqual(sessions, 0, "the server-side row is gone")
        let appeals = try await env.db.adminClient().count("SELECT count(*)::bigint FROM intake.appeals")
        XCTAssertEqual(appeals, 0)
    }
}
