import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaTestSupport
import XCTest

/// Issue 13, item 2, in memory: personal fields sealed with AES-256-GCM (OpenSSL EVP) under the
/// test keyring; the golden sealed fixtures (Tests/ContractsTests/Fixtures/sealed/) open back to
/// the clear fixtures byte for byte; a wrong key, a retired key or a flipped byte fail clearly.
/// The wire itself (observer, dead letters) is `SealedBusTests`.
final class PersonalDataSealingTests: XCTestCase {
    /// The clear fixtures that have sealed twins.
    static let sealedFixtures = ["appeal.registered.v1.json", "ticket.answered.v1.json", "official.updated.v1.json"]
    static var fixtures: URL {
        IntegrationEnvironment.repositoryRoot.appendingPathComponent("Tests/ContractsTests/Fixtures")
    }

    static func clear(_ name: String) throws -> Envelope {
        try Envelope.decode(from: try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// Every string inside the envelope's personal fields.
    static func personalStrings(_ envelope: Envelope) -> [String] {
        func strings(_ value: JSONValue) -> [String] {
            switch value {
            case .string(let s): [s]
            case .array(let items): items.flatMap(strings)
            case .object(let object): object.values.flatMap(strings)
            default: []
            }
        }
        return PersonalFields.paths(for: envelope.type).compactMap { envelope.payload[path: $0] }.flatMap(strings)
    }

    /// `HROMADA_WRITE_FIXTURES=1` writes the sealed twins (fresh nonces: review and commit them once;
    /// they must keep opening with the test key from then on).
    func testWriteSealedFixturesWhenAsked() throws {
        guard IntegrationEnvironment.writesFixtures else { return }
        let folder = Self.fixtures.appendingPathComponent("sealed")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in Self.sealedFixtures {
            let sealed = try Self.clear(name).sealingPersonalData(with: TestSealing.keyring)
            try Data(try sealed.encoded()).write(to: folder.appendingPathComponent(name))
        }
    }

    func testTheGoldenSealedFixturesOpenExactlyToTheClearOnes() throws {
        for name in Self.sealedFixtures {
            let bytes = try Data(
                contentsOf: Self.fixtures.appendingPathComponent("sealed").appendingPathComponent(name))
            let sealed = try Envelope.decode(from: bytes)
            let clear = try Self.clear(name)
            XCTAssertTrue(sealed.isSealed, name)
            XCTAssertEqual(sealed.payload[path: ["sealed", "keyId"]]?.stringValue, TestSealing.keyring.currentKeyID)
            let text = String(decoding: bytes, as: UTF8.self)
            for value in Self.personalStrings(clear) where value.count >= 4 {
                XCTAssertFalse(text.contains(value), "\(name): a personal value is in clear")
            }
            let opened = try sealed.openingPersonalData(with: TestSealing.keyring)
            XCTAssertEqual(try opened.encoded(), try clear.encoded(), "\(name) does not open to its clear fixture")
        }
    }

    func testASealedEventHasNoneOfTheClearValuesAndOpensBackExactly() throws {
        for name in Self.sealedFixtures {
            let clear = try Self.clear(name)
            let sealed = try clear.sealingPersonalData(with: TestSealing.keyring)
            let wire = try sealed.encoded()
            let text = String(decoding: wire, as: UTF8.self)
            XCTAssertFalse(Self.personalStrings(clear).isEmpty, name)
            for value in Self.personalStrings(clear) where value.count >= 4 {
                XCTAssertFalse(text.contains(value), "\(name): a personal value is in clear")
            }
            // Two seals of one envelope differ (a fresh nonce each time) and both open.
            let again = try clear.sealingPersonalData(with: TestSealing.keyring)
            XCTAssertNotEqual(try again.encoded(), wire)
            XCTAssertEqual(try Envelope.decode(from: wire).openingPersonalData(with: TestSealing.keyring), clear)
            XCTAssertEqual(try again.openingPersonalData(with: TestSealing.keyring), clear)
        }
    }

    func testAWrongKeyARetiredKeyOrATamperedBoxFailClearly() throws {
        let clear = try Self.clear("appeal.registered.v1.json")
        let sealed = try clear.sealingPersonalData(with: TestSealing.keyring)
        assertRefused(try sealed.openingPersonalData(with: TestSealing.wrongKeyring), "authenticationFailed", clear)
        let other = try SealingKeyring.generate(keyID: "other")
        assertRefused(try sealed.openingPersonalData(with: other), "unknownKeyID", clear)
        assertRefused(try sealed.openingPersonalData(with: nil), "holds no key", clear)
        var tampered = sealed
        let data = try XCTUnwrap(sealed.payload[path: ["sealed", "data"]]?.stringValue)
        var box = try XCTUnwrap(Data(base64Encoded: data))
        box[box.count - 1] ^= 0x01
        tampered.payload = .object(
            (sealed.payload.objectValue ?? [:]).merging([
                "sealed": .object([
                    "algorithm": .string("AES-256-GCM"), "keyId": .string(TestSealing.keyring.currentKeyID),
                    "data": .string(box.base64EncodedString()),
                ])
            ]) { _, new in new })
        assertRefused(try tampered.openingPersonalData(with: TestSealing.keyring), "authenticationFailed", clear)
    }

    func testRotationOpensWhatTheOldKeySealedAndSealsWithTheNewOne() throws {
        let clear = try Self.clear("ticket.answered.v1.json")
        let old = try clear.sealingPersonalData(with: TestSealing.keyring)
        let rotated = try TestSealing.keyring.rotated(to: ("test-2", AES256GCM.generateKey()))
        XCTAssertEqual(try old.openingPersonalData(with: rotated), clear)
        let new = try clear.sealingPersonalData(with: rotated)
        XCTAssertEqual(new.payload[path: ["sealed", "keyId"]]?.stringValue, "test-2")
        XCTAssertEqual(try new.openingPersonalData(with: rotated), clear)
        // A service still on the old ring cannot open what the new key sealed: rotate every
        // service's ring (new key second, then first) before any service seals with it.
        assertRefused(try new.openingPersonalData(with: TestSealing.keyring), "unknownKeyID", clear)
    }

    func testTheKeysAreReadOnceFromTheEnvironmentAndNeverByHromadactl() throws {
        let environment = [EnvironmentVariable.sealingKeys.name: TestSealing.environmentValue]
        let configuration = try ServiceConfiguration.fromEnvironment(serviceName: "routing", environment: environment)
        XCTAssertEqual(configuration.sealingKeys?.keyIDs, TestSealing.keyring.keyIDs)
        XCTAssertEqual(Set(EnvironmentVariable.sealingKeys.readers), ["intake", "routing", "notification", "audit"])
        XCTAssertThrowsError(
            try ServiceConfiguration.fromEnvironment(
                serviceName: "routing", environment: [EnvironmentVariable.sealingKeys.name: "k1:not-a-key"])
        ) { error in
            XCTAssertTrue("\(error)".contains("HROMADA_SEALING_KEYS"), "\(error)")
            XCTAssertFalse("\(error)".contains("not-a-key"), "\(error)")
        }
    }

    /// The executables refuse to start without the keys (fail closed), and say which variable.
    func testAServiceExecutableDoesNotStartWithoutTheKeys() throws {
        let binary = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".build/debug/hromada-routing")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("hromada-routing is not built (swift build --build-tests builds it)")
        }
        // The message goes to stderr; the runner keeps stdout only.
        let withStderr = ["-c", "exec '\(binary.path)' 2>&1"]
        let (status, output) = try IntegrationEnvironment.run(
            "/bin/bash", withStderr, environment: ["PATH": "/usr/bin:/bin", "HROMADA_HTTP_PORT": "0"])
        XCTAssertEqual(status, 2, output)
        XCTAssertTrue(output.contains("HROMADA_SEALING_KEYS is required"), output)
        let (badStatus, badOutput) = try IntegrationEnvironment.run(
            "/bin/bash", withStderr,
            environment: ["PATH": "/usr/bin:/bin", "HROMADA_HTTP_PORT": "0", "HROMADA_SEALING_KEYS": "k1:c2hvcnQ"])
        XCTAssertEqual(badStatus, 2, badOutput)
        XCTAssertTrue(badOutput.contains("invalid HROMADA_SEALING_KEYS"), badOutput)
        XCTAssertFalse(badOutput.contains("c2hvcnQ"), "the key is never echoed")
    }

    private func assertRefused(
        _ body: @autoclosure () throws -> Envelope, _ fragment: String, _ clear: Envelope,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let error = error as? ContractError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(error.code, .sealedData, file: file, line: line)
            // What a dead letter's header would carry: the reason, never a value.
            let reason = error.redactedDescription
            XCTAssertTrue(reason.contains(fragment), reason, file: file, line: line)
            for value in Self.personalStrings(clear) where value.count >= 4 {
                XCTAssertFalse(reason.contains(value), file: file, line: line)
            }
        }
    }
}
