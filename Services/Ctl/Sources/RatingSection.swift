import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb
import Logging

/// The console's reports page: residents' ratings of answers per authority for the same period
/// (`rating-table.mustache`), from audit's `GET /v1/reports/ratings`.
struct RatingSection: Encodable, Sendable {
    struct Row: Encodable, Sendable, Equatable {
        var key, name, count, average: String
        var distribution: [String]
    }

    var s: [String: String]
    var rows: [Row]
    var total: Row
    var empty: Bool
    var error: String?

    init(_ report: RatingJSON.Report, language: Language) {
        func row(_ f: RatingJSON.Figures, key: String, name: String) -> Row {
            Row(
                key: key, name: name, count: "\(f.count)", average: RatingText.average(f.average),
                distribution: f.distribution.map(String.init))
        }
        let strings = PageStrings.ratings.of(language)
        s = strings
        rows = report.authorities.map {
            row($0, key: $0.authority ?? "", name: (language == .en ? $0.nameEn : $0.nameUk) ?? $0.authority ?? "")
        }
        total = row(report.total, key: "", name: strings["total"] ?? "")
        empty = report.total.count == 0
    }

    init(error: String, language: Language) {
        s = PageStrings.ratings.of(language)
        rows = []
        total = Row(key: "", name: "", count: "0", average: "—", distribution: [])
        empty = false
        self.error = "\(s["unavailable"] ?? ""): \(error)"
    }

    /// The section for `period`; audit's failure is shown in the section, never fails the page.
    static func load(_ admin: AdminClient, period: ReportPeriod, language: Language, logger: Logger) async
        -> RatingSection
    {
        do {
            return RatingSection(try await admin.ratings(period), language: language)
        } catch {
            logger.warning("ratings unavailable", metadata: ["error": "\(error.redactedDescription)"])
            return RatingSection(error: "\(error.redactedDescription)", language: language)
        }
    }
}
