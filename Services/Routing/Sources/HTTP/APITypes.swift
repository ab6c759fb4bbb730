import Foundation
import HromadaContracts

/// A UUID written lower-case in JSON (ARCHITECTURE.md: identifiers are lower-case everywhere) and
/// read in either case.
@propertyWrapper
public struct LowercaseUUID: Codable, Sendable, Equatable, Hashable {
    public var wrappedValue: UUID
    public init(wrappedValue: UUID) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let value = UUID(uuidString: try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a UUID")
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue.uuidString.lowercased())
    }
}

/// One line of the inbox: no personal data.
public struct TicketSummary: Codable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    public var registrationNumber: String
    public var authority: String
    public var status: String
    public var priority: Bool
    /// `YYYY-MM-DD`, Kyiv calendar date.
    public var deadline: String
    public var overdue: Bool
    public var daysLeft: Int
    public var category: String
    public var kind: String
    public var subject: String
    public var extended: Bool
    public var escalated: Bool
    public var registeredAt: Date
    /// `answer` or `extension` when a draft waits for the head's signature (the head's queue).
    public var awaitingSignature: String?
    /// Art. 15: the first head of the body considers it personally.
    public var headPersonally: Bool?
}

/// The appeal as officials need it (personal data: every view is recorded).
public struct TicketAppeal: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        public var fullName: String
        public var address: String
        public var email: String?
        public var phone: String?
        public var preferredLanguage: String
        public var benefitCategory: String?
    }
    public var kind: String
    public var category: String
    public var district: String?
    public var subject: String
    public var text: String
    public var author: Author
    public var confidential: Bool
    public var against: String?
    public var centreId: String?
    public var repeatOf: String?
    public var locationAddress: String?
    public var channel: String
    public var registeredAt: Date
}

public struct TicketHistoryEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var action: String
    public var actor: String
    public var fromStatus: String?
    public var toStatus: String
    public var authority: String
    public var note: String?
}

/// A whole ticket with the law's limits spelled out for the forms.
public struct TicketDetail: Codable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    @LowercaseUUID public var appealId: UUID
    public var registrationNumber: String
    public var authority: String
    public var status: String
    public var priority: Bool
    public var deadline: String
    public var overdue: Bool
    public var daysLeft: Int
    public var extended: Bool
    public var escalated: Bool
    public var registeredAt: Date
    /// Registration date in Kyiv.
    public var registeredOn: String
    /// Last day a forward is allowed (registration + 5 days).
    public var forwardAllowedUntil: String
    public var forwardAllowed: Bool
    /// Registration + 45 days: no extension goes past it.
    public var maxDeadline: String
    public var outcome: String?
    public var answerText: String?
    public var answeredAt: Date?
    public var closedAt: Date?
    public var appeal: TicketAppeal
    public var history: [TicketHistoryEntry]
    /// The day terms count from (Art. 20: the day the appeal arrived; `registeredOn` unless a paper
    /// appeal was entered late).
    public var termsStartOn: String?
    /// The answer or extension waiting for the head's or a deputy's signature.
    public var draft: Draft?
    /// Art. 15: the first head of the body considers it personally.
    public var headPersonally: Bool?
    /// Art. 17: the complaint was filed after this day and its term is not restored.
    public var complaintTermMissed: String?

    public struct Draft: Codable, Sendable, Equatable {
        /// `answer` | `extension`.
        public var kind: String
        public var outcome: String?
        public var text: String?
        public var newDeadline: String?
        public var reason: String?
        public var preparedBy: String
        public var preparedByName: String
        public var preparedAt: Date
    }
}

/// Body of `POST /v1/tickets/{id}/{action}` (fields used depend on the action).
public struct TicketActionRequest: Codable, Sendable {
    public var to: String?
    public var reason: String?
    public var days: Int?
    /// `YYYY-MM-DD`.
    public var newDeadline: String?
    public var outcome: String?
    public var text: String?
    /// `not-considered`: the Art. 8 ground (`NotConsideredGround`).
    public var ground: String?

    public init(
        to: String? = nil, reason: String? = nil, days: Int? = nil, newDeadline: String? = nil, outcome: String? = nil,
        text: String? = nil
    ) {
        self.to = to
        self.reason = reason
        self.days = days
        self.newDeadline = newDeadline
        self.outcome = outcome
        self.text = text
    }
}

public struct RuleSet: Codable, Sendable, Equatable {
    public var version: Int
    public var rules: [RoutingRule]
}

