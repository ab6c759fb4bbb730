import Foundation
import HromadaContracts
import HromadaRuntime
import XCTest

@testable import Routing

/// Deadlines as the law counts them (15 calendar days; "one month" a calendar month), the watcher's
/// decisions, and the routing rules' precedence. Pure, no servers.
final class DeadlineRulesTests: XCTestCase {
    static func date(_ text: String) -> LocalDate { LocalDate(string: text)! }
    static let now = ISO8601.parse("2026-12-10T09:00:00+02:00")!
    static let today = LocalDate(date: now, in: .kyiv)

    static func ticket(_ status: TicketStatus, deadline: LocalDate, answeredAt: Date? = nil) -> Ticket {
        Ticket(
            id: UUID(), appealId: UUID(), registrationNumber: "MK-2026-000007", authority: "zhkg", status: status,
            priority: false, category: "heating", kind: .application, subject: "s", against: nil,
            registeredAt: now, registeredOn: date("2026-11-27"), deadline: deadline, answeredAt: answeredAt)
    }

    // MARK: Month and leap-year deadlines

    func testTermsAreCalendarDaysAcrossMonthsAndLeapYears() {
        // Art. 20's "one month" is a calendar month (a legal fix of issue 20: it used to be 30 days,
        // 2028-03-01 and 2027-03-02 here): 31 January ends on the last day of February.
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2028-01-31"), termDays: 30), Self.date("2028-02-29"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2027-01-31"), termDays: 30), Self.date("2027-02-28"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-03-31"), termDays: 30), Self.date("2026-04-30"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-12-31"), termDays: 30), Self.date("2027-01-31"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-01-15"), termDays: 30), Self.date("2026-02-15"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2028-02-29"), termDays: 30), Self.date("2028-03-29"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2028-02-14"), termDays: 15), Self.date("2028-02-29"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2027-02-14"), termDays: 15), Self.date("2027-03-01"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-12-20"), termDays: 15), Self.date("2027-01-04"))
        // 2100 is not a leap year, 2000 was.
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2100-02-20"), termDays: 15), Self.date("2100-03-07"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2000-02-20"), termDays: 15), Self.date("2000-03-06"))
        // An unknown term falls back to the study term (a month); a term past 45 days is capped.
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-11-27"), termDays: 0), Self.date("2026-12-27"))
        XCTAssertEqual(
            Lifecycle.initialDeadline(registeredOn: Self.date("2026-11-27"), termDays: 60), Self.date("2027-01-11"))
    }

    func testTheFortyFiveDayCapInLeapAndCommonYears() throws {
        XCTAssertEqual(Law.latestDeadline(registeredOn: Self.date("2028-01-20")), Self.date("2028-03-05"))
        XCTAssertEqual(Law.latestDeadline(registeredOn: Self.date("2027-01-20")), Self.date("2027-03-06"))
        let registered = Self.date("2028-01-20")
        // The month ends on 2028-02-20 (30 days would be 02-19): 14 more days reach the 45-day cap.
        let current = Lifecycle.initialDeadline(registeredOn: registered, termDays: 30)
        XCTAssertEqual(current, Self.date("2028-02-20"))
        XCTAssertEqual(
            try Lifecycle.extendedDeadline(current: current, registeredOn: registered, days: 14, newDeadline: nil),
            Self.date("2028-03-05"))
        XCTAssertThrowsError(
            try Lifecycle.extendedDeadline(
                current: current, registeredOn: registered, days: 15,
                newDeadline: nil)
        ) {
            XCTAssertEqual($0 as? TicketRefusal, .beyondLegalMaximum(cap: Self.date("2028-03-05"), field: "days"))
        }
    }

    func testReopenedDeadlineIsTodayPlusTheStandardTerm() {
        XCTAssertEqual(Lifecycle.reopenedDeadline(today: Self.date("2028-02-20")), Self.date("2028-03-06"))
    }

    // MARK: The watcher's decisions

    func testApproachingIsAtMostThreeDaysLeftAndOverdueIsPastTheDeadline() {
        let today = Self.today
        XCTAssertEqual(today.description, "2026-12-10")
        for status in TicketStatus.allCases where status.isOpen {
            XCTAssertNil(DeadlineWatch.alert(for: Self.ticket(status, deadline: today.adding(days: 4)), today: today))
            XCTAssertEqual(
                DeadlineWatch.alert(for: Self.ticket(status, deadline: today.adding(days: 3)), today: today),
                .approaching, "\(status)")
            XCTAssertEqual(
                DeadlineWatch.alert(for: Self.ticket(status, deadline: today), today: today), .approaching,
                "the deadline day itself is not overdue")
            XCTAssertEqual(
                DeadlineWatch.alert(for: Self.ticket(status, deadline: today.adding(days: -1)), today: today),
                .overdue)
            XCTAssertEqual(
                DeadlineWatch.alert(for: Self.ticket(status, deadline: today.adding(days: -30)), today: today),
                .overdue, "first seen long past: overdue only")
        }
        for status in [TicketStatus.answered, .closed] {
            XCTAssertNil(DeadlineWatch.alert(for: Self.ticket(status, deadline: today.adding(days: -1)), today: today))
            XCTAssertNil(DeadlineWatch.alert(for: Self.ticket(status, deadline: today), today: today))
        }
    }

    func testTheWindowTheStoreSearches() {
        let window = DeadlineWatch.window(now: Self.now, autoCloseDays: 10)
        XCTAssertEqual(window.overdueBefore, Self.today)
        XCTAssertEqual(window.approachingFrom, Self.today)
        XCTAssertEqual(window.approachingThrough, Self.today.adding(days: 3))
        XCTAssertEqual(window.closeAnsweredBefore, Self.now.addingTimeInterval(-10 * 86_400))
    }

    func testAnsweredTicketsCloseAfterTheAutoClosePeriod() throws {
        let answered = { (ago: TimeInterval) in
            Self.ticket(.answered, deadline: Self.today, answeredAt: Self.now.addingTimeInterval(-ago))
        }
        XCTAssertTrue(DeadlineWatch.shouldAutoClose(answered(10 * 86_400), now: Self.now, autoCloseDays: 10))
        XCTAssertFalse(DeadlineWatch.shouldAutoClose(answered(10 * 86_400 - 60), now: Self.now, autoCloseDays: 10))
        XCTAssertTrue(DeadlineWatch.shouldAutoClose(answered(2 * 86_400), now: Self.now, autoCloseDays: 1))
        XCTAssertFalse(
            DeadlineWatch.shouldAutoClose(
                Self.ticket(.closed, deadline: Self.today, answeredAt: Self.now.addingTimeInterval(-30 * 86_400)),
                now: Self.now, autoCloseDays: 10))
        XCTAssertFalse(
            DeadlineWatch.shouldAutoClose(
                Self.ticket(.reopened, deadline: Self.today), now: Self.now,
                autoCloseDays: 10))
        let closed = answered(11 * 86_400).autoClosed(at: Self.now)
        XCTAssertEqual(closed.ticket.status, .closed)
        XCTAssertEqual(closed.ticket.closedAt, Self.now)
        // Instruction 348 (issue 20): no anonymous "system" — the card names the rule that took the
        // ticket off control (this asserted "system" before).
        XCTAssertEqual(closed.history.actor, "rule:answered-undisputed")
        XCTAssertEqual(
            closed.history.note, "taken off control by rule rule:answered-undisputed: answered, not disputed")
        XCTAssertEqual((closed.events.first as? TicketClosed)?.closedBy, "rule:answered-undisputed")
    }

    func testOverdueEscalatesToTheMayorsReception() throws {
        let ticket = Self.ticket(.accepted, deadline: Self.today.adding(days: -2))
        let t = ticket.escalatedAsOverdue(today: Self.today, at: Self.now)
        XCTAssertTrue(t.ticket.escalated)
        XCTAssertEqual(t.ticket.status, .accepted, "escalation does not change the status")
        XCTAssertEqual(t.history.action, "escalated")
        XCTAssertEqual(t.history.actor, "deadline-watcher")
        XCTAssertEqual(t.history.from, .accepted)
        XCTAssertEqual(t.history.note, "overdue since 2026-12-08; escalated to mayor-reception")
        let event = try XCTUnwrap(t.events.first as? TicketOverdue)
        XCTAssertEqual(event.daysOverdue, 2)
        XCTAssertEqual(event.escalatedTo, "mayor-reception")
        XCTAssertEqual(event.routingKey, "ticket.overdue.v1.zhkg")
        let approaching = Self.ticket(.assigned, deadline: Self.today.adding(days: 3)).deadlineApproaching(
            today: Self.today, at: Self.now)
        XCTAssertEqual(approaching.daysLeft, 3)
        XCTAssertEqual(approaching.raisedAt, Self.now)
    }

    // MARK: Routing rules

    func testRulePrecedenceCategoryTimesDistrict() {
        let rules = [
            RoutingRule(category: "heating", authority: "zhkg"),
            RoutingRule(category: "roads", authority: "zhkg"),
            // Listed after the category's rule and still first for its district.
            RoutingRule(category: "heating", district: "korabelnyi", authority: "korabelnyi-administration"),
        ]
        func route(_ category: String, _ district: String?) -> AppealRouter.Decision {
            AppealRouter.route(category: category, district: district, against: nil, rules: rules)
        }
        XCTAssertEqual(
            route("heating", "korabelnyi"), .init(authority: "korabelnyi-administration", reason: "district-rule"))
        XCTAssertEqual(route("heating", "zavodskyi"), .init(authority: "zhkg", reason: "rule"))
        XCTAssertEqual(route("heating", nil), .init(authority: "zhkg", reason: "rule"))
        // No rule for the category: the given default, then Reference's, then the mayor's reception.
        XCTAssertEqual(
            AppealRouter.route(
                category: "education", district: "korabelnyi", against: nil, rules: rules,
                categoryDefault: "health"),
            .init(authority: "health", reason: "default"))
        XCTAssertEqual(route("education", nil), .init(authority: "education", reason: "default"))
        XCTAssertEqual(route("no-such-category", nil), .init(authority: "mayor-reception", reason: "default"))
    }

    func testNoComplaintIsEverRoutedToTheBodyItComplainsAbout() {
        let rules = AppealRouter.seedRules
        let districts: [String?] = [nil] + Reference.districts.map(\.code)
        var checked = 0
        for category in Reference.categories.map(\.code) {
            for district in districts {
                for against in Reference.authorities.map(\.code) {
                    let decision = AppealRouter.route(
                        category: category, district: district, against: against, rules: rules)
                    XCTAssertNotEqual(decision.authority, against, "\(category) \(district ?? "-") against \(against)")
                    XCTAssertNotNil(Reference.authority(code: decision.authority))
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    func testInboxScope() {
        let official = Principal(id: "1", name: "a", role: .official, authority: "zhkg")
        XCTAssertEqual(
            official.inboxScope(requested: "health"), .init(authority: "zhkg"), "an official sees only their own")
        XCTAssertEqual(official.inboxScope(requested: nil), .init(authority: "zhkg"))
        XCTAssertNil(Principal(id: "2", name: "b", role: .official, authority: nil).inboxScope(requested: nil))
        let reception = Principal(id: "3", name: "c", role: .reception, authority: "mayor-reception")
        XCTAssertEqual(reception.inboxScope(requested: "health"), .init(authority: "health"))
        XCTAssertEqual(reception.inboxScope(requested: nil), .init(authority: nil))
    }
}

/// Routing's settings: every variable parsed in one place, bad values named.
final class RoutingSettingsTests: XCTestCase {
    func testDefaultsAndValues() throws {
        let defaults = try RoutingSettings.fromEnvironment([:], httpPort: 8081)
        XCTAssertEqual(defaults.watcherInterval, .seconds(60))
        XCTAssertEqual(defaults.autoCloseDays, 10)
        XCTAssertEqual(defaults.web?.cookieName, "hromada_routing")
        XCTAssertEqual(defaults.web?.sessionSecret.isRandom, true)
        let hex = String(repeating: "ab", count: 32)
        let set = try RoutingSettings.fromEnvironment(
            [
                "HROMADA_ROUTING_WATCH_INTERVAL_MS": "250", "HROMADA_ROUTING_AUTO_CLOSE_DAYS": "3",
                "HROMADA_SESSION_SECRET": hex, "HROMADA_PUBLIC_URL": "https://routing.example.org",
            ], httpPort: 8081)
        XCTAssertEqual(set.watcherInterval, .milliseconds(250))
        XCTAssertEqual(set.autoCloseDays, 3)
        XCTAssertEqual(
            set.web?.sessionSecret.bytes, [UInt8](repeating: 0xab, count: 32), "the secret is hex, not raw bytes")
        XCTAssertEqual(set.web?.sessionSecret.isRandom, false)
        XCTAssertEqual(set.web?.publicURL.origin, "https://routing.example.org")
        XCTAssertEqual(
            Set(RoutingSettings.variables.map(\.name)),
            [
                "HROMADA_ROUTING_WATCH_INTERVAL_MS", "HROMADA_ROUTING_AUTO_CLOSE_DAYS", "HROMADA_PUBLIC_URL",
                "HROMADA_SESSION_SECRET", "HROMADA_PHOTO_LINK_KEY", "HROMADA_INTAKE_URL",
            ])
    }

    func testBadValuesNameTheVariable() {
        let cases = [
            ("HROMADA_ROUTING_WATCH_INTERVAL_MS", "10"), ("HROMADA_ROUTING_AUTO_CLOSE_DAYS", "-7"),
            ("HROMADA_ROUTING_AUTO_CLOSE_DAYS", "soon"),
            // 32 characters that are not hex: the old raw-bytes reading accepted this.
            ("HROMADA_SESSION_SECRET", String(repeating: "x", count: 32)), ("HROMADA_SESSION_SECRET", "abcd"),
        ]
        for (name, value) in cases {
            XCTAssertThrowsError(try RoutingSettings.fromEnvironment([name: value]), "\(name)=\(value)") { error in
                XCTAssertEqual((error as? ConfigurationError)?.variable, name)
                XCTAssertFalse(String(describing: error).contains(value), "the value is not echoed")
            }
        }
    }
}
