import ArgumentParser
import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Logging

/// `hromadactl`: the operators' command line. Every subcommand's logic lives in this library
/// (`StatusCollector`, `DeadLetters`, `AdminClient`, `Seeder`, `Console`); these types only parse
/// arguments and print.
public struct HromadactlCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "hromadactl",
        abstract: "Operate Hromada: health, queues, dead letters, administration, the operator console.",
        discussion: """
            Environment: HROMADA_INTAKE_URL, HROMADA_ROUTING_URL, HROMADA_NOTIFICATION_URL, HROMADA_AUDIT_URL \
            (defaults http://127.0.0.1:8080..8083), HROMADA_RABBITMQ_API (default http://guest:guest@127.0.0.1:15672), \
            HROMADA_AMQP_URL (its path is the vhost), HROMADA_ADMIN_TOKEN, HROMADA_OPERATOR_TOKEN.
            """,
        subcommands: [
            Status.self, DLQ.self, Authorities.self, Officials.self, RoutingRules.self, Centres.self, Audit.self,
            Seed.self, ConsoleCommand.self,
            Report.self, OpenData.self, Demo.self,
            EraseCommand.self, ErasureCommand.self,
            Librarian.self,
        ]
    )
    public init() {}
}

/// Options every administrative command shares.
public struct CommonOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON instead of a table.")
    public var json = false
    @Option(
        name: .long, help: "Administrator token (else HROMADA_ADMIN_TOKEN, else the credentials file's adminToken).")
    public var token: String?
    @Option(name: .long, help: "Credentials file (default .hromada/credentials.json when it exists).")
    public var credentials: String?
    public init() {}

    public func endpoints(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> CtlEndpoints {
        var endpoints = CtlEndpoints.fromEnvironment(environment)
        if let token, !token.isEmpty {
            endpoints.adminToken = token
        } else if endpoints.adminToken == nil, let file = try loadCredentials() {
            endpoints.adminToken = file.adminToken
        }
        return endpoints
    }

    public func loadCredentials() throws -> Credentials? {
        if let credentials { return try Credentials.load(from: credentials) }
        let fallback = ".hromada/credentials.json"
        return FileManager.default.fileExists(atPath: fallback) ? try? Credentials.load(from: fallback) : nil
    }
}

/// A logger at `HROMADA_LOG_LEVEL`, else at `level`. A value that names no level is refused, as the
/// services refuse it, rather than quietly replaced.
public func makeLogger(
    _ label: String = "hromada.ctl", level: Logger.Level = .warning,
    environment: [String: String] = ProcessInfo.processInfo.environment
) throws -> Logger {
    var logger = Logger(label: label)
    do {
        logger.logLevel = try EnvironmentReader(environment).logLevel() ?? level
    } catch {
        throw CtlError(.configuration, "\(error)")
    }
    return logger
}

/// Pretty JSON for `--json`, UUIDs lower-case as on the wire.
func printJSON(_ value: some Encodable) throws {
    let encoder = LowercaseUUIDJSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

/// `hromadactl centres add --json`: the centre as intake answered and the key (shown once).
struct CentreAdded: Encodable {
    var centre: IntakeJSON.Centre
    var key: String
}

func printJSONObject(_ value: Any) throws {
    let data = try JSONSerialization.data(
        withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
    print(String(decoding: data, as: UTF8.self))
}

func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("hromadactl: \(error)\n".utf8))
    return ExitCode((error as? CtlError)?.code == .notFound ? 2 : 1)
}

/// Runs `body`, turning a `CtlError` into a message on stderr and a non-zero exit.
@discardableResult
func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as CtlError { throw fail(error) }
}

extension CommonOptions {
    /// The dead-letter commands' access to the broker, logging at `HROMADA_LOG_LEVEL`.
    func deadLetters() throws -> DeadLetters {
        DeadLetters(endpoints: try endpoints(), logger: try makeLogger())
    }

    /// Prints `answer` as JSON with `--json`, else as `text(answer)`.
    func output<Answer: Encodable>(_ answer: Answer, text: (Answer) throws -> String) throws {
        if json { try printJSON(answer) } else { print(try text(answer)) }
    }

