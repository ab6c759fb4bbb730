import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb

/// One row of figures, formatted for display.
struct FigureRow: Encodable, Sendable, Equatable {
    var key, name: String
    var received, answered, onTime, late, open, overdue, extensions, forwards, repeats, returned: Int
    var notConsidered, disputes, positive, refused, explained, other: Int
    var averageDays, p90Days, onTimeShare: String
    var hasOverdue: Bool

    init(key: String, name: String, _ f: ReportJSON.Figures) {
        self.key = key
        self.name = name
        received = f.received
        answered = f.answered
        onTime = f.answeredOnTime
        late = f.answeredLate
        open = f.open
        overdue = f.overdue
        extensions = f.extensions
        forwards = f.forwards
        repeats = f.repeats
        returned = f.returned
        notConsidered = f.notConsidered
        disputes = f.disputes
        positive = f.outcomes.resolvedPositively
        refused = f.outcomes.refused
        explained = f.outcomes.explained
        other = f.outcomes.other
        averageDays = f.averageDaysToAnswer.map { String(format: "%.1f", $0) } ?? "—"
        p90Days = f.p90DaysToAnswer.map(String.init) ?? "—"
        onTimeShare = f.onTimeShare.map { String(format: "%.0f%%", $0 * 100) } ?? "—"
        hasOverdue = f.overdue > 0
    }
}

/// A chart for `reports.js`: labels and series as JSON in data attributes (no inline script).
struct ChartData: Encodable, Sendable {
    var kind: String
    var labels: String
    var series: String

    struct Series: Encodable {
        var label: String
        var values: [Int]
    }

    init(kind: String, labels: [String], series: [Series]) {
        self.kind = kind
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.labels = String(decoding: (try? encoder.encode(labels)) ?? Data("[]".utf8), as: UTF8.self)
        self.series = String(decoding: (try? encoder.encode(series)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

/// The model of the reports page and of its printable version.
struct ReportPageView: Encodable, Sendable {
    struct Option: Encodable, Sendable {
        var value, label: String
        var selected: Bool
    }

    var s: [String: String]
    var csrf: String
    var from, to, by: String
    /// The period as people read it (`from`/`to` stay ISO for the date inputs and links).
    var fromText = "", toText = ""
    var query: String
    var otherLangQuery: String
    var dimensions: [Option]
    var error: String?
    var asOf: String
    var total: FigureRow?
    var groups: [FigureRow]
    var hasGroups: Bool
    var groupsTitle: String
    var dayChart: ChartData?
    var groupChart: ChartData?
    var outcomeChart: ChartData?
    var chartScript: String?
    var reportsScript: String
    var quarterYear: Int
    var quarterNumber: Int
    var openDataDay: String
    var openDataDayText = ""
    /// Residents' ratings of answers per authority (RatingSection.swift).
    var ratings: RatingSection?

    init(
        period: ReportPeriod, by dimension: ReportJSON.Dimension, report: ReportJSON.Report?,
        days: ReportJSON.Report?, error: String?, language: Language, csrf: String, chartScript: String?,
        reportsScript: String
    ) {
        let s = PageStrings.reports.of(language)
        self.s = s
        self.csrf = csrf
        from = period.from.description
        to = period.to.description
        by = dimension.rawValue
        query = "from=\(period.from)&to=\(period.to)&by=\(dimension.rawValue)&lang=\(language.rawValue)"
        otherLangQuery = "from=\(period.from)&to=\(period.to)&by=\(dimension.rawValue)&lang=\(language.other.rawValue)"
        dimensions = ReportJSON.Dimension.allCases.map {
            Option(value: $0.rawValue, label: s["dim.\($0.rawValue)"] ?? $0.rawValue, selected: $0 == dimension)
        }
        self.error = error
        self.chartScript = chartScript
        self.reportsScript = reportsScript
        asOf = report.map { PeopleDates.minute($0.asOf, language) } ?? ""
        fromText = PeopleDates.day(period.from, language)
        toText = PeopleDates.day(period.to, language)
        total = report.map { FigureRow(key: "total", name: language == .en ? "Total" : "Усього", $0.total) }
        groups = (report?.groups ?? []).map {
            FigureRow(key: $0.key, name: language == .en ? $0.nameEn : $0.nameUk, $0.figures)
        }
        hasGroups = !groups.isEmpty
        groupsTitle = "\(s["groups"] ?? ""): \(s["dim.\(dimension.rawValue)"] ?? "")"
        if let days, !days.groups.isEmpty {
            dayChart = ChartData(
                kind: "line", labels: days.groups.map { PeopleDates.day($0.key, language) },
                series: [
                    .init(label: s["received"] ?? "", values: days.groups.map(\.figures.received)),
                    .init(label: s["answered"] ?? "", values: days.groups.map(\.figures.answered)),
                ])
        }
        if hasGroups {
            groupChart = ChartData(
                kind: "bar", labels: groups.map(\.name),
                series: [
                    .init(label: s["onTime"] ?? "", values: groups.map(\.onTime)),
                    .init(label: s["late"] ?? "", values: groups.map(\.late)),
                    .init(label: s["open"] ?? "", values: groups.map(\.open)),
                ])
        }
        if let total {
            outcomeChart = ChartData(
                kind: "doughnut",
                labels: ["positive", "refused", "explained", "other", "returned", "notConsidered"].map { s[$0] ?? $0 },
                series: [
                    .init(
                        label: s["outcomes"] ?? "",
                        values: [
                            total.positive, total.refused, total.explained, total.other, total.returned,
                            total.notConsidered,
                        ])
                ])
        }
        let quarter = ReportPeriod.quarterContaining(period.to)
        quarterYear = quarter.year
        quarterNumber = quarter.quarter
        openDataDay = period.to.description
        openDataDayText = PeopleDates.day(period.to, language)
    }
}

extension ReportPeriod {
    /// The year and quarter (1…4) a day falls in.
    static func quarterContaining(_ day: LocalDate) -> (year: Int, quarter: Int) {
        (day.year, (day.month - 1) / 3 + 1)
    }
}
