import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Audit

/// One audit service against the real servers, for the integration tests: a throwaway database and
/// vhost, the service over real HTTP, a broker client of the vhost and an administrator's database
/// client; stopped and dropped when the test ends.
struct AuditServiceFixture {
    let db: TestDatabase
    let broker: TestBroker
    let harness: ServiceHarness
    let client: AMQPClient
    let admin: PostgresClient

    /// Declares the test's `topology` first, starts the service with `settings` and returns once its
    /// consumer is attached to `hromada.audit` (events published before would be dropped by the
    /// exchange). `label` names the logger and the broker connection.
    static func start(
        for test: XCTestCase, label: String, adminToken: String, settings: AuditSettings, topology: AMQPTopology
    ) async throws -> AuditServiceFixture {
        let servers = try await ServiceTestServers.create(for: test, schema: "audit", label: label)
        let (db, broker, client) = (servers.db, servers.broker, servers.client)
        try await client.declare(topology)
        let configuration = ServiceConfiguration(
            serviceName: "audit", httpHost: "127.0.0.1", httpPort: 0, amqpURL: broker.url,
            databaseURL: db.connectionString, databasePoolSize: 4, logLevel: .warning, prefetch: 100,
            adminToken: adminToken)
        let (runtime, router) = try await AuditService.build(
            configuration: configuration, settings: settings, logger: servers.logger, metricsRegistry: nil)
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        test.addTeardownBlock { await harness.stop() }
        let consuming = await client.hasConsumer(on: Topology.Queue.audit.rawValue, within: .seconds(20))
        XCTAssertTrue(consuming, "the audit consumer is attached to its queue")
        return AuditServiceFixture(db: db, broker: broker, harness: harness, client: client, admin: db.adminClient())
    }
}
