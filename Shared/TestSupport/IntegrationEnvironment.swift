import Foundation
import XCTest

/// Where the integration tests find the real servers that `deploy/local/infra.sh start` runs.
/// Every value can be overridden by an environment variable; the defaults match deploy/local.
public enum IntegrationEnvironment {
    /// Superuser connection to the local PostgreSQL, used only by tests to create throwaway databases.
    /// Default: `postgres` with its generated password (`secrets/postgres/postgres`).
    public static var postgresAdminURL: String {
        env("HROMADA_TEST_PG_ADMIN_URL")
            ?? "postgresql://postgres:\(secret("postgres", "postgres") ?? "postgres")@127.0.0.1:5432/postgres"
    }
    /// The broker as its administrator (`hromada-admin`); tests replace the vhost with a throwaway
    /// one (see TestBroker).
    public static var amqpURL: String {
        if let url = env("HROMADA_TEST_AMQP_URL") { return url }
        guard let password = secret("rabbitmq", brokerAdmin) else { return "amqp://guest:guest@127.0.0.1:5672/%2f" }
        return "amqp://\(brokerAdmin):\(password)@127.0.0.1:5672/%2f"
    }
    /// RabbitMQ management API as the administrator, used by tests to create and delete throwaway
    /// vhosts and users.
    public static var rabbitMQAPI: String {
        if let url = env("HROMADA_TEST_RABBITMQ_API") { return url }
        guard let password = secret("rabbitmq", brokerAdmin) else { return "http://guest:guest@127.0.0.1:15672" }
        return "http://\(brokerAdmin):\(password)@127.0.0.1:15672"
    }
    public static let brokerAdmin = "hromada-admin"

    /// Where deploy/local keeps its generated passwords (`secrets/rabbitmq/<user>`,
    /// `secrets/postgres/<role>`): `HROMADA_TEST_SECRETS`, default `.hromada/secrets`.
    public static var secretsDirectory: URL {
        if let path = env("HROMADA_TEST_SECRETS") { return URL(fileURLWithPath: path) }
        return repositoryRoot.appendingPathComponent(".hromada/secrets")
    }

    /// A generated password (`kind` = `rabbitmq` or `postgres`), nil when there is none.
    public static func secret(_ kind: String, _ name: String) -> String? {
        let file = secretsDirectory.appendingPathComponent(kind).appendingPathComponent(name)
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
    /// The checkout's root, so tests can call deploy/local scripts and find fixtures.
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Shared/TestSupport/<file>
        return url
    }

    /// Where a test writes pictures that are also kept under `docs/` (`committed`, a folder relative
    /// to the root): into that folder only with `HROMADA_WRITE_FIXTURES=1`, as the contract fixtures
    /// are regenerated; otherwise into the same path under `.hromada/`, so that a test run never
    /// changes a tracked file (two pictures of an unchanged page differ by their dates).
    public static func picturesFolder(committed: String) -> URL {
        writesFixtures
            ? repositoryRoot.appendingPathComponent(committed)
            : repositoryRoot.appendingPathComponent(".hromada/" + committed)
    }

    /// `HROMADA_WRITE_FIXTURES=1`: tests write what they check against into the repository (the
    /// contract fixtures, the sealed twins, the docs' pictures) for a person to review and commit.
    public static var writesFixtures: Bool { env("HROMADA_WRITE_FIXTURES") == "1" }

    /// `deploy/local/test.sh` sets HROMADA_REQUIRE_INFRA=1: there a missing server is a failure.
    /// A developer running `swift test` without the servers gets skips instead of noise.
    public static var infrastructureRequired: Bool { env("HROMADA_REQUIRE_INFRA") == "1" }

    /// Call at the start of an integration test. Throws XCTSkip when the servers are absent and
    /// not required; fails loudly when they are required.
    public static func requireServers(file: StaticString = #filePath, line: UInt = #line) throws {
        let up =
            isListening(port: port(of: postgresAdminURL, default: 5432))
            && isListening(port: port(of: amqpURL, default: 5672))
        if up { return }
        if infrastructureRequired {
            XCTFail(
                "PostgreSQL (5432) or RabbitMQ (5672) is not running: start them with deploy/local/infra.sh start",
                file: file, line: line)
            throw XCTSkip("servers missing")
        }
        throw XCTSkip("PostgreSQL or RabbitMQ not running; run deploy/local/infra.sh start")
    }

    /// Runs a deploy/local/infra.sh command (e.g. "restart-rabbitmq") and waits for it.
    ///
    /// Not through Foundation's `Process`: on Linux it learns that a child ended from a descriptor
    /// the child inherits, and a daemonised server the script starts (RabbitMQ, PostgreSQL)
    /// inherits it too, so `waitUntilExit()` would hang until that server stops. The script runs
    /// under `posix_spawn` + `waitpid` instead, with every inherited descriptor above stderr closed.
    public static func infra(_ arguments: String...) throws {
        let script = repositoryRoot.appendingPathComponent("deploy/local/infra.sh").path
        let command = "exec /bin/bash \(Shell.quote(script)) \(Shell.quote(arguments))"
        let status = try spawnAndWait(["/bin/bash", "-c", Shell.closingInheritedDescriptors + command])
        guard status == 0 else {
            throw InfraCommandFailed(command: arguments.joined(separator: " "), status: status)
        }
    }

    /// Runs `executable` with `arguments` and exactly `environment`, waits for it, and returns its
    /// exit status and standard output. posix_spawn + waitpid, for the same reason as `infra`:
    /// Foundation's `Process` can hang in `waitUntilExit()` inside a test process on Linux.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> (
        status: Int32, output: String
    ) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-run-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let command =
            "exec /usr/bin/env -i \(Shell.assignments(environment)) \(Shell.quote([executable] + arguments))"
            + " > \(Shell.quote(output.path)) 2>/dev/null </dev/null"
        let status = try spawnAndWait(["/bin/bash", "-c", command])
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        return (status, text)
    }

    /// Runs a program and waits for it (posix_spawn + waitpid); returns its exit status.
    public static func spawnAndWait(_ arguments: [String]) throws -> Int32 {
        Shell.waitForExit(try Shell.spawn(arguments))
    }

    /// The port of a URL (`postgresql://…:5433/…`), or `fallback` when it names none.
    static func port(of url: String, default fallback: UInt16) -> UInt16 {
        URLComponents(string: url)?.port.flatMap { UInt16(exactly: $0) } ?? fallback
    }

    public struct InfraCommandFailed: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public var description: String { "deploy/local/infra.sh \(command) exited \(status)" }
    }

    public static func isListening(host: String = "127.0.0.1", port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    /// A loopback port nothing listens on now (bound to 0, read, released): for a server whose
    /// address must be known before it starts, or a cluster node that is down.
    public static func freeLoopbackPort() throws -> Int {
        struct NoFreePort: Error {}
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NoFreePort() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw NoFreePort() }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func env(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }
}
