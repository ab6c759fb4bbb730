import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import Intake

/// The retention trigger against the real PostgreSQL: only final appeals past their term are
/// erased; two sweeps at once (two replicas) erase every such appeal exactly once; rows another
/// transaction holds are skipped and erased by the next sweep (a crash in the middle of a batch
/// loses nothing).
final class RetentionSweepIntegrationTests: XCTestCase {
    func testSweepsShareTheWorkSkipLockedRowsAndResume() async throws {
        let intake = try await IntakeTestService.start(self)
        let auth = ["Authorization": "Bearer \(IntakeTestService.centreKey)"]
        var numbers: [String] = []
        for i in 0..<30 {
            let r = try await intake.harness.request(
                "POST", "/v1/appeals",
                json: IntakeIntegrationTests.appeal(
                    name: "Сплетенко Іван \(i)", text: "Текст звернення номер \(i)."),
                headers: auth)
            XCTAssertEqual(r.status, 201, r.text)
            numbers.append(try XCTUnwrap(try r.json() as? [String: Any])["registrationNumber"] as! String)
        }
        let admin = intake.db.adminClient()
        // 24 closed (or returned) 8 years ago: past the term. 3 closed this year, 3 answered long
        // ago (still open: the resident may dispute): kept.
        for (i, number) in numbers.enumerated() {
            let (status, age) =
                i < 24
                ? (i % 4 == 0 ? "returned" : "closed", "8 years")
                : (i < 27 ? ("closed", "1 day") : ("answered", "8 years"))
            _ = try await admin.execute(
                "UPDATE intake.appeals SET status = \(status), last_event_at = now() - \(age)::interval "
                    + "WHERE registration_number = \(number)")
        }
        // A recent repeat of an old appeal keeps the old one too (repeated appeals: 5 years after the last).
        _ = try await admin.execute(
            "UPDATE intake.appeals SET repeat_of = \(numbers[5]) WHERE registration_number = \(numbers[25])")

        var logger = Logger(label: "test.retention")
        logger.logLevel = .warning
        let store = IntakeStore(
            unitOfWork: UnitOfWork(database: intake.db.client(poolSize: 4), producer: "hromada-intake"))
        let settings = RetentionSweep.Settings(policy: .legal, interval: .seconds(3600), batchSize: 4)
        let sweep = RetentionSweep(store: store, settings: settings, clock: { Date() }, logger: logger)

        // Another transaction (a replica mid-batch, or one about to crash) holds three of them.
        let held = Array(numbers[0..<3])
        let holder = Task {
            try await admin.withConnection { connection in
                try connection.execute("BEGIN")
                _ = try connection.query(
                    "SELECT id FROM intake.appeals WHERE registration_number = ANY(\(held)) FOR UPDATE")
                Thread.sleep(forTimeInterval: 3)
                try connection.execute("ROLLBACK")
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        async let first = sweep.sweepOnce()
        async let second = sweep.sweepOnce()
        let together = try await first + second
        XCTAssertEqual(together, 20, "every free appeal past its term, each once")
        try await holder.value
        let resumed = try await sweep.sweepOnce()
        XCTAssertEqual(resumed, 3, "the held rows are erased by the next sweep")
        let nothingLeft = try await sweep.sweepOnce()
        XCTAssertEqual(nothingLeft, 0)

        let erased = try await admin.query(
            "SELECT registration_number, trigger FROM intake.erasures ORDER BY registration_number")
        XCTAssertEqual(
            try erased.map { try $0.decode(0, as: String.self) },
            Array(numbers[0..<24]).filter { $0 != numbers[5] }.sorted())
        XCTAssertEqual(Set(try erased.map { try $0.decode(1, as: String.self) }), ["retention"])
        let marked = try await admin.count(
            "SELECT count(*) FROM intake.appeals WHERE full_name = '[erased]' AND email IS NULL AND body = '[erased]'")
        XCTAssertEqual(marked, 23)
        let kept = try await admin.count(
            "SELECT count(*) FROM intake.appeals WHERE full_name LIKE 'Сплетенко Іван %'")
        XCTAssertEqual(kept, 7, "recent and still-open appeals, and the one repeated, keep their data")
        let tombstones = try await admin.count("SELECT count(*) FROM intake.erasure_tombstones")
        XCTAssertEqual(tombstones, 23)
    }
}
