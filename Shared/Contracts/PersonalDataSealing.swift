import Foundation
import HromadaCore

/// The cipher that seals personal fields on the bus: AES-256-GCM with key ids (HromadaCrypto's
/// `SealingKeyring`, which HromadaRuntime makes conform). The contracts own WHAT is sealed and the
/// wire form; the cipher is handed in, so this module stays free of OpenSSL.
public protocol PersonalDataCipher: Sendable {
    /// Seals with the current key: the key's id and nonce ‖ ciphertext ‖ tag.
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> (keyID: String, box: [UInt8])
    /// Opens a box sealed with key `keyID`; throws for an unknown key, other associated data or
    /// tampered bytes.
    func open(_ box: [UInt8], keyID: String, associatedData: [UInt8]) throws -> [UInt8]
}

/// The sealed form of an envelope (issue 13, Deliver 2). Each event type declares its personal
/// fields once (`DomainEvent.personalFields`, collected by `PersonalFields`); the outbox relay
/// seals them as it publishes and the consumer opens them before any handler runs, so no handler
/// seals or opens by hand.
///
/// Sealing moves every personal field present in the payload into one object,
///
///     "payload": { …the other fields…, "sealed": {"algorithm": "AES-256-GCM", "keyId": "<id>",
///                  "data": "<base64 of nonce ‖ ciphertext ‖ tag>"} }
///
/// where the plaintext is the canonical JSON of the removed fields with their nesting
/// (`{"author": {…}, "text": "…"}`). The associated data binds the box to this envelope's id,
/// type, version, producer and correlation id, so a box cannot be moved into another message.
/// An envelope whose type has no personal field present is left exactly as it was.
public enum PersonalDataSealing {
    /// The payload key that holds the sealed fields.
    public static let payloadKey = "sealed"
    public static let algorithm = "AES-256-GCM"

    /// The associated data of `envelope`'s box.
    static func associatedData(_ envelope: Envelope) -> [UInt8] {
        Array(
            [
                "hromada.sealed.v1", envelope.id.lowercaseUUID, envelope.type, String(envelope.version),
                envelope.producer, envelope.correlationId.lowercaseUUID,
            ].joined(separator: "\n").utf8)
    }

    static func failure(_ reason: String) -> ContractError {
        ContractError(code: .sealedData, field: "payload.\(payloadKey)", reason: reason)
    }
}

extension Envelope {
    /// Whether the payload carries sealed personal fields.
    public var isSealed: Bool { payload[PersonalDataSealing.payloadKey] != nil }

    /// The personal fields of this type that are present in the payload in clear.
    public var personalPathsInClear: [[String]] {
        PersonalFields.paths(for: type).filter { path in
            guard let value = payload[path: path] else { return false }
            return !value.isNull
        }
    }

    /// This envelope with its personal fields sealed by `cipher`'s current key (see
    /// `PersonalDataSealing`). An envelope already sealed, or with no personal field present, is
    /// returned unchanged.
    public func sealingPersonalData(with cipher: any PersonalDataCipher) throws -> Envelope {
        guard !isSealed else { return self }
        let paths = personalPathsInClear
        guard !paths.isEmpty else { return self }
        var payload = self.payload
        var personal = JSONValue.object([:])
        for path in paths {
            guard let value = payload.removing(path: path) else { continue }
            personal.setting(value, at: path)
        }
        let sealed: (keyID: String, box: [UInt8])
        do {
            sealed = try cipher.seal(
                try personal.canonicalBytes(), associatedData: PersonalDataSealing.associatedData(self))
        } catch {
            throw PersonalDataSealing.failure("could not be sealed (\(error.redactedDescription))")
        }
        payload.setting(
            .object([
                "algorithm": .string(PersonalDataSealing.algorithm),
                "keyId": .string(sealed.keyID),
                "data": .string(Data(sealed.box).base64EncodedString()),
            ]), at: [PersonalDataSealing.payloadKey])
        var copy = self
        copy.payload = payload
        return copy
    }

