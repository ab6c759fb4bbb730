import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest

@testable import Audit

/// `ChainBatch`, in memory: a consumer batch planned at once gives the chain that appending its
/// events one at a time gives, whatever the batch's size, with redeliveries, erasures and events
/// that name no registration number among them.
final class ChainBatchTests: XCTestCase {
    /// Keys in the order they are asked for, so two plans of the same events get the same keys.
    final class KeySource {
        var made = 0
        func next() -> [UInt8] {
            made += 1
            return [UInt8](repeating: UInt8(truncatingIfNeeded: made), count: 32)
        }
    }

    struct Appeal {
        let id = UUID()
        let number: String
    }

    let start = Date(timeIntervalSince1970: 1_790_000_000)

    func registered(_ a: Appeal, _ at: TimeInterval = 0) throws -> Envelope {
        let event = AppealRegistered(
            appealId: a.id, registrationNumber: a.number, registeredAt: start + at, kind: .complaint,
            category: "heating",
            author: .init(
                fullName: "Олена Тестова", address: "вул. Велика Морська, 5",
                email: "o@example.org"),
            subject: "Немає опалення", text: "У квартирі холодно",
            trackingToken: "tok-\(a.number)",
            channel: "centre")
        return try Envelope(event: event, correlationId: a.id, causationId: nil, producer: Producers.intake)
    }

    func answered(_ a: Appeal, _ text: String = "Опалення відновлено") throws -> Envelope {
        try Envelope(
            event: TicketAnswered(
                ticketId: UUID(), appealId: a.id, registrationNumber: a.number, authority: "zhkg",
                officialId: "official-1", outcome: .resolvedPositively, answerText: text, answeredAt: start + 60),
            correlationId: a.id, causationId: nil, producer: Producers.routing)
    }

    func erased(_ a: Appeal) throws -> Envelope {
        try Envelope(
            event: PersonalDataErased(
                appealId: a.id, registrationNumber: a.number, erasedBy: "administrator", erasedAt: start + 120),
            correlationId: a.id, causationId: nil, producer: "hromada-audit")
    }

    /// An event of the appeal whose payload names no registration number.
    func unnumbered(_ a: Appeal) -> Envelope {
        Envelope(
            type: "x-test.note", version: 1, correlationId: a.id, causationId: nil, producer: Producers.routing,
            payload: ["note": "n"])
    }

    /// Plans `events` in chunks of the given sizes (the rest in one), carrying what each chunk wrote
    /// into what the next one reads, as the store does between transactions.
    func planInChunks(_ events: [Envelope], sizes: [Int], keys: KeySource) throws -> [AuditEntry] {
        try planInChunksWithKeys(events, sizes: sizes, keys: keys).entries
    }

    /// The entries as a reader sees them: everything but the ciphertext (its nonce is random),
    /// with the personal fields opened by the keys the plan made.
    func readable(_ entries: [AuditEntry], keys: [UUID: [UInt8]]) throws -> [String] {
        try entries.map { entry in
            let payload = try AuditEntry.revealedPayload(
                stored: entry.stored, type: entry.type, eventId: entry.eventId, key: keys[entry.correlationId])
            let number = entry.registrationNumber ?? "-"
            return "\(entry.sequence) \(entry.eventId) \(number) \(entry.actor) \(try payload.canonicalString())"
        }
    }

