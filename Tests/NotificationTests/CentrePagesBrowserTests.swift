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
        addTeardownBlock {
            try? await db.drop()
            try? await broker.delete()
        }
        var logger = Logger(label: "test.notification.pages")
        logger.logLevel = .warning
        let harness = try await startNotificationService(
            db: db, broker: broker, settings: NotificationSettings(smtpURL: "smtp://127.0.0.1:9"), logger: logger,
            databasePoolSize: 2, prefetch: 10)
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await browser.open(harness.baseURL + "/no/such/page?lang=en")
        let page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<h1"), String(page.prefix(800)))
        try browser.screenshot("notification-not-found-1280")
    }
}
