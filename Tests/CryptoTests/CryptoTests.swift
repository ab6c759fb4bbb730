import Foundation
import XCTest

@testable import HromadaCrypto

final class SHA256Tests: XCTestCase {
    func testKnownAnswers() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash([UInt8]()).count, 32)
        XCTAssertEqual(Hex.encode(SHA256.hash("abc")), SHA256.hex(Array("abc".utf8)))
    }

    func testOneMillionAs() {
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        XCTAssertEqual(SHA256.hex(input), expected)

        var hasher = SHA256.Hasher()
        var offset = 0
        for chunk in [1, 63, 64, 65, 1000, 12345] + Array(repeating: 100_000, count: 10) {
            let end = min(offset + chunk, input.count)
            hasher.update(Array(input[offset..<end]))
            offset = end
        }
        hasher.update(Array(input[offset...]))
        XCTAssertEqual(Hex.encode(hasher.finalize()), expected)
    }

    func testHasherHasValueSemanticsAndFinalizeKeepsState() {
        var a = SHA256.Hasher()
        a.update("ab")
        var b = a  // fork
        a.update("c")
        b.update("x")
        XCTAssertEqual(a.finalize(), SHA256.hash("abc"))
        XCTAssertEqual(b.finalize(), SHA256.hash("abx"))
        XCTAssertEqual(a.finalize(), SHA256.hash("abc"), "finalize must not consume the state")
        a.update("d")
        XCTAssertEqual(a.finalize(), SHA256.hash("abcd"))
        XCTAssertEqual(SHA256.Hasher().finalize(), SHA256.hash(""))
    }

    func testConcurrentUseFromManyThreads() {
        let inputs = (0..<16).map { i in [UInt8](repeating: UInt8(i), count: 10_000 + i) }
        let expected = inputs.map { SHA256.hash($0) }
        let key = AES256GCM.generateKey()
        let failures = Counter()
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let n = i % inputs.count
            if SHA256.hash(inputs[n]) != expected[n] { failures.increment() }
            if HMACSHA256.authenticationCode(key: [1, 2, 3], message: inputs[n]).count != 32 { failures.increment() }
            do {
                let sealed = try AES256GCM.seal(inputs[n], key: key)
                if try AES256GCM.open(sealed, key: key) != inputs[n] { failures.increment() }
            } catch { failures.increment() }
        }
        XCTAssertEqual(failures.value, 0)
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

