import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest

@testable import Audit

final class AuditChainTests: XCTestCase {
    func testLinkIsSHA256OfPreviousThenStored() {
        XCTAssertEqual(AuditChain.genesis, [UInt8](repeating: 0, count: 32))
        // python3: hashlib.sha256(bytes(32) + b"abc").hexdigest()
        XCTAssertEqual(
            Hex.encode(AuditChain.link(previous: AuditChain.genesis, stored: Array("abc".utf8))),
            "365aa7d8f7f9402c4b9434502b4cc89ddb09fe50d7cd95b493b834c62d5a5370")
        let a = AuditChain.link(previous: AuditChain.genesis, stored: [1, 2, 3])
        XCTAssertEqual(a, SHA256.hash(AuditChain.genesis + [1, 2, 3]))
        XCTAssertNotEqual(AuditChain.link(previous: a, stored: [1, 2, 3]), a)
    }

    /// A valid chain of `n` rows.
    func makeChain(_ n: Int) -> [ChainRow] {
        var rows: [ChainRow] = []
        var previous = AuditChain.genesis
        for i in 1...n {
            let stored = Array("{\"n\":\(i)}".utf8)
            let hash = AuditChain.link(previous: previous, stored: stored)
            rows.append(ChainRow(sequence: Int64(i), prevHash: previous, hash: hash, stored: stored))
            previous = hash
        }
        return rows
    }

    func verify(_ rows: [ChainRow], head: Int64? = nil, checkpoints: [CheckpointMark] = []) -> ChainVerifier {
        var verifier = ChainVerifier(checkpoints: checkpoints)
        for row in rows.sorted(by: { $0.sequence < $1.sequence }) where !verifier.isBroken { verifier.feed(row) }
        verifier.finish(head: head ?? rows.map(\.sequence).max())
        return verifier
    }

    func testIntactChainVerifies() {
        let rows = makeChain(10)
        let result = verify(rows, checkpoints: [CheckpointMark(sequence: 5, hash: rows[4].hash)])
        XCTAssertFalse(result.isBroken)
        XCTAssertNil(result.firstBadSequence)
        XCTAssertEqual(result.entries, 10)
    }

    func testChangedStoredBytes() {
        var rows = makeChain(10)
        rows[3].stored[2] ^= 1
        let result = verify(rows)
        XCTAssertEqual(result.firstBadSequence, 4)
        XCTAssertEqual(result.reason, .hashMismatch)
    }

    func testChangedHash() {
        var rows = makeChain(10)
        rows[5].hash = SHA256.hash("forged")
        XCTAssertEqual(verify(rows).firstBadSequence, 6)
    }

    func testDeletedRow() {
        var rows = makeChain(10)
        rows.remove(at: 4)
        let result = verify(rows, head: 10)
        XCTAssertEqual(result.firstBadSequence, 5)
        XCTAssertEqual(result.reason, .sequenceGap)
        // The last row deleted: the head still names it.
        var truncated = makeChain(10)
        truncated.removeLast()
        let tail = verify(truncated, head: 10)
        XCTAssertEqual(tail.firstBadSequence, 10)
        XCTAssertEqual(tail.reason, .headMismatch)
    }

    func testSwappedRows() {
        var rows = makeChain(10)
        rows[2].sequence = 7
        rows[6].sequence = 3
        let result = verify(rows)
        XCTAssertEqual(result.firstBadSequence, 3)
        XCTAssertEqual(result.reason, .previousHashMismatch)
    }

    func testInsertedRows() {
        var rows = makeChain(10)
        // Forged row at the end, correctly linked: only the head betrays it.
        let stored = Array("{\"forged\":true}".utf8)
        rows.append(
            ChainRow(
                sequence: 11, prevHash: rows[9].hash, hash: AuditChain.link(previous: rows[9].hash, stored: stored),
                stored: stored))
        let result = verify(rows, head: 10)
        XCTAssertEqual(result.firstBadSequence, 11)
        XCTAssertEqual(result.reason, .headMismatch)
        // Forged row squeezed in the middle (later rows renumbered): its successor's prev_hash breaks.
        var middle = makeChain(10)
        for i in 5..<10 { middle[i].sequence += 1 }
        middle.insert(
            ChainRow(
                sequence: 6, prevHash: middle[4].hash, hash: AuditChain.link(previous: middle[4].hash, stored: stored),
                stored: stored), at: 5)
        XCTAssertEqual(verify(middle, head: 11).firstBadSequence, 7)
    }