    func planInChunksWithKeys(_ events: [Envelope], sizes: [Int], keys: KeySource) throws
        -> (entries: [AuditEntry], keys: [UUID: [UInt8]])
    {
        var made: [UUID: [UInt8]] = [:]
        var known = ChainBatch.Known()
        var head = ChainHead.empty
        var entries: [AuditEntry] = []
        var rest = events[...]
        var chunkSizes = sizes[...]
        while !rest.isEmpty {
            let size = chunkSizes.popFirst() ?? rest.count
            let chunk = Array(rest.prefix(size))
            rest = rest.dropFirst(size)
            let batch = try ChainBatch(chunk, after: head, known: known, newKey: keys.next)
            for (id, number) in ChainBatch.lookups(for: chunk).mapped where known.numbers[id] == nil {
                known.numbers[id] = number
            }
            for (id, key) in batch.createdKeys {
                known.keys[id] = .live(key)
                made[id] = key
            }
            for (id, _) in batch.destroyedKeys {
                known.keys[id] = .erased
                made[id] = nil  // gone, as in the store: its appeal's entries read "[erased]"
            }
            known.logged.formUnion(batch.entries.map(\.eventId))
            entries += batch.entries
            head = batch.head
        }
        return (entries, made)
    }

    func verifies(_ entries: [AuditEntry]) -> Bool {
        var verifier = ChainVerifier()
        for entry in entries { verifier.feed(entry.chainRow) }
        verifier.finish(head: entries.last?.sequence ?? 0)
        return !verifier.isBroken
    }

    func mixedEvents() throws -> [Envelope] {
        let a = Appeal(number: "MK-2026-000101")
        let b = Appeal(number: "MK-2026-000102")
        let c = Appeal(number: "MK-2026-000103")
        return [
            unnumbered(a),  // before its registration: no number known yet
            try registered(a), try registered(b), unnumbered(a), try answered(b), try registered(c),
            try erased(b), try answered(b, "після стирання"), try answered(a), unnumbered(c),
            try erased(c),
        ]
    }

    func testOneBatchGivesTheChainOfOneEventAtATime() throws {
        let events = try mixedEvents()
        let (whole, wholeKeys) = try planInChunksWithKeys(events, sizes: [events.count], keys: KeySource())
        let (single, singleKeys) = try planInChunksWithKeys(
            events, sizes: Array(repeating: 1, count: events.count), keys: KeySource())
        let (mixed, mixedKeys) = try planInChunksWithKeys(events, sizes: [3, 1, 5], keys: KeySource())
        XCTAssertEqual(try readable(whole, keys: wholeKeys), try readable(single, keys: singleKeys))
        XCTAssertEqual(try readable(mixed, keys: mixedKeys), try readable(single, keys: singleKeys))
        XCTAssertEqual(Set(wholeKeys.keys), [events[1].correlationId], "b and c were erased in the batch")
        XCTAssertTrue(verifies(single) && verifies(mixed))
        XCTAssertEqual(whole.map(\.eventId), events.map(\.id), "the batch's order")
        XCTAssertEqual(whole.map(\.sequence), Array(1...Int64(events.count)))
        XCTAssertTrue(verifies(whole))
    }

    func testRegistrationNumbersComeOnlyFromEarlierEvents() throws {
        let events = try mixedEvents()
        let entries = try ChainBatch(events, after: .empty, known: .init(), newKey: KeySource().next).entries
        XCTAssertNil(entries[0].registrationNumber, "nothing maps the appeal before its registration")
        XCTAssertEqual(entries[3].registrationNumber, "MK-2026-000101")
        XCTAssertEqual(entries[9].registrationNumber, "MK-2026-000103")
        let knownBefore = ChainBatch.Known(numbers: [events[0].correlationId: "MK-2026-000100"])
        let again = try ChainBatch(events, after: .empty, known: knownBefore, newKey: KeySource().next).entries
        XCTAssertEqual(again[0].registrationNumber, "MK-2026-000100", "what the log already knew")
    }

