import Foundation
import HromadaContracts
import XCTest

/// "Identifiers are written lower-case everywhere; they are accepted in either case."
final class LowercaseUUIDTests: XCTestCase {
    let upper = UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!
    let other = UUID(uuidString: "ABCDEF01-2345-4678-9ABC-DEF012345678")!

    func testEnvelopeWritesItsIdsLowerCaseLikeTheAMQPMessageId() throws {
        let appealId = other
        let event = TicketAccepted(
            ticketId: upper, appealId: appealId, registrationNumber: "MK-2026-000001", authority: "zhkg",
            officialId: "official-1", acceptedAt: Date(timeIntervalSince1970: 1_800_000_000))
        let envelope = try Envelope(
            event: event, id: upper, correlationId: appealId, causationId: other, producer: "hromada-routing")
        let text = String(decoding: try envelope.encoded(), as: UTF8.self)
        XCTAssertFalse(text.contains("6F9619FF"), text)
        XCTAssertFalse(text.contains("ABCDEF01"), text)
        XCTAssertTrue(text.contains(#""id":"6f9619ff-8b86-d011-b42d-00c04fc964ff""#), text)
        XCTAssertTrue(text.contains(#""correlationId":"abcdef01-2345-4678-9abc-def012345678""#), text)
        XCTAssertTrue(text.contains(#""causationId":"abcdef01-2345-4678-9abc-def012345678""#), text)
        XCTAssertTrue(text.contains(#""ticketId":"6f9619ff-8b86-d011-b42d-00c04fc964ff""#), "payload ids too: \(text)")
        XCTAssertEqual(envelope.id.lowercaseUUID, "6f9619ff-8b86-d011-b42d-00c04fc964ff", "the message_id spelling")

        // Codable (e.g. an envelope inside an API response) writes the same.
        let viaCodable = String(decoding: try ContractCoding.makeEncoder().encode(envelope), as: UTF8.self)
        XCTAssertFalse(viaCodable.contains("6F9619FF"), viaCodable)
        XCTAssertEqual(try Envelope.decode(from: Array(viaCodable.utf8)), envelope)
    }

    func testEitherCaseIsAccepted() throws {
        let event = AppealReturned(
            appealId: upper, registrationNumber: "MK-2026-000001", reason: "r", returnedAt: Date(), returnedBy: nil)
        let envelope = try Envelope(
            event: event, id: other, correlationId: upper, causationId: nil, producer: "hromada-intake")
        let lower = String(decoding: try envelope.encoded(), as: UTF8.self)
        let shouted =
            lower
            .replacingOccurrences(
                of: "6f9619ff-8b86-d011-b42d-00c04fc964ff", with: "6F9619FF-8B86-D011-B42D-00C04FC964FF"
            )
            .replacingOccurrences(
                of: "abcdef01-2345-4678-9abc-def012345678", with: "ABCDEF01-2345-4678-9ABC-DEF012345678")
        XCTAssertNotEqual(shouted, lower)
        let decoded = try Envelope.decode(from: Array(shouted.utf8))
        XCTAssertEqual(decoded.id, envelope.id)
        XCTAssertEqual(decoded.correlationId, envelope.correlationId)
        XCTAssertEqual(try decoded.decode(AppealReturned.self), try envelope.decode(AppealReturned.self))
        // The envelope's own ids are written lower-case again; the payload is carried as received.
        let reencoded = String(decoding: try decoded.encoded(), as: UTF8.self)
        XCTAssertTrue(reencoded.contains(#""id":"abcdef01-2345-4678-9abc-def012345678""#), reencoded)
        XCTAssertTrue(reencoded.contains(#""correlationId":"6f9619ff-8b86-d011-b42d-00c04fc964ff""#), reencoded)
    }

    /// The encoder services use for their own JSON: every UUID lower-case wherever it sits, and
    /// everything else exactly as a plain JSONEncoder writes it.
    func testTheSharedEncoderLowercasesNestedOptionalAndCollectionUUIDs() throws {
        struct Inner: Codable, Equatable {
            var id: UUID
            var maybe: UUID?
            var none: UUID?
        }
        struct Outer: Codable, Equatable {
            var id: UUID
            var ids: [UUID]
            var byName: [String: UUID]
            var inner: Inner
            var inners: [Inner]
            var when: Date
            var bytes: Data
            var name: String
            var count: Int
        }
        let value = Outer(
            id: upper, ids: [upper, other], byName: ["a": other], inner: Inner(id: other, maybe: upper, none: nil),
            inners: [Inner(id: upper, maybe: nil, none: nil)], when: Date(timeIntervalSince1970: 0),
            bytes: Data([1, 2]),
            name: "Олена 6F9619FF", count: 3)

        let encoder = LowercaseUUIDJSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "6f9619ff-8b86-d011-b42d-00c04fc964ff").count - 1, 4, text)
        XCTAssertEqual(text.components(separatedBy: "abcdef01-2345-4678-9abc-def012345678").count - 1, 3, text)
        XCTAssertTrue(text.contains("Олена 6F9619FF"), "strings are left alone: \(text)")
        XCTAssertTrue(text.contains(#""when":0"#), "the date strategy still applies: \(text)")
        XCTAssertTrue(text.contains(#""bytes":"AQI=""#), text)
        XCTAssertFalse(text.contains("\"none\""), "absent optionals stay absent: \(text)")

        let plain = JSONEncoder()
        plain.outputFormatting = [.sortedKeys]
        plain.dateEncodingStrategy = .secondsSince1970
        let plainText = String(decoding: try plain.encode(value), as: UTF8.self)
        XCTAssertNotEqual(plainText, text, "Foundation alone writes upper-case")
        XCTAssertEqual(
            text,
            plainText
                .replacingOccurrences(
                    of: "6F9619FF-8B86-D011-B42D-00C04FC964FF", with: "6f9619ff-8b86-d011-b42d-00c04fc964ff"
                )
                .replacingOccurrences(
                    of: "ABCDEF01-2345-4678-9ABC-DEF012345678", with: "abcdef01-2345-4678-9abc-def012345678"))
        XCTAssertEqual(try JSONDecoder().decode(Outer.self, from: Data(text.utf8)).inner, value.inner)

        // A bare UUID and an array at the top level.
        XCTAssertEqual(
            String(decoding: try encoder.encode(upper), as: UTF8.self), #""6f9619ff-8b86-d011-b42d-00c04fc964ff""#)
        XCTAssertEqual(
            String(decoding: try encoder.encode([other]), as: UTF8.self), #"["abcdef01-2345-4678-9abc-def012345678"]"#)
        // The contract's own encoder is one of them.
        XCTAssertTrue(ContractCoding.makeEncoder() is LowercaseUUIDJSONEncoder)
        let json = try ContractCoding.jsonValue(value.inner)
        XCTAssertEqual(json["id"], "abcdef01-2345-4678-9abc-def012345678")
    }
}
