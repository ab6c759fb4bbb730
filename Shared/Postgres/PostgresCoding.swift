import Foundation
import HromadaCore

/// A Swift value that can be a statement parameter: its PostgreSQL text form and type oid.
public protocol PostgresEncodable: Sendable {
    /// The parameter's type oid; `.unspecified` (0) lets the server infer it from the context.
    static var postgresDataType: PostgresDataType { get }
    /// The value in PostgreSQL's text input format; nil is SQL NULL.
    func encodePostgresText() throws -> String?
}

/// A Swift value that can be read from a column in PostgreSQL's text output format.
public protocol PostgresDecodable {
    /// Builds the value from a non-NULL column's text.
    init(postgresText text: String) throws
    /// The value for SQL NULL; by default an error (only Optional accepts NULL).
    static func postgresNull() throws -> Self
}

extension PostgresDecodable {
    public static func postgresNull() throws -> Self {
        throw PostgresError(code: .decodingFailed, context: "unexpected NULL for \(Self.self)")
    }
}

@usableFromInline
func decodingError<T>(_ type: T.Type) -> PostgresError {
    PostgresError(code: .decodingFailed, context: "not a valid \(T.self)")
}

// MARK: Optional (NULL)

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    public func encodePostgresText() throws -> String? {
        switch self {
        case .none: return nil
        case .some(let wrapped): return try wrapped.encodePostgresText()
        }
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws { self = .some(try Wrapped(postgresText: text)) }
    public static func postgresNull() throws -> Self { .none }
}

// MARK: Text

extension String: PostgresEncodable, PostgresDecodable {
    /// Unspecified, so the same String binds to text, varchar, jsonb, enum or uuid columns.
    public static var postgresDataType: PostgresDataType { .unspecified }
    public func encodePostgresText() throws -> String? { self }
    public init(postgresText text: String) throws { self = text }
}

extension Substring: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .unspecified }
    public func encodePostgresText() throws -> String? { String(self) }
}

// MARK: Integers

/// Every integer width writes and reads its decimal text; each says only which column type it is.
extension PostgresEncodable where Self: FixedWidthInteger {
    public func encodePostgresText() throws -> String? { String(self) }
}

extension PostgresDecodable where Self: FixedWidthInteger {
    public init(postgresText text: String) throws {
        guard let value = Self(text) else { throw decodingError(Self.self) }
        self = value
    }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int8 }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int4 }
}

extension Int16: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .int2 }
}

// MARK: Double, Bool

extension Double: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .float8 }
    public func encodePostgresText() throws -> String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)  // shortest text that round-trips
    }
    public init(postgresText text: String) throws {
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text), value.isFinite else { throw decodingError(Double.self) }
            self = value
        }
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bool }
    public func encodePostgresText() throws -> String? { self ? "true" : "false" }
    public init(postgresText text: String) throws {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw decodingError(Bool.self)
        }
    }
}

// MARK: UUID

extension UUID: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .uuid }
    public func encodePostgresText() throws -> String? { uuidString.lowercased() }
    public init(postgresText text: String) throws {
        guard let value = UUID(text: text) else { throw decodingError(UUID.self) }
        self = value
    }
}

// MARK: Date (timestamptz)

extension Date: PostgresEncodable, PostgresDecodable {
    /// Sent as timestamptz, ISO 8601 with microseconds and an explicit UTC offset.
    public static var postgresDataType: PostgresDataType { .timestamptz }
    public func encodePostgresText() throws -> String? {
        guard timeIntervalSince1970.isFinite else {
            throw PostgresError(code: .encodingFailed, context: "non-finite Date")
        }
        return PostgresDateText.format(self)
    }
    /// Reads timestamptz (any offset), timestamp (taken as UTC) and date (midnight UTC) in ISO DateStyle,
    /// plus `infinity` / `-infinity` (distantFuture / distantPast).
    public init(postgresText text: String) throws {
        guard let value = PostgresDateText.parse(text) else { throw decodingError(Date.self) }
        self = value
    }
}

