import ArgumentParser
import Foundation
import HromadaAPI

#if canImport(Glibc)
    import Glibc
#endif

extension HromadactlCommand {
    /// `hromadactl librarian add|list`: librarians' personal accounts at a centre (intake).
    public struct Librarian: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Librarians' personal accounts at a centre (intake's form).", subcommands: [Add.self, List.self])
        public init() {}

        public struct Add: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Create a librarian's account; the password is prompted for, or generated and printed once.")
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "The centre's id.") public var centre: String
            @Option(name: .long, help: "The librarian's login (2–64 lower-case letters, digits, . _ -).")
            public var login: String
            @Flag(name: .long, help: "Generate the password instead of prompting for it (also when not on a terminal).")
            public var generate = false
            public init() {}

            public func run() async throws {
                let password = generate ? nil : try await guarded { try Self.promptPassword() }
                try await options.administer(
                    {
                        try await $0.addLibrarian(centre: centre, login: login, password: password)
                    },
                    text: { created in
                        "librarian \(created.librarian.login) at \(created.librarian.centre) created"
                            + (created.password.map { "; password (shown once): \($0)" } ?? "")
                    })
            }

            /// Asks twice on the terminal without echo; nil (generate one) when stdin is no terminal.
            static func promptPassword() throws -> String? {
                guard isatty(STDIN_FILENO) == 1 else { return nil }
                func ask(_ prompt: String) -> String { getpass(prompt).map { String(cString: $0) } ?? "" }
                let first = ask("Password (12+ characters; empty to generate one): ")
                if first.isEmpty { return nil }
                guard ask("Again: ") == first else { throw CtlError(.configuration, "the two passwords differ") }
                return first
            }
        }

        public struct List: AsyncParsableCommand {
            @OptionGroup public var options: CommonOptions
            @Option(name: .long, help: "The centre's id.") public var centre: String
            public init() {}
            public func run() async throws {
                try await options.list(
                    { try await $0.librarians(centre: centre) }, header: ["login", "id", "active"],
                    cells: { [$0.login, $0.id.uuidString.lowercased(), $0.active ? "yes" : "no"] })
            }
        }
    }
}
