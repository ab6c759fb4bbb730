import Foundation
import HromadaContracts
import HromadaRuntime
import XCTest

@testable import Intake

/// Art. 5 / Art. 8 validation, in memory: every rule, one field at a time.
final class AppealRulesTests: XCTestCase {
    static func valid() -> AppealSubmission { ValidationTests.valid() }

    func problems(
        _ s: AppealSubmission, channel: String = AppealValidator.Channel.api, centre: String? = "c1"
    ) -> [FieldProblem] {
        switch AppealValidator.validate(s, channel: channel, authenticatedCentre: centre) {
        case .success: return []
        case .failure(let failure): return failure.errors
        }
    }

    /// Each field the law requires, left out alone, gives exactly one problem naming that field.
    func testEachRequiredFieldMissingNamesItself() {
        let cases: [(String, String, (inout AppealSubmission) -> Void)] = [
            ("kind", "required", { $0.kind = nil }),
            ("category", "required", { $0.category = nil }),
            ("author", "anonymous", { $0.author = nil }),
            ("author.fullName", "required", { $0.author?.fullName = nil }),
            ("author.address", "anonymous", { $0.author?.address = nil }),
            ("subject", "required", { $0.subject = nil }),
            ("text", "required", { $0.text = nil }),
            // Issue 20: consent is no longer required (Art. 7); asking to publish needs it.
            (
                "publish", "consent_required_for_publication",
                {
                    $0.consent = nil
                    $0.publish = true
                }
            ),
        ]
        for (field, code, strip) in cases {
            var s = Self.valid()
            strip(&s)
            let found = problems(s)
            XCTAssertEqual(found.map(\.field), [field], "without \(field)")
            XCTAssertEqual(found.first?.code, code, field)
            // Blank counts as missing.
            var blank = Self.valid()
            switch field {
            case "subject": blank.subject = "   "
            case "text": blank.text = "\n\t"
            case "author.fullName": blank.author?.fullName = " "
            case "author.address": blank.author?.address = ""
            case "kind": blank.kind = " "
            case "category": blank.category = ""
            default: continue
            }
            XCTAssertEqual(problems(blank).map(\.field), [field], "blank \(field)")
        }
    }

    func testValidAppealIsNormalised() throws {
        var s = Self.valid()
        s.author?.fullName = "  Шевченко   Тарас  "
        s.author?.phone = "+380 (67) 123-45-67"
        s.subject = "  Тема  "
        guard case .success(let v) = AppealValidator.validate(s, channel: "api", authenticatedCentre: "c1") else {
            return XCTFail("valid appeal refused")
        }
        XCTAssertEqual(v.author.fullName, "Шевченко Тарас")
        XCTAssertEqual(v.author.phone, "+380671234567")
        XCTAssertEqual(v.subject, "Тема")
        XCTAssertEqual(v.centreId, "c1")
        XCTAssertEqual(v.confidential, false)
        XCTAssertNil(v.against)
    }

    func testEmailRequiredOnlyForElectronicAppealsOnTheAPI() {
        var s = Self.valid()
        s.electronic = true
        XCTAssertEqual(problems(s, channel: "api").map(\.code), ["email_required"])
        XCTAssertEqual(problems(s, channel: "open311"), [])
        XCTAssertEqual(problems(s, channel: "centre"), [])
        s.electronic = false
        XCTAssertEqual(problems(s, channel: "api"), [], "not electronic: no email needed")
        s.electronic = true
        s.author?.email = "bad@"
        XCTAssertEqual(problems(s, channel: "api").map(\.code), ["invalid_email"])
        s.author?.email = "taras@example.org"
        XCTAssertEqual(problems(s, channel: "api"), [])
    }

