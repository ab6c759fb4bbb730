import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb
import XCTest

@testable import HromadaCtl

/// Residents' ratings of answers per authority (issue 15) as `hromadactl report ratings` prints them
/// and the console's reports page shows them; audit's figures themselves are checked end to end in
/// SecurityTests.SayIntegrationTests. In memory.
final class RatingReportTests: XCTestCase {
    static let report = RatingJSON.Report(
        from: LocalDate(string: "2026-11-01")!, to: LocalDate(string: "2026-11-30")!, asOf: Date(),
        authorities: [
            RatingJSON.Figures.of([4, 2, 5, 5], authority: "zhkg"),
            RatingJSON.Figures.of([1], authority: "transport"),
        ],
        total: RatingJSON.Figures.of([4, 2, 5, 5, 1], authority: nil))

    func testFiguresCountAverageAndDistribution() {
        let zhkg = Self.report.authorities[0]
        XCTAssertEqual(zhkg.count, 4)
        XCTAssertEqual(zhkg.average, 4.0)
        XCTAssertEqual(zhkg.distribution, [0, 1, 0, 1, 2])
        XCTAssertEqual(zhkg.nameUk, Reference.body(code: "zhkg")?.nameUk)
        let odd = RatingJSON.Figures.of([1, 2, 2], authority: "zhkg")
        XCTAssertEqual(odd.average, 1.67, "rounded to two places")
        let none = RatingJSON.Figures.of([], authority: "zhkg")
        XCTAssertNil(none.average)
        XCTAssertEqual(none.distribution, [0, 0, 0, 0, 0])
        XCTAssertEqual(RatingJSON.Figures.of([0, 6, 3], authority: nil).count, 1, "values outside 1–5 are ignored")
    }

    func testTheReportRoundTripsAsJSON() throws {
        let data = try APICoding.encoder().encode(Self.report)
        let decoded = try APICoding.decoder().decode(RatingJSON.Report.self, from: data)
        XCTAssertEqual(decoded.authorities, Self.report.authorities)
        XCTAssertEqual(decoded.total, Self.report.total)
    }

    func testTheTerminalTableAndTheConsoleSection() {
        let text = RatingText.render(Self.report)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, text)
        XCTAssertTrue(lines[2].hasPrefix("zhkg"), text)
        XCTAssertTrue(lines[2].contains("4.00"), text)
        XCTAssertTrue(lines[4].hasPrefix("total"), text)
        XCTAssertTrue(lines[4].contains("3.40"), text)

        let section = RatingSection(Self.report, language: .uk)
        XCTAssertEqual(section.rows.map(\.key), ["zhkg", "transport"])
        XCTAssertEqual(section.rows[0].distribution, ["0", "1", "0", "1", "2"])
        XCTAssertEqual(section.total.count, "5")
        XCTAssertFalse(section.empty)
        XCTAssertNil(section.error)
        let failed = RatingSection(error: "audit_unavailable", language: .en)
        XCTAssertEqual(failed.error, "Ratings unavailable: audit_unavailable")
    }
}