enum PostgresDateText {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let perDay: Int64 = 86_400_000_000
        var days = micros / perDay
        var ofDay = micros % perDay
        if ofDay < 0 {
            ofDay += perDay
            days -= 1
        }
        let (year, month, day) = civil(fromDays: Int(days))
        let second = ofDay / 1_000_000
        let fraction = ofDay % 1_000_000
        let date = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        let time = "\(pad(Int(second / 3600), 2)):\(pad(Int(second / 60 % 60), 2)):\(pad(Int(second % 60), 2))"
        return "\(date)T\(time).\(pad(Int(fraction), 6))+00:00"
    }

    static func parse(_ text: String) -> Date? {
        if text == "infinity" { return .distantFuture }
        if text == "-infinity" { return .distantPast }
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(minDigits: 4), scanner.expect("-"),
            let month = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect("-"),
            let day = scanner.number(minDigits: 2, maxDigits: 2),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros = Int64(days(fromYear: year, month: month, day: day)) * 86_400_000_000
        if scanner.atEnd { return Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
        guard scanner.expect(" ") || scanner.expect("T"),
            let hour = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect(":"),
            let minute = scanner.number(minDigits: 2, maxDigits: 2), scanner.expect(":"),
            let second = scanner.number(minDigits: 2, maxDigits: 2),
            hour <= 24, minute < 60, second <= 60
        else { return nil }
        micros += Int64(hour * 3600 + minute * 60 + second) * 1_000_000
        if scanner.expect(".") {
            var fraction: Int64 = 0
            var digits = 0
            while let digit = scanner.digit() {
                if digits < 6 { fraction = fraction * 10 + Int64(digit) }
                digits += 1
            }
            guard digits > 0 else { return nil }
            if digits < 6 { for _ in digits..<6 { fraction *= 10 } }
            micros += fraction
        }
        if scanner.expect("Z") {
            // UTC
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
            var offset = offsetHours * 3600
            if scanner.expect(":") {
                guard let offsetMinutes = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                offset += offsetMinutes * 60
                if scanner.expect(":") {
                    guard let offsetSeconds = scanner.number(minDigits: 2, maxDigits: 2) else { return nil }
                    offset += offsetSeconds
                }
            }
            micros -= Int64(sign * offset) * 1_000_000
        }
        guard scanner.atEnd else { return nil }  // e.g. " BC"
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    /// Zero-padded decimal (`CivilDate`'s, shared with the contracts).
    private static let pad = CivilDate.pad

    /// Days since 1970-01-01 → proleptic Gregorian date (`CivilDate`, shared with the contracts).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let date = CivilDate.date(dayNumber: days)
        return (date.year, date.month, date.day)
    }

    static func days(fromYear year: Int, month: Int, day: Int) -> Int {
        CivilDate.dayNumber(year: year, month: month, day: day)
    }
}

// MARK: bytea

enum PostgresHex {
    /// `\x0a1b…`, the bytea hex input/output format (digits from `HexCoding`).
    static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(2 + bytes.count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        HexCoding.append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"),
            let bytes = HexCoding.decode(utf8: utf8.dropFirst(2))
        else {
            throw PostgresError(code: .decodingFailed, context: "bytea not in hex format")
        }
        return bytes
    }
}

extension Data: PostgresEncodable, PostgresDecodable {
    public static var postgresDataType: PostgresDataType { .bytea }
    public func encodePostgresText() throws -> String? { PostgresHex.encode(self) }
    public init(postgresText text: String) throws { self = Data(try PostgresHex.decode(text)) }
}

// MARK: Arrays ([UInt8] is bytea; [String], [UUID], [Int64]… are PostgreSQL arrays)

/// An element of a Swift array parameter. Elements with a PostgreSQL array type encode as an array
/// literal (`{"a","b"}`), for `= ANY(\(ids))`; `UInt8` makes `[UInt8]` a bytea instead.
public protocol PostgresArrayElement: Sendable {
    static var postgresArrayDataType: PostgresDataType { get }
    static func encodePostgresArray(_ elements: [Self]) throws -> String
    static func decodePostgresArray(_ text: String) throws -> [Self]
}

