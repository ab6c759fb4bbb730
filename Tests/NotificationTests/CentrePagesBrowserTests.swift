import Foundation
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Notification

/// Issue 14: an address the notification service does not have answers a page to a browser, not
/// JSON (the same kit as intake's and routing's pages; their browser tests check theirs).
final class CentrePagesBrowserTests: XCTestCase {
    func testAnUnknownAddressIsAPageInChromium() async throws {
        _ = try HeadlessBrowser.chromium()
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "notification")
        let broker = try await TestBroker.create()
        var logger = Logger(label: "test.notification.pages")
        logger.logLevel = .warning
        let configuration = ServiceConfiguration(
            serviceName: "notification", httpHost: "127.0.0.1", httpPort: 0, amqpURL: broker.url,
            databaseURL: db.connectionString, databasePoolSize: 2, prefetch: 10)
        let (runtime, router, _) = try await NotificationService.build(
            configuration: configuration, logger: logger, metricsRegistry: nil,
            settings: NotificationSettings(smtpURL: "smtp://127.0.0.1:9"))
        let harness = try await ServiceHarness.start(runtime: runtime, router: router)
        addTeardownBlock {
            await harness.stop()
            try? await db.drop()
            try? await broker.delete()
        }
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await browser.open(harness.baseURL + "/no/such/page?lang=en")
        let page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<h1"), String(page.prefix(800)))
        try browser.screenshot("notification-not-found-1280")
    }
}
