import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb
import XCTest

@testable import Audit

/// The report arithmetic in memory: every figure of a small known set of appeals, the percentile,
/// the grouping, the period filter, open-data suppression and the CSV forms.
final class ReportCalculatorTests: XCTestCase {
    static func day(_ text: String) -> LocalDate { LocalDate(string: text)! }
    /// Noon in Kyiv on `text`.
    static func noon(_ text: String) -> Date { day(text).startOfDay(in: .kyiv).addingTimeInterval(12 * 3600) }

    /// Received 1 November; deadline 16 November unless said otherwise.
    static func appeal(
        _ n: Int, received: String = "2026-11-01", category: String = "heating", district: String? = "zavodskyi",
        kind: AppealKind = .application, deadline: String? = "2026-11-16", answered: String? = nil,
        outcome: AnswerOutcome = .explained, isRepeat: Bool = false, extensions: Int = 0, forwards: Int = 0,
        reopened: String? = nil, returned: String? = nil, notConsidered: String? = nil, centre: String? = "c1",
        authority: String = "zhkg", collective: Bool = false, priority: Bool = false
    ) -> AppealFacts {
        AppealFacts(
            appealId: UUID(), registrationNumber: "MK-2026-\(String(format: "%06d", n))",
            registeredAt: noon(received), receivedOn: day(received), kind: kind.rawValue, category: category,
            district: district, centre: centre, channel: "centre", isCollective: collective, isRepeat: isRepeat,
            priority: priority, authority: authority,
            deadline: deadline.map(day), extensions: extensions, forwards: forwards,
            reopenings: reopened == nil ? 0 : 1, answeredAt: answered.map(noon),
            outcome: answered == nil ? nil : outcome.rawValue, reopenedAt: reopened.map(noon),
            returnedAt: returned.map(noon), notConsideredAt: notConsidered.map(noon))
    }

    /// Ten appeals with known answers, as of 20 November.
    static let asOf = noon("2026-11-20")
    static let known: [AppealFacts] = [
        appeal(1, answered: "2026-11-05", outcome: .resolvedPositively),  // 4 days, on time
        appeal(2, answered: "2026-11-11", outcome: .explained, priority: true),  // 10 days, on time
        appeal(3, answered: "2026-11-16", outcome: .refused, collective: true),  // 15 days, on time (deadline day)
        appeal(4, answered: "2026-11-17", outcome: .explained),  // 16 days, late
        // 18 days, on time after the extension
        appeal(5, deadline: "2026-11-30", answered: "2026-11-19", outcome: .other, extensions: 1),
        appeal(6, category: "roads", deadline: "2026-12-01"),  // open, not overdue
        appeal(7, category: "roads", forwards: 1),  // open, overdue (16 < 20)
        appeal(8, answered: "2026-11-10", isRepeat: true, reopened: "2026-11-12"),  // reopened: open, overdue
        appeal(9, returned: "2026-11-03"),  // returned
        appeal(10, kind: .complaint, notConsidered: "2026-11-04", centre: nil),  // not considered
    ]

    func testEveryFigureOfAKnownSet() {
        let f = ReportCalculator.figures(Self.known, asOf: Self.asOf)
        XCTAssertEqual(f.received, 10)
        XCTAssertEqual(f.answered, 5)
        XCTAssertEqual(f.answeredOnTime, 4)
        XCTAssertEqual(f.answeredLate, 1)
        XCTAssertEqual(f.open, 3)
        XCTAssertEqual(f.overdue, 2)
        XCTAssertEqual(f.extensions, 1)
        XCTAssertEqual(f.forwards, 1)
        XCTAssertEqual(f.repeats, 1)
        XCTAssertEqual(f.returned, 1)
        XCTAssertEqual(f.notConsidered, 1)
        XCTAssertEqual(f.disputes, 1)
        XCTAssertEqual(f.collective, 1)
        XCTAssertEqual(f.priority, 1)
        XCTAssertEqual(f.averageDaysToAnswer!, (4 + 10 + 15 + 16 + 18) / 5.0, accuracy: 1e-9)
        XCTAssertEqual(f.p90DaysToAnswer, 18)
        XCTAssertEqual(f.outcomes, ReportJSON.Outcomes(resolvedPositively: 1, refused: 1, explained: 2, other: 1))
        XCTAssertEqual(f.onTimeShare!, 0.8, accuracy: 1e-9)
    }

