import HromadaRuntime
import XCTest

@testable import HromadaContracts
@testable import Intake

final class ValidationTests: XCTestCase {
    static func valid() -> AppealSubmission {
        AppealSubmission(
            kind: "application", category: "heating",
            author: .init(
                fullName: "Шевченко Тарас Григорович",
                address: "вул. Потьомкінська, 143а, кв. 5",
                preferredLanguage: "uk"),
            subject: "Немає опалення",
            text: "У квартирі немає опалення вже третій тиждень.", consent: true)
    }

    func codes(_ s: AppealSubmission, channel: String = "api", centre: String? = "c1") -> [String: String] {
        switch AppealValidator.validate(s, channel: channel, authenticatedCentre: centre) {
        case .success: return [:]
        case .failure(let e):
            return Dictionary(e.errors.map { ($0.field ?? "-", $0.code) }, uniquingKeysWith: { a, _ in a })
        }
    }

    func testValidAppealPasses() {
        XCTAssertEqual(codes(Self.valid()), [:])
        if case .success(let v) = AppealValidator.validate(Self.valid(), channel: "api", authenticatedCentre: "c1") {
            XCTAssertEqual(v.centreId, "c1")
            XCTAssertEqual(v.author.preferredLanguage, .uk)
        } else {
            XCTFail()
        }
    }

    func testAnonymousOneWordNameAndEmptyAddress() {
        var s = Self.valid()
        s.author?.fullName = "Тарас"
        s.author?.address = "  "
        let c = codes(s)
        XCTAssertEqual(c["author.fullName"], "anonymous")
        XCTAssertEqual(c["author.address"], "anonymous")
        s.author = nil
        XCTAssertEqual(codes(s)["author"], "anonymous")
    }

    func testEveryErrorAtOnce() {
        let s = AppealSubmission(
            kind: "petition", category: "nope", author: .init(fullName: "A", address: "x", email: "bad", phone: "12ab"),
            subject: "a", text: "short", district: "atlantis", location: .init(lat: 100, lon: 0), consent: false,
            publish: true)
        let c = codes(s)
        for field in [
            "kind", "category", "author.fullName", "author.address", "author.email", "author.phone", "subject", "text",
            "district", "location.lat", "publish",
        ] {
            XCTAssertNotNil(c[field], field)
        }
    }

    /// Issue 20: consent is never a condition of registration (Art. 7 of the law on appeals; the
    /// personal-data law's legal-duty basis); it is needed only to publish the text.
    func testConsentIsNotRequiredButPublicationNeedsIt() throws {
        var s = Self.valid()
        s.consent = nil
        XCTAssertEqual(codes(s), [:])
        s.consent = false
        let valid = try XCTUnwrap(try? AppealValidator.validate(s, channel: "centre", authenticatedCentre: nil).get())
        XCTAssertFalse(valid.publicationConsent)
        s.publish = true
        XCTAssertEqual(codes(s)["publish"], "consent_required_for_publication")
        s.consent = true
        let published = try XCTUnwrap(
            try? AppealValidator.validate(s, channel: "centre", authenticatedCentre: nil).get())
        XCTAssertTrue(published.publicationConsent)
    }

    func testComplaintRules() {
        var s = Self.valid()
        s.kind = "complaint"
        XCTAssertEqual(codes(s)["against"], "required")
        s.against = "zhkg"
        XCTAssertEqual(codes(s), [:])
        s.against = "ministry-of-magic"
        XCTAssertEqual(codes(s)["against"], "unknown_authority")
        s.kind = "proposal"
        s.against = "zhkg"
        XCTAssertEqual(codes(s)["against"], "not_allowed")
    }

    func testElectronicNeedsEmailOnlyOnAPI() {
        var s = Self.valid()
        s.electronic = true
        XCTAssertEqual(codes(s, channel: "api")["author.email"], "email_required")
        XCTAssertEqual(codes(s, channel: "centre"), [:])
        s.author?.email = "taras@example.org"
        XCTAssertEqual(codes(s, channel: "api"), [:])
    }

    func testCentreMismatch() {
        var s = Self.valid()
        s.centreId = "other"
        XCTAssertEqual(codes(s, centre: "c1")["centreId"], "centre_mismatch")
        s.centreId = "c1"
        XCTAssertEqual(codes(s, centre: "c1"), [:])
    }

    func testTextBounds() {
        var s = Self.valid()
        s.text = String(repeating: "а", count: 10_001)
        XCTAssertEqual(codes(s)["text"], "too_long")
        s.text = "123456789"
        XCTAssertEqual(codes(s)["text"], "too_short")
    }

    func testRegistrationNumberFormat() {
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 123), "MK-2026-000123")
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 999_999), "MK-2026-999999")
    }

    func testSimilarity() {
        let a =
            "У квартирі немає опалення вже третій тиждень, "
            + "прошу допомогти."
        let b =
            "У квартирі немає опалення третій тиждень. "
            + "Прошу допомогти!"
        XCTAssertGreaterThanOrEqual(RepeatDetector.similarity(a, b), 0.5)
        XCTAssertLessThan(
            RepeatDetector.similarity(
                a,
                "Прошу відремонтувати дорогу "
                    + "на вулиці Соборній біля школи."), 0.5)
        XCTAssertEqual(
            RepeatDetector.authorKey(fullName: "Шевченко  Тарас", address: "вул. Садова, 1"),
            RepeatDetector.authorKey(fullName: "шевченко тарас", address: "Вул Садова 1"))
        XCTAssertEqual(
            RepeatDetector.bestMatch(text: a, candidates: [("MK-1", "інше зовсім"), ("MK-2", b)]), "MK-2")
    }

    func testCentreCorrelationIdIsStable() {
        XCTAssertEqual(CentreUpdated.correlationId(centreId: "lib-1"), CentreUpdated.correlationId(centreId: "lib-1"))
        XCTAssertNotEqual(
            CentreUpdated.correlationId(centreId: "lib-1"), CentreUpdated.correlationId(centreId: "lib-2"))
        // SHA-256("abc") known answer through the internal digest.
        XCTAssertEqual(
            CentreDigest.sha256(Array("abc".utf8)).map { String(format: "%02x", $0) }.joined(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testFormDataDecoding() {
        let f = FormData(query: "a=1+2&attribute%5Bdistrict%5D=zavodskyi&e=&x=%D0%B0")
        XCTAssertEqual(f["a"], "1 2")
        XCTAssertEqual(f["attribute[district]"], "zavodskyi")
        XCTAssertEqual(f["e"], "")
        XCTAssertEqual(f["x"], "а")
    }
}
