import Foundation
import XCTest

@testable import HromadaAMQP

/// Field tables through librabbitmq's own wire codec (amqp_encode_table / amqp_decode_table): no broker needed.
final class AMQPFieldTableTests: XCTestCase {
    func testEveryKindWeSendRoundTrips() throws {
        let table: AMQPTable = [
            "string": .string("Миколаїв — центр надання послуг"),
            "long": .string(String(repeating: "ж", count: 2_000)),
            "empty": .string(""),
            "int": .int(-42),
            "big": .int(Int64.max),
            "true": .bool(true),
            "false": .bool(false),
            "double": .double(3.25),
            "timestamp": .timestamp(Date(timeIntervalSince1970: 1_700_000_000)),
            "nested": .table(["inner": .table(["deep": .int(1)]), "list": .array([.string("a"), .int(2), .void])]),
            "emptyTable": .table([:]),
            "emptyArray": .array([]),
            "bytes": .bytes([0, 1, 2, 255]),
            "void": .void,
        ]
        let encoded = try AMQPTableWireCodec.encode(table)
        XCTAssertGreaterThan(encoded.count, 4_000)
        XCTAssertEqual(try AMQPTableWireCodec.decode(encoded), table)
    }

    func testEncodesIntsAsSigned64AndStringsAsLongStrings() throws {
        let encoded = try AMQPTableWireCodec.encode(["n": .int(7), "s": .string("x")])
        // 4-byte table length, then entries sorted by key: shortstr key "n", kind 'l', 8 bytes.
        XCTAssertEqual(Array(encoded[4..<7]), [1, UInt8(ascii: "n"), UInt8(ascii: "l")])
        XCTAssertEqual(Array(encoded[7..<15]), [0, 0, 0, 0, 0, 0, 0, 7])
        XCTAssertEqual(Array(encoded[15..<18]), [1, UInt8(ascii: "s"), UInt8(ascii: "S")])
    }

    /// Kinds we never send but a stock client (pika, Java, .NET) may.
    func testDecodesEveryKindAStockClientMaySend() throws {
        var body: [UInt8] = []
        func entry(_ key: String, _ kind: Character, _ payload: [UInt8]) {
            body.append(UInt8(key.utf8.count))
            body += Array(key.utf8)
            body.append(kind.asciiValue!)
            body += payload
        }
        func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
            withUnsafeBytes(of: value.bigEndian) { Array($0) }
        }
        entry("b", "b", [0xFE])  // int8 -2
        entry("B", "B", [0xFE])  // uint8 254
        entry("s", "s", bigEndian(Int16(-300)))
        entry("u", "u", bigEndian(UInt16(60_000)))
        entry("I", "I", bigEndian(Int32(-70_000)))
        entry("i", "i", bigEndian(UInt32(4_000_000_000)))
        entry("l", "l", bigEndian(Int64(-5_000_000_000)))
        entry("L", "L", bigEndian(UInt64(5_000_000_000)))
        entry("f", "f", bigEndian(Float(1.5).bitPattern))
        entry("d", "d", bigEndian(Double(-2.25).bitPattern))
        entry("D", "D", [2] + bigEndian(UInt32(125)))  // 1.25
        entry("t", "t", [1])
        entry("T", "T", bigEndian(UInt64(1_700_000_000)))
        entry("S", "S", bigEndian(UInt32(3)) + Array("abc".utf8))
        entry("x", "x", bigEndian(UInt32(2)) + [9, 8])
        entry("V", "V", [])
        entry("A", "A", bigEndian(UInt32(3)) + [UInt8(ascii: "B"), 7, UInt8(ascii: "V")])
        entry("F", "F", bigEndian(UInt32(4)) + [1, UInt8(ascii: "k"), UInt8(ascii: "t"), 0])
        let decoded = try AMQPTableWireCodec.decode(bigEndian(UInt32(body.count)) + body)

        XCTAssertEqual(decoded["b"], .int(-2))
        XCTAssertEqual(decoded["B"], .int(254))
        XCTAssertEqual(decoded["s"], .int(-300))
        XCTAssertEqual(decoded["u"], .int(60_000))
        XCTAssertEqual(decoded["I"], .int(-70_000))
        XCTAssertEqual(decoded["i"], .int(4_000_000_000))
        XCTAssertEqual(decoded["l"], .int(-5_000_000_000))
        XCTAssertEqual(decoded["L"], .int(5_000_000_000))
        XCTAssertEqual(decoded["f"], .double(1.5))
        XCTAssertEqual(decoded["d"], .double(-2.25))
        XCTAssertEqual(decoded["D"], .double(1.25))
        XCTAssertEqual(decoded["t"], .bool(true))
        XCTAssertEqual(decoded["T"], .timestamp(Date(timeIntervalSince1970: 1_700_000_000)))
        XCTAssertEqual(decoded["S"], .string("abc"))
        XCTAssertEqual(decoded["x"], .bytes([9, 8]))
        XCTAssertEqual(decoded["V"], .void)
        XCTAssertEqual(decoded["A"], .array([.int(7), .void]))
        XCTAssertEqual(decoded["F"], .table(["k": .bool(false)]))
        XCTAssertEqual(decoded.count, 18)
    }

    func testInvalidUTF8LongStringDecodesAsBytes() throws {
        let payload: [UInt8] = [0, 0, 0, 2, 0xC3, 0x28]
        let body: [UInt8] = [1, UInt8(ascii: "k"), UInt8(ascii: "S")] + payload
        let decoded = try AMQPTableWireCodec.decode([0, 0, 0, UInt8(body.count)] + body)
        XCTAssertEqual(decoded["k"], .bytes([0xC3, 0x28]))
    }

    func testTruncatedTableIsAnError() {
        XCTAssertThrowsError(try AMQPTableWireCodec.decode([0, 0, 0, 10, 1, UInt8(ascii: "k")])) { error in
            XCTAssertEqual((error as? AMQPError)?.code, .protocolError)
        }
    }
}
