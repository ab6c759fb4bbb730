import Foundation
import HromadaContracts
import HromadaRuntime
import XCTest

/// Settings in one place: the README's configuration table, the code's one list of variables
/// (`EnvironmentVariable.known`), every `"HROMADA_…"` name the sources read, and the compose and
/// Kubernetes files agree.
final class ConfigurationAgreementTests: XCTestCase {
    /// The checkout's root, from this file's path (Tests/RuntimeTests/…).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// Every `HROMADA_[A-Z0-9_]+` in `text` (a trailing `_`, a name being built, is dropped).
    static func names(in text: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: "HROMADA_[A-Z0-9_]*[A-Z0-9]")
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } })
    }

    /// Variables the tests and the deploy scripts use themselves (where the state folder is, whether
    /// servers are required): not configuration of an executable.
    static let testOnly: Set<String> = [
        "HROMADA_REQUIRE_INFRA", "HROMADA_WRITE_FIXTURES", "HROMADA_STATE",
    ]

    static var known: Set<String> { Set(EnvironmentVariable.known.map(\.name)) }

    /// The names in the first column of the README's configuration table.
    static func readmeTable() throws -> Set<String> {
        let readme = try text("README.md")
        guard let start = readme.range(of: "## Configuration") else { return [] }
        let section = readme[start.upperBound...].prefix { _ in true }
        let end = section.range(of: "\n## ")?.lowerBound ?? section.endIndex
        var names: Set<String> = []
        for line in section[..<end].split(separator: "\n") where line.hasPrefix("| `") {
            let firstColumn = line.dropFirst().prefix { $0 != "|" }
            names.formUnion(Self.names(in: String(firstColumn)))
        }
        return names
    }

    func testTheListHasNoDuplicatesAndEveryVariableSaysWhoReadsIt() {
        XCTAssertEqual(Self.known.count, EnvironmentVariable.known.count, "a variable listed twice")
        for variable in EnvironmentVariable.known {
            XCTAssertFalse(variable.readers.isEmpty, variable.name)
            XCTAssertFalse(variable.meaning.isEmpty, variable.name)
            XCTAssertTrue(variable.name.hasPrefix("HROMADA_"), variable.name)
        }
        // ARCHITECTURE.md's "Environment" table.
        XCTAssertEqual(
            Set(EnvironmentVariable.known.filter(\.isContract).map(\.name)),
            [
                "HROMADA_AMQP_URL", "HROMADA_DATABASE_URL", "HROMADA_HTTP_PORT", "HROMADA_LOG_LEVEL",
                "HROMADA_SMTP_URL",
                "HROMADA_SMS_URL", "HROMADA_RABBITMQ_API", "HROMADA_HTTP_HOST",
            ])
        XCTAssertTrue(EnvironmentVariable.read(by: "notification").contains(.trackingURL))
        XCTAssertEqual(EnvironmentVariable.named("HROMADA_TRACKING_URL"), .trackingURL)
        XCTAssertNil(
            EnvironmentVariable.named("HROMADA_NOTIFICATION_TRACKING_URL"), "the code's name is HROMADA_TRACKING_URL")
    }

    func testTheREADMETableDocumentsExactlyTheKnownVariables() throws {
        let documented = try Self.readmeTable()
        XCTAssertFalse(documented.isEmpty, "the README's configuration table was not found")
        XCTAssertEqual(documented.subtracting(Self.known), [], "documented in the README but read by no code")
        XCTAssertEqual(Self.known.subtracting(documented), [], "read by the code but missing from the README's table")
    }

    func testComposeAndKubernetesSetOnlyKnownDocumentedVariables() throws {
        let documented = try Self.readmeTable()
        let files = [
            "deploy/compose/hromada.env", "deploy/compose/compose.yaml", "deploy/compose/make-secrets.sh",
            "deploy/k8s/10-secrets.yaml", "deploy/k8s/11-config.yaml", "deploy/k8s/40-services.yaml",
        ]
        var seen: Set<String> = []
        for file in files {
            guard let text = try? Self.text(file) else { continue }  // a manifest that moved is another test's business
            let names = Self.names(in: text).subtracting(Self.testOnly)
            seen.formUnion(names)
            XCTAssertEqual(names.subtracting(Self.known), [], "\(file) sets variables no code reads")
            XCTAssertEqual(names.subtracting(documented), [], "\(file) sets variables the README does not document")
        }
        XCTAssertTrue(seen.contains("HROMADA_TRACKING_URL"), "compose/k8s set the tracking URL under the code's name")
        XCTAssertFalse(seen.contains("HROMADA_NOTIFICATION_TRACKING_URL"))
        XCTAssertTrue(
            seen.isSuperset(of: ["HROMADA_AMQP_URL", "HROMADA_DATABASE_URL", "HROMADA_LOG_LEVEL"]), "\(seen)")
    }

    /// Every settings parser reads only variables of the list: any `"HROMADA_…"` name in the
    /// services' and shared libraries' sources must be known (test support excluded).
    func testEveryVariableNamedInTheSourcesIsKnown() throws {
        var unknown: [String: Set<String>] = [:]
        var scanned = 0
        for folder in ["Services", "Shared", "Benchmarks"] {
            let base = Self.root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in files
            where url.pathExtension == "swift" && !url.path.contains("/Shared/TestSupport/") {
                scanned += 1
                let names = Self.names(in: try String(contentsOf: url, encoding: .utf8))
                    .subtracting(Self.known).subtracting(Self.testOnly)
                if !names.isEmpty { unknown[url.path.replacingOccurrences(of: Self.root.path + "/", with: "")] = names }
            }
        }
        XCTAssertGreaterThan(scanned, 20, "the sources were found")
        XCTAssertEqual(
            unknown, [:], "variables read outside EnvironmentVariable.known: add them there and to the README")
    }

    /// Variables of the contract that no executable reads yet (ARCHITECTURE.md fixes the name).
    /// Empty since notification reads HROMADA_SMS_URL (issue 15).
    static let contractButNotYetRead: Set<String> = []

    /// The other direction: no dead entry in the list. A variable counts as read when a source
    /// other than the list names it (`HROMADA_…`, e.g. hromadactl's help text for names it builds)
    /// or passes its constant to a reader (`env.string(.trackingURL)`, `EnvironmentVariable.trackingURL`).
    func testEveryKnownVariableIsReadSomewhere() throws {
        let listFile = Self.root.appendingPathComponent("Shared/Runtime/EnvironmentVariables.swift")
        let list = try String(contentsOf: listFile, encoding: .utf8)
        let declaration = try NSRegularExpression(
            pattern: #"static let (\w+) = EnvironmentVariable\(\s*"(HROMADA_\w+)""#)
        var constants: [String: String] = [:]
        for match in declaration.matches(in: list, range: NSRange(list.startIndex..., in: list)) {
            constants[String(list[Range(match.range(at: 2), in: list)!])] = String(
                list[Range(match.range(at: 1), in: list)!])
        }
        XCTAssertEqual(Set(constants.keys), Self.known, "every known variable has its constant")
        var sources = ""
        for folder in ["Services", "Shared", "Benchmarks"] {
            let base = Self.root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let url as URL in files
            where url.pathExtension == "swift" && url.lastPathComponent != listFile.lastPathComponent
                && !url.path.contains("/Shared/TestSupport/")
            {
                sources += try String(contentsOf: url, encoding: .utf8) + "\n"
            }
        }
        var unread: Set<String> = []
        for (name, constant) in constants {
            let used =
                Self.names(in: sources).contains(name) || sources.contains("(.\(constant))")
                || sources.contains("(.\(constant),") || sources.contains("EnvironmentVariable.\(constant)")
            if !used { unread.insert(name) }
        }
        XCTAssertEqual(
            unread.subtracting(Self.contractButNotYetRead), [], "listed (and documented) but read by no code")
    }

    func testSharedVariablesAreParsedInOnePlace() throws {
        let configuration = try ServiceConfiguration.fromEnvironment(
            serviceName: "intake",
            environment: [
                "HROMADA_RETENTION_DAYS": "30", "HROMADA_PREFETCH": "50", "HROMADA_DATABASE_POOL_SIZE": " 12 ",
            ])
        XCTAssertEqual(configuration.retention, .seconds(30 * 86_400))
        XCTAssertEqual(configuration.prefetch, 50)
        XCTAssertEqual(configuration.databasePoolSize, 12)
        XCTAssertEqual(
            try ServiceConfiguration.fromEnvironment(serviceName: "audit", environment: [:]).retention,
            .seconds(14 * 86_400))
        for (name, value) in [
            ("HROMADA_RETENTION_DAYS", "1"), ("HROMADA_RETENTION_DAYS", "two"), ("HROMADA_PREFETCH", "0"),
            ("HROMADA_PREFETCH", "70000"), ("HROMADA_DATABASE_POOL_SIZE", "0"),
            ("HROMADA_AMQP_URL", "http://secret@host"),
        ] {
            XCTAssertThrowsError(
                try ServiceConfiguration.fromEnvironment(serviceName: "intake", environment: [name: value])
            ) { error in
                XCTAssertTrue("\(error)".contains(name), "\(error)")
                XCTAssertFalse("\(error)".contains("secret"), "the value is never echoed")
            }
        }
    }

    func testTheReadersParsingHelpers() throws {
        let env = EnvironmentReader([
            "HROMADA_SMTP_RETRY_DELAYS": " 2, 10 ,,60 ", "HROMADA_SESSION_SECRET": String(repeating: "ab", count: 32),
            "HROMADA_PUBLIC_URL": "   ", "HROMADA_SMTP_URL": "smtps://relay:465", "HROMADA_SMTP_MAX_ATTEMPTS": "7",
            "HROMADA_ROUTING_WATCH_INTERVAL_MS": "250", "HROMADA_ADMIN_TOKEN": "abc",
        ])
        XCTAssertEqual(env.list(.smtpRetryDelays), ["2", "10", "60"])
        XCTAssertEqual(try env.hexSecret(.sessionSecret), Array(repeating: 0xab, count: 32))
        XCTAssertNil(env.string(.publicURL), "blank counts as unset")
        XCTAssertEqual(try env.url(.smtpURL, schemes: ["smtp", "smtps"]), "smtps://relay:465")
        XCTAssertThrowsError(try env.url(.smtpURL, schemes: ["smtp"]))
        XCTAssertEqual(try env.integer(.smtpMaxAttempts, in: 1...100), 7)
        XCTAssertThrowsError(try env.integer(.smtpMaxAttempts, in: 1...5))
        XCTAssertEqual(
            try env.duration(.routingWatchIntervalMilliseconds, unit: .milliseconds(1), in: 50...60_000),
            .milliseconds(250))
        XCTAssertThrowsError(try env.hexSecret(.adminToken)) { error in
            XCTAssertTrue("\(error)".contains("HROMADA_ADMIN_TOKEN"))
            XCTAssertFalse("\(error)".contains("abc"))
        }
        XCTAssertNil(try env.integer(.prefetch, in: 1...10), "unset")
    }

    /// The consumers apply the contracts' retry policy (ContractsTests checks its numbers).
    func testConsumersUseTheContractsRetryPolicy() {
        let settings = EventConsumer.Settings()
        XCTAssertEqual(settings.retryPolicy, Topology.retryPolicy)
        XCTAssertEqual(settings.maxAttempts, Topology.maxAttempts)
        XCTAssertEqual(EventTopology.deadLetterQueue("hromada.audit"), Topology.deadLetterQueue(.audit))
        XCTAssertEqual(EventTopology.retryQueue("hromada.audit", tier: 0), Topology.retryQueue(.audit, tier: 0))
        // The queues the runtime declares are the contract's names.
        let topology = EventTopology.make(queue: "hromada.audit", bindings: ["#"], retryDelays: Topology.retryDelays)
        let declared = topology.queues.map(\.name)
        XCTAssertEqual(
            Set(declared), Set(["hromada.audit", Topology.deadLetterQueue(.audit)] + Topology.retryQueues(.audit)))
    }
}
