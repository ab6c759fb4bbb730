import Foundation
import HromadaContracts
import XCTest

@testable import Notification

final class TemplateAndPlannerTests: XCTestCase {
    let appealId = UUID()

    func planner() throws -> NotificationPlanner {
        NotificationPlanner(templates: try NotificationTemplates(), trackingURL: "https://hromada.example/track")
    }

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appealId, causationId: nil, producer: "test")
    }

    func resident(
        email: String? = "r@example.org", language: String = "uk", centre: String? = "cog-1", confidential: Bool = false
    ) -> ResidentContact {
        ResidentContact(
            appealId: appealId, registrationNumber: "MK-2026-000123", fullName: "Олена Петренко",
            email: email,
            phone: "+380501112233",
            language: language, centreId: centre, confidential: confidential)
    }

    func testEveryTemplateExistsInBothLanguagesWithASubjectAndBody() throws {
        let templates = try NotificationTemplates()
        let names = [
            "appeal.registered", "ticket.forwarded", "ticket.extended", "ticket.answered", "ticket.reopened",
            "ticket.closed",
            "ticket.assigned.official", "ticket.deadline-approaching.official", "ticket.overdue.official",
            "ticket.overdue.reception",
        ]
        for name in names {
            for language in ["uk", "en"] {
                XCTAssertTrue(templates.has(name, language: language), "\(name).\(language) missing")
                let rendered = try templates.render(
                    name, language: language, context: ["registrationNumber": "MK-2026-000001"])
                XCTAssertFalse(rendered.subject.isEmpty, "\(name).\(language) has no subject")
                XCTAssertFalse(
                    rendered.body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                    "\(name).\(language) has no body")
                XCTAssertTrue(
                    rendered.subject.contains("MK-2026-000001") || rendered.body.contains("MK-2026-000001"),
                    "\(name).\(language)")
            }
        }
    }

    func testTextTemplatesDoNotHTMLEscape() throws {
        let rendered = try NotificationTemplates().render(
            "ticket.reopened", language: "en",
            context: [
                "registrationNumber": "MK-1", "residentName": "O'Brien & <Sons>", "reason": "a \"quoted\" reason",
            ])
        XCTAssertTrue(rendered.body.contains("O'Brien & <Sons>"), rendered.body)
        XCTAssertTrue(rendered.body.contains("a \"quoted\" reason"))
    }

    func testRegistrationNoticeInResidentsLanguage() throws {
        let event = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000123",
            registeredAt: Date(timeIntervalSince1970: 1_795_000_000), kind: .complaint,
            category: "heating",
            author: .init(
                fullName: "Olena Petrenko", address: "Mykolaiv", email: "r@example.org", preferredLanguage: .en),
            subject: "No heating", text: "…", trackingToken: "TRACK-123", channel: "centre")
        let notices = try planner().plan(
            try envelope(event), resident: resident(language: "en"), officials: [], reception: [])
        XCTAssertEqual(notices.count, 1)
        XCTAssertEqual(notices[0].target, .email("r@example.org"))
        XCTAssertEqual(notices[0].language, "en")
        XCTAssertEqual(notices[0].subject, "Appeal MK-2026-000123 registered")
        XCTAssertTrue(notices[0].body.contains("TRACK-123"))
        XCTAssertTrue(notices[0].body.contains("https://hromada.example/track"))
        let uk = try planner().plan(
            try envelope(event), resident: resident(language: "uk"), officials: [], reception: [])
        XCTAssertEqual(uk[0].subject, "Звернення MK-2026-000123 зареєстровано")
    }

    func testResidentWithoutEmailGoesToCentreAndNobodyIsUnreachable() {
        XCTAssertEqual(NotificationPlanner.target(for: resident(email: nil)), .centre("cog-1"))
        XCTAssertEqual(NotificationPlanner.target(for: resident(email: "not-an-email")), .centre("cog-1"))
        XCTAssertEqual(NotificationPlanner.target(for: resident(email: nil, centre: nil)), .unreachable)
        XCTAssertEqual(NotificationPlanner.target(for: resident()), .email("r@example.org"))
    }

    func testAnswerTextWithheldFromCentreForConfidentialAppeals() throws {
        let event = TicketAnswered(
            ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000123", authority: "zhkg",
            officialId: "o1", outcome: .refused, answerText: "SECRET ANSWER", answeredAt: Date())
        let open = try planner().plan(try envelope(event), resident: resident(email: nil), officials: [], reception: [])
        XCTAssertTrue(open[0].body.contains("SECRET ANSWER"))
        XCTAssertTrue(open[0].body.contains("відмовлено"))
        let confidential = try planner().plan(
            try envelope(event), resident: resident(email: nil, confidential: true), officials: [], reception: [])
        XCTAssertFalse(confidential[0].body.contains("SECRET ANSWER"))
        let byEmail = try planner().plan(
            try envelope(event), resident: resident(confidential: true), officials: [], reception: [])
        XCTAssertTrue(byEmail[0].body.contains("SECRET ANSWER"), "the resident's own email carries the answer")
    }

    func testOfficialsAndReceptionForOverdue() throws {
        let event = TicketOverdue(
            ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000123", authority: "zhkg",
            deadline: LocalDate(string: "2026-11-27")!, daysOverdue: 2, raisedAt: Date())
        let officials = [
            OfficialContact(officialId: "a", name: "A", authority: "zhkg", role: "official", email: "a@city.example"),
            OfficialContact(officialId: "b", name: "B", authority: "zhkg", role: "official", email: nil),
        ]
        let reception = [
            OfficialContact(
                officialId: "r", name: "R", authority: "mayor-reception", role: "reception", email: "r@city.example")
        ]
        let notices = try planner().plan(try envelope(event), resident: nil, officials: officials, reception: reception)
        XCTAssertEqual(notices.map(\.recipientKey), ["official:a", "reception:r"])
        XCTAssertEqual(notices.map(\.recipientKind), [.official, .reception])
        XCTAssertTrue(notices[0].body.contains("27.11.2026"))
        XCTAssertTrue(notices[1].subject.contains("На контроль приймальні"))
    }

    func testResidentNotToldAboutAssignment() throws {
        let event = TicketAssigned(
            ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000123", authority: "zhkg",
            category: "heating", priority: true, deadline: LocalDate(string: "2026-12-01")!, assignedAt: Date())
        let notices = try planner().plan(
            try envelope(event), resident: resident(),
            officials: [
                OfficialContact(
                    officialId: "a", name: "A", authority: "zhkg", role: "official", email: "a@city.example")
            ], reception: [])
        XCTAssertEqual(notices.count, 1)
        XCTAssertEqual(notices[0].recipientKind, .official)
        XCTAssertTrue(notices[0].subject.contains("пріоритетне"))
        XCTAssertTrue(notices[0].body.contains("Теплопостачання"))
    }
}
