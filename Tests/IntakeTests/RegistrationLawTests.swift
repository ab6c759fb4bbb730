import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// The registration side of issue 20, rule by rule, in memory (docs/law/registration.md).
final class RegistrationLawTests: XCTestCase {
    static let today = LocalDate(year: 2026, month: 11, day: 30)!

    static func valid() -> AppealSubmission {
        AppealSubmission(
            kind: "application", category: "heating",
            author: .init(
                fullName: "Шевченко Тарас Григорович",
                address: "вул. Потьомкінська, 143а, кв. 5"),
            subject: "Немає опалення",
            text: "У квартирі немає опалення вже третій тиждень.")
    }

    func validate(_ s: AppealSubmission, channel: String = "centre") -> Result<ValidAppeal, ValidationFailure> {
        AppealValidator.validate(s, channel: channel, authenticatedCentre: nil, today: Self.today)
    }

    func codes(_ s: AppealSubmission) -> [String: String] {
        guard case .failure(let f) = validate(s) else { return [:] }
        return Dictionary(f.errors.map { ($0.field ?? "-", $0.code) }, uniquingKeysWith: { a, _ in a })
    }

    func valid(_ s: AppealSubmission, channel: String = "centre") throws -> ValidAppeal {
        try validate(s, channel: channel).get()
    }

    // MARK: Art. 7 + personal-data law: consent is never a condition

    func testNoConsentStillRegistersAndPublishWithoutConsentIsRefused() throws {
        var s = Self.valid()
        s.consent = nil
        XCTAssertFalse(try valid(s).publicationConsent)
        s.publish = true
        XCTAssertEqual(codes(s), ["publish": "consent_required_for_publication"])
        s.consent = true
        XCTAssertTrue(try valid(s).publicationConsent)
        let event = NewAppeal(
            appeal: try valid(s), channel: "centre", sequence: 1, registeredAt: Date(), trackingToken: "t",
            repeatOf: nil
        ).event
        XCTAssertEqual(event.consents, .init(publication: true))
    }

    // MARK: Art. 5: collective appeals and representatives

    func testCoSignersEachNeedNameAndResidenceNamedByIndex() throws {
        var s = Self.valid()
        s.coSigners = [
            .init(fullName: "Коваленко Марія", address: "вул. Садова, 1, кв. 2"),
            .init(fullName: "Іван", address: "вул. Садова, 1, кв. 3"),
            .init(fullName: "Петренко Олег", address: nil),
        ]
        XCTAssertEqual(codes(s), ["coSigners[1].fullName": "anonymous", "coSigners[2].address": "required"])
        s.coSigners?[1].fullName = "Бондар  Іван"
        s.coSigners?[2].address = "вул. Садова, 1, кв. 4"
        let appeal = try valid(s)
        XCTAssertEqual(appeal.coSigners.count, 3)
        XCTAssertEqual(appeal.coSigners[1].fullName, "Бондар Іван")
        let new = NewAppeal(
            appeal: appeal, channel: "centre", sequence: 1, registeredAt: Date(), trackingToken: "t", repeatOf: nil)
        XCTAssertEqual(new.classifier.form, "collective")
        XCTAssertEqual(new.event.coSigners?.count, 3)
        XCTAssertEqual(
            new.event.author.fullName, "Шевченко Тарас Григорович",
            "the first signer is the contact")
        s.coSigners = Array(repeating: .init(fullName: "А Б", address: "вул. Садова, 1"), count: 501)
        XCTAssertEqual(codes(s)["coSigners"], "too_many")
        s.coSigners = []
        XCTAssertEqual(
            NewAppeal(
                appeal: try valid(s), channel: "centre", sequence: 1, registeredAt: Date(), trackingToken: "t",
                repeatOf: nil
            ).event.coSigners, nil)
    }

    func testRepresentativeNeedsDocumentOfPowers() throws {
        var s = Self.valid()
        s.representative = .init(fullName: "Мельник Ольга", address: "вул. Миру, 3")
        XCTAssertEqual(
            codes(s),
            [
                "representative.documentKind": "required", "representative.documentNumber": "required",
                "representative.documentDate": "required",
            ])
        s.representative?.documentKind = "letter"
        s.representative?.documentNumber = "НОА 123456"
        s.representative?.documentDate = "2026-12-01"
        XCTAssertEqual(
            codes(s), ["representative.documentKind": "invalid_value", "representative.documentDate": "in_future"])
        s.representative?.documentKind = "power-of-attorney"
        s.representative?.documentDate = "2026-31-01"
        XCTAssertEqual(codes(s), ["representative.documentDate": "invalid_date"])
        s.representative?.documentDate = "2025-06-15"
        let appeal = try valid(s)
        XCTAssertEqual(
            appeal.representative,
            .init(
                fullName: "Мельник Ольга", address: "вул. Миру, 3",
                documentKind: "power-of-attorney",
                documentNumber: "НОА 123456", documentDate: LocalDate(year: 2025, month: 6, day: 15)!))
        let event = NewAppeal(
            appeal: appeal, channel: "api", sequence: 1, registeredAt: Date(), trackingToken: "t", repeatOf: nil
        ).event
        XCTAssertEqual(event.representative?.documentNumber, "НОА 123456")
    }