extension PostgresArrayElement where Self: PostgresEncodable & PostgresDecodable {
    public static func encodePostgresArray(_ elements: [Self]) throws -> String {
        var out = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            guard let text = try element.encodePostgresText() else {
                out += "NULL"
                continue
            }
            out += "\""
            for character in text.unicodeScalars {
                if character == "\"" || character == "\\" { out += "\\" }
                out.unicodeScalars.append(character)
            }
            out += "\""
        }
        return out + "}"
    }

    public static func decodePostgresArray(_ text: String) throws -> [Self] {
        try PostgresArrayLiteral.parse(text).map { element in
            guard let element else { return try Self.postgresNull() }
            return try Self(postgresText: element)
        }
    }
}

enum PostgresArrayLiteral {
    /// Parses a one-dimensional array in text output format: `{a,"b c",NULL}`.
    static func parse(_ text: String) throws -> [String?] {
        let failure = PostgresError(code: .decodingFailed, context: "not a one-dimensional array")
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "[" {  // explicit bounds: [0:2]={…}
            guard let equals = scalars.firstIndex(of: "=") else { throw failure }
            scalars = scalars[scalars.index(after: equals)...]
        }
        guard scalars.first == "{", scalars.last == "}" else { throw failure }
        scalars = scalars.dropFirst().dropLast()
        var result: [String?] = []
        if scalars.isEmpty { return result }
        var iterator = scalars.makeIterator()
        var current = String.UnicodeScalarView()
        var quoted = false
        var inQuotes = false
        func finish() {
            let value = String(current)
            result.append(!quoted && value == "NULL" ? nil : value)
            current = String.UnicodeScalarView()
            quoted = false
        }
        while let scalar = iterator.next() {
            if inQuotes {
                switch scalar {
                case "\\":
                    guard let escaped = iterator.next() else { throw failure }
                    current.append(escaped)
                case "\"": inQuotes = false
                default: current.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"":
                inQuotes = true
                quoted = true
            case ",": finish()
            case "{", "}": throw failure  // nested arrays are not supported
            case "\\":
                guard let escaped = iterator.next() else { throw failure }
                current.append(escaped)
            default: current.append(scalar)
            }
        }
        guard !inQuotes else { throw failure }
        finish()
        return result
    }
}

extension Array: PostgresEncodable where Element: PostgresArrayElement {
    public static var postgresDataType: PostgresDataType { Element.postgresArrayDataType }
    public func encodePostgresText() throws -> String? { try Element.encodePostgresArray(self) }
}

extension Array: PostgresDecodable where Element: PostgresArrayElement {
    public init(postgresText text: String) throws { self = try Element.decodePostgresArray(text) }
}

extension UInt8: PostgresArrayElement {
    public static var postgresArrayDataType: PostgresDataType { .bytea }
    public static func encodePostgresArray(_ elements: [UInt8]) throws -> String { PostgresHex.encode(elements) }
    public static func decodePostgresArray(_ text: String) throws -> [UInt8] { try PostgresHex.decode(text) }
}

extension String: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .textArray } }
extension UUID: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .uuidArray } }
extension Int64: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .int8Array } }
extension Int: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .int8Array } }
extension Int32: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .int4Array } }
extension Int16: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .int2Array } }
extension Bool: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .boolArray } }
extension Double: PostgresArrayElement { public static var postgresArrayDataType: PostgresDataType { .float8Array } }

// MARK: JSON

/// A Codable value stored in a json/jsonb column as JSON text: `INSERT … VALUES (\(PostgresJSON(payload)))`,
/// `try row.decode("payload", as: PostgresJSON<Payload>.self).value`. A plain `String` works too.
public struct PostgresJSON<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable, Sendable {
    public var value: Value
    public init(_ value: Value) { self.value = value }

    /// Unspecified, so the server takes the text as json or jsonb depending on the column.
    public static var postgresDataType: PostgresDataType { .unspecified }

    public func encodePostgresText() throws -> String? {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            throw PostgresError(code: .encodingFailed, context: "JSON for \(Value.self)")
        }
    }

    public init(postgresText text: String) throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            value = try decoder.decode(Value.self, from: Data(text.utf8))
        } catch {
            throw PostgresError(code: .decodingFailed, context: "JSON for \(Value.self)")
        }
    }
}
