import HromadaCore

/// A failure in HromadaCrypto. `description` names the operation and OpenSSL's reason; it never
/// contains keys, plaintext or any other input.
public struct CryptoError: Error, Sendable, CustomStringConvertible, Equatable, PrivacySafeError {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case openSSLFailure, invalidKeyLength, invalidInput, authenticationFailed, invalidHex, invalidBase64
            case unknownKeyID, invalidKeyring
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// An OpenSSL call returned an error code (see `openSSLError`).
        public static let openSSLFailure = Code(.openSSLFailure)
        /// An AES-256 key that is not 32 bytes long.
        public static let invalidKeyLength = Code(.invalidKeyLength)
        /// Input of the wrong shape (e.g. a sealed box shorter than nonce + tag).
        public static let invalidInput = Code(.invalidInput)
        /// AES-GCM authentication failed: wrong key, wrong associated data, or tampered data.
        public static let authenticationFailed = Code(.authenticationFailed)
        public static let invalidHex = Code(.invalidHex)
        public static let invalidBase64 = Code(.invalidBase64)
        /// Sealed data names a key id the keyring does not hold (a retired or foreign key).
        public static let unknownKeyID = Code(.unknownKeyID)
        /// A keyring's text form that cannot be used (see `SealingKeyring.parse`).
        public static let invalidKeyring = Code(.invalidKeyring)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// The operation or OpenSSL function that failed.
    public var function: String
    /// OpenSSL's packed error code (ERR_get_error), 0 when none.
    public var openSSLError: UInt
    /// A short fixed explanation or OpenSSL's reason string; never derived from the caller's data.
    public var detail: String?

    public init(code: Code, function: String, openSSLError: UInt = 0, detail: String? = nil) {
        self.code = code
        self.function = function
        self.openSSLError = openSSLError
        self.detail = detail
    }

    public var description: String {
        var text = "CryptoError(\(code)) in \(function)"
        if openSSLError != 0 { text += " [openssl \(String(openSSLError, radix: 16))]" }
        if let detail { text += ": \(detail)" }
        return text
    }
}
