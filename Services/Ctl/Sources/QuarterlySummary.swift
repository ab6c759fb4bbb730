import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb

/// The quarterly summary the council submits: the analysis of work with residents' appeals
/// (docs/REPORTS.md names what the law and its instructions require and where), in Ukrainian, made
/// from audit's reports for the quarter and the one before it.
public struct QuarterlySummary: Sendable {
    public var year: Int
    public var quarter: Int
    public var period: ReportPeriod
    public var total: ReportJSON.Report
    public var previous: ReportJSON.Figures?
    public var byKind: [ReportJSON.Group]
    public var byCategory: [ReportJSON.Group]
    public var byDistrict: [ReportJSON.Group]
    public var byAuthority: [ReportJSON.Group]
    public var byCentre: [ReportJSON.Group]
    /// How the appeals arrived (Resolution 858).
    public var byArrival: [ReportJSON.Group] = []

    /// The reports it is made of, read from audit.
    public static func load(year: Int, quarter: Int, from admin: AdminClient) async throws -> QuarterlySummary {
        guard let period = ReportPeriod.quarter(quarter, of: year) else {
            throw CtlError(.configuration, "quarter must be 1–4")
        }
        let total = try await admin.report(period, by: .total)
        var previous: ReportJSON.Figures?
        if let before = period.previousQuarter() { previous = try await admin.report(before, by: .total).total }
        return QuarterlySummary(
            year: year, quarter: quarter, period: period, total: total, previous: previous,
            byKind: try await admin.report(period, by: .kind).groups,
            byCategory: try await admin.report(period, by: .category).groups,
            byDistrict: try await admin.report(period, by: .district).groups,
            byAuthority: try await admin.report(period, by: .authority).groups,
            byCentre: try await admin.report(period, by: .centre).groups,
            byArrival: try await admin.report(period, by: .arrival).groups)
    }

    /// "I квартал 2026 року".
    public var title: String {
        let roman = ["I", "II", "III", "IV"][quarter - 1]
        return "\(roman) квартал \(year) року"
    }

    /// The conclusions: what rose or fell, the most frequent questions, where terms were broken.
    public var conclusions: [String] {
        var lines: [String] = []
        let f = total.total
        if let previous {
            let change = f.received - previous.received
            let direction =
                switch change {
                case 1...: "збільшилася на \(change)"
                case ..<0: "зменшилася на \(-change)"
                default: "не змінилася"
                }
            let counts = "(\(previous.received) → \(f.received))"
            lines.append(
                "Порівняно з попереднім кварталом "
                    + "кількість звернень \(direction) \(counts).")
        }
        let top = byCategory.sorted { ($0.figures.received, $1.key) > ($1.figures.received, $0.key) }.prefix(3)
        if !top.isEmpty {
            lines.append(
                "Найбільше звернень стосувалися таких питань: "
                    + top.map { "\($0.nameUk.lowercased()) (\($0.figures.received))" }.joined(separator: ", ") + ".")
        }
        if let share = f.onTimeShare {
            let percent = String(format: "%.0f%%", share * 100)
            lines.append(
                "Вчасно розглянуто \(percent) звернень, "
                    + "на які надано відповідь.")
        }
        let late = byAuthority.filter { $0.figures.answeredLate + $0.figures.overdue > 0 }
            .sorted { $0.figures.answeredLate + $0.figures.overdue > $1.figures.answeredLate + $1.figures.overdue }
        if !late.isEmpty {
            lines.append(
                "Порушення строків розгляду (ст. 20 Закону) допущено: "
                    + late.prefix(5).map {
                        let f = $0.figures
                        return "\($0.nameUk) — \(f.answeredLate) з порушенням строку, "
                            + "\(f.overdue) прострочено"
                    }.joined(separator: "; ") + ".")
        } else if f.received > 0 {
            lines.append(
                "Порушень строків розгляду (ст. 20 Закону) не виявлено.")
        }
        if f.repeats > 0 {
            lines.append(
                "Надійшло \(f.repeats) повторних звернень: "
                    + "причини їх появи слід проаналізувати "
                    + "з органами-виконавцями.")
        }
        if f.received == 0 {
            lines.append("У звітному кварталі звернень не надходило.")
        }
        return lines
    }
}