public struct RuleSetUpdate: Codable, Sendable {
    public var expectedVersion: Int?
    public var rules: [RoutingRule]
}

public struct AuthorityInfo: Codable, Sendable, Equatable {
    public var code: String
    public var nameUk: String
    public var nameEn: String
    public var district: String?
    public var openTickets: Int
    public var overdueTickets: Int
}

public struct OfficialInfo: Codable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    public var name: String
    public var authority: String
    public var role: OfficialRole
    public var email: String?
    public var active: Bool
    public var hasToken: Bool
    public var createdAt: Date
    public var updatedAt: Date
}

/// `POST /v1/officials` and `PUT /v1/officials/by-name`.
public struct OfficialRequest: Codable, Sendable {
    public var name: String
    public var authority: String
    public var role: OfficialRole
    public var email: String?
    /// Optional for POST (generated when absent); required for the idempotent upsert.
    public var token: String?

    public init(name: String, authority: String, role: OfficialRole, email: String? = nil, token: String? = nil) {
        self.name = name
        self.authority = authority
        self.role = role
        self.email = email
        self.token = token
    }
}

public struct OfficialCreated: Codable, Sendable {
    @LowercaseUUID public var id: UUID
    public var token: String
}

public struct OfficialUpserted: Codable, Sendable {
    @LowercaseUUID public var id: UUID
    public var created: Bool
}

public struct TokenIssued: Codable, Sendable {
    public var token: String
}

// MARK: From the domain to the API

extension TicketSummary {
    public init(_ t: Ticket, today: LocalDate) {
        self.init(
            id: t.id, registrationNumber: t.registrationNumber, authority: t.authority, status: t.status.rawValue,
            priority: t.priority, deadline: t.deadline.description, overdue: t.isOverdue(today: today),
            daysLeft: t.daysLeft(today: today), category: t.category, kind: t.kind.rawValue, subject: t.subject,
            extended: t.extended, escalated: t.escalated, registeredAt: t.registeredAt,
            awaitingSignature: t.draft?.kind.rawValue, headPersonally: t.headPersonally ? true : nil)
    }
}

extension TicketDetail {
    public init(_ record: TicketRecord, today: LocalDate) {
        let t = record.ticket
        self.init(
            id: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
            status: t.status.rawValue, priority: t.priority, deadline: t.deadline.description,
            overdue: t.isOverdue(today: today), daysLeft: t.daysLeft(today: today), extended: t.extended,
            escalated: t.escalated, registeredAt: t.registeredAt, registeredOn: t.registeredOn.description,
            forwardAllowedUntil: t.lastForwardDate.description,
            forwardAllowed: Lifecycle.forwardAllowed(registeredOn: t.registeredOn, today: today),
            maxDeadline: t.latestDeadline.description, outcome: t.outcome?.rawValue, answerText: t.answerText,
            answeredAt: t.answeredAt, closedAt: t.closedAt, appeal: record.appeal, history: record.history,
            termsStartOn: t.termsStartOn.description,
            draft: t.draft.map {
                Draft(
                    kind: $0.kind.rawValue, outcome: $0.outcome?.rawValue, text: $0.text,
                    newDeadline: $0.newDeadline?.description, reason: $0.reason, preparedBy: $0.preparedBy,
                    preparedByName: $0.preparedByName, preparedAt: $0.preparedAt)
            }, headPersonally: t.headPersonally, complaintTermMissed: t.complaintTermMissed?.description)
    }
}

extension TicketCommand {
    /// The command for `action` with the fields of its request body (the others are ignored).
    public init(_ action: TicketAction, _ request: TicketActionRequest) {
        switch action {
        case .accept: self = .accept
        case .forward: self = .forward(to: request.to, reason: request.reason)
        case .extend: self = .extend(days: request.days, newDeadline: request.newDeadline, reason: request.reason)
        case .answer: self = .answer(outcome: request.outcome, text: request.text)
        case .reopen: self = .reopen(reason: request.reason)
        case .close: self = .close
        case .returnToAuthor: self = .returnToAuthor(explanation: request.text ?? request.reason)
        case .notConsidered: self = .notConsidered(ground: request.ground, notice: request.text)
        case .sign: self = .sign
        case .rejectDraft: self = .rejectDraft(reason: request.reason)
        case .restoreTerm: self = .restoreTerm(reason: request.reason)
        }
    }
}
