import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// Art. 17: a complaint may state the day of the decision complained about and the day its author
/// learned of it. Both optional; each a real date, not in the future; learned not before the
/// decision; only a complaint gives them; carried in `appeal.registered`. In memory, no servers.
final class ComplaintDatesTests: XCTestCase {
    static let today = LocalDate(string: "2028-03-10")!

    static func complaint(decidedOn: String? = nil, learnedOn: String? = nil) -> AppealSubmission {
        var s = ValidationTests.valid()
        s.kind = "complaint"
        s.against = "zhkg"
        s.decidedOn = decidedOn
        s.learnedOn = learnedOn
        return s
    }

    func validate(_ s: AppealSubmission) -> Result<ValidAppeal, ValidationFailure> {
        AppealValidator.validate(s, channel: AppealValidator.Channel.api, authenticatedCentre: "c1", today: Self.today)
    }

    func problems(_ s: AppealSubmission) -> [FieldProblem] {
        if case .failure(let failure) = validate(s) { return failure.errors }
        return []
    }

    func testValidDatesAreKeptAndCarriedInTheEvent() throws {
        // 29 February of a leap year is a real date; learned the same day as decided is fine.
        guard case .success(let appeal) = validate(Self.complaint(decidedOn: "2028-02-29", learnedOn: "2028-02-29"))
        else { return XCTFail("a complaint with valid dates refused") }
        XCTAssertEqual(appeal.complaintDecidedOn?.description, "2028-02-29")
        XCTAssertEqual(appeal.complaintLearnedOn?.description, "2028-02-29")
        let event = NewAppeal(
            appeal: appeal, channel: "api", sequence: 1, registeredAt: Date(), trackingToken: "t", repeatOf: nil
        ).event
        XCTAssertEqual(event.complaintDecidedOn?.description, "2028-02-29")
        XCTAssertEqual(event.complaintLearnedOn?.description, "2028-02-29")
        // As JSON on the bus: plain dates, and the fields are not personal data (not sealed).
        let json = String(decoding: try ContractCoding.makeEncoder().encode(event), as: UTF8.self)
        XCTAssertTrue(json.contains("\"complaintDecidedOn\":\"2028-02-29\""), json)
        XCTAssertFalse(AppealRegistered.personalFields.contains { $0.first?.hasPrefix("complaint") == true })
        // Both optional: a complaint without them registers, and the event carries nil.
        guard case .success(let bare) = validate(Self.complaint()) else { return XCTFail("refused") }
        XCTAssertNil(bare.complaintDecidedOn)
        XCTAssertNil(bare.complaintLearnedOn)
        guard case .success(let learnedOnly) = validate(Self.complaint(learnedOn: "2028-03-01")) else {
            return XCTFail("refused")
        }
        XCTAssertEqual(learnedOnly.complaintLearnedOn?.description, "2028-03-01")
    }

    func testEachBadDateIsRefusedNamingItsField() {
        let notADate = problems(Self.complaint(decidedOn: "2027-02-29"))
        XCTAssertEqual(notADate.map(\.field), ["decidedOn"])
        XCTAssertEqual(notADate.map(\.code), ["invalid_date"])
        XCTAssertEqual(problems(Self.complaint(learnedOn: "10.03.2028")).map(\.field), ["learnedOn"])
        let future = problems(Self.complaint(decidedOn: "2028-03-11"))
        XCTAssertEqual(future.map(\.field), ["decidedOn"])
        XCTAssertEqual(future.map(\.code), ["in_future"])
        XCTAssertEqual(problems(Self.complaint(learnedOn: "2028-03-11")).map(\.code), ["in_future"])
        let early = problems(Self.complaint(decidedOn: "2028-02-29", learnedOn: "2028-02-28"))
        XCTAssertEqual(early.map(\.field), ["learnedOn"])
        XCTAssertEqual(early.map(\.code), ["too_early"])
        XCTAssertEqual(early.first?.arguments["min"], "2028-02-29")
    }

    func testOnlyAComplaintGivesThem() {
        var application = ValidationTests.valid()
        application.decidedOn = "2028-02-01"
        application.learnedOn = "2028-02-02"
        let found = problems(application)
        XCTAssertEqual(found.map(\.field), ["decidedOn", "learnedOn"])
        XCTAssertEqual(Set(found.map(\.code)), ["not_allowed"])
    }

    func testTheMessagesNameTheFieldInBothLanguages() throws {
        let strings = try IntakeStrings.load()
        let early = problems(Self.complaint(decidedOn: "2028-02-29", learnedOn: "2028-02-28"))
        let error = strings.fieldError(try XCTUnwrap(early.first))
        XCTAssertEqual(error.field, "learnedOn")
        XCTAssertTrue(error.message.contains("2028-02-29"), error.message)
        XCTAssertTrue(
            error.messageUk?.contains(
                "Дата, коли автор дізнався про рішення") == true, "\(error)")
        var application = ValidationTests.valid()
        application.decidedOn = "2028-02-01"
        let notAllowed = strings.fieldError(try XCTUnwrap(problems(application).first))
        XCTAssertEqual(notAllowed.message, "decidedOn: only a complaint gives this date")
        XCTAssertEqual(
            notAllowed.messageUk,
            "«Дата оскаржуваного рішення»: зазначають лише для скарги")
    }

    func testTheAPIDecodesTheFieldsFromJSON() throws {
        let body = """
            {"kind":"complaint","against":"zhkg","category":"heating",
             "subject":"Скарга","text":"Не згодна.",
             "author":{"fullName":"Олена Петренко","address":"вул. Соборна, 1"},
             "decidedOn":"2028-01-31","learnedOn":"2028-02-10"}
            """
        let submission = try JSONDecoder().decode(AppealSubmission.self, from: Data(body.utf8))
        XCTAssertEqual(submission.decidedOn, "2028-01-31")
        XCTAssertEqual(submission.learnedOn, "2028-02-10")
    }
}
