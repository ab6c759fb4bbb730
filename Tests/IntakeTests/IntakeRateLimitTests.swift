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
        var limited: Int?
        for i in 0..<150 {
            let response = try await harness.request(
                "GET", "/v1/categories", headers: ["X-Forwarded-For": "198.51.\(i / 256).\(i % 256)"])
            if response.status == 429 {
                limited = i
                XCTAssertNotNil(response.header("Retry-After"))
                break
            }
            XCTAssertEqual(response.status, 200)
        }
        XCTAssertNotNil(limited, "a new X-Forwarded-For each time escaped the limiter")
        let tracking = try await harness.request("GET", "/v1/appeals/MK-2026-000001?token=nope")
        XCTAssertNotEqual(tracking.status, 429, "reference data starved tracking")
        let page = try await harness.request("GET", "/track?lang=en")
        XCTAssertEqual(page.status, 200)
    }
}
