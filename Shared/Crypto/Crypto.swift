// Public API of HromadaCrypto. Everything here is stateless or value-typed and safe to call from
// any thread: each call uses its own OpenSSL context (see OpenSSL.swift).
//
// SHA-256, HMAC and random generation cannot fail for valid input; an OpenSSL failure there means
// a broken installation or exhausted memory, so those functions stop the process with the
// `CryptoError` description (as Swift's own SystemRandomNumberGenerator does) instead of throwing.

import HromadaCore

@inline(__always)
private func mustSucceed<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch { fatalError("HromadaCrypto: \(error.redactedDescription)") }
}

/// SHA-256 through OpenSSL EVP.
public enum SHA256 {
    /// Digest length in bytes (32).
    public static let byteCount = 32

    public static func hash(_ bytes: [UInt8]) -> [UInt8] { mustSucceed { try LibCrypto.sha256(bytes) } }
    /// SHA-256 of the string's UTF-8 bytes.
    public static func hash(_ string: String) -> [UInt8] { hash(Array(string.utf8)) }
    /// Lowercase hex of SHA-256(bytes) — the digest, not the input, in hex.
    public static func hex(_ bytes: [UInt8]) -> String { Hex.encode(hash(bytes)) }
    /// Lowercase hex of SHA-256 of the string's UTF-8 bytes.
    public static func hex(_ string: String) -> String { Hex.encode(hash(string)) }

    /// Incremental SHA-256 with value semantics: copying a Hasher forks its state.
    public struct Hasher: Sendable {
        private var context: LibCrypto.DigestContext

        public init() { context = mustSucceed { try LibCrypto.DigestContext() } }

        public mutating func update(_ bytes: [UInt8]) {
            uniquify()
            bytes.withUnsafeBytes { raw in mustSucceed { try context.update(raw) } }
        }

        public mutating func update(_ string: String) {
            uniquify()
            var string = string
            string.withUTF8 { buffer in mustSucceed { try context.update(UnsafeRawBufferPointer(buffer)) } }
        }

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            uniquify()
            mustSucceed { try context.update(bytes) }
        }

        /// The digest of everything fed so far. The Hasher stays usable (more updates extend it).
        public func finalize() -> [UInt8] { mustSucceed { try context.finalizeCopy() } }

        private mutating func uniquify() {
            if !isKnownUniquelyReferenced(&context) {
                let current = context
                context = mustSucceed { try current.copy() }
            }
        }
    }
}

/// HMAC-SHA-256 (RFC 2104).
public enum HMACSHA256 {
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        mustSucceed { try LibCrypto.hmacSHA256(key: key, message: message) }
    }

    /// Constant-time check of a received code.
    public static func isValid(_ code: [UInt8], key: [UInt8], message: [UInt8]) -> Bool {
        ConstantTime.equals(authenticationCode(key: key, message: message), code)
    }
}

/// Cryptographically secure randomness from OpenSSL's RAND_bytes.
public enum SecureRandom {
    public static func bytes(_ n: Int) -> [UInt8] {
        precondition(n >= 0, "SecureRandom.bytes: negative count")
        return mustSucceed { try LibCrypto.randomBytes(n) }
    }

    /// `bytes` random bytes as base64url without padding (24 bytes → 32 characters of [A-Za-z0-9_-]).
    public static func token(bytes: Int = 24) -> String { Base64URL.encode(self.bytes(bytes)) }

    /// `n` uniformly distributed decimal digits (rejection sampling, no modulo bias).
    public static func digits(_ n: Int) -> String {
        precondition(n >= 0, "SecureRandom.digits: negative count")
        var out = [UInt8]()
        out.reserveCapacity(n)
        while out.count < n {
            for byte in bytes(n - out.count + 4) where byte < 250 && out.count < n {
                out.append(UInt8(ascii: "0") + byte % 10)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Comparison whose time does not depend on where the inputs differ (OpenSSL CRYPTO_memcmp).
public enum ConstantTime {
    /// True when both have the same length and content. A length mismatch returns false after a
    /// full-length comparison, so the time reveals at most the lengths, never the content.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else {
            _ = LibCrypto.constantTimeEqual(a, a)
            return false
        }
        return LibCrypto.constantTimeEqual(a, b)
    }

    public static func equals(_ a: String, _ b: String) -> Bool { equals(Array(a.utf8), Array(b.utf8)) }
}

/// AES-256-GCM with a random 96-bit nonce per message. Wire form: nonce(12) ‖ ciphertext ‖ tag(16).
/// With random nonces use one key for at most 2^32 messages.
public enum AES256GCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    /// A fresh random 32-byte key.
    public static func generateKey() -> [UInt8] { SecureRandom.bytes(keyByteCount) }

    public static func seal(_ plaintext: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        try LibCrypto.aesGCMSeal(
            plaintext, key: key, nonce: SecureRandom.bytes(nonceByteCount), associatedData: associatedData)
    }

    /// Throws `.authenticationFailed` when the key, associated data, nonce, ciphertext or tag do not match.
    public static func open(_ sealed: [UInt8], key: [UInt8], associatedData: [UInt8] = []) throws -> [UInt8] {
        try LibCrypto.aesGCMOpen(sealed, key: key, associatedData: associatedData)
    }

    /// Known-answer testing only: a caller-chosen nonce must never repeat under one key.
    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        try LibCrypto.aesGCMSeal(plaintext, key: key, nonce: nonce, associatedData: associatedData)
    }
}

/// Tokens (tracking codes, API keys) are stored only as their SHA-256.
public enum TokenHash {
    /// Lowercase hex SHA-256 of the token's UTF-8 bytes.
    public static func hash(token: String) -> String { SHA256.hex(token) }

    /// Constant-time check of a presented token against a stored hex hash (either case).
    public static func verify(token: String, hash: String) -> Bool {
        let computed = SHA256.hash(token)
        guard let stored = try? Hex.decode(hash), stored.count == SHA256.byteCount else {
            _ = ConstantTime.equals(computed, computed)
            return false
        }
        return ConstantTime.equals(computed, stored)
    }
}
