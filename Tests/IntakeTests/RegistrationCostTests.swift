import Foundation
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Intake

/// What one registration through `IntakeStore.register` costs with a category already holding
/// more than `AppealRecords.massCandidateLimit` recent appeals (a city's steady state): statements
/// sent to PostgreSQL (from the server's statement log of this test's one connection), CPU of this
/// process and of that connection's backend. A measurement, not a regular test: it runs only when
/// `HROMADA_TEST_POSTGRES_LOG` names the server's log file (`.hromada/log/postgres.log` locally)
/// and reads it, so it needs the superuser the integration environment already uses.
final class RegistrationCostTests: XCTestCase {
    static let existing = 600
    static let measured = 200

    static func text(_ i: Int) -> String {
        let streets = [
            "вул. Соборна", "просп. Центральний", "вул. Велика Морська",
            "вул. Адміральська", "просп. Миру",
        ]
        let street = streets[i % streets.count]
        return "Звернення №\(i): прошу перевірити стан об'єкта "
            + "за адресою \(street), "
            + "\(1 + i % 150). Проблема триває вже \(2 + i % 20) днів; "
            + "сусіди також скаржаться. Код \(UUID())."
    }

    static func appeal(_ i: Int) throws -> ValidAppeal {
        let submission = AppealSubmission(
            kind: "application", category: "heating",
            author: .init(
                fullName: "Бенч Автор\(i)", address: "м. Миколаїв, вул. Садова, \(i)"),
            subject: "Навантажувальний тест №\(i)", text: text(i))
        return try AppealValidator.validate(submission, channel: "centre", authenticatedCentre: nil).get()
    }

    /// This process's CPU, in seconds.
    static func processCPU() -> Double { ProcessCPU.ownMicroseconds() / 1e6 }

    /// utime + stime of a server process, in seconds.
    static func backendCPU(_ pid: Int32) throws -> Double { (ProcessCPU.microseconds(pid: pid) ?? 0) / 1e6 }

    func testStatementsAndCPUPerRegistration() async throws {
        guard let logPath = ProcessInfo.processInfo.environment["HROMADA_TEST_POSTGRES_LOG"] else {
            throw XCTSkip("a measurement: set HROMADA_TEST_POSTGRES_LOG to the server's log file")
        }
        let server = try await IntakeTestService.start(self)
        // A city's steady state, as in BENCHMARKS.md's profile: 11 categories, each with more than
        // `massCandidateLimit` appeals in the last 20 days (600 × 11, written directly).
        _ = try await server.sql(
            """
            INSERT INTO appeals (id, registration_number, registered_at, registered_on, channel, kind, category,
                author_key, full_name, address, preferred_language, subject, body, confidential,
                tracking_token_hash, updated_at)
            SELECT gen_random_uuid(), 'MK-2020-' || lpad(i::text, 7, '0'),
                now() - (i % 20) * interval '1 day' - i * interval '1 second', current_date, 'api', 'application',
                CASE WHEN i % 11 = 0 THEN 'heating' ELSE 'other-' || (i % 11) END, md5('author' || i),
                'Автор ' || i, 'вул. Садова, ' || i, 'uk', 'Тема',
                'Звернення №' || i || ': прошу перевірити стан об''єкта '
                    || 'за адресою вул. Соборна, ' || (1 + i % 150)
                    || '. Проблема триває вже ' || (2 + i % 20)
                    || ' днів; сусіди також скаржаться. Код ' || md5(i::text) || '.',
                false, md5('t' || i), now()
            FROM generate_series(1, \(Self.existing * 11)) AS i
            """)
        _ = try await server.sql("ANALYZE appeals")
        let name = server.db.name
        try await server.db.adminClient(poolSize: 1).withConnection { connection in
            try connection.executeScript("ALTER DATABASE \(name) SET log_statement = 'all'")
        }
        let client = server.db.client(poolSize: 1)
        let store = IntakeStore(unitOfWork: UnitOfWork(database: client, producer: "hromada-intake"))
        let pid = try await client.withConnection { $0.backendPID }

        func measure(_ label: String, count: Int, offset: Int, forgetFirst: Bool) async throws {
            if forgetFirst {
                for row in try await server.sql("SELECT id FROM appeals") {
                    MassCandidateCache.shared.forget(try row.decode(0, as: UUID.self))
                }
            }
            let logStart = (try FileManager.default.attributesOfItem(atPath: logPath)[.size] as? Int) ?? 0
            let cpu = Self.processCPU()
            let backend = try Self.backendCPU(pid)
            for i in offset..<(offset + count) {
                let key = IdempotentRequest(centre: IntakeTestService.centreId, key: "k\(i)", requestHash: "h\(i)")
                guard
                    case .registered = try await store.register(
                        try Self.appeal(i), channel: "centre", at: Date(), idempotency: key)
                else { return XCTFail("not registered") }
            }
            let cpuPer = (Self.processCPU() - cpu) / Double(count) * 1e6
            let backendPer = (try Self.backendCPU(pid) - backend) / Double(count) * 1e6
            try await Task.sleep(for: .milliseconds(300))  // the server's log is written asynchronously
            let handle = try XCTUnwrap(FileHandle(forReadingAtPath: logPath))
            try handle.seek(toOffset: UInt64(logStart))
            let log = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
            let mine = log.split(separator: "\n").filter {
                $0.contains("[\(pid)] LOG:  statement:") || $0.contains("[\(pid)] LOG:  execute")
            }
            let kinds = Dictionary(grouping: mine) { line -> String in
                let text = line.components(separatedBy: ": ").dropFirst(2).joined(separator: ": ")
                return String(text.prefix(40))
            }.mapValues(\.count).sorted { $0.key < $1.key }
            print(
                "[registration cost] \(label): \(count) registrations, \(mine.count) statements = "
                    + String(format: "%.2f", Double(mine.count) / Double(count)) + " per registration; "
                    + String(format: "process CPU %.0f µs, its PostgreSQL backend %.0f µs", cpuPer, backendPer)
                    + " per registration (debug build)")
            for (text, n) in kinds { print("[registration cost]   \(n) × \(text)") }
            XCTAssertGreaterThanOrEqual(mine.count, count * 4, "a registration is at least BEGIN, 2 writes, COMMIT")
        }
        try await measure("cold cache, first", count: 1, offset: 20_000, forgetFirst: true)
        try await measure("warm cache", count: Self.measured, offset: 10_000, forgetFirst: false)
        var explain = AppealRecords.candidatesQuery(
            authorKey: "someone-else", category: "heating", now: Date(), textsOnly: false)
        explain.sql = "EXPLAIN (ANALYZE, BUFFERS) " + explain.sql
        for row in try await server.sql(explain) {
            print("[registration cost] plan: " + (try row.decode(0, as: String.self)))
        }
    }
}
