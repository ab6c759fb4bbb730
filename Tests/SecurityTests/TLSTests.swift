import Audit
import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// TLS to RabbitMQ (amqps with peer and host name verification) and PostgreSQL
/// (sslmode=verify-full), with certificates this test makes (deploy/tls/make-certs.sh) and that
/// `deploy/local/infra.sh enable-tls` installs on the shared local servers. The plain listeners
/// (5672 / 5432) keep working. Enabling the amqps listener restarts RabbitMQ once; later runs
/// find it enabled and restart nothing.
final class TLSTests: XCTestCase {
    static let certificates = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/tls-test").path
    static let amqpsPort = Int(ProcessInfo.processInfo.environment["HROMADA_AMQPS_PORT"] ?? "") ?? 5671

    var caFile: String { Self.certificates + "/ca.pem" }

    /// Makes the certificates (if missing or expiring), enables TLS on both servers (if not yet),
    /// and waits until the broker answers on both listeners (another test may be restarting it).
    func enableTLS() async throws {
        try IntegrationEnvironment.requireServers()
        let make = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/tls/make-certs.sh").path
        XCTAssertEqual(
            try IntegrationEnvironment.spawnAndWait(["/bin/bash", make, Self.certificates]), 0, "make-certs.sh failed")
        try await waitForBroker()
        var lastError: (any Error)?
        for _ in 0..<3 {  // a colleague's restart of RabbitMQ can race with ours
            do {
                try IntegrationEnvironment.infra("enable-tls", Self.certificates)
                lastError = nil
                break
            } catch {
                lastError = error
                try await waitForBroker()
            }
        }
        if let lastError { throw lastError }
        try await waitForBroker(port: UInt16(Self.amqpsPort))
    }

    func waitForBroker(port: UInt16 = 5672) async throws {
        let up = await eventually(timeout: .seconds(90), every: .milliseconds(500)) {
            IntegrationEnvironment.isListening(port: port)
        }
        XCTAssertTrue(up, "RabbitMQ did not listen on \(port)")
    }

    var logger: Logger {
        var logger = Logger(label: "test.tls")
        logger.logLevel = .warning
        return logger
    }

    func amqpsURL(vhost: String, ca: String, host: String = "localhost") -> String {
        let encoded = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost
        // The administrator (guest is gone): its name and password from the test environment.
        let admin = (try? AMQPConfiguration(url: IntegrationEnvironment.amqpURL)) ?? AMQPConfiguration()
        let user = admin.user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? admin.user
        let password = admin.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? admin.password
        return "amqps://\(user):\(password)@\(host):\(Self.amqpsPort)/\(encoded)?cacertfile=\(ca)&verify=verify_peer"
    }

    func testAMQPSPublishesAndConsumesWithVerificationAndRefusesAWrongCA() async throws {
        try await enableTLS()
        let broker = try await TestBroker.create()
        addTeardownBlock { try? await broker.delete() }

        // Through TLS with the right CA: declare, publish with confirms, get.
        let configuration = try AMQPConfiguration(
            url: amqpsURL(vhost: broker.vhost, ca: caFile), connectionName: "tls-test")
        XCTAssertTrue(configuration.useTLS)
        XCTAssertTrue(configuration.verifyPeer)
        XCTAssertEqual(configuration.port, Self.amqpsPort)
        let client = AMQPClient(configuration: configuration, logger: logger)
        let queue = "tls.test"
        var received: AMQPDelivery?
        // Retried briefly: the broker may be coming back from someone's restart.
        let ok = await eventually(timeout: .seconds(60), every: .seconds(1)) {
            do {
                try await client.declare(AMQPTopology(queues: [.init(name: queue, durable: true)]))
                try await client.publish([
                    AMQPOutgoingMessage(
                        exchange: "", routingKey: queue, body: Array("over TLS".utf8),
                        properties: AMQPProperties(contentType: "text/plain"))
                ])
                received = try await client.get(queue: queue)
                return received != nil
            } catch {
                print("amqps attempt failed: \(error)")
                return false
            }
        }
        XCTAssertTrue(ok, "no message made the round trip over amqps")
        if let received {
            XCTAssertEqual(String(decoding: received.body, as: UTF8.self), "over TLS")
            try await client.ack(received)
        }
        await client.close()

        // The broker reports the connection as TLS (management API).
        // (The plain listener still works too.)
        let plain = AMQPClient(configuration: try broker.configuration(name: "plain"), logger: logger)
        try await plain.checkConnection()
        await plain.close()

        // A CA that did not sign the broker's certificate: a TLS error, never a connection.
        let wrongCA = try makeWrongCA()
        try await assertRefusedByTLS(
            amqpsURL(vhost: broker.vhost, ca: wrongCA), "tls-wrong", "connected although the CA does not match")

        // The right CA but a name the certificate does not carry (this machine's host name, when it
        // resolves to 127.0.0.1 as on the CI machines): host name verification refuses.
        if let name = Self.loopbackAliasNotInCertificate() {
            try await assertRefusedByTLS(
                amqpsURL(vhost: broker.vhost, ca: caFile, host: name), "tls-name",
                "connected as \(name), a name the certificate does not carry")
        } else {
            print("no loopback alias outside the certificate here: host name verification of amqps not exercised")
        }
    }

