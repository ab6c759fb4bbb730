import ArgumentParser
import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import Logging

/// `hromada-bench`: the pipeline benchmark against a RUNNING system (deploy/local/up.sh).
/// See BENCHMARKS.md for what it measures and how.
@main
struct Entry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hromada-bench",
        abstract:
            "Submits appeals over HTTP to a running Hromada and measures registration and end-to-end latency, "
            + "throughput, the broker and PostgreSQL ceilings of the same run, and each service's CPU and memory.")

    @Option(help: "Intake base URL.") var intakeURL = "http://127.0.0.1:8080"
    @Option(help: "Ports of the routing, notification and audit services (for /metrics and readiness).")
    var servicePorts = "routing=8081,notification=8082,audit=8083"
    @Option(help: "Demo credentials written by up.sh (adminToken is used to register benchmark centres).")
    var credentials = ".hromada/credentials.json"
    @Option(help: "Folder of the services' pid files.") var runDir = ".hromada/run"
    @Option(help: "Broker the services use.") var amqpURL =
        ProcessInfo.processInfo.environment["HROMADA_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    @Option(help: "RabbitMQ management API.") var rabbitmqAPI =
        ProcessInfo.processInfo.environment["HROMADA_RABBITMQ_API"] ?? "http://guest:guest@127.0.0.1:15672"
    @Option(help: "PostgreSQL superuser URL (throwaway ceiling database; reads audit.log).")
    var pgAdminURL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
    @Option(help: "The system's database (holds the audit schema).") var database = "hromada"

    @Option(help: "Appeals in the max-throughput phase.") var appeals = 3000
    @Option(help: "Connections in the max-throughput phase (closed loop).") var concurrency = 64
    @Option(help: "Fixed rate of the second phase, appeals/s (open loop); 0 skips it.") var rate = 200.0
    @Option(help: "Seconds of the fixed-rate phase.") var rateSeconds = 15.0
    @Option(help: "Connections available to the fixed-rate phase.") var rateConnections = 64
    @Option(help: "Fixed rate of the sustained phase, appeals/s (open loop).") var sustainedRate = 1000.0
    @Option(help: "Seconds of the sustained phase (the issue's target needs ≥ 60).") var sustainedSeconds = 60.0
    @Option(help: "Fixed rate of the soak phase, appeals/s (open loop).") var soakRate = 300.0
    @Option(help: "Seconds of the soak phase.") var soakSeconds = 600.0
    @Option(help: "Seconds per soak window (the issue's rule compares the first and the last minute).")
    var soakWindowSeconds = 60.0
    @Option(help: "Phases to run, comma-separated: max, sustained, rate, soak (empty: ceilings only).")
    var phases = "max,rate"
    @Option(
        help: ArgumentHelp(
            "Benchmark centres to register (each centre key is rate-limited to 50 appeals/s by the intake; "
                + "raised automatically so that no centre is offered more than 40/s)."))
    var centres = 40
    @Option(help: "Ceilings to measure, comma-separated: broker, postgres, smtp.") var ceilings = "broker,postgres,smtp"
    @Option(help: "The SMTP server the notification service sends to (its HROMADA_SMTP_URL).")
    var smtpURL = ProcessInfo.processInfo.environment["HROMADA_SMTP_URL"] ?? "smtp://127.0.0.1:2525"
    @Option(help: "More SMTP servers (comma-separated smtp:// URLs) to measure the same way, for comparison.")
    var smtpCompare = ""
    @Option(
        help: ArgumentHelp(
            "SMTP connections of the ceiling: the notification service's (NotificationSettings.senderThreads, "
                + "one kept libcurl connection per sender thread; 4 by default)."))
    var smtpConnections = 4
    @Option(help: "Seconds per SMTP ceiling measurement.") var smtpSeconds = 10.0
    @Flag(help: "Open a new SMTP connection per message in the ceiling (as libcurl without connection reuse).")
    var smtpReconnect = false
    @Option(help: "Seconds to wait for the pipeline to finish after the last submission.") var drainTimeout = 180.0
    @Option(help: "Seconds per PostgreSQL ceiling measurement.") var ceilingSeconds = 5.0
    @Flag(help: "Skip the ceiling measurements.") var skipCeilings = false
    @Flag(help: "Print the report as JSON instead of Markdown.") var json = false
    @Option(help: "Also write the JSON report to this file.") var output: String?

    mutating func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let logger = Logger(label: "hromada-bench")
        let runTag = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8)).lowercased()
        let startedAt = ISO8601.format(Date())
        func say(_ text: String) { FileHandle.standardError.write(Data("[bench] \(text)\n".utf8)) }
        let phaseList = Self.items(phases)
        for phase in phaseList where !["max", "sustained", "rate", "soak"].contains(phase) {
            throw ValidationError("unknown phase \(phase) (max, sustained, rate, soak)")
        }
        let ceilingList = Set(Self.items(ceilings))
        for ceiling in ceilingList where !["broker", "postgres", "smtp"].contains(ceiling) {
            throw ValidationError("unknown ceiling \(ceiling) (broker, postgres, smtp)")
        }
        // The intake limits each centre key to 50 registrations/s (burst 100; IntakeAPI, not configurable):
        // offer no centre more than 40/s.
        let peakRate =
            phaseList.map { phase -> Double in
                switch phase {
                case "rate": rate
                case "sustained": sustainedRate
                case "soak": soakRate
                default: 0
                }
            }.max() ?? 0
        let centreCount = max(centres, Int((peakRate / 40).rounded(.up)))
        if centreCount > centres {
            say("raising the benchmark centres from \(centres) to \(centreCount) for \(Int(peakRate))/s")
        }

        let amqp = try AMQPConfiguration(url: amqpURL, connectionName: "hromada-bench")
        let databaseURL = PostgresConfiguration.replacingDatabase(in: pgAdminURL, with: database)
        let db = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: databaseURL, poolSize: 1, applicationName: "hromada-bench"), logger: logger)
        defer { Task { await db.close() } }
        let machine = await Self.machineInfo(db: db, managementURL: rabbitmqAPI)
        let measured = await measureCeilings(ceilingList, amqp: amqp, runTag: runTag, logger: logger, say: say)

        var reports: [PhaseReport] = []
        if !phaseList.isEmpty {
            reports = try await runPhases(
                phaseList, centreCount: centreCount, amqp: amqp, db: db, runTag: runTag,
                logger: logger, say: say)
        }
        var settings: [String: String] = [
            "appeals": "\(appeals)", "concurrency": "\(concurrency)", "rate": "\(rate)",
            "rateSeconds": "\(rateSeconds)",
            "sustainedRate": "\(sustainedRate)", "sustainedSeconds": "\(sustainedSeconds)", "soakRate": "\(soakRate)",
            "soakSeconds": "\(soakSeconds)", "soakWindowSeconds": "\(soakWindowSeconds)",
            "centres": "\(centreCount)", "phases": phases, "smtpURL": smtpURL, "smtpConnections": "\(smtpConnections)",
            "intake rate limit": "50 registrations/s per centre key (burst 100; fixed in IntakeAPI, no setting): "
                + "the load is spread over \(centreCount) centres",
        ]
        for name in ["HROMADA_PREFETCH", "HROMADA_DATABASE_POOL_SIZE"] {
            settings[name] = ProcessInfo.processInfo.environment[name] ?? "(service default)"
        }
        var report = BenchReport(
            startedAt: startedAt, runTag: runTag, machine: machine, settings: settings, ceilings: measured,
            phases: reports)
        report.targets = TargetTable.evaluate(report)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let jsonData = try encoder.encode(report)
        if let output { try jsonData.write(to: URL(fileURLWithPath: output)) }
        if json {
            print(String(decoding: jsonData, as: UTF8.self))
        } else {
            print(Markdown.render(report))
        }
    }

    /// The ceilings of `which`, measured while the pipeline is idle.
    func measureCeilings(
        _ which: Set<String>, amqp: AMQPConfiguration, runTag: String, logger: Logger,
        say: (String) -> Void
    ) async -> Ceilings {
        var ceilings = Ceilings()
        guard !skipCeilings else { return ceilings }
        if which.contains("broker") {
            say("ceiling: broker publish+consume (20,000 × 256 B, confirm batch 100, prefetch 500, quorum queue)")
            do {
                let broker = try await CeilingBench.broker(amqp: amqp, runTag: runTag, logger: logger)
                ceilings.brokerPublishConsumePerSecond = broker.total
                ceilings.brokerPublishConfirmedPerSecond = broker.publish
            } catch {
                ceilings.notes.append("broker ceiling failed: \(error)")
            }
        }
        if which.contains("postgres") {
            say("ceiling: PostgreSQL single-row INSERT (1 and 4 clients, \(ceilingSeconds) s each) and one transaction")
            do {
                let pg = try await CeilingBench.postgres(
                    adminURL: pgAdminURL, runTag: runTag, seconds: ceilingSeconds, logger: logger)
                ceilings.postgresInsert1ClientPerSecond = pg.one
                ceilings.postgresInsert4ClientsPerSecond = pg.four
                ceilings.postgresInsertOneTransactionPerSecond = pg.oneTransaction
            } catch {
                ceilings.notes.append("PostgreSQL ceiling failed: \(error)")
            }
        }
        if which.contains("smtp") {
            for url in [smtpURL] + Self.items(smtpCompare) {
                say("ceiling: SMTP acceptance at \(url), \(smtpConnections) connections, \(smtpSeconds) s")
                do {
                    let result = try await SMTPCeiling.measure(
                        url: url, connections: smtpConnections, seconds: smtpSeconds,
                        reconnectEachMessage: smtpReconnect, runTag: runTag)
                    if result.accepted == 0 {
                        ceilings.notes.append("SMTP ceiling at \(url): nothing accepted (\(result.firstError ?? "?"))")
                    }
                    ceilings.smtp.append(result)
                } catch {
                    ceilings.notes.append("SMTP ceiling at \(url) failed: \(error)")
                }
            }
        }
        return ceilings
    }

    /// Registers the benchmark centres, then runs each phase with the observer and the sampler.
    func runPhases(
        _ phaseList: [String], centreCount: Int, amqp: AMQPConfiguration, db: PostgresClient, runTag: String,
        logger: Logger, say: @escaping (String) -> Void
    ) async throws -> [PhaseReport] {
        let centres = centreCount
        // Credentials and the system's readiness.
        guard let data = FileManager.default.contents(atPath: credentials),
            let creds = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let adminToken = creds["adminToken"] as? String
        else {
            throw ValidationError("cannot read adminToken from \(credentials); run deploy/local/up.sh first")
        }
        let intake = try parseHTTPBase(intakeURL)
        var ports: [String: UInt16] = ["intake": intake.port]
        for pair in servicePorts.split(separator: ",") {
            let kv = pair.split(separator: "=")
            if kv.count == 2, let port = UInt16(kv[1]) { ports[String(kv[0])] = port }
        }
        for (service, port) in ports.sorted(by: { $0.key < $1.key }) {
            let connection = BlockingHTTPConnection(host: intake.host, port: port, timeoutSeconds: 5)
            let status = (try? connection.request(method: "GET", path: "/health/ready").status) ?? 0
            connection.close()
            if status != 200 {
                throw ValidationError(
                    "hromada-\(service) on port \(port) is not ready (status \(status)); run deploy/local/up.sh")
            }
        }

        // Benchmark centres: the intake limits each centre key to 50 requests/s (burst 100), as a
        // real city limits each library; the load is spread over `centres` centres.
        say("registering \(centres) benchmark centres")
        var keys: [String] = []
        let admin = BlockingHTTPConnection(host: intake.host, port: intake.port)
        for n in 0..<centres {
            let id = String(format: "bench-%02d", n)
            // The intake rate-limits by the key's first 12 characters: start with the random part.
            let key = "\(UUID().uuidString.lowercased())-bench-\(runTag)-\(n)"
            let body = try JSONSerialization.data(withJSONObject: [
                "name": "Бенчмарк-центр \(n)",
                "address": "м. Миколаїв, вул. Тестова, \(n + 1)",
                "key": key,
            ])
            let response = try admin.request(
                method: "PUT", path: "/v1/admin/centres/\(id)",
                headers: [("Authorization", "Bearer \(adminToken)"), ("Content-Type", "application/json")],
                body: Array(body))
            guard response.status == 200 || response.status == 201 else {
                let answer = String(decoding: response.body, as: UTF8.self)
                throw ValidationError("PUT /v1/admin/centres/\(id) answered \(response.status): \(answer)")
            }
            keys.append(key)
        }
        admin.close()

        // The observer queue, then the phases.
        let observer = try await EventObserver(amqp: amqp, runTag: runTag, logger: logger)
        var watched = TargetTable.services.map { WatchedProcess(name: $0, selector: .pidFile("\(runDir)/\($0).pid")) }
        watched.append(WatchedProcess(name: "postgres (all backends)", selector: .command("postgres")))
        watched.append(WatchedProcess(name: "rabbitmq (beam.smp)", selector: .command("beam.smp")))
        watched.append(WatchedProcess(name: "smtp sink", selector: .pidFile("\(runDir)/smtp-sink.pid")))
        watched.append(WatchedProcess(name: "postfix (all processes)", selector: .commands(Self.postfixProcesses)))
        watched.append(WatchedProcess(name: "hromada-bench", selector: .command("hromada-bench")))
        var metricsPorts: [String: UInt16] = [:]
        for (service, port) in ports { metricsPorts[service] = port }
        let sampler = Sampler(
            processes: watched, interval: 0.25, managementURL: rabbitmqAPI, vhost: amqp.vhost,
            metricsPorts: metricsPorts)
        let factory = AppealFactory(runTag: runTag)

        let management = try? ManagementAPI(url: rabbitmqAPI)
        func counters() async -> PhaseCounters? {
            guard let messages = await management?.settledVhostMessageCounts(amqp.vhost),
                let commits = await db.commits(of: database), let xid = await db.nextTransactionId()
            else { return nil }
            let events = observer.eventCounts()
            return PhaseCounters(
                publishes: messages.publishes, deliveries: messages.deliveries, commits: commits,
                writeTransactions: xid,
                observed: events.values.reduce(0, +), notificationsSent: events["notification.sent"] ?? 0)
        }

        var reports: [PhaseReport] = []
        var offset = 0
        say("reading the broker's and the database's counters (they settle in a few seconds)")
        var before = await counters()
        for phase in phaseList {
            let shape: LoadShape
            let count: Int
            var window: Double?
            switch phase {
            case "max":
                shape = .closed(workers: concurrency)
                count = appeals
            case "rate":
                guard rate > 0 else { continue }
                shape = .open(rate: rate, workers: rateConnections)
                count = Int(rate * rateSeconds)
            case "sustained":
                shape = .open(rate: sustainedRate, workers: rateConnections)
                count = Int(sustainedRate * sustainedSeconds)
            default:  // soak
                shape = .open(rate: soakRate, workers: rateConnections)
                count = Int(soakRate * soakSeconds)
                window = soakWindowSeconds
            }
            say("phase \(phase): \(count) appeals, \(shape)")
            let generator = LoadGenerator(
                host: intake.host, port: intake.port, keys: keys, factory: factory, indexOffset: offset)
            offset += count
            var report = try await runPhase(
                name: phase, shape: shape, count: count, generator: generator, observer: observer,
                sampler: sampler, db: db, windowSeconds: window, say: say)
            // Also lets the system settle between phases.
            let after = await counters()
            report.cost = PerAppealCost(before: before, after: after, completed: report.completed)
            if report.cost == nil { say("phase \(phase): broker or database counters unavailable; no cost per appeal") }
            before = after
            reports.append(report)
        }
        await observer.close()
        return reports
    }

    /// The non-empty items of a comma-separated option, trimmed.
    static func items(_ option: String) -> [String] {
        option.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The process names of a postfix instance (deploy/bench/postfix.sh), watched as one group.
    static let postfixProcesses = [
        "master", "smtpd", "cleanup", "qmgr", "trivial-rewrite", "discard", "anvil",
        "proxymap", "scache", "postlogd", "bounce",
    ]

    // MARK: One phase

    func runPhase(
        name: String, shape: LoadShape, count: Int, generator: LoadGenerator, observer: EventObserver, sampler: Sampler,
        db: PostgresClient, windowSeconds: Double?, say: (String) -> Void
    ) async throws -> PhaseReport {
        let loadBefore = Self.loadAverage()
        let phaseStart = Date()
        let audit = try await AuditReader.startingNow(db: db)
        sampler.start()
        let submissions = await generator.run(count: count, shape: shape)
        let accepted = submissions.filter { $0.status == 201 && $0.appealId != nil && $0.registeredAt != nil }
        var refused: [String: Int] = [:]
        for s in submissions where !(s.status == 201 && s.appealId != nil) {
            refused[s.error ?? "HTTP \(s.status)", default: 0] += 1
        }
        let firstDue = submissions.map(\.dueWall).min() ?? phaseStart
        let lastAnswer = submissions.map { $0.dueWall.addingTimeInterval($0.latency) }.max() ?? phaseStart
        if !refused.isEmpty { say("phase \(name): refused/failed: \(Markdown.refusals(refused))") }
        let submitting = String(format: "%.1f", lastAnswer.timeIntervalSince(firstDue))
        say("phase \(name): \(accepted.count) of \(count) registered in \(submitting) s; draining")

        // Drain: wait until every accepted appeal's ticket and resident notice were seen and both
        // events are in the audit log (or the timeout passes).
        let ids = Set(accepted.compactMap(\.appealId))
        let drainDeadline = Date().addingTimeInterval(drainTimeout)
        var lastProgress = Date()
        while true {
            let timelines = observer.snapshot()
            let seen = ids.filter { timelines[$0]?.assigned != nil && timelines[$0]?.residentNotified != nil }.count
            do {
                try await audit.refresh(ids: ids)
            } catch {
                say("reading audit.log failed (\(error)); retrying")
            }
            let audited = ids.filter { audit.entries[$0]?.registered != nil && audit.entries[$0]?.assigned != nil }
                .count
            if Date().timeIntervalSince(lastProgress) >= 10 {
                lastProgress = Date()
                let assignedOnly = ids.filter { timelines[$0]?.assigned != nil }.count
                let notifiedOnly = ids.filter { timelines[$0]?.residentNotified != nil }.count
                say(
                    "phase \(name): draining — of \(ids.count): ticket.assigned \(assignedOnly), "
                        + "resident notified \(notifiedOnly), audited \(audited)")
            }
            if (seen == ids.count && audited == ids.count) || Date() > drainDeadline {
                if Date() > drainDeadline {
                    say("phase \(name): drain timeout — events seen \(seen), audited \(audited) of \(ids.count)")
                }
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let usage = sampler.stop()
        let loadAfter = Self.loadAverage()
        let timelines = observer.snapshot()

        // Seconds of each latency of the report, by the field that keeps it.
        var samples: [LatencyField: [Double]] = [\.registration: submissions.filter { $0.status == 201 }.map(\.latency)]
        var outcomes: [SoakAnalysis.Outcome] = []
        var lastCompletion = firstDue
        for s in submissions {
            var outcome = SoakAnalysis.Outcome(
                due: s.dueWall, registered: s.status == 201, registrationSeconds: s.latency)
            defer { outcomes.append(outcome) }
            guard s.status == 201, let id = s.appealId, let t0 = s.registeredAt else { continue }
            let timeline = timelines[id]
            let entries = audit.entries[id]
            // The four stages after registration; the appeal is complete when it reached all of them.
            let stages: [(field: LatencyField, reached: Date?)] = [
                (\.toTicketAssigned, timeline?.assigned), (\.toResidentNotified, timeline?.residentNotified),
                (\.toAuditRegistered, entries?.registered), (\.toAuditAssigned, entries?.assigned),
            ]
            for case let (field, reached?) in stages {
                samples[field, default: []].append(reached.timeIntervalSince(t0))
            }
            let reached = stages.compactMap(\.reached)
            if reached.count == stages.count, let done = reached.max() {
                samples[\.toComplete, default: []].append(done.timeIntervalSince(t0))
                outcome.endToEndSeconds = done.timeIntervalSince(t0)
                outcome.completedAt = done
                if done > lastCompletion { lastCompletion = done }
            }
        }
        var rows = (rows: 0, perSecond: 0.0, peak: 0)
        for attempt in 1...5 {
            do {
                rows = try await Self.auditRate(db: db, from: phaseStart.addingTimeInterval(-1))
                break
            } catch {
                say("reading the audit rate failed (\(error)); attempt \(attempt)")
                try await Task.sleep(for: .seconds(2))
            }
        }
        let submitSeconds = max(lastAnswer.timeIntervalSince(firstDue), 0.001)
        let e2eSeconds = max(lastCompletion.timeIntervalSince(firstDue), 0.001)
        let completed = samples[\.toComplete]?.count ?? 0
        var report = PhaseReport(
            name: name, shape: "\(shape)", offered: count, accepted: accepted.count, refused: refused,
            submitSeconds: submitSeconds, registrationsPerSecond: Double(accepted.count) / submitSeconds,
            completed: completed, endToEndSeconds: e2eSeconds, endToEndPerSecond: Double(completed) / e2eSeconds,
            auditRows: rows.rows, auditAppendedPerSecond: rows.perSecond, auditPeakPerSecond: rows.peak,
            processes: usage.usage, peakQueueDepth: usage.queueDepth, peakOutboxLag: usage.outboxLag,
            machineBusyPercent: usage.machineBusyPercent, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter,
            observedEvents: observer.eventCounts())
        for (field, seconds) in samples { report[keyPath: field] = Percentiles(seconds: seconds) }
        if case .open(let offeredRate, _) = shape {
            // Sustained throughput: appeals completed while the load was being offered, per second of it.
            let window = Double(count) / offeredRate
            let end = firstDue.addingTimeInterval(window)
            report.offeredRate = offeredRate
            report.offeredSeconds = window
            report.sustainedPerSecond =
                Double(outcomes.filter { ($0.completedAt.map { $0 < end }) ?? false }.count) / window
        }
        if let windowSeconds {
            let windowCount = max(1, Int(((report.offeredSeconds ?? submitSeconds) / windowSeconds).rounded(.up)))
            let perWindow = sampler.windows(from: firstDue, seconds: windowSeconds, count: windowCount)
            let windows = SoakAnalysis.windows(
                outcomes: outcomes, start: firstDue, seconds: windowSeconds, count: windowCount,
                usage: perWindow)
            report.windows = windows
            report.soak = SoakVerdict(windows: windows, services: TargetTable.services)
        }
        return report
    }

    /// Rows appended to audit.log since `from`: count, rate over their span, busiest second.
    static func auditRate(db: PostgresClient, from: Date) async throws -> (rows: Int, perSecond: Double, peak: Int) {
        let rows = try await db.query(
            """
            SELECT count(*)::bigint, COALESCE(EXTRACT(EPOCH FROM max(recorded_at) - min(recorded_at)), 0)::float8,
                   COALESCE((SELECT max(n) FROM (SELECT count(*) AS n FROM audit.log WHERE recorded_at >= \(from)
                                                  GROUP BY date_trunc('second', recorded_at)) s), 0)::bigint
            FROM audit.log WHERE recorded_at >= \(from)
            """)
        guard let row = rows.first else { return (0, 0, 0) }
        let count = Int(try row.decode(0, as: Int64.self))
        let span = try row.decode(1, as: Double.self)
        let peak = Int(try row.decode(2, as: Int64.self))
        return (count, span > 0 ? Double(count) / span : 0, peak)
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(
            separator: " ")
    }

    static func machineInfo(db: PostgresClient, managementURL: String) async -> MachineInfo {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKB =
            meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }.flatMap { Int($0) }
            ?? 0
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let pgVersion = try? await db.query("SHOW server_version").first?.decode(0, as: String.self)
        var rabbit: String?
        var erlang: String?
        if let overview = (try? ManagementAPI(url: managementURL))?.get("/api/overview") as? [String: Any] {
            rabbit = overview["rabbitmq_version"] as? String
            erlang = overview["erlang_version"] as? String
        }
        #if DEBUG
            let build = "debug"
        #else
            let build = "release"
        #endif
        return MachineInfo(
            processors: ProcessInfo.processInfo.activeProcessorCount, memoryMiB: memKB / 1024,
            kernel: "Linux \(release)",
            postgresVersion: pgVersion, rabbitmqVersion: rabbit, erlangVersion: erlang, swiftBuild: build)
    }
}
