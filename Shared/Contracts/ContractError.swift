import Foundation
import HromadaCore

/// A message that does not match the contract. `description` names the field (a key path such as
/// `payload.author.email`) and the kind of mismatch, never the field's value.
public struct ContractError: Error, CustomStringConvertible, Sendable, Equatable, PrivacySafeError {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case malformedJSON, missingField, invalidField, invalidDate, eventTypeMismatch, versionMismatch,
                unknownEvent, encodingFailed
            case sealedData
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Not JSON, truncated JSON, or JSON whose top level is not an object.
        public static let malformedJSON = Code(.malformedJSON)
        /// A required key is absent (or null).
        public static let missingField = Code(.missingField)
        /// A key holds a value of the wrong type or an unknown enum value.
        public static let invalidField = Code(.invalidField)
        /// A date or instant that is not ISO 8601 as the contract requires.
        public static let invalidDate = Code(.invalidDate)
        /// `Envelope.decode(_:)` asked for a different event type than the envelope carries.
        public static let eventTypeMismatch = Code(.eventTypeMismatch)
        /// Same type, but a version this code does not understand.
        public static let versionMismatch = Code(.versionMismatch)
        /// The event type/version is not in `EventCatalogue`.
        public static let unknownEvent = Code(.unknownEvent)
        /// A value that cannot be written as JSON (NaN, infinity) or an encoder failure.
        public static let encodingFailed = Code(.encodingFailed)
        /// Sealed personal data that cannot be sealed or opened (no key, unknown key id, tampered
        /// or moved box, fields that are not the type's personal ones).
        public static let sealedData = Code(.sealedData)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Dotted key path of the offending field, if known.
    public var field: String?
    /// A fixed explanation; never contains a value from the message.
    public var reason: String

    public init(code: Code, field: String? = nil, reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "ContractError(\(code)) at \(field): \(reason)" }
        return "ContractError(\(code)): \(reason)"
    }
}

extension ContractError {
    /// Maps a decoding error to a contract error without copying any value from the input.
    static func from(_ error: any Error, prefix: String? = nil) -> ContractError {
        if let error = error as? ContractError {
            guard let prefix else { return error }
            var copy = error
            copy.field = [prefix, error.field].compactMap { $0 }.joined(separator: ".")
            return copy
        }
        guard let error = error as? DecodingError else {
            return ContractError(code: .malformedJSON, field: prefix, reason: "could not be decoded")
        }
        func path(_ codingPath: [any CodingKey], _ extra: (any CodingKey)? = nil) -> String? {
            var parts = codingPath + (extra.map { [$0] } ?? [])
            parts = parts.filter { !$0.stringValue.isEmpty || $0.intValue != nil }
            let names = parts.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            let joined = ([prefix].compactMap { $0 } + names).joined(separator: ".")
            return joined.isEmpty ? nil : joined.replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return ContractError(
                code: .missingField, field: path(context.codingPath, key), reason: "required field is missing")
        case .valueNotFound(_, let context):
            return ContractError(code: .missingField, field: path(context.codingPath), reason: "required field is null")
        case .typeMismatch(let type, let context):
            return ContractError(code: .invalidField, field: path(context.codingPath), reason: "expected \(type)")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return ContractError(code: .malformedJSON, field: prefix, reason: "not valid JSON")
            }
            if let underlying = context.underlyingError as? ContractError {
                return ContractError(code: underlying.code, field: path(context.codingPath), reason: underlying.reason)
            }
            return ContractError(code: .invalidField, field: path(context.codingPath), reason: "invalid value")
        @unknown default:
            return ContractError(code: .malformedJSON, field: prefix, reason: "could not be decoded")
        }
    }
}