    func testConsistentRewriteIsCaughtByCheckpoints() {
        let original = makeChain(12)
        let checkpoints = [
            CheckpointMark(sequence: 5, hash: original[4].hash), CheckpointMark(sequence: 10, hash: original[9].hash),
        ]
        // Rewrite entry 7 and recompute every later hash: internally consistent.
        var rows = original
        rows[6].stored = Array("{\"n\":700}".utf8)
        for i in 6..<12 {
            rows[i].prevHash = rows[i - 1].hash
            rows[i].hash = AuditChain.link(previous: rows[i].prevHash, stored: rows[i].stored)
        }
        XCTAssertFalse(verify(rows).isBroken, "without checkpoints a consistent rewrite is invisible")
        let result = verify(rows, checkpoints: checkpoints)
        XCTAssertEqual(result.reason, .checkpointMismatch)
        XCTAssertEqual(result.firstBadSequence, 6, "the first entry not covered by a matching checkpoint")
        // A checkpoint beyond the end of the log: truncated.
        let truncated = verify(Array(original.prefix(8)), checkpoints: checkpoints)
        XCTAssertEqual(truncated.firstBadSequence, 9)
        XCTAssertEqual(truncated.reason, .checkpointMissing)
    }
}

final class PersonalDataProtectionTests: XCTestCase {
    let residentName = "Олена Тестова-Шевчук"

    func registered() throws -> Envelope {
        let event = AppealRegistered(
            appealId: UUID(), registrationNumber: "MK-2026-000001",
            registeredAt: Date(timeIntervalSince1970: 1_790_000_000),
            kind: .complaint, category: "heating", district: "tsentralnyi",
            location: .init(lat: 46.97, lon: 31.99, address: "вул. Соборна, 1"),
            author: .init(
                fullName: residentName, address: "вул. Велика Морська, 5", email: "olena@example.org",
                phone: "+380501234567", preferredLanguage: .uk, benefitCategory: nil),
            subject: "Немає опалення", text: "У квартирі холодно", centreId: "library-1",
            assistedBy: "librarian-7",
            confidential: false, against: nil, repeatOf: nil, trackingToken: "tok-secret", channel: "centre",
            // Every declared personal field present (issue 13 added co-signers, the representative and
            // the classifier's social category).
            classifier: .init(arrival: "centre", frequency: "first", form: "collective", socialCategory: "veteran"),
            coSigners: [.init(fullName: "Петро Співпідписант", address: "вул. Садова, 3")],
            representative: .init(
                fullName: "Ганна Представниця", address: "вул. Миру, 9",
                documentKind: "power-of-attorney",
                documentNumber: "ААА 000111", documentDate: LocalDate(string: "2026-10-01")!))
        // Issue 15: an Open311 client's photo link (it may show the person or their home).
        var withLink = event
        withLink.mediaURL = "https://photos.example.org/yama.jpg"
        return try Envelope(
            event: withLink, correlationId: event.appealId, causationId: nil, producer: "hromada-intake")
    }

    func testEncryptsExactlyThePersonalPaths() throws {
        let envelope = try registered()
        let key = AES256GCM.generateKey()
        let protected = try PersonalDataProtection.protect(
            payload: envelope.payload, type: envelope.type, eventId: envelope.id, key: key)
        for path in PersonalFields.paths(for: envelope.type) {
            let value = try XCTUnwrap(protected[path: path], "\(path)")
            XCTAssertNotNil(value["enc"]?.stringValue, "\(path) is encrypted")
        }
        // Non-personal fields untouched.
        XCTAssertEqual(protected["registrationNumber"], envelope.payload["registrationNumber"])
        XCTAssertEqual(protected["category"], "heating")
        XCTAssertEqual(protected["confidential"], false)
        // No plaintext in the canonical bytes.
        var stored = envelope
        stored.payload = protected
        let text = String(decoding: try stored.encoded(), as: UTF8.self)
        for secret in [
            residentName, "olena@example.org", "Немає опалення", "У квартирі холодно",
            "tok-secret", "Соборна",
            "Петро Співпідписант", "ААА 000111",
        ] {
            XCTAssertFalse(text.contains(secret), "\(secret.count)-char secret leaked")
        }
        // Round trip.
        let revealed = try PersonalDataProtection.reveal(
            payload: protected, type: envelope.type, eventId: envelope.id, key: key)
        XCTAssertEqual(revealed, envelope.payload)
    }

    func testWrongKeyOrMovedCiphertextFails() throws {
        let envelope = try registered()
        let key = AES256GCM.generateKey()
        let protected = try PersonalDataProtection.protect(
            payload: envelope.payload, type: envelope.type, eventId: envelope.id, key: key)
        XCTAssertThrowsError(
            try PersonalDataProtection.reveal(
                payload: protected, type: envelope.type, eventId: envelope.id, key: AES256GCM.generateKey())
        ) {
            XCTAssertEqual(($0 as? AuditError)?.code, .decryptionFailed)
        }
        XCTAssertThrowsError(
            try PersonalDataProtection.reveal(payload: protected, type: envelope.type, eventId: UUID(), key: key))
    }

