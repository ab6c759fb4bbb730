// The only file in HromadaCrypto that touches OpenSSL (STYLE habit 3). Every call's return code is
// checked here and turned into a thrown `CryptoError`; the public API in the other files builds on
// these internal functions. Every call uses its own EVP context, so all of it is thread-safe.
import COpenSSL

enum LibCrypto {
    static let sha256Length = 32

    // MARK: Errors

    /// Drains this thread's OpenSSL error queue into a `CryptoError` naming the failed call.
    static func failure(_ function: String, code: CryptoError.Code = .openSSLFailure) -> CryptoError {
        let packed = ERR_get_error()
        var reason = ""
        if packed != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            buffer.withUnsafeMutableBufferPointer { ERR_error_string_n(packed, $0.baseAddress, $0.count) }
            reason = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        ERR_clear_error()
        return CryptoError(code: code, function: function, openSSLError: packed, detail: reason.isEmpty ? nil : reason)
    }

    /// Calls `body` with a base address that is never nil, even for an empty array.
    @inline(__always)
    static func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
        if bytes.isEmpty {
            var dummy: UInt8 = 0
            return try withUnsafePointer(to: &dummy) { try body($0, 0) }
        }
        return try bytes.withUnsafeBufferPointer { try body($0.baseAddress!, $0.count) }
    }

    // MARK: SHA-256

    static func sha256(_ bytes: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: sha256Length)
        var length: UInt32 = 0
        let rc = withBytes(bytes) { pointer, count in
            out.withUnsafeMutableBufferPointer {
                EVP_Digest(pointer, count, $0.baseAddress, &length, EVP_sha256(), nil)
            }
        }
        guard rc == 1, length == UInt32(sha256Length) else { throw failure("EVP_Digest") }
        return out
    }

    /// An owned EVP_MD_CTX for incremental SHA-256. Mutated only by its unique owner (see SHA256.Hasher).
    final class DigestContext: @unchecked Sendable {
        let pointer: OpaquePointer

        init() throws {
            guard let ctx = EVP_MD_CTX_new() else { throw LibCrypto.failure("EVP_MD_CTX_new") }
            guard EVP_DigestInit_ex(ctx, EVP_sha256(), nil) == 1 else {
                EVP_MD_CTX_free(ctx)
                throw LibCrypto.failure("EVP_DigestInit_ex")
            }
            pointer = ctx
        }

        private init(copying other: DigestContext) throws {
            guard let ctx = EVP_MD_CTX_new() else { throw LibCrypto.failure("EVP_MD_CTX_new") }
            guard EVP_MD_CTX_copy_ex(ctx, other.pointer) == 1 else {
                EVP_MD_CTX_free(ctx)
                throw LibCrypto.failure("EVP_MD_CTX_copy_ex")
            }
            pointer = ctx
        }

        deinit { EVP_MD_CTX_free(pointer) }

        func copy() throws -> DigestContext { try DigestContext(copying: self) }

        func update(_ bytes: UnsafeRawBufferPointer) throws {
            guard let base = bytes.baseAddress, bytes.count > 0 else { return }
            guard EVP_DigestUpdate(pointer, base, bytes.count) == 1 else { throw LibCrypto.failure("EVP_DigestUpdate") }
        }

        /// Finishes a copy, so this context stays usable.
        func finalizeCopy() throws -> [UInt8] {
            let finished = try copy()
            var out = [UInt8](repeating: 0, count: LibCrypto.sha256Length)
            var length: UInt32 = 0
            let rc = out.withUnsafeMutableBufferPointer {
                EVP_DigestFinal_ex(finished.pointer, $0.baseAddress, &length)
            }
            guard rc == 1, length == UInt32(LibCrypto.sha256Length) else {
                throw LibCrypto.failure("EVP_DigestFinal_ex")
            }
            return out
        }
    }

    // MARK: HMAC-SHA-256

    static func hmacSHA256(key: [UInt8], message: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: sha256Length)
        var length: UInt32 = 0
        let result = withBytes(key) { keyPointer, keyCount in
            withBytes(message) { messagePointer, messageCount in
                out.withUnsafeMutableBufferPointer {
                    HMAC(
                        EVP_sha256(), keyPointer, Int32(keyCount), messagePointer, messageCount, $0.baseAddress, &length
                    )
                }
            }
        }
        guard result != nil, length == UInt32(sha256Length) else { throw failure("HMAC") }
        return out
    }

    // MARK: Random

    static func randomBytes(_ count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        guard count <= Int(Int32.max) else {
            throw CryptoError(code: .invalidInput, function: "RAND_bytes", detail: "count too large")
        }
        var out = [UInt8](repeating: 0, count: count)
        let rc = out.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        guard rc == 1 else { throw failure("RAND_bytes") }
        return out
    }

    // MARK: Constant-time comparison

    /// CRYPTO_memcmp over equal-length inputs; 0 means equal.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        precondition(a.count == b.count)
        if a.isEmpty { return true }
        return a.withUnsafeBytes { pa in
            b.withUnsafeBytes { pb in CRYPTO_memcmp(pa.baseAddress, pb.baseAddress, a.count) == 0 }
        }
    }

    // MARK: AES-256-GCM

    static let gcmNonceLength = 12
    static let gcmTagLength = 16
    static let aes256KeyLength = 32

    private final class CipherContext {
        let pointer: OpaquePointer
        init() throws {
            guard let ctx = EVP_CIPHER_CTX_new() else { throw LibCrypto.failure("EVP_CIPHER_CTX_new") }
            pointer = ctx
        }
        deinit { EVP_CIPHER_CTX_free(pointer) }
    }

    /// One direction of AES-256-GCM: OpenSSL's Encrypt or Decrypt calls (the same arguments) and
    /// their names, which errors report.
    private struct GCMDirection: Sendable {
        let initialise:
            @Sendable (
                OpaquePointer?, OpaquePointer?, OpaquePointer?, UnsafePointer<UInt8>?, UnsafePointer<UInt8>?
            ) -> Int32
        let initialiseName: String
        let update:
            @Sendable (
                OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?, UnsafePointer<UInt8>?, Int32
            ) -> Int32
        let updateName: String

        static let seal = GCMDirection(
            initialise: EVP_EncryptInit_ex, initialiseName: "EVP_EncryptInit_ex",
            update: EVP_EncryptUpdate, updateName: "EVP_EncryptUpdate")
        static let open = GCMDirection(
            initialise: EVP_DecryptInit_ex, initialiseName: "EVP_DecryptInit_ex",
            update: EVP_DecryptUpdate, updateName: "EVP_DecryptUpdate")
    }

    /// A context for `direction` with AES-256-GCM, `key` and the 12-byte `nonce` set and
    /// `associatedData` fed in.
    private static func gcmContext(
        _ direction: GCMDirection, key: [UInt8], nonce: [UInt8], associatedData: [UInt8]
    ) throws -> CipherContext {
        let ctx = try CipherContext()
        guard direction.initialise(ctx.pointer, EVP_aes_256_gcm(), nil, nil, nil) == 1 else {
            throw failure(direction.initialiseName)
        }
        guard EVP_CIPHER_CTX_ctrl(ctx.pointer, EVP_CTRL_AEAD_SET_IVLEN, Int32(gcmNonceLength), nil) == 1 else {
            throw failure("EVP_CIPHER_CTX_ctrl(SET_IVLEN)")
        }
        let keyed = withBytes(key) { k, _ in
            withBytes(nonce) { n, _ in direction.initialise(ctx.pointer, nil, nil, k, n) }
        }
        guard keyed == 1 else { throw failure(direction.initialiseName) }
        if !associatedData.isEmpty {
            var outLength: Int32 = 0
            let rc = withBytes(associatedData) { a, count in
                direction.update(ctx.pointer, nil, &outLength, a, Int32(count))
            }
            guard rc == 1 else { throw failure("\(direction.updateName)(AAD)") }
        }
        return ctx
    }

    /// Runs `input` through `ctx`, writing from `out[offset]` on; returns how many bytes it wrote.
    private static func gcmUpdate(
        _ direction: GCMDirection, _ ctx: CipherContext, _ input: [UInt8], into out: inout [UInt8], at offset: Int
    ) throws -> Int {
        guard !input.isEmpty else { return 0 }
        var outLength: Int32 = 0
        let rc = withBytes(input) { p, count in
            out.withUnsafeMutableBufferPointer {
                direction.update(ctx.pointer, $0.baseAddress! + offset, &outLength, p, Int32(count))
            }
        }
        guard rc == 1 else { throw failure(direction.updateName) }
        return Int(outLength)
    }

    /// Returns nonce ‖ ciphertext ‖ tag.
    static func aesGCMSeal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws
        -> [UInt8]
    {
        guard key.count == aes256KeyLength else {
            throw CryptoError(code: .invalidKeyLength, function: "AES256GCM.seal")
        }
        guard nonce.count == gcmNonceLength else {
            throw CryptoError(code: .invalidInput, function: "AES256GCM.seal", detail: "nonce must be 12 bytes")
        }
        guard plaintext.count <= Int(Int32.max) - 64, associatedData.count <= Int(Int32.max) else {
            throw CryptoError(code: .invalidInput, function: "AES256GCM.seal", detail: "input too large")
        }
        let ctx = try gcmContext(.seal, key: key, nonce: nonce, associatedData: associatedData)
        var out = [UInt8](repeating: 0, count: gcmNonceLength + plaintext.count + 16 + gcmTagLength)
        out.replaceSubrange(0..<gcmNonceLength, with: nonce)
        var written = try gcmUpdate(.seal, ctx, plaintext, into: &out, at: gcmNonceLength)
        var outLength: Int32 = 0
        let finalRC = out.withUnsafeMutableBufferPointer {
            EVP_EncryptFinal_ex(ctx.pointer, $0.baseAddress! + gcmNonceLength + written, &outLength)
        }
        guard finalRC == 1 else { throw failure("EVP_EncryptFinal_ex") }
        written += Int(outLength)
        guard written == plaintext.count else {
            throw CryptoError(
                code: .openSSLFailure, function: "EVP_EncryptFinal_ex", detail: "unexpected output length")
        }
        let tagRC = out.withUnsafeMutableBufferPointer {
            EVP_CIPHER_CTX_ctrl(
                ctx.pointer, EVP_CTRL_AEAD_GET_TAG, Int32(gcmTagLength), $0.baseAddress! + gcmNonceLength + written)
        }
        guard tagRC == 1 else { throw failure("EVP_CIPHER_CTX_ctrl(GET_TAG)") }
        out.removeSubrange((gcmNonceLength + written + gcmTagLength)...)
        return out
    }

    static func aesGCMOpen(_ sealed: [UInt8], key: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        guard key.count == aes256KeyLength else {
            throw CryptoError(code: .invalidKeyLength, function: "AES256GCM.open")
        }
        guard sealed.count >= gcmNonceLength + gcmTagLength, sealed.count <= Int(Int32.max),
            associatedData.count <= Int(Int32.max)
        else {
            throw CryptoError(
                code: .invalidInput, function: "AES256GCM.open", detail: "sealed box has the wrong length")
        }
        let nonce = Array(sealed[0..<gcmNonceLength])
        var tag = Array(sealed[(sealed.count - gcmTagLength)...])
        let ciphertext = Array(sealed[gcmNonceLength..<(sealed.count - gcmTagLength)])

        let ctx = try gcmContext(.open, key: key, nonce: nonce, associatedData: associatedData)
        var out = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written = try gcmUpdate(.open, ctx, ciphertext, into: &out, at: 0)
        let tagRC = tag.withUnsafeMutableBufferPointer {
            EVP_CIPHER_CTX_ctrl(ctx.pointer, EVP_CTRL_AEAD_SET_TAG, Int32(gcmTagLength), $0.baseAddress)
        }
        guard tagRC == 1 else { throw failure("EVP_CIPHER_CTX_ctrl(SET_TAG)") }
        var outLength: Int32 = 0
        let finalRC = out.withUnsafeMutableBufferPointer {
            EVP_DecryptFinal_ex(ctx.pointer, $0.baseAddress! + written, &outLength)
        }
        guard finalRC == 1 else {
            ERR_clear_error()
            throw CryptoError(code: .authenticationFailed, function: "EVP_DecryptFinal_ex")
        }
        written += Int(outLength)
        out.removeSubrange(written...)
        return out
    }
}
