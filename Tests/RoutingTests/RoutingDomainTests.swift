import HromadaContracts
import XCTest

@testable import Routing

/// Pure rules: routing, deadlines, the lifecycle, answer validation. No servers.
final class RoutingDomainTests: XCTestCase {
    let rules = AppealRouter.seedRules
    let day = LocalDate(string: "2026-11-27")!

    func testDefaultRuleRoutesCategoryToItsAuthority() {
        XCTAssertEqual(
            AppealRouter.route(category: "heating", district: nil, against: nil, rules: rules).authority, "zhkg")
        XCTAssertEqual(
            AppealRouter.route(category: "health-care", district: "zavodskyi", against: nil, rules: rules).authority,
            "health")
        XCTAssertEqual(
            AppealRouter.route(category: "other", district: nil, against: nil, rules: rules).authority,
            "mayor-reception")
        // No rule at all for the category: its Reference default, then the mayor's reception.
        XCTAssertEqual(
            AppealRouter.route(category: "education", district: nil, against: nil, rules: []).authority, "education")
        XCTAssertEqual(
            AppealRouter.route(category: "no-such", district: nil, against: nil, rules: []).authority, "mayor-reception"
        )
    }

    func testDistrictRuleWinsOverCategoryRule() {
        let d = AppealRouter.route(category: "waste", district: "korabelnyi", against: nil, rules: rules)
        XCTAssertEqual(d, .init(authority: "korabelnyi-administration", reason: "district-rule"))
        XCTAssertEqual(
            AppealRouter.route(category: "waste", district: nil, against: nil, rules: rules).authority, "zhkg")
        XCTAssertEqual(
            AppealRouter.route(category: "heating", district: "korabelnyi", against: nil, rules: rules).authority,
            "zhkg")
    }

    func testComplaintIsNeverRoutedToTheBodyItIsAgainst() {
        let d = AppealRouter.route(category: "heating", district: nil, against: "zhkg", rules: rules)
        XCTAssertEqual(d, .init(authority: "mayor-reception", reason: "complaint-rerouted"))
        let district = AppealRouter.route(
            category: "waste", district: "inhulskyi", against: "inhulskyi-administration", rules: rules)
        XCTAssertEqual(district.authority, "mayor-reception")
        // Against the mayor's reception itself: the category's default, else the district's
        // administration, else the first authority.
        XCTAssertEqual(
            AppealRouter.route(category: "other", district: "zavodskyi", against: "mayor-reception", rules: rules)
                .authority,
            "zavodskyi-administration")
        let noDistrict = AppealRouter.route(category: "other", district: nil, against: "mayor-reception", rules: rules)
        XCTAssertNotEqual(noDistrict.authority, "mayor-reception")
        // Against someone else: the rule applies.
        XCTAssertEqual(
            AppealRouter.route(category: "heating", district: nil, against: "health", rules: rules).authority, "zhkg")
    }

    func testRuleValidationNamesTheField() {
        let errors = AppealRouter.validate([
            RoutingRule(category: "heating", authority: "zhkg"),
            RoutingRule(category: "nope", authority: "zhkg"),
            RoutingRule(category: "heating", district: "atlantis", authority: "mars"),
            RoutingRule(category: "heating", authority: "health"),
        ])
        XCTAssertEqual(
            errors.map(\.field), ["rules[1].category", "rules[2].district", "rules[2].authority", "rules[3]"])
        XCTAssertTrue(AppealRouter.validate(AppealRouter.seedRules).isEmpty)
    }

