import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Synchronization
import XCTest

/// `UnitOfWork`: the change and its events commit together, nothing of either on rollback, and
/// the relay is woken after the commit (not before, not on rollback).
final class UnitOfWorkTests: XCTestCase {
    final class CommitCounter: Sendable {
        private let count = Mutex(0)
        func increment() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }

    func outboxRows(_ fixture: RuntimeFixture) async throws -> [UUID] {
        try await fixture.runtime.database.withConnection { connection in
            try connection.query("SELECT event_id FROM outbox ORDER BY seq").map { try $0.decode(0, as: UUID.self) }
        }
    }

    func testTheChangeAndItsEventsCommitTogetherAndTheRelayIsWokenAfterwards() async throws {
        let fixture = try await RuntimeFixture.make()
        addTeardownBlock { await fixture.tearDown() }
        let commits = CommitCounter()
        let unit = UnitOfWork(
            database: fixture.runtime.database, producer: "hromada-routing", onCommitted: { commits.increment() })

        let appealId = UUID()
        let event = AppealReturned(
            appealId: appealId, registrationNumber: "MK-2026-000007", reason: "r", returnedAt: Date(), returnedBy: nil)
        let envelope = try await unit.run { tx -> Envelope in
            let envelope = try tx.publish(event, correlationId: appealId)
            try tx.connection.execute("INSERT INTO effects (event_id, note) VALUES (\(envelope.id), 'committed')")
            // Inside the transaction: not committed, so the relay must not have been woken yet.
            XCTAssertEqual(commits.value, 0)
            return envelope
        }
        XCTAssertEqual(commits.value, 1, "woken once, after the commit")
        XCTAssertEqual(envelope.producer, "hromada-routing")
        XCTAssertEqual(envelope.correlationId, appealId)
        let outbox = try await outboxRows(fixture)
        XCTAssertEqual(outbox, [envelope.id], "the event is in the outbox")
        let effects = try await fixture.effects()
        XCTAssertEqual(effects.map(\.0), [envelope.id], "with the change")

        struct Refused: Error {}
        do {
            try await unit.run { tx in
                try tx.publish(event, correlationId: appealId)
                try tx.connection.execute("INSERT INTO effects (event_id, note) VALUES (\(UUID()), 'rolled back')")
                throw Refused()
            }
            XCTFail("the body's error is rethrown")
        } catch is Refused {}
        XCTAssertEqual(commits.value, 1, "no wake-up for a rollback")
        let outboxAfterRollback = try await outboxRows(fixture)
        XCTAssertEqual(outboxAfterRollback, [envelope.id], "no event from the rolled-back work")
        let effectsAfterRollback = try await fixture.effects()
        XCTAssertEqual(effectsAfterRollback.map(\.1), ["committed"], "no change from it either")

        // A failing statement (here: a duplicate event id) rolls back the change too.
        do {
            try await unit.run { tx in
                try tx.connection.execute("INSERT INTO effects (event_id, note) VALUES (\(UUID()), 'half')")
                try tx.publish(envelope)
            }
            XCTFail("a duplicate outbox row must fail")
        } catch let error as PostgresError {
            XCTAssertTrue(error.isUniqueViolation, error.safeDescription)
        }
        XCTAssertEqual(commits.value, 1)
        let effectsAfterFailure = try await fixture.effects()
        XCTAssertEqual(effectsAfterFailure.map(\.1), ["committed"])
    }

    func testAnEventCausedByAnotherKeepsItsCorrelation() async throws {
        let fixture = try await RuntimeFixture.make()
        addTeardownBlock { await fixture.tearDown() }
        let cause = try RuntimeFixture.envelope(note: "cause")
        let returned = AppealReturned(
            appealId: cause.correlationId, registrationNumber: "MK-2026-000008", reason: "x", returnedAt: Date(),
            returnedBy: nil)
        let effect = try await fixture.runtime.transaction { tx in try tx.publish(returned, causedBy: cause) }
        XCTAssertEqual(effect.correlationId, cause.correlationId)
        XCTAssertEqual(effect.causationId, cause.id)
        XCTAssertEqual(effect.producer, "hromada-routing", "the runtime's producer")
    }

    /// Through the runtime, with the relay running and polling only every minute: the event is on
    /// the broker within seconds, so it was the commit that woke the relay.
    func testTheRuntimesTransactionWakesTheRunningRelay() async throws {
        var relaySettings = OutboxRelay.Settings()
        relaySettings.pollInterval = .seconds(60)
        let fixture = try await RuntimeFixture.make(relay: relaySettings)
        addTeardownBlock { await fixture.tearDown() }
        let runtime = fixture.runtime
        let relayTask = Task { try await runtime.outboxRelay.run() }
        // Let the relay make its first (empty) pass and start waiting.
        try await Task.sleep(for: .milliseconds(500))

        let appealId = UUID()
        let event = AppealReturned(
            appealId: appealId, registrationNumber: "MK-2026-000009", reason: "wake", returnedAt: Date(),
            returnedBy: nil)
        let started = ContinuousClock.now
        let envelope = try await runtime.transaction { tx in try tx.publish(event, correlationId: appealId) }
        var ids: [String] = []
        let delivered = try await eventually(timeout: .seconds(10)) {
            ids += try await fixture.drainObserved().compactMap { $0.properties.messageID }
            return ids.contains(envelope.id.lowercaseUUID)
        }
        relayTask.cancel()
        _ = try? await relayTask.value
        XCTAssertTrue(delivered, "published without waiting for the next poll")
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(30))
    }
}
