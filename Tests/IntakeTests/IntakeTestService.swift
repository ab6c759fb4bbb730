import Foundation
import HromadaRuntime
import HromadaTestSupport
import Intake
import Logging
import XCTest

/// Intake running in this test process exactly as its executable would, on a throwaway database
/// and vhost (stopped and dropped when the test ends), with the central library as a centre
/// unless asked otherwise. The integration tests' one fixture.
struct IntakeTestService {
    static let adminToken = "admin-token-for-tests-0123456789"
    static let centreKey = "centre-key-for-tests-0123456789"
    static let centreId = "central-library"

    let harness: ServiceHarness
    let db: TestDatabase
    let broker: TestBroker

    /// `port` 0: any free port; a fixed one also makes it the pages' public URL (a real browser's
    /// `Origin` must match it).
    static func start(
        _ test: XCTestCase, label: String = "test.intake", withCentre: Bool = true, port: Int = 0,
        configure: (inout IntakeSettings) -> Void = { _ in }
    ) async throws -> IntakeTestService {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "intake")
        let broker = try await TestBroker.create()
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let configuration = ServiceConfiguration(
            serviceName: "intake", httpHost: "127.0.0.1", httpPort: port, amqpURL: broker.url,
            databaseURL: db.connectionString, adminToken: adminToken)
        var settings = IntakeSettings()
        if port != 0 { settings.web = .local(service: IntakeSettings.service, port: port) }
        configure(&settings)
        let (runtime, router) = try await IntakeService.build(
            configuration: configuration, logger: logger, metricsRegistry: nil, settings: settings)
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        test.addTeardownBlock {
            await harness.stop()
            try? await db.drop()
            try? await broker.delete()
        }
        if withCentre {
            let put = try await harness.request(
                "PUT", "/v1/admin/centres/\(centreId)",
                json: ["name": "ЦОГ Центральної бібліотеки", "address": "вул. Потьомкінська, 143а", "key": centreKey],
                headers: ["Authorization": "Bearer \(adminToken)"])
            XCTAssertEqual(put.status, 200, put.text)
        }
        return IntakeTestService(harness: harness, db: db, broker: broker)
    }
}
