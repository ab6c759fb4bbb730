import Foundation
import HromadaContracts
import HromadaCore

/// A rejected request, mapped to HTTP by the API layer: `kind` 404/409/422/403, a code, the
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
}

/// Several field errors at once (422).
public struct RoutingValidationErrors: Error, CustomStringConvertible, Sendable {
    public var errors: [RoutingError]
    public init(errors: [RoutingError]) { self.errors = errors }
    public var description: String { errors.map(\.code).joined(separator: ",") }
}

/// Why the domain refused to change a ticket. Each case knows its HTTP-neutral kind, code, field
/// and message (English, no personal data); `error` gives them as a `RoutingError`.
public enum TicketRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ticket does not exist or the actor may not see it: another authority's ticket is
    /// "not found", never "forbidden", so its existence does not leak.
    case notFound
    /// The actor sees the ticket but may not do this to it.
    case forbidden(TicketAction)
    /// The action may not start from the ticket's status.
    case invalidTransition(from: TicketStatus, action: TicketAction)
    /// Art. 7: forwarding is allowed until `lastDay` (registration + 5 days).
    case forwardWindowClosed(lastDay: LocalDate)
    case required(field: String)
    case unknownAuthority
    case sameAuthority
    /// Art. 7: a complaint is never sent to the body it complains about.
    case complaintAgainstAuthority
    case invalidDate(field: String)
    case daysNotPositive
    case notLater(current: LocalDate, field: String)
    /// Art. 20: at most 45 days from registration, `cap` at the latest.
    case beyondLegalMaximum(cap: LocalDate, field: String)
    case unknownOutcome
    case answerTooShort(empty: Bool)
    /// Art. 19: a refusal gives its reasons.
    case reasonsRequired
    /// A head's decision (Art. 5, 8, 17) refused; `LawRefusal` knows its kind, code and field.
    case law(LawRefusal)

    public var kind: RoutingError.Kind {
        switch self {
        case .notFound: .notFound
        case .forbidden: .forbidden
        case .invalidTransition, .forwardWindowClosed: .conflict
        case .law(let refusal): refusal.error.kind
        default: .invalid
        }
    }

    public var code: String {
        switch self {
        case .notFound: "not_found"
        case .forbidden: "forbidden"
        case .invalidTransition: "invalid_transition"
        case .forwardWindowClosed: "forward_window_closed"
        case .required: "required"
        case .unknownAuthority: "unknown_authority"
        case .sameAuthority: "same_authority"
        case .complaintAgainstAuthority: "complaint_against_authority"
        case .invalidDate: "invalid_date"
        case .daysNotPositive: "invalid_value"
        case .notLater: "not_later"
        case .beyondLegalMaximum: "beyond_legal_maximum"
        case .unknownOutcome: "unknown_outcome"
        case .answerTooShort(let empty): empty ? "required" : "too_short"
        case .reasonsRequired: "reasons_required"
        case .law(let refusal): refusal.error.code
        }
    }

    public var field: String? {
        switch self {
        case .notFound, .forbidden: nil
        case .invalidTransition: "status"
        case .forwardWindowClosed: "registeredAt"
        case .required(let field), .invalidDate(let field), .notLater(_, let field), .beyondLegalMaximum(_, let field):
            field
        case .unknownAuthority, .sameAuthority, .complaintAgainstAuthority: "to"
        case .daysNotPositive: "days"
        case .unknownOutcome: "outcome"
        case .answerTooShort, .reasonsRequired: "text"
        case .law(let refusal): refusal.error.field
        }
    }

    public var message: String {
        switch self {
        case .notFound: "ticket not found"
        case .forbidden(let action) where action.isReceptionAction:
            "only the mayor's reception staff may \(action.rawValue) a ticket"
        case .forbidden(let action): "only the holding authority may \(action.rawValue) this ticket"
        case .invalidTransition(let status, let action):
            "ticket is \(status.rawValue); \(action.rawValue) is not allowed"
        case .forwardWindowClosed(let lastDay):
            "forwarding is allowed within \(Law.forwardWindowDays) days of registration (until \(lastDay))"
        case .required(let field) where field == "newDeadline": "newDeadline or days is required"
        case .required(let field): "\(field) is required"
        case .unknownAuthority: "unknown authority code"
        case .sameAuthority: "the ticket is already at this authority"
        case .complaintAgainstAuthority: "a complaint is never sent to the body it complains about"
        case .invalidDate(let field): "\(field) must be YYYY-MM-DD"
        case .daysNotPositive: "days must be a positive number"
        case .notLater(let current, _): "the new deadline must be later than the current one (\(current))"
        case .beyondLegalMaximum(let cap, _):
            "the law allows at most \(Law.maxTermDays) days from registration: \(cap) at the latest"
        case .unknownOutcome: "outcome must be one of resolved-positively, refused, explained, other"
        case .answerTooShort: "the answer text must have at least \(Lifecycle.minimumAnswerLength) characters"
        case .reasonsRequired:
            "a refusal must give its reasons (at least \(Lifecycle.minimumRefusalLength) characters)"
        case .law(let refusal): refusal.error.message
        }
    }

    public var error: RoutingError { RoutingError(kind, code: code, field: field, message: message) }

    public var description: String { "\(code): \(message)" }
}

// Their descriptions name codes, fields, statuses and legal dates, never a value a person sent or
// a resident's data: safe for logs and dead-letter headers (`redactedDescription`).
extension RoutingError: PrivacySafeError {}
extension RoutingValidationErrors: PrivacySafeError {}
extension TicketRefusal: PrivacySafeError {}
