import Foundation
import HromadaContracts

/// The states of a ticket (DOMAIN.md lifecycle). `forwarded` is transient: a forward re-assigns
/// the ticket to the new authority with status `assigned` and publishes `ticket.forwarded`.
public enum TicketStatus: String, Codable, Sendable, CaseIterable {
    case assigned, accepted, forwarded, extended, answered, reopened, closed

    /// Statuses in which the authority still owes an answer (the deadline watcher looks at these).
    public var isOpen: Bool { self != .answered && self != .closed }
}

/// What a person can do to a ticket.
public enum TicketAction: String, Codable, Sendable, CaseIterable {
    case accept, forward, extend, answer, reopen, close

    /// The statuses this action may start from.
    public var allowedFrom: Set<TicketStatus> {
        switch self {
        case .accept: [.assigned, .reopened]
        case .forward: [.assigned, .accepted]
        case .extend: [.accepted]
        case .answer: [.accepted, .reopened]
        case .reopen: [.answered]
        case .close: [.answered]
        }
    }

    /// The status after the action (a forward lands as `assigned` at the new authority).
    public var resultingStatus: TicketStatus {
        switch self {
        case .accept: .accepted
        case .forward: .assigned
        case .extend: .accepted
        case .answer: .answered
        case .reopen: .reopened
        case .close: .closed
        }
    }
}

/// A rejected request, mapped to HTTP by the API layer: `status` 404/409/422/403, a code, the
/// field it concerns and an English message (no personal data).
public struct RoutingError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case notFound, conflict, invalid, forbidden }
    public var kind: Kind
    public var code: String
    public var field: String?
    public var message: String

    public init(_ kind: Kind, code: String, field: String? = nil, message: String) {
        self.kind = kind
        self.code = code
        self.field = field
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static let ticketNotFound = RoutingError(.notFound, code: "not_found", message: "ticket not found")

    public static func invalidTransition(from status: TicketStatus, action: TicketAction) -> RoutingError {
        RoutingError(.conflict, code: "invalid_transition", field: "status",
                     message: "ticket is \(status.rawValue); \(action.rawValue) is not allowed")
    }
}

/// The lifecycle rules, free of storage and time sources, so they can be unit-tested.
public enum Lifecycle {
    /// Throws `invalid_transition` naming the current status when `action` may not start from it.
    public static func check(_ action: TicketAction, from status: TicketStatus) throws {
        guard action.allowedFrom.contains(status) else { throw RoutingError.invalidTransition(from: status, action: action) }
    }

    /// First date on which forwarding is refused is the day after `registeredOn + 5`.
    public static func lastForwardDate(registeredOn: LocalDate) -> LocalDate {
        registeredOn.adding(days: Law.forwardWindowDays)
    }

    public static func forwardAllowed(registeredOn: LocalDate, today: LocalDate) -> Bool {
        today <= lastForwardDate(registeredOn: registeredOn)
    }

    /// Art. 20: registration date + term (15 or 30), never past registration + 45.
    public static func initialDeadline(registeredOn: LocalDate, termDays: Int) -> LocalDate {
        let term = termDays > 0 ? termDays : Law.studyTermDays
        return min(registeredOn.adding(days: term), Law.latestDeadline(registeredOn: registeredOn))
    }

    /// The deadline an extension asks for: an explicit date, or `days` added to the current deadline.
    /// It must be later than the current deadline and not past registration + 45 days.
    public static func extendedDeadline(
        current: LocalDate, registeredOn: LocalDate, days: Int?, newDeadline: LocalDate?
    ) throws -> LocalDate {
        let target: LocalDate
        if let newDeadline {
            target = newDeadline
        } else if let days {
            guard days > 0 else {
                throw RoutingError(.invalid, code: "invalid_value", field: "days", message: "days must be a positive number")
            }
            target = current.adding(days: days)
        } else {
            throw RoutingError(.invalid, code: "required", field: "newDeadline", message: "newDeadline or days is required")
        }
        let field = newDeadline != nil ? "newDeadline" : "days"
        guard target > current else {
            throw RoutingError(.invalid, code: "not_later", field: field, message: "the new deadline must be later than the current one (\(current))")
        }
        let cap = Law.latestDeadline(registeredOn: registeredOn)
        guard target <= cap else {
            throw RoutingError(.invalid, code: "beyond_legal_maximum", field: field,
                               message: "the law allows at most \(Law.maxTermDays) days from registration: \(cap) at the latest")
        }
        return target
    }

    /// A reopened appeal is considered anew: today + the standard term (15 days).
    public static func reopenedDeadline(today: LocalDate) -> LocalDate { today.adding(days: Law.standardTermDays) }

    /// Checks an answer: outcome known, text at least 10 characters; a refusal gives reasons (≥ 20).
    public static func validateAnswer(outcome: String?, text: String?) throws -> (AnswerOutcome, String) {
        var errors: [RoutingError] = []
        let parsed = outcome.flatMap(AnswerOutcome.init(rawValue:))
        if outcome == nil {
            errors.append(RoutingError(.invalid, code: "required", field: "outcome", message: "outcome is required"))
        } else if parsed == nil {
            errors.append(RoutingError(.invalid, code: "unknown_outcome", field: "outcome",
                                       message: "outcome must be one of resolved-positively, refused, explained, other"))
        }
        let body = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if body.count < 10 {
            errors.append(RoutingError(.invalid, code: body.isEmpty ? "required" : "too_short", field: "text",
                                       message: "the answer text must have at least 10 characters"))
        } else if parsed == .refused && body.count < 20 {
            errors.append(RoutingError(.invalid, code: "reasons_required", field: "text",
                                       message: "a refusal must give its reasons (at least 20 characters)"))
        }
        if let first = errors.first { throw first }
        return (parsed!, body)
    }
}