    func testNearestRankPercentileAndAverage() {
        XCTAssertNil(ReportCalculator.percentile([], 0.9))
        XCTAssertNil(ReportCalculator.average([]))
        XCTAssertEqual(ReportCalculator.percentile([7], 0.9), 7)
        XCTAssertEqual(ReportCalculator.percentile(Array(1...10), 0.9), 9)
        XCTAssertEqual(ReportCalculator.percentile(Array(1...11), 0.9), 10)
        XCTAssertEqual(
            ReportCalculator.percentile([30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 0.9),
            18)
        XCTAssertEqual(ReportCalculator.average([1, 2]), 1.5)
    }

    func testOverdueStartsTheDayAfterTheDeadline() {
        let a = Self.appeal(1, deadline: "2026-11-16")
        XCTAssertFalse(a.isOverdue(at: Self.noon("2026-11-16")))
        XCTAssertFalse(a.isOverdue(at: Date(timeInterval: -1, since: Self.day("2026-11-17").startOfDay(in: .kyiv))))
        XCTAssertTrue(a.isOverdue(at: Self.day("2026-11-17").startOfDay(in: .kyiv)))
    }

    func testGroupsByCategoryAndCentre() {
        let report = ReportCalculator.report(
            Self.known, from: Self.day("2026-11-01"), to: Self.day("2026-11-30"), by: .category, asOf: Self.asOf)
        XCTAssertEqual(report.groups.map(\.key), ["heating", "roads"])
        XCTAssertEqual(report.groups[0].nameUk, "Теплопостачання")
        XCTAssertEqual(report.groups[0].figures.received, 8)
        XCTAssertEqual(report.groups[1].figures.received, 2)
        XCTAssertEqual(report.groups[1].figures.overdue, 1)
        XCTAssertEqual(report.groups[1].figures.forwards, 1)
        XCTAssertEqual(report.total.received, 10)

        let byCentre = ReportCalculator.report(
            Self.known, from: Self.day("2026-11-01"), to: Self.day("2026-11-30"), by: .centre, asOf: Self.asOf,
            centreNames: ["c1": "Бібліотека №1"])
        XCTAssertEqual(byCentre.groups.map(\.key), ["c1", "none"])
        XCTAssertEqual(byCentre.groups.map(\.nameUk), ["Бібліотека №1", "не зазначено"])
        XCTAssertEqual(byCentre.groups.map(\.figures.received), [9, 1])
    }

    func testThePeriodCountsByDayOfReceipt() {
        let facts = [
            Self.appeal(1, received: "2026-10-31"), Self.appeal(2, received: "2026-11-01"),
            Self.appeal(3, received: "2026-11-30"), Self.appeal(4, received: "2026-12-01"),
        ]
        let report = ReportCalculator.report(
            facts, from: Self.day("2026-11-01"), to: Self.day("2026-11-30"), by: .day, asOf: Self.asOf)
        XCTAssertEqual(report.total.received, 2)
        XCTAssertEqual(report.groups.map(\.key), ["2026-11-01", "2026-11-30"])
    }

    func testReportCSVHasAHeaderEveryGroupAndTheTotal() {
        let report = ReportCalculator.report(
            Self.known, from: Self.day("2026-11-01"), to: Self.day("2026-11-30"), by: .kind, asOf: Self.asOf)
        let lines = report.csv().components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 1 + 2 + 1)
        XCTAssertTrue(lines[0].hasPrefix("key,name_uk,name_en,received,answered,answered_on_time,answered_late,open"))
        XCTAssertEqual(
            lines[3], "total,Усього,Total,10,5,4,1,3,2,1,1,1,1,1,1,12.6,18,1,1,2,1,1,1")
        XCTAssertEqual(CSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(CSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSV.field("=SUM(A1)"), "'=SUM(A1)")
    }

    func testQueryParsingNamesTheField() throws {
        let today = Self.day("2026-11-20")
        let defaults = try ReportQuery.parse(from: nil, to: nil, by: nil, today: today)
        XCTAssertEqual(defaults, ReportQuery(from: Self.day("2026-11-01"), to: today, by: .total))
        for (from, to, by, field) in [
            ("2026-13-01", "2026-11-02", "kind", "from"), ("2026-11-05", "2026-11-01", "kind", "to"),
            ("2026-11-01", "2026-11-02", "colour", "by"), ("2020-01-01", "2026-11-02", "kind", "to"),
        ] {
            XCTAssertThrowsError(try ReportQuery.parse(from: from, to: to, by: by, today: today)) { error in
                XCTAssertEqual((error as? WebError)?.errors.compactMap(\.field), [field])
            }
        }
    }

    func testOpenDataSuppressesSmallCellsAndPublishesNoTotal() {
        var facts: [AppealFacts] = (1...6).map { Self.appeal($0, received: "2026-11-02", answered: "2026-11-05") }
        facts += (7...8).map { Self.appeal($0, received: "2026-11-02", category: "roads") }
        facts.append(Self.appeal(9, received: "2026-11-03"))
        let export = OpenDataExporter.export(
            facts, day: Self.day("2026-11-02"), threshold: 5, generatedAt: Self.asOf)
        XCTAssertEqual(export.cells.count, 2)
        XCTAssertEqual(export.suppressedCells, 1)
        let heating = export.cells.first { $0.category == "heating" }!
        XCTAssertEqual(heating.received, 6)
        XCTAssertEqual(heating.answered, 6)
        XCTAssertEqual(heating.answeredOnTime, 6)
        XCTAssertEqual(heating.kindApplication, 6)
        let roads = export.cells.first { $0.category == "roads" }!
        XCTAssertTrue(roads.suppressed)
        XCTAssertNil(roads.received)
        XCTAssertNil(roads.open)
        let csv = export.csv()
        XCTAssertTrue(csv.contains("2026-11-02,zavodskyi,roads,1,,,,,,,\r\n"), csv)
        XCTAssertTrue(csv.contains("2026-11-02,zavodskyi,heating,0,6,0,6,0,6,6,0\r\n"), csv)
    }
}
