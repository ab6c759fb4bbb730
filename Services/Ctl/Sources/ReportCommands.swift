import ArgumentParser
import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb

// MARK: report, open-data

extension HromadactlCommand {
    public struct Report: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Reports on appeals from audit: figures for a period, the quarterly summary.",
            subcommands: [Appeals.self, Quarterly.self, Ratings.self])
        public init() {}

        public struct Appeals: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Received, answered on time and late, open, overdue, … for a period, by a breakdown.")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "First day of receipt, YYYY-MM-DD (default: the 1st of this month).")
            public var from: String?
            @Option(name: .long, help: "Last day, YYYY-MM-DD (default: today).") public var to: String?
            @Option(name: .long, help: "total, centre, district, category, authority, kind or day.")
            public var by: String = "category"
            @Flag(name: .long, help: "Print audit's CSV.") public var csv = false
            public init() {}

            public func run() async throws {
                let (period, dimension) = try await guarded {
                    let period = try ReportPeriod.parse(from: from, to: to)
                    guard let dimension = ReportJSON.Dimension(rawValue: by) else {
                        throw CtlError(
                            .configuration,
                            "--by must be one of "
                                + ReportJSON.Dimension.allCases.map(\.rawValue).joined(separator: ", "))
                    }
                    return (period, dimension)
                }
                if csv {
                    try await guarded {
                        let admin = AdminClient(endpoints: try options.endpoints())
                        FileHandle.standardOutput.write(try await admin.reportCSV(period, by: dimension))
                    }
                    return
                }
                try await options.administer({ try await $0.report(period, by: dimension) }, text: ReportText.render)
            }
        }

        public struct Quarterly: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "The quarterly summary on work with appeals, in Ukrainian, as a printable HTML file.")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "Year (default: this year).") public var year: Int?
            @Option(name: .long, help: "Quarter 1–4 (default: this quarter).") public var quarter: Int?
            @Option(name: .long, help: "Output file (default: standard output).") public var output: String?
            public init() {}

            public func run() async throws {
                try await guarded {
                    let today = LocalDate.today()
                    let admin = AdminClient(endpoints: try options.endpoints())
                    let summary = try await QuarterlySummary.load(
                        year: year ?? today.year, quarter: quarter ?? ((today.month - 1) / 3 + 1), from: admin)
                    let html = try QuarterlyDocument.html(summary)
                    if let output {
                        guard FileManager.default.createFile(atPath: output, contents: Data(html.utf8)) else {
                            throw CtlError(.configuration, "cannot write \(output)")
                        }
                        FileHandle.standardError.write(Data("wrote \(summary.title) to \(output)\n".utf8))
                    } else {
                        print(html)
                    }
                }
            }
        }
    }

    public struct OpenData: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "open-data", abstract: "The anonymised open-data export (docs/OPEN-DATA.md).",
            subcommands: [Export.self])
        public init() {}

        public struct Export: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Write one day's export as CSV and JSON files (small cells suppressed by audit).")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "The day of receipt, YYYY-MM-DD (default: yesterday in Kyiv).")
            public var day: String?
            @Option(name: .long, help: "Folder to write hromada-appeals-<day>.{csv,json} into.")
            public var outputDir: String = "."
            public init() {}

            public func run() async throws {
                try await guarded {
                    let date: LocalDate
                    if let day {
                        guard let parsed = LocalDate(string: day) else {
                            throw CtlError(.configuration, "--day must be YYYY-MM-DD")
                        }
                        date = parsed
                    } else {
                        date = LocalDate.today().adding(days: -1)
                    }
                    let admin = AdminClient(endpoints: try options.endpoints())
                    let export = try await admin.openData(day: date)
                    let csv = try await admin.openDataCSV(day: date)
                    try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
                    let base = URL(fileURLWithPath: outputDir).appendingPathComponent("hromada-appeals-\(date)")
                    try csv.write(to: base.appendingPathExtension("csv"))
                    try export.jsonData().write(to: base.appendingPathExtension("json"))
                    try options.output(export) { export in
                        "\(date): \(export.cells.count) cell(s), \(export.suppressedCells) suppressed "
                            + "(threshold \(export.threshold)); wrote \(base.path).csv and \(base.path).json"
                    }
                }
            }
        }
    }
}

