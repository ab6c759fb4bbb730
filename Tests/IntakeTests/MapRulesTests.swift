import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// The validator's rules for an appeal's point: bounds, bad numbers, the district from the point.
final class MapRulesTests: XCTestCase {
    func validate(_ change: (inout AppealSubmission) -> Void) -> Result<ValidAppeal, ValidationFailure> {
        var s = ValidationTests.valid()
        change(&s)
        return AppealValidator.validate(s, channel: AppealValidator.Channel.api, authenticatedCentre: "c1")
    }

    func codes(_ change: (inout AppealSubmission) -> Void) -> [String: String] {
        guard case .failure(let failure) = validate(change) else { return [:] }
        return Dictionary(failure.errors.map { ($0.field ?? "-", $0.code) }, uniquingKeysWith: { a, _ in a })
    }

    func testAPointOutsideTheCityIsAFieldError() {
        XCTAssertEqual(codes { $0.location = .init(lat: 50.4501, lon: 30.5234) }, ["location": "outside_city"])
        XCTAssertEqual(codes { $0.location = .init(lat: 0, lon: 0) }, ["location": "outside_city"])
        XCTAssertEqual(codes { $0.location = .init(lat: 46.9659, lon: 31.9974) }, [:])
        // A point on the river is still in the city: accepted, with no district.
        XCTAssertEqual(codes { $0.location = .init(lat: 46.966, lon: 31.958) }, [:])
    }

    /// Text arrives as NaN: "not a number" on that coordinate alone (no "outside" on top).
    func testBadNumbersNameTheirField() {
        XCTAssertEqual(
            codes { $0.location = .init(lat: MapCoordinate.parse("abc"), lon: 31.99) },
            ["location.lat": "not_a_number"])
        XCTAssertEqual(
            codes { $0.location = .init(lat: 46.97, lon: .infinity) }, ["location.lon": "not_a_number"])
        XCTAssertEqual(codes { $0.location = .init(lat: 91, lon: 31.99) }, ["location.lat": "out_of_range"])
    }

    func testTheDistrictComesFromThePointUnlessChosenByHand() throws {
        let fromPoint = try validate {
            $0.district = nil
            $0.location = .init(lat: 46.880, lon: 32.000)
        }.get()
        XCTAssertEqual(fromPoint.district, "korabelnyi")
        let byHand = try validate {
            $0.district = "zavodskyi"
            $0.location = .init(lat: 46.880, lon: 32.000)
        }.get()
        XCTAssertEqual(byHand.district, "zavodskyi", "a district chosen by hand wins over the point")
        let onTheRiver = try validate {
            $0.district = nil
            $0.location = .init(lat: 46.966, lon: 31.958)
        }.get()
        XCTAssertNil(onTheRiver.district)
        let noPoint = try validate { $0.district = nil }.get()
        XCTAssertNil(noPoint.district)
    }

    /// Every message the map's rules use exists in both catalogues, in words, with no placeholder left.
    func testMessagesExistInBothLanguages() throws {
        let strings = try IntakeStrings.load()
        var problems: [FieldProblem] = []
        for location in [
            AppealSubmission.Location(lat: 50.45, lon: 30.52), .init(lat: .nan, lon: .nan),
        ] {
            if case .failure(let failure) = validate({ $0.location = location }) { problems += failure.errors }
        }
        XCTAssertEqual(
            Set(problems.map(\.messageKey)), ["errLocationOutsideCity", "errLatNotNumber", "errLonNotNumber"])
        for problem in problems {
            let error = strings.fieldError(problem)
            XCTAssertFalse(error.message.contains("{"), error.message)
            XCTAssertNotNil(error.messageUk, problem.messageKey)
            XCTAssertNotEqual(error.message, error.messageUk, problem.messageKey)
        }
    }
}