    // MARK: Art. 22: personal reception

    func testPersonalReceptionRecordsHeadAndDay() throws {
        var s = Self.valid()
        s.reception = .init(headName: nil, heldOn: "2026-11-31")
        XCTAssertEqual(codes(s), ["reception.headName": "required", "reception.heldOn": "invalid_date"])
        s.reception = .init(headName: "Сєнкевич Олександр", heldOn: "2026-11-19")
        XCTAssertEqual(codes(s), ["reception.heldOn": "too_early"])
        s.reception?.heldOn = "2026-11-27"
        let appeal = try valid(s, channel: AppealValidator.Channel.reception)
        let registeredAt = LocalDate(year: 2026, month: 11, day: 30)!.startOfDay().addingTimeInterval(3600)
        let new = NewAppeal(
            appeal: appeal, channel: AppealValidator.Channel.reception, sequence: 1, registeredAt: registeredAt,
            trackingToken: "t", repeatOf: nil)
        XCTAssertEqual(new.classifier.arrival, "personal-reception")
        XCTAssertEqual(
            new.event.reception,
            .init(headName: "Сєнкевич Олександр", heldOn: LocalDate(string: "2026-11-27")!))
        XCTAssertEqual(new.event.channel, "reception")
    }

    // MARK: Paper received while the system was down

    func testLateEntryBoundsAndTermsStartOnArrival() throws {
        var s = Self.valid()
        s.receivedOn = "2026-12-01"
        XCTAssertEqual(codes(s), ["receivedOn": "in_future", "enteredBy": "required"])
        s.receivedOn = "2026-11-19"
        s.enteredBy = "Оксана Бойко"
        XCTAssertEqual(codes(s), ["receivedOn": "too_early"])
        s.receivedOn = nil
        XCTAssertEqual(codes(s), ["receivedOn": "required"])
        s.receivedOn = "2026-11-20"  // exactly ten days back: accepted
        let appeal = try valid(s)
        XCTAssertEqual(
            appeal.lateEntry, .init(receivedOn: LocalDate(string: "2026-11-20")!, enteredBy: "Оксана Бойко"))
        let registeredAt = Self.today.startOfDay().addingTimeInterval(3600)
        let new = NewAppeal(
            appeal: appeal, channel: "centre", sequence: 5, registeredAt: registeredAt, trackingToken: "t",
            repeatOf: nil)
        XCTAssertEqual(new.registeredOn, Self.today, "registered today")
        XCTAssertEqual(new.termsStartOn, LocalDate(string: "2026-11-20")!, "terms run from the arrival")
        XCTAssertEqual(new.event.termsStartOn, LocalDate(string: "2026-11-20")!)
        XCTAssertEqual(new.event.lateEntry?.enteredBy, "Оксана Бойко")
        XCTAssertEqual(new.classifier.arrival, "post")
        // Today is not late: no flag, terms from today.
        s.receivedOn = "2026-11-30"
        let onTime = NewAppeal(
            appeal: try valid(s), channel: "centre", sequence: 6, registeredAt: registeredAt, trackingToken: "t",
            repeatOf: nil)
        XCTAssertNil(onTime.event.lateEntry)
        XCTAssertEqual(onTime.termsStartOn, Self.today)
    }

    // MARK: Resolution 858's classifier

    func testArrivalFromChannel() throws {
        let appeal = try valid(Self.valid())
        XCTAssertEqual(Classification.arrival(of: appeal, channel: "centre"), "centre")
        XCTAssertEqual(Classification.arrival(of: appeal, channel: "open311"), "electronic")
        XCTAssertEqual(Classification.arrival(of: appeal, channel: "api"), "electronic")
        XCTAssertEqual(Classification.arrival(of: appeal, channel: "reception"), "personal-reception")
    }

