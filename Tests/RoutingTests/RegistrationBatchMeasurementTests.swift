import Foundation
import HromadaContracts
import HromadaTestSupport
import XCTest

@testable import Routing

/// What handling `appeal.registered` costs per appeal, through the consumer's own path (inbox claim +
/// the routing handler in one transaction per batch): round trips on the connection (every statement,
/// BEGIN and COMMIT), this process's CPU and the PostgreSQL backend's CPU, for
/// `HROMADA_TEST_REGISTRATIONS` appeals (default 2,000) of the benchmark's mix in consumer batches of
/// 100 (`EventConsumer.Settings.maxBatch`), and 200 more one per batch (a quiet queue). The assertions
/// are on round trips only, never on times: the machine is shared.
final class RegistrationBatchMeasurementTests: XCTestCase {
    func testRoundTripsAndCPUPerRegisteredAppeal() async throws {
        let bench = try await RegistrationBatchBench.make(for: self)
        let total = ProcessInfo.processInfo.environment["HROMADA_TEST_REGISTRATIONS"].flatMap { Int($0) } ?? 2_000
        let envelopes = try (0..<total).map { try RegistrationBatchBench.envelope(RegistrationBatchBench.appeal($0)) }
        // Warm-up (connection, plans, caches): one batch that is not counted.
        try await bench.apply(
            try (0..<100).map { try RegistrationBatchBench.envelope(RegistrationBatchBench.appeal(100_000 + $0)) })

        let batched = try await measure(bench, envelopes, batch: 100)
        let single = try await measure(
            bench,
            try (0..<200).map { try RegistrationBatchBench.envelope(RegistrationBatchBench.appeal(200_000 + $0)) },
            batch: 1)
        print("[measure] routing appeal.registered, batches of 100: \(batched.line(appeals: total))")
        print("[measure] routing appeal.registered, batches of 1: \(single.line(appeals: 200))")

        let tickets = try await bench.count("SELECT count(*)::bigint FROM tickets")
        XCTAssertEqual(tickets, total + 300)
        // The batch's statements do not grow with its size: 8 per batch of 100 (BEGIN, inbox claim,
        // erasure tombstones, appeals with photos and places, reference data, complaints' decisions,
        // tickets with history and outbox, COMMIT), plus one PQprepare per statement the first time it
        // runs again. Before issue 16 it was 8.5 per appeal.
        XCTAssertLessThanOrEqual(Double(batched.roundTrips) / Double(total), 0.09)
        // One per batch: at most those 8, 7 without a complaint (was 12.4).
        XCTAssertLessThanOrEqual(Double(single.roundTrips) / 200, 7.5)
    }

    struct Sample {
        var roundTrips = 0
        var clientMicroseconds = 0.0
        var serverMicroseconds: Double?
        var wallMicroseconds = 0.0

        func line(appeals: Int) -> String {
            let n = Double(appeals)
            let server = serverMicroseconds.map { String(format: "%.0f", $0 / n) } ?? "n/a"
            return String(
                format: "%.2f round trips, %.0f µs test-process CPU, ", Double(roundTrips) / n,
                clientMicroseconds / n) + "\(server) µs PostgreSQL backend CPU, "
                + String(format: "%.0f µs wall per appeal (%d appeals)", wallMicroseconds / n, appeals)
        }
    }

    private func measure(_ bench: RegistrationBatchBench, _ envelopes: [Envelope], batch: Int) async throws -> Sample {
        let pid = try await bench.backendPID()
        let serverBefore = ProcessCPU.microseconds(pid: pid)
        let clientBefore = ProcessCPU.ownMicroseconds()
        let start = ContinuousClock.now
        var sample = Sample()
        for first in stride(from: 0, to: envelopes.count, by: batch) {
            sample.roundTrips += try await bench.apply(Array(envelopes[first..<min(first + batch, envelopes.count)]))
        }
        let wall = ContinuousClock.now - start
        sample.wallMicroseconds = Double(wall.components.seconds) * 1e6 + Double(wall.components.attoseconds) / 1e12
        sample.clientMicroseconds = ProcessCPU.ownMicroseconds() - clientBefore
        if let serverBefore, let after = ProcessCPU.microseconds(pid: pid) {
            sample.serverMicroseconds = after - serverBefore
        }
        let samePID = try await bench.backendPID()
        XCTAssertEqual(samePID, pid, "one connection throughout")
        return sample
    }
}
