import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import XCTest

@testable import Intake

/// Registration numbers, idempotency and what a registration decides, in memory.
final class RegistrationRulesTests: XCTestCase {
    func testRegistrationNumberFormat() {
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 1), "MK-2026-000001")
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 999_999), "MK-2026-999999")
        // Numbers never run out: a seventh digit, not an error.
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 1_000_000), "MK-2026-1000000")
        XCTAssertTrue(RegistrationNumber.parse("MK-2026-000123")! == (2026, 123))
        XCTAssertTrue(RegistrationNumber.parse("mk-2026-1000000")! == (2026, 1_000_000))
        for bad in [
            "", "MK-2026-123", "MK-26-000123", "XX-2026-000123", "MK-2026-00012a", "MK-2026-000123-1",
            "MK 2026 000123", "MK-２０２６-000123",
        ] {
            XCTAssertNil(RegistrationNumber.parse(bad), bad)
        }
        XCTAssertEqual(RegistrationNumber.normalised("mk-2026-000123"), "MK-2026-000123")
        XCTAssertEqual(RegistrationNumber.normalised("Mk-2026-000123"), "MK-2026-000123")
        XCTAssertEqual(RegistrationNumber.normalised("garbage"), "garbage")
    }

    static func submission(from json: String) throws -> AppealSubmission {
        try JSON.decoder.decode(AppealSubmission.self, from: Data(json.utf8))
    }

    /// The request hash is over the decoded appeal in canonical form: key order and spacing of
    /// the client's JSON do not matter, any change of content does.
    func testIdempotencyRequestHashIsCanonical() throws {
        let a = try Self.submission(
            from: """
                {"kind":"application","category":"heating",
                 "author":{"fullName":"Т Ш","address":"вул. 1"},"text":"t"}
                """)
        let b = try Self.submission(
            from: """
                {
                  "text": "t", "author": { "address": "вул. 1", "fullName": "Т Ш" },
                  "category": "heating",   "kind": "application"
                }
                """)
        XCTAssertEqual(IdempotentRequest.requestHash(of: a), IdempotentRequest.requestHash(of: b))
        let c = try Self.submission(
            from: """
                {"kind":"application","category":"heating",
                 "author":{"fullName":"Т Ш","address":"вул. 2"},"text":"t"}
                """)
        XCTAssertNotEqual(IdempotentRequest.requestHash(of: a), IdempotentRequest.requestHash(of: c))
        // The canonical form: sorted keys, absent fields left out, no spaces.
        let small = AppealSubmission(kind: "application", category: "heating")
        let canonical = #"{"category":"heating","kind":"application"}"#
        XCTAssertEqual(String(decoding: IdempotentRequest.canonicalForm(of: small), as: UTF8.self), canonical)
        XCTAssertEqual(IdempotentRequest.requestHash(of: small), SHA256.hex(canonical))
    }

    func testIdempotencyKeyBoundsAndBinding() throws {
        let s = AppealSubmission(kind: "application")
        XCTAssertNil(IdempotentRequest(centre: "c1", key: "", submission: s))
        XCTAssertNil(IdempotentRequest(centre: "c1", key: String(repeating: "k", count: 201), submission: s))
        let one = try XCTUnwrap(IdempotentRequest(centre: "c1", key: "retry-1", submission: s))
        XCTAssertNotNil(IdempotentRequest(centre: "c1", key: String(repeating: "k", count: 200), submission: s))
        let otherCentre = try XCTUnwrap(IdempotentRequest(centre: "c2", key: "retry-1", submission: s))
        XCTAssertNotEqual(one.storedKey, otherCentre.storedKey, "a key is bound to its centre")
        XCTAssertFalse(one.storedKey.contains("retry-1"), "the key is stored hashed")
        XCTAssertTrue(one.matches(storedRequestHash: IdempotentRequest.requestHash(of: s)))
        XCTAssertFalse(
            one.matches(storedRequestHash: IdempotentRequest.requestHash(of: AppealSubmission(kind: "proposal"))))
    }

    /// The stored answer holds no usable tracking token; only the same key opens it.
    func testStoredAnswerIsSealed() throws {
        let s = AppealSubmission(kind: "application")
        let request = try XCTUnwrap(IdempotentRequest(centre: "c1", key: "retry-1", submission: s))
        let receipt = RegistrationReceipt(
            id: UUID(), registrationNumber: "MK-2026-000001", trackingToken: "secret-token-abc", status: "registered",
            registeredAt: ISO8601.roundedToMilliseconds(Date()), repeatOf: nil)
        let stored = try request.seal(receipt)
        XCTAssertFalse(stored.contains("secret-token-abc"))
        XCTAssertEqual(try request.open(stored), receipt)
        let otherKey = try XCTUnwrap(IdempotentRequest(centre: "c1", key: "retry-2", submission: s))
        XCTAssertThrowsError(try otherKey.open(stored))
    }

    func testReceiptIdIsLowerCaseOnTheWireAndReadInEitherCase() throws {
        let id = UUID()
        let receipt = RegistrationReceipt(
            id: id, registrationNumber: "MK-2026-000001", trackingToken: "t", status: "registered",
            registeredAt: Date(timeIntervalSince1970: 1_790_000_000), repeatOf: nil)
        let json = String(decoding: try JSON.encoder.encode(receipt), as: UTF8.self)
        XCTAssertTrue(json.contains("\"id\":\"\(id.uuidString.lowercased())\""), json)
        XCTAssertFalse(json.contains(id.uuidString), json)
        XCTAssertFalse(json.contains("repeatOf"), "absent repeat left out")
        let upper = json.replacingOccurrences(of: id.uuidString.lowercased(), with: id.uuidString)
        XCTAssertEqual(try JSON.decoder.decode(RegistrationReceipt.self, from: Data(upper.utf8)).id, id)
    }

    func testNewAppealDecidesNumberDayEventAndReceipt() throws {
        guard
            case .success(let valid) = AppealValidator.validate(
                ValidationTests.valid(), channel: "api", authenticatedCentre: "c1")
        else { return XCTFail() }
        // 23:30 UTC on 31 December is already 1 January in Kyiv: the Kyiv year numbers it.
        let now = ISO8601.parse("2026-12-31T23:30:00Z")!
        let new = NewAppeal(
            appeal: valid, channel: "api", sequence: 42, registeredAt: now, trackingToken: "tok",
            repeatOf: "MK-2026-000007")
        XCTAssertEqual(new.registrationNumber, "MK-2027-000042")
        XCTAssertEqual(new.registeredOn.description, "2027-01-01")
        XCTAssertEqual(new.historyNote, "repeat-of:MK-2026-000007")
        XCTAssertEqual(
            new.authorKey, RepeatDetector.authorKeyHash(fullName: valid.author.fullName, address: valid.author.address))
        let event = new.event
        XCTAssertEqual(event.appealId, new.id)
        XCTAssertEqual(event.registrationNumber, new.registrationNumber)
        XCTAssertEqual(event.trackingToken, "tok")
        XCTAssertEqual(event.centreId, "c1")
        XCTAssertEqual(event.repeatOf, "MK-2026-000007")
        XCTAssertEqual(event.channel, "api")
        XCTAssertEqual(new.receipt.status, "registered")
        XCTAssertEqual(new.receipt.id, new.id)
        XCTAssertNil(
            NewAppeal(
                appeal: valid, channel: "api", sequence: 1, registeredAt: now, trackingToken: "t",
                repeatOf: nil
            ).historyNote)
    }

    func testRepeatDecision() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        XCTAssertEqual(
            now.timeIntervalSince(RepeatDetector.windowStart(now: now)), Double(Law.repeatWindowDays) * 86_400)
        let text =
            "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти."
        XCTAssertNil(RepeatDetector.bestMatch(text: text, candidates: []))
        XCTAssertNil(
            RepeatDetector.bestMatch(
                text: text,
                candidates: [
                    ("MK-1", "Прошу відремонтувати дорогу біля школи.")
                ]))
        // The most similar wins, not the first.
        let close =
            "У квартирі немає опалення третій тиждень. "
            + "Прошу допомогти!"
        XCTAssertEqual(
            RepeatDetector.bestMatch(
                text: text,
                candidates: [
                    ("MK-1", "немає опалення у квартирі"), ("MK-2", close),
                    ("MK-3", text),
                ]), "MK-3")
        XCTAssertEqual(RepeatDetector.similarity(text, text), 1)
        XCTAssertEqual(
            RepeatDetector.authorKeyHash(fullName: "Шевченко Тарас", address: "вул. Садова, 1"),
            RepeatDetector.authorKeyHash(fullName: "ШЕВЧЕНКО  тарас", address: "Вул Садова 1"))
        XCTAssertNotEqual(
            RepeatDetector.authorKeyHash(fullName: "Шевченко Тарас", address: "вул. Садова, 1"),
            RepeatDetector.authorKeyHash(fullName: "Шевченко Тарас", address: "вул. Садова, 2"))
    }
}
