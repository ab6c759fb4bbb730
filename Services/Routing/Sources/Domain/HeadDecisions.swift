import Foundation
import HromadaContracts
import HromadaCore

/// Why a head's decision under Art. 5, 7, 8, 15, 17 or 20 was refused (HTTP-neutral; `error`
/// maps it to a `RoutingError`, never with personal data).
public enum LawRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Only the head of the holding body or a deputy may decide this.
    case headOnly
    /// Art. 5: a defective appeal is returned within 10 days of its arrival; after that the body
    /// must consider it.
    case returnWindowClosed(lastDay: LocalDate)
    case reasonRequired(field: String)
    case unknownGround
    /// Restoring a complaint's term that was not missed.
    case notLate
    /// Art. 15: only the first head of the body, not a deputy, decides this appeal.
    case headPersonally
    /// Signing or rejecting when no draft waits.
    case noDraft
    /// Art. 8, 17: the complaint was filed after `lastDay`; the head restores the term or decides
    /// it is not considered before anyone answers it.
    case complaintTermMissed(lastDay: LocalDate)
    /// Art. 16: nothing stands above the body complained about; the author may go to court.
    case noHigherBody(String)
    /// A date given for a complaint that cannot be: in the future, or learned before the decision.
    case dateOutOfRange(field: String, reason: String)

    public var error: RoutingError {
        switch self {
        case .noHigherBody(let body):
            RoutingError(
                .conflict, code: "no_higher_body", field: "authority",
                message: "no body stands above \(body): the author may go to court (Art. 16)")
        case .dateOutOfRange(let field, let reason):
            RoutingError(.invalid, code: "invalid_date", field: field, message: reason)
        case .headOnly:
            RoutingError(
                .forbidden, code: "head_only", message: "only the head of the body or a deputy may decide this")
        case .returnWindowClosed(let lastDay):
            RoutingError(
                .conflict, code: "return_window_closed", field: "registeredOn",
                message: "a defective appeal is returned within \(Law.returnWindowDays) days (until \(lastDay))")
        case .reasonRequired(let field):
            RoutingError(
                .invalid, code: "reasons_required", field: field,
                message: "a written explanation of at least \(Lifecycle.minimumRefusalLength) characters is required")
        case .unknownGround:
            RoutingError(
                .invalid, code: "unknown_ground", field: "ground",
                message: "ground must be one of " + NotConsideredGround.allCases.map(\.rawValue).joined(separator: ", ")
            )
        case .notLate:
            RoutingError(.conflict, code: "not_late", field: "filedOn", message: "the complaint was filed in time")
        case .headPersonally:
            RoutingError(
                .forbidden, code: "head_personally",
                message: "the first head of the body considers this appeal personally (Art. 15)")
        case .noDraft:
            RoutingError(.conflict, code: "no_draft", field: "draft", message: "no draft waits for a signature")
        case .complaintTermMissed(let lastDay):
            RoutingError(
                .conflict, code: "complaint_term_missed", field: "filedOn",
                message: "the complaint was filed after its term (\(lastDay)): restore the term or decide it is "
                    + "not considered (Art. 8, 17)")
        }
    }

    public var description: String { "\(error.code): \(error.message)" }
}

extension LawRefusal: PrivacySafeError {}

/// Art. 8: the grounds on which an appeal is not considered. The decision is the head's, and the
/// author is told in writing.
public enum NotConsideredGround: String, Codable, Sendable, CaseIterable {
    /// No place of residence, not signed, or its author cannot be established.
    case anonymous
    /// The same author, the same body, the same question, already decided on the merits.
    case repeatDecided = "repeat-decided"
    /// A complaint filed after the terms of Art. 17 (and not restored).
    case complaintLate = "complaint-late"
    /// An appeal of a person whom a court declared legally incapable.
    case authorIncapable = "author-incapable"
}

/// The heads' part of the law (Art. 15, 20 and the decisions of Art. 5, 8, 17).
public enum HeadRules {
    /// Art. 15: appeals of Heroes of the Soviet Union, Heroes of Socialist Labour, Heroes of Ukraine
    /// and persons disabled by war are considered by the first heads personally. Only
    /// `hero-of-ukraine` exists in `Reference.benefitCategories` today; the other codes are the
    /// ones the registration side is to add.
    public static let personalConsiderationCategories: Set<String> = [
        "hero-of-ukraine", "hero-of-soviet-union", "hero-of-socialist-labour", "war-disabled",
    ]

    public static func requiresHeadPersonally(benefitCategory: String?) -> Bool {
        benefitCategory.map(personalConsiderationCategories.contains) ?? false
    }

    /// Art. 15 says "first heads … personally": a deputy does not stand in for the head here.
    public static func mayConsiderPersonally(_ person: Principal, forAuthority authority: String) -> Bool {
        person.role == .head && person.authority == authority
    }

    /// A head or deputy of `authority` (or an administrator acting for the system) decides for it:
    /// signs answers and extensions (Art. 15, 20), returns, not-considered, restorations.
    public static func mayDecide(_ person: Principal, forAuthority authority: String) -> Bool {
        switch person.role {
        case .head, .deputy: person.authority == authority
        default: false
        }
    }

    /// Art. 5, 7: the last day to return a defective appeal (arrival + 10 days).
    public static func lastReturnDate(receivedOn: LocalDate) -> LocalDate {
        receivedOn.adding(days: Law.returnWindowDays)
    }

    /// Checks a return to the author: the head decides, within the window, with a written
    /// explanation of what is missing. Returns the explanation without surrounding blanks.
    public static func checkReturn(
        by person: Principal, authority: String, receivedOn: LocalDate, today: LocalDate, explanation: String?
    ) throws(LawRefusal) -> String {
        guard mayDecide(person, forAuthority: authority) else { throw .headOnly }
        let lastDay = lastReturnDate(receivedOn: receivedOn)
        guard today <= lastDay else { throw .returnWindowClosed(lastDay: lastDay) }
        return try written(explanation, field: "explanation")
    }

    /// Checks a decision not to consider (Art. 8): the head decides, on a known ground, with the
    /// written notice to the author.
    public static func checkNotConsidered(
        by person: Principal, authority: String, ground: String?, notice: String?
    ) throws(LawRefusal) -> (NotConsideredGround, String) {
        guard mayDecide(person, forAuthority: authority) else { throw .headOnly }
        guard let ground, let parsed = NotConsideredGround(rawValue: ground) else { throw .unknownGround }
        return (parsed, try written(notice, field: "notice"))
    }

    static func written(_ text: String?, field: String) throws(LawRefusal) -> String {
        let body = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.count >= Lifecycle.minimumRefusalLength else { throw .reasonRequired(field: field) }
        return body
    }
}
