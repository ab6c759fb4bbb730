import Foundation
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import XCTest

@testable import Intake

/// The repeat and mass checks read before the registering transaction, with the recent appeals'
/// trigrams kept in `MassCandidateCache`, against the real PostgreSQL: the same decisions whether
/// a candidate comes from the cache or from its text, erased appeals neither compared nor kept,
/// and the rare path where they are made inside the transaction.
final class MassCheckIntegrationTests: XCTestCase {
    static let issue = ClassificationIntegrationTests.issue

    static func appeal(_ i: Int, text: String = issue) throws -> ValidAppeal {
        let submission = AppealSubmission(
            kind: "application", category: "heating",
            author: .init(
                fullName: "Мешканець Номер\(i)", address: "вул. Садова, 12, кв. \(i)"),
            subject: "Немає опалення", text: text)
        return try AppealValidator.validate(submission, channel: "centre", authenticatedCentre: nil).get()
    }

    struct Fixture {
        let server: IntakeTestService
        let store: IntakeStore
        let client: PostgresClient

        func register(_ i: Int, text: String = issue, key: String? = nil) async throws -> RegistrationReceipt {
            let idempotency = key.map {
                IdempotentRequest(centre: IntakeTestService.centreId, key: $0, requestHash: "hash-\(i)")
            }
            guard
                case .registered(let receipt) = try await store.register(
                    try MassCheckIntegrationTests.appeal(i, text: text), channel: "centre", at: Date(),
                    idempotency: idempotency)
            else { throw CancellationError() }
            return receipt
        }

        func frequency(_ receipt: RegistrationReceipt) async throws -> String? {
            try await client.query("SELECT frequency FROM appeals WHERE id = \(receipt.id)").first?.decode(
                0, as: String?.self)
        }
    }

    func start() async throws -> Fixture {
        let server = try await IntakeTestService.start(self)
        let client = server.db.client(poolSize: 2)
        return Fixture(
            server: server, store: IntakeStore(unitOfWork: UnitOfWork(database: client, producer: "hromada-intake")),
            client: client)
    }

    func testTheSameDecisionFromTheCacheAndFromTheTexts() async throws {
        let f = try await start()
        let cache = MassCandidateCache.shared
        var first: [RegistrationReceipt] = []
        for i in 1...5 { first.append(try await f.register(i)) }
        for receipt in first { XCTAssertNotNil(cache.trigrams(of: receipt.id), "kept at registration") }
        let fromCache = try await f.register(6)
        let fromCacheFrequency = try await f.frequency(fromCache)
        XCTAssertEqual(fromCacheFrequency, "mass")
        // As another replica sees them: none in its cache, every text read from the database.
        for receipt in first + [fromCache] { cache.forget(receipt.id) }
        let fromTexts = try await f.register(7)
        let fromTextsFrequency = try await f.frequency(fromTexts)
        XCTAssertEqual(fromTextsFrequency, "mass")
        for receipt in first + [fromCache] { XCTAssertNotNil(cache.trigrams(of: receipt.id), "kept once read") }
        // Another issue in the category: not mass, from the cache or not.
        let other =
            "Прошу пояснити порядок перерахунку "
            + "плати за тепло за жовтень місяць."
        let unrelated = try await f.register(8, text: other)
        let unrelatedFrequency = try await f.frequency(unrelated)
        XCTAssertEqual(unrelatedFrequency, "first")
        // A text with no packed form compares with the texts (the cache is not used).
        let unpacked = try await f.register(9, text: Self.issue + " к\u{0301}\u{0327}ут")
        let unpackedFrequency = try await f.frequency(unpacked)
        XCTAssertEqual(unpackedFrequency, "mass")
        XCTAssertNil(cache.trigrams(of: unpacked.id))
    }

    func testAnErasedAppealIsNeitherComparedNorKept() async throws {
        let f = try await start()
        let cache = MassCandidateCache.shared
        var receipts: [RegistrationReceipt] = []
        for i in 1...5 { receipts.append(try await f.register(i)) }
        // Erased on another replica: this replica's cache still holds its trigrams.
        let marker = ErasureTombstones.marker
        try await f.client.execute(
            "UPDATE appeals SET author_key = \(marker), body = \(marker) WHERE id = \(receipts[0].id)")
        XCTAssertNotNil(cache.trigrams(of: receipts[0].id))
        let sixth = try await f.register(6)
        let sixthFrequency = try await f.frequency(sixth)
        XCTAssertEqual(sixthFrequency, "first", "four other authors left on the issue")
        XCTAssertNil(cache.trigrams(of: receipts[0].id), "forgotten once seen erased")
        // Erased on this replica: forgotten at once, with the text.
        let second = receipts[1]
        XCTAssertNotNil(cache.trigrams(of: second.id))
        try await f.client.withTransaction { connection in
            try IntakeStore.erasePersonalFields(
                appealId: second.id, registrationNumber: second.registrationNumber, on: connection)
        }
        XCTAssertNil(cache.trigrams(of: second.id))
        // The mass check's narrow copy (migration 880) follows: both erased keys are the marker.
        let keys = try await f.client.query(
            """
            SELECT m.author_key FROM mass_candidates m JOIN appeals a ON a.id = m.appeal_id
            WHERE a.id = ANY(\([receipts[0].id, second.id])) AND m.author_key = a.author_key
            """
        ).map { try $0.decode(0, as: String.self) }
        XCTAssertEqual(keys, [marker, marker])
        let body = try await f.client.query("SELECT body FROM appeals WHERE id = \(second.id)").first?.decode(
            0, as: String.self)
        XCTAssertEqual(body, marker)
    }

