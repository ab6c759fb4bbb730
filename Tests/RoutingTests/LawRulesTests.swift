import Foundation
import HromadaContracts
import XCTest

@testable import Routing

/// Issue 20's handling-side rules as pure functions: calendar months and years, the hierarchy of
/// bodies and complaints upward (Art. 16), complaint terms and their restoration (Art. 17), the
/// heads' decisions (Art. 5, 7, 8, 15, 20). No servers.
final class LawRulesTests: XCTestCase {
    static func date(_ text: String) -> LocalDate { LocalDate(string: text)! }
    static let head = Principal(id: "h-1", name: "Head", role: .head, authority: "zhkg")
    static let deputy = Principal(id: "d-1", name: "Deputy", role: .deputy, authority: "zhkg")
    static let official = Principal(id: "o-1", name: "Official", role: .official, authority: "zhkg")
    static let otherHead = Principal(id: "h-2", name: "Other head", role: .head, authority: "transport")

    // MARK: Calendar months and years (Civil Code Art. 253–254, Law Art. 17, 20)

    func testMonthsEndOnTheSameDateOrTheLastDayOfTheMonth() {
        let cases: [(String, Int, String)] = [
            ("2027-01-31", 1, "2027-02-28"), ("2028-01-31", 1, "2028-02-29"), ("2026-03-31", 1, "2026-04-30"),
            ("2026-01-30", 1, "2026-02-28"), ("2026-01-15", 1, "2026-02-15"), ("2026-12-31", 1, "2027-01-31"),
            ("2026-11-30", 1, "2026-12-30"), ("2100-01-31", 1, "2100-02-28"), ("2000-01-31", 1, "2000-02-29"),
            ("2026-08-31", 6, "2027-02-28"), ("2026-03-31", -1, "2026-02-28"),
        ]
        for (start, months, end) in cases {
            XCTAssertEqual(
                LawCalendar.adding(months: months, to: Self.date(start)), Self.date(end), "\(start) + \(months)")
        }
        XCTAssertEqual(LawCalendar.adding(years: 1, to: Self.date("2028-02-29")), Self.date("2029-02-28"))
        XCTAssertEqual(LawCalendar.adding(years: 4, to: Self.date("2028-02-29")), Self.date("2032-02-29"))
        XCTAssertEqual(LawCalendar.adding(years: 1, to: Self.date("2026-03-10")), Self.date("2027-03-10"))
    }

    func testTheMonthTermNeverPassesTheFortyFiveDayCap() {
        // Every start date of a leap and a common year: a month is 28–31 days, under the 45-day cap.
        var day = Self.date("2027-01-01")
        while day < Self.date("2029-01-01") {
            let deadline = Lifecycle.initialDeadline(registeredOn: day, termDays: Law.studyTermDays)
            XCTAssertTrue((28...31).contains(day.days(until: deadline)), "\(day)")
            XCTAssertLessThanOrEqual(deadline, Law.latestDeadline(registeredOn: day))
            day = day.adding(days: 1)
        }
    }

    // MARK: The hierarchy (Art. 16)

    func testTheSeedPutsEveryBodyUnderTheExecutiveCommittee() {
        let seed = AuthorityHierarchy.seed
        XCTAssertTrue(AuthorityHierarchy.validate(seed).isEmpty)
        for authority in Reference.authorities {
            XCTAssertEqual(seed.parent(of: authority.code), "executive-committee", authority.code)
        }
        XCTAssertNil(seed.parent(of: "executive-committee"))
        XCTAssertTrue(seed.isAbove("executive-committee", "zhkg"))
        XCTAssertFalse(seed.isAbove("zhkg", "executive-committee"))
        XCTAssertFalse(seed.isAbove("mayor-reception", "zhkg"), "siblings are not above each other")
    }

    func testValidationRefusesUnknownCodesSelfLinksAndCycles() {
        let unknown = AuthorityHierarchy(parents: ["zhkg": "nowhere", "ghost": "executive-committee"])
        XCTAssertEqual(
            AuthorityHierarchy.validate(unknown).map { "\($0.code)@\($0.field ?? "")" }.sorted(),
            ["unknown_authority@parents.ghost", "unknown_authority@parents.zhkg"])
        let selfLink = AuthorityHierarchy(parents: ["zhkg": "zhkg"])
        XCTAssertEqual(AuthorityHierarchy.validate(selfLink).map(\.code), ["cycle"])
        let cycle = AuthorityHierarchy(parents: [
            "zhkg": "transport", "transport": "health", "health": "zhkg", "education": "executive-committee",
        ])
        let errors = AuthorityHierarchy.validate(cycle)
        XCTAssertEqual(Set(errors.map(\.field)), ["parents.zhkg", "parents.transport", "parents.health"])
        XCTAssertTrue(errors.allSatisfy { $0.code == "cycle" && $0.kind == .invalid })
        // A deeper chain without a cycle is fine.
        let chain = AuthorityHierarchy(
            parents: [
                "zhkg-district": "executive-committee", "zhkg": "mayor-reception",
                "mayor-reception": "executive-committee",
            ].filter { $0.key != "zhkg-district" })
        XCTAssertTrue(AuthorityHierarchy.validate(chain).isEmpty)
        XCTAssertEqual(chain.ancestors(of: "zhkg"), ["mayor-reception", "executive-committee"])
    }

