import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCore

/// The one place report figures are computed: pure arithmetic over `AppealFacts`, tested in memory
/// (ReportCalculatorTests) and end to end from real events (ReportIntegrationTests).
///
/// Rules (docs/REPORTS.md): an appeal counts in the period of its day of receipt; "answered" uses
/// its latest answer unless it was reopened after it; "on time" compares the Kyiv day of that
/// answer with the deadline in force; days to answer are calendar days from receipt; the 90th
/// percentile is the nearest-rank one; "open" and "overdue" are as of `asOf`.
public enum ReportCalculator {
    /// The figures of `facts` (all of them: filter first).
    public static func figures(_ facts: [AppealFacts], asOf: Date) -> ReportJSON.Figures {
        var f = ReportJSON.Figures()
        var days: [Int] = []
        for appeal in facts {
            f.received += 1
            if appeal.isRepeat { f.repeats += 1 }
            if appeal.isCollective { f.collective += 1 }
            if appeal.priority { f.priority += 1 }
            if appeal.extensions > 0 { f.extensions += 1 }
            if appeal.forwards > 0 { f.forwards += 1 }
            if appeal.reopenings > 0 { f.disputes += 1 }
            if appeal.returnedAt != nil {
                f.returned += 1
            } else if appeal.notConsideredAt != nil {
                f.notConsidered += 1
            }
            if appeal.isAnswered {
                f.answered += 1
                switch appeal.answeredOnTime {
                case true?: f.answeredOnTime += 1
                case false?: f.answeredLate += 1
                case nil: break
                }
                if let d = appeal.daysToAnswer { days.append(d) }
                switch appeal.outcome.flatMap(AnswerOutcome.init(rawValue:)) {
                case .resolvedPositively?: f.outcomes.resolvedPositively += 1
                case .refused?: f.outcomes.refused += 1
                case .explained?: f.outcomes.explained += 1
                case .other?, nil: f.outcomes.other += 1
                }
            }
            if appeal.isOpen {
                f.open += 1
                if appeal.isOverdue(at: asOf) { f.overdue += 1 }
            }
        }
        f.averageDaysToAnswer = average(days)
        f.p90DaysToAnswer = percentile(days, 0.9)
        return f
    }

    /// Mean, nil for no values.
    public static func average(_ values: [Int]) -> Double? {
        values.isEmpty ? nil : Double(values.reduce(0, +)) / Double(values.count)
    }

    /// Nearest-rank percentile: the smallest value with at least `p` of the values at or below it.
    public static func percentile(_ values: [Int], _ p: Double) -> Int? {
        NearestRank.percentile(ofSorted: values.sorted(), p)
    }

    /// The group key of an appeal under `dimension`; `none` when it has no value there.
    public static func key(_ appeal: AppealFacts, _ dimension: ReportJSON.Dimension) -> String {
        switch dimension {
        case .total: return "total"
        case .centre: return appeal.centre ?? "none"
        case .district: return appeal.district ?? "none"
        case .category: return appeal.category ?? "none"
        case .authority: return appeal.authority ?? "none"
        case .kind: return appeal.kind ?? "none"
        case .day: return appeal.receivedOn?.description ?? "none"
        case .arrival: return appeal.arrival ?? "none"
        }
    }

    /// The report on appeals received from `from` to `to` (both included), by `dimension`.
    /// `facts` may hold other days too: they are left out here.
    public static func report(
        _ facts: [AppealFacts], from: LocalDate, to: LocalDate, by dimension: ReportJSON.Dimension, asOf: Date,
        centreNames: [String: String] = [:]
    ) -> ReportJSON.Report {
        let inPeriod = facts.filter { appeal in
            guard let day = appeal.receivedOn else { return false }
            return day >= from && day <= to
        }
        var groups: [ReportJSON.Group] = []
        if dimension != .total {
            let grouped = Dictionary(grouping: inPeriod) { key($0, dimension) }
            groups = grouped.keys.sorted().map { key in
                let names = ReportNames.names(of: key, dimension, centreNames: centreNames)
                return ReportJSON.Group(
                    key: key, nameUk: names.uk, nameEn: names.en, figures: figures(grouped[key] ?? [], asOf: asOf))
            }
        }
        return ReportJSON.Report(
            from: from, to: to, asOf: asOf, by: dimension, total: figures(inPeriod, asOf: asOf), groups: groups)
    }
}

/// Display names of report keys from the reference data (codes stay the keys).
public enum ReportNames {
    public static func names(
        of key: String, _ dimension: ReportJSON.Dimension, centreNames: [String: String] = [:]
    ) -> (uk: String, en: String) {
        if key == "none" { return ("не зазначено", "not given") }
        switch dimension {
        case .district:
            if let d = Reference.district(code: key) { return (d.nameUk, d.nameEn) }
        case .category:
            if let c = Reference.category(code: key) { return (c.nameUk, c.nameEn) }
        case .authority:
            if let a = Reference.body(code: key) { return (a.nameUk, a.nameEn) }
        case .kind:
            switch AppealKind(rawValue: key) {
            case .proposal?: return ("пропозиція (зауваження)", "proposal (remark)")
            case .application?: return ("заява (клопотання)", "application (petition)")
            case .complaint?: return ("скарга", "complaint")
            case nil: break
            }
        case .centre:
            if let name = centreNames[key] { return (name, name) }
        case .arrival:
            switch key {
            case "centre":
                return (
                    "через центр обслуговування громадян",
                    "at a Citizen Service Centre"
                )
            case "personal-reception": return ("на особистому прийомі", "at a personal reception")
            case "post": return ("поштою (паперові)", "by post (paper)")
            case "electronic": return ("електронні", "electronic")
            default: break
            }
        case .total, .day: break
        }
        return (key, key)
    }
}
