import Foundation
import HromadaTestSupport
import XCTest

/// The tree's formatting and its pointers (issue 12, item 9): the sources pass `swift format lint`
/// under the root's `.swift-format`, no Swift line is over 120 columns (the linter lets long comments
/// and string literals through, so that is checked on its own), and no comment, script or page sends
/// a reader to a file outside the repository, which a fresh clone does not have.
final class RepositoryHygieneTests: XCTestCase {
    static let root = IntegrationEnvironment.repositoryRoot

    func testTheSourcesPassSwiftFormatLint() throws {
        // The toolchain that runs these tests, by the PATH it was started with; --strict: a warning
        // fails too. The findings go to stderr.
        let (status, output) = try IntegrationEnvironment.run(
            "/bin/bash",
            [
                "-c",
                "cd \(Shell.quote(Self.root.path)) && swift format lint --strict --recursive "
                    + "Services Shared Tests Benchmarks Package.swift 2>&1",
            ],
            environment: [
                "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSTemporaryDirectory(),
            ])
        XCTAssertEqual(status, 0, "swift format lint found:\n\(output.prefix(4000))")
    }

    /// No Swift line is longer than 120 columns, comments and string literals included (the
    /// formatter does not break either). The exceptions are three lines of SQL in migrations that
    /// deployed databases have applied: the migrator checks each applied migration's SQL by its
    /// checksum, so their text stays as it is.
    func testNoSwiftLineIsLongerThan120Columns() throws {
        let applied: Set<String> = [
            "ALTER TABLE report_appeals ADD COLUMN arrival text, ADD COLUMN collective boolean NOT NULL DEFAULT false;",
            "recipient_kind      text        NOT NULL CHECK (recipient_kind IN ('resident', 'official', 'centre', "
                + "'reception')),",
            "status text NOT NULL CHECK (status IN ('assigned','accepted','forwarded','extended','answered',"
                + "'reopened','closed')),",
        ]
        var long: [String] = []
        for file in try Self.trackedTextFiles() where file.hasSuffix(".swift") {
            let text = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.count > 120 && !applied.contains(line.trimmingCharacters(in: .whitespaces)) {
                long.append("\(file):\(number + 1): \(line.count) columns")
            }
        }
        XCTAssertEqual(long, [], "lines over 120 columns:\n" + long.joined(separator: "\n"))
    }

    /// Paths that exist only on a developer's machine: the shared project folder beside the
    /// checkout, the machine's work folder, notes kept in /tmp.
    func testNothingPointsOutsideTheRepository() throws {
        let outside = ["../" + "shared/", "/" + "work/", "/tmp/" + "issue"]
        // BENCHMARKS.md records the commands as they were run, paths included.
        let records: Set<String> = ["BENCHMARKS.md"]
        var found: [String] = []
        for file in try Self.trackedTextFiles() where !records.contains(file) {
            guard let text = try? String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where outside.contains(where: { line.contains($0) }) {
                found.append("\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
        XCTAssertEqual(found, [], "pointers outside the repository:\n" + found.joined(separator: "\n"))
    }

    /// docs/CONVENTIONS.md follows one appeal through the files: every Swift file it names (a path,
    /// or the end of one) is in the tree, so a move that forgets the page fails here.
    func testTheConventionsPageNamesFilesThatExist() throws {
        let page = try String(
            contentsOf: Self.root.appendingPathComponent("docs/CONVENTIONS.md"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"`([A-Za-z0-9_/+.-]+\.swift)`"#)
        let named = regex.matches(in: page, range: NSRange(page.startIndex..., in: page)).compactMap {
            Range($0.range(at: 1), in: page).map { String(page[$0]) }
        }
        XCTAssertGreaterThan(named.count, 10, "the page names too few files")
        let files = try Self.trackedTextFiles()
        let missing = Set(named).filter { name in !files.contains { $0 == name || $0.hasSuffix("/" + name) } }
        XCTAssertEqual(missing.sorted(), [], "named in docs/CONVENTIONS.md, not in the tree")
    }

    /// The files git tracks, by the endings of code, scripts and pages (not images or fixtures).
    static func trackedTextFiles() throws -> [String] {
        let endings = [".swift", ".sh", ".py", ".md", ".sql", ".mustache", ".html", ".css", ".js", ".yaml", ".yml"]
        let (status, output) = try IntegrationEnvironment.run(
            "/usr/bin/git", ["-C", root.path, "ls-files"], environment: ["PATH": "/usr/bin:/bin"])
        guard status == 0 else { throw XCTSkip("not a git checkout (git ls-files exited \(status))") }
        let files = output.split(separator: "\n").map(String.init)
            .filter { file in endings.contains { file.hasSuffix($0) } || file.hasPrefix(".ci/") }
        XCTAssertGreaterThan(files.count, 300, "git ls-files listed too few files: \(files.count)")
        return files
    }
}
