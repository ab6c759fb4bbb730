import Foundation
import HromadaCore

/// Any JSON value. Integers stay exact (`.int`); other numbers are `.double`. Equality and hashing
/// treat `.int(2)` and `.double(2.0)` as the same number, as JSON does.
public enum JSONValue: Codable, Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A number: `.int` when it is a whole number that fits, `.double` otherwise.
    public static func number(_ value: Double) -> JSONValue {
        if value.rounded() == value, abs(value) < 9.007_199_254_740_992e15 { return .int(Int64(value)) }
        return .double(value)
    }

    // MARK: Access

    public subscript(key: String) -> JSONValue? {
        get { if case .object(let object) = self { object[key] } else { nil } }
        set {
            guard case .object(var object) = self else { return }
            object[key] = newValue
            self = .object(object)
        }
    }

    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }

    /// The value at a key path (`["author", "email"]`), nil when any step is missing.
    public subscript(path path: [String]) -> JSONValue? {
        var current: JSONValue? = self
        for key in path { current = current?[key] }
        return current
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var intValue: Int64? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: Int64(d)
        default: nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
    public var isNull: Bool { self == .null }

    // MARK: Equality

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)):
            b.rounded() == b && abs(b) < 9.2e18 && Int64(b) == a
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        /// A case's tag, then its value.
        func combine(_ tag: Int, _ value: some Hashable) {
            hasher.combine(tag)
            hasher.combine(value)
        }
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): combine(1, b)
        case .int(let i): combine(2, i)
        case .double(let d):
            // A whole number hashes as the `.int` it equals.
            if let i = JSONValue.double(d).intValue { combine(2, i) } else { combine(3, d) }
        case .string(let s): combine(4, s)
        case .array(let a): combine(5, a)
        case .object(let o): combine(6, o)
        }
    }

    // MARK: Codable

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([JSONValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }

    // MARK: Canonical form

    /// Canonical JSON bytes: no whitespace; object keys sorted by their UTF-8 bytes (code point
    /// order); strings escape only `"`, `\` and control characters (`\n`, `\t`, … or `\u00XX`),
    /// never `/` or non-ASCII; whole numbers within ±2^53 without fraction or exponent, other
    /// numbers in Swift's shortest round-trip form. The same value always gives the same bytes.
    /// Throws `.encodingFailed` for NaN or infinity.
    public func canonicalBytes() throws -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        try write(into: &out)
        return out
    }

    /// `canonicalBytes()` as a String.
    public func canonicalString() throws -> String { String(decoding: try canonicalBytes(), as: UTF8.self) }

    /// Parses JSON bytes. Throws `ContractError` (`.malformedJSON`) on anything that is not JSON.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw ContractError(code: .malformedJSON, reason: "not valid JSON")
        }
    }

    private func write(into out: inout [UInt8]) throws {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            guard d.isFinite else {
                throw ContractError(code: .encodingFailed, reason: "NaN or infinity cannot be written as JSON")
            }
            if d.rounded() == d, abs(d) < 9.007_199_254_740_992e15 {
                out.append(contentsOf: String(Int64(d)).utf8)
            } else {
                out.append(contentsOf: "\(d)".utf8)
            }
        case .string(let s): JSONValue.writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (index, element) in a.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try element.write(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            let keys = o.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                try o[key]!.write(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = HexCoding.digits

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x00..<0x20:
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0f)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

// MARK: Codable values ↔ JSONValue

/// The one JSON coder configuration of the contracts: instants as `ISO8601.format`, dates as
/// `YYYY-MM-DD`, UUIDs lower-case (`LowercaseUUIDJSONEncoder`; reading accepts either case).
public enum ContractCoding {
    /// Sorted keys, unescaped slashes, ISO 8601 instants, lower-case UUIDs. Services can use it
    /// for their HTTP JSON too (it is a `JSONEncoder`, so also a Hummingbird response encoder).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = LowercaseUUIDJSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        encoder.nonConformingFloatEncodingStrategy = .throw
        return encoder
    }

    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let string = try container.decode(String.self)
            guard let date = ISO8601.parse(string) else {
                throw DecodingError.dataCorrupted(
                    .init(
                        codingPath: decoder.codingPath, debugDescription: "not an ISO 8601 instant with offset",
                        underlyingError: ContractError(
                            code: .invalidDate, reason: "not an ISO 8601 instant with offset")))
            }
            return date
        }
        return decoder
    }

    /// Any Encodable as a JSONValue (through the contract's encoder).
    public static func jsonValue(_ value: some Encodable) throws -> JSONValue {
        let data: Data
        do {
            data = try makeEncoder().encode(value)
        } catch {
            throw ContractError(code: .encodingFailed, reason: "value cannot be encoded as JSON")
        }
        return try JSONValue.parse([UInt8](data))
    }

    /// A JSONValue as any Decodable; errors become `ContractError` with the field's key path.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, fieldPrefix: String? = nil) throws
        -> T
    {
        do {
            return try makeDecoder().decode(T.self, from: Data(try value.canonicalBytes()))
        } catch {
            throw ContractError.from(error, prefix: fieldPrefix)
        }
    }
}
