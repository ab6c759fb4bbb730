import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Intake

/// Idempotency keys do not grow without bound: intake registers `idempotency_keys` with the
/// runtime's sweeper, which deletes keys older than `HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS`.
final class IdempotencyExpiryTests: XCTestCase {
    func testExpiredKeysAreSweptAndFreshOnesKept() async throws {
        let servers = try await ServiceTestServers.create(for: self, schema: "intake", label: "test.intake.expiry")
        let configuration = ServiceConfiguration(
            serviceName: "intake", httpHost: "127.0.0.1", httpPort: 0, amqpURL: servers.broker.url,
            databaseURL: servers.db.connectionString)
        let retention = Duration.seconds(49 * 3600)
        let (runtime, _) = try await IntakeService.build(
            configuration: configuration, logger: servers.logger, metricsRegistry: nil,
            settings: IntakeSettings(idempotencyRetention: retention))
        addTeardownBlock {
            await runtime.publisher.close()
            await runtime.database.close()
        }
        let table = try XCTUnwrap(runtime.sweeper.tables.first { $0.name == "idempotency_keys" })
        XCTAssertEqual(table.timestampColumn, "created_at")
        XCTAssertEqual(table.retention, retention)

        guard
            case .success(let appeal) = AppealValidator.validate(
                ValidationTests.valid(), channel: "api", authenticatedCentre: "c1")
        else { return XCTFail() }
        let store = IntakeStore(runtime: runtime)
        let submission = ValidationTests.valid()
        for key in ["old-key", "fresh-key"] {
            let request = try XCTUnwrap(IdempotentRequest(centre: "c1", key: key, submission: submission))
            let outcome = try await store.register(appeal, channel: "api", at: Date(), idempotency: request)
            guard case .registered = outcome else { return XCTFail("\(key): \(outcome)") }
        }
        let old = try XCTUnwrap(IdempotentRequest(centre: "c1", key: "old-key", submission: submission))
        try await runtime.database.execute(
            "UPDATE idempotency_keys SET created_at = now() - interval '50 hours' WHERE key = \(old.storedKey)")

        let swept = try await runtime.sweeper.sweepOnce()
        XCTAssertEqual(swept["idempotency_keys"], 1)
        let left = try await runtime.database.query("SELECT key FROM idempotency_keys").map {
            try $0.decode(0, as: String.self)
        }
        let fresh = try XCTUnwrap(IdempotentRequest(centre: "c1", key: "fresh-key", submission: submission))
        XCTAssertEqual(left, [fresh.storedKey])
        // The fresh key still answers a retry with its first result.
        let replay = try await store.register(appeal, channel: "api", at: Date(), idempotency: fresh)
        guard case .replayed = replay else { return XCTFail("\(replay)") }
    }

    func testRetentionShorterThanRedeliveryIsRefusedByName() {
        let configuration = ServiceConfiguration(
            serviceName: "intake", httpPort: 8080, environment: ["HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS": "24"])
        XCTAssertThrowsError(try IntakeSettings.fromEnvironment(configuration: configuration)) { error in
            XCTAssertTrue("\(error)".contains("HROMADA_INTAKE_IDEMPOTENCY_RETENTION_HOURS"), "\(error)")
        }
    }
}
