import Foundation
import HromadaContracts
import XCTest

@testable import Notification

/// The SMS channel in memory: who gets an SMS, the texts (short, UCS-2, with the number and the
/// tracking link, never the code), and what the gateway is sent.
final class SMSPlannerAndTextTests: XCTestCase {
    let appealId = UUID()
    /// A realistic long number and public address: every template must still fit in two segments.
    let number = "MK-2026-1234567"
    let trackingURL = "https://hromada.mkrada.gov.ua/track"
    let deadline = LocalDate(string: "2026-12-15")!
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func planner(sms: Bool = true) throws -> NotificationPlanner {
        NotificationPlanner(
            templates: try NotificationTemplates(), trackingURL: trackingURL,
            sms: sms ? try SMSChannel.bundledTemplates() : nil)
    }

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "test")
    }

    func resident(
        email: String? = nil, phone: String? = "+380501112233", language: String = "uk", centre: String? = "cog-1",
        notifyBy: String? = nil, name: String = "Олена Петренко"
    ) -> ResidentContact {
        ResidentContact(
            appealId: appealId, registrationNumber: number, fullName: name, email: email, phone: phone,
            language: language, centreId: centre, confidential: false, notifyBy: notifyBy)
    }

    /// Every event whose notice goes to the resident.
    func residentEvents() throws -> [Envelope] {
        let registered = AppealRegistered(
            appealId: appealId, registrationNumber: number, registeredAt: now, kind: .complaint, category: "heating",
            author: .init(fullName: "Олена Петренко", address: "Миколаїв", phone: "+380501112233"),
            subject: "Немає опалення", text: "Холодно", trackingToken: "TRK-SECRET-CODE",
            channel: "centre")
        let ticketEvents = residentTicketEvents(
            appealId: appealId, number: number, deadline: deadline, now: now, answerText: "THE ANSWER TEXT")
        // The head's decisions (Art. 5, 8) are told to the resident too.
        let decisions: [any DomainEvent] = [
            AppealReturned(
                appealId: appealId, registrationNumber: number, reason: "No place of residence is given.",
                returnedAt: now, returnedBy: "head-1"),
            AppealNotConsidered(
                appealId: appealId, registrationNumber: number, ticketId: UUID(), authority: "zhkg",
                ground: "repeat-decided", notice: "Decided on the merits.", decidedBy: "head-1", decidedAt: now),
        ]
        return try ([registered] + ticketEvents + decisions).map { try envelope($0) }
    }

    // MARK: - Who gets an SMS

    func testPhoneWithoutEmailGetsAnSMSInsteadOfTheCentresNotice() throws {
        let notices = try planner().plan(try residentEvents()[0], resident: resident(), officials: [], reception: [])
        XCTAssertEqual(notices.count, 1)
        let sms = try XCTUnwrap(notices.first)
        XCTAssertEqual(sms.target, .sms("+380501112233"))
        XCTAssertEqual(sms.channel, .sms)
        XCTAssertEqual(sms.recipientKey, "resident")
        XCTAssertEqual(sms.deliveredTo, .resident)
        XCTAssertEqual(sms.template, "appeal.registered.sms")
    }

    func testWithTheChannelOffAPhoneWithoutEmailStillGoesToTheCentre() throws {
        let notices = try planner(sms: false).plan(
            try residentEvents()[0], resident: resident(), officials: [], reception: [])
        XCTAssertEqual(notices.map(\.target), [.centre("cog-1")])
        XCTAssertEqual(
            NotificationPlanner.targets(for: resident(notifyBy: "sms"), smsEnabled: false), [.centre("cog-1")])
    }

    func testEmailStaysTheChannelUnlessSMSIsAskedForThenBoth() throws {
        let event = try residentEvents()[0]
        let emailOnly = try planner().plan(
            event, resident: resident(email: "o@example.org"), officials: [], reception: [])
        XCTAssertEqual(emailOnly.map(\.target), [.email("o@example.org")])
        let both = try planner().plan(
            event, resident: resident(email: "o@example.org", notifyBy: "sms"), officials: [], reception: [])
        XCTAssertEqual(both.map(\.target), [.email("o@example.org"), .sms("+380501112233")])
        XCTAssertEqual(both.map(\.recipientKey), ["resident", "resident:sms"])
        XCTAssertEqual(both.map(\.channel), [.email, .sms])
        // The email keeps the full text (the tracking code); the SMS never carries it.
        XCTAssertTrue(both[0].body.contains("TRK-SECRET-CODE"))
        XCTAssertFalse(both[1].body.contains("TRK-SECRET-CODE"))
    }

    func testNoPlausiblePhoneMeansNoSMS() throws {
        XCTAssertEqual(
            NotificationPlanner.targets(for: resident(phone: "дзвоніть сусідці"), smsEnabled: true),
            [.centre("cog-1")])
        XCTAssertEqual(NotificationPlanner.targets(for: resident(phone: "123"), smsEnabled: true), [.centre("cog-1")])
        XCTAssertEqual(
            NotificationPlanner.targets(for: resident(phone: nil, centre: nil), smsEnabled: true), [.unreachable])
        XCTAssertEqual(SMSNumber.normalised("+380 (50) 111-22-33"), "+380501112233")
        XCTAssertEqual(SMSNumber.normalised("0501112233"), "0501112233")
        XCTAssertNil(SMSNumber.normalised("+38050111223344556677"))
        XCTAssertNil(SMSNumber.normalised("50+1112233"))
    }

    func testOfficialsAreNeverSentSMS() throws {
        let assigned = try envelope(
            TicketAssigned(
                ticketId: UUID(), appealId: appealId, registrationNumber: number, authority: "zhkg",
                category: "heating",
                priority: false, deadline: deadline, assignedAt: now))
        let officials = [
            OfficialContact(officialId: "a", name: "A", authority: "zhkg", role: "official", email: "a@c.example")
        ]
        let notices = try planner().plan(assigned, resident: resident(), officials: officials, reception: [])
        XCTAssertEqual(notices.map(\.channel), [.email])
    }

    // MARK: - The texts

    func testEveryTemplateFitsTwoSegmentsWithTheNumberAndLinkAndNoCode() throws {
        let link = "https://hromada.mkrada.gov.ua/track?number=\(number)"
        for event in try residentEvents() {
            for language in ["uk", "en"] {
                let notices = try planner().plan(
                    event, resident: resident(language: language), officials: [], reception: [])
                let sms = try XCTUnwrap(notices.first, event.type)
                XCTAssertEqual(sms.channel, .sms)
                XCTAssertTrue(sms.body.contains(number), "\(event.type).\(language): \(sms.body)")
                XCTAssertTrue(sms.body.hasSuffix(link), "\(event.type).\(language): \(sms.body)")
                XCTAssertFalse(sms.body.contains("…"), "\(event.type).\(language) was cut: \(sms.body)")
                XCTAssertFalse(sms.body.contains("TRK-SECRET-CODE"))
                XCTAssertFalse(sms.body.contains("THE ANSWER TEXT"))
                XCTAssertFalse(sms.body.contains("Олена"), "no personal data beyond the number")
                XCTAssertLessThanOrEqual(SMSText.length(sms.body), SMSText.limit, "\(event.type).\(language)")
                XCTAssertLessThanOrEqual(SMSText.segments(sms.body), 2)
                XCTAssertEqual(sms.body, SMSText.sanitized(sms.body), "stored as sent")
                if language == "uk" {
                    XCTAssertNotNil(
                        sms.body.range(of: "[А-Яа-яІіЇїЄєҐґ]", options: .regularExpression),
                        "Ukrainian letters")
                }
            }
        }
    }

    func testTheRegistrationTextIsExactlyThis() throws {
        let notices = try planner().plan(try residentEvents()[0], resident: resident(), officials: [], reception: [])
        XCTAssertEqual(
            notices.first?.body,
            "Звернення MK-2026-1234567 зареєстровано. Стан розгляду: "
                + "https://hromada.mkrada.gov.ua/track?number=MK-2026-1234567"
        )
    }

    func testAnOverlongConfiguredLinkIsCutToTwoSegments() throws {
        let planner = NotificationPlanner(
            templates: try NotificationTemplates(),
            trackingURL: "https://hromada.mkrada.gov.ua/" + String(repeating: "very-long-path/", count: 10) + "track",
            sms: try SMSChannel.bundledTemplates())
        let sms = try XCTUnwrap(
            try planner.plan(try residentEvents()[0], resident: resident(), officials: [], reception: []).first)
        XCTAssertEqual(SMSText.length(sms.body), SMSText.limit)
        XCTAssertTrue(sms.body.hasSuffix("…"))
    }

    func testUCS2KeepsApostropheAndGuillemetsAndDropsEmoji() {
        XCTAssertEqual(SMSText.ucs2("ʼ«»"), [0x02, 0xBC, 0x00, 0xAB, 0x00, 0xBB])
        XCTAssertEqual(SMSText.ucs2("Пʼять"), [0x04, 0x1F, 0x02, 0xBC, 0x04, 0x4F, 0x04, 0x42, 0x04, 0x4C])
        // An emoji (outside UCS-2) and its joiners and selectors are dropped; the rest is intact.
        XCTAssertEqual(
            SMSText.sanitized("Дякуємо 😀👍🏽 за «звернення» ❤️"),
            "Дякуємо за «звернення» ❤")
        XCTAssertEqual(SMSText.sanitized("👩‍👩‍👧"), "")
        XCTAssertEqual(SMSText.length(SMSText.sanitized("a😀b")), 2)
        XCTAssertTrue(
            SMSText.sanitized("x😀y").utf16.allSatisfy { !UTF16.isLeadSurrogate($0) && !UTF16.isTrailSurrogate($0) })
        XCTAssertEqual(SMSText.sanitized("рядок\nі\tще  пробіли "), "рядок і ще пробіли")
    }

    func testSegmentsCountUCS2Units() {
        XCTAssertEqual(SMSText.segments(String(repeating: "ї", count: 70)), 1)
        XCTAssertEqual(SMSText.segments(String(repeating: "ї", count: 71)), 2)
        XCTAssertEqual(SMSText.segments(String(repeating: "ї", count: 134)), 2)
        XCTAssertEqual(SMSText.segments(String(repeating: "ї", count: 135)), 3)
        XCTAssertFalse(SMSText.fits(String(repeating: "ї", count: 135)))
    }

    func testANameWithEmojiDoesNotBreakTheText() throws {
        let notices = try planner().plan(
            try residentEvents()[0], resident: resident(name: "Олена 🌻 Петренко"), officials: [],
            reception: [])
        let body = try XCTUnwrap(notices.first?.body)
        XCTAssertTrue(body.utf16.allSatisfy { !UTF16.isLeadSurrogate($0) })
        XCTAssertTrue(body.contains(number))
    }
}