    /// Art. 8 / Instruction 348: on an issue already decided (or whose term ran out) → repeat;
    /// on one still within its term → duplicate; otherwise first. No 30-day window.
    func testFrequency() {
        let today = Self.today
        XCTAssertEqual(Classification.frequency(earlier: nil, today: today), "first")
        for undecided in [PublicStatus.returned, .notConsidered] {
            let earlier = Classification.Earlier(registrationNumber: "MK-2024-000001", status: undecided, deadline: nil)
            XCTAssertEqual(Classification.frequency(earlier: earlier, today: today), "first", "\(undecided)")
        }
        for decided in [PublicStatus.answered, .closed] {
            let earlier = Classification.Earlier(registrationNumber: "MK-2024-000001", status: decided, deadline: nil)
            XCTAssertEqual(Classification.frequency(earlier: earlier, today: today), "repeat", "\(decided)")
        }
        let open = Classification.Earlier(
            registrationNumber: "MK-2026-000001", status: .assigned, deadline: today.adding(days: 3))
        XCTAssertEqual(Classification.frequency(earlier: open, today: today), "duplicate")
        var lastDay = open
        lastDay.deadline = today
        XCTAssertEqual(Classification.frequency(earlier: lastDay, today: today), "duplicate")
        var overdue = open
        overdue.deadline = today.adding(days: -1)
        XCTAssertEqual(Classification.frequency(earlier: overdue, today: today), "repeat")
    }

    func testClassifierInEvent() throws {
        var s = Self.valid()
        s.author?.benefitCategory = "hero-of-ukraine"
        let earlier = Classification.Earlier(registrationNumber: "MK-2026-000001", status: .registered, deadline: nil)
        let new = NewAppeal(
            appeal: try valid(s), channel: "centre", sequence: 2, registeredAt: Date(), trackingToken: "t",
            repeatOf: "MK-2026-000001", earlier: earlier)
        XCTAssertEqual(
            new.event.classifier,
            .init(
                arrival: "centre", frequency: "duplicate", form: "individual", socialCategory: "hero-of-ukraine",
                duplicateOf: "MK-2026-000001"))
        for benefit in Reference.benefitCategories {
            XCTAssertNotNil(Classification.socialCategories[benefit.code], benefit.code)
        }
    }

    // MARK: The librarian's form

    /// Co-signers typed one a line as "full name; residence"; a line without ";" keeps the name
    /// and leaves the residence missing, so the validator names that co-signer.
    func testFormCoSignerLinesAndRepresentativeSection() throws {
        XCTAssertNil(WebPages.coSigners(nil))
        XCTAssertNil(WebPages.coSigners(" \n \n"))
        let people = try XCTUnwrap(
            WebPages.coSigners("Коваленко Марія; вул. Садова, 1\n\nБондар Іван\n"))
        XCTAssertEqual(
            people,
            [
                .init(fullName: "Коваленко Марія", address: "вул. Садова, 1"),
                .init(fullName: "Бондар Іван", address: nil),
            ])
        var s = Self.valid()
        s.coSigners = people
        XCTAssertEqual(codes(s), ["coSigners[1].address": "required"])
        var values = WebPages.FormValues()
        XCTAssertNil(WebPages.representative(values))
        values.repDocumentNumber = "123"
        XCTAssertEqual(WebPages.representative(values)?.documentNumber, "123")
    }

    // MARK: Numbers never run out

    func testNumbersBeyondASixDigitYear() {
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 999_999), "MK-2026-999999")
        XCTAssertEqual(RegistrationNumber.format(year: 2026, sequence: 1_000_000), "MK-2026-1000000")
        XCTAssertEqual(RegistrationNumber.parse("MK-2026-1000000")?.sequence, 1_000_000)
        XCTAssertEqual(RegistrationNumber.normalised("mk-2026-1000000"), "MK-2026-1000000")
    }

    // MARK: The contract stays backward-compatible

    func testAnEventWithoutTheNewFieldsStillDecodes() throws {
        let old = try XCTUnwrap(
            """
            {"appealId":"7d3c4a5e-1111-4222-8333-944455556666","registrationNumber":"MK-2026-000001",
             "registeredAt":"2026-03-01T10:00:00.000Z","kind":"application","category":"heating",
             "author":{"fullName":"А Б","address":"вул. Садова, 1","preferredLanguage":"uk"},
             "subject":"Тема","text":"Текст звернення",
             "confidential":false,"trackingToken":"t","channel":"centre"}
            """.data(using: .utf8))
        let event = try ContractCoding.makeDecoder().decode(AppealRegistered.self, from: old)
        XCTAssertNil(event.classifier)
        XCTAssertNil(event.termsStartOn)
        XCTAssertNil(event.coSigners)
    }
}
