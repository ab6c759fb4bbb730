import HromadaAMQP
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Notification

extension XCTestCase {
    /// The notification service on a test's database and broker, over real HTTP on `port` (0: any
    /// free one). It is stopped when the test ends, before anything the test registered earlier is
    /// torn down (teardown blocks run last-added first). Returns once `/health/ready` answers 200:
    /// the service's queue is consumed then, so input published from now on is routed.
    func startNotificationService(
        db: TestDatabase, broker: TestBroker, settings: NotificationSettings, logger: Logger, port: Int = 0,
        databasePoolSize: Int = 4, prefetch: UInt16 = 50
    ) async throws -> ServiceHarness {
        let configuration = ServiceConfiguration(
            serviceName: "notification", httpHost: "127.0.0.1", httpPort: port, amqpURL: broker.url,
            databaseURL: db.connectionString, databasePoolSize: databasePoolSize, prefetch: prefetch)
        let (runtime, router, _) = try await NotificationService.build(
            configuration: configuration, logger: logger, metricsRegistry: nil, settings: settings)
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        addTeardownBlock { await harness.stop() }
        let ready = await eventually(timeout: .seconds(20)) {
            (try? await harness.request("GET", "/health/ready").status) == 200
        }
        XCTAssertTrue(ready, "the service never became ready")
        return harness
    }
}

/// What a notification integration test runs against: a throwaway database and vhost, a broker
/// client of the vhost and a database client; closed and dropped when the test ends.
struct NotificationTestServers {
    let db: TestDatabase
    let broker: TestBroker
    let client: AMQPClient
    let database: PostgresClient
    let logger: Logger

    /// `label` names the logger (at warning level) and the broker connection.
    static func create(for test: XCTestCase, label: String) async throws -> NotificationTestServers {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "notification")
        let broker = try await TestBroker.create()
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let client = AMQPClient(configuration: try broker.configuration(name: label), logger: logger)
        let database = db.client()
        test.addTeardownBlock {
            await client.close()
            await database.close()
            try? await db.drop()
            try? await broker.delete()
        }
        return NotificationTestServers(db: db, broker: broker, client: client, database: database, logger: logger)
    }
}
