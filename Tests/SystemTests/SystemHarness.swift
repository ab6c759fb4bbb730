import Foundation
import HromadaAMQP
import HromadaPostgres
import HromadaTestSupport
import Logging
import XCTest

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The whole system as real processes: the four service executables built by `swift build`
/// (`hromada-intake`, `-routing`, `-notification`, `-audit`), each with 1 or 2 replicas, against
/// a throwaway database holding all four schemas with their roles (`TestDatabase` plus the same
/// `deploy/local/sql/bootstrap-database.sql` that production uses), a throwaway vhost
/// (`TestBroker`) and an SMTP sink of its own (`deploy/local/smtp-sink.py` on free ports).
/// Every process logs to `<workDirectory>/<service>-<replica>.log`.
///
///     let system = try await SystemHarness.start(replicas: 1)
///     addTeardownBlock { await system.cleanup() }
///     let key = try await system.seedCentre(id: "lib-central")
///     try await system.kill9(.routing); try await system.restart(.routing)
///     let status = try await system.terminate(.intake)   // SIGTERM; exit status within 20 s
final class SystemHarness: @unchecked Sendable {
    enum Service: String, CaseIterable, Sendable {
        case intake, routing, notification, audit
        var executable: String { "hromada-\(rawValue)" }
        var role: String { "hromada_\(rawValue)" }
    }

    struct Key: Hashable, Sendable, CustomStringConvertible {
        let service: Service
        let replica: Int
        var description: String { "\(service.rawValue)-\(replica)" }
    }

    /// One running (or stopped) service process.
    final class ServiceProcess: @unchecked Sendable {
        let key: Key
        let port: Int
        let logURL: URL
        var process: Process?
        init(key: Key, port: Int, logURL: URL) {
            self.key = key
            self.port = port
            self.logURL = logURL
        }
        var baseURL: String { "http://127.0.0.1:\(port)" }
    }

    let replicas: Int
    let workDirectory: URL
    let database: TestDatabase
    let broker: TestBroker
    let adminToken: String
    let binDirectory: URL
    let smtpPort: Int
    let smtpAPI: String
    private let sinkProcess: Process
    private let lock = NSLock()
    private var processes: [Key: ServiceProcess] = [:]
    private var extraEnvironment: [String: String]
    private var cleanedUp = false

    private init(
        replicas: Int, workDirectory: URL, database: TestDatabase, broker: TestBroker, adminToken: String,
        binDirectory: URL, smtpPort: Int, smtpHTTPPort: Int, sinkProcess: Process, extraEnvironment: [String: String]
    ) {
        self.replicas = replicas
        self.workDirectory = workDirectory
        self.database = database
        self.broker = broker
        self.adminToken = adminToken
        self.binDirectory = binDirectory
        self.smtpPort = smtpPort
        self.smtpAPI = "http://127.0.0.1:\(smtpHTTPPort)"
        self.sinkProcess = sinkProcess
        self.extraEnvironment = extraEnvironment
    }

    // MARK: Start and stop

    /// Creates the database, vhost and sink, starts `replicas` processes of every service and waits
    /// until each answers `/health/ready`. On failure everything made so far is removed.
    static func start(replicas: Int = 1, environment: [String: String] = [:]) async throws -> SystemHarness {
        precondition((1...2).contains(replicas))
        let binDirectory = try await executablesDirectory()
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-system-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)

