import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest

@testable import Audit

/// A log kept in memory with the domain's own rules (`AuditEntry.make`, `ChainVerifier`): what
/// the PostgreSQL store does, minus the SQL.
struct MemoryChain {
    var entries: [AuditEntry] = []
    var keys: [UUID: [UInt8]?] = [:]
    var head = ChainHead.empty

    /// Appends like the store: erasure destroys keys first, then the entry is sealed with the
    /// appeal's key (created on first use, nil once erased).
    @discardableResult
    mutating func append(_ envelope: Envelope) throws -> AuditEntry {
        for id in AuditEntry.keysErased(by: envelope) { keys[id] = .some(nil) }
        var key: [UInt8]?
        if AuditEntry.needsKey(envelope) {
            if keys[envelope.correlationId] == nil { keys[envelope.correlationId] = .some(AES256GCM.generateKey()) }
            key = keys[envelope.correlationId] ?? nil
        }
        let entry = try AuditEntry.make(envelope, after: head, registrationNumber: nil, key: key)
        entries.append(entry)
        head = entry.head
        return entry
    }

    func verify(_ rows: [ChainRow]? = nil, head: Int64? = nil, checkpoints: [CheckpointMark] = []) -> ChainVerifier {
        var verifier = ChainVerifier(checkpoints: checkpoints)
        for row in rows ?? entries.map(\.chainRow) where !verifier.isBroken { verifier.feed(row) }
        verifier.finish(head: head ?? self.head.sequence)
        return verifier
    }
}

final class AuditDomainTests: XCTestCase {
    let appealId = UUID()
    let residentName = "Олена Тестова-Шевчук"

