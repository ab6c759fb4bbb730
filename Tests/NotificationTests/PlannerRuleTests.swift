import Foundation
import HromadaContracts
import XCTest

@testable import Notification

/// `NotificationPlanner`'s rules in memory, one event kind at a time: who is told, in which
/// language, through which channel.
final class PlannerRuleTests: XCTestCase {
    let appealId = UUID()
    let number = "MK-2026-000777"
    let deadline = LocalDate(string: "2026-12-15")!
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func planner(officialLanguage: String = "uk") throws -> NotificationPlanner {
        NotificationPlanner(
            templates: try NotificationTemplates(), trackingURL: "https://hromada.example/track",
            officialLanguage: officialLanguage)
    }

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "test")
    }

    func resident(
        email: String? = "r@example.org", language: String = "en", centre: String? = "cog-1",
        confidential: Bool = false
    ) -> ResidentContact {
        ResidentContact(
            appealId: appealId, registrationNumber: number, fullName: "Olena Petrenko", email: email,
            phone: "+380501112233", language: language, centreId: centre, confidential: confidential)
    }

    let officials = [
        OfficialContact(officialId: "a", name: "A", authority: "zhkg", role: "official", email: "a@city.example"),
        OfficialContact(officialId: "b", name: "B", authority: "zhkg", role: "head", email: "b@city.example"),
        OfficialContact(officialId: "c", name: "C", authority: "zhkg", role: "official", email: "not an address"),
    ]
    let reception = [
        OfficialContact(
            officialId: "r", name: "R", authority: "mayor-reception", role: "reception", email: "r@city.example"),
        // Also an official of the authority: told once.
        OfficialContact(officialId: "a", name: "A", authority: "zhkg", role: "reception", email: "a@city.example"),
    ]

    /// Every event that concerns the resident.
    func residentEvents() throws -> [Envelope] {
        let registered = AppealRegistered(
            appealId: appealId, registrationNumber: number, registeredAt: now, kind: .complaint, category: "heating",
            author: .init(fullName: "Olena Petrenko", address: "Mykolaiv", preferredLanguage: .en),
            subject: "No heating", text: "Cold", trackingToken: "TRK-1", channel: "centre")
        let ticketEvents = residentTicketEvents(
            appealId: appealId, number: number, deadline: deadline, now: now, answerText: "THE ANSWER")
        return try ([registered] + ticketEvents).map { try envelope($0) }
    }

    func testEveryResidentEventTellsOnlyTheResidentInTheirLanguageByEmail() throws {
        for event in try residentEvents() {
            for language in ["uk", "en"] {
                let needs = NotificationPlanner.recipients(of: event)
                XCTAssertEqual(needs, .init(resident: true, authority: nil, reception: false), event.type)
                let notices = try planner().plan(
                    event, resident: resident(language: language), officials: officials,
                    reception: reception)
                XCTAssertEqual(notices.count, 1, event.type)
                let notice = try XCTUnwrap(notices.first)
                XCTAssertEqual(notice.recipientKey, "resident")
                XCTAssertEqual(notice.recipientKind, .resident)
                XCTAssertEqual(notice.deliveredTo, .resident)
                XCTAssertEqual(notice.language, language, event.type)
                XCTAssertEqual(notice.template, event.type)
                XCTAssertEqual(notice.target, .email("r@example.org"))
                XCTAssertEqual(notice.channel, .email)
                XCTAssertTrue(notice.subject.contains(number) || notice.body.contains(number), event.type)
            }
        }
    }

    /// A dispute or complaint that went up to the executive committee names it, not its code.
    func testNoticesNameTheExecutiveCommittee() {
        XCTAssertEqual(
            NotificationPlanner.authorityName("executive-committee", language: "uk"),
            Reference.executiveCommittee.nameUk)
        XCTAssertEqual(
            NotificationPlanner.authorityName("executive-committee", language: "en"),
            Reference.executiveCommittee.nameEn)
    }

    func testUnknownLanguageFallsBackToUkrainian() throws {
        let event = try residentEvents()[0]
        let notices = try planner().plan(event, resident: resident(language: "de"), officials: [], reception: [])
        XCTAssertEqual(notices.first?.language, "uk")
        XCTAssertEqual(notices.first?.subject, "Звернення \(number) зареєстровано")
    }

    func testResidentWithoutEmailIsToldThroughTheCentreInbox() throws {
        for event in try residentEvents() {
            let notices = try planner().plan(event, resident: resident(email: nil), officials: [], reception: [])
            XCTAssertEqual(notices.first?.target, .centre("cog-1"), event.type)
            XCTAssertEqual(notices.first?.channel, .centre)
            XCTAssertEqual(notices.first?.deliveredTo, .centre)
            XCTAssertEqual(notices.first?.recipientKey, "resident")
        }
        let nowhere = try planner().plan(
            try residentEvents()[0], resident: resident(email: " ", centre: nil),
            officials: [], reception: [])
        XCTAssertEqual(nowhere.first?.target, .unreachable)
        XCTAssertEqual(nowhere.first?.channel, .email)
    }

    func testConfidentialAnswerIsWithheldOnlyFromTheCentre() throws {
        let answered = try residentEvents()[3]
        let byCentre = try planner().plan(
            answered, resident: resident(email: nil, confidential: true), officials: [],
            reception: [])
        XCTAssertFalse(byCentre[0].body.contains("THE ANSWER"))
        XCTAssertTrue(byCentre[0].subject.contains(number))
        let byEmail = try planner().plan(answered, resident: resident(confidential: true), officials: [], reception: [])
        XCTAssertTrue(byEmail[0].body.contains("THE ANSWER"))
        let openByCentre = try planner().plan(answered, resident: resident(email: nil), officials: [], reception: [])
        XCTAssertTrue(openByCentre[0].body.contains("THE ANSWER"))
    }

    func testOfficialEventsTellTheAuthoritysOfficialsWithAPlausibleEmail() throws {
        let ticket = UUID()
        let events = [
            try envelope(
                TicketAssigned(
                    ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    category: "heating",
                    priority: false, deadline: deadline, assignedAt: now)),
            try envelope(
                TicketDeadlineApproaching(
                    ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    deadline: deadline,
                    daysLeft: 2, raisedAt: now)),
        ]
        for event in events {
            XCTAssertEqual(
                NotificationPlanner.recipients(of: event),
                .init(resident: false, authority: "zhkg", reception: false), event.type)
            let notices = try planner(officialLanguage: "en").plan(
                event, resident: resident(), officials: officials,
                reception: reception)
            XCTAssertEqual(notices.map(\.recipientKey), ["official:a", "official:b"], event.type)
            XCTAssertEqual(Set(notices.map(\.recipientKind)), [.official])
            XCTAssertEqual(Set(notices.map(\.language)), ["en"])
            XCTAssertEqual(notices.map(\.target), [.email("a@city.example"), .email("b@city.example")])
            XCTAssertEqual(Set(notices.map(\.template)), ["\(event.type).official"])
        }
    }

    func testOverdueAlsoEscalatesToTheReceptionOncePerPerson() throws {
        let event = try envelope(
            TicketOverdue(
                ticketId: UUID(), appealId: appealId, registrationNumber: number, authority: "zhkg", deadline: deadline,
                daysOverdue: 3, raisedAt: now))
        XCTAssertEqual(
            NotificationPlanner.recipients(of: event), .init(resident: false, authority: "zhkg", reception: true))
        let notices = try planner().plan(event, resident: nil, officials: officials, reception: reception)
        XCTAssertEqual(notices.map(\.recipientKey), ["official:a", "official:b", "reception:r"])
        XCTAssertEqual(notices.last?.recipientKind, .reception)
        XCTAssertEqual(notices.last?.template, "ticket.overdue.reception")
        XCTAssertEqual(notices.last?.language, "uk")
    }

    func testEventsNobodyIsToldAbout() throws {
        let accepted = try envelope(
            TicketAccepted(
                ticketId: UUID(), appealId: appealId, registrationNumber: number, authority: "zhkg", officialId: "o1",
                acceptedAt: now))
        XCTAssertEqual(
            NotificationPlanner.recipients(of: accepted), .init(resident: false, authority: nil, reception: false))
        XCTAssertEqual(
            try planner().plan(accepted, resident: resident(), officials: officials, reception: reception), [])
    }
}