/// The quarterly summary's page model (template `quarterly`), every number formatted.
struct QuarterlyView: Encodable, Sendable {
    struct Line: Encodable, Sendable {
        var label: String
        var value: String
    }
    struct Table: Encodable, Sendable {
        var title: String
        var rows: [FigureRow]
        var hasRows: Bool
    }

    var title: String
    var periodText: String
    var generated: String
    var inlineStyle: String?
    var received: [Line]
    var results: [Line]
    var terms: [Line]
    var tables: [Table]
    var conclusions: [String]

    init(_ summary: QuarterlySummary, inlineStyle: String?) {
        let f = summary.total.total
        title =
            "Інформація про стан роботи зі зверненнями громадян "
            + "за \(summary.title)"
        periodText = "з \(Self.date(summary.period.from)) по \(Self.date(summary.period.to))"
        generated = PeopleDates.minute(summary.total.asOf, .uk)
        self.inlineStyle = inlineStyle
        func line(_ label: String, _ value: Int) -> Line { Line(label: label, value: String(value)) }
        received = [line("Надійшло звернень, усього", f.received)]
        if let previous = summary.previous {
            received.append(line("у попередньому кварталі", previous.received))
        }
        received += [
            line("з них повторних", f.repeats),
            line("колективних", f.collective),
            line(
                "від осіб, що мають пільги "
                    + "(розглядаються першочергово, ст. 20)",
                f.priority),
            line("надіслано за належністю (ст. 7 Закону)", f.forwards),
        ]
        for group in summary.byKind { received.append(line("вид: \(group.nameUk)", group.figures.received)) }
        for group in summary.byArrival where group.key != "none" {
            received.append(line("надійшло \(group.nameUk)", group.figures.received))
        }
        results = [
            line("Розглянуто (надано відповідь)", f.answered),
            line("вирішено позитивно", f.outcomes.resolvedPositively),
            line("відмовлено в задоволенні", f.outcomes.refused),
            line("розʼяснено", f.outcomes.explained),
            line("інше", f.outcomes.other),
            line("повернуто автору (ст. 5 Закону)", f.returned),
            line("залишено без розгляду (ст. 8 Закону)", f.notConsidered),
            line("перебувають на розгляді", f.open),
            line("оскаржено відповідей", f.disputes),
        ]
        terms = [
            line("Розглянуто у встановлений строк", f.answeredOnTime),
            line("Розглянуто з порушенням строку", f.answeredLate),
            line("Строк розгляду продовжено (до 45 днів)", f.extensions),
            line("Прострочено на дату звіту", f.overdue),
            Line(
                label: "Середній строк розгляду, днів",
                value: f.averageDaysToAnswer.map { String(format: "%.1f", $0) } ?? "—"),
            Line(
                label: "90% звернень розглянуто за, днів",
                value: f.p90DaysToAnswer.map(String.init) ?? "—"),
        ]
        func table(_ title: String, _ groups: [ReportJSON.Group]) -> Table {
            let rows = groups.map { FigureRow(key: $0.key, name: $0.nameUk, $0.figures) }
            return Table(title: title, rows: rows, hasRows: !rows.isEmpty)
        }
        tables = [
            table("За тематикою (класифікатор звернень)", summary.byCategory),
            table("За районами міста", summary.byDistrict),
            table("За органами-виконавцями", summary.byAuthority),
            table(
                "За центрами обслуговування громадян (бібліотеки)",
                summary.byCentre),
        ]
        conclusions = summary.conclusions
    }

    /// `01.10.2026`.
    static func date(_ day: LocalDate) -> String {
        PeopleDates.day(day, .uk)
    }
}