final class HMACTests: XCTestCase {
    func testRFC4231Case1() {
        let key = [UInt8](repeating: 0x0b, count: 20)
        let mac = HMACSHA256.authenticationCode(key: key, message: Array("Hi There".utf8))
        XCTAssertEqual(Hex.encode(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertTrue(HMACSHA256.isValid(mac, key: key, message: Array("Hi There".utf8)))
        XCTAssertFalse(HMACSHA256.isValid(mac, key: key, message: Array("Hi there".utf8)))
    }

    func testRFC4231Case2() {
        let mac = HMACSHA256.authenticationCode(
            key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        XCTAssertEqual(Hex.encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    func testRFC4231Case6KeyLongerThanBlock() {
        let key = [UInt8](repeating: 0xaa, count: 131)
        let mac = HMACSHA256.authenticationCode(
            key: key, message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))
        XCTAssertEqual(Hex.encode(mac), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    func testEmptyKeyAndMessage() {
        // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
        XCTAssertEqual(
            Hex.encode(HMACSHA256.authenticationCode(key: [], message: [])),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}

final class AESGCMTests: XCTestCase {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 60-byte P, AAD).
    func testKnownAnswerTestCase16() throws {
        let key = try Hex.decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
        let nonce = try Hex.decode("cafebabefacedbaddecaf888")
        let plaintext = try Hex.decode(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
        let aad = try Hex.decode("feedfacedeadbeeffeedfacedeadbeefabaddad2")
        let sealed = try AES256GCM.seal(plaintext, key: key, nonce: nonce, associatedData: aad)
        let expectedCiphertext =
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
            + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        XCTAssertEqual(
            Hex.encode(sealed), "cafebabefacedbaddecaf888" + expectedCiphertext + "76fc6ece0f4e1768cddf8853bb2d551b")
        XCTAssertEqual(try AES256GCM.open(sealed, key: key, associatedData: aad), plaintext)
    }

    // Test cases 13 and 14: zero key and nonce, empty and 16-zero-byte plaintext.
    func testKnownAnswerTestCases13And14() throws {
        let key = [UInt8](repeating: 0, count: 32)
        let nonce = [UInt8](repeating: 0, count: 12)
        XCTAssertEqual(
            Hex.encode(try AES256GCM.seal([], key: key, nonce: nonce, associatedData: [])),
            Hex.encode(nonce) + "530f8afbc74536b9a963b4f1c4cb738b")
        XCTAssertEqual(
            Hex.encode(
                try AES256GCM.seal([UInt8](repeating: 0, count: 16), key: key, nonce: nonce, associatedData: [])),
            Hex.encode(nonce) + "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919")
    }

    func testRoundTripAndFreshNonces() throws {
        let key = AES256GCM.generateKey()
        let message = Array("Прошу відремонтувати ліхтар біля будинку 12/3".utf8)
        let a = try AES256GCM.seal(message, key: key, associatedData: Array("appeal:1".utf8))
        let b = try AES256GCM.seal(message, key: key, associatedData: Array("appeal:1".utf8))
        XCTAssertEqual(a.count, 12 + message.count + 16)
        XCTAssertNotEqual(a, b, "every seal uses a fresh nonce")
        XCTAssertEqual(try AES256GCM.open(a, key: key, associatedData: Array("appeal:1".utf8)), message)
        XCTAssertEqual(try AES256GCM.open(try AES256GCM.seal([], key: key), key: key), [])
    }

    func testTamperIsDetected() throws {
        let key = AES256GCM.generateKey()
        let aad = Array("ctx".utf8)
        let sealed = try AES256GCM.seal(Array("secret text".utf8), key: key, associatedData: aad)
        func assertRejected(_ box: [UInt8], key: [UInt8], aad: [UInt8], _ what: String) {
            XCTAssertThrowsError(try AES256GCM.open(box, key: key, associatedData: aad), what) { error in
                XCTAssertEqual((error as? CryptoError)?.code, .authenticationFailed, what)
            }
        }
        var nonceFlip = sealed
        nonceFlip[0] ^= 1
        var cipherFlip = sealed
        cipherFlip[12] ^= 0x80
        var tagFlip = sealed
        tagFlip[sealed.count - 1] ^= 1
        assertRejected(nonceFlip, key: key, aad: aad, "nonce")
        assertRejected(cipherFlip, key: key, aad: aad, "ciphertext")
        assertRejected(tagFlip, key: key, aad: aad, "tag")
        assertRejected(sealed, key: key, aad: Array("ctx2".utf8), "associated data")
        assertRejected(sealed, key: key, aad: [], "missing associated data")
        var otherKey = key
        otherKey[5] ^= 1
        assertRejected(sealed, key: otherKey, aad: aad, "wrong key")
        XCTAssertEqual(try AES256GCM.open(sealed, key: key, associatedData: aad), Array("secret text".utf8))
    }

    func testBadInputsThrowCodes() {
        XCTAssertThrowsError(try AES256GCM.seal([1], key: [UInt8](repeating: 0, count: 16))) {
            XCTAssertEqual(($0 as? CryptoError)?.code, .invalidKeyLength)
        }
        XCTAssertThrowsError(
            try AES256GCM.open([UInt8](repeating: 0, count: 27), key: [UInt8](repeating: 0, count: 32))
        ) {
            XCTAssertEqual(($0 as? CryptoError)?.code, .invalidInput)
            XCTAssertFalse("\($0)".isEmpty)
        }
    }
}

final class RandomAndComparisonTests: XCTestCase {
    func testBytes() {
        XCTAssertEqual(SecureRandom.bytes(0), [])
        XCTAssertEqual(SecureRandom.bytes(33).count, 33)
        XCTAssertNotEqual(SecureRandom.bytes(32), SecureRandom.bytes(32))
    }

    func testTokensAreUniqueAndURLSafe() {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var seen = Set<String>()
        for _ in 0..<2000 {
            let token = SecureRandom.token()
            XCTAssertEqual(token.count, 32)
            XCTAssertTrue(token.allSatisfy { allowed.contains($0) }, token)
            seen.insert(token)
        }
        XCTAssertEqual(seen.count, 2000)
        XCTAssertEqual(SecureRandom.token(bytes: 16).count, 22)
        XCTAssertEqual(SecureRandom.token(bytes: 1).count, 2)
    }

    func testDigits() {
        let digits = SecureRandom.digits(10_000)
        XCTAssertEqual(digits.count, 10_000)
        XCTAssertTrue(digits.allSatisfy { $0.isASCII && $0.isNumber })
        // Every digit appears; a biased or constant generator would fail this.
        let counts = Dictionary(grouping: digits, by: { $0 }).mapValues(\.count)
        XCTAssertEqual(counts.count, 10)
        XCTAssertTrue(counts.values.allSatisfy { $0 > 800 && $0 < 1200 }, "\(counts)")
        XCTAssertEqual(SecureRandom.digits(0), "")
        XCTAssertEqual(SecureRandom.digits(6).count, 6)
    }

    func testConstantTimeEquals() {
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([0, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
        XCTAssertFalse(ConstantTime.equals([], [0]))
        XCTAssertTrue(ConstantTime.equals("token", "token"))
        XCTAssertFalse(ConstantTime.equals("token", "tokeN"))
    }

    func testTokenHash() {
        let token = SecureRandom.token()
        let hash = TokenHash.hash(token: token)
        XCTAssertEqual(hash.count, 64)
        XCTAssertEqual(TokenHash.hash(token: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertTrue(TokenHash.verify(token: token, hash: hash))
        XCTAssertTrue(TokenHash.verify(token: token, hash: hash.uppercased()))
        XCTAssertFalse(TokenHash.verify(token: token + "x", hash: hash))
        XCTAssertFalse(TokenHash.verify(token: token, hash: "not hex"))
        XCTAssertFalse(TokenHash.verify(token: token, hash: String(hash.dropLast(2))))
    }
}

final class EncodingTests: XCTestCase {
    func testHex() throws {
        XCTAssertEqual(Hex.encode([0x00, 0x7f, 0xff, 0x0a]), "007fff0a")
        XCTAssertEqual(try Hex.decode("007FfF0a"), [0x00, 0x7f, 0xff, 0x0a])
        XCTAssertEqual(try Hex.decode(""), [])
        XCTAssertThrowsError(try Hex.decode("abc")) { XCTAssertEqual(($0 as? CryptoError)?.code, .invalidHex) }
        XCTAssertThrowsError(try Hex.decode("zz")) { XCTAssertEqual(($0 as? CryptoError)?.code, .invalidHex) }
        let random = SecureRandom.bytes(100)
        XCTAssertEqual(try Hex.decode(Hex.encode(random)), random)
    }

    func testBase64URLRFC4648Vectors() throws {
        let vectors = [
            "": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64URL.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(try Base64URL.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64URL.encode([0xfb, 0xff]), "-_8")
        XCTAssertEqual(try Base64URL.decode("-_8="), [0xfb, 0xff])
        XCTAssertThrowsError(try Base64URL.decode("+/8")) { XCTAssertEqual(($0 as? CryptoError)?.code, .invalidBase64) }
        XCTAssertThrowsError(try Base64URL.decode("Zm9vY")) {
            XCTAssertEqual(($0 as? CryptoError)?.code, .invalidBase64)
        }
        XCTAssertThrowsError(try Base64URL.decode("Zh")) { XCTAssertEqual(($0 as? CryptoError)?.code, .invalidBase64) }
        for n in 0..<40 {
            let bytes = SecureRandom.bytes(n)
            XCTAssertEqual(try Base64URL.decode(Base64URL.encode(bytes)), bytes)
        }
    }
}