    func testPostgresVerifyFullConnectsAndRefusesAWrongCA() async throws {
        try await enableTLS()
        let (host, port) = Self.pgHostAndPort()
        _ = host
        let password = IntegrationEnvironment.secret("postgres", "postgres") ?? "postgres"
        /// `postgres` on the local server, reached at `address` (`host=…`, maybe `hostaddr=…`), with
        /// the TLS settings `ssl`.
        func postgres(at address: String = "host=localhost", _ ssl: String) -> PostgresClient {
            let connection =
                "\(address) port=\(port) dbname=postgres user=postgres password=\(password) connect_timeout=5"
            return PostgresClient(
                configuration: PostgresConfiguration(connectionString: connection + " " + ssl, poolSize: 1),
                logger: logger)
        }
        let client = postgres("sslmode=verify-full sslrootcert=\(caFile)")
        let rows = try await client.query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(try rows[0].decode(0, as: Bool.self), true, "the session is not encrypted")
        print("PostgreSQL TLS session: \(rows[0].text(1) ?? "?")")
        await client.close()

        // Plain connections are untouched.
        let plain = postgres(at: "host=127.0.0.1", "sslmode=disable")
        let plainRows = try await plain.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        XCTAssertEqual(try plainRows[0].decode(0, as: Bool.self), false)
        await plain.close()

        let wrongCA = try makeWrongCA()
        let wrong = postgres("sslmode=verify-full sslrootcert=\(wrongCA)")
        do {
            _ = try await wrong.query("SELECT 1")
            XCTFail("connected although the CA does not match")
        } catch let error as PostgresError {
            XCTAssertEqual(error.code, .connectionFailed, "\(error)")
            XCTAssertTrue((error.serverMessage ?? "").contains("certificate verify failed"), "\(error)")
        }
        await wrong.close()

        // verify-full also checks the name: 127.0.0.2 is not in the certificate.
        let misnamed = postgres(at: "host=127.0.0.1 hostaddr=127.0.0.1", "sslmode=verify-full sslrootcert=\(caFile)")
        // 127.0.0.1 IS in the certificate (IP SAN), so this one connects…
        _ = try await misnamed.query("SELECT 1")
        await misnamed.close()
        let other = postgres(
            at: "host=hromada-not-in-cert hostaddr=127.0.0.1", "sslmode=verify-full sslrootcert=\(caFile)")
        do {
            _ = try await other.query("SELECT 1")
            XCTFail("connected to a host name the certificate does not name")
        } catch let error as PostgresError {
            XCTAssertEqual(error.code, .connectionFailed, "\(error)")
        }
        await other.close()
    }