/// Routing rules: category (+ optional district) → authority.
public struct RoutingRule: Codable, Sendable, Hashable {
    public var category: String
    public var district: String?
    public var authority: String
    public init(category: String, district: String? = nil, authority: String) {
        self.category = category
        self.district = district
        self.authority = authority
    }
}

/// How an appeal is routed. Lookup order: exact category + district rule, then the category's rule
/// without a district, then the category's default authority from `Reference`, then the mayor's
/// reception. A complaint is never sent to the body it complains about (Art. 7): if the chosen
/// authority is the one complained about, the complaint goes to the mayor's reception; if the
/// complaint is against the mayor's reception itself, it goes to the first alternative that is not
/// the authority complained about, in this order: the category's default authority, the district's
/// administration, then the first authority in `Reference.authorities`.
public enum AppealRouter {
    public struct Decision: Sendable, Equatable {
        public var authority: String
        /// "rule" | "district-rule" | "default" | "complaint-rerouted"
        public var reason: String
    }

    public static func route(
        category: String, district: String?, against: String?, rules: [RoutingRule],
        categoryDefault: String? = nil
    ) -> Decision {
        let fallbackDefault = categoryDefault ?? Reference.category(code: category)?.defaultAuthority
        var decision: Decision
        if let district, let rule = rules.first(where: { $0.category == category && $0.district == district }) {
            decision = Decision(authority: rule.authority, reason: "district-rule")
        } else if let rule = rules.first(where: { $0.category == category && $0.district == nil }) {
            decision = Decision(authority: rule.authority, reason: "rule")
        } else if let fallbackDefault {
            decision = Decision(authority: fallbackDefault, reason: "default")
        } else {
            decision = Decision(authority: Reference.defaultAuthority, reason: "default")
        }
        guard let against, against == decision.authority else { return decision }
        if against != Reference.defaultAuthority {
            return Decision(authority: Reference.defaultAuthority, reason: "complaint-rerouted")
        }
        var alternatives: [String] = []
        if let fallbackDefault { alternatives.append(fallbackDefault) }
        if let district, let administration = Reference.administration(ofDistrict: district) { alternatives.append(administration.code) }
        alternatives += Reference.authorities.map(\.code)
        let chosen = alternatives.first { $0 != against } ?? Reference.defaultAuthority
        return Decision(authority: chosen, reason: "complaint-rerouted")
    }

    /// Checks a proposed rule set: known codes, no duplicate (category, district). Errors name the
    /// field as `rules[i].category` etc.
    public static func validate(_ rules: [RoutingRule]) -> [RoutingError] {
        var errors: [RoutingError] = []
        var seen = Set<String>()
        for (i, rule) in rules.enumerated() {
            if Reference.category(code: rule.category) == nil {
                errors.append(RoutingError(.invalid, code: "unknown_category", field: "rules[\(i)].category", message: "unknown category code"))
            }
            if let district = rule.district, Reference.district(code: district) == nil {
                errors.append(RoutingError(.invalid, code: "unknown_district", field: "rules[\(i)].district", message: "unknown district code"))
            }
            if Reference.authority(code: rule.authority) == nil {
                errors.append(RoutingError(.invalid, code: "unknown_authority", field: "rules[\(i)].authority", message: "unknown authority code"))
            }
            let key = "\(rule.category)|\(rule.district ?? "")"
            if !seen.insert(key).inserted {
                errors.append(RoutingError(.invalid, code: "duplicate_rule", field: "rules[\(i)]",
                                           message: "a rule for this category and district is already in the set"))
            }
        }
        return errors
    }

    /// The seed: every category to its default authority; `waste` and `roads` per district to the
    /// district administrations (an example of district rules).
    public static var seedRules: [RoutingRule] {
        var rules = Reference.categories.map { RoutingRule(category: $0.code, authority: $0.defaultAuthority) }
        for category in ["waste", "roads"] {
            for district in Reference.districts {
                rules.append(RoutingRule(category: category, district: district.code, authority: "\(district.code)-administration"))
            }
        }
        return rules
    }
}

/// Who is calling.
public struct Principal: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: OfficialRole
    /// The official's authority (nil for the bootstrap administrator).
    public var authority: String?

    public init(id: String, name: String, role: OfficialRole, authority: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.authority = authority
    }

    public static let bootstrapAdministrator = Principal(id: "admin", name: "administrator", role: .administrator, authority: nil)

    /// Reception staff and administrators see every authority's tickets.
    public var seesAllTickets: Bool { role == .reception || role == .administrator }

    public func canRead(ticketAuthority: String) -> Bool { seesAllTickets || authority == ticketAuthority }

    /// Accept, forward, extend, answer: the holding authority's people, or an administrator.
    public func canWork(ticketAuthority: String) -> Bool { role == .administrator || authority == ticketAuthority }

    /// Reopen and close: reception staff and administrators.
    public var canReopenAndClose: Bool { seesAllTickets }
}
