import Foundation

extension UUID {
    /// Parses the 36-character text form (`8-4-4-4-12` hexadecimal digits, either case), as
    /// `UUID(uuidString:)` does, without its `sscanf`: the mass check decodes ~500 ids per
    /// registration, and `sscanf` was ~1 % of all CPU in issue 16's release profile. Anything
    /// else (nil) falls back to `UUID(uuidString:)`, so exactly the same texts are accepted.
    public init?(text: String) {
        var text = text
        if let parsed = text.withUTF8({ Self.parseCanonical($0) }) {
            self = parsed
        } else if let parsed = UUID(uuidString: text) {
            self = parsed
        } else {
            return nil
        }
    }

    private static func parseCanonical(_ utf8: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard utf8.count == 36 else { return nil }
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var byteIndex = 0
            var position = 0
            while position < 36 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard utf8[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                    continue
                }
                guard let high = HexCoding.value(utf8[position]), let low = HexCoding.value(utf8[position + 1])
                else { return false }
                out[byteIndex] = high << 4 | low
                byteIndex += 1
                position += 2
            }
            return true
        }
        return parsed ? UUID(uuid: bytes) : nil
    }
}
