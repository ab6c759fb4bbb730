/// A JSON (RFC 8259) parser straight to `JSONValue`.
///
/// `JSONValue`'s `Decodable` initialiser has to guess each value's kind by trying Bool, Int64,
/// Double, String, array and object in turn through `JSONDecoder`, each failed guess throwing an
/// error; every envelope passed through it once when built and twice when consumed, which made it
/// one of the largest costs of a message (issue 16's profile). This parser reads the bytes once.
///
/// It accepts what `JSONDecoder` accepts for `JSONValue`: any value at the top level, whitespace
/// around tokens, numbers as `.int` when they are written without fraction or exponent and fit
/// in an `Int64` (else `.double`), strings with every escape including surrogate pairs, the
/// first of repeated object keys, and — as `JSONDecoder` does — one trailing comma before `]` or
/// `}`. It refuses invalid UTF-8, unescaped control characters, lone
/// surrogates, leading zeros, trailing bytes and nesting deeper than `maximumDepth`.
struct JSONParser {
    /// The same bound as Foundation's `JSONDecoder`: deeper input is refused, never a stack overflow.
    static let maximumDepth = 512

    struct Failure: Error {}

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The value `bytes` hold, or `Failure` if they are not one JSON text.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Failure() }
        return value
    }

    private mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard depth < Self.maximumDepth, index < bytes.count else { throw Failure() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return try number()
        }
    }

    private mutating func object(depth: Int) throws(Failure) -> JSONValue {
        var members: [String: JSONValue] = [:]
        if openEmpty(closedBy: UInt8(ascii: "}")) { return .object(members) }
        repeat {
            skipWhitespace()
            guard peek(UInt8(ascii: "\"")) else { throw Failure() }
            let key = try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let member = try value(depth: depth + 1)
            if members[key] == nil { members[key] = member }
        } while try another(before: UInt8(ascii: "}"))
        return .object(members)
    }

    private mutating func array(depth: Int) throws(Failure) -> JSONValue {
        var elements: [JSONValue] = []
        if openEmpty(closedBy: UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
        } while try another(before: UInt8(ascii: "]"))
        return .array(elements)
    }

    /// Steps over an object's or array's opening bracket; true when it is empty (`close` follows,
    /// consumed too).
    private mutating func openEmpty(closedBy close: UInt8) -> Bool {
        index += 1
        skipWhitespace()
        guard peek(close) else { return false }
        index += 1
        return true
    }

    /// After a member or an element: true when a comma says another follows; false when `close`
    /// ends the object or array (consumed here), also after one trailing comma, as `JSONDecoder`
    /// accepts it.
    private mutating func another(before close: UInt8) throws(Failure) -> Bool {
        skipWhitespace()
        if peek(UInt8(ascii: ",")) {
            index += 1
            skipWhitespace()
            if !peek(close) { return true }
        }
        try expect(close)
        return false
    }

    /// A string token; `index` is at its opening quote.
    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // The common case: no escapes, so the bytes between the quotes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try validated(bytes[start..<index])
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw Failure() }
            index += 1
        }
        var unescaped = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return try validated(unescaped[...])
            case UInt8(ascii: "\\"): try escape(into: &unescaped)
            case ..<0x20: throw Failure()
            default: unescaped.append(byte)
            }
        }
        throw Failure()
    }

    /// One escape after its backslash, appended to `out` as UTF-8.
    private mutating func escape(into out: inout [UInt8]) throws(Failure) {
        guard index < bytes.count else { throw Failure() }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(byte)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4())
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by an escaped low one.
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                else { throw Failure() }
                index += 2
                let low = UInt32(try hex4())
                guard (0xDC00...0xDFFF).contains(low) else { throw Failure() }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw Failure()
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Failure() }
            out.append(contentsOf: UTF8.encode(unicode)!)
        default: throw Failure()
        }
    }

    private mutating func hex4() throws(Failure) -> UInt16 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Failure()
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    private func validated(_ utf8: ArraySlice<UInt8>) throws(Failure) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw Failure() }
        return text
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(Failure) -> JSONValue {
        let start = index
        if peek(UInt8(ascii: "-")) { index += 1 }
        if peek(UInt8(ascii: "0")) {
            index += 1
        } else {
            guard digits() > 0 else { throw Failure() }
        }
        var isInteger = true
        if peek(UInt8(ascii: ".")) {
            index += 1
            guard digits() > 0 else { throw Failure() }
            isInteger = false
        }
        if peek(UInt8(ascii: "e")) || peek(UInt8(ascii: "E")) {
            index += 1
            if peek(UInt8(ascii: "+")) || peek(UInt8(ascii: "-")) { index += 1 }
            guard digits() > 0 else { throw Failure() }
            isInteger = false
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text), double.isFinite else { throw Failure() }
        return .double(double)
    }

    /// Skips decimal digits; returns how many.
    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        let start = index
        let matches = word.withUTF8Buffer { expected in expected.elementsEqual(bytes[start..<start + count]) }
        guard matches else { throw Failure() }
        index += count
    }

    private mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek(byte) else { throw Failure() }
        index += 1
    }

    private func peek(_ byte: UInt8) -> Bool { index < bytes.count && bytes[index] == byte }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }
}
