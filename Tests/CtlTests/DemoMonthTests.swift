import Foundation
import HromadaContracts
import XCTest

@testable import HromadaCtl

/// The demo month's plan: the same seed gives the same month; every fate, category, district and
/// kind occurs; late paper appeals stay within intake's 10 days and carry who entered them.
final class DemoMonthTests: XCTestCase {
    func testThePlanIsDeterministicAndCoversEveryCase() throws {
        let plan = DemoMonth(count: 630, seed: 2026)
        XCTAssertEqual(plan.appeals, DemoMonth(count: 630, seed: 2026).appeals)
        XCTAssertNotEqual(plan.appeals, DemoMonth(count: 630, seed: 7).appeals)
        XCTAssertEqual(Set(plan.appeals.map(\.fate)), Set(DemoMonth.Fate.allCases))
        XCTAssertEqual(Set(plan.appeals.map(\.category.code)), Set(Reference.categories.map(\.code)))
        XCTAssertEqual(Set(plan.appeals.map(\.district)), Set(Reference.districts.map(\.code)))
        XCTAssertEqual(Set(plan.appeals.map(\.kind)), Set(AppealKind.allCases))
        XCTAssertTrue(plan.appeals.allSatisfy { (0...10).contains($0.daysBack) })
        let answered = plan.appeals.filter {
            [.answered, .extendedAndAnswered, .forwardedAndAnswered].contains($0.fate)
        }
        XCTAssertGreaterThan(answered.count, 630 / 2)

        let today = LocalDate(string: "2026-11-20")!
        let late = try XCTUnwrap(plan.appeals.first { $0.daysBack > 0 })
        let body = late.submission(today: today)
        XCTAssertEqual(body["receivedOn"] as? String, today.adding(days: -late.daysBack).description)
        XCTAssertEqual(body["enteredBy"] as? String, "demo-librarian")
        let fresh = try XCTUnwrap(plan.appeals.first { $0.daysBack == 0 }).submission(today: today)
        XCTAssertNil(fresh["receivedOn"])
        XCTAssertNotNil(try? JSONSerialization.data(withJSONObject: body))
        let complaint = try XCTUnwrap(plan.appeals.first { $0.kind == .complaint })
        let against = try XCTUnwrap(complaint.submission(today: today)["against"] as? String)
        XCTAssertNotEqual(against, complaint.category.defaultAuthority)
    }
}
