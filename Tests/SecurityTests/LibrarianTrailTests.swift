import Foundation
import HromadaCtl
import HromadaTestSupport
import XCTest

/// Issue 13, item 7, across services: a librarian signs in to intake's form with their own account
/// and registers an appeal; audit's trail of that appeal names the librarian's account (its id, not
/// a name) as who registered it. And hromadactl keeps the accounts (`seed`, `librarian add|list`).
final class LibrarianTrailTests: XCTestCase {
    func testTheTrailShowsWhichLibrarianRegisteredTheAppeal() async throws {
        let system = try await SecuritySystem.start(self, services: ["intake", "audit"])
        let intake = system.harness("intake")
        let librarian = try await TestLibrarian.create(
            on: intake, centre: SecuritySystem.centreId, login: "oksana", adminToken: SecuritySystem.adminToken)
        let browser = FormBrowser(baseURL: intake.baseURL)
        let signedIn = try await browser.post("/form/login", librarian.signInFields)
        XCTAssertEqual(signedIn.status, 303, signedIn.text)
        let cookie = try XCTUnwrap(FormBrowser.cookie("hromada_intake", in: signedIn))
        let form = try await browser.get("/", cookie: cookie)
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))
        let receipt = try await browser.post("/form/appeals", TestLibrarian.appealForm(csrf: csrf), cookie: cookie)
        XCTAssertEqual(receipt.status, 201, receipt.text)
        let number = try XCTUnwrap(
            receipt.text.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(receipt.text[$0]) })

        var actors: [String: String] = [:]
        let recorded = try await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            let trail = try await system.harness("audit").request(
                "GET", "/v1/trail/\(number)", headers: ["Authorization": "Bearer \(SecuritySystem.adminToken)"])
            guard trail.status == 200, let body = try trail.json() as? [String: Any],
                let entries = body["entries"] as? [[String: Any]]
            else { return false }
            for entry in entries {
                if let type = entry["type"] as? String, let actor = entry["actor"] as? String { actors[type] = actor }
            }
            return actors["appeal.registered"] != nil
        }
        XCTAssertTrue(recorded, "audit recorded the registration")
        XCTAssertEqual(actors["appeal.registered"], librarian.id, "the trail names the librarian's account")
    }

    func testHromadactlSeedsAndAddsLibrariansWhoCanSignIn() async throws {
        let system = try await SecuritySystem.start(self, services: ["intake"])
        let intake = system.harness("intake")
        let admin = AdminClient(
            endpoints: CtlEndpoints(services: [("intake", intake.baseURL)], adminToken: SecuritySystem.adminToken))
        var credentials = Credentials(centreKey: "seed-centre-key-0123456789abcdef")
        XCTAssertTrue(Seeder.complete(&credentials) { UUID().uuidString.lowercased() })
        credentials.officials = []  // routing is not running here
        let demo = try XCTUnwrap(credentials.librarians?.first)
        let first = try await Seeder(admin: admin).seed(credentials)
        XCTAssertTrue(first.contains("librarian demo-librarian at demo-library: created"), "\(first)")
        let again = try await Seeder(admin: admin).seed(credentials)
        XCTAssertTrue(again.contains("librarian demo-librarian at demo-library: in place, password set"), "\(again)")

        let browser = FormBrowser(baseURL: intake.baseURL)
        let fields = [("centre", demo.centre), ("login", demo.login), ("password", demo.password)]
        let seeded = try await browser.post("/form/login", fields)
        XCTAssertEqual(seeded.status, 303, "the seeded demo librarian signs in")

        // `hromadactl librarian add` without a password: generated, shown once, and it works.
        let added = try await admin.addLibrarian(centre: "demo-library", login: "petro", password: nil)
        let generated = try XCTUnwrap(added.password)
        XCTAssertEqual(added.librarian.login, "petro")
        let list = try await admin.librarians(centre: "demo-library")
        XCTAssertEqual(Set(list.map(\.login)), ["demo-librarian", "petro"])
        let petro = try await browser.post(
            "/form/login", [("centre", "demo-library"), ("login", "petro"), ("password", generated)])
        XCTAssertEqual(petro.status, 303)
        do {
            _ = try await admin.addLibrarian(centre: "demo-library", login: "petro", password: nil)
            XCTFail("a second account with the same login")
        } catch let error as CtlError {
            XCTAssertEqual(error.status, 409)
        }
    }
}
