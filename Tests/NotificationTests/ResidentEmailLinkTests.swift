import Foundation
import HromadaContracts
import XCTest

@testable import Notification

/// Issue 14: the resident's emails link the tracking page with the number filled in, from the
/// configured address (never the librarians' sign-in page), and the extension and answer emails
/// carry the link too. The page the link opens is checked in chromium by
/// IntakeTests.LibrarianFormBrowserTests.testTheEmailsTrackingLinkOpensTheTrackingPageWithTheNumber.
final class ResidentEmailLinkTests: XCTestCase {
    let appealId = UUID()
    let number = "MK-2026-000123"

    func notices(trackingURL: String) throws -> [PlannedNotice] {
        let planner = NotificationPlanner(templates: try NotificationTemplates(), trackingURL: trackingURL)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let deadline = LocalDate(string: "2026-12-15")!
        let events = [
            try Envelope(
                event: AppealRegistered(
                    appealId: appealId, registrationNumber: number, registeredAt: now, kind: .application,
                    category: "heating",
                    author: .init(
                        fullName: "Олена Петренко", address: "Миколаїв",
                        email: "r@example.org"),
                    subject: "Немає опалення", text: "…", trackingToken: "TRACK-123", channel: "centre"),
                correlationId: appealId, causationId: nil, producer: "test"),
            try Envelope(
                event: TicketExtended(
                    ticketId: UUID(), appealId: appealId, registrationNumber: number, authority: "zhkg",
                    officialId: "o1", reason: "виїзд на місце", previousDeadline: deadline,
                    newDeadline: LocalDate(string: "2026-12-30")!, extendedAt: now),
                correlationId: appealId, causationId: nil, producer: "test"),
            try Envelope(
                event: TicketAnswered(
                    ticketId: UUID(), appealId: appealId, registrationNumber: number, authority: "zhkg",
                    officialId: "o1", outcome: .explained, answerText: "Відповідь", answeredAt: now),
                correlationId: appealId, causationId: nil, producer: "test"),
        ]
        let resident = ResidentContact(
            appealId: appealId, registrationNumber: number, fullName: "Олена Петренко",
            email: "r@example.org",
            phone: nil, language: "uk", centreId: "cog-1", confidential: false)
        return try events.flatMap { try planner.plan($0, resident: resident, officials: [], reception: []) }
    }

    func testRegistrationExtensionAndAnswerEmailsLinkTheTrackingPageWithTheNumber() throws {
        // An address configured as the service's root (the old default) still leads to /track.
        for base in ["http://127.0.0.1:8080/", "https://hromada.example/track", "https://hromada.example/pages/"] {
            let notices = try notices(trackingURL: base)
            XCTAssertEqual(notices.count, 3, base)
            for notice in notices {
                XCTAssertTrue(
                    notice.body.contains("/track?number=\(number)"), "\(notice.template) from \(base): \(notice.body)")
                XCTAssertFalse(notice.body.contains("8080/ "), "never the sign-in page: \(notice.body)")
            }
        }
        XCTAssertEqual(
            TrackingLink.make(base: "https://hromada.example/pages/", number: number),
            "https://hromada.example/pages/track?number=\(number)")
    }
}
