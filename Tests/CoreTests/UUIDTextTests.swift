import Foundation
import XCTest

@testable import HromadaCore

/// `UUID(text:)` must accept exactly what `UUID(uuidString:)` accepts, with the same value.
final class UUIDTextTests: XCTestCase {
    func testRandomIdentifiersInEitherCaseParseAsFoundationParsesThem() {
        for _ in 0..<2_000 {
            let id = UUID()
            for text in [id.uuidString, id.uuidString.lowercased(), mixedCase(id.uuidString)] {
                XCTAssertEqual(UUID(text: text), id, text)
                XCTAssertEqual(UUID(text: text), UUID(uuidString: text), text)
            }
        }
    }

    func testMalformedTextIsRefusedLikeFoundationRefusesIt() {
        let id = UUID().uuidString
        var texts = [
            "", "not-a-uuid", String(id.dropLast()), id + "0", "{\(id)}", id.replacingOccurrences(of: "-", with: ""),
            "g" + id.dropFirst(), " " + id.dropFirst(), id.replacingOccurrences(of: "-", with: "_"),
            "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
            "0000000-00000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-ffffffffffff", "+0000000-0000-0000-0000-000000000000",
            "00000000-0000-0000-0000-00000000000\u{0430}",
        ]
        // Every position changed to a character that does not belong there.
        for offset in 0..<36 {
            var characters = Array(id)
            characters[offset] = [8, 13, 18, 23].contains(offset) ? "0" : "-"
            texts.append(String(characters))
        }
        for text in texts {
            XCTAssertEqual(UUID(text: text), UUID(uuidString: text), text.debugDescription)
        }
    }

    private func mixedCase(_ text: String) -> String {
        String(text.enumerated().map { $0.offset.isMultiple(of: 2) ? Character($0.element.lowercased()) : $0.element })
    }
}
