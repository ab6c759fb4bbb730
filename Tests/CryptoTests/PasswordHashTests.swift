import XCTest

@testable import HromadaCrypto

final class PasswordHashTests: XCTestCase {
    // A low work factor keeps the suite fast; the bounds and the default are checked separately.
    private let iterations = 10_000

    func testAHashVerifiesItsPasswordAndNoOther() {
        let stored = PasswordHash.hash(password: "довгий пароль ʼ 123", iterations: iterations)
        XCTAssertTrue(PasswordHash.verify(password: "довгий пароль ʼ 123", hash: stored))
        XCTAssertFalse(PasswordHash.verify(password: "довгий пароль ʼ 124", hash: stored))
        XCTAssertFalse(PasswordHash.verify(password: "", hash: stored))
    }

    func testEachHashHasItsOwnSaltAndTheStoredForm() throws {
        let a = PasswordHash.hash(password: "same password here", iterations: iterations)
        let b = PasswordHash.hash(password: "same password here", iterations: iterations)
        XCTAssertNotEqual(a, b, "a random salt per password")
        let parts = a.split(separator: "$")
        XCTAssertEqual(parts.count, 4)
        XCTAssertEqual(parts[0], "pbkdf2-sha256")
        XCTAssertEqual(parts[1], "10000")
        XCTAssertEqual(try Base64URL.decode(String(parts[2])).count, 16)
        XCTAssertEqual(try Base64URL.decode(String(parts[3])).count, 32)
    }

    /// RFC 7914 §11's PBKDF2-HMAC-SHA-256 vector ("passwd", "salt", c = 1, dkLen = 64), first 32 bytes.
    func testTheDerivationIsPBKDF2HMACSHA256() throws {
        let derived = try LibCrypto.pbkdf2SHA256(
            Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, count: 32)
        XCTAssertEqual(Hex.encode(derived), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
    }

    func testMalformedOrForeignStoredHashesAreFalseNotACrash() {
        for stored in [
            "", "pbkdf2-sha256$", "pbkdf2-sha256$abc$AAAA$AAAA", "pbkdf2-sha256$1$AAAAAAAAAAAAAAAAAAAAAA$AAAA",
            "pbkdf2-sha256$99999999999$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "bcrypt$x$y$z", String(repeating: "0", count: 64),
        ] {
            XCTAssertFalse(PasswordHash.verify(password: "anything at all", hash: stored), stored)
        }
    }

    func testTheOffThePoolFormsAgreeWithTheDirectOnes() async {
        let stored = await PasswordHash.hashOffThePool(password: "a password of length")
        XCTAssertTrue(PasswordHash.verify(password: "a password of length", hash: stored))
        let matches = await PasswordHash.verifyOffThePool(password: "a password of length", hash: stored)
        let wrong = await PasswordHash.verifyOffThePool(password: "another password!!", hash: stored)
        XCTAssertTrue(matches)
        XCTAssertFalse(wrong)
    }

    func testAWeakerStoredWorkFactorAsksForARehash() {
        XCTAssertTrue(
            PasswordHash.needsRehash(
                PasswordHash.hash(password: "p" + String(repeating: "x", count: 12), iterations: iterations)))
        XCTAssertTrue(PasswordHash.needsRehash("not ours"))
        XCTAssertGreaterThanOrEqual(PasswordHash.defaultIterations, 600_000)
    }
}
