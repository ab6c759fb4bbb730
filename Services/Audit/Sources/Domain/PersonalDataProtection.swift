import Foundation
import HromadaContracts
import HromadaCore
import HromadaCrypto

/// Encrypts the personal fields of an event (the key paths `PersonalFields.paths(for:)` lists)
/// with the appeal's key before the event enters the log, and decrypts them for a trail.
///
/// A field's value (its canonical JSON) becomes `{"enc": "<base64 of nonce ‖ ciphertext ‖ tag>"}`
/// sealed with AES-256-GCM under the appeal's 32-byte key, the event's id as associated data (a
/// ciphertext moved to another event does not open). Once the key is destroyed the ciphertext
/// stays in the chain (the hashes still verify) but nobody can read it: the trail shows
/// `"[erased]"`. When the key is already gone as an event arrives, its personal fields are not
/// stored at all (the placeholder goes into the log instead).
public enum PersonalDataProtection {
    /// What a trail shows in place of a field whose key was destroyed.
    public static let erasedPlaceholder: JSONValue = .string("[erased]")
    static let encryptedKey = "enc"

    /// True when `payload` has a non-null value at one of the personal paths of `type`.
    public static func hasPersonalData(type: String, payload: JSONValue) -> Bool {
        PersonalFields.paths(for: type).contains { path in
            if let value = payload[path: path], !value.isNull { return true }
            return false
        }
    }

    /// Replaces each personal field with its ciphertext (or the erased placeholder when `key` is nil).
    public static func protect(payload: JSONValue, type: String, eventId: UUID, key: [UInt8]?) throws -> JSONValue {
        var result = payload
        for path in PersonalFields.paths(for: type) {
            guard let value = payload[path: path], !value.isNull else { continue }
            let replacement: JSONValue
            if let key {
                let sealed = try AES256GCM.seal(
                    try value.canonicalBytes(), key: key, associatedData: associatedData(eventId))
                replacement = .object([encryptedKey: .string(Data(sealed).base64EncodedString())])
            } else {
                replacement = erasedPlaceholder
            }
            result = setting(result, at: path[...], to: replacement)
        }
        return result
    }

    /// Opens each encrypted personal field with `key`; with no key (destroyed), each becomes
    /// `"[erased]"`. Throws `AuditError.decryptionFailed` if a ciphertext does not open.
    public static func reveal(payload: JSONValue, type: String, eventId: UUID, key: [UInt8]?) throws -> JSONValue {
        var result = payload
        for path in PersonalFields.paths(for: type) {
            guard let value = payload[path: path], let sealedText = value[encryptedKey]?.stringValue,
                value.objectValue?.count == 1
            else { continue }
            let replacement: JSONValue
            if let key {
                guard let sealed = Data(base64Encoded: sealedText) else {
                    throw AuditError(code: .decryptionFailed, reason: "personal field is not base64")
                }
                let plaintext: [UInt8]
                do {
                    plaintext = try AES256GCM.open(Array(sealed), key: key, associatedData: associatedData(eventId))
                } catch {
                    throw AuditError(
                        code: .decryptionFailed, reason: "personal field does not open with the appeal's key")
                }
                replacement = try JSONValue.parse(plaintext)
            } else {
                replacement = erasedPlaceholder
            }
            result = setting(result, at: path[...], to: replacement)
        }
        return result
    }

    static func associatedData(_ eventId: UUID) -> [UInt8] { Array(eventId.uuidString.utf8) }

    /// `value` with the node at `path` replaced (paths that do not exist are left alone).
    static func setting(_ value: JSONValue, at path: ArraySlice<String>, to replacement: JSONValue) -> JSONValue {
        guard let key = path.first else { return replacement }
        guard case .object(var object) = value, let child = object[key] else { return value }
        object[key] = setting(child, at: path.dropFirst(), to: replacement)
        return .object(object)
    }
}

/// Errors of the audit service. Descriptions never carry personal data.
public struct AuditError: Error, CustomStringConvertible, PrivacySafeError, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        public static let decryptionFailed = Code("decryption_failed")
        public static let corruptEntry = Code("corrupt_entry")
        /// The chain's state changed under a batch being appended (it is rolled back and tried again).
        public static let concurrentChange = Code("concurrent_change")
        public static let http = Code("http")
        public static let badResponse = Code("bad_response")
    }
    public var code: Code
    public var reason: String
    public init(code: Code, reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { "audit \(code): \(reason)" }
}
