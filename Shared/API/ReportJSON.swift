// HromadaAPI — audit's reports and open data (port 8083): `GET /v1/reports/appeals`,
// `GET /v1/open-data/{day}`. The CSV forms are written here too, so that audit's HTTP answer,
// `hromadactl report` and the console's download are the same bytes.
public import Foundation
public import HromadaContracts

public enum ReportJSON {
    /// What a report is broken down by. `total` gives only the totals; `day` one row per day of
    /// receipt (the charts' time series).
    public enum Dimension: String, Codable, Sendable, CaseIterable {
        case total, centre, district, category, authority, kind, day
        /// How the appeal arrived (Resolution 858): `centre`, `personal-reception`, `post`, `electronic`.
        case arrival
    }

    /// Answers by outcome code (the registration card's: resolved positively, refused, explained,
    /// other), counting each answered appeal's latest answer.
    public struct Outcomes: Codable, Sendable, Equatable {
        public var resolvedPositively: Int
        public var refused: Int
        public var explained: Int
        public var other: Int

        public init(resolvedPositively: Int = 0, refused: Int = 0, explained: Int = 0, other: Int = 0) {
            self.resolvedPositively = resolvedPositively
            self.refused = refused
            self.explained = explained
            self.other = other
        }
    }

    /// The figures of one group (or of the whole period). Counts are of appeals received in the
    /// period; "open" and "overdue" are as of the report's `asOf` instant.
    public struct Figures: Codable, Sendable, Equatable {
        /// Appeals received (registered; terms counted from the day of receipt).
        public var received: Int
        /// Answered by `asOf` (an answer on an appeal reopened since counts as open again).
        public var answered: Int
        /// Answered on or before the deadline in force (after any extension).
        public var answeredOnTime: Int
        /// Answered after it.
        public var answeredLate: Int
        /// Neither answered, nor returned (Art. 5), nor left unconsidered (Art. 8).
        public var open: Int
        /// Open with the deadline passed.
        public var overdue: Int
        /// Appeals whose term was extended (Art. 20) at least once.
        public var extensions: Int
        /// Appeals forwarded to another body (Art. 7) at least once.
        public var forwards: Int
        /// Repeat appeals (Resolution 858: повторне).
        public var repeats: Int
        /// Returned to the author as defective (Art. 5).
        public var returned: Int
        /// Not considered (Art. 8).
        public var notConsidered: Int
        /// Answers the resident disputed (the ticket reopened).
        public var disputes: Int
        /// Collective appeals (Resolution 858: колективне).
        public var collective: Int
        /// Appeals of holders of legal benefits, handled first (Art. 20).
        public var priority: Int
        /// Calendar days from receipt to answer: mean over answered appeals; nil when none.
        public var averageDaysToAnswer: Double?
        /// The 90th percentile (nearest rank) of the same; nil when none.
        public var p90DaysToAnswer: Int?
        public var outcomes: Outcomes

        public init(
            received: Int = 0, answered: Int = 0, answeredOnTime: Int = 0, answeredLate: Int = 0, open: Int = 0,
            overdue: Int = 0, extensions: Int = 0, forwards: Int = 0, repeats: Int = 0, returned: Int = 0,
            notConsidered: Int = 0, disputes: Int = 0, collective: Int = 0, priority: Int = 0,
            averageDaysToAnswer: Double? = nil,
            p90DaysToAnswer: Int? = nil, outcomes: Outcomes = Outcomes()
        ) {
            self.received = received
            self.answered = answered
            self.answeredOnTime = answeredOnTime
            self.answeredLate = answeredLate
            self.open = open
            self.overdue = overdue
            self.extensions = extensions
            self.forwards = forwards
            self.repeats = repeats
            self.returned = returned
            self.notConsidered = notConsidered
            self.disputes = disputes
            self.collective = collective
            self.priority = priority
            self.averageDaysToAnswer = averageDaysToAnswer
            self.p90DaysToAnswer = p90DaysToAnswer
            self.outcomes = outcomes
        }

        /// Share of answers given on time, 0…1; nil when nothing was answered.
        public var onTimeShare: Double? { answered == 0 ? nil : Double(answeredOnTime) / Double(answered) }
    }

    /// One row: a centre, a district, a category, an authority, a kind or a day.
    public struct Group: Codable, Sendable, Equatable {
        /// The code (`zhkg`, `heating`, a centre id, `2026-11-03`); `none` when the appeal has none
        /// (no district given, not made at a centre).
        public var key: String
        public var nameUk: String
        public var nameEn: String
        public var figures: Figures

        public init(key: String, nameUk: String, nameEn: String, figures: Figures) {
            self.key = key
            self.nameUk = nameUk
            self.nameEn = nameEn
            self.figures = figures
        }
    }

    /// `GET /v1/reports/appeals?from=YYYY-MM-DD&to=YYYY-MM-DD&by=<dimension>`.
    public struct Report: Codable, Sendable, Equatable {
        /// First and last day of receipt (Kyiv calendar days, both included).
        public var from: LocalDate
        public var to: LocalDate
        /// The instant "open" and "overdue" refer to.
        public var asOf: Date
        public var by: Dimension
        public var total: Figures
        /// Ordered by key (days in order; codes alphabetically).
        public var groups: [Group]

        public init(from: LocalDate, to: LocalDate, asOf: Date, by: Dimension, total: Figures, groups: [Group]) {
            self.from = from
            self.to = to
            self.asOf = asOf
            self.by = by
            self.total = total
            self.groups = groups
        }

