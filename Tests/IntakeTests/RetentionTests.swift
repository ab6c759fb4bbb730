import Foundation
import HromadaContracts
import HromadaRuntime
import XCTest

@testable import Intake

/// docs/RETENTION.md: 5 years from 1 January after the file closed; only a closed appeal is
/// erased; the administrator's reason is required.
final class RetentionTests: XCTestCase {
    func testTheTermCountsFromTheFirstOfJanuaryAfterClosing() {
        let policy = RetentionPolicy.legal
        XCTAssertEqual(policy.years, 5)
        XCTAssertEqual(
            policy.erasableFrom(closedOn: LocalDate(year: 2026, month: 1, day: 2)!),
            LocalDate(year: 2032, month: 1, day: 1)!)
        XCTAssertEqual(
            policy.erasableFrom(closedOn: LocalDate(year: 2026, month: 12, day: 31)!),
            LocalDate(year: 2032, month: 1, day: 1)!)
        XCTAssertEqual(
            RetentionPolicy(years: 10).erasableFrom(closedOn: LocalDate(year: 2026, month: 6, day: 1)!),
            LocalDate(year: 2037, month: 1, day: 1)!)
    }

    func testTheSweepCutoffAgreesWithTheTerm() {
        let policy = RetentionPolicy.legal
        let today = LocalDate(year: 2032, month: 1, day: 1)!
        let cutoff = policy.closedBefore(today: today)
        // Closed on the last day of 2026 (Kyiv): erasable from 1 January 2032, so before the cutoff.
        let lastOf2026 = LocalDate(year: 2026, month: 12, day: 31)!.startOfDay(in: .kyiv).addingTimeInterval(86_000)
        XCTAssertLessThan(lastOf2026, cutoff)
        XCTAssertLessThanOrEqual(policy.erasableFrom(closedOn: LocalDate(date: lastOf2026)), today)
        // Closed on the first day of 2027: kept through 2032.
        let firstOf2027 = LocalDate(year: 2027, month: 1, day: 1)!.startOfDay(in: .kyiv)
        XCTAssertGreaterThanOrEqual(firstOf2027, cutoff)
        XCTAssertGreaterThan(policy.erasableFrom(closedOn: LocalDate(date: firstOf2027)), today)
    }

    func testOnlyAFinishedAppealMayBeErased() {
        for status in PublicStatus.allCases {
            let finished = [PublicStatus.closed, .returned, .notConsidered].contains(status)
            XCTAssertEqual(RetentionPolicy.isFinal(status), finished, "\(status)")
        }
        XCTAssertFalse(RetentionPolicy.isFinal(.answered), "an answered appeal may still be disputed")
    }

    func testTheAdministratorMustGiveALegalReason() {
        XCTAssertEqual(ErasureDecision.validate(reason: nil, decidedBy: "a"), .failure(.reasonMissing))
        XCTAssertEqual(ErasureDecision.validate(reason: "  \n", decidedBy: "a"), .failure(.reasonMissing))
        XCTAssertEqual(
            ErasureDecision.validate(reason: String(repeating: "x", count: 1001), decidedBy: "a"),
            .failure(.reasonMissing))
        XCTAssertEqual(
            ErasureDecision.validate(reason: " court decision 2-123/2031 ", decidedBy: "a"),
            .success(ErasureDecision(reason: "court decision 2-123/2031", decidedBy: "a")))
    }

    func testTheSettingsReadTheEnvironment() throws {
        let defaults = try RetentionSweep.Settings.fromEnvironment([:])
        XCTAssertEqual(defaults.policy, .legal)
        XCTAssertEqual(defaults.interval, .seconds(3600))
        let set = try RetentionSweep.Settings.fromEnvironment([
            "HROMADA_APPEAL_RETENTION_YEARS": "7", "HROMADA_ERASURE_SWEEP_SECONDS": "5",
        ])
        XCTAssertEqual(set.policy.years, 7)
        XCTAssertEqual(set.interval, .seconds(5))
        XCTAssertEqual(set.initialDelay, .seconds(5))
        XCTAssertThrowsError(try RetentionSweep.Settings.fromEnvironment(["HROMADA_APPEAL_RETENTION_YEARS": "0"]))
        XCTAssertThrowsError(try RetentionSweep.Settings.fromEnvironment(["HROMADA_ERASURE_SWEEP_SECONDS": "soon"]))
        // Intake reads them with the rest of its settings, in one place; the sweep and the statement
        // page take them from there.
        let intake = try IntakeSettings.fromEnvironment(
            configuration: ServiceConfiguration(
                serviceName: "intake", httpPort: 8080,
                environment: ["HROMADA_APPEAL_RETENTION_YEARS": "7", "HROMADA_ERASURE_SWEEP_SECONDS": "0"]))
        XCTAssertEqual(intake.retention.policy.years, 7)
        XCTAssertEqual(intake.retention.interval, .zero)
        XCTAssertThrowsError(
            try IntakeSettings.fromEnvironment(
                configuration: ServiceConfiguration(
                    serviceName: "intake", httpPort: 8080, environment: ["HROMADA_APPEAL_RETENTION_YEARS": "0"])))
    }
}
