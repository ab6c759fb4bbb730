import Foundation

extension UUID {
    /// Parses the 36-character text form (`8-4-4-4-12` hexadecimal digits, either case), as
    /// `UUID(uuidString:)` does, without its `sscanf`: the mass check decodes ~500 ids per
    /// registration, and `sscanf` was ~1 % of all CPU in issue 16's release profile. Anything
    /// else (nil) falls back to `UUID(uuidString:)`, so exactly the same texts are accepted.
    public init?(text: some StringProtocol) {
        if let parsed = Self.parseCanonical(text.utf8) {
            self = parsed
        } else if let parsed = UUID(uuidString: String(text)) {
            self = parsed
        } else {
            return nil
        }
    }

    private static func parseCanonical(_ utf8: some Collection<UInt8>) -> UUID? {
        guard utf8.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var ok = true
        withUnsafeMutableBytes(of: &bytes) { out in
            var index = utf8.startIndex
            var position = 0
            var byteIndex = 0
            var high: UInt8?
            while index != utf8.endIndex {
                let character = utf8[index]
                index = utf8.index(after: index)
                defer { position += 1 }
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { ok = false; return }
                    continue
                }
                guard let nibble = HexCoding.value(character) else { ok = false; return }
                if let h = high {
                    out[byteIndex] = h << 4 | nibble
                    byteIndex += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
        }
        return ok ? UUID(uuid: bytes) : nil
    }
}
