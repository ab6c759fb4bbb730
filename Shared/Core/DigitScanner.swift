/// A cursor over ASCII bytes for the date parsers: the contracts' ISO 8601 instants and
/// `LocalDate`, and PostgreSQL's date and timestamptz text. The one copy both modules use;
/// inlinable, so that each parser is still optimised as when it kept a private copy.
public struct DigitScanner {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var index = 0

    @inlinable
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Every byte is read.
    @inlinable
    public var atEnd: Bool { index == bytes.count }

    /// One decimal digit, or nil (and nothing read).
    @inlinable
    public mutating func digit() -> Int? {
        guard index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") else {
            return nil
        }
        defer { index += 1 }
        return Int(bytes[index] - UInt8(ascii: "0"))
    }

    /// Exactly `count` digits, or nil (and nothing read).
    @inlinable
    public mutating func number(_ count: Int) -> Int? {
        let start = index
        var value = 0
        for _ in 0..<count {
            guard let d = digit() else {
                index = start
                return nil
            }
            value = value * 10 + d
        }
        return value
    }

    /// As many digits as there are, up to `maxDigits`; nil when fewer than `minDigits`.
    @inlinable
    public mutating func number(minDigits: Int, maxDigits: Int = 9) -> Int? {
        var value = 0
        var count = 0
        while count < maxDigits, let digit = digit() {
            value = value * 10 + digit
            count += 1
        }
        return count >= minDigits ? value : nil
    }

    /// Reads `character` when it is next.
    @inlinable
    public mutating func expect(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    /// `+` → 1, `-` → -1, anything else nil (and nothing read).
    @inlinable
    public mutating func sign() -> Int? {
        if expect("+") { return 1 }
        if expect("-") { return -1 }
        return nil
    }
}
