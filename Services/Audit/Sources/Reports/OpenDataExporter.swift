import Foundation
import HromadaAPI
import HromadaContracts

/// The daily open-data export: the appeals received on one Kyiv day, counted per district ×
/// category. Only counts leave; no number, date finer than the day, centre or text. A cell with
/// fewer appeals than `threshold` is published as suppressed with no numbers, and no day total is
/// published (it would give back a suppressed cell by subtraction).
public enum OpenDataExporter {
    public static let defaultThreshold = 5

    public static func export(
        _ facts: [AppealFacts], day: LocalDate, threshold: Int, generatedAt: Date
    ) -> ReportJSON.OpenDataDay {
        let ofDay = facts.filter { $0.receivedOn == day }
        struct Cell: Hashable { var district, category: String }
        let grouped = Dictionary(grouping: ofDay) {
            Cell(district: $0.district ?? "none", category: $0.category ?? "none")
        }
        var suppressed = 0
        let cells = grouped.keys.sorted { ($0.district, $0.category) < ($1.district, $1.category) }.map { key in
            let appeals = grouped[key] ?? []
            guard appeals.count >= threshold else {
                suppressed += 1
                return ReportJSON.OpenDataCell(district: key.district, category: key.category, suppressed: true)
            }
            let figures = ReportCalculator.figures(appeals, asOf: generatedAt)
            func kind(_ k: AppealKind) -> Int { appeals.filter { $0.kind == k.rawValue }.count }
            return ReportJSON.OpenDataCell(
                district: key.district, category: key.category, suppressed: false, received: appeals.count,
                kindProposal: kind(.proposal), kindApplication: kind(.application), kindComplaint: kind(.complaint),
                answered: figures.answered, answeredOnTime: figures.answeredOnTime, open: figures.open)
        }
        return ReportJSON.OpenDataDay(
            day: day, generatedAt: generatedAt, threshold: threshold, suppressedCells: suppressed, cells: cells)
    }
}