    func registered() throws -> Envelope {
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000042",
            registeredAt: Date(timeIntervalSince1970: 1_790_000_000),
            kind: .complaint, category: "heating",
            author: .init(
                fullName: residentName, address: "вул. Велика Морська, 5",
                email: "olena@example.org"),
            subject: "Немає опалення", text: "У квартирі холодно",
            trackingToken: "tok-secret", channel: "centre")
        return try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "hromada-intake")
    }

    func accepted(by official: String = "official-9") throws -> Envelope {
        try Envelope(
            event: TicketAccepted(
                ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000042",
                authority: "zhkg", officialId: official, acceptedAt: Date(timeIntervalSince1970: 1_790_000_100)),
            correlationId: appealId, causationId: nil, producer: "hromada-routing")
    }

    func answered() throws -> Envelope {
        try Envelope(
            event: TicketAnswered(
                ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000042",
                authority: "zhkg", officialId: "official-9", outcome: .explained,
                answerText: "Тепло відновлено", answeredAt: Date(timeIntervalSince1970: 1_790_000_200)),
            correlationId: appealId, causationId: nil, producer: "hromada-routing")
    }

    /// A chain of five entries for one appeal.
    func chain() throws -> MemoryChain {
        var chain = MemoryChain()
        try chain.append(try registered())
        try chain.append(try accepted())
        try chain.append(try answered())
        try chain.append(try accepted(by: "official-10"))
        try chain.append(try accepted(by: "official-11"))
        return chain
    }

    // MARK: - Append

    func testAppendLinksEachEntryToThePreviousOne() throws {
        let chain = try chain()
        XCTAssertEqual(chain.entries.map(\.sequence), [1, 2, 3, 4, 5])
        XCTAssertEqual(chain.entries[0].prevHash, AuditChain.genesis)
        for (previous, entry) in zip(chain.entries, chain.entries.dropFirst()) {
            XCTAssertEqual(entry.prevHash, previous.hash)
            XCTAssertEqual(entry.hash, AuditChain.link(previous: previous.hash, stored: entry.stored))
        }
        XCTAssertEqual(chain.head, ChainHead(sequence: 5, hash: chain.entries[4].hash))
        let result = chain.verify()
        XCTAssertFalse(result.isBroken)
        XCTAssertEqual(result.entries, 5)
    }

    func testEntryCanonicalFormSealsPersonalFieldsAndNamesTheActor() throws {
        let chain = try chain()
        let first = chain.entries[0]
        XCTAssertEqual(first.type, AppealRegistered.eventType)
        XCTAssertEqual(first.registrationNumber, "MK-2026-000042")
        XCTAssertEqual(first.actor, "hromada-intake", "no actor key: the producer")
        XCTAssertEqual(chain.entries[1].actor, "official-9")
        let text = String(decoding: first.stored, as: UTF8.self)
        for secret in [residentName, "olena@example.org", "У квартирі холодно", "tok-secret"] {
            XCTAssertFalse(text.contains(secret), "a \(secret.count)-character personal value is stored in clear")
        }
        // The canonical form is deterministic: the same envelope, head and key give the same bytes.
        let key = AES256GCM.generateKey()
        let envelope = try accepted()
        XCTAssertEqual(
            try AuditEntry.make(envelope, after: chain.head, registrationNumber: nil, key: key).stored,
            try AuditEntry.make(envelope, after: chain.head, registrationNumber: nil, key: key).stored)
        // And it opens with the appeal's key.
        let revealed = try AuditEntry.revealedPayload(
            stored: first.stored, type: first.type, eventId: first.eventId, key: chain.keys[appealId] ?? nil)
        XCTAssertEqual(revealed["author"]?["fullName"], .string(residentName))
    }

    func testCheckpointPolicy() {
        let policy = CheckpointPolicy(every: 3)
        XCTAssertEqual((1...7).filter { policy.isDue(afterAppending: $0) }, [3, 6])
        XCTAssertFalse(CheckpointPolicy(every: 0).isDue(afterAppending: 3))
        XCTAssertTrue(CheckpointPolicy.isTimedCheckpointDue(head: 10, lastCheckpoint: 6, freshEntriesSinceLast: 2))
        XCTAssertFalse(CheckpointPolicy.isTimedCheckpointDue(head: 10, lastCheckpoint: 10, freshEntriesSinceLast: 0))
        XCTAssertFalse(
            CheckpointPolicy.isTimedCheckpointDue(head: 11, lastCheckpoint: 10, freshEntriesSinceLast: 0),
            "only checkpoint events since the last one")
        XCTAssertFalse(CheckpointPolicy.isTimedCheckpointDue(head: 0, lastCheckpoint: 0, freshEntriesSinceLast: 0))
    }

    // MARK: - Each kind of tampering

    /// The test chain's verification after `tamper` changed its rows (the recorded head unchanged).
    func verifyTampered(_ tamper: (inout [ChainRow]) -> Void) throws -> ChainVerifier {
        let chain = try chain()
        var rows = chain.entries.map(\.chainRow)
        tamper(&rows)
        return chain.verify(rows)
    }

    func testChangedFieldIsDetected() throws {
        let result = try verifyTampered { rows in
            let text = String(decoding: rows[1].stored, as: UTF8.self)
            XCTAssertTrue(text.contains("official-9"))
            rows[1].stored = Array(text.replacingOccurrences(of: "official-9", with: "official-8").utf8)
        }
        XCTAssertEqual(result.firstBadSequence, 2)
        XCTAssertEqual(result.reason, .hashMismatch)
    }

    func testDeletedEntryIsDetected() throws {
        let result = try verifyTampered { _ = $0.remove(at: 2) }
        XCTAssertEqual(result.firstBadSequence, 3)
        XCTAssertEqual(result.reason, .sequenceGap)
        // The last entry deleted: the recorded head betrays it.
        let tail = try verifyTampered { _ = $0.removeLast() }
        XCTAssertEqual(tail.firstBadSequence, 5)
        XCTAssertEqual(tail.reason, .headMismatch)
    }

    func testReorderedEntriesAreDetected() throws {
        let result = try verifyTampered { rows in
            rows.swapAt(1, 3)
            rows[1].sequence = 2
            rows[3].sequence = 4
        }
        XCTAssertEqual(result.firstBadSequence, 2)
        XCTAssertEqual(result.reason, .previousHashMismatch)
    }

    func testBrokenPreviousHashIsDetected() throws {
        let result = try verifyTampered { rows in
            rows[3].prevHash = SHA256.hash("not the previous entry")
            // Even with its own hash recomputed over the forged link.
            rows[3].hash = AuditChain.link(previous: rows[3].prevHash, stored: rows[3].stored)
        }
        XCTAssertEqual(result.firstBadSequence, 4)
        XCTAssertEqual(result.reason, .previousHashMismatch)
    }

    // MARK: - Erasure

    func testErasureKeepsTheChainVerifying() throws {
        var chain = try chain()
        let before = chain.entries
        let erased = try Envelope(
            event: PersonalDataErased(
                appealId: appealId, registrationNumber: "MK-2026-000042", erasedBy: "administrator",
                erasedAt: Date(timeIntervalSince1970: 1_790_001_000)),
            correlationId: appealId, causationId: nil, producer: "hromada-audit")
        XCTAssertEqual(AuditEntry.keysErased(by: erased), [appealId])
        try chain.append(erased)
        XCTAssertEqual(chain.keys[appealId], .some(nil), "the key is destroyed")
        // An event arriving after the erasure keeps no personal data at all.
        let late = try chain.append(try answered())
        XCTAssertFalse(String(decoding: late.stored, as: UTF8.self).contains("Тепло відновлено"))
        // Nothing stored before changed, and the whole chain still verifies.
        XCTAssertEqual(Array(chain.entries.prefix(before.count)), before)
        let result = chain.verify()
        XCTAssertFalse(result.isBroken)
        XCTAssertEqual(result.entries, 7)
        // Readers see the placeholder where the personal fields were.
        let first = chain.entries[0]
        let revealed = try AuditEntry.revealedPayload(
            stored: first.stored, type: first.type, eventId: first.eventId, key: nil)
        XCTAssertEqual(revealed["author"], PersonalDataProtection.erasedPlaceholder)
        XCTAssertEqual(revealed["registrationNumber"], "MK-2026-000042")
        let lateRevealed = try AuditEntry.revealedPayload(
            stored: late.stored, type: late.type, eventId: late.eventId, key: nil)
        XCTAssertEqual(lateRevealed["answerText"], PersonalDataProtection.erasedPlaceholder)
    }

    func testOnlyErasureEventsDestroyKeys() throws {
        XCTAssertEqual(AuditEntry.keysErased(by: try accepted()), [])
        let other = UUID()
        let erased = try Envelope(
            event: PersonalDataErased(
                appealId: other, registrationNumber: "MK-2026-000042", erasedBy: "administrator",
                erasedAt: Date()),
            correlationId: appealId, causationId: nil, producer: "hromada-audit")
        XCTAssertEqual(AuditEntry.keysErased(by: erased), [appealId, other])
    }
}
