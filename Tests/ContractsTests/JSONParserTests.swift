import Foundation
import XCTest

@testable import HromadaContracts

/// The hand-written parser must take exactly the texts `JSONDecoder` takes for `JSONValue` and
/// give equal values: the audit chain hashes what it parses, so a difference would be a fork.
final class JSONParserTests: XCTestCase {
    /// What `JSONValue.parse` did before the parser: `JSONDecoder` through `init(from:)`.
    private func decoderValue(_ text: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text))
    }

    private func parserValue(_ text: [UInt8]) -> JSONValue? { try? JSONParser.parse(text) }

    private let corpus: [String] = [
        "null", "true", "false", "0", "-0", "1", "-1", "42", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "1.5", "-2.25", "1e3", "1E-2", "2.0", "0.1", "123456789012345678901234567890",
        "\"\"", "\"plain\"", "\"Миколаїв, вул. Соборна 12/1\"", "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
        "\"\\u0041\\u00e9\\u0456\"",
        "\"\\ud83d\\ude00 emoji\"", "\"№ 5 — «лапки»\"", "[]", "[1,2,3]", " [ 1 , \"a\" , null ] ", "{}",
        "{\"a\":1}", "{\"a\":{\"b\":[true,false,{\"c\":null}]}}", "{\"a\":1,\"a\":2}", "[1,]", "{\"a\":1,}", "[1 , ]",
        "\n\t{ \"k\" : \"v\" }\r\n",
        "{\"payload\":{\"text\":\"Прошу відремонтувати дах\",\"n\":-3.5e-2}}",
        // Refused by both.
        "", " ", "nul", "tru", "True", "01", "-", "1.", ".5", "1e", "+1", "[,1]", "[1,,]", "{,}", "[,]", "{\"a\"}",
        "{\"a\":}",
        "{a:1}", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"", "\"\\ud83d alone\"",
        "\"\\ude00 low alone\"", "\"tab\tinside\"", "[1] 2", "{} {}", "1e400", "NaN", "Infinity", "[", "]",
    ]

    func testTheParserAgreesWithJSONDecoderOnTheCorpus() {
        for text in corpus {
            let bytes = Array(text.utf8)
            XCTAssertEqual(parserValue(bytes), decoderValue(bytes), "on \(text.debugDescription)")
            XCTAssertEqual(
                parserValue(bytes) == nil, decoderValue(bytes) == nil, "acceptance of \(text.debugDescription)")
        }
    }

    func testInvalidUTF8IsRefused() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22]] {
            XCTAssertNil(parserValue(bytes), "\(bytes)")
            XCTAssertNil(decoderValue(bytes), "\(bytes)")
        }
    }

    func testDeepNestingIsRefusedNotACrash() {
        let deep =
            Array(repeating: UInt8(ascii: "["), count: 100_000) + Array(repeating: UInt8(ascii: "]"), count: 100_000)
        XCTAssertNil(parserValue(deep))
        let fine = Array(repeating: UInt8(ascii: "["), count: 100) + Array(repeating: UInt8(ascii: "]"), count: 100)
        XCTAssertNotNil(parserValue(fine))
    }

    /// Random values, written by `JSONEncoder` and by the canonical writer, read back equal by both.
    func testGeneratedValuesRoundTripAsJSONDecoderReadsThem() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let value = Self.randomValue(depth: 0, using: &generator)
            for bytes in [try value.canonicalBytes(), Array(try JSONEncoder().encode(value))] {
                let parsed = try XCTUnwrap(parserValue(bytes), "round \(round)")
                XCTAssertEqual(parsed, decoderValue(bytes), "round \(round)")
                XCTAssertEqual(try parsed.canonicalBytes(), try value.canonicalBytes(), "round \(round)")
            }
        }
    }

    /// Every truncation of a real envelope is refused by both, never half-read.
    func testEveryPrefixOfAnEnvelopeIsRefusedByBoth() throws {
        let bytes = try Samples.all[0].envelope.encoded()
        for end in 0..<bytes.count {
            let prefix = Array(bytes[..<end])
            XCTAssertEqual(parserValue(prefix) == nil, decoderValue(prefix) == nil, "prefix of \(end) bytes")
        }
        XCTAssertNotNil(parserValue(bytes))
    }

    /// The fast path of `Envelope.decode` reads the same envelope as the `Decodable` one, and a
    /// malformed field still gets the `Decodable` path's error naming it.
    func testEnvelopesDecodeAsBeforeAndErrorsStillNameTheField() throws {
        for sample in Samples.all {
            let bytes = try sample.envelope.encoded()
            let fast = try Envelope.decode(from: bytes)
            let slow = try ContractCoding.decode(Envelope.self, from: try JSONValue.parse(bytes))
            XCTAssertEqual(fast, slow)
            XCTAssertEqual(try fast.encoded(), bytes)
        }
        var fields = try XCTUnwrap(try JSONValue.parse(try Samples.all[0].envelope.encoded()).objectValue)
        fields["correlationId"] = .string("not-a-uuid")
        XCTAssertThrowsError(try Envelope.decode(from: try JSONValue.object(fields).canonicalBytes())) { error in
            XCTAssertEqual((error as? ContractError)?.field, "correlationId")
        }
        fields["correlationId"] = nil
        XCTAssertThrowsError(try Envelope.decode(from: try JSONValue.object(fields).canonicalBytes())) { error in
            XCTAssertEqual((error as? ContractError)?.code, .missingField)
        }
    }

    private static func randomValue(depth: Int, using generator: inout SystemRandomNumberGenerator) -> JSONValue {
        let kind = Int.random(in: depth > 3 ? 0...4 : 0...6, using: &generator)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &generator))
        case 3: return .double(Double.random(in: -1e6...1e6, using: &generator))
        case 4: return .string(randomString(using: &generator))
        case 5:
            return .array(
                (0..<Int.random(in: 0...5, using: &generator)).map { _ in
                    randomValue(depth: depth + 1, using: &generator)
                })
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &generator) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    private static func randomString(using generator: inout SystemRandomNumberGenerator) -> String {
        let alphabet = Array("aZ09 \"\\/\n\t\u{1}\u{1F}ґєїі№«»—\u{7F}\u{2028}😀é")
        return String(
            (0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
