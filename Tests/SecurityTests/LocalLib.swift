import Foundation
import HromadaTestSupport
import XCTest

/// deploy/local/lib.sh, as the deploy scripts use it: the security tests check what its generators
/// and tables give (broker rights, secrets and their file modes) without starting anything.
enum LocalLib {
    /// The output of `command` run after sourcing lib.sh with a throwaway state folder (removed
    /// afterwards), so nothing is read from or written to the developer's `.hromada`.
    static func run(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let lib = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/local/lib.sh").path
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("hromada-lib-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let (status, output) = try IntegrationEnvironment.run(
            "/bin/bash", ["-c", "source '\(lib)' && \(command)"],
            environment: ["HROMADA_STATE": state, "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(status, 0, command, file: file, line: line)
        return output.trimmingCharacters(in: .newlines)
    }
}
