import Foundation
import XCTest

@testable import HromadaContracts

/// The sealed form of envelopes (`PersonalDataSealing`), with a stand-in cipher: what is sealed,
/// where it goes, what comes back, and what is refused. AES-256-GCM itself, the keyring and the
/// golden sealed fixtures opened with the test key are checked in SecurityTests'
/// `PersonalDataSealingTests`; the wire over the broker in `SealedBusTests`.
final class SealingTests: XCTestCase {
    /// Not encryption: reversible XOR plus a checksum over the associated data and the plaintext,
    /// so a wrong key, moved box or flipped byte fails to open as AES-GCM would.
    struct StandInCipher: PersonalDataCipher {
        var keyID = "stand-in"
        var mask: UInt8 = 0x5a

        func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> (keyID: String, box: [UInt8]) {
            (keyID, plaintext.map { $0 ^ mask } + Self.checksum(associatedData + [mask] + plaintext))
        }

        func open(_ box: [UInt8], keyID: String, associatedData: [UInt8]) throws -> [UInt8] {
            guard keyID == self.keyID, box.count >= 8 else { throw Refused() }
            let plaintext = box.dropLast(8).map { $0 ^ mask }
            guard Array(box.suffix(8)) == Self.checksum(associatedData + [mask] + plaintext) else { throw Refused() }
            return plaintext
        }

        struct Refused: Error {}

        /// FNV-1a, 64 bits.
        static func checksum(_ bytes: [UInt8]) -> [UInt8] {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return (0..<8).map { UInt8(truncatingIfNeeded: hash >> (8 * $0)) }
        }
    }

    let cipher = StandInCipher()

    /// Every string inside the personal fields of `envelope` (what must not travel in clear).
    static func personalStrings(_ envelope: Envelope) -> [String] {
        func strings(_ value: JSONValue) -> [String] {
            switch value {
            case .string(let s): return [s]
            case .array(let items): return items.flatMap(strings)
            case .object(let object): return object.values.flatMap(strings)
            default: return []
            }
        }
        return PersonalFields.paths(for: envelope.type).compactMap { envelope.payload[path: $0] }.flatMap(strings)
    }

    func testEverySampleSealsItsPersonalFieldsAndOpensBackExactly() throws {
        var sealedTypes = 0
        for sample in Samples.all {
            let clear = sample.envelope
            let sealed = try clear.sealingPersonalData(with: cipher)
            let personal = Self.personalStrings(clear)
            guard !personal.isEmpty else {
                XCTAssertEqual(sealed, clear, "\(sample.type) has no personal data and must not change")
                XCTAssertFalse(sealed.isSealed)
                continue
            }
            sealedTypes += 1
            XCTAssertTrue(sealed.isSealed, sample.type)
            XCTAssertEqual(sealed.personalPathsInClear, [], sample.type)
            let wire = String(decoding: try sealed.encoded(), as: UTF8.self)
            for value in personal where value.count >= 4 {
                XCTAssertFalse(wire.contains(value), "\(sample.type): a personal value travels in clear")
            }
            // Everything else is untouched and the envelope still parses as one.
            let reparsed = try Envelope.decode(from: try sealed.encoded())
            XCTAssertEqual(reparsed, sealed)
            XCTAssertEqual(reparsed.routingKey, clear.routingKey)
            var rest = reparsed.payload
            _ = rest.removing(path: [PersonalDataSealing.payloadKey])
            var expected = clear.payload
            for path in PersonalFields.paths(for: sample.type) { _ = expected.removing(path: path) }
            XCTAssertEqual(rest, expected, "\(sample.type): the fields that are not personal travel as before")
            let opened = try reparsed.openingPersonalData(with: cipher)
            XCTAssertEqual(opened, clear, sample.type)
            XCTAssertEqual(try opened.encoded(), try clear.encoded(), "\(sample.type) does not open byte for byte")
            try sample.checkDecode(opened)
        }
        XCTAssertGreaterThanOrEqual(sealedTypes, 9)
    }

