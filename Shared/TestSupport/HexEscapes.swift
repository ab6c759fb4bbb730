/// Text in which some bytes are written as an escape character and two hex digits (`%41` in a URL,
/// `=41` in quoted-printable mail). A malformed escape is kept as it stands.
public enum HexEscapes {
    /// The bytes of `text`, each `<escape>XX` replaced by the byte XX.
    public static func decode(_ text: String, escape: Unicode.Scalar) -> [UInt8] {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: escape), i + 2 < bytes.count,
                let value = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                out.append(value)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }
}
