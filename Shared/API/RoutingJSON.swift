// HromadaAPI — routing's JSON (port 8081): tickets, routing rules, authorities with their backlog,
// and the administrators' officials.
public import Foundation

public enum RoutingJSON {
    /// `GET /v1/tickets` (an array) — the fields ARCHITECTURE.md fixes, and the inbox's others.
    public struct Ticket: Codable, Sendable, Equatable {
        public var id: UUID
        public var registrationNumber: String
        public var authority: String
        public var status: String
        public var priority: Bool
        /// `YYYY-MM-DD`, Kyiv calendar date.
        public var deadline: String
        public var overdue: Bool?
        public var daysLeft: Int?
        public var category: String?
        public var kind: String?
        public var subject: String?
        public var extended: Bool?
        public var escalated: Bool?
        public var registeredAt: Date?
    }

    /// Body of `POST /v1/tickets/{id}/{action}` (the fields an action uses).
    public struct TicketAction: Codable, Sendable, Equatable {
        public var to: String?
        public var reason: String?
        public var days: Int?
        /// `YYYY-MM-DD`.
        public var newDeadline: String?
        public var outcome: String?
        public var text: String?

        public init(
            to: String? = nil, reason: String? = nil, days: Int? = nil, newDeadline: String? = nil,
            outcome: String? = nil, text: String? = nil
        ) {
            self.to = to
            self.reason = reason
            self.days = days
            self.newDeadline = newDeadline
            self.outcome = outcome
            self.text = text
        }
    }

    public struct Rule: Codable, Sendable, Hashable {
        public var category: String
        public var district: String?
        public var authority: String

        public init(category: String, district: String? = nil, authority: String) {
            self.category = category
            self.district = district
            self.authority = authority
        }
    }

    /// `GET /v1/routing-rules` and the answer of `PUT`.
    public struct RuleSet: Codable, Sendable, Equatable {
        public var version: Int
        public var rules: [Rule]

        public init(version: Int, rules: [Rule]) {
            self.version = version
            self.rules = rules
        }
    }

    /// Body of `PUT /v1/routing-rules`: optimistic concurrency on `expectedVersion`.
    public struct RuleSetUpdate: Codable, Sendable, Equatable {
        public var expectedVersion: Int?
        public var rules: [Rule]

        public init(expectedVersion: Int? = nil, rules: [Rule]) {
            self.expectedVersion = expectedVersion
            self.rules = rules
        }
    }

    /// `GET /v1/authorities` (an array): an authority and its open and overdue tickets.
    public struct Authority: Codable, Sendable, Equatable {
        public var code: String
        public var nameUk: String?
        public var nameEn: String?
        public var district: String?
        public var openTickets: Int
        public var overdueTickets: Int

        public init(
            code: String, nameUk: String? = nil, nameEn: String? = nil, district: String? = nil,
            openTickets: Int, overdueTickets: Int
        ) {
            self.code = code
            self.nameUk = nameUk
            self.nameEn = nameEn
            self.district = district
            self.openTickets = openTickets
            self.overdueTickets = overdueTickets
        }
    }

    /// `GET /v1/officials` (an array).
    public struct Official: Codable, Sendable, Equatable {
        public var id: UUID
        public var name: String
        public var authority: String
        /// `official`, `head`, `reception` or `administrator`.
        public var role: String
        public var email: String?
        public var active: Bool
        public var hasToken: Bool
        public var createdAt: Date?
        public var updatedAt: Date?
    }

    /// Body of `POST /v1/officials` and `PUT /v1/officials/by-name`.
    public struct OfficialRequest: Codable, Sendable, Equatable {
        public var name: String
        public var authority: String
        public var role: String
        public var email: String?
        /// Optional for POST (generated when absent); required for the idempotent upsert.
        public var token: String?

        public init(name: String, authority: String, role: String, email: String? = nil, token: String? = nil) {
            self.name = name
            self.authority = authority
            self.role = role
            self.email = email
            self.token = token
        }
    }

    /// `201` of `POST /v1/officials`: the token is shown once.
    public struct OfficialCreated: Codable, Sendable, Equatable {
        public var id: UUID
        public var token: String
    }

    /// Answer of `PUT /v1/officials/by-name`.
    public struct OfficialUpserted: Codable, Sendable, Equatable {
        public var id: UUID
        public var created: Bool
    }

    /// Answer of `POST /v1/officials/{id}/token`.
    public struct TokenIssued: Codable, Sendable, Equatable {
        public var token: String
    }
}