    /// A whole service (audit) on amqps and sslmode=verify-full: it becomes ready, consumes an
    /// event, and its database sessions are encrypted.
    func testAServiceRunsOverTLS() async throws {
        try await enableTLS()
        let db = try await TestDatabase.create(schema: "audit")
        let broker = try await TestBroker.create()
        let configuration = ServiceConfiguration(
            serviceName: "audit", httpHost: "127.0.0.1", httpPort: 0,
            amqpURL: amqpsURL(vhost: broker.vhost, ca: caFile),
            databaseURL: db.connectionString + " host=localhost sslmode=verify-full sslrootcert=\(caFile)",
            databasePoolSize: 2, adminToken: "tls-admin-token-0123456789")
        let (runtime, router) = try await AuditService.build(
            configuration: configuration, settings: AuditSettings(), logger: logger, metricsRegistry: nil)
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        let admin = db.adminClient()
        addTeardownBlock {
            await harness.stop()
            try? await db.drop()
            try? await broker.delete()
        }
        let ready = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            try await harness.request("GET", "/health/ready").status == 200
        }
        XCTAssertTrue(ready, "the audit service did not become ready over TLS")

        // An event published over plain AMQP reaches the service's TLS consumer.
        let publisher = AMQPClient(configuration: try broker.configuration(name: "tls-feeder"), logger: logger)
        let envelope = try Envelope(
            event: AppealReturned(
                appealId: UUID(), registrationNumber: "MK-2026-000001", reason: "test", returnedAt: Date()),
            correlationId: UUID(), causationId: nil, producer: Producers.intake)
        try await publisher.publish([
            AMQPOutgoingMessage(
                exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try envelope.encoded(),
                properties: AMQPProperties(
                    contentType: Topology.contentType, deliveryMode: Topology.deliveryMode,
                    messageID: envelope.id.uuidString, type: envelope.type))
        ])
        await publisher.close()
        let id = envelope.id
        let consumed = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            try await admin.query("SELECT 1 FROM audit.inbox WHERE message_id = \(id)").count == 1
        }
        XCTAssertTrue(consumed, "the event did not arrive through the TLS consumer")

        let name = db.name
        let sessions = try await admin.query(
            """
            SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.datname = \(name) AND a.usename = 'hromada_audit'
            """)
        let encrypted = try sessions[0].decode(0, as: Int.self)
        let total = try sessions[0].decode(1, as: Int.self)
        print("audit service sessions: \(encrypted) of \(total) encrypted")
        XCTAssertGreaterThan(total, 0)
        XCTAssertEqual(encrypted, total, "a service session is not encrypted")
    }

    // MARK: Helpers

    /// A fresh CA that signed nothing the servers use.
    /// Connecting to `url` fails with a TLS error (a CA that did not sign the broker's certificate,
    /// or a host name it does not carry); `connected` is the failure when it connects.
    func assertRefusedByTLS(_ url: String, _ connectionName: String, _ connected: String) async throws {
        let client = AMQPClient(
            configuration: try AMQPConfiguration(url: url, connectionName: connectionName), logger: logger)
        do {
            try await client.checkConnection()
            XCTFail(connected)
        } catch let error as AMQPError {
            XCTAssertEqual(error.code, .tls, "expected a TLS error, got \(error)")
        }
        await client.close()
    }

    func makeWrongCA() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-wrong-ca-\(UUID().uuidString.prefix(8))"
        ).path
        let make = IntegrationEnvironment.repositoryRoot.appendingPathComponent("deploy/tls/make-certs.sh").path
        XCTAssertEqual(try IntegrationEnvironment.spawnAndWait(["/bin/bash", make, "--ca-only", dir]), 0)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/ca.pem"
    }

    /// This machine's host name if it resolves to 127.0.0.1 and is neither localhost nor an IP.
    static func loopbackAliasNotInCertificate() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return nil }
        let name = String(cString: buffer)
        guard !name.isEmpty, name != "localhost", Int(name.prefix(1)) == nil else { return nil }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(result) }
        let address = first.pointee.ai_addr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            $0.pointee.sin_addr.s_addr
        }
        return UInt32(bigEndian: address) == 0x7F00_0001 ? name : nil
    }

    static func pgHostAndPort() -> (String, Int) {
        let url = IntegrationEnvironment.postgresAdminURL
        let components = URLComponents(string: url)
        return (components?.host ?? "127.0.0.1", components?.port ?? 5432)
    }
}
