import Foundation
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// Intake's own routes behind its limiters, on a real server with no trusted proxy (issue 13,
/// item 4): a made-up `X-Forwarded-For` does not escape, and exhausting reference data leaves
/// tracking answering.
final class IntakeRateLimitTests: XCTestCase {
    func testReferenceDataBucketNeitherEscapesNorStarvesTracking() async throws {
        XCTAssertNil(ProcessInfo.processInfo.environment["HROMADA_TRUSTED_PROXIES"], "no proxy is trusted here")
        let harness = try await IntakeTestService.start(self, label: "test.intake.limits", withCentre: false).harness
        // In parallel (`burst`): one request after another may come no faster than the refill.
        let outcome = try await burst(
            send: { i in
                try await harness.request(
                    "GET", "/v1/categories", headers: ["X-Forwarded-For": "198.51.\(i / 256 % 256).\(i % 256)"])
            }, until: { $0.status == 429 })
        let limited = try XCTUnwrap(outcome.stopping, "a new X-Forwarded-For each time escaped the limiter")
        XCTAssertNotNil(limited.header("Retry-After"))
        XCTAssertEqual(Set(outcome.answers.map(\.status)), [200], "every answer before the limit is 200")
        let tracking = try await harness.request("GET", "/v1/appeals/MK-2026-000001?token=nope")
        XCTAssertNotEqual(tracking.status, 429, "reference data starved tracking")
        let page = try await harness.request("GET", "/track?lang=en")
        XCTAssertEqual(page.status, 200)
    }
}
