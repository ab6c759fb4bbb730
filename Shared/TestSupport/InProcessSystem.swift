public import HromadaAMQP
public import HromadaRuntime
public import Logging
public import XCTest

/// Several services in this test process on one throwaway vhost (events flow between them as in
/// production), each on its own throwaway database, with a broker client of the vhost. Everything
/// is stopped, dropped and deleted when the test ends. A test system subclasses it and says how
/// each of its services is built.
open class InProcessSystem: @unchecked Sendable {
    public let broker: TestBroker
    public let client: AMQPClient
    public private(set) var databases: [String: TestDatabase] = [:]
    public private(set) var harnesses: [String: ServiceHarness] = [:]

    /// `label` names the broker client's connection; `stop()` runs when `test` ends.
    public init(for test: XCTestCase, broker: TestBroker, label: String, logger: Logger) throws {
        self.broker = broker
        self.client = AMQPClient(configuration: try broker.configuration(name: label), logger: logger)
        test.addTeardownBlock { await self.stop() }
    }

    /// Creates service `name`'s database, hands `build` its configuration (on 127.0.0.1 and
    /// `httpPort`, 0: a free one; with `environment`; personal fields sealed with
    /// `TestSealing.keyring` as in production), keeps the harness it starts and waits for the
    /// service's consumer on `hromada.<name>`.
    public func startService(
        _ name: String, httpPort: Int = 0, adminToken: String, environment: [String: String] = [:], logger: Logger,
        build: (ServiceConfiguration) async throws -> ServiceHarness
    ) async throws {
        let db = try await TestDatabase.create(schema: name)
        databases[name] = db
        let configuration = ServiceConfiguration(
            serviceName: name, httpHost: "127.0.0.1", httpPort: httpPort, amqpURL: broker.url,
            databaseURL: db.connectionString, databasePoolSize: 4, logLevel: logger.logLevel, prefetch: 50,
            adminToken: adminToken, environment: environment, sealingKeys: TestSealing.keyring)
        harnesses[name] = try await build(configuration)
        let ready = await client.hasConsumer(on: "hromada.\(name)")
        XCTAssertTrue(ready, "the \(name) consumer did not start")
    }

    public func stop() async {
        for (_, harness) in harnesses { await harness.stop() }
        harnesses = [:]
        await client.close()
        for (_, db) in databases { try? await db.drop() }
        try? await broker.delete()
    }
}