    func testDestroyedKeyShowsPlaceholder() throws {
        let envelope = try registered()
        let protected = try PersonalDataProtection.protect(
            payload: envelope.payload, type: envelope.type, eventId: envelope.id, key: AES256GCM.generateKey())
        let revealed = try PersonalDataProtection.reveal(
            payload: protected, type: envelope.type, eventId: envelope.id, key: nil)
        XCTAssertEqual(revealed["author"], "[erased]")
        XCTAssertEqual(revealed["text"], "[erased]")
        XCTAssertEqual(revealed["registrationNumber"], "MK-2026-000001")
        // Arriving after erasure: the personal data is not stored at all.
        let dropped = try PersonalDataProtection.protect(
            payload: envelope.payload, type: envelope.type, eventId: envelope.id, key: nil)
        XCTAssertEqual(dropped["author"], "[erased]")
    }

    func testAbsentAndNullFieldsAndNestedPathsAreLeftAlone() throws {
        let payload: JSONValue = ["reason": nil, "officialId": "o-1"]
        XCTAssertFalse(PersonalDataProtection.hasPersonalData(type: TicketExtended.eventType, payload: payload))
        let same = try PersonalDataProtection.protect(
            payload: payload, type: TicketExtended.eventType, eventId: UUID(), key: AES256GCM.generateKey())
        XCTAssertEqual(same, payload)
        XCTAssertEqual(
            PersonalDataProtection.setting(["a": ["b": 1, "c": 2]], at: ["a", "b"], to: "x"), ["a": ["b": "x", "c": 2]])
        XCTAssertEqual(PersonalDataProtection.setting(["a": 1], at: ["missing", "b"], to: "x"), ["a": 1])
        // Unknown event types have no personal paths.
        XCTAssertFalse(PersonalDataProtection.hasPersonalData(type: "something.new", payload: ["text": "hi"]))
    }

    func testCanonicalStoredBytesAreDeterministic() throws {
        let a: JSONValue = ["b": 1, "a": ["y": "ї", "x": [true, nil]]]
        let b: JSONValue = .object([
            "a": .object(["x": .array([.bool(true), .null]), "y": .string("ї")]), "b": .int(1),
        ])
        XCTAssertEqual(try a.canonicalBytes(), try b.canonicalBytes())
        XCTAssertEqual(try a.canonicalString(), #"{"a":{"x":[true,null],"y":"ї"},"b":1}"#)
        let envelope = try registered()
        XCTAssertEqual(try Envelope.decode(from: try envelope.encoded()).encoded(), try envelope.encoded())
    }

    func testActorAndSettings() throws {
        let env = Envelope(
            type: "ticket.accepted", version: 1, correlationId: UUID(), causationId: nil, producer: "hromada-routing",
            payload: ["officialId": "official-9"])
        XCTAssertEqual(AuditEntry.actor(of: env), "official-9")
        let plain = Envelope(
            type: "ticket.overdue", version: 1, correlationId: UUID(), causationId: nil, producer: "hromada-routing",
            payload: [:])
        XCTAssertEqual(AuditEntry.actor(of: plain), "hromada-routing")
        let hash = TokenHash.hash(token: "reader")
        let settings = try AuditSettings.fromEnvironment([
            "HROMADA_AUDIT_CHECKPOINT_EVERY": "50", "HROMADA_AUDIT_CHECKPOINT_SECONDS": "0",
            "HROMADA_AUDIT_READER_TOKENS": hash.uppercased(),
        ])
        XCTAssertEqual(settings.checkpointEvery, 50)
        XCTAssertEqual(settings.checkpointInterval, .zero)
        XCTAssertEqual(settings.readerTokenHashes, [hash])
        XCTAssertThrowsError(try AuditSettings.fromEnvironment(["HROMADA_AUDIT_READER_TOKENS": "plain-token"]))
        // The reports' threshold is read with the rest, in one place.
        XCTAssertEqual(
            try AuditSettings.fromEnvironment([:]).reports.openDataThreshold, OpenDataExporter.defaultThreshold)
        XCTAssertEqual(
            try AuditSettings.fromEnvironment(["HROMADA_OPEN_DATA_THRESHOLD": "7"]).reports.openDataThreshold, 7)
        XCTAssertThrowsError(try AuditSettings.fromEnvironment(["HROMADA_OPEN_DATA_THRESHOLD": "0"]))
        XCTAssertThrowsError(try AuditSettings.fromEnvironment(["HROMADA_AUDIT_CHECKPOINT_EVERY": "-1"]))
        // Read through EnvironmentReader: a line break at the end (a value from a file) is not part of it.
        let fromFiles = try AuditSettings.fromEnvironment([
            "HROMADA_AUDIT_CHECKPOINT_EVERY": "50\n", "HROMADA_AUDIT_READER_TOKENS": hash + "\n",
        ])
        XCTAssertEqual(fromFiles.checkpointEvery, 50)
        XCTAssertEqual(fromFiles.readerTokenHashes, [hash])
    }

    func testVerificationEncodesNullFirstBadSequence() throws {
        let json = String(
            decoding: try JSONEncoder().encode(
                AuditVerification(
                    ok: true, entries: 3, firstBadSequence: nil, reason: nil, checkpointsChecked: 0, headSequence: 3)),
            as: UTF8.self)
        XCTAssertTrue(json.contains("\"firstBadSequence\":null"), json)
    }
}