    func testAnErasureInTheBatchDestroysTheKeyForTheEventsAfterIt() throws {
        let a = Appeal(number: "MK-2026-000201")
        let old = Appeal(number: "MK-2026-000202")
        let oldKey = AES256GCM.generateKey()
        let events = [
            try registered(a), try answered(a, "до стирання"), try erased(a),
            try answered(a, "після стирання"),
            try answered(old, "старий ключ"), try erased(old),
        ]
        let batch = try ChainBatch(
            events, after: .empty, known: .init(keys: [old.id: .live(oldKey)]), newKey: KeySource().next)
        XCTAssertTrue(batch.createdKeys.isEmpty, "the key made for the registration is destroyed in the batch")
        XCTAssertEqual(batch.destroyedKeys.map(\.0), [a.id, old.id])
        XCTAssertEqual(batch.destroyedKeys.map(\.1), [events[2].occurredAt, events[5].occurredAt])
        let key = KeySource().next()
        let before = try AuditEntry.revealedPayload(
            stored: batch.entries[1].stored, type: TicketAnswered.eventType, eventId: events[1].id, key: key)
        XCTAssertEqual(before["answerText"], "до стирання", "sealed with the key the batch created")
        let after = try AuditEntry.revealedPayload(
            stored: batch.entries[3].stored, type: TicketAnswered.eventType, eventId: events[3].id, key: nil)
        XCTAssertEqual(after["answerText"], "[erased]")
        XCTAssertFalse(String(decoding: batch.entries[3].stored, as: UTF8.self).contains("після"))
        let oldAnswer = try AuditEntry.revealedPayload(
            stored: batch.entries[4].stored, type: TicketAnswered.eventType, eventId: events[4].id, key: oldKey)
        XCTAssertEqual(oldAnswer["answerText"], "старий ключ", "the key the log already had")
        // An appeal erased before the batch: no key is made, nothing is destroyed again.
        let gone = try ChainBatch(
            [try answered(old)], after: .empty, known: .init(keys: [old.id: .erased]), newKey: KeySource().next)
        XCTAssertTrue(gone.createdKeys.isEmpty && gone.destroyedKeys.isEmpty)
    }

    func testRedeliveriesAppendNothingAndLeaveNoGap() throws {
        let a = Appeal(number: "MK-2026-000301")
        let b = Appeal(number: "MK-2026-000302")
        let first = try registered(a)
        let second = try registered(b)
        let third = try answered(a)
        let head = ChainHead(sequence: 41, hash: [UInt8](repeating: 7, count: 32))
        let batch = try ChainBatch(
            [first, second, first, third, second], after: head, known: .init(logged: [second.id]),
            newKey: KeySource().next)
        XCTAssertEqual(batch.entries.map(\.eventId), [first.id, third.id])
        XCTAssertEqual(batch.appended.map(\.id), [first.id, third.id], "the projection sees each event once")
        XCTAssertEqual(batch.entries.map(\.sequence), [42, 43])
        XCTAssertEqual(batch.entries[0].prevHash, head.hash)
        XCTAssertEqual(batch.entries[1].prevHash, batch.entries[0].hash)
        XCTAssertEqual(batch.head, batch.entries[1].head)
        let nothing = try ChainBatch([second], after: head, known: .init(logged: [second.id]), newKey: KeySource().next)
        XCTAssertTrue(nothing.entries.isEmpty)
        XCTAssertEqual(nothing.head, head, "the head stays where it was")
    }

    func testLookupsAskForEachAppealOnce() throws {
        let events = try mixedEvents()
        let lookups = ChainBatch.lookups(for: events)
        XCTAssertEqual(lookups.eventIds, events.map(\.id))
        XCTAssertEqual(Set(lookups.numbersOf).count, lookups.numbersOf.count)
        XCTAssertEqual(Set(lookups.keysOf).count, lookups.keysOf.count)
        XCTAssertEqual(lookups.numbersOf.count, 2, "the two appeals with an unnumbered event")
        XCTAssertEqual(lookups.keysOf.count, 3)
        XCTAssertEqual(lookups.mapped.count, events.count - 3)
    }

    func testByteaArrayIsPostgreSQLsArrayLiteralOfHexByteStrings() throws {
        XCTAssertEqual(try ByteaArray([[0x00, 0xff, 0x0a], []]).encodePostgresText(), #"{"\\x00ff0a","\\x"}"#)
        XCTAssertEqual(try ByteaArray([]).encodePostgresText(), "{}")
    }
}
