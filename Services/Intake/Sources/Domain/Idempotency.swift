import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime

/// A registration retried under one `Idempotency-Key`: the second call with the same key and the
/// same appeal gets the first answer; with another appeal, a refusal. The key is stored hashed,
/// and the stored answer's tracking token is sealed with a key derived from the idempotency key,
/// so the table never holds a usable token.
public struct IdempotentRequest: Sendable, Equatable {
    public static let keyLength = 1...200

    public let centre: String
    public let key: String
    /// SHA-256 (hex) of the submission's canonical form (`canonicalForm`).
    public let requestHash: String

    /// Nil when `key` is empty or longer than `keyLength` allows.
    public init?(centre: String, key: String, submission: AppealSubmission) {
        guard Self.keyLength.contains(key.count) else { return nil }
        self.init(centre: centre, key: key, requestHash: Self.requestHash(of: submission))
    }

    public init(centre: String, key: String, requestHash: String) {
        self.centre = centre
        self.key = key
        self.requestHash = requestHash
    }

    /// The decoded submission as JSON with sorted keys, absent fields left out: a retry that
    /// serialises the same appeal with another key order or spacing is the same request.
    public static func canonicalForm(of submission: AppealSubmission) -> [UInt8] {
        // `JSON.encoder` sorts keys. A submission holds only strings, numbers and booleans:
        // encoding cannot fail.
        Array((try? JSON.encoder.encode(submission)) ?? Data())
    }

    public static func requestHash(of submission: AppealSubmission) -> String {
        SHA256.hex(canonicalForm(of: submission))
    }

    /// The key as stored: a hash bound to the centre.
    public var storedKey: String { SHA256.hex("idem:\(centre):\(key)") }

    /// Whether a stored request hash is this request's (constant time).
    public func matches(storedRequestHash: String) -> Bool {
        ConstantTime.equals(storedRequestHash, requestHash)
    }

    private var sealKey: [UInt8] { SHA256.hash("seal:\(centre):\(key)") }

    /// The receipt as stored for replays: JSON with the tracking token sealed.
    public func seal(_ receipt: RegistrationReceipt) throws -> String {
        var stored = receipt
        stored.trackingToken = Hex.encode(try AES256GCM.seal(Array(receipt.trackingToken.utf8), key: sealKey))
        return String(decoding: try JSON.encoder.encode(stored), as: UTF8.self)
    }

    /// The first answer back from its stored form; throws when it was not sealed with this key.
    public func open(_ stored: String) throws -> RegistrationReceipt {
        var receipt = try JSON.decoder.decode(RegistrationReceipt.self, from: Data(stored.utf8))
        guard let sealed = try? Hex.decode(receipt.trackingToken),
            let token = try? AES256GCM.open(sealed, key: sealKey)
        else { throw IntakeError(code: .idempotencyConflict) }
        receipt.trackingToken = String(decoding: token, as: UTF8.self)
        return receipt
    }
}