    func testAComplaintGoesToTheBodyAboveNeverSidewaysDownOrToItself() {
        let seed = AuthorityHierarchy.seed
        // The issue's case: a complaint against the mayor's reception went to a district
        // administration or the housing department (sideways). It goes up to the mayor.
        XCTAssertEqual(ComplaintRoute.for(against: "mayor-reception", in: seed), .higherBody("executive-committee"))
        XCTAssertEqual(ComplaintRoute.for(against: "zhkg", in: seed), .higherBody("executive-committee"))
        XCTAssertEqual(
            ComplaintRoute.for(against: "korabelnyi-administration", in: seed), .higherBody("executive-committee"))
        XCTAssertEqual(ComplaintRoute.for(against: "executive-committee", in: seed), .noHigherBody)
        XCTAssertEqual(ComplaintRoute.for(against: "nowhere", in: seed), .unknownBody)
        for authority in Reference.authorities {
            let route = ComplaintRoute.for(against: authority.code, in: seed)
            XCTAssertNotEqual(route.authority, authority.code)
            XCTAssertTrue(route.authority.map { seed.isAbove($0, authority.code) } ?? false, authority.code)
        }
        // Changed data changes the route: a district's housing office under the administration.
        let deeper = AuthorityHierarchy(parents: ["zhkg": "mayor-reception", "mayor-reception": "executive-committee"])
        XCTAssertEqual(ComplaintRoute.for(against: "zhkg", in: deeper), .higherBody("mayor-reception"))
    }

    // MARK: Complaint terms (Art. 17)

    func testComplaintTermsOneYearAndOneMonthAfterLearning() {
        let decided = Self.date("2026-01-31")
        // Learned the same day: one month, ending on the last day of February.
        XCTAssertEqual(ComplaintTerm.lastDay(decidedOn: decided, learnedOn: decided), Self.date("2026-02-28"))
        XCTAssertEqual(
            ComplaintTerm.status(decidedOn: decided, learnedOn: decided, filedOn: Self.date("2026-02-28")),
            .inTime(lastDay: Self.date("2026-02-28")))
        XCTAssertEqual(
            ComplaintTerm.status(decidedOn: decided, learnedOn: decided, filedOn: Self.date("2026-03-01")),
            .late(lastDay: Self.date("2026-02-28")))
        // Learned late in the year: the year from the decision limits first.
        XCTAssertEqual(
            ComplaintTerm.lastDay(decidedOn: decided, learnedOn: Self.date("2027-01-20")), Self.date("2027-01-31"))
        // Unknown learning date: only the year; a leap day decision ends on 28 February.
        XCTAssertEqual(
            ComplaintTerm.lastDay(decidedOn: Self.date("2028-02-29"), learnedOn: nil), Self.date("2029-02-28"))
        XCTAssertFalse(
            ComplaintTerm.status(decidedOn: decided, learnedOn: nil, filedOn: Self.date("2027-02-01")).mayBeConsidered)
    }

    func testAMissedComplaintTermIsRestoredOnlyByTheHeadForAReason() throws {
        let late = ComplaintTerm.status(
            decidedOn: Self.date("2026-01-10"), learnedOn: Self.date("2026-01-10"), filedOn: Self.date("2026-03-01"))
        XCTAssertFalse(late.mayBeConsidered)
        let reason = "the author was in hospital from 2026-01-12 to 2026-02-25"
        let restored = try ComplaintTerm.restore(late, by: Self.deputy, forAuthority: "zhkg", reason: reason)
        XCTAssertEqual(restored, .restored(lastDay: Self.date("2026-02-10"), by: "d-1", reason: reason))
        XCTAssertTrue(restored.mayBeConsidered)
        XCTAssertThrowsError(try ComplaintTerm.restore(late, by: Self.official, forAuthority: "zhkg", reason: reason)) {
            XCTAssertEqual($0 as? LawRefusal, .headOnly)
        }
        XCTAssertThrowsError(try ComplaintTerm.restore(late, by: Self.otherHead, forAuthority: "zhkg", reason: reason))
        {
            XCTAssertEqual($0 as? LawRefusal, .headOnly)
        }
        XCTAssertThrowsError(try ComplaintTerm.restore(late, by: Self.head, forAuthority: "zhkg", reason: "  ")) {
            XCTAssertEqual($0 as? LawRefusal, .reasonRequired(field: "reason"))
        }
        let inTime = ComplaintTerm.status(
            decidedOn: Self.date("2026-01-10"), learnedOn: nil, filedOn: Self.date("2026-01-20"))
        XCTAssertThrowsError(try ComplaintTerm.restore(inTime, by: Self.head, forAuthority: "zhkg", reason: reason)) {
            XCTAssertEqual($0 as? LawRefusal, .notLate)
        }
    }

