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

extension ServiceTestServers {
    /// The test's servers for the notification service, and a database client of its role (closed
    /// before the database is dropped).
    static func notification(for test: XCTestCase, label: String) async throws -> (ServiceTestServers, PostgresClient) {
        let servers = try await ServiceTestServers.create(for: test, schema: "notification", label: label)
        let database = servers.db.client()
        test.addTeardownBlock { await database.close() }
        return (servers, database)
    }
}