        /// The CSV form: a header, one line per group and a last `total` line; numbers in C locale,
        /// the average with one decimal, empty cells for "none".
        public func csv() -> String {
            var lines = [(["key", "name_uk", "name_en"] + Figures.csvHeader).joined(separator: ",")]
            for group in groups {
                lines.append(
                    ([group.key, group.nameUk, group.nameEn].map(CSV.field) + group.figures.csvCells)
                        .joined(separator: ","))
            }
            lines.append((["total", "Усього", "Total"] + total.csvCells).joined(separator: ","))
            return lines.joined(separator: "\r\n") + "\r\n"
        }
    }

    // MARK: Open data

    /// One cell of the daily open-data export: a district × category on the day of receipt.
    /// A cell with fewer appeals than the threshold is published with `suppressed: true` and no
    /// numbers, so that no resident of a small cell can be singled out.
    public struct OpenDataCell: Codable, Sendable, Equatable {
        public var district: String
        public var category: String
        public var suppressed: Bool
        public var received: Int?
        public var kindProposal: Int?
        public var kindApplication: Int?
        public var kindComplaint: Int?
        public var answered: Int?
        public var answeredOnTime: Int?
        public var open: Int?

        public init(
            district: String, category: String, suppressed: Bool, received: Int? = nil, kindProposal: Int? = nil,
            kindApplication: Int? = nil, kindComplaint: Int? = nil, answered: Int? = nil, answeredOnTime: Int? = nil,
            open: Int? = nil
        ) {
            self.district = district
            self.category = category
            self.suppressed = suppressed
            self.received = received
            self.kindProposal = kindProposal
            self.kindApplication = kindApplication
            self.kindComplaint = kindComplaint
            self.answered = answered
            self.answeredOnTime = answeredOnTime
            self.open = open
        }

        private enum CodingKeys: String, CodingKey {
            case district, category, suppressed, received, kindProposal, kindApplication, kindComplaint, answered
            case answeredOnTime, open
        }

        /// Suppressed numbers are written as explicit nulls, so every record has the same fields.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(district, forKey: .district)
            try c.encode(category, forKey: .category)
            try c.encode(suppressed, forKey: .suppressed)
            try c.encode(received, forKey: .received)
            try c.encode(kindProposal, forKey: .kindProposal)
            try c.encode(kindApplication, forKey: .kindApplication)
            try c.encode(kindComplaint, forKey: .kindComplaint)
            try c.encode(answered, forKey: .answered)
            try c.encode(answeredOnTime, forKey: .answeredOnTime)
            try c.encode(open, forKey: .open)
        }
    }

    /// `GET /v1/open-data/{day}` (`.json` or `.csv`): docs/OPEN-DATA.md describes every field.
    public struct OpenDataDay: Codable, Sendable, Equatable {
        public var day: LocalDate
        /// When the export was made ("answered" and "open" are as of then).
        public var generatedAt: Date
        /// Cells with fewer appeals than this are suppressed.
        public var threshold: Int
        /// Cells suppressed (their numbers are not published, nor any total they could be
        /// recovered from).
        public var suppressedCells: Int
        public var cells: [OpenDataCell]

        public init(day: LocalDate, generatedAt: Date, threshold: Int, suppressedCells: Int, cells: [OpenDataCell]) {
            self.day = day
            self.generatedAt = generatedAt
            self.threshold = threshold
            self.suppressedCells = suppressedCells
            self.cells = cells
        }

        public static let csvHeader = [
            "day", "district", "category", "suppressed", "received", "kind_proposal", "kind_application",
            "kind_complaint", "answered", "answered_on_time", "open",
        ]

        public func csv() -> String {
            var lines = [Self.csvHeader.joined(separator: ",")]
            for cell in cells {
                let numbers = [
                    cell.received, cell.kindProposal, cell.kindApplication, cell.kindComplaint, cell.answered,
                    cell.answeredOnTime, cell.open,
                ].map { $0.map(String.init) ?? "" }
                lines.append(
                    ([day.description, CSV.field(cell.district), CSV.field(cell.category), cell.suppressed ? "1" : "0"]
                        + numbers).joined(separator: ","))
            }
            return lines.joined(separator: "\r\n") + "\r\n"
        }
    }
}

extension ReportJSON.Figures {
    public static let csvHeader = [
        "received", "answered", "answered_on_time", "answered_late", "open", "overdue", "extensions", "forwards",
        "repeats", "returned", "not_considered", "disputes", "average_days_to_answer", "p90_days_to_answer",
        "outcome_resolved_positively", "outcome_refused", "outcome_explained", "outcome_other", "collective",
        "priority",
    ]

    var csvCells: [String] {
        [
            received, answered, answeredOnTime, answeredLate, open, overdue, extensions, forwards, repeats, returned,
            notConsidered, disputes,
        ].map(String.init)
            + [averageDaysToAnswer.map { String(format: "%.1f", $0) } ?? "", p90DaysToAnswer.map(String.init) ?? ""]
            + [outcomes.resolvedPositively, outcomes.refused, outcomes.explained, outcomes.other, collective, priority]
            .map(String.init)
    }
}

/// RFC 4180 fields: quoted when they hold a comma, a quote or a line break; a leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so that a spreadsheet never runs a cell as a formula.
public enum CSV {
    public static func field(_ value: String) -> String {
        var text = value
        if let first = text.first, "=+-@".contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
