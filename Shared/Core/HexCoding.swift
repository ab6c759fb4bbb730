/// Lowercase hexadecimal: the one implementation every module uses (digests, MACs, sealed tokens,
/// PostgreSQL's bytea text, JSON's `\u00XX` escapes). Decoding accepts either case.
/// `HromadaCrypto.Hex` is the throwing façade the services call.
public enum HexCoding {
    /// `0123456789abcdef` as ASCII bytes, for callers that write digits into a byte buffer.
    public static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the two lowercase digits of every byte to `out`.
    @inlinable
    public static func append<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }

    /// `[0x0a, 0xff]` → `"0aff"`.
    public static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of an even-length string of hex digits (either case), or nil for an odd length or
    /// a character that is not a hex digit. Never echoes the input.
    public static func decode(_ string: String) -> [UInt8]? {
        decode(utf8: Array(string.utf8))
    }

    /// `decode(_:)` over UTF-8 bytes (e.g. the part after a `\x` prefix).
    public static func decode<Bytes: Collection>(utf8: Bytes) -> [UInt8]? where Bytes.Element == UInt8 {
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var iterator = utf8.makeIterator()
        while let first = iterator.next(), let second = iterator.next() {
            guard let high = value(first), let low = value(second) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// The value of one hex digit (either case), nil for anything else.
    public static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
