import XCTest

@testable import HromadaCrypto

/// The keyring behind `HROMADA_SEALING_KEYS`: its text form, rotation, and clear failures that
/// never print a key.
final class SealingKeyringTests: XCTestCase {
    let keyA = [UInt8](repeating: 0x11, count: 32)
    let keyB = [UInt8](repeating: 0x22, count: 32)

    func testTheTextFormRoundTripsAndTheFirstKeySeals() throws {
        let text = "2026-12:\(Base64URL.encode(keyB)), 2026-11:\(Base64URL.encode(keyA))"
        let ring = try SealingKeyring.parse(text)
        XCTAssertEqual(ring.currentKeyID, "2026-12")
        XCTAssertEqual(ring.keyIDs, ["2026-12", "2026-11"])
        XCTAssertEqual(try SealingKeyring.parse(ring.textForm).keyIDs, ring.keyIDs)
        let sealed = try ring.seal(Array("Олена".utf8), associatedData: Array("ad".utf8))
        XCTAssertEqual(sealed.keyID, "2026-12")
        XCTAssertEqual(
            try ring.open(sealed.box, keyID: sealed.keyID, associatedData: Array("ad".utf8)), Array("Олена".utf8))
        // It is AES-256-GCM under key B: the plain API opens it too.
        XCTAssertEqual(
            try AES256GCM.open(sealed.box, key: keyB, associatedData: Array("ad".utf8)), Array("Олена".utf8))
    }

    func testRotationKeepsOpeningWhatTheOldKeySealed() throws {
        let old = try SealingKeyring(current: ("k1", keyA))
        let box = try old.seal([1, 2, 3], associatedData: [])
        let rotated = try old.rotated(to: ("k2", keyB))
        XCTAssertEqual(rotated.currentKeyID, "k2")
        XCTAssertEqual(try rotated.open(box.box, keyID: "k1", associatedData: []), [1, 2, 3])
        XCTAssertEqual(try rotated.seal([4], associatedData: []).keyID, "k2")
        // Once the old key is dropped, its boxes name a key the ring does not hold.
        let retired = try SealingKeyring(current: ("k2", keyB))
        XCTAssertThrowsError(try retired.open(box.box, keyID: "k1", associatedData: [])) { error in
            XCTAssertEqual((error as? CryptoError)?.code, .unknownKeyID)
        }
    }

    func testAWrongKeyOrTamperedBoxFailsAuthentication() throws {
        let ring = try SealingKeyring(current: ("k1", keyA))
        let impostor = try SealingKeyring(current: ("k1", keyB))
        var box = try ring.seal(Array("+380 67 000 00 00".utf8), associatedData: [9]).box
        XCTAssertThrowsError(try impostor.open(box, keyID: "k1", associatedData: [9])) { error in
            XCTAssertEqual((error as? CryptoError)?.code, .authenticationFailed)
        }
        XCTAssertThrowsError(try ring.open(box, keyID: "k1", associatedData: [8])) { error in
            XCTAssertEqual((error as? CryptoError)?.code, .authenticationFailed)
        }
        box[14] ^= 0x80
        XCTAssertThrowsError(try ring.open(box, keyID: "k1", associatedData: [9])) { error in
            XCTAssertEqual((error as? CryptoError)?.code, .authenticationFailed)
        }
    }

    func testBadTextIsRefusedWithoutEchoingAKey() {
        let secret = Base64URL.encode(keyA)
        let cases = [
            "", " , ", "k1", "k1:\(secret),k1:\(Base64URL.encode(keyB))", "k1:short", "bad id:\(secret)",
            "k1:\(Base64URL.encode([UInt8](repeating: 1, count: 16)))", "k1:\(secret)!",
            "\(String(repeating: "x", count: 41)):\(secret)",
        ]
        for text in cases {
            XCTAssertThrowsError(try SealingKeyring.parse(text), text) { error in
                let description = "\(error)"
                XCTAssertFalse(description.contains(secret), description)
                let code = (error as? CryptoError)?.code
                XCTAssertTrue(code == .invalidKeyring || code == .invalidKeyLength, description)
            }
        }
    }

    func testDescriptionNamesIdsOnly() throws {
        let ring = try SealingKeyring.generate(keyID: "k7")
        XCTAssertEqual("\(ring)", "SealingKeyring(current: k7, keys: k7)")
        XCTAssertFalse("\(ring)".contains(String(ring.textForm.dropFirst(3))))
    }
}
