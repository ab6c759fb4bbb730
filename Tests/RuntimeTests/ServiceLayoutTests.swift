import Foundation
import HromadaTestSupport
import XCTest

/// Every service has the same shape (issue 12, item 1; docs/CONVENTIONS.md): `Domain/` (pure types
/// and rules, no I/O), `Persistence/` (the only place with SQL and transactions), `Messaging/`,
/// `HTTP/`, and one settings file beside the service's assembly. Read from the source files.
final class ServiceLayoutTests: XCTestCase {
    static let services = ["Intake", "Routing", "Notification", "Audit"]
    static let sources = IntegrationEnvironment.repositoryRoot.appendingPathComponent("Services")

    func testEveryServiceHasTheSameFoldersAndFiles() {
        for service in Self.services {
            let folder = Self.sources.appendingPathComponent("\(service)/Sources")
            for part in ["Domain", "Persistence", "Messaging", "HTTP"] {
                var isFolder: ObjCBool = false
                let path = folder.appendingPathComponent(part).path
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue,
                    "\(service) has no \(part)/")
            }
            for file in ["\(service)Service.swift", "\(service)Settings.swift"] {
                XCTAssertTrue(
                    FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path),
                    "\(service) has no \(file)")
            }
        }
    }

    /// SQL (queries, writes, schema) and the opening of transactions stay in `Persistence/`.
    func testSQLAndTransactionsLiveOnlyInPersistence() throws {
        let sql = try NSRegularExpression(
            pattern: #"\b(SELECT\s|INSERT INTO|DELETE FROM|UPDATE\s+[a-z_.]+\s+SET|CREATE (TABLE|INDEX)|ALTER TABLE)"#
                + #"|\.withTransaction\b|\bnotifyCommitted\("#)
        var found: [String] = []
        for (path, line, text) in try Self.lines() where !path.contains("/Persistence/") {
            if sql.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil {
                found.append("\(path):\(line): \(text.trimmingCharacters(in: .whitespaces))")
            }
        }
        XCTAssertEqual(found, [], "outside Persistence/:\n" + found.joined(separator: "\n"))
    }

    /// Domain code imports no database, broker, server or network library and reads no file.
    func testDomainCodeDoesNoIO() throws {
        let io = [
            "import HromadaPostgres", "import HromadaAMQP", "import Hummingbird", "import NIO",
            "import ServiceLifecycle", "import AsyncHTTPClient",
            "FileManager", "Data(contentsOf:", "String(contentsOf:", "URLSession",
        ]
        var found: [String] = []
        for (path, line, text) in try Self.lines() where path.contains("/Domain/") {
            if let word = io.first(where: { text.contains($0) }) { found.append("\(path):\(line): \(word)") }
        }
        XCTAssertEqual(found, [], "I/O in Domain/:\n" + found.joined(separator: "\n"))
    }

    /// Every line of every Swift file of the four services, comments left out: (path, number, text).
    static func lines() throws -> [(String, Int, String)] {
        var result: [(String, Int, String)] = []
        for service in services {
            let folder = sources.appendingPathComponent("\(service)/Sources")
            guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil) else {
                continue
            }
            for case let file as URL in walker where file.pathExtension == "swift" {
                let path = "Services/\(service)/Sources" + file.path.dropFirst(folder.path.count)
                let text = try String(contentsOf: file, encoding: .utf8)
                for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
                    result.append((path, index + 1, String(line)))
                }
            }
        }
        XCTAssertGreaterThan(result.count, 10_000, "too few lines read under \(sources.path)")
        return result
    }
}