    func testSealingIsIdempotentAndLeavesAbsentFieldsAbsent() throws {
        let sealed = try Samples.registered.envelope().sealingPersonalData(with: cipher)
        XCTAssertEqual(try sealed.sealingPersonalData(with: cipher), sealed)
        var bare = Samples.registered
        bare.coSigners = nil
        bare.representative = nil
        bare.location = nil
        bare.assistedBy = nil
        let envelope = try bare.envelope()
        let opened = try envelope.sealingPersonalData(with: cipher).openingPersonalData(with: cipher)
        XCTAssertEqual(opened, envelope)
        XCTAssertNil(opened.payload["coSigners"])
    }

    func testAnEnvelopeWithoutSealedDataOpensUnchanged() throws {
        // Events published before sealing (accepted for one release, docs/SECURITY.md).
        let clear = try Samples.registered.envelope()
        XCTAssertEqual(try clear.openingPersonalData(with: cipher), clear)
        XCTAssertEqual(try clear.openingPersonalData(with: nil), clear)
    }

    func testOpeningFailsClearlyWithoutTheRightKey() throws {
        let sealed = try Samples.registered.envelope().sealingPersonalData(with: cipher)
        assertSealedDataError(try sealed.openingPersonalData(with: nil), "holds no key")
        assertSealedDataError(try sealed.openingPersonalData(with: StandInCipher(keyID: "other")), "cannot be opened")
        assertSealedDataError(try sealed.openingPersonalData(with: StandInCipher(mask: 0x33)), "cannot be opened")
    }

    func testATamperedOrMovedBoxIsRefused() throws {
        let sealed = try Samples.registered.envelope().sealingPersonalData(with: cipher)
        var tampered = sealed
        var box = try XCTUnwrap(
            Data(base64Encoded: try XCTUnwrap(sealed.payload[path: ["sealed", "data"]]?.stringValue)))
        box[box.count / 2] ^= 0x01
        tampered.payload.setting(.string(box.base64EncodedString()), at: ["sealed", "data"])
        assertSealedDataError(try tampered.openingPersonalData(with: cipher), "cannot be opened")
        // The same box under another envelope id, type or producer does not open.
        var moved = sealed
        moved.id = UUID()
        assertSealedDataError(try moved.openingPersonalData(with: cipher), "cannot be opened")
        moved = sealed
        moved.producer = "hromada-routing"
        assertSealedDataError(try moved.openingPersonalData(with: cipher), "cannot be opened")
        var garbage = sealed
        garbage.payload.setting(.string("not base64 at all!"), at: ["sealed", "data"])
        assertSealedDataError(try garbage.openingPersonalData(with: cipher), "not base64")
        garbage.payload.setting(.string("AES-128-CBC"), at: ["sealed", "algorithm"])
        assertSealedDataError(try garbage.openingPersonalData(with: cipher), "algorithm")
    }

    func testABoxMayOnlyHoldTheTypesPersonalFields() throws {
        // A producer holding the key cannot smuggle ordinary fields (say, another category) in.
        var forged = try Samples.registered.envelope()
        _ = forged.payload.removing(path: ["category"])
        _ = forged.payload.removing(path: ["text"])
        try put(.object(["category": .string("roads"), "text": .string("x")]), sealedInto: &forged)
        assertSealedDataError(try forged.openingPersonalData(with: cipher), "not personal")
        // Nor a personal field that is also in clear.
        var both = try Samples.registered.envelope()
        _ = both.payload.removing(path: ["text"])
        try put(.object(["subject": .string("s")]), sealedInto: &both)
        assertSealedDataError(try both.openingPersonalData(with: cipher), "also in clear")
    }

    /// Seals `fields` as the box of `envelope` by hand, bypassing what `sealingPersonalData` checks.
    private func put(_ fields: JSONValue, sealedInto envelope: inout Envelope) throws {
        let box = try cipher.seal(
            try fields.canonicalBytes(), associatedData: PersonalDataSealing.associatedData(envelope))
        envelope.payload.setting(
            .object([
                "algorithm": .string("AES-256-GCM"), "keyId": .string(box.keyID),
                "data": .string(Data(box.box).base64EncodedString()),
            ]),
            at: [PersonalDataSealing.payloadKey])
    }

    func testErrorsNameTheFieldNeverAValue() throws {
        let sealed = try Samples.registered.envelope().sealingPersonalData(with: cipher)
        do {
            _ = try sealed.openingPersonalData(with: StandInCipher(mask: 1))
            XCTFail("opened with the wrong key")
        } catch let error as ContractError {
            XCTAssertEqual(error.field, "payload.sealed")
            for value in Self.personalStrings(try Samples.registered.envelope()) {
                XCTAssertFalse(error.description.contains(value))
            }
        }
    }

