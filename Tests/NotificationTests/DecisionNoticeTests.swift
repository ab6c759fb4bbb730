import Foundation
import HromadaContracts
import XCTest

@testable import Notification

/// The head's decisions (issue 20, Art. 5 and 8) reach the author in writing, in their language.
final class DecisionNoticeTests: XCTestCase {
    let appealId = UUID()
    let now = ISO8601.parse("2026-11-30T10:00:00+02:00")!

    func plan<E: DomainEvent>(_ event: E, language: String) throws -> [PlannedNotice] {
        let planner = NotificationPlanner(
            templates: try NotificationTemplates(), trackingURL: "https://hromada.example/track")
        let resident = ResidentContact(
            appealId: appealId, registrationNumber: "MK-2026-000778", fullName: "Olena Petrenko",
            email: "r@example.org", phone: nil, language: language, centreId: nil, confidential: false)
        let envelope = try Envelope(
            event: event, correlationId: appealId, causationId: nil, producer: "hromada-routing")
        XCTAssertTrue(NotificationPlanner.recipients(of: envelope).resident)
        return try planner.plan(envelope, resident: resident, officials: [], reception: [])
    }

    func testAReturnTellsTheAuthorWhyInTheirLanguage() throws {
        let returned = AppealReturned(
            appealId: appealId, registrationNumber: "MK-2026-000778", reason: "No place of residence is given.",
            returnedAt: now, returnedBy: "head-1")
        let en = try XCTUnwrap(try plan(returned, language: "en").first)
        XCTAssertEqual(en.template, "appeal.returned")
        XCTAssertEqual(en.target, .email("r@example.org"))
        XCTAssertEqual(en.subject, "Appeal MK-2026-000778 returned to you")
        XCTAssertTrue(en.body.contains("No place of residence is given."), en.body)
        XCTAssertTrue(en.body.contains("30 Nov 2026"), en.body)
        let uk = try XCTUnwrap(try plan(returned, language: "uk").first)
        XCTAssertTrue(uk.body.contains("30.11.2026"), uk.body)
        XCTAssertTrue(uk.body.contains("статті 5"), uk.body)
    }

    func testNotConsideredGivesTheNoticeAndTheWayToChallengeIt() throws {
        let decided = AppealNotConsidered(
            appealId: appealId, registrationNumber: "MK-2026-000778", ticketId: UUID(), authority: "zhkg",
            ground: "repeat-decided", notice: "Decided on the merits on 2026-10-01.", decidedBy: "head-1",
            decidedAt: now)
        let en = try XCTUnwrap(try plan(decided, language: "en").first)
        XCTAssertEqual(en.template, "appeal.not-considered")
        XCTAssertTrue(en.body.contains("Decided on the merits on 2026-10-01."), en.body)
        XCTAssertTrue(en.body.contains("Department of Housing and Utilities"), en.body)
        XCTAssertTrue(en.body.contains("Art. 16, 17"), en.body)
        let uk = try XCTUnwrap(try plan(decided, language: "uk").first)
        XCTAssertTrue(uk.subject.contains("не підлягає розгляду"), uk.subject)
    }
}
