import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest

@testable import Audit

/// Issue 13, item 5: the resident's tracking code (a password to the status page) never enters
/// the audit log, not even encrypted, and a trail never shows it: only its HMAC under the appeal's
/// key, `hmac-sha256:<hex>` (a plain hash of a 10-character code could be searched offline).
final class TrackingTokenRedactionTests: XCTestCase {
    let appealId = UUID()
    let token = "trk-7Qx9-secret-token"

    func registered(token: String) throws -> Envelope {
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000077", registeredAt: Date(), kind: .complaint,
            category: "heating",
            author: .init(
                fullName: "Олена Тестова",
                address: "вул. Соборна, 1"),
            subject: "Немає опалення", text: "Холодно", trackingToken: token, channel: "centre")
        return try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "hromada-intake")
    }

    func testTheStoredEntryHoldsOnlyTheTokensHashEvenOnceDecrypted() throws {
        let key = AES256GCM.generateKey()
        let envelope = try registered(token: token)
        let entry = try AuditEntry.make(envelope, after: .empty, registrationNumber: nil, key: key)

        XCTAssertFalse(String(decoding: entry.stored, as: UTF8.self).contains(token))
        let expected = "hmac-sha256:" + TrackingTokenRedaction.keyedHash(token: token, key: key)
        // What is sealed is already the keyed hash: opened without the trail's own redaction, the
        // field is the hash, never the code (a release sealed the code itself here).
        let stored = try JSONValue.parse(entry.stored)
        let opened = try PersonalDataProtection.reveal(
            payload: stored["payload"] ?? .null, type: entry.type, eventId: entry.eventId, key: key)
        XCTAssertEqual(opened["trackingToken"], .string(expected))
        // Opened with the appeal's key (what a trail does), the field is the hash, not the token.
        let payload = try AuditEntry.revealedPayload(
            stored: entry.stored, type: entry.type, eventId: entry.eventId, key: key)
        XCTAssertEqual(payload["trackingToken"], .string(expected))
        XCTAssertNotEqual(
            TrackingTokenRedaction.keyedHash(token: token, key: AES256GCM.generateKey()),
            TrackingTokenRedaction.keyedHash(token: token, key: key), "another appeal's key gives another hash")
        XCTAssertNotEqual(expected, "hmac-sha256:" + TokenHash.hash(token: token), "not the plain SHA-256")
        XCTAssertFalse(String(decoding: try payload.canonicalBytes(), as: UTF8.self).contains(token))
        // The rest of the payload is still there for the trail.
        XCTAssertEqual(payload["subject"], "Немає опалення")
        // The chain still verifies.
        var verifier = ChainVerifier(checkpoints: [])
        verifier.feed(entry.chainRow)
        verifier.finish(head: 1)
        XCTAssertFalse(verifier.isBroken)
    }

    func testAnEntryStoredBeforeTheRuleShowsTheHashInTheTrail() throws {
        // The old form: the token itself sealed with the appeal's key.
        let key = AES256GCM.generateKey()
        let envelope = try registered(token: token)
        var old = envelope
        old.payload = try PersonalDataProtection.protect(
            payload: envelope.payload, type: envelope.type, eventId: envelope.id, key: key)
        let stored = try old.encoded()

        let payload = try AuditEntry.revealedPayload(
            stored: stored, type: envelope.type, eventId: envelope.id, key: key)
        XCTAssertEqual(
            payload["trackingToken"], .string("hmac-sha256:" + TrackingTokenRedaction.keyedHash(token: token, key: key))
        )
        // Erased (no key): the placeholder, never the code.
        let erased = try AuditEntry.make(envelope, after: .empty, registrationNumber: nil, key: nil)
        let shown = try AuditEntry.revealedPayload(
            stored: erased.stored, type: erased.type, eventId: erased.eventId, key: nil)
        XCTAssertEqual(shown["trackingToken"], PersonalDataProtection.erasedPlaceholder)
    }

    func testHashingIsIdempotentAndLeavesOtherShapesAlone() {
        let key = AES256GCM.generateKey()
        let once = TrackingTokenRedaction.hashed(["trackingToken": .string(token)], key: key)
        XCTAssertEqual(TrackingTokenRedaction.hashed(once, key: key), once)
        let plain: JSONValue = ["trackingToken": .string("sha256:" + TokenHash.hash(token: token))]
        XCTAssertEqual(TrackingTokenRedaction.hashed(plain, key: key), plain, "an earlier release's form stays")
        let sealed: JSONValue = ["trackingToken": ["enc": "AAAA"]]
        XCTAssertEqual(TrackingTokenRedaction.hashed(sealed, key: key), sealed)
        let none: JSONValue = ["subject": "x"]
        XCTAssertEqual(TrackingTokenRedaction.hashed(none, key: key), none)
    }
}