    // MARK: Heads' decisions (Art. 5, 7, 8, 15)

    func testReturnsAreTheHeadsWithinTenDaysWithAnExplanation() throws {
        let received = Self.date("2026-11-20")
        let explanation = "the appeal gives no place of residence (Art. 5): please add your address"
        XCTAssertEqual(HeadRules.lastReturnDate(receivedOn: received), Self.date("2026-11-30"))
        XCTAssertEqual(
            try HeadRules.checkReturn(
                by: Self.head, authority: "zhkg", receivedOn: received, today: Self.date("2026-11-30"),
                explanation: "  \(explanation) "),
            explanation)
        XCTAssertThrowsError(
            try HeadRules.checkReturn(
                by: Self.head, authority: "zhkg", receivedOn: received, today: Self.date("2026-12-01"),
                explanation: explanation)
        ) { XCTAssertEqual($0 as? LawRefusal, .returnWindowClosed(lastDay: Self.date("2026-11-30"))) }
        XCTAssertThrowsError(
            try HeadRules.checkReturn(
                by: Self.official, authority: "zhkg", receivedOn: received, today: received, explanation: explanation)
        ) { XCTAssertEqual($0 as? LawRefusal, .headOnly) }
        XCTAssertThrowsError(
            try HeadRules.checkReturn(
                by: Self.head, authority: "zhkg", receivedOn: received, today: received, explanation: "fix it")
        ) { XCTAssertEqual($0 as? LawRefusal, .reasonRequired(field: "explanation")) }
    }

    func testNotConsideredNeedsAKnownGroundAndTheWrittenNotice() throws {
        let notice = "your appeal of 2026-10-01 on the same question was decided on the merits"
        let (ground, text) = try HeadRules.checkNotConsidered(
            by: Self.head, authority: "zhkg", ground: "repeat-decided", notice: notice)
        XCTAssertEqual(ground, .repeatDecided)
        XCTAssertEqual(text, notice)
        XCTAssertEqual(
            NotConsideredGround.allCases.map(\.rawValue),
            ["anonymous", "repeat-decided", "complaint-late", "author-incapable"])
        XCTAssertThrowsError(
            try HeadRules.checkNotConsidered(by: Self.head, authority: "zhkg", ground: "boring", notice: notice)
        ) { XCTAssertEqual($0 as? LawRefusal, .unknownGround) }
        XCTAssertThrowsError(
            try HeadRules.checkNotConsidered(by: Self.official, authority: "zhkg", ground: "anonymous", notice: notice)
        ) { XCTAssertEqual($0 as? LawRefusal, .headOnly) }
        XCTAssertThrowsError(
            try HeadRules.checkNotConsidered(by: Self.head, authority: "zhkg", ground: "anonymous", notice: nil)
        ) { XCTAssertEqual($0 as? LawRefusal, .reasonRequired(field: "notice")) }
        XCTAssertEqual(LawRefusal.headOnly.error.kind, .forbidden)
    }

    func testArticleFifteenCategoriesGoToTheHeadPersonally() {
        for code in ["hero-of-ukraine", "hero-of-soviet-union", "hero-of-socialist-labour", "war-disabled"] {
            XCTAssertTrue(HeadRules.requiresHeadPersonally(benefitCategory: code), code)
        }
        for code in ["war-veteran", "person-with-disability", "idp", ""] {
            XCTAssertFalse(HeadRules.requiresHeadPersonally(benefitCategory: code), code)
        }
        XCTAssertFalse(HeadRules.requiresHeadPersonally(benefitCategory: nil))
        XCTAssertTrue(HeadRules.mayDecide(Self.head, forAuthority: "zhkg"))
        XCTAssertTrue(HeadRules.mayDecide(Self.deputy, forAuthority: "zhkg"))
        XCTAssertFalse(HeadRules.mayDecide(Self.otherHead, forAuthority: "zhkg"))
        XCTAssertFalse(HeadRules.mayDecide(Self.official, forAuthority: "zhkg"))
        XCTAssertFalse(HeadRules.mayDecide(.bootstrapAdministrator, forAuthority: "zhkg"))
        XCTAssertTrue(HeadRules.mayConsiderPersonally(Self.head, forAuthority: "zhkg"))
        XCTAssertFalse(HeadRules.mayConsiderPersonally(Self.deputy, forAuthority: "zhkg"), "first heads personally")
        XCTAssertFalse(HeadRules.mayConsiderPersonally(Self.otherHead, forAuthority: "zhkg"))
    }
}
