import HromadaCore
import HromadaPostgres

/// Byte strings as one `bytea[]` parameter (cast it: `\(ByteaArray(…))::bytea[]`), written straight
/// into PostgreSQL's array literal `{"\\x0aff",…}`. The batch's entries carry a few KiB each; hex
/// digits need no escaping, so this skips the generic array encoder's per-character pass and the
/// hex string in between.
struct ByteaArray: PostgresEncodable {
    let elements: [[UInt8]]

    init(_ elements: [[UInt8]]) { self.elements = elements }

    static var postgresDataType: PostgresDataType { .unspecified }

    func encodePostgresText() throws -> String? {
        var out = [UInt8]()
        out.reserveCapacity(elements.reduce(2) { $0 + 2 * $1.count + 6 })
        out.append(UInt8(ascii: "{"))
        for (index, element) in elements.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            // `"\\x…"`: the array literal's escaped backslash, then bytea's hex format.
            out += [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "\\"), UInt8(ascii: "x")]
            HexCoding.append(element, to: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