    /// A key known when the number would be drawn but gone by the transaction (expired): the
    /// number is drawn and the checks are made inside it, and the key gets its answer.
    func testAKeyThatVanishedIsRegisteredInTheTransaction() async throws {
        let f = try await start()
        for i in 1...5 { _ = try await f.register(i) }
        let key = IdempotentRequest(centre: IntakeTestService.centreId, key: "vanished-key", requestHash: "h")
        let outcome = try await UnitOfWork(database: f.client, producer: "hromada-intake").run { tx in
            try AppealRecords.register(
                try Self.appeal(6), channel: "centre", now: Date(), idempotency: key, prepared: nil, in: tx)
        }
        guard case .registered(let receipt) = outcome else { return XCTFail("\(outcome)") }
        let frequency = try await f.frequency(receipt)
        XCTAssertEqual(frequency, "mass")
        let replay = try await f.store.register(try Self.appeal(6), channel: "centre", at: Date(), idempotency: key)
        XCTAssertEqual(replay, .replayed(receipt))
        let history = try await f.client.count("SELECT count(*) FROM appeal_history WHERE appeal_id = \(receipt.id)")
        XCTAssertEqual(history, 1)
    }

    /// A repeat of the author's own appeal is found and linked from the read made before the
    /// transaction; a replay with the same key returns the first receipt and writes nothing.
    func testRepeatAndReplayFromTheReadBeforeTheTransaction() async throws {
        let f = try await start()
        let first = try await f.register(1, key: "k1")
        let again = try await f.register(1, key: "k2")
        XCTAssertEqual(again.repeatOf, first.registrationNumber)
        let replay = try await f.store.register(
            try Self.appeal(1), channel: "centre", at: Date(),
            idempotency: IdempotentRequest(centre: IntakeTestService.centreId, key: "k2", requestHash: "hash-1"))
        XCTAssertEqual(replay, .replayed(again))
        let reused = try await f.store.register(
            try Self.appeal(1), channel: "centre", at: Date(),
            idempotency: IdempotentRequest(centre: IntakeTestService.centreId, key: "k2", requestHash: "other"))
        XCTAssertEqual(reused, .keyReused)
        let count = try await f.client.count("SELECT count(*) FROM appeals")
        XCTAssertEqual(count, 2)
        let copied = try await f.client.count(
            """
            SELECT count(*) FROM mass_candidates m JOIN appeals a ON a.id = m.appeal_id
            WHERE m.category = a.category AND m.registered_at = a.registered_at AND m.author_key = a.author_key
            """)
        XCTAssertEqual(copied, 2, "every appeal in the mass check's copy, as registered")
        let stored = try await f.client.count("SELECT count(*) FROM idempotency_keys WHERE response IS NOT NULL")
        XCTAssertEqual(stored, 2)
    }

    /// Retries racing with the same key (the key and its answer are now written in one statement):
    /// exactly one registers, every other gets its receipt back, one appeal and one history entry exist.
    func testConcurrentRetriesWithOneKeyRegisterOnce() async throws {
        let f = try await start()
        let key = IdempotentRequest(centre: IntakeTestService.centreId, key: "racing", requestHash: "same")
        let appeal = try Self.appeal(1)
        let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
            for _ in 0..<6 {
                group.addTask { try await f.store.register(appeal, channel: "centre", at: Date(), idempotency: key) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let registered = outcomes.compactMap { outcome -> RegistrationReceipt? in
            if case .registered(let receipt) = outcome { return receipt } else { return nil }
        }
        XCTAssertEqual(registered.count, 1, "\(outcomes)")
        let receipt = try XCTUnwrap(registered.first)
        XCTAssertEqual(outcomes.filter { $0 == .replayed(receipt) }.count, 5, "\(outcomes)")
        let appeals = try await f.client.count("SELECT count(*) FROM appeals")
        XCTAssertEqual(appeals, 1)
        let history = try await f.client.count("SELECT count(*) FROM appeal_history")
        XCTAssertEqual(history, 1)
    }
}
