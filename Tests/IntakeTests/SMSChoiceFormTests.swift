import Foundation
import HromadaContracts
import HromadaTestSupport
import Intake
import XCTest

/// Issue 15 against the real servers: the librarian's form has the "Повідомляти SMS" box, a ticked
/// box travels as `author.notifyBy` in `appeal.registered`, a box ticked without a phone comes back
/// on the form (still ticked) naming the problem; the JSON API takes `author.notifyBy` the same way.
extension IntakeIntegrationTests {
    func testTheFormsSMSBoxTravelsInAppealRegistered() async throws {
        let env = try await start()
        let (browser, cookie) = try await signedInLibrarian(env, login: "halyna")
        let uk = try await browser.get("/?lang=uk", cookie: cookie)
        XCTAssertTrue(uk.text.contains(#"name="notifyBy" value="sms""#), "the box is on the form")
        XCTAssertTrue(uk.text.contains("Повідомляти SMS"))
        let form = try await browser.get("/?lang=en", cookie: cookie)
        XCTAssertTrue(form.text.contains("Notify by SMS"))
        let csrf = try XCTUnwrap(FormBrowser.csrf(in: form.text))

        let noPhone = try await browser.post(
            "/form/appeals?lang=en", TestLibrarian.appealForm(csrf: csrf) + [("notifyBy", "sms")], cookie: cookie)
        XCTAssertEqual(noPhone.status, 422, noPhone.text)
        XCTAssertTrue(noPhone.text.contains("SMS notices need a phone number"), noPhone.text)
        XCTAssertNotNil(
            noPhone.text.range(of: #"name="notifyBy" value="sms"[^>]*checked"#, options: .regularExpression),
            "the box stays ticked")

        let ticked = try await browser.post(
            "/form/appeals?lang=en",
            TestLibrarian.appealForm(csrf: csrf) + [("phone", "+380 67 123 45 67"), ("notifyBy", "sms")], cookie: cookie
        )
        XCTAssertEqual(ticked.status, 201, ticked.text)
        let delivery = try await awaitMessage(env, type: "appeal.registered")
        let event = try Envelope.decode(from: try XCTUnwrap(delivery).body).decode(AppealRegistered.self)
        XCTAssertEqual(event.author.notifyBy, "sms")
        XCTAssertEqual(event.author.phone, "+380671234567")

        let plain = try await browser.post(
            "/form/appeals?lang=en", TestLibrarian.appealForm(csrf: csrf) + [("phone", "+380671234568")], cookie: cookie
        )
        XCTAssertEqual(plain.status, 201, plain.text)
        let second = try await awaitMessage(env, type: "appeal.registered")
        XCTAssertNil(
            try Envelope.decode(from: try XCTUnwrap(second).body).decode(AppealRegistered.self).author.notifyBy)
    }

    func testTheAPITakesNotifyByAndNamesAWrongOne() async throws {
        let env = try await start()
        var appeal = Self.appeal()
        appeal["author"] = [
            "fullName": "Шевченко Тарас Григорович",
            "address": "вул. Садова, 12, кв. 3", "phone": "+380671234567",
            "notifyBy": "sms",
        ]
        let accepted = try await env.harness.request("POST", "/v1/appeals", json: appeal, headers: auth)
        XCTAssertEqual(accepted.status, 201, accepted.text)
        let delivery = try await awaitMessage(env, type: "appeal.registered")
        XCTAssertEqual(
            try Envelope.decode(from: try XCTUnwrap(delivery).body).decode(AppealRegistered.self).author.notifyBy, "sms"
        )

        appeal["author"] = [
            "fullName": "Шевченко Тарас Григорович",
            "address": "вул. Садова, 12, кв. 3", "notifyBy": "pigeon",
        ]
        let refused = try await env.harness.request("POST", "/v1/appeals", json: appeal, headers: auth)
        XCTAssertEqual(refused.status, 422, refused.text)
        XCTAssertTrue(refused.text.contains("author.notifyBy"), refused.text)
    }
}