    /// This envelope with its sealed personal fields opened and put back where they were. An
    /// envelope without `payload.sealed` is returned unchanged (events published before sealing,
    /// see docs/SECURITY.md). Throws `ContractError` (`.sealedData`, naming `payload.sealed` and
    /// why, never a value) when there is no cipher, the key id is unknown, the box was tampered
    /// with or moved from another message, or the opened fields are not this type's personal ones.
    public func openingPersonalData(with cipher: (any PersonalDataCipher)?) throws -> Envelope {
        guard let sealed = payload[PersonalDataSealing.payloadKey] else { return self }
        guard let cipher else {
            throw PersonalDataSealing.failure("this service holds no key to open sealed personal data")
        }
        guard case .object(let fields) = sealed else { throw PersonalDataSealing.failure("is not an object") }
        guard fields["algorithm"]?.stringValue == PersonalDataSealing.algorithm else {
            throw PersonalDataSealing.failure("algorithm must be \(PersonalDataSealing.algorithm)")
        }
        guard let keyID = fields["keyId"]?.stringValue, !keyID.isEmpty else {
            throw PersonalDataSealing.failure("keyId is missing")
        }
        guard let text = fields["data"]?.stringValue, let box = Data(base64Encoded: text) else {
            throw PersonalDataSealing.failure("data is not base64")
        }
        let plaintext: [UInt8]
        do {
            plaintext = try cipher.open(
                Array(box), keyID: keyID, associatedData: PersonalDataSealing.associatedData(self))
        } catch {
            throw PersonalDataSealing.failure("cannot be opened (\(error.redactedDescription))")
        }
        guard var personal = try? JSONValue.parse(plaintext), case .object(let opened) = personal else {
            throw PersonalDataSealing.failure("opened data is not a JSON object")
        }
        var payload = self.payload
        _ = payload.removing(path: [PersonalDataSealing.payloadKey])
        if EventCatalogue.entries.contains(where: { $0.type == type }) {
            // Only the type's declared personal fields may come out of the box.
            for path in PersonalFields.paths(for: type) {
                guard let value = personal.removing(path: path) else { continue }
                guard payload[path: path] == nil else {
                    throw PersonalDataSealing.failure("opened field \(path.joined(separator: ".")) is also in clear")
                }
                payload.setting(value, at: path)
            }
            guard !personal.holdsAnyValue else {
                throw PersonalDataSealing.failure("opened data holds a field that is not personal")
            }
        } else {
            // A newer producer's type: the handlers skip it; put its fields back as they came.
            for (key, value) in opened.sorted(by: { $0.key < $1.key }) {
                guard payload[key] == nil else {
                    throw PersonalDataSealing.failure("opened field \(key) is also in clear")
                }
                payload.setting(value, at: [key])
            }
        }
        var copy = self
        copy.payload = payload
        return copy
    }
}

extension JSONValue {
    /// Removes and returns the value at `path` (nil when absent).
    mutating func removing(path: [String]) -> JSONValue? {
        guard let first = path.first, case .object(var object) = self else { return nil }
        if path.count == 1 {
            let value = object.removeValue(forKey: first)
            self = .object(object)
            return value
        }
        guard var child = object[first] else { return nil }
        let value = child.removing(path: Array(path.dropFirst()))
        object[first] = child
        self = .object(object)
        return value
    }

    /// Sets `value` at `path`, creating the objects on the way.
    mutating func setting(_ value: JSONValue, at path: [String]) {
        guard let first = path.first else {
            self = value
            return
        }
        var object = objectValue ?? [:]
        var child = object[first] ?? .object([:])
        child.setting(value, at: Array(path.dropFirst()))
        object[first] = child
        self = .object(object)
    }

    /// False for an object whose members are all (recursively) empty objects.
    var holdsAnyValue: Bool {
        guard case .object(let object) = self else { return true }
        return object.values.contains { $0.holdsAnyValue }
    }
}
