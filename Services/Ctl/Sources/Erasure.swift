import ArgumentParser
import Foundation
import HromadaAPI
import HromadaContracts
import HromadaWeb

// `hromadactl erase` and `hromadactl erasure status`: an administrator's erasure of an appeal's
// personal data with its legal reason, and the operators' view of which erasures every service
// has confirmed (intake's `/v1/admin/erasures` API, docs/RETENTION.md).

extension AdminClient {
    public func erase(_ registrationNumber: String, reason: String) async throws -> ErasureJSON.Status {
        try await call(
            "POST", "intake", "/v1/admin/appeals/\(RabbitManagement.encode(registrationNumber))/erase",
            sending: ErasureJSON.Request(reason: reason), as: ErasureJSON.Status.self)
    }

    /// `state`: "waiting", "complete" or nil for all.
    public func erasures(state: String?, limit: Int) async throws -> ErasureJSON.List {
        var path = "/v1/admin/erasures?limit=\(limit)"
        if let state { path += "&state=\(RabbitManagement.encode(state))" }
        return try await call("GET", "intake", path, as: ErasureJSON.List.self)
    }

    /// Intake applies and sends again every erasure it has recorded; returns how many.
    public func republishErasures() async throws -> Int {
        try await call("POST", "intake", "/v1/admin/erasures/republish", as: [String: Int].self)["republished"] ?? 0
    }

    /// Erases again, after a restore, an appeal whose erasure is in `ledger` but unknown to the
    /// restored intake. Returns the registration numbers erased again.
    public func reapply(ledger: ErasureJSON.List) async throws -> [String] {
        var erased: [String] = []
        for entry in ledger.erasures {
            do {
                _ = try await erasure(entry.registrationNumber)
                continue  // intake remembers it: the republish covers it
            } catch let error as CtlError where error.code == .notFound {}
            _ = try await call(
                "POST", "intake", "/v1/admin/appeals/\(RabbitManagement.encode(entry.registrationNumber))/erase",
                sending: ErasureJSON.Request(
                    reason:
                        "erased again after a restore; first erased \(ISO8601.format(entry.erasedAt)): \(entry.reason)",
                    reapply: true),
                as: ErasureJSON.Status.self)
            erased.append(entry.registrationNumber)
        }
        return erased
    }

    public func erasure(_ registrationNumber: String) async throws -> ErasureJSON.Status {
        try await call(
            "GET", "intake", "/v1/admin/erasures/\(RabbitManagement.encode(registrationNumber))",
            as: ErasureJSON.Status.self)
    }
}

/// The table `hromadactl erasure status` prints.
enum ErasureTable {
    static func render(_ list: ErasureJSON.List) -> String {
        let rows = list.erasures.map { e in
            [
                e.registrationNumber, PeopleDates.minute(e.erasedAt, .en), e.trigger,
                e.complete ? "erased everywhere" : "waiting",
                e.waiting.isEmpty ? "-" : e.waiting.joined(separator: ", "),
            ]
        }
        return TextTable.render(["registration number", "erased at", "trigger", "state", "waiting for"], rows)
            + "\n\(list.complete) fully erased, \(list.waiting) waiting for a service"
    }
}

extension HromadactlCommand {
    public struct EraseCommand: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "erase",
            abstract: "Erase a closed appeal's personal data in every service, with the legal reason.",
            discussion: """
                Refused (exit 1) while the appeal is still open. The services confirm one by one: \
                `hromadactl erasure status MK-…` shows which have.
                """)
        @OptionGroup public var options: CommonOptions
        @Argument(help: "Registration number, e.g. MK-2026-000001.") public var registrationNumber: String
        @Option(name: .long, help: "The legal reason for the erasure (recorded in intake).") public var reason: String
        public init() {}

        public func run() async throws {
            try await options.administer(
                { try await $0.erase(registrationNumber, reason: reason) },
                text: { status in
                    let when = PeopleDates.minute(status.erasedAt, .en)
                    return status.erasedNow == false
                        ? "\(status.registrationNumber) was already erased at \(when)"
                        : "\(status.registrationNumber) erased at \(when); waiting for: "
                            + (status.waiting.isEmpty ? "nobody" : status.waiting.joined(separator: ", "))
                })
        }
    }

    public struct ErasureCommand: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "erasure", abstract: "Erasures of residents' data and their progress.",
            subcommands: [Status.self, Reapply.self])
        public init() {}

        public struct Status: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Which appeals are fully erased and which still wait for a service (exit 4 if any wait).")
            @OptionGroup public var options: CommonOptions
            @Argument(help: "One registration number (default: the newest erasures).")
            public var registrationNumber: String?
            @Flag(name: .long, help: "Only erasures still waiting for a service.") public var waiting = false
            @Option(name: .long, help: "At most this many erasures.") public var limit: Int = 100
            public init() {}

            public func run() async throws {
                let list = try await options.administer(
                    { client in
                        guard let registrationNumber else {
                            return try await client.erasures(state: waiting ? "waiting" : nil, limit: limit)
                        }
                        let one = try await client.erasure(registrationNumber)
                        return ErasureJSON.List(
                            erasures: [one], complete: one.complete ? 1 : 0, waiting: one.complete ? 0 : 1)
                    }, text: ErasureTable.render)
                if list.waiting > 0 { throw ExitCode(4) }
            }
        }

        public struct Reapply: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "After a database restore: erase again every appeal erased before it.",
                discussion: """
                    Intake sends every erasure it remembers again (each service erases and confirms again); \
                    with --ledger, the erasures in a saved `hromadactl erasure status --json` file that the \
                    restored intake does not know are applied again too (docs/RETENTION.md, "Backups").
                    """)
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "A saved `hromadactl erasure status --json` output.") public var ledger: String?
            public init() {}

            public func run() async throws {
                try await guarded {
                    let client = AdminClient(endpoints: try options.endpoints())
                    var again: [String] = []
                    if let ledger {
                        guard let data = FileManager.default.contents(atPath: ledger) else {
                            throw CtlError(.configuration, "cannot read \(ledger)")
                        }
                        let list = try APICoding.decode(ErasureJSON.List.self, from: data)
                        again = try await client.reapply(ledger: list)
                    }
                    let republished = try await client.republishErasures()
                    print(
                        "erased again from the ledger: \(again.count); "
                            + "erasures sent again to every service: \(republished)"
                    )
                }
            }
        }
    }
}
