import Foundation
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Notification

/// Issue 14: an address the notification service does not have answers a page to a browser, not
/// JSON (the same kit as intake's and routing's pages; their browser tests check theirs).
final class CentrePagesBrowserTests: XCTestCase {
    func testAnUnknownAddressIsAPageInChromium() async throws {
        _ = try HeadlessBrowser.chromium()
        let servers = try await ServiceTestServers.create(
            for: self, schema: "notification", label: "test.notification.pages")
        let harness = try await startNotificationService(
            db: servers.db, broker: servers.broker, settings: NotificationSettings(smtpURL: "smtp://127.0.0.1:9"),
            logger: servers.logger, databasePoolSize: 2, prefetch: 10)
        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        try await browser.open(harness.baseURL + "/no/such/page?lang=en")
        let page = try browser.html()
        XCTAssertFalse(page.contains("{\"errors\""), "no raw JSON: \(page.prefix(800))")
        XCTAssertTrue(page.contains("<h1"), String(page.prefix(800)))
        try browser.screenshot("notification-not-found-1280")
    }
}