    /// Prints `object` as JSON with `--json`, else `text`: for an answer that is no HromadaAPI type.
    func output(object: [String: Any], text: @autoclosure () -> String) throws {
        if json { try printJSONObject(object) } else { print(text()) }
    }

    /// The administrative commands' one shape: `call` the services with the administrator's client,
    /// then print the answer as JSON with `--json`, else as `text(answer)`; returns the answer.
    @discardableResult
    func administer<Answer: Encodable>(
        _ call: (AdminClient) async throws -> Answer, text: (Answer) throws -> String
    ) async throws -> Answer {
        try await guarded {
            let answer = try await call(AdminClient(endpoints: try endpoints()))
            try output(answer, text: text)
            return answer
        }
    }

    /// The list commands' one shape: `fetch` the rows with the administrator's client, then print them
    /// as JSON with `--json`, else as a table of `header` with one line of `cells` per row.
    func list<Row: Encodable>(
        _ fetch: (AdminClient) async throws -> [Row], header: [String], rightAligned: Set<Int> = [],
        cells: (Row) -> [String]
    ) async throws {
        try await administer(fetch, text: { TextTable.render(header, $0.map(cells), rightAligned: rightAligned) })
    }
}

// MARK: status

extension HromadactlCommand {
    public struct Status: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Services' health and version, queues, outbox lag, tickets per authority.",
            discussion: """
                Exit codes: 0 healthy; 3 unhealthy — a service unreachable or not ready, the management API \
                unreadable, or a main queue (hromada.intake|routing|notification|audit) without consumers; \
                4 with --strict when there are warnings (dead letters, overdue tickets, an undeclared queue, \
                ticket counts unavailable). Dead letters alone never make the exit non-zero without --strict.
                """)
        @OptionGroup public var options: CommonOptions
        @Flag(name: .long, help: "Exit 4 on warnings (e.g. dead letters) too.")
        public var strict = false
        @Option(name: .long, help: "Per-request timeout in seconds.")
        public var timeout: Double = 5
        public init() {}

        public func run() async throws {
            let report = await StatusCollector(endpoints: try options.endpoints(), timeout: timeout).collect()
            try options.output(report, text: { $0.renderText() })
            let code = report.exitCode(strict: strict)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

// MARK: dlq

extension HromadactlCommand {
    public struct DLQ: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "dlq", abstract: "Dead letters: list, show, replay, purge.",
            subcommands: [List.self, Show.self, Replay.self, Purge.self])
        public init() {}

        public struct List: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Dead-letter queues and their messages (read without removing them).")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "Only this queue (e.g. hromada.routing).")
            public var queue: String?
            @Option(name: .long, help: "At most this many messages per queue.")
            public var limit: Int = 100
            public init() {}

            public func run() async throws {
                try await guarded {
                    let lists = try await options.deadLetters().list(queue: queue, limit: limit)
                    if options.json {
                        try printJSON(lists)
                        return
                    }
                    for entry in lists {
                        print("\(entry.deadQueue): \(entry.count) message(s)")
                        if entry.messages.isEmpty { continue }
                        print(
                            TextTable.render(
                                ["message id", "type", "original routing key", "attempts", "failed at", "last error"],
                                entry.messages.map { m in
                                    [
                                        m.messageId ?? "-", m.type ?? "-", m.originalRoutingKey ?? "-",
                                        m.attempts.map(String.init) ?? "-", m.failedAt ?? "-",
                                        String((m.lastError ?? "-").prefix(80)),
                                    ]
                                }))
                        print("")
                    }
                }
            }
        }

        public struct Show: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(abstract: "One dead letter: headers and body.")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "The message id (the envelope's id).")
            public var messageId: String
            public init() {}

            public func run() async throws {
                try await guarded {
                    let (queue, message) = try await options.deadLetters().show(messageId: messageId)
                    try options.output(message) { message in
                        let fields = [
                            "queue:                \(queue)",
                            "message id:           \(message.messageId ?? "-")",
                            "type:                 \(message.type ?? "-")",
                            "correlation id:       \(message.correlationId ?? "-")",
                            "original routing key: \(message.originalRoutingKey ?? "-")",
                            "attempts:             \(message.attempts.map(String.init) ?? "-")",
                            "failed at:            \(message.failedAt ?? "-")",
                            "last error:           \(message.lastError ?? "-")",
                            "headers:",
                        ]
                        let headers = message.headers.sorted(by: { $0.key < $1.key }).map { "  \($0.key): \($0.value)" }
                        return (fields + headers + ["body:", message.payload]).joined(separator: "\n")
                    }
                }
            }
        }

        public struct Replay: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract:
                    "Move dead letters back to their queue (published with a confirm before the dead copy is removed).")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "The queue, e.g. hromada.routing (or hromada.routing.dead).")
            public var queue: String
            @Option(name: .customLong("message-id"), help: "Replay only this message.")
            public var messageId: String?
            @Flag(name: .long, help: "Replay every dead letter of the queue.")
            public var all = false
            public init() {}

            public func validate() throws {
                if (messageId == nil) == !all { throw ValidationError("give exactly one of --message-id ID or --all") }
            }

            public func run() async throws {
                try await guarded {
                    let result = try await options.deadLetters().replay(queue: queue, messageId: messageId)
                    try options.output(result) { result in
                        (["replayed \(result.replayed.count) message(s) to \(result.queue)"]
                            + result.replayed.map { "  \($0)" }).joined(separator: "\n")
                    }
                }
            }
        }

        public struct Purge: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Delete every dead letter of a queue. Asks on a terminal; needs --yes otherwise.")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "The queue, e.g. hromada.routing.")
            public var queue: String
            @Flag(name: .long, help: "Do not ask.")
            public var yes = false
            public init() {}

            public func run() async throws {
                try await guarded {
                    let dead = DeadLetters.mainQueue(queue) + ".dead"
                    if !yes {
                        guard isatty(STDIN_FILENO) == 1 else {
                            throw CtlError(
                                .refused, "refusing to purge \(dead) without --yes (stdin is not a terminal)")
                        }
                        print("Delete every message in \(dead)? Type the queue name to confirm: ", terminator: "")
                        guard readLine()?.trimmingCharacters(in: .whitespaces) == dead else {
                            throw CtlError(.refused, "not confirmed; nothing deleted")
                        }
                    }
                    let count = try await options.deadLetters().purge(queue: queue)
                    try options.output(
                        object: ["queue": dead, "purged": count], text: "purged \(count) message(s) from \(dead)")
                }
            }
        }
    }
}