        let database = try await TestDatabase.create(schema: "intake")
        let broker: TestBroker
        do {
            for service in Service.allCases where service != .intake {
                try await database.createSchema(service.rawValue)
            }
            // The same hardening as production (deploy/local/sql/bootstrap-database.sql).
            try await infraInBackground("bootstrap-database", database.name)
            broker = try await TestBroker.create()
        } catch {
            try? await database.drop()
            throw error
        }
        let sink: (Process, Int, Int)
        do {
            sink = try await startSink(
                directory: work.appendingPathComponent("mail"), log: work.appendingPathComponent("smtp-sink.log"),
                ports: work.appendingPathComponent("smtp-sink.ports"))
        } catch {
            try? await database.drop()
            try? await broker.delete()
            throw error
        }
        let harness = SystemHarness(
            replicas: replicas, workDirectory: work, database: database, broker: broker,
            adminToken: "admin-" + UUID().uuidString.lowercased(), binDirectory: binDirectory,
            smtpPort: sink.1, smtpHTTPPort: sink.2, sinkProcess: sink.0, extraEnvironment: environment)
        do {
            // Migrations of one service must not race between its two replicas' first start: start
            // replica 0 of every service, wait, then replica 1.
            for replica in 0..<replicas {
                for service in Service.allCases {
                    let key = Key(service: service, replica: replica)
                    let process = ServiceProcess(
                        key: key, port: try IntegrationEnvironment.freeLoopbackPort(),
                        logURL: work.appendingPathComponent("\(key).log"))
                    harness.lock.withLock { harness.processes[key] = process }
                    try harness.launch(process)
                }
                for service in Service.allCases { try await harness.waitReady(Key(service: service, replica: replica)) }
            }
        } catch {
            harness.printLogs()
            await harness.cleanup()
            throw error
        }
        print("system harness: logs in \(work.path); database \(database.name); vhost \(broker.vhost)")
        return harness
    }

    /// Stops every process (SIGKILL if still running), the sink, drops the database and the vhost.
    func cleanup() async {
        let alreadyDone = lock.withLock { () -> Bool in
            defer { cleanedUp = true }
            return cleanedUp
        }
        if alreadyDone { return }
        for process in lock.withLock({ Array(processes.values) }) {
            if let p = process.process, p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
            }
        }
        if sinkProcess.isRunning {
            kill(sinkProcess.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(5)
            while sinkProcess.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
            if sinkProcess.isRunning { kill(sinkProcess.processIdentifier, SIGKILL) }
        }
        try? await database.drop()
        try? await broker.delete()
    }

    // MARK: Processes

    func process(_ service: Service, _ replica: Int = 0) -> ServiceProcess {
        lock.withLock { processes[Key(service: service, replica: replica)]! }
    }

    func baseURL(_ service: Service, _ replica: Int = 0) -> String { process(service, replica).baseURL }

    /// Every replica's base URL of `service`.
    func baseURLs(_ service: Service) -> [String] { (0..<replicas).map { baseURL(service, $0) } }

    func environment(for key: Key, port: Int) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("HROMADA_") }
        env["HROMADA_HTTP_HOST"] = "127.0.0.1"
        env["HROMADA_HTTP_PORT"] = "\(port)"
        env["HROMADA_AMQP_URL"] = broker.url
        env["HROMADA_DATABASE_URL"] = database.connectionString(role: key.service.role)
        env["HROMADA_DATABASE_POOL_SIZE"] = "4"
        env["HROMADA_LOG_LEVEL"] = "info"
        env["HROMADA_ADMIN_TOKEN"] = adminToken
        env["HROMADA_SEALING_KEYS"] = TestSealing.environmentValue  // issue 13: required by the services
        env["HROMADA_SMTP_URL"] = "smtp://127.0.0.1:\(smtpPort)"
        env["HROMADA_SMTP_RETRY_DELAYS"] = "0.5,1,2"
        env["HROMADA_SMTP_MAX_ATTEMPTS"] = "20"
        // A killed sender's claimed emails are sent by its successor after 30 s, not the default 180.
        env["HROMADA_SMTP_LEASE_SECONDS"] = "30"
        env["HROMADA_TRACKING_URL"] = baseURLIfKnown(.intake) ?? "http://127.0.0.1:8080/"
        // The librarian's pages link each other (issue 14): each one's address once its port is known
        // (intake starts first: `restart(.intake)` gives it notification's).
        if let url = baseURLIfKnown(.intake) { env["HROMADA_INTAKE_URL"] = url }
        if let url = baseURLIfKnown(.notification) { env["HROMADA_NOTIFICATION_URL"] = url }
        // Shared by the replicas so a web session is valid on either.
        // Hex, at least 32 bytes (the web kit refuses anything else); shared by every replica.
        env["HROMADA_SESSION_SECRET"] = String(repeating: "5e55104e", count: 8)
        env["HROMADA_ROUTING_WATCH_INTERVAL_MS"] = "1000"
        env["HROMADA_AUDIT_CHECKPOINT_SECONDS"] = "5"
        for (k, v) in extraEnvironment { env[k] = v }
        return env
    }

    private func baseURLIfKnown(_ service: Service) -> String? {
        lock.withLock { processes[Key(service: service, replica: 0)]?.baseURL }
    }

    private func launch(_ entry: ServiceProcess) throws {
        let p = Self.cleanProcess(binDirectory.appendingPathComponent(entry.key.service.executable).path, [])
        p.environment = environment(for: entry.key, port: entry.port)
        p.currentDirectoryURL = workDirectory
        if !FileManager.default.fileExists(atPath: entry.logURL.path) {
            FileManager.default.createFile(atPath: entry.logURL.path, contents: nil)
        }
        let log = try FileHandle(forWritingTo: entry.logURL)
        log.seekToEndOfFile()
        log.write(Data("\n===== \(Date()) start \(entry.key) on port \(entry.port) =====\n".utf8))
        p.standardOutput = log
        p.standardError = log
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? log.close()
        lock.withLock { entry.process = p }
    }

    /// Polls `GET /health/ready` until 200; fails early when the process exits.
    func waitReady(_ key: Key, timeout: Duration = .seconds(90)) async throws {
        let entry = lock.withLock { processes[key]! }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let p = entry.process, !p.isRunning {
                throw SystemTestError(
                    "\(key) exited with status \(p.terminationStatus) before it was ready;"
                        + " log: \(entry.logURL.path)\n\(tail(entry.logURL))")
            }
            if let r = try? await SystemHTTP.shared.request("GET", entry.baseURL + "/health/ready", timeout: 3),
                r.status == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw SystemTestError(
            "\(key) was not ready within \(timeout); log: \(entry.logURL.path)\n\(tail(entry.logURL))")
    }

    /// `kill -9`: no chance to drain anything.
    func kill9(_ service: Service, _ replica: Int = 0) {
        let entry = process(service, replica)
        guard let p = entry.process, p.isRunning else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        appendLog(entry, "===== \(Date()) killed with SIGKILL =====")
    }

    /// Starts the process again on the same port and waits until it is ready.
    func restart(_ service: Service, _ replica: Int = 0) async throws {
        let entry = process(service, replica)
        if let p = entry.process, p.isRunning { throw SystemTestError("\(entry.key) is still running") }
        try launch(entry)
        try await waitReady(entry.key)
    }

    enum Termination: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)
        case timedOut
        var description: String {
            switch self {
            case .exited(let s): "exited \(s)"
            case .signalled(let s): "killed by signal \(s)"
            case .timedOut: "still running after the grace period (then SIGKILL)"
            }
        }
    }

    /// SIGTERM and waits up to `grace` for the process to end (graceful drain); SIGKILL after.
    func terminate(_ service: Service, _ replica: Int = 0, grace: Duration = .seconds(20)) async -> Termination {
        let entry = process(service, replica)
        guard let p = entry.process else { return .exited(0) }
        if p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while p.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if p.isRunning {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            appendLog(entry, "===== \(Date()) SIGTERM not honoured within \(grace): SIGKILL =====")
            return .timedOut
        }
        let result: Termination =
            p.terminationReason == .exit ? .exited(p.terminationStatus) : .signalled(p.terminationStatus)
        appendLog(entry, "===== \(Date()) SIGTERM: \(result) =====")
        return result
    }

    /// Whether the process is running (it may have crashed on its own).
    func isRunning(_ service: Service, _ replica: Int = 0) -> Bool {
        process(service, replica).process?.isRunning ?? false
    }

    // MARK: Logs

    func printLogs(lines: Int = 60) {
        for entry in lock.withLock({ Array(processes.values) }).sorted(by: { $0.key.description < $1.key.description })
        {
            print("----- \(entry.key) (\(entry.logURL.path)) -----\n\(tail(entry.logURL, lines: lines))")
        }
    }

    /// Lines of every service log that look like crashes or errors (for the report).
    func logLines(containing needle: String) -> [String] {
        lock.withLock { Array(processes.values) }.flatMap { entry -> [String] in
            guard let text = try? String(contentsOf: entry.logURL, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").filter { $0.contains(needle) }.map { "\(entry.key): \($0)" }
        }
    }

    private func appendLog(_ entry: ServiceProcess, _ line: String) {
        guard let handle = try? FileHandle(forWritingTo: entry.logURL) else { return }
        handle.seekToEndOfFile()
        handle.write(Data("\n\(line)\n".utf8))
        try? handle.close()
    }

    func tail(_ url: URL, lines: Int = 40) -> String {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    // MARK: Seeding through the services' admin APIs

    var adminHeaders: [String: String] { ["Authorization": "Bearer \(adminToken)"] }

    /// `PUT /v1/admin/centres/{id}` on intake; returns the centre key.
    func seedCentre(
        id: String, name: String = "ЦОГ центральної бібліотеки",
        address: String = "вул. Потьомкінська, 143а"
    ) async throws -> String {
        let key = "centre-" + UUID().uuidString.lowercased()
        let r = try await SystemHTTP.shared.json(
            "PUT", baseURL(.intake) + "/v1/admin/centres/\(id)",
            ["name": name, "address": address, "key": key], headers: adminHeaders)
        guard r.status == 200 || r.status == 201 else {
            throw SystemTestError("seeding centre \(id): \(r.status) \(r.text.prefix(300))")
        }
        return key
    }

    /// `PUT /v1/admin/centres/{centre}/librarians/{login}` on intake; returns the new password.
    func seedLibrarian(centre: String, login: String = "oksana", prefix: String = "librarian") async throws -> String {
        let password = "\(prefix)-" + UUID().uuidString.lowercased()
        let r = try await SystemHTTP.shared.json(
            "PUT", baseURL(.intake) + "/v1/admin/centres/\(centre)/librarians/\(login)", ["password": password],
            headers: adminHeaders)
        guard r.status == 200 || r.status == 201 else {
            throw SystemTestError("seeding librarian \(login)@\(centre): \(r.status) \(r.text.prefix(300))")
        }
        return password
    }

    /// `hromadactl console` on a free port with `environment`, as an operator runs it; returns its
    /// address once `/health/live` answers (the caller terminates the process).
    static func startConsole(environment: [String: String]) async throws -> (url: String, process: Process) {
        let ctl = try await executablesDirectory().appendingPathComponent("hromadactl").path
        let port = try IntegrationEnvironment.freeLoopbackPort()
        let console = cleanProcess(ctl, ["console", "--port", "\(port)"])
        console.environment = environment
        console.standardOutput = FileHandle.nullDevice
        console.standardError = FileHandle.nullDevice
        try console.run()
        let url = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            (try? await SystemHTTP.shared.request("GET", url + "/health/live").status) == 200
        }
        guard up else {
            console.terminate()
            throw SystemTestError("the console did not start on \(url)")
        }
        return (url, console)
    }

    struct Official: Sendable {
        let id: String
        let token: String
        let authority: String
        let email: String
    }

    /// What the browser tests and the guides start from: a centre, its librarian and ЖКГ's head.
    struct Library {
        let centre: String
        /// The centre's API key (also its key at the notices' sign-in).
        let key: String
        /// The librarian `oksana`'s password at intake's form.
        let librarianPassword: String
        let head: Official
    }

    /// Seeds the centre `centre` called `name`, its librarian `oksana` (a password starting with
    /// `passwordPrefix`) and ЖКГ's head.
    func seedLibrary(centre: String, name: String, passwordPrefix: String) async throws -> Library {
        let key = try await seedCentre(id: centre, name: name)
        let password = try await seedLibrarian(centre: centre, prefix: passwordPrefix)
        return Library(centre: centre, key: key, librarianPassword: password, head: try await seedHousingOfficial())
    }

    /// The id of the ticket routing made for the appeal `number`, once `official` sees it in the
    /// inbox (`GET /v1/tickets`); nil when it is not there within `timeout`.
    func ticketId(for number: String, seenBy official: Official, timeout: Duration = .seconds(30)) async -> String? {
        let auth = ["Authorization": "Bearer \(official.token)"]
        var found: String?
        _ = await eventually(timeout: timeout, every: .milliseconds(300)) {
            let list = try? await SystemHTTP.shared.request("GET", baseURL(.routing) + "/v1/tickets", headers: auth)
            let tickets = (try? list?.object()["tickets"] as? [[String: Any]]) ?? nil
            found = tickets?.first { $0["registrationNumber"] as? String == number }?["id"] as? String
            return found != nil
        }
        return found
    }

    /// Олена Коваль at ЖКГ (`zhkg`): by default its head, who signs its answers.
    func seedHousingOfficial(role: String = "head", email: String = "head.zhkg@example.org") async throws
        -> Official
    {
        try await seedOfficial(name: "Олена Коваль", authority: "zhkg", role: role, email: email)
    }

    /// The mayor's reception (`mayor-reception`), which answers appeals to the mayor.
    func seedReception() async throws -> Official {
        try await seedOfficial(
            name: "Приймальня", authority: "mayor-reception", role: "reception",
            email: "reception@example.org")
    }

    /// `POST /v1/officials` on routing; returns the official's id and token.
    func seedOfficial(name: String, authority: String, role: String = "official", email: String) async throws
        -> Official
    {
        let r = try await SystemHTTP.shared.json(
            "POST", baseURL(.routing) + "/v1/officials",
            ["name": name, "authority": authority, "role": role, "email": email], headers: adminHeaders)
        guard r.status == 201, let body = try? r.object(), let id = body["id"] as? String,
            let token = body["token"] as? String
        else {
            throw SystemTestError("seeding official \(authority): \(r.status) \(r.text.prefix(300))")
        }
        return Official(id: id, token: token, authority: authority, email: email)
    }

    // MARK: The SMTP sink

    struct Mail: Sendable {
        let to: [String]
        let subject: String
        let raw: String
        /// The decoded text body (quoted-printable / base64 parts decoded).
        var text: String { MailDecoding.decodedText(raw) }
    }

    func mails(to address: String? = nil) async throws -> [Mail] {
        var url = smtpAPI + "/messages"
        if let address {
            url += "?to=" + (address.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? address)
        }
        let r = try await SystemHTTP.shared.request("GET", url)
        guard r.status == 200 else { throw SystemTestError("sink /messages: \(r.status)") }
        return try r.array().map { m in
            Mail(
                to: (m["rcptTo"] as? [String]) ?? [],
                subject: MailDecoding.decodeHeader((m["subject"] as? String) ?? ""), raw: (m["raw"] as? String) ?? "")
        }
    }

    // MARK: Database (as the superuser, into the throwaway database)

    /// Runs `sql` (fixed text, schema-qualified names) and returns the first column of the first row.
    func scalar(_ sql: String) async throws -> Int {
        let rows = try await adminQuery(PostgresQuery(stringLiteral: sql))
        guard let row = rows.first else { return 0 }
        return Int(try row.decode(0, as: Int64.self))
    }

    func adminQuery(_ query: PostgresQuery) async throws -> PostgresRows {
        var logger = Logger(label: "hromada.system-test.db")
        logger.logLevel = .warning
        // A new connection each time: the server may have been restarted since the last query.
        let client = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: database.adminConnectionString, poolSize: 1, applicationName: "hromada-system-test"),
            logger: logger)
        do {
            let rows = try await client.query(query)
            await client.close()
            return rows
        } catch {
            await client.close()
            throw error
        }
    }

    /// Rows still waiting in each service's outbox.
    func outboxBacklog() async throws -> Int {
        try await scalar(
            """
            SELECT (SELECT count(*) FROM intake.outbox) + (SELECT count(*) FROM routing.outbox)
                 + (SELECT count(*) FROM notification.outbox) + (SELECT count(*) FROM audit.outbox)
            """)
    }

    /// Ready messages in the four service queues (unacknowledged ones are not counted).
    func queueBacklog() async throws -> Int {
        var total = 0
        for queue in ["hromada.intake", "hromada.routing", "hromada.notification", "hromada.audit"] {
            total += (try? await broker.queueDepth(queue)) ?? 0
        }
        return total
    }

    /// Consumers on `queue` in the test vhost (a passive declare).
    func consumerCount(_ queue: String) async throws -> Int {
        var logger = Logger(label: "hromada.system-test.amqp")
        logger.logLevel = .warning
        let client = AMQPClient(configuration: try broker.configuration(name: "system-test-inspect"), logger: logger)
        do {
            let state = try await client.queueState(queue)
            await client.close()
            return Int(state.consumers)
        } catch {
            await client.close()
            throw error
        }
    }

    // MARK: Helpers

    /// The folder of the built executables: next to the test bundle (`swift build --build-tests`
    /// builds them too); `swift build --product <exe>` once for any that are missing.
    static func executablesDirectory() async throws -> URL {
        var candidates: [URL] = []
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        candidates.append(exe.deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL)
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        candidates.append(IntegrationEnvironment.repositoryRoot.appendingPathComponent(".build/debug"))
        let names = Service.allCases.map(\.executable)
        func complete(_ dir: URL) -> Bool {
            names.allSatisfy { FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }
        }
        if let found = candidates.first(where: complete) { return found }
        let dir =
            candidates.first {
                FileManager.default.fileExists(atPath: $0.appendingPathComponent("hromadaPackageTests.xctest").path)
            }
            ?? IntegrationEnvironment.repositoryRoot.appendingPathComponent(".build/debug")
        for name in names where !FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent(name).path) {
            print("system harness: building \(name) (swift build --product \(name))")
            let root = IntegrationEnvironment.repositoryRoot.path
            let status = try IntegrationEnvironment.spawnAndWait([
                "/bin/bash", "-c", "cd \(Shell.quote(root)) && exec swift build --product \(Shell.quote(name))",
            ])
            guard status == 0 else { throw SystemTestError("swift build --product \(name) failed") }
        }
        guard complete(dir) else { throw SystemTestError("service executables not found in \(dir.path)") }
        return dir
    }

    /// A process for `executable` started as a shell would start it: Foundation's `Process`
    /// passes on the test process's blocked signal mask (XCTest and Dispatch block SIGTERM in their
    /// threads) and ignored SIGPIPE, so a tiny launcher clears both and then `exec`s the program.
    /// Without it a child never sees SIGTERM and the graceful-drain check would test nothing.
    static func cleanProcess(_ executable: String, _ arguments: [String]) -> Process {
        let launcher =
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); "
            + "signal.signal(signal.SIGPIPE, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); "
            + "signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", launcher, executable] + arguments
        return p
    }

    /// `python3 deploy/local/smtp-sink.py --smtp-port 0 --http-port 0`: its first stdout line
    /// names the ports.
    static func startSink(directory: URL, log: URL, ports: URL) async throws -> (Process, Int, Int) {
        FileManager.default.createFile(atPath: ports.path, contents: nil)
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = cleanProcess(
            "/usr/bin/env",
            [
                "python3",
                IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/smtp-sink.py").path,
                "--smtp-port", "0", "--http-port", "0", "--dir", directory.path,
            ])
        p.standardOutput = try FileHandle(forWritingTo: ports)
        p.standardError = try FileHandle(forWritingTo: log)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: ports, encoding: .utf8), let line = text.split(separator: "\n").first,
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let smtp = object["smtpPort"] as? Int, let http = object["httpPort"] as? Int
            {
                return (p, smtp, http)
            }
            if !p.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        if p.isRunning { p.terminate() }
        throw SystemTestError("the SMTP sink did not start; log: \(log.path)")
    }
}

