import HromadaCore

/// Lowercase hexadecimal (the implementation is `HexCoding`, shared by every module).
public enum Hex {
    public static func encode(_ bytes: [UInt8]) -> String { HexCoding.encode(bytes) }

    /// Accepts upper- and lowercase digits; throws `.invalidHex` on an odd length or a non-hex character.
    public static func decode(_ string: String) throws -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count % 2 == 0 else {
            throw CryptoError(code: .invalidHex, function: "Hex.decode", detail: "odd length")
        }
        guard let bytes = HexCoding.decode(utf8: utf8) else {
            throw CryptoError(code: .invalidHex, function: "Hex.decode", detail: "not a hex digit")
        }
        return bytes
    }
}

/// Base64 with the URL-safe alphabet (RFC 4648 §5: `-` and `_`), written without padding.
public enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        // Every group of up to 3 bytes is 24 bits, written as 6-bit digits: one digit more than it
        // has bytes (4 for a whole group, 2 or 3 for a last group of 1 or 2 bytes; no padding).
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let group = bytes[start..<min(start + 3, bytes.count)]
            var n: UInt32 = 0
            for (offset, byte) in group.enumerated() { n |= UInt32(byte) << (16 - 8 * offset) }
            for digit in 0...group.count { out.append(alphabet[Int(n >> (18 - 6 * digit) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Accepts input with or without `=` padding; rejects the standard alphabet's `+` and `/`.
    public static func decode(_ string: String) throws -> [UInt8] {
        var utf8 = Array(string.utf8)
        while utf8.last == UInt8(ascii: "=") { utf8.removeLast() }
        guard utf8.count % 4 != 1 else {
            throw CryptoError(code: .invalidBase64, function: "Base64URL.decode", detail: "impossible length")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for c in utf8 {
            guard let v = value(c) else {
                throw CryptoError(
                    code: .invalidBase64, function: "Base64URL.decode", detail: "not a base64url character")
            }
            buffer = buffer << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero in a canonical encoding.
        guard buffer & ((1 << UInt32(bits)) - 1) == 0 else {
            throw CryptoError(code: .invalidBase64, function: "Base64URL.decode", detail: "non-canonical trailing bits")
        }
        return out
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
