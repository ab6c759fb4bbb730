import Foundation
import HromadaCore

/// p50/p95/p99/max of one latency, in milliseconds.
struct Percentiles: Codable, Sendable {
    var count: Int
    var p50: Double
    var p95: Double
    var p99: Double
    var max: Double

    /// Nearest-rank percentiles of `seconds`; nil when empty.
    init?(seconds: [Double]) {
        guard !seconds.isEmpty else { return nil }
        let sorted = seconds.sorted()
        func rank(_ p: Double) -> Double { NearestRank.percentile(ofSorted: sorted, p)! * 1000 }
        count = sorted.count
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
        max = sorted.last! * 1000
    }
}

struct PhaseReport: Codable, Sendable {
    var name: String
    var shape: String
    var offered: Int
    var accepted: Int
    /// Non-201 answers and transport errors, by kind ("HTTP 429", "connect", …).
    var refused: [String: Int]
    /// Wall-clock seconds from the first request to the last answer.
    var submitSeconds: Double
    /// 201 answers per second over `submitSeconds`.
    var registrationsPerSecond: Double
    /// Appeals whose ticket was assigned, resident notified and both events audited.
    var completed: Int
    /// Seconds from the first request to the last completion.
    var endToEndSeconds: Double
    var endToEndPerSecond: Double
    /// HTTP round trip of POST /v1/appeals (open loop: from the moment the appeal was due).
    var registration: Percentiles?
    /// registeredAt → ticket.assigned occurredAt.
    var toTicketAssigned: Percentiles?
    /// registeredAt → notification.sent occurredAt (resident's registration notice).
    var toResidentNotified: Percentiles?
    /// registeredAt → audit.log recorded_at of the appeal.registered entry.
    var toAuditRegistered: Percentiles?
    /// registeredAt → audit.log recorded_at of the ticket.assigned entry.
    var toAuditAssigned: Percentiles?
    /// registeredAt → the last of the four above.
    var toComplete: Percentiles?
    /// audit.log rows appended during the phase (every event of the system) and their rate over the
    /// span between the first and the last row.
    var auditRows: Int
    var auditAppendedPerSecond: Double
    /// Highest number of rows appended in one wall-clock second.
    var auditPeakPerSecond: Int
    var processes: [ProcessUsage]
    var peakQueueDepth: [String: Int]
    var peakOutboxLag: [String: Double]
    var machineBusyPercent: Double
    var loadAverageBefore: String
    var loadAverageAfter: String
    var observedEvents: [String: Int]
    /// Broker publishes, deliveries and database commits per completed appeal in this phase.
    var cost: PerAppealCost? = nil
    /// Open loop: the offered rate and the seconds it was offered for.
    var offeredRate: Double? = nil
    var offeredSeconds: Double? = nil
    /// Open loop: appeals completed end to end while the load was offered, per second of it.
    var sustainedPerSecond: Double? = nil
    /// Soak: per window, and the flatness verdict.
    var windows: [SoakWindow]? = nil
    var soak: SoakVerdict? = nil

    /// The latencies above, in the order of the report's table, with their labels.
    static var latencies: [(label: String, field: LatencyField)] {
        [
            ("registration (HTTP round trip)", \.registration),
            ("registered → ticket.assigned", \.toTicketAssigned),
            ("registered → resident notification.sent", \.toResidentNotified),
            ("registered → audit appended (appeal.registered)", \.toAuditRegistered),
            ("registered → audit appended (ticket.assigned)", \.toAuditAssigned),
            ("registered → all of the above", \.toComplete),
        ]
    }
}

/// Where a phase report keeps one latency.
typealias LatencyField = WritableKeyPath<PhaseReport, Percentiles?>

struct MachineInfo: Codable, Sendable {
    var processors: Int
    var memoryMiB: Int
    var kernel: String
    var postgresVersion: String?
    var rabbitmqVersion: String?
    var erlangVersion: String?
    var swiftBuild: String
}

struct BenchReport: Codable, Sendable {
    var startedAt: String
    var runTag: String
    var machine: MachineInfo
    var settings: [String: String]
    var ceilings: Ceilings
    var phases: [PhaseReport]
    var targets: [TargetRow] = []
}

