import Foundation
import HromadaContracts
import HromadaWeb
import XCTest

@testable import Intake

/// The resident-status projection's mapping from routing events to public facts, in memory.
final class TrackingRulesTests: XCTestCase {
    let ticket = UUID()
    let appeal = UUID()
    let number = "MK-2026-000042"
    let at = Date(timeIntervalSince1970: 1_790_000_000)
    let deadline = LocalDate(string: "2026-10-01")!

    func envelope<E: DomainEvent>(_ event: E) throws -> Envelope {
        try Envelope(event: event, correlationId: appeal, causationId: nil, producer: "hromada-routing")
    }

    func update<E: DomainEvent>(_ event: E) throws -> TrackingUpdate? {
        try TrackingUpdate.from(envelope(event))
    }

    /// The public fact expected for this test's appeal at `at`.
    func fact(
        _ status: PublicStatus, authority: String? = "zhkg", deadline: LocalDate? = nil, note: String? = nil
    ) -> TrackingUpdate {
        TrackingUpdate(
            registrationNumber: number, status: status, authority: authority, deadline: deadline, note: note,
            occurredAt: at)
    }

    /// `event`'s update, checked to be `expected`.
    func update<E: DomainEvent>(
        _ event: E, is expected: TrackingUpdate, line: UInt = #line
    ) throws -> TrackingUpdate {
        let update = try XCTUnwrap(update(event), line: line)
        XCTAssertEqual(update, expected, line: line)
        return update
    }

    func testEveryRoutingEventMapsToItsPublicStatus() throws {
        let assigned = try update(
            TicketAssigned(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                category: "heating", priority: false, deadline: deadline, assignedAt: at, reason: "rule"),
            is: fact(.assigned, deadline: deadline, note: "reason:rule"))
        let accepted = try update(
            TicketAccepted(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                officialId: "secret-official", acceptedAt: at),
            is: fact(.accepted))
        let forwarded = try update(
            TicketForwarded(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "transport",
                fromAuthority: "zhkg", officialId: "secret-official", reason: "private reason", forwardedAt: at,
                deadline: deadline),
            is: fact(.forwarded, authority: "transport", deadline: deadline, note: "from:zhkg"))
        let later = deadline.adding(days: 15)
        let extended = try update(
            TicketExtended(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                officialId: "secret-official", reason: "private reason", previousDeadline: deadline,
                newDeadline: later, extendedAt: at),
            is: fact(.extended, deadline: later, note: "previous-deadline:\(deadline)"))
        let answered = try update(
            TicketAnswered(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                officialId: "secret-official", outcome: .resolvedPositively, answerText: "private answer",
                answeredAt: at),
            is: fact(.answered, note: "outcome:\(AnswerOutcome.resolvedPositively.rawValue)"))
        let reopened = try update(
            TicketReopened(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                reopenedBy: "secret-official", reason: "private reason", reopenedAt: at, deadline: later),
            is: fact(.reopened, deadline: later))
        let closed = try update(
            TicketClosed(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg", closedAt: at,
                closedBy: "secret-official"),
            is: fact(.closed))
        let returned = try update(
            AppealReturned(
                appealId: appeal, registrationNumber: number, reason: "private reason", returnedAt: at,
                returnedBy: "secret"),
            is: fact(.returned, authority: nil))

        // No private fact leaks into the resident's view.
        for u in [assigned, accepted, forwarded, extended, answered, reopened, closed, returned] {
            let text = "\(u)"
            XCTAssertFalse(text.contains("secret"), text)
            XCTAssertFalse(text.contains("private"), text)
        }
    }

    func testEventsOutsideTheResidentsViewAreIgnored() throws {
        XCTAssertNil(
            try update(
                TicketDeadlineApproaching(
                    ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg",
                    deadline: deadline,
                    daysLeft: 2, raisedAt: at)))
    }

    func testAPayloadThatContradictsItsTypeIsAContractError() throws {
        var broken = try envelope(
            TicketAccepted(
                ticketId: ticket, appealId: appeal, registrationNumber: number, authority: "zhkg", officialId: "o",
                acceptedAt: at))
        broken.payload = .object(["registrationNumber": .int(7)])
        XCTAssertThrowsError(try TrackingUpdate.from(broken)) { XCTAssertTrue($0 is ContractError, "\($0)") }
    }

    func testLatestEventByOccurrenceSetsTheState() {
        let u = TrackingUpdate(registrationNumber: number, status: .accepted, occurredAt: at)
        XCTAssertTrue(u.setsCurrentState(lastEventAt: nil))
        XCTAssertTrue(u.setsCurrentState(lastEventAt: at))
        XCTAssertTrue(u.setsCurrentState(lastEventAt: at.addingTimeInterval(-1)))
        XCTAssertFalse(u.setsCurrentState(lastEventAt: at.addingTimeInterval(1)), "an older retry does not win")
    }

    func testOpen311ClosedStatuses() {
        // Issue 20 adds "not considered" (Art. 8), decided by routing's head: closed too.
        XCTAssertEqual(
            Set(PublicStatus.allCases.filter(\.isClosed)), [.answered, .closed, .returned, .notConsidered])
        XCTAssertEqual(TrackingProjection.bindings, ["ticket.#", "appeal.returned.#", "appeal.not-considered.#"])
    }

    /// `appeal.not-considered` (produced by routing) sets the status; the ground code is public,
    /// the written notice and who decided stay out of the resident's view.
    func testNotConsideredIsFollowed() throws {
        let u = try XCTUnwrap(
            update(
                AppealNotConsidered(
                    appealId: appeal, registrationNumber: number, ticketId: ticket, authority: "zhkg",
                    ground: "repeat-decided", notice: "private notice", decidedBy: "secret-head", decidedAt: at)))
        XCTAssertEqual(
            u,
            TrackingUpdate(
                registrationNumber: number, status: .notConsidered, authority: "zhkg", note: "ground:repeat-decided",
                occurredAt: at))
        XCTAssertFalse("\(u)".contains("secret") || "\(u)".contains("private"))
        XCTAssertEqual(PublicStatus.notConsidered.rawValue, "not-considered")
    }

    func testEveryStatusHasAPageNameInBothLanguages() throws {
        // The words now live in the web kit's catalogue (one vocabulary for every UI), merged with
        // intake's as the pages see it; keys use `_` for the status's `-` (`status_not_considered`).
        let site = try WebSite(
            settings: .local(service: "intake", port: 8080), bundle: Bundle.module, templates: [],
            sessionStore: SignedCookieSessionStore(secret: .random(), cookieName: "hromada_intake"))
        let strings = IntakeStrings(catalogue: site.catalogue)
        for status in PublicStatus.allCases {
            let key = "status_" + status.rawValue.replacingOccurrences(of: "-", with: "_")
            let uk = strings.string(key, .uk)
            let en = strings.string(key, .en)
            XCTAssertNotEqual(uk, key)
            XCTAssertNotEqual(uk, en)
        }
        XCTAssertEqual(strings.string("status_answered", .en), "Answered")
    }
}
