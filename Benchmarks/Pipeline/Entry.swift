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
        abstract: "Submits appeals over HTTP to a running Hromada and measures registration and end-to-end latency, throughput, "
            + "the broker and PostgreSQL ceilings of the same run, and each service's CPU and memory.")

    @Option(help: "Intake base URL.") var intakeURL = "http://127.0.0.1:8080"
    @Option(help: "Ports of the routing, notification and audit services (for /metrics and readiness).")
    var servicePorts = "routing=8081,notification=8082,audit=8083"
    @Option(help: "Demo credentials written by up.sh (adminToken is used to register benchmark centres).")
    var credentials = ".hromada/credentials.json"
    @Option(help: "Folder of the services' pid files.") var runDir = ".hromada/run"
    @Option(help: "Broker the services use.") var amqpURL = ProcessInfo.processInfo.environment["HROMADA_AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2f"
    @Option(help: "RabbitMQ management API.") var rabbitmqAPI = ProcessInfo.processInfo.environment["HROMADA_RABBITMQ_API"] ?? "http://guest:guest@127.0.0.1:15672"
    @Option(help: "PostgreSQL superuser URL (throwaway ceiling database; reads audit.log).")
    var pgAdminURL = "postgresql://postgres:postgres@127.0.0.1:5432/postgres"
    @Option(help: "The system's database (holds the audit schema).") var database = "hromada"

    @Option(help: "Appeals in the max-throughput phase.") var appeals = 3000
    @Option(help: "Connections in the max-throughput phase (closed loop).") var concurrency = 64
    @Option(help: "Fixed rate of the second phase, appeals/s (open loop); 0 skips it.") var rate = 200.0
    @Option(help: "Seconds of the fixed-rate phase.") var rateSeconds = 15.0
    @Option(help: "Connections available to the fixed-rate phase.") var rateConnections = 64
    @Option(help: "Phases to run, comma-separated: max, rate.") var phases = "max,rate"
    @Option(help: "Benchmark centres to register (each centre key is rate-limited to 50 appeals/s by the intake).")
    var centres = 40
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

        // Credentials and the system's readiness.
        guard let data = FileManager.default.contents(atPath: credentials),
              let creds = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let adminToken = creds["adminToken"] as? String else {
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
            if status != 200 { throw ValidationError("hromada-\(service) on port \(port) is not ready (status \(status)); run deploy/local/up.sh") }
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
                "name": "Бенчмарк-центр \(n)", "address": "м. Миколаїв, вул. Тестова, \(n + 1)", "key": key,
            ])
            let response = try admin.request(method: "PUT", path: "/v1/admin/centres/\(id)",
                                             headers: [("Authorization", "Bearer \(adminToken)"), ("Content-Type", "application/json")], body: Array(body))
            guard response.status == 200 || response.status == 201 else {
                throw ValidationError("PUT /v1/admin/centres/\(id) answered \(response.status): \(String(decoding: response.body, as: UTF8.self))")
            }
            keys.append(key)
        }
        admin.close()

        let amqp = try AMQPConfiguration(url: amqpURL, connectionName: "hromada-bench")
        let databaseURL = CeilingBench.replacingDatabase(in: pgAdminURL, with: database)
        let db = PostgresClient(configuration: PostgresConfiguration(connectionString: databaseURL, poolSize: 1, applicationName: "hromada-bench"), logger: logger)
        defer { Task { await db.close() } }
        let machine = await Self.machineInfo(db: db, managementURL: rabbitmqAPI)

        // Ceilings first, while the pipeline is idle.
        var ceilings = Ceilings()
        if !skipCeilings {
            say("ceiling: broker publish+consume (20,000 × 256 B, confirm batch 100, prefetch 500, quorum queue)")
            do {
                let broker = try await CeilingBench.broker(amqp: amqp, runTag: runTag, logger: logger)
                ceilings.brokerPublishConsumePerSecond = broker.total
                ceilings.brokerPublishConfirmedPerSecond = broker.publish
            } catch {
                ceilings.notes.append("broker ceiling failed: \(error)")
            }
            say("ceiling: PostgreSQL single-row INSERT (1 and 4 clients, \(ceilingSeconds) s each) and one transaction")
            do {
                let pg = try await CeilingBench.postgres(adminURL: pgAdminURL, runTag: runTag, seconds: ceilingSeconds, logger: logger)
                ceilings.postgresInsert1ClientPerSecond = pg.one
                ceilings.postgresInsert4ClientsPerSecond = pg.four
                ceilings.postgresInsertOneTransactionPerSecond = pg.oneTransaction
            } catch {
                ceilings.notes.append("PostgreSQL ceiling failed: \(error)")
            }
        }

        // The observer queue, then the phases.
        let observer = try await EventObserver(amqp: amqp, runTag: runTag, logger: logger)
        var watched = ["intake", "routing", "notification", "audit"].map {
            WatchedProcess(name: "hromada-\($0)", selector: .pidFile("\(runDir)/hromada-\($0).pid"))
        }
        watched.append(WatchedProcess(name: "postgres (all backends)", selector: .command("postgres")))
        watched.append(WatchedProcess(name: "rabbitmq (beam.smp)", selector: .command("beam.smp")))
        watched.append(WatchedProcess(name: "smtp sink", selector: .pidFile("\(runDir)/smtp-sink.pid")))
        watched.append(WatchedProcess(name: "hromada-bench", selector: .command("hromada-bench")))
        var metricsPorts: [String: UInt16] = [:]
        for (service, port) in ports { metricsPorts[service] = port }
        let sampler = Sampler(processes: watched, interval: 0.25, managementURL: rabbitmqAPI, vhost: amqp.vhost, metricsPorts: metricsPorts)
        let factory = AppealFactory(runTag: runTag)

        var reports: [PhaseReport] = []
        var offset = 0
        for phase in phases.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let shape: LoadShape
            let count: Int
            switch phase {
            case "max":
                shape = .closed(workers: concurrency)
                count = appeals
            case "rate":
                guard rate > 0 else { continue }
                shape = .open(rate: rate, workers: rateConnections)
                count = Int(rate * rateSeconds)
            default:
                throw ValidationError("unknown phase \(phase)")
            }
            say("phase \(phase): \(count) appeals, \(shape)")
            let generator = LoadGenerator(host: intake.host, port: intake.port, keys: keys, factory: factory, indexOffset: offset)
            offset += count
            let report = try await runPhase(name: phase, shape: shape, count: count, generator: generator, observer: observer,
                                            sampler: sampler, db: db, say: say)
            reports.append(report)
            // Let the system settle between phases.
            try await Task.sleep(for: .seconds(3))
        }
        await observer.close()

        var settings: [String: String] = [
            "appeals": "\(appeals)", "concurrency": "\(concurrency)", "rate": "\(rate)", "rateSeconds": "\(rateSeconds)",
            "centres": "\(centres)", "phases": phases,
        ]
        for name in ["HROMADA_PREFETCH", "HROMADA_DATABASE_POOL_SIZE"] {
            settings[name] = ProcessInfo.processInfo.environment[name] ?? "(service default)"
        }
        let report = BenchReport(startedAt: startedAt, runTag: runTag, machine: machine, settings: settings, ceilings: ceilings, phases: reports)
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

    // MARK: One phase

    func runPhase(name: String, shape: LoadShape, count: Int, generator: LoadGenerator, observer: EventObserver, sampler: Sampler,
                  db: PostgresClient, say: (String) -> Void) async throws -> PhaseReport {
        let loadBefore = Self.loadAverage()
        let phaseStart = Date()
        sampler.start()
        let submissions = await generator.run(count: count, shape: shape)
        let accepted = submissions.filter { $0.status == 201 && $0.appealId != nil && $0.registeredAt != nil }
        var refused: [String: Int] = [:]
        for s in submissions where !(s.status == 201 && s.appealId != nil) { refused[s.error ?? "HTTP \(s.status)", default: 0] += 1 }
        let firstDue = submissions.map(\.dueWall).min() ?? phaseStart
        let lastAnswer = submissions.map { $0.dueWall.addingTimeInterval($0.latency) }.max() ?? phaseStart
        if !refused.isEmpty { say("phase \(name): refused/failed: \(refused.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: ", "))") }
        say("phase \(name): \(accepted.count) of \(count) registered in \(String(format: "%.1f", lastAnswer.timeIntervalSince(firstDue))) s; draining")

        // Drain: wait until every accepted appeal's ticket and resident notice were seen and both
        // events are in the audit log (or the timeout passes).
        let ids = Set(accepted.compactMap(\.appealId))
        var audit: [UUID: (registered: Date?, assigned: Date?)] = [:]
        let drainDeadline = Date().addingTimeInterval(drainTimeout)
        var lastProgress = Date()
        while true {
            let timelines = observer.snapshot()
            let seen = ids.filter { timelines[$0]?.assigned != nil && timelines[$0]?.residentNotified != nil }.count
            do {
                audit = try await Self.auditEntries(db: db, since: phaseStart.addingTimeInterval(-1), ids: ids)
            } catch {
                say("reading audit.log failed (\(error)); retrying")
            }
            let audited = ids.filter { audit[$0]?.registered != nil && audit[$0]?.assigned != nil }.count
            if Date().timeIntervalSince(lastProgress) >= 10 {
                lastProgress = Date()
                let assignedOnly = ids.filter { timelines[$0]?.assigned != nil }.count
                let notifiedOnly = ids.filter { timelines[$0]?.residentNotified != nil }.count
                say("phase \(name): draining — of \(ids.count): ticket.assigned \(assignedOnly), resident notified \(notifiedOnly), audited \(audited)")
            }
            if (seen == ids.count && audited == ids.count) || Date() > drainDeadline {
                if Date() > drainDeadline { say("phase \(name): drain timeout — events seen \(seen), audited \(audited) of \(ids.count)") }
                break
            }
            try await Task.sleep(for: .milliseconds(500))
        }
        let usage = sampler.stop()
        let loadAfter = Self.loadAverage()
        let timelines = observer.snapshot()

        var http: [Double] = []
        var assigned: [Double] = []
        var notified: [Double] = []
        var auditRegistered: [Double] = []
        var auditAssigned: [Double] = []
        var complete: [Double] = []
        var lastCompletion = firstDue
        for s in submissions { if s.status == 201 { http.append(s.latency) } }
        for s in accepted {
            guard let id = s.appealId, let t0 = s.registeredAt else { continue }
            let timeline = timelines[id]
            let entries = audit[id]
            if let a = timeline?.assigned { assigned.append(a.timeIntervalSince(t0)) }
            if let n = timeline?.residentNotified { notified.append(n.timeIntervalSince(t0)) }
            if let r = entries?.registered { auditRegistered.append(r.timeIntervalSince(t0)) }
            if let r = entries?.assigned { auditAssigned.append(r.timeIntervalSince(t0)) }
            if let a = timeline?.assigned, let n = timeline?.residentNotified, let r1 = entries?.registered, let r2 = entries?.assigned {
                let done = max(a, n, r1, r2)
                complete.append(done.timeIntervalSince(t0))
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
        return PhaseReport(
            name: name, shape: "\(shape)", offered: count, accepted: accepted.count, refused: refused,
            submitSeconds: submitSeconds, registrationsPerSecond: Double(accepted.count) / submitSeconds,
            completed: complete.count, endToEndSeconds: e2eSeconds, endToEndPerSecond: Double(complete.count) / e2eSeconds,
            registration: Percentiles(seconds: http), toTicketAssigned: Percentiles(seconds: assigned),
            toResidentNotified: Percentiles(seconds: notified), toAuditRegistered: Percentiles(seconds: auditRegistered),
            toAuditAssigned: Percentiles(seconds: auditAssigned), toComplete: Percentiles(seconds: complete),
            auditRows: rows.rows, auditAppendedPerSecond: rows.perSecond, auditPeakPerSecond: rows.peak,
            processes: usage.usage, peakQueueDepth: usage.queueDepth, peakOutboxLag: usage.outboxLag,
            machineBusyPercent: usage.machineBusyPercent, loadAverageBefore: loadBefore, loadAverageAfter: loadAfter,
            observedEvents: observer.eventCounts())
    }

    /// recorded_at of each appeal's appeal.registered and ticket.assigned entries in audit.log,
    /// read as the superuser (the audit service's own append time, set in the appending transaction).
    static func auditEntries(db: PostgresClient, since: Date, ids: Set<UUID>) async throws -> [UUID: (registered: Date?, assigned: Date?)] {
        let rows = try await db.query("""
            SELECT correlation_id, event_type, recorded_at FROM audit.log
            WHERE recorded_at >= \(since) AND event_type IN ('appeal.registered', 'ticket.assigned')
            """)
        var result: [UUID: (registered: Date?, assigned: Date?)] = [:]
        for row in rows {
            let id = try row.decode(0, as: UUID.self)
            guard ids.contains(id) else { continue }
            let type = try row.decode(1, as: String.self)
            let at = try row.decode(2, as: Date.self)
            var entry = result[id] ?? (nil, nil)
            if type == "appeal.registered" { entry.registered = at } else { entry.assigned = at }
            result[id] = entry
        }
        return result
    }

    /// Rows appended to audit.log since `from`: count, rate over their span, busiest second.
    static func auditRate(db: PostgresClient, from: Date) async throws -> (rows: Int, perSecond: Double, peak: Int) {
        let rows = try await db.query("""
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
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func machineInfo(db: PostgresClient, managementURL: String) async -> MachineInfo {
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKB = meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first }.flatMap { Int($0) } ?? 0
        var uts = utsname()
        uname(&uts)
        let release = withUnsafeBytes(of: &uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let pgVersion = try? await db.query("SHOW server_version").first?.decode(0, as: String.self)
        var rabbit: String?
        var erlang: String?
        if let base = try? parseHTTPBase(managementURL) {
            var auth = "guest:guest"
            if let schemeEnd = managementURL.range(of: "://"), let at = managementURL.range(of: "@", range: schemeEnd.upperBound..<managementURL.endIndex) {
                auth = String(managementURL[schemeEnd.upperBound..<at.lowerBound])
            }
            let connection = BlockingHTTPConnection(host: base.host, port: base.port, timeoutSeconds: 5)
            if let response = try? connection.request(method: "GET", path: "/api/overview",
                                                      headers: [("Authorization", "Basic \(Data(auth.utf8).base64EncodedString())")]),
               let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] {
                rabbit = object["rabbitmq_version"] as? String
                erlang = object["erlang_version"] as? String
            }
            connection.close()
        }
        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        return MachineInfo(processors: ProcessInfo.processInfo.activeProcessorCount, memoryMiB: memKB / 1024, kernel: "Linux \(release)",
                           postgresVersion: pgVersion, rabbitmqVersion: rabbit, erlangVersion: erlang, swiftBuild: build)
    }
}