extension HeadlessBrowser {
    /// Opens intake's sign-in page (in Ukrainian) and signs the library's librarian `oksana` in.
    func signInAtIntake(_ intake: String, _ library: SystemHarness.Library) async throws {
        try await open(intake + "/form/login?lang=uk")
        try fill("centre", library.centre)
        try fill("login", "oksana")
        try fill("password", library.librarianPassword)
        try await click("main form button[type=submit]")
    }
}

/// Just enough MIME decoding to read the notices the services send.
enum MailDecoding {
    /// `=?UTF-8?B?…?=` / `=?UTF-8?Q?…?=` encoded words in a header (the sink already decodes
    /// subjects; this is for raw headers).
    static func decodeHeader(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var result = ""
        var rest = Substring(value)
        var lastWasEncoded = false
        while let start = rest.range(of: "=?") {
            let between = rest[rest.startIndex..<start.lowerBound]
            if !(lastWasEncoded && between.allSatisfy(\.isWhitespace)) { result += between }
            let after = rest[start.upperBound...]
            let parts = after.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count == 4, parts[3].hasPrefix("="), let encoding = parts[1].first else {
                result += rest[start.lowerBound...]
                return result
            }
            let payload = String(parts[2])
            if encoding == "B" || encoding == "b", let data = Data(base64Encoded: payload) {
                result += String(decoding: data, as: UTF8.self)
            } else {
                result += String(
                    decoding: quotedPrintable(payload.replacingOccurrences(of: "_", with: " ")), as: UTF8.self)
            }
            rest = parts[3].dropFirst()
            lastWasEncoded = true
        }
        result += rest
        return result
    }