    func testDeadlinesFifteenThirtyAndTheCap() {
        XCTAssertEqual(Lifecycle.initialDeadline(registeredOn: day, termDays: 15).description, "2026-12-12")
        XCTAssertEqual(Lifecycle.initialDeadline(registeredOn: day, termDays: 30).description, "2026-12-27")
        // Capped at +45.
        XCTAssertEqual(Lifecycle.initialDeadline(registeredOn: day, termDays: 90).description, "2027-01-11")
        // Extension: later than now, never past +45.
        let current = day.adding(days: 30)
        XCTAssertEqual(
            try Lifecycle.extendedDeadline(current: current, registeredOn: day, days: 15, newDeadline: nil),
            day.adding(days: 45))
        XCTAssertThrowsError(
            try Lifecycle.extendedDeadline(current: current, registeredOn: day, days: 16, newDeadline: nil)
        ) {
            XCTAssertEqual(($0 as? TicketRefusal)?.code, "beyond_legal_maximum")
        }
        XCTAssertThrowsError(
            try Lifecycle.extendedDeadline(current: current, registeredOn: day, days: nil, newDeadline: current)
        ) {
            XCTAssertEqual(($0 as? TicketRefusal)?.code, "not_later")
        }
        XCTAssertThrowsError(
            try Lifecycle.extendedDeadline(current: current, registeredOn: day, days: nil, newDeadline: nil))
    }

    func testForwardWindowIsFiveCalendarDays() {
        XCTAssertTrue(Lifecycle.forwardAllowed(registeredOn: day, today: day))
        XCTAssertTrue(Lifecycle.forwardAllowed(registeredOn: day, today: day.adding(days: 5)))
        XCTAssertFalse(Lifecycle.forwardAllowed(registeredOn: day, today: day.adding(days: 6)))
    }

    func testEveryIllegalTransitionIsRefusedNamingTheState() {
        let legal = LegalTransitions.from
        for action in TicketAction.allCases {
            for status in TicketStatus.allCases {
                if legal[action]!.contains(status) {
                    XCTAssertNoThrow(try Lifecycle.check(action, from: status), "\(action) from \(status)")
                } else {
                    XCTAssertThrowsError(try Lifecycle.check(action, from: status)) { error in
                        let e = error as? TicketRefusal
                        XCTAssertEqual(e?.code, "invalid_transition")
                        XCTAssertEqual(e?.field, "status")
                        XCTAssertEqual(e?.message, "ticket is \(status.rawValue); \(action.rawValue) is not allowed")
                    }
                }
            }
        }
    }

    func testAnswerValidation() throws {
        XCTAssertThrowsError(try Lifecycle.validateAnswer(outcome: "refused", text: "Ні, бо ні.")) {
            XCTAssertEqual(($0 as? TicketRefusal)?.code, "reasons_required")
        }
        XCTAssertThrowsError(
            try Lifecycle.validateAnswer(
                outcome: "maybe", text: "Достатньо довгий текст")
        ) {
            XCTAssertEqual(($0 as? TicketRefusal)?.field, "outcome")
        }
        XCTAssertThrowsError(try Lifecycle.validateAnswer(outcome: "explained", text: "коротко")) {
            XCTAssertEqual(($0 as? TicketRefusal)?.code, "too_short")
        }
        let (outcome, text) = try Lifecycle.validateAnswer(
            outcome: "refused",
            text: "  Відмовлено: ділянка не належить місту, див. ст. 12.  ")
        XCTAssertEqual(outcome, .refused)
        XCTAssertFalse(text.hasPrefix(" "))
    }

    func testPermissions() {
        let official = Principal(id: "1", name: "a", role: .official, authority: "zhkg")
        let reception = Principal(id: "2", name: "b", role: .reception, authority: "mayor-reception")
        XCTAssertTrue(official.canRead(ticketAuthority: "zhkg"))
        XCTAssertFalse(official.canRead(ticketAuthority: "health"))
        XCTAssertFalse(official.canReopenAndClose)
        XCTAssertTrue(reception.canRead(ticketAuthority: "health"))
        XCTAssertFalse(reception.canWork(ticketAuthority: "health"))
        XCTAssertTrue(reception.canReopenAndClose)
        XCTAssertTrue(Principal.bootstrapAdministrator.canWork(ticketAuthority: "health"))
    }
}