    func testLengthBounds() {
        func codes(_ change: (inout AppealSubmission) -> Void) -> [String: String] {
            var s = Self.valid()
            change(&s)
            return Dictionary(problems(s).map { ($0.field ?? "-", $0.code) }, uniquingKeysWith: { a, _ in a })
        }
        XCTAssertEqual(codes { $0.subject = "ab" }, ["subject": "too_short"])
        XCTAssertEqual(codes { $0.subject = "abc" }, [:])
        XCTAssertEqual(codes { $0.subject = String(repeating: "т", count: 200) }, [:])
        XCTAssertEqual(codes { $0.subject = String(repeating: "т", count: 201) }, ["subject": "too_long"])
        XCTAssertEqual(codes { $0.text = String(repeating: "т", count: 10) }, [:])
        XCTAssertEqual(codes { $0.text = String(repeating: "т", count: 10_000) }, [:])
        XCTAssertEqual(codes { $0.text = String(repeating: "т", count: 10_001) }, ["text": "too_long"])
        XCTAssertEqual(
            codes {
                $0.author?.fullName = String(repeating: "Ш", count: 100) + " " + String(repeating: "Т", count: 101)
            },
            ["author.fullName": "too_long"])
        XCTAssertEqual(codes { $0.author?.address = "вул." }, ["author.address": "too_short"])
        XCTAssertEqual(
            codes { $0.author?.address = String(repeating: "а", count: 301) }, ["author.address": "too_long"])
        XCTAssertEqual(codes { $0.assistedBy = String(repeating: "О", count: 201) }, ["assistedBy": "too_long"])
        XCTAssertEqual(
            codes { $0.location = .init(lat: 46.9, lon: 32.0, address: String(repeating: "а", count: 301)) },
            ["location.address": "too_long"])
    }

    func testLengthProblemsCarryTheBoundForTheMessage() {
        var s = Self.valid()
        s.subject = "ab"
        let problem = problems(s).first
        XCTAssertEqual(problem?.messageKey, "errTooShort")
        XCTAssertEqual(problem?.arguments["min"], "3")
        XCTAssertEqual(problem?.arguments["field"], "subject")
    }

    func testReferenceCodes() {
        func codes(_ change: (inout AppealSubmission) -> Void) -> [String: String] {
            var s = Self.valid()
            change(&s)
            return Dictionary(problems(s).map { ($0.field ?? "-", $0.code) }, uniquingKeysWith: { a, _ in a })
        }
        for category in Reference.categories.map(\.code) {
            XCTAssertEqual(codes { $0.category = category }, [:], category)
        }
        XCTAssertEqual(codes { $0.category = "unicorns" }, ["category": "unknown_category"])
        XCTAssertEqual(codes { $0.category = "HEATING" }, ["category": "unknown_category"], "codes are exact slugs")
        for district in Reference.districts.map(\.code) {
            XCTAssertEqual(codes { $0.district = district }, [:], district)
        }
        XCTAssertEqual(codes { $0.district = "atlantis" }, ["district": "unknown_district"])
        for benefit in Reference.benefitCategories.map(\.code) {
            XCTAssertEqual(codes { $0.author?.benefitCategory = benefit }, [:], benefit)
        }
        XCTAssertEqual(
            codes { $0.author?.benefitCategory = "royalty" }, ["author.benefitCategory": "unknown_benefit_category"])
        XCTAssertEqual(codes { $0.kind = "petition" }, ["kind": "invalid_value"])
        XCTAssertEqual(codes { $0.author?.preferredLanguage = "de" }, ["author.preferredLanguage": "invalid_value"])
        XCTAssertEqual(codes { $0.author?.phone = "12ab" }, ["author.phone": "invalid_phone"])
        XCTAssertEqual(codes { $0.location = .init(lat: 46.9, lon: 181) }, ["location.lon": "out_of_range"])
        XCTAssertEqual(codes { $0.location = .init(lat: 46.9) }, ["location": "incomplete"])
    }

    func testComplaintAgainst() {
        var s = Self.valid()
        s.kind = "complaint"
        XCTAssertEqual(problems(s).map(\.code), ["required"])
        XCTAssertEqual(problems(s).map(\.field), ["against"])
        for authority in Reference.authorities.map(\.code) {
            s.against = authority
            XCTAssertEqual(problems(s), [], authority)
        }
        s.against = "ministry-of-magic"
        XCTAssertEqual(problems(s).map(\.code), ["unknown_authority"])
        for kind in ["application", "proposal"] {
            s.kind = kind
            s.against = "zhkg"
            XCTAssertEqual(problems(s).map(\.code), ["not_allowed"], kind)
        }
        // An invalid kind is reported once; `against` is not judged against an unknown kind.
        s.kind = "petition"
        XCTAssertEqual(problems(s).map(\.field), ["kind"])
        if case .success(let v) = AppealValidator.validate(
            {
                var c = Self.valid()
                c.kind = "complaint"
                c.against = " zhkg "
                return c
            }(),
            channel: "api", authenticatedCentre: nil)
        {
            XCTAssertEqual(v.against, "zhkg")
        } else {
            XCTFail("complaint refused")
        }
    }

