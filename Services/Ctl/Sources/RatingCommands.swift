import ArgumentParser
import Foundation
import HromadaAPI
import HromadaContracts

/// Residents' ratings of answers per authority (issue 15), from audit's `GET /v1/reports/ratings`.
extension AdminClient {
    public func ratings(_ period: ReportPeriod) async throws -> RatingJSON.Report {
        try await call(
            "GET", "audit", "/v1/reports/ratings?from=\(period.from)&to=\(period.to)", as: RatingJSON.Report.self)
    }
}

extension HromadactlCommand.Report {
    public struct Ratings: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Residents' ratings of answers (1–5) per authority: count, average, distribution.")
        @OptionGroup public var options: CommonOptions
        @Option(name: .long, help: "First day of rating, YYYY-MM-DD (default: the 1st of this month).")
        public var from: String?
        @Option(name: .long, help: "Last day, YYYY-MM-DD (default: today).") public var to: String?
        public init() {}

        public func run() async throws {
            let period = try await guarded { try ReportPeriod.parse(from: from, to: to) }
            try await options.administer({ try await $0.ratings(period) }, text: RatingText.render)
        }
    }
}

/// The ratings as a plain table for the terminal.
enum RatingText {
    static func render(_ report: RatingJSON.Report) -> String {
        var lines = ["Ratings of answers \(report.from) – \(report.to) (1 = poor … 5 = excellent)"]
        lines.append(row("authority", "count", "average", ["1", "2", "3", "4", "5"]))
        for figures in report.authorities + [report.total] {
            lines.append(
                row(
                    figures.authority ?? "total", "\(figures.count)", average(figures.average),
                    figures.distribution.map(String.init)))
        }
        return lines.joined(separator: "\n")
    }

    static func average(_ value: Double?) -> String {
        value.map { String(format: "%.2f", $0) } ?? "—"
    }

    static func row(_ name: String, _ count: String, _ average: String, _ distribution: [String]) -> String {
        func pad(_ s: String, _ width: Int) -> String {
            s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
        }
        return pad(name, 24) + pad(count, 7) + pad(average, 9) + distribution.map { pad($0, 5) }.joined()
    }
}