    /// Quoted-printable: soft line breaks (`=` at a line's end) removed, `=XX` escapes decoded.
    static func quotedPrintable(_ text: String) -> [UInt8] {
        let joined = text.replacingOccurrences(of: "=\r\n", with: "").replacingOccurrences(of: "=\n", with: "")
        return HexEscapes.decode(joined, escape: "=")
    }

    /// The decoded bodies of every text part (a single-part message is one part).
    static func decodedText(_ raw: String) -> String {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        var output: [String] = []
        func decodePart(_ part: String) {
            guard let split = part.range(of: "\n\n") else { return }
            let headers = part[part.startIndex..<split.lowerBound].lowercased()
            let body = String(part[split.upperBound...])
            if headers.contains("content-type: multipart/"), let boundaryRange = headers.range(of: "boundary=") {
                // The boundary keeps its case in the original headers.
                let original = part[part.startIndex..<split.lowerBound]
                let offset = headers.distance(from: headers.startIndex, to: boundaryRange.upperBound)
                var boundary = String(
                    original[original.index(original.startIndex, offsetBy: offset)...].prefix {
                        $0 != "\n" && $0 != ";"
                    })
                boundary = boundary.trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
                for sub in body.components(separatedBy: "--\(boundary)").dropFirst() where !sub.hasPrefix("--") {
                    decodePart(String(sub.drop { $0 == "\n" }))
                }
                return
            }
            if headers.contains("content-transfer-encoding: base64") {
                let data = Data(base64Encoded: body.replacingOccurrences(of: "\n", with: "")) ?? Data()
                output.append(String(decoding: data, as: UTF8.self))
            } else if headers.contains("content-transfer-encoding: quoted-printable") {
                output.append(String(decoding: quotedPrintable(body), as: UTF8.self))
            } else {
                output.append(body)
            }
        }
        decodePart(normalized)
        return output.joined(separator: "\n")
    }
}
