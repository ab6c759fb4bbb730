import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// The resident's say on an answer as intake checks it before publishing (issue 15): the rating
/// 1–5, the dispute's reason, and Art. 17's month after the answer was received. In memory.
final class SayOnTheAnswerTests: XCTestCase {
    static let answer = SayOnTheAnswer.AnswerOnRecord(
        appealId: UUID(), registrationNumber: "MK-2026-000015", authority: "zhkg",
        answeredAt: ISO8601.parse("2026-11-27T12:00:00+02:00")!)
    static func day(_ s: String) -> LocalDate { LocalDate(string: s)! }
    let reason = "Не згодна: батареї досі холодні."

    func testRatingsAreWholeNumbersFromOneToFive() throws {
        for (text, value) in [("1", 1), (" 5 ", 5), ("3", 3)] {
            XCTAssertEqual(try SayOnTheAnswer.rating(text), value)
        }
        for text in [nil, "", "0", "6", "4.5", "five", "-1"] {
            XCTAssertThrowsError(try SayOnTheAnswer.rating(text), String(describing: text)) { error in
                XCTAssertEqual((error as? SayOnTheAnswer.Refusal)?.field, "rating")
            }
        }
    }

    func testADisputeNeedsAReason() {
        for text in [nil, "", "   ", "ні"] {
            XCTAssertThrowsError(
                try SayOnTheAnswer.dispute(
                    reason: text, learnedOn: nil, answer: Self.answer, today: Self.day("2026-12-01"))
            ) { error in
                XCTAssertEqual((error as? SayOnTheAnswer.Refusal)?.field, "reason")
            }
        }
        XCTAssertThrowsError(
            try SayOnTheAnswer.dispute(
                reason: String(repeating: "а", count: 4001), learnedOn: nil, answer: Self.answer,
                today: Self.day("2026-12-01")))
    }

    func testOneMonthAfterTheAnswerIsInTimeTheDayAfterIsNot() throws {
        let inTime = try SayOnTheAnswer.dispute(
            reason: reason, learnedOn: nil, answer: Self.answer, today: Self.day("2026-12-27"))
        XCTAssertEqual(inTime.lastDay, Self.day("2026-12-27"))
        XCTAssertEqual(inTime.reason, reason)
        XCTAssertThrowsError(
            try SayOnTheAnswer.dispute(
                reason: reason, learnedOn: nil, answer: Self.answer, today: Self.day("2026-12-28"))
        ) { error in
            let refusal = error as? SayOnTheAnswer.Refusal
            XCTAssertEqual(refusal?.code, DisputeRefusalCode.late.rawValue)
            XCTAssertEqual(refusal?.lastDay, Self.day("2026-12-27"))
            XCTAssertTrue(refusal?.messageUk.contains("2026-12-27") ?? false)
        }
    }

    func testALaterDayOfReceiptCountsAndAnEarlierOrFutureOneIsRefused() throws {
        let later = try SayOnTheAnswer.dispute(
            reason: reason, learnedOn: "2026-12-20", answer: Self.answer, today: Self.day("2027-01-15"))
        XCTAssertEqual(later.learnedOn, Self.day("2026-12-20"))
        XCTAssertEqual(later.lastDay, Self.day("2027-01-20"))
        for (learned, code) in [
            ("2026-11-26", "learned-on-invalid"), ("2027-01-16", "learned-on-invalid"), ("20.12.2026", "invalid_date"),
        ] {
            XCTAssertThrowsError(
                try SayOnTheAnswer.dispute(
                    reason: reason, learnedOn: learned, answer: Self.answer, today: Self.day("2027-01-15"))
            ) { error in
                XCTAssertEqual((error as? SayOnTheAnswer.Refusal)?.code, code, learned)
                XCTAssertEqual((error as? SayOnTheAnswer.Refusal)?.field, "learnedOn", learned)
            }
        }
    }

    func testTheWindowCountsCalendarMonthsAndTheYearLimit() {
        // 31 January + one month = 28 February (29 in a leap year).
        XCTAssertEqual(
            DisputeWindow.lastDay(answeredOn: Self.day("2027-01-31"), learnedOn: nil), Self.day("2027-02-28"))
        XCTAssertEqual(
            DisputeWindow.lastDay(answeredOn: Self.day("2028-01-31"), learnedOn: nil), Self.day("2028-02-29"))
        // Learned of it eleven and a half months later: still no more than a year after the answer.
        XCTAssertEqual(
            DisputeWindow.lastDay(answeredOn: Self.day("2026-11-27"), learnedOn: Self.day("2027-11-15")),
            Self.day("2027-11-27"))
    }
}