extension HromadactlCommand {
    public struct Demo: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Demo data for a fresh up.sh stack.", subcommands: [Month.self])
        public init() {}

        public struct Month: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract:
                    "Register a month's volume of appeals at the demo centre and have the authorities act on them.",
                discussion: """
                    Uses the credentials file of up.sh (centreKey, adminToken) and the services' URLs. Appeals are \
                    received today or, as paper appeals entered late, up to 10 days back (intake's limit); each \
                    authority gets a demo head (role head) who accepts, extends, forwards, answers or returns them. \
                    The same --seed gives the same month. See docs/REPORTS.md.
                    """)
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "Appeals to register (Mykolaiv: about 630 a month).") public var appeals = 630
            @Option(name: .long, help: "Seed of the plan.") public var seed: UInt64 = 2026
            public init() {}

            public func run() async throws {
                try await guarded {
                    guard (1...100_000).contains(appeals) else {
                        throw CtlError(.configuration, "--appeals must be 1…100000")
                    }
                    let endpoints = try options.endpoints()
                    guard let key = try options.loadCredentials()?.centreKey else {
                        throw CtlError(
                            .configuration, "the credentials file has no centreKey (run up.sh or hromadactl seed)")
                    }
                    let runner = DemoMonthRunner(endpoints: endpoints, centreKey: key) { line in
                        FileHandle.standardError.write(Data("demo: \(line)\n".utf8))
                    }
                    let result = try await runner.run(DemoMonth(count: appeals, seed: seed))
                    print("demo month: \(result.registered) appeal(s) registered, \(result.actions) action(s) taken")
                }
            }
        }
    }
}

/// `hromadactl report appeals` as a text table: one row per group and the total.
enum ReportText {
    static func render(_ report: ReportJSON.Report) -> String {
        let header = [
            "key", "received", "answered", "on time", "late", "open", "overdue", "ext", "fwd", "repeat", "disputed",
            "avg days", "p90",
        ]
        func row(_ key: String, _ f: ReportJSON.Figures) -> [String] {
            let counts: [Int] = [
                f.received, f.answered, f.answeredOnTime, f.answeredLate, f.open, f.overdue, f.extensions, f.forwards,
                f.repeats, f.disputes,
            ]
            let average = f.averageDaysToAnswer.map { String(format: "%.1f", $0) } ?? "-"
            let p90 = f.p90DaysToAnswer.map(String.init) ?? "-"
            return [key] + counts.map(String.init) + [average, p90]
        }
        let rows = report.groups.map { row($0.key, $0.figures) } + [row("TOTAL", report.total)]
        let outcomes = report.total.outcomes
        let title =
            "appeals received \(report.from) … \(report.to), by \(report.by.rawValue), as of "
            + ISO8601.format(report.asOf, in: .kyiv)
        let table: String = TextTable.render(header, rows)
        let results =
            "outcomes: resolved positively \(outcomes.resolvedPositively), refused \(outcomes.refused), "
            + "explained \(outcomes.explained), other \(outcomes.other); returned \(report.total.returned), "
            + "not considered \(report.total.notConsidered)"
        return [title, table, results].joined(separator: "\n")
    }
}

/// The quarterly summary as a self-contained HTML file (the kit's styles inlined: it prints the same anywhere).
enum QuarterlyDocument {
    static func html(_ summary: QuarterlySummary) throws -> String {
        let templates = try TemplateLibrary(bundle: Bundle.module, names: ["quarterly"])
        // The kit's one stylesheet, inlined: the file looks and prints like the console's page.
        let style = try WebAssets.kitStylesheetText()
        let catalogue = try StringCatalogue.load(from: Bundle.module)
        return templates.render(
            QuarterlyView(summary, inlineStyle: style), template: "quarterly", language: .uk, catalogue: catalogue)
    }
}
