import Foundation
import XCTest

@testable import HromadaContracts

/// Golden fixtures: any change to the wire format of any event fails here.
/// To regenerate after an intended, versioned change: `HROMADA_WRITE_FIXTURES=1 swift test --filter FixtureTests`
/// (writes into the source tree), then review the diff.
final class FixtureTests: XCTestCase {
    private var sourceFixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try XCTUnwrap(
            Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"),
            "missing fixture \(name)")
        return Array(try Data(contentsOf: url))
    }

    func testWriteFixturesWhenAsked() throws {
        guard ProcessInfo.processInfo.environment["HROMADA_WRITE_FIXTURES"] == "1" else { return }
        for sample in Samples.all {
            try Data(try sample.envelope.encoded()).write(to: sourceFixtures.appendingPathComponent(sample.fixtureName))
        }
    }

    func testEveryCatalogueEventHasASample() {
        XCTAssertEqual(Set(Samples.all.map(\.type)), Set(EventCatalogue.entries.map(\.type)))
    }

    func testSwiftBuiltEventsEncodeExactlyAsTheFixtures() throws {
        for sample in Samples.all {
            let expected = try fixture(sample.fixtureName)
            let actual = try sample.envelope.encoded()
            XCTAssertEqual(
                String(decoding: actual, as: UTF8.self), String(decoding: expected, as: UTF8.self),
                "\(sample.fixtureName): wire format changed")
        }
    }

    func testFixturesDecodeAndReencodeByteForByte() throws {
        for sample in Samples.all {
            let bytes = try fixture(sample.fixtureName)
            let envelope = try Envelope.decode(from: bytes)
            XCTAssertEqual(try envelope.encoded(), bytes, "\(sample.fixtureName) does not re-encode identically")
            XCTAssertEqual(envelope, sample.envelope)
            XCTAssertTrue(EventCatalogue.isKnown(type: envelope.type, version: envelope.version))
            try sample.checkDecode(envelope)
        }
    }

    func testPersonalFieldPathsExistInTheSamples() throws {
        for sample in Samples.all {
            for path in PersonalFields.paths(for: sample.type) {
                XCTAssertNotNil(sample.envelope.payload[path: path], "\(sample.type): \(path) not in payload")
            }
        }
        XCTAssertEqual(PersonalFields.paths(for: "appeal.registered").count, 10)
        XCTAssertTrue(PersonalFields.paths(for: "appeal.registered").contains(["author"]))
        XCTAssertTrue(PersonalFields.paths(for: "appeal.registered").contains(["coSigners"]))
        XCTAssertTrue(PersonalFields.paths(for: "appeal.registered").contains(["representative"]))
        XCTAssertEqual(PersonalFields.paths(for: "audit.checkpoint"), [])
        XCTAssertEqual(PersonalFields.paths(for: "no.such-event"), [])
    }

    func testFixtureShapeIsTheDocumentedOne() throws {
        let text = String(decoding: try fixture("ticket.assigned.v1.json"), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix(#"{"causationId":"00000000-0000-4000-8000-000000000100","correlationId":"#), text)
        XCTAssertTrue(text.contains(#""occurredAt":"2026-11-27T10:15:30.123+00:00""#), text)
        XCTAssertTrue(text.contains(#""deadline":"2026-12-12""#), text)
        XCTAssertTrue(text.contains(#""assignedAt":"2026-11-27T10:15:31.000+00:00""#), text)
        XCTAssertFalse(text.contains("previousAuthority"), "absent optionals are omitted")
        let registered = String(decoding: try fixture("appeal.registered.v1.json"), as: UTF8.self)
        XCTAssertTrue(registered.contains(#""causationId":null"#))
        XCTAssertTrue(registered.contains("12/3"), "slashes are not escaped")
        XCTAssertTrue(registered.contains("Олена"), "non-ASCII is written as UTF-8")
    }
}
