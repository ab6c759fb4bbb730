import Foundation
import HromadaContracts
import HromadaRuntime
import XCTest

@testable import Intake

/// Issue 15: the resident may ask for SMS notices (`author.notifyBy: "sms"` in the JSON, the
/// "Повідомляти SMS" box on the librarian's form); `appeal.registered` carries the choice.
final class SMSChoiceTests: XCTestCase {
    /// The validated author, or the problems found.
    func validated(_ notifyBy: String?, phone: String? = "+380 67 123 45 67") -> (
        AppealRegistered.Author?, [FieldProblem]
    ) {
        var s = ValidationTests.valid()
        s.author?.phone = phone
        s.author?.notifyBy = notifyBy
        switch AppealValidator.validate(s, channel: AppealValidator.Channel.centre, authenticatedCentre: "c1") {
        case .success(let appeal): return (appeal.author, [])
        case .failure(let failure): return (nil, failure.errors)
        }
    }

    func testSMSIsCarriedOnTheAuthorAndEmailOrNothingIsTheDefault() throws {
        XCTAssertEqual(try XCTUnwrap(validated("sms").0).notifyBy, "sms")
        XCTAssertEqual(try XCTUnwrap(validated(" SMS ").0).notifyBy, "sms")
        XCTAssertNil(try XCTUnwrap(validated("email").0).notifyBy)
        XCTAssertNil(try XCTUnwrap(validated(nil).0).notifyBy)
        XCTAssertNil(try XCTUnwrap(validated("").0).notifyBy)
    }

    func testAnUnknownWayOrSMSWithoutAPhoneIsRefusedNamingTheField() {
        let unknown = validated("fax").1
        XCTAssertEqual(unknown.map(\.field), ["author.notifyBy"])
        XCTAssertEqual(unknown.first?.code, "invalid_value")
        let noPhone = validated("sms", phone: nil).1
        XCTAssertEqual(noPhone.map(\.field), ["author.notifyBy"])
        XCTAssertEqual(noPhone.first?.code, "phone_required")
    }

    func testTheJSONFieldDecodesAndTheEventKeepsItOnlyWhenAsked() throws {
        let json = """
            {"fullName":"Шевченко Тарас","address":"Миколаїв",
             "phone":"+380671234567","notifyBy":"sms"}
            """
        let author = try JSONDecoder().decode(AppealSubmission.Author.self, from: Data(json.utf8))
        XCTAssertEqual(author.notifyBy, "sms")
        let asked = AppealRegistered.Author(fullName: "Ш Т", address: "М", phone: "+380671234567", notifyBy: "sms")
        let encoded = try JSONEncoder().encode(asked)
        XCTAssertTrue(String(decoding: encoded, as: UTF8.self).contains(#""notifyBy":"sms""#))
        let plain = try JSONEncoder().encode(AppealRegistered.Author(fullName: "Ш Т", address: "М"))
        XCTAssertFalse(String(decoding: plain, as: UTF8.self).contains("notifyBy"), "absent, as in older events")
        let old = #"{"fullName":"Ш Т","address":"М","preferredLanguage":"uk"}"#
        XCTAssertNil(try JSONDecoder().decode(AppealRegistered.Author.self, from: Data(old.utf8)).notifyBy)
    }

    func testTheFormsBoxBecomesNotifyBy() {
        let ticked = WebPages.values(WebPages.AppealForm(notifyBy: "sms"))
        XCTAssertTrue(ticked.notifySMS)
        XCTAssertEqual(WebPages.notifyBy(ticked), "sms")
        let plain = WebPages.values(WebPages.AppealForm())
        XCTAssertFalse(plain.notifySMS)
        XCTAssertNil(WebPages.notifyBy(plain))
    }
}