    /// Every message key the rules can produce exists in both catalogues.
    func testEveryProblemHasCatalogueMessagesInBothLanguages() throws {
        let strings = try IntakeStrings.load()
        let s = AppealSubmission(
            kind: "complaint", category: "nope",
            author: .init(
                fullName: "A", address: "x", email: "bad", phone: "12ab", preferredLanguage: "de",
                benefitCategory: "royalty"),
            subject: "a", text: String(repeating: "т", count: 10_001), district: "atlantis",
            location: .init(lat: 100, lon: 200), centreId: "other", assistedBy: String(repeating: "О", count: 201),
            consent: false, against: "nobody", electronic: true)
        var all = problems(s)
        all += problems(
            {
                var c = Self.valid()
                c.publish = true
                c.consent = false
                c.coSigners = [.init(fullName: "Іван", address: nil)] + Array(repeating: .init(), count: 0)
                c.representative = .init(documentKind: "letter", documentNumber: "", documentDate: "2099-01-01")
                c.reception = .init(headName: "Голова", heldOn: "2000-01-01")
                c.receivedOn = "yesterday"
                return c
            }())
        all += problems(
            {
                var c = Self.valid()
                c.coSigners = Array(repeating: .init(), count: AppealValidator.maximumCoSigners + 1)
                return c
            }())
        all += problems(AppealSubmission())
        all += problems(
            {
                var c = Self.valid()
                c.kind = "complaint"
                return c
            }())
        all += problems(
            {
                var c = Self.valid()
                c.against = "zhkg"
                return c
            }())
        all += problems(
            {
                var c = Self.valid()
                c.location = .init(lat: 1)
                return c
            }())
        all += problems(
            {
                var c = Self.valid()
                c.author?.fullName = "Тарас"
                c.author?.address = nil
                return c
            }())
        all += problems(
            {
                var c = Self.valid()
                c.kind = nil
                c.category = nil
                return c
            }())
        if case .failure(let f) = CentreRegistration.validate(id: "-", name: "", address: "", key: "", active: nil) {
            all += f.errors
        }
        let keys = Set(all.map(\.messageKey))
        XCTAssertGreaterThanOrEqual(keys.count, 25)
        for problem in all {
            for language in Language.allCases {
                XCTAssertNotNil(strings.strings(language)[problem.messageKey], "\(problem.messageKey) in \(language)")
            }
            let error = strings.fieldError(problem)
            XCTAssertFalse(error.message.contains("{"), error.message)
            XCTAssertFalse(error.messageUk?.contains("{") ?? true, error.messageUk ?? "")
            XCTAssertNotEqual(error.message, error.messageUk, problem.messageKey)
        }
        var short = Self.valid()
        short.text = "коротко"
        let message = try XCTUnwrap(problems(short).first.map(strings.fieldError))
        XCTAssertEqual(message.message, "text must have at least 10 characters")
        XCTAssertEqual(message.messageUk, "«Текст звернення»: щонайменше 10 символів")
    }

    func testCentreRegistration() {
        guard
            case .success(let centre) = CentreRegistration.validate(
                id: "central-library", name: "  ЦОГ  ", address: "вул. Потьомкінська, 143а",
                key: "centre-key-0123456789", active: nil)
        else { return XCTFail("valid centre refused") }
        XCTAssertEqual(centre.name, "ЦОГ")
        XCTAssertTrue(centre.active)
        XCTAssertEqual(centre.keyHash.count, 64)
        XCTAssertFalse(centre.keyHash.contains("centre-key"))
        XCTAssertEqual(centre.updatedEvent(at: Date()).centreId, "central-library")
        guard
            case .failure(let failure) = CentreRegistration.validate(
                id: "Central_Library", name: "x", address: "вул", key: "short", active: false)
        else { return XCTFail("invalid centre accepted") }
        XCTAssertEqual(failure.errors.map(\.field), ["id", "name", "address", "key"])
        XCTAssertFalse(CentreRegistration.isCentreId("-lib"))
        XCTAssertFalse(CentreRegistration.isCentreId("l"))
        XCTAssertTrue(CentreRegistration.isCentreId("lib-5"))
        XCTAssertFalse(CentreRegistration.isCentreId(String(repeating: "a", count: 65)))
    }
}
