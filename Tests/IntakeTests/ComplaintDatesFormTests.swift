import Foundation
import HromadaContracts
import HromadaTestSupport
import Intake
import XCTest

/// Art. 17 at the librarian's form against the real servers: the complaint section asks for the
/// decision's day and the day the author learned of it, a wrong one comes back on the form next to
/// its field, and good ones travel in `appeal.registered`.
extension IntakeIntegrationTests {
    func testTheFormAsksAComplaintsDatesAndNamesTheWrongOne() async throws {
        let env = try await start()
        let (browser, cookie) = try await signedInLibrarian(env, login: "olena")
        let form = try await browser.get("/?lang=en", cookie: cookie)
        XCTAssertTrue(form.text.contains("name=\"decidedOn\"") && form.text.contains("name=\"learnedOn\""))
        XCTAssertTrue(form.text.contains("Date the author learned of the decision"))
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))
        func complaint(decidedOn: String, learnedOn: String) -> [(String, String)] {
            TestLibrarian.appealForm(csrf: csrf).map { $0.0 == "kind" ? ("kind", "complaint") : $0 }
                + [("against", "zhkg"), ("decidedOn", decidedOn), ("learnedOn", learnedOn)]
        }

        let wrong = try await browser.post(
            "/form/appeals?lang=en", complaint(decidedOn: "2026-02-30", learnedOn: ""), cookie: cookie)
        XCTAssertEqual(wrong.status, 422, wrong.text)
        XCTAssertTrue(wrong.text.contains("decidedOn must be a date written YYYY-MM-DD"), wrong.text)
        XCTAssertTrue(wrong.text.contains("value=\"2026-02-30\""), "what was typed is shown again")

        let today = LocalDate.today()
        let decided = today.adding(days: -20).description
        let learned = today.adding(days: -2).description
        let receipt = try await browser.post(
            "/form/appeals?lang=en", complaint(decidedOn: decided, learnedOn: learned), cookie: cookie)
        XCTAssertEqual(receipt.status, 201, receipt.text)
        let delivery = try await awaitMessage(env, type: "appeal.registered")
        let event = try Envelope.decode(from: try XCTUnwrap(delivery).body).decode(AppealRegistered.self)
        XCTAssertEqual(event.kind, .complaint)
        XCTAssertEqual(event.complaintDecidedOn?.description, decided)
        XCTAssertEqual(event.complaintLearnedOn?.description, learned)
    }
}
