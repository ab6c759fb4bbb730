import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// Resolution 858's "multiple" (неодноразове) and "mass" (масове) as Hromada decides them
/// (`Classification.frequency(earlier:sameIssue:otherAuthorsOnIssue:today:)`), and the social
/// categories of Art. 15's authors. In memory.
final class ClassificationRulesTests: XCTestCase {
    static let today = LocalDate(year: 2026, month: 11, day: 30)!

    static func earlier(_ n: Int, _ status: PublicStatus, deadline: LocalDate? = nil) -> Classification.Earlier {
        Classification.Earlier(
            registrationNumber: String(format: "MK-2026-%06d", n), status: status, deadline: deadline)
    }

    func frequency(_ earlier: Classification.Earlier?, _ sameIssue: [Classification.Earlier] = [], others: Int = 0)
        -> String
    {
        Classification.frequency(earlier: earlier, sameIssue: sameIssue, otherAuthorsOnIssue: others, today: Self.today)
    }

    func testMultipleIsARepeatOfAnIssueDecidedTwiceOrMore() {
        let decided = [Self.earlier(2, .answered), Self.earlier(1, .closed)]
        XCTAssertEqual(frequency(decided[0], decided), "multiple")
        XCTAssertEqual(frequency(decided[0], [decided[0]]), "repeat", "decided once: a repeat")
        // Returned or not considered earlier appeals were no decision on the merits: they do not count.
        XCTAssertEqual(frequency(decided[0], [decided[0], Self.earlier(1, .returned)]), "repeat")
        XCTAssertEqual(frequency(decided[0], [decided[0], Self.earlier(1, .notConsidered)]), "repeat")
        // A duplicate (the earlier one still within its term) stays a duplicate however many came before.
        let open = Self.earlier(3, .assigned, deadline: Self.today.adding(days: 3))
        XCTAssertEqual(frequency(open, [open] + decided), "duplicate")
        XCTAssertEqual(Classification.multipleAfterDecisions, 2)
    }

    func testMassIsAFirstAppealOnAnIssueManyOthersRaised() {
        XCTAssertEqual(Classification.massOtherAuthors, 5)
        XCTAssertEqual(Classification.massWindowDays, 30)
        XCTAssertEqual(frequency(nil, others: 4), "first")
        XCTAssertEqual(frequency(nil, others: 5), "mass")
        XCTAssertEqual(frequency(nil, others: 50), "mass")
        // The author's own repeat or duplicate keeps its value.
        XCTAssertEqual(frequency(Self.earlier(1, .answered), others: 9), "repeat")
        let open = Self.earlier(1, .assigned, deadline: Self.today.adding(days: 3))
        XCTAssertEqual(frequency(open, others: 9), "duplicate")
        // Without the counts (the old callers) nothing changes.
        XCTAssertEqual(Classification.frequency(earlier: nil, today: Self.today), "first")
    }

    func testTheClassifierCarriesMultipleAndMass() throws {
        let appeal = try AppealValidator.validate(
            RegistrationLawTests.valid(), channel: "centre", authenticatedCentre: nil, today: Self.today
        ).get()
        let mass = Classification.classify(
            appeal, channel: "centre", earlier: nil, today: Self.today, otherAuthorsOnIssue: 7)
        XCTAssertEqual(mass.frequency, "mass")
        XCTAssertNil(mass.duplicateOf)
        let decided = [Self.earlier(2, .answered), Self.earlier(1, .answered)]
        let multiple = Classification.classify(
            appeal, channel: "centre", earlier: decided[0], today: Self.today, sameIssue: decided)
        XCTAssertEqual(multiple.frequency, "multiple")
        XCTAssertEqual(
            Classification.classify(appeal, channel: "centre", earlier: nil, today: Self.today).frequency, "first")
    }

    func testArticleFifteenAuthorsHaveTheirSocialCategories() {
        for code in ["hero-of-ukraine", "hero-of-soviet-union", "hero-of-socialist-labour", "war-disabled"] {
            XCTAssertNotNil(Reference.benefitCategory(code: code), code)
            XCTAssertEqual(Classification.socialCategories[code], code)
        }
    }
}
