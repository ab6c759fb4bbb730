import Foundation
import HromadaRuntime
import HromadaTestSupport
import XCTest

/// Issue 13, finding 9 ("wide open by default"): the defaults a service and deploy/local start
/// with listen on loopback and carry no shared or guessable password.
final class ClosedByDefaultTests: XCTestCase {
    func testServicesListenOnLoopbackAndTheirDefaultURLsCarryNoPassword() throws {
        for service in EnvironmentVariable.services {
            let configuration = try ServiceConfiguration.fromEnvironment(serviceName: service, environment: [:])
            XCTAssertEqual(configuration.httpHost, "127.0.0.1", service)
            XCTAssertFalse(
                configuration.databaseURL.contains(":hromada_"), "\(service): no password in the default URL")
            XCTAssertEqual(configuration.databaseURL, "postgresql://hromada_\(service)@127.0.0.1:5432/hromada")
            XCTAssertEqual(configuration.amqpURL, "amqp://hromada-\(service)@127.0.0.1:5672/%2f")
            XCTAssertNil(configuration.sealingKeys, "keys come only from HROMADA_SEALING_KEYS")
        }
    }

    func testDeployLocalKeepsTheServersOnLoopbackAndGeneratesEverySecret() throws {
        let root = IntegrationEnvironment.repositoryRoot
        let infra = try String(contentsOf: root.appendingPathComponent("deploy/local/infra.sh"), encoding: .utf8)
        XCTAssertTrue(infra.contains("listen_addresses = '127.0.0.1'"))
        XCTAssertTrue(infra.contains("listeners.tcp.default = 127.0.0.1:$AMQP_PORT"))
        XCTAssertTrue(infra.contains("management.tcp.ip = 127.0.0.1"))
        let up = try String(contentsOf: root.appendingPathComponent("deploy/local/up.sh"), encoding: .utf8)
        XCTAssertTrue(up.contains(#"HROMADA_HTTP_HOST="${HROMADA_HTTP_HOST:-127.0.0.1}""#))
        // The generators: passwords and the sealing keyring, 0600 in a 0700 folder (lib.sh sourced with
        // a throwaway state folder).
        let output = try LocalLib.run(
            "secret_ensure postgres postgres && echo && sealing_keys && echo && "
                + "stat -c '%a %n' \"$SECRETS_DIR/postgres/postgres\" \"$(sealing_keys_file)\" \"$SECRETS_DIR/sealing\""
        )
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 5, output)
        XCTAssertEqual(lines[0].count, 32, "a 128-bit hex password")
        XCTAssertNotEqual(lines[0], "postgres")
        let ring = try SealingKeyringProbe.parse(lines[1])
        XCTAssertEqual(ring, 1, "one generated sealing key")
        XCTAssertTrue(lines[2].hasPrefix("600 "), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("600 "), lines[3])
        XCTAssertTrue(lines[4].hasPrefix("700 "), lines[4])
    }

    /// Every replica of a web service must sign sessions and tracking proofs with the same secret, or
    /// a sign-in made on one is refused by the next behind the balancer. lib.sh generates one per
    /// service (stable, 0600 in a 0700 folder), and each way of deploying hands it to intake, routing,
    /// notification and, where it runs, the console.
    func testEachWebServiceGetsOneSessionSecretForAllItsReplicas() throws {
        let root = IntegrationEnvironment.repositoryRoot
        let output = try LocalLib.run(
            "session_secret intake && echo && session_secret intake && echo && session_secret routing && echo && "
                + "stat -c '%a' \"$SECRETS_DIR/sessions/intake\" \"$SECRETS_DIR/sessions\"")
        let lines = output.split(whereSeparator: \.isNewline).map(String.init)
        XCTAssertEqual(lines.count, 5, output)
        guard lines.count == 5 else { return }
        XCTAssertEqual(lines[0].count, 64, "32 bytes as hex")
        XCTAssertTrue(lines[0].allSatisfy(\.isHexDigit), lines[0])
        XCTAssertEqual(lines[1], lines[0], "generated once: every replica and restart gets the same")
        XCTAssertNotEqual(lines[2], lines[0], "each service its own")
        XCTAssertEqual(Array(lines[3...]), ["600", "700"])

        func text(_ path: String) throws -> String {
            try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        XCTAssertTrue(
            try text("deploy/local/up.sh").contains(
                #"HROMADA_SESSION_SECRET=${HROMADA_SESSION_SECRET:-$(session_secret "$svc")}"#))
        let cluster = try text("deploy/cluster/up.sh")
        XCTAssertTrue(
            cluster.contains(#"[[ "$svc" != audit ]] && extra+=("HROMADA_SESSION_SECRET=$(session_secret "$svc")")"#))
        XCTAssertTrue(cluster.contains(#"HROMADA_SESSION_SECRET="$(session_secret console)""#))
        XCTAssertTrue(try text("deploy/compose/make-secrets.sh").contains(#"printf 'HROMADA_SESSION_SECRET=%s\n'"#))
        let kubernetes = try text("deploy/k8s/10-secrets.yaml")
        XCTAssertEqual(
            kubernetes.components(separatedBy: "HROMADA_SESSION_SECRET:").count - 1, 3, "intake, routing, notification")
    }
}

/// The generated keyring parses as the services will parse it.
enum SealingKeyringProbe {
    static func parse(_ text: String) throws -> Int {
        let configuration = try ServiceConfiguration.fromEnvironment(
            serviceName: "intake", environment: [EnvironmentVariable.sealingKeys.name: text])
        return configuration.sealingKeys?.keyIDs.count ?? 0
    }
}
