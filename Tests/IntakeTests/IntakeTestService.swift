import Foundation
import HromadaAMQP
import HromadaContracts
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
            try await addCentre(
                centreId, name: "ЦОГ Центральної бібліотеки",
                address: "вул. Потьомкінська, 143а", key: centreKey,
                on: harness)
        }
        return IntakeTestService(harness: harness, db: db, broker: broker)
    }

    /// A headless browser at the Ukrainian form with a new librarian `login` of the central library
    /// signed in; the caller closes it.
    func browserSignedIn(as login: String = "oksana") async throws -> HeadlessBrowser {
        let librarian = try await TestLibrarian.create(
            on: harness, centre: Self.centreId, login: login, adminToken: Self.adminToken)
        let browser = try await HeadlessBrowser.launch()
        do {
            try await browser.open(harness.baseURL + "/?lang=uk")
            try await browser.signIn(librarian)
        } catch {
            browser.close()
            throw error
        }
        return browser
    }

    /// A second centre, for tests of what one centre must not see of another's.
    static let northCentre = "north-library"
    static let northCentreKey = "centre-key-b-for-tests-0123456789"

    /// Adds (or replaces) a centre through intake's admin API.
    static func addCentre(
        _ id: String, name: String, address: String, key: String, on harness: ServiceHarness
    ) async throws {
        try await TestCentre.put(id, name: name, address: address, key: key, on: harness, adminToken: adminToken)
    }

    /// Adds the north library as the second centre.
    static func addNorthCentre(on harness: ServiceHarness) async throws {
        try await addCentre(
            northCentre, name: "ЦОГ Північної бібліотеки", address: "вул. Кобера, 9",
            key: northCentreKey,
            on: harness)
    }

    /// A client of the broker's observer user with `queue` bound to every event of
    /// `hromada.events`, so a test reads what intake publishes; closed when the test ends.
    func observer(queue: String, test: XCTestCase, label: String = "test.intake") async throws -> AMQPClient {
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let client = AMQPClient(configuration: try broker.configuration(name: "observer"), logger: logger)
        test.addTeardownBlock { await client.close() }
        try await client.observeEvents(on: queue)
        return client
    }
}