    /// Every field that looks personal in any sample is declared as personal by its type, so a new
    /// event cannot carry a name, contact or text unsealed by forgetting its declaration.
    func testEveryPersonalLookingFieldIsDeclared() throws {
        let personalKeys: Set<String> = [
            "fullName", "email", "phone", "text", "subject", "reason", "notice", "answerText", "trackingToken",
            "documentNumber", "address", "name",
        ]
        // Centres are public places (a library's name and address), not residents.
        let publicTypes: Set<String> = [CentreUpdated.eventType]
        func walk(_ value: JSONValue, _ path: [String], _ found: inout [[String]]) {
            guard case .object(let object) = value else {
                if case .array(let items) = value { for item in items { walk(item, path, &found) } }
                return
            }
            for (key, child) in object {
                if personalKeys.contains(key), child.stringValue != nil { found.append(path + [key]) }
                walk(child, path + [key], &found)
            }
        }
        for sample in Samples.all where !publicTypes.contains(sample.type) {
            var found: [[String]] = []
            walk(sample.envelope.payload, [], &found)
            let declared = PersonalFields.paths(for: sample.type)
            for path in found {
                XCTAssertTrue(
                    declared.contains { path.starts(with: $0) },
                    "\(sample.type): \(path.joined(separator: ".")) looks personal but is not in personalFields")
            }
        }
    }

    /// The golden sealed fixtures (Fixtures/sealed/, written by SecurityTests'
    /// `PersonalDataSealingTests` with the test key, which also opens them back to the clear ones):
    /// the documented shape, every other field as in the clear fixture, no personal value in clear.
    func testTheGoldenSealedFixturesHaveTheSealedShape() throws {
        for name in ["appeal.registered.v1.json", "ticket.answered.v1.json", "official.updated.v1.json"] {
            let url = try XCTUnwrap(
                Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/sealed"))
            let bytes = Array(try Data(contentsOf: url))
            let sealed = try Envelope.decode(from: bytes)
            XCTAssertEqual(try sealed.encoded(), bytes, "\(name) is canonical")
            let clearURL = try XCTUnwrap(
                Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures"))
            let clear = try Envelope.decode(from: try Data(contentsOf: clearURL))
            XCTAssertEqual(sealed.personalPathsInClear, [], name)
            let box = try XCTUnwrap(sealed.payload[PersonalDataSealing.payloadKey]?.objectValue, name)
            XCTAssertEqual(Set(box.keys), ["algorithm", "keyId", "data"])
            XCTAssertEqual(box["algorithm"]?.stringValue, "AES-256-GCM")
            XCTAssertEqual(box["keyId"]?.stringValue, "test-1")
            // nonce (12) + ciphertext + tag (16)
            XCTAssertGreaterThan(Data(base64Encoded: box["data"]?.stringValue ?? "")?.count ?? 0, 28)
            var rest = sealed
            _ = rest.payload.removing(path: [PersonalDataSealing.payloadKey])
            var expected = clear
            for path in PersonalFields.paths(for: clear.type) { _ = expected.payload.removing(path: path) }
            XCTAssertEqual(rest, expected, "\(name): the fields that are not personal travel as before")
            let text = String(decoding: bytes, as: UTF8.self)
            for value in Self.personalStrings(clear) where value.count >= 4 {
                XCTAssertFalse(text.contains(value), "\(name): a personal value in clear")
            }
        }
    }

    private func assertSealedDataError(
        _ body: @autoclosure () throws -> Envelope, _ fragment: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? ContractError else {
                return XCTFail("not a ContractError: \(error)", file: file, line: line)
            }
            XCTAssertEqual(error.code, .sealedData, file: file, line: line)
            XCTAssertEqual(error.field, "payload.sealed", file: file, line: line)
            XCTAssertTrue(error.reason.contains(fragment), "\(error.reason)", file: file, line: line)
        }
    }
}

extension AppealRegistered {
    func envelope() throws -> Envelope {
        try Envelope(
            event: self, id: Samples.id(1001), occurredAt: Samples.at("2026-11-27T12:15:30.123+02:00"),
            correlationId: appealId, causationId: nil, producer: Producers.intake)
    }
}