enum Markdown {
    static func number(_ value: Double?, _ digits: Int = 0) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f", value)
    }

    static func ratio(_ part: Double?, _ whole: Double?) -> String {
        guard let part, let whole, whole > 0 else { return "—" }
        return String(format: "%.1f %%", part / whole * 100)
    }

    /// The entries of `dictionary` by key, each written by `item`, separated by commas.
    static func list<Value>(_ dictionary: [String: Value], _ item: (String, Value) -> String) -> String {
        dictionary.sorted { $0.key < $1.key }.map { item($0.key, $0.value) }.joined(separator: ", ")
    }

    /// Refused or failed submissions by kind: `7× HTTP 429, 3× connect`.
    static func refusals(_ refused: [String: Int]) -> String { list(refused) { "\($1)× \($0)" } }

    /// A Markdown table: the header row, its rule, one row per entry (each as many cells as the header).
    static func table(_ header: [String], _ rows: [[String]]) -> String {
        func line(_ cells: [String]) -> String { "| " + cells.joined(separator: " | ") + " |\n" }
        return line(header) + "|" + String(repeating: "---|", count: header.count) + "\n" + rows.map(line).joined()
    }

    /// A two-column Markdown table.
    static func table(_ header: (String, String), _ rows: [(String, String)]) -> String {
        table([header.0, header.1], rows.map { [$0.0, $0.1] })
    }

    static func render(_ report: BenchReport) -> String {
        var out = "## hromada-bench \(report.runTag) — \(report.startedAt)\n\n"
        let m = report.machine
        out +=
            "Machine: \(m.processors) CPUs, \(m.memoryMiB) MiB, \(m.kernel); PostgreSQL \(m.postgresVersion ?? "?"), "
        out += "RabbitMQ \(m.rabbitmqVersion ?? "?") (Erlang \(m.erlangVersion ?? "?")); bench built \(m.swiftBuild).\n"
        out += "Settings: " + list(report.settings) { "\($0)=\($1)" } + "\n\n"

        let c = report.ceilings
        out += "### Ceilings (same run)\n\n"
        out += table(
            ("ceiling", "rate"),
            [
                (
                    "broker: persistent 256 B publish (confirm batch 100) + consume (prefetch 500), quorum queue",
                    "\(number(c.brokerPublishConsumePerSecond)) msg/s"
                ),
                ("broker: publish side alone (confirmed)", "\(number(c.brokerPublishConfirmedPerSecond)) msg/s"),
                (
                    "PostgreSQL single-row INSERT autocommit, 1 client",
                    "\(number(c.postgresInsert1ClientPerSecond)) rows/s"
                ),
                (
                    "PostgreSQL single-row INSERT autocommit, 4 clients",
                    "\(number(c.postgresInsert4ClientsPerSecond)) rows/s"
                ),
                ("PostgreSQL INSERTs in one transaction", "\(number(c.postgresInsertOneTransactionPerSecond)) rows/s"),
            ]
                + c.smtp.enumerated().map { index, smtp in
                    let server = index == 0 ? " (the pipeline's server)" : " (compared)"
                    let reconnecting = smtp.reconnectEachMessage ? ", new connection per message" : ""
                    let failed = smtp.failed > 0 ? ", \(smtp.failed) failed" : ""
                    return (
                        "SMTP acceptance\(server): \(smtp.url), \(smtp.connections) connections\(reconnecting), "
                            + "\(smtp.accepted) in \(number(smtp.seconds, 1)) s\(failed)",
                        "\(number(smtp.perSecond)) msg/s"
                    )
                })
        for note in c.notes { out += "\nNote: \(note)\n" }
        out += renderTargets(report)

        for p in report.phases {
            out += "\n### Phase \(p.name): \(p.shape)\n\n"
            out += "Offered \(p.offered), registered \(p.accepted)"
            if !p.refused.isEmpty { out += ", refused/failed " + refusals(p.refused) }
            out += "; completed end-to-end \(p.completed).\n\n"
            out +=
                table(
                    ("measure", "value"),
                    [
                        (
                            "registrations/s over HTTP (201s ÷ \(number(p.submitSeconds, 1)) s)",
                            number(p.registrationsPerSecond, 1)
                        ),
                        (
                            "appeals/s completed end-to-end (÷ \(number(p.endToEndSeconds, 1)) s)",
                            number(p.endToEndPerSecond, 1)
                        ),
                        (
                            "audit rows appended/s (\(p.auditRows) rows; peak second \(p.auditPeakPerSecond))",
                            number(p.auditAppendedPerSecond, 1)
                        ),
                        ("machine CPU busy (both cores)", "\(number(p.machineBusyPercent, 0)) %"),
                        ("load average before → after", "\(p.loadAverageBefore) → \(p.loadAverageAfter)"),
                    ]) + "\n"
            out += table(
                ["latency (ms)", "n", "p50", "p95", "p99", "max"],
                PhaseReport.latencies.map { label, field in
                    let v = p[keyPath: field]
                    return [label, "\(v?.count ?? 0)"] + [v?.p50, v?.p95, v?.p99, v?.max].map { number($0, 1) }
                })
            out += "\n"
            out += table(
                ("ratio to the ceiling (same run)", "value"),
                [
                    (
                        "registrations/s ÷ PostgreSQL 4-client commit rate",
                        ratio(p.registrationsPerSecond, c.postgresInsert4ClientsPerSecond)
                    ),
                    (
                        "registrations/s ÷ PostgreSQL 1-client commit rate",
                        ratio(p.registrationsPerSecond, c.postgresInsert1ClientPerSecond)
                    ),
                    (
                        "events/s on hromada.events (= audit rows/s) ÷ broker publish+consume",
                        ratio(p.auditAppendedPerSecond, c.brokerPublishConsumePerSecond)
                    ),
                    (
                        "audit rows/s ÷ PostgreSQL 1-client insert rate",
                        ratio(p.auditAppendedPerSecond, c.postgresInsert1ClientPerSecond)
                    ),
                    (
                        "audit rows/s ÷ PostgreSQL one-transaction insert rate",
                        ratio(p.auditAppendedPerSecond, c.postgresInsertOneTransactionPerSecond)
                    ),
                    (
                        "appeals/s end-to-end ÷ PostgreSQL 4-client commit rate",
                        ratio(p.endToEndPerSecond, c.postgresInsert4ClientsPerSecond)
                    ),
                ])
            out +=
                "\n"
                + table(
                    ["process", "CPU (% of one core)", "peak RSS sampled (MiB)", "VmHWM (MiB)"],
                    p.processes.map {
                        [$0.name, number($0.cpuPercent, 0), number($0.peakRSSMiB, 1), number($0.highWaterMiB, 1)]
                    })
            if !p.peakQueueDepth.isEmpty {
                // Retry and dead-letter queues only when something reached them.
                let queues = p.peakQueueDepth.filter {
                    $0.value > 0 || !$0.key.contains(".retry") && !$0.key.hasSuffix(".dead")
                }
                out += "\nPeak queue depth (ready + unacked): " + list(queues) { "\($0) \($1)" } + "\n"
            }
            if !p.peakOutboxLag.isEmpty {
                out += "\nPeak outbox lag (rows): " + list(p.peakOutboxLag) { "\($0) \(number($1))" } + "\n"
            }
            if let rate = p.sustainedPerSecond, let seconds = p.offeredSeconds {
                out +=
                    "\nSustained end to end: \(number(rate, 1)) appeals/s completed while "
                    + "\(number(p.offeredRate))/s was offered for \(number(seconds, 1)) s.\n"
            }
            if let cost = p.cost {
                out +=
                    "\nPer completed appeal (\(cost.completed)): "
                    + "broker publishes \(number(cost.publishesPerAppeal, 2)) (\(cost.publishes)), "
                    + "deliveries to the services' queues \(number(cost.deliveriesPerAppeal, 2)) (\(cost.deliveries)), "
                    + "database commits \(number(cost.commitsPerAppeal, 2)) (\(cost.commits): every "
                    + "transaction of the database, the services' polling and the benchmark's reads included), "
                    + "write transactions \(number(cost.writeTransactionsPerAppeal, 2)) "
                    + "(\(cost.writeTransactions) xids, server-wide), "
                    + "notifications sent \(number(cost.notificationsPerAppeal, 2)).\n"
            }
            if let windows = p.windows { out += renderWindows(windows, verdict: p.soak) }
        }
        return out
    }

    static func renderTargets(_ report: BenchReport) -> String {
        var out = ""
        let conversions = TargetTable.conversions(report)
        if !conversions.isEmpty {
            out += "\n### Ceilings in appeals/s (counts of phase \(TargetTable.costPhase(report)?.name ?? "?"))\n\n"
            out += table(
                ["ceiling", "rate", "per appeal", "appeals/s", "bounds the pipeline", "arithmetic"],
                conversions.map { c in
                    [
                        c.ceiling, "\(number(c.rate)) \(c.unit)", number(c.perAppeal, 2), number(c.appealsPerSecond),
                        c.bounds ? "yes" : "no (the services commit on several connections)", c.arithmetic,
                    ]
                })
        }
        guard !report.targets.isEmpty else { return out }
        out += "\n### Targets (issue 16)\n\n"
        out += table(
            ["target", "measured", "ratio", "met", "note"],
            report.targets.map { t in
                let met = t.met.map { $0 ? "**met**" : "**not met**" } ?? "not measured"
                return [t.target, t.measured, t.ratioPercent.map { number($0, 1) + " %" } ?? "—", met, t.note]
            })
        return out
    }

    static func renderWindows(_ windows: [SoakWindow], verdict: SoakVerdict?) -> String {
        let services = TargetTable.services
        let header = [
            "window", "offered", "registered", "completed in window", "registration p99 (ms)", "end-to-end p99 (ms)",
        ]
        var out =
            "\n"
            + table(
                header + services.map { "\($0.dropFirst("hromada-".count)) RSS MiB / CPU %" },
                windows.map { w in
                    [
                        "\(w.index + 1) (from \(number(w.startSecond)) s)", "\(w.offered)", "\(w.registered)",
                        "\(w.completed)", number(w.registrationP99, 1), number(w.endToEndP99, 1),
                    ] + services.map { "\(number(w.rssMiB[$0], 1)) / \(number(w.cpuPercent[$0], 0))" }
                })
        if let verdict {
            out +=
                "\nSoak verdict (last window within \(number(verdict.tolerance * 100)) % of the first): end-to-end p99 "
                + "\(SoakVerdict.word(verdict.p99Flat)) "
                + "(\(number(verdict.firstP99, 1)) → \(number(verdict.lastP99, 1)) ms), "
                + "memory \(SoakVerdict.word(verdict.memoryFlat)); "
                + "overall **\(verdict.flat ? "flat" : "not flat")**.\n"
        }
        return out
    }
}