// MARK: administration

extension HromadactlCommand {
    public struct Authorities: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Authorities with open and overdue tickets.", subcommands: [List.self],
            defaultSubcommand: List.self)
        public init() {}
        public struct List: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            public init() {}
            public func run() async throws {
                try await options.list(
                    { try await $0.authorities() }, header: ["code", "name", "open", "overdue"], rightAligned: [2, 3],
                    cells: { [$0.code, $0.nameUk ?? "-", "\($0.openTickets)", "\($0.overdueTickets)"] })
            }
        }
    }

    public struct Officials: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Officials and their tokens.", subcommands: [List.self, Add.self, Token.self])
        public init() {}

        public struct List: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            public init() {}
            public func run() async throws {
                try await options.list(
                    { try await $0.officials() }, header: ["id", "authority", "role", "name", "active", "token"],
                    cells: { o in
                        [
                            o.id.uuidString.lowercased(), o.authority, o.role, o.name, o.active ? "yes" : "no",
                            o.hasToken ? "yes" : "no",
                        ]
                    })
            }
        }

        public struct Add: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Add an official; prints their token once.")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long) public var name: String
            @Option(name: .long, help: "Authority code, e.g. zhkg.") public var authority: String
            @Option(name: .long, help: "official | reception | administrator") public var role: String = "official"
            @Option(name: .long) public var email: String?
            public init() {}
            public func run() async throws {
                try await options.administer(
                    {
                        try await $0.addOfficial(name: name, authority: authority, role: role, email: email)
                    }, text: { "official \($0.id.uuidString.lowercased()) added; token (shown once): \($0.token)" })
            }
        }

        public struct Token: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Issue or revoke an official's token.", subcommands: [Issue.self, Revoke.self])
            public init() {}
            public struct Issue: AsyncParsableCommand {
                @OptionGroup public var options: CommonOptions
                @Argument(help: "The official's id.") public var id: String
                public init() {}
                public func run() async throws {
                    try await guarded {
                        let token = try await AdminClient(endpoints: try options.endpoints()).issueToken(officialId: id)
                        try options.output(
                            object: ["id": id, "token": token],
                            text: "new token (shown once; the old one no longer works): \(token)")
                    }
                }
            }
            public struct Revoke: AsyncParsableCommand {
                @OptionGroup public var options: CommonOptions
                @Argument(help: "The official's id.") public var id: String
                public init() {}
                public func run() async throws {
                    try await guarded {
                        try await AdminClient(endpoints: try options.endpoints()).revokeToken(officialId: id)
                        try options.output(object: ["id": id, "revoked": true], text: "token of \(id) revoked")
                    }
                }
            }
        }
    }

    public struct RoutingRules: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "routing-rules", abstract: "Read or replace the routing rules.",
            subcommands: [Get.self, Set.self])
        public init() {}
        public struct Get: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            public init() {}
            public func run() async throws {
                try await options.administer(
                    { try await $0.routingRules() },
                    text: { rules in
                        "version \(rules.version)\n"
                            + TextTable.render(
                                ["category", "district", "authority"],
                                rules.rules.map { [$0.category, $0.district ?? "*", $0.authority] })
                    })
            }
        }
        public struct Set: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract:
                    "Replace the rules with a file: "
                    + "{\"expectedVersion\"?: n, \"rules\": [{category, district?, authority}]}."
            )
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "The rules file (JSON).") public var file: String
            public init() {}
            public func run() async throws {
                try await options.administer(
                    { admin in
                        guard let data = FileManager.default.contents(atPath: file) else {
                            throw CtlError(.configuration, "cannot read \(file)")
                        }
                        return try await admin.setRoutingRules(data)
                    }, text: { "routing rules replaced; version \($0.version)" })
            }
        }
    }

    public struct Centres: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Citizen service centres (intake).", subcommands: [List.self, Add.self])
        public init() {}
        public struct List: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            public init() {}
            public func run() async throws {
                try await options.list(
                    { try await $0.centres() }, header: ["id", "name", "address", "active"],
                    cells: { [$0.id, $0.name, $0.address, $0.active ? "yes" : "no"] })
            }
        }
        public struct Add: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Create or update a centre; prints the generated key once when --key is not given.")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "Centre id: lower-case letters, digits, dashes.") public var id: String
            @Option(name: .long) public var name: String
            @Option(name: .long) public var address: String
            @Option(name: .long, help: "The centre's key (16+ characters); generated when absent.") public var key:
                String?
            @Flag(name: .long, help: "Create it inactive.") public var inactive = false
            public init() {}
            public func run() async throws {
                let key = self.key ?? SecureRandom.token(bytes: 24)
                try await options.administer(
                    {
                        CentreAdded(
                            centre: try await $0.putCentre(
                                id: id, name: name, address: address, key: key, active: !inactive),
                            key: key)
                    }, text: { _ in "centre \(id) in place" + (self.key == nil ? "; key (shown once): \(key)" : "") })
            }
        }
    }

    public struct Audit: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "The audit log: verify, trail, export, erase.",
            subcommands: [Verify.self, Trail.self, Export.self, Erase.self])
        public init() {}
        public struct Verify: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Recompute the hash chain; exit 3 when it is broken.")
            @OptionGroup public var options: CommonOptions
            public init() {}
            public func run() async throws {
                let result = try await options.administer(
                    { try await $0.auditVerify() },
                    text: { result in
                        result.ok
                            ? "audit chain OK: \(result.entries) entries"
                            : "audit chain BROKEN at sequence \(result.firstBadSequence.map(String.init) ?? "?") "
                                + "(\(result.reason ?? "-"))"
                    })
                if !result.ok { throw ExitCode(3) }
            }
        }
        public struct Trail: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            @Argument(help: "Registration number, e.g. MK-2026-000001.") public var registrationNumber: String
            public init() {}
            public func run() async throws {
                try await options.administer(
                    { try await $0.auditTrail(registrationNumber) },
                    text: { trail in
                        TextTable.render(
                            ["seq", "at", "type", "actor"],
                            trail.entries.map { e in
                                ["\(e.sequence)", PeopleDates.minute(e.occurredAt, .en), e.type, e.actor]
                            })
                    })
            }
        }
        public struct Export: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(abstract: "Write the log as JSON Lines.")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "First sequence number.") public var from: Int64 = 1
            @Option(name: .long, help: "Output file (default: standard output).") public var output: String?
            public init() {}
            public func run() async throws {
                try await guarded {
                    let data = try await AdminClient(endpoints: try options.endpoints()).auditExport(from: from)
                    if let output {
                        guard FileManager.default.createFile(atPath: output, contents: data) else {
                            throw CtlError(.configuration, "cannot write \(output)")
                        }
                        let lines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                        FileHandle.standardError.write(Data("wrote \(lines) line(s) to \(output)\n".utf8))
                    } else {
                        FileHandle.standardOutput.write(data)
                    }
                }
            }
        }
        public struct Erase: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Destroy an appeal's personal-data key (end of retention); the chain still verifies.")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "Registration number.") public var registrationNumber: String
            public init() {}
            public func run() async throws {
                try await options.administer(
                    { try await $0.auditErase(registrationNumber) },
                    text: { result in
                        result.alreadyErased
                            ? "\(registrationNumber): already erased"
                            : "\(registrationNumber): \(result.keysDestroyed) key(s) destroyed"
                    })
            }
        }
    }

    public struct Seed: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract:
                "Idempotently create the demo centre and demo officials from the credentials file "
                + "(missing tokens are generated and saved)."
        )
        @Option(name: .long, help: "The credentials file.") public var credentials: String = ".hromada/credentials.json"
        @Option(name: .long, help: "Administrator token (else HROMADA_ADMIN_TOKEN, else the file's adminToken).") public
            var token: String?
        public init() {}
        public func run() async throws {
            try await guarded {
                var file =
                    FileManager.default.fileExists(atPath: credentials)
                    ? try Credentials.load(from: credentials) : Credentials()
                if Seeder.complete(&file, newToken: { SecureRandom.token(bytes: 24) }) {
                    try file.save(to: credentials)
                    print("credentials completed in \(credentials)")
                }
                var endpoints = CtlEndpoints.fromEnvironment()
                endpoints.adminToken = token ?? endpoints.adminToken ?? file.adminToken
                for line in try await Seeder(admin: AdminClient(endpoints: endpoints)).seed(file) { print(line) }
            }
        }
    }

    public struct ConsoleCommand: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "console", abstract: "Serve the operator dashboard (default port 8090).")
        @Option(name: .long, help: "Port (else HROMADA_HTTP_PORT, else 8090).") public var port: Int?
        @Option(name: .long, help: "Address to listen on.") public var host: String = "127.0.0.1"
        @Option(name: .long, help: "Credentials file for the operator and admin tokens when the environment has none.")
        public var credentials: String?
        public init() {}
        public func run() async throws {
            try await guarded {
                let environment = ProcessInfo.processInfo.environment
                var endpoints = CtlEndpoints.fromEnvironment(environment)
                let path = credentials ?? ".hromada/credentials.json"
                let file = FileManager.default.fileExists(atPath: path) ? try? Credentials.load(from: path) : nil
                if endpoints.adminToken == nil { endpoints.adminToken = file?.adminToken }
                let reader = EnvironmentReader(environment)
                guard let operatorToken = reader.string(.operatorToken) ?? file?.operatorToken else {
                    throw CtlError(
                        .configuration, "no operator token: set HROMADA_OPERATOR_TOKEN or pass --credentials")
                }
                let logger = try makeLogger("hromada.console", level: .info)
                // HROMADA_HTTP_PORT (a bad one is refused, not replaced by 8090), then HROMADA_PUBLIC_URL
                // (links, origin checks) and HROMADA_SESSION_SECRET (hex), as every web service.
                let port: Int
                let web: WebSettings
                do {
                    port = try self.port ?? reader.integer(.httpPort, in: 1...65535) ?? 8090
                    web = try WebSettings.fromEnvironment(service: "console", port: port, environment: environment)
                } catch {
                    throw CtlError(.configuration, "\(error)")
                }
                let settings = ConsoleSettings(
                    host: host, port: port, operatorToken: operatorToken, endpoints: endpoints, web: web)
                let console = try await Console(settings: settings, logger: logger)
                try await console.run()
            }
        }
    }
}
