import COpenSSL
import Dispatch
import HromadaCore

/// Hashes of passwords people choose (librarians' accounts): PBKDF2-HMAC-SHA-256 with a random
/// 16-byte salt per password and a work factor stored with the hash, so it can be raised later
/// without invalidating what is stored. Secrets the system generates itself (centre keys, officials'
/// tokens, tracking codes) carry enough entropy for `TokenHash`; a chosen password does not, and a
/// stolen table of fast unsalted hashes would give most of them away.
///
/// Stored form: `pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>`.
public enum PasswordHash {
    /// OWASP's Password Storage Cheat Sheet (2023) figure for PBKDF2-HMAC-SHA-256.
    public static let defaultIterations = 600_000
    static let scheme = "pbkdf2-sha256"
    static let saltByteCount = 16
    static let hashByteCount = 32
    /// Bounds on a stored work factor, so a corrupted or hostile row cannot stall a sign-in.
    static let iterationBounds = 10_000...10_000_000

    public static func hash(password: String, iterations: Int = defaultIterations) -> String {
        precondition(iterationBounds.contains(iterations), "PasswordHash: iterations out of bounds")
        let salt = SecureRandom.bytes(saltByteCount)
        let derived = derive(password, salt: salt, iterations: iterations)
        return [scheme, String(iterations), Base64URL.encode(salt), Base64URL.encode(derived)].joined(separator: "$")
    }

    /// Constant-time check of `password` against a stored hash. A stored hash in another form (or
    /// none) is false, after the same work as a real check, so the time does not tell which.
    public static func verify(password: String, hash stored: String) -> Bool {
        guard let parsed = parse(stored) else {
            _ = derive(password, salt: [UInt8](repeating: 0, count: saltByteCount), iterations: defaultIterations)
            return false
        }
        return ConstantTime.equals(derive(password, salt: parsed.salt, iterations: parsed.iterations), parsed.hash)
    }

    /// `hash` on a thread outside Swift's cooperative pool: one derivation takes a few hundred
    /// milliseconds of CPU, and the pool has one thread per core, so it must not run there.
    public static func hashOffThePool(password: String) async -> String {
        await offThePool { hash(password: password) }
    }

    /// `verify` on a thread outside the cooperative pool (see `hashOffThePool`).
    public static func verifyOffThePool(password: String, hash stored: String) async -> Bool {
        await offThePool { verify(password: password, hash: stored) }
    }

    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    /// True when the stored hash is ours but weaker than today's work factor (rehash on next sign-in).
    public static func needsRehash(_ stored: String) -> Bool {
        guard let parsed = parse(stored) else { return true }
        return parsed.iterations < defaultIterations
    }

    static func parse(_ stored: String) -> (iterations: Int, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let iterations = Int(parts[1]),
            iterationBounds.contains(iterations),
            let salt = try? Base64URL.decode(String(parts[2])), salt.count == saltByteCount,
            let hash = try? Base64URL.decode(String(parts[3])), hash.count == hashByteCount
        else { return nil }
        return (iterations, salt, hash)
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        // Fails only if OpenSSL itself cannot run (no memory): nothing sensible to answer then.
        do {
            return try LibCrypto.pbkdf2SHA256(
                Array(password.utf8), salt: salt, iterations: iterations, count: hashByteCount)
        } catch {
            fatalError("HromadaCrypto: \(error.redactedDescription)")
        }
    }
}

extension LibCrypto {
    static func pbkdf2SHA256(_ password: [UInt8], salt: [UInt8], iterations: Int, count: Int) throws -> [UInt8] {
        guard iterations > 0, iterations <= Int(Int32.max) else {
            throw CryptoError(code: .invalidInput, function: "PKCS5_PBKDF2_HMAC", detail: "iterations out of range")
        }
        var out = [UInt8](repeating: 0, count: count)
        let rc = password.withUnsafeBufferPointer { pw in
            salt.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    pw.withMemoryRebound(to: CChar.self) { pwChars in
                        PKCS5_PBKDF2_HMAC(
                            pwChars.baseAddress, Int32(pw.count), s.baseAddress, Int32(s.count), Int32(iterations),
                            EVP_sha256(), Int32(count), o.baseAddress)
                    }
                }
            }
        }
        guard rc == 1 else { throw failure("PKCS5_PBKDF2_HMAC") }
        return out
    }
}
