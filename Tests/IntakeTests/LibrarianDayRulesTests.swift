import Foundation
import HromadaRuntime
import XCTest

@testable import Intake

/// Issue 14, "the librarian's day", in memory: the Kyiv day today's list covers (winter and
/// summer time), the error summary's order (the form's, whatever order the validator reports in),
/// and a form body big enough for a text past its limit to reach the validator.
final class LibrarianDayRulesTests: XCTestCase {
    func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    func testTodayIsTheEuropeKyivCalendarDay() {
        // 00:30 in Kyiv (UTC+2 in winter) is 22:30 UTC the day before.
        let winter = WebPages.kyivDay(containing: date("2026-11-29T22:30:00Z"))
        XCTAssertEqual(winter.start, date("2026-11-29T22:00:00Z"))
        XCTAssertEqual(winter.end, date("2026-11-30T22:00:00Z"))
        let late = WebPages.kyivDay(containing: date("2026-11-30T21:59:59Z"))
        XCTAssertEqual(late.start, winter.start, "23:59:59 in Kyiv is the same day")
        // Summer time (UTC+3).
        let summer = WebPages.kyivDay(containing: date("2026-07-01T21:30:00Z"))
        XCTAssertEqual(summer.start, date("2026-07-01T21:00:00Z"))
        XCTAssertEqual(summer.end, date("2026-07-02T21:00:00Z"))
        XCTAssertEqual(WebPages.kyivTime(date("2026-11-30T07:15:00Z")), "09:15")
    }

    func testTheSummaryFollowsTheFormsOrderAndLinksEachField() {
        let errors = [
            FieldError(field: "text", code: "too_long", message: "text"),
            FieldError(field: "somethingNew", code: "invalid", message: "new"),
            FieldError(field: "photos[0]", code: "unsupported_type", message: "photo"),
            FieldError(field: "representative.fullName", code: "required", message: "rep"),
            FieldError(field: "location.lat", code: "not_a_number", message: "point"),
            FieldError(field: "author.fullName", code: "required", message: "name"),
            FieldError(field: "publish", code: "invalid", message: "publish"),
            FieldError(field: "author.email", code: "invalid", message: "email"),
        ]
        let summary = WebPages.summary(errors) { $0.message }
        XCTAssertEqual(summary.map(\.message), ["name", "email", "point", "text", "rep", "publish", "photo", "new"])
        XCTAssertEqual(
            summary.map(\.target), ["fullName", "email", "lat", "text", "repName", "consent", "photos", "appeal-form"])
    }

    func testAFormWithATextPastItsLimitFitsTheBody() {
        let limit = WebPages.formBodyLimit(IntakeSettings())
        // Every character of the text percent-encoded from 3 UTF-8 bytes, one past the limit.
        XCTAssertGreaterThan(limit, 9 * (AppealValidator.textLength.upperBound + 1))
        XCTAssertGreaterThanOrEqual(limit, IntakeSettings().maxBodyBytes)
    }
}
