import Foundation
import HromadaContracts
import HromadaCrypto
import XCTest
@testable import Audit

/// Issue 13, item 5: the resident's tracking token (a password to the status page) never enters
/// the audit log, not even encrypted, and a trail never shows it: only `sha256:<hex>`.
final class TrackingTokenRedactionTests: XCTestCase {
    let appealId = UUID()
    let token = "trk-7Qx9-secret-token"

    func registered(token: String) throws -> Envelope {
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000077", registeredAt: Date(), kind: .complaint,
            category: "heating", author: .init(fullName: "Олена Тестова", address: "вул. Соборна, 1"),
            subject: "Немає опалення", text: "Холодно", trackingToken: token, channel: "centre")
        return try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "hromada-intake")
    }

    func testTheStoredEntryHoldsOnlyTheTokensHashEvenOnceDecrypted() throws {
        let key = AES256GCM.generateKey()
        let envelope = try registered(token: token)
        let entry = try AuditEntry.make(envelope, after: .empty, registrationNumber: nil, key: key)

        XCTAssertFalse(String(decoding: entry.stored, as: UTF8.self).contains(token))
        // Opened with the appeal's key (what a trail does), the field is the hash, not the token.
        let payload = try AuditEntry.revealedPayload(stored: entry.stored, type: entry.type, eventId: entry.eventId, key: key)
        let expected = "sha256:" + TokenHash.hash(token: token)
        XCTAssertEqual(payload["trackingToken"], .string(expected))
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

        let payload = try AuditEntry.revealedPayload(stored: stored, type: envelope.type, eventId: envelope.id, key: key)
        XCTAssertEqual(payload["trackingToken"], .string("sha256:" + TokenHash.hash(token: token)))
    }

    func testHashingIsIdempotentAndLeavesOtherShapesAlone() {
        let once = TrackingTokenRedaction.hashed(["trackingToken": .string(token)])
        XCTAssertEqual(TrackingTokenRedaction.hashed(once), once)
        let sealed: JSONValue = ["trackingToken": ["enc": "AAAA"]]
        XCTAssertEqual(TrackingTokenRedaction.hashed(sealed), sealed)
        let none: JSONValue = ["subject": "x"]
        XCTAssertEqual(TrackingTokenRedaction.hashed(none), none)
    }
}
