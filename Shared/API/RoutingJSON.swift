// HromadaAPI — routing's JSON (port 8081): tickets, routing rules, authorities with their backlog,
// and the administrators' officials.
public import Foundation
public import HromadaContracts

public enum RoutingJSON {
    /// `GET /v1/tickets` (`{"tickets": [...]}`): one line of the inbox, no personal data — the fields
    /// ARCHITECTURE.md fixes, and the inbox's others. Routing's `TicketSummary` is this type.
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
        /// `answer` or `extension` when a draft waits for the head's signature (Art. 15, 20).
        public var awaitingSignature: String?
        /// Art. 15: the first head of the body considers it personally.
        public var headPersonally: Bool?

        public init(
            id: UUID, registrationNumber: String, authority: String, status: String, priority: Bool,
            deadline: String, overdue: Bool? = nil, daysLeft: Int? = nil, category: String? = nil,
            kind: String? = nil, subject: String? = nil, extended: Bool? = nil, escalated: Bool? = nil,
            registeredAt: Date? = nil, awaitingSignature: String? = nil, headPersonally: Bool? = nil
        ) {
            self.id = id
            self.registrationNumber = registrationNumber
            self.authority = authority
            self.status = status
            self.priority = priority
            self.deadline = deadline
            self.overdue = overdue
            self.daysLeft = daysLeft
            self.category = category
            self.kind = kind
            self.subject = subject
            self.extended = extended
            self.escalated = escalated
            self.registeredAt = registeredAt
            self.awaitingSignature = awaitingSignature
            self.headPersonally = headPersonally
        }
    }

    /// `GET /v1/tickets/{id}` and the answer of every action: the whole ticket with the law's limits
    /// spelled out for the forms, routing's copy of the appeal (personal data: every view is
    /// recorded) and the history. Routing's `TicketDetail` is this type.
    public struct TicketDetail: Codable, Sendable, Equatable {
        /// The appeal as officials need it.
        public struct Appeal: Codable, Sendable, Equatable {
            public struct Author: Codable, Sendable, Equatable {
                public var fullName: String
                public var address: String
                public var email: String?
                public var phone: String?
                public var preferredLanguage: String
                public var benefitCategory: String?

                public init(
                    fullName: String, address: String, email: String?, phone: String?, preferredLanguage: String,
                    benefitCategory: String?
                ) {
                    self.fullName = fullName
                    self.address = address
                    self.email = email
                    self.phone = phone
                    self.preferredLanguage = preferredLanguage
                    self.benefitCategory = benefitCategory
                }
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
            /// Issue 15: the problem's place (coordinates and the address text, when given) and an
            /// Open311 client's photo link (http or https; officials' browsers open it, no server
            /// fetches it). Nil when absent and in answers of servers before them.
            public var location: Location?
            public var mediaURL: String?

            /// `{lat, lon, address}`, as `appeal.registered` carries it.
            public typealias Location = HromadaContracts.AppealRegistered.Location

            public init(
                kind: String, category: String, district: String?, subject: String, text: String, author: Author,
                confidential: Bool, against: String?, centreId: String?, repeatOf: String?,
                locationAddress: String?, channel: String, registeredAt: Date
            ) {
                self.kind = kind
                self.category = category
                self.district = district
                self.subject = subject
                self.text = text
                self.author = author
                self.confidential = confidential
                self.against = against
                self.centreId = centreId
                self.repeatOf = repeatOf
                self.locationAddress = locationAddress
                self.channel = channel
                self.registeredAt = registeredAt
            }
        }

        /// One line of the ticket's history (the registration card's moves).
        public struct HistoryEntry: Codable, Sendable, Equatable {
            public var at: Date
            public var action: String
            public var actor: String
            public var fromStatus: String?
            public var toStatus: String
            public var authority: String
            public var note: String?

            public init(
                at: Date, action: String, actor: String, fromStatus: String?, toStatus: String, authority: String,
                note: String?
            ) {
                self.at = at
                self.action = action
                self.actor = actor
                self.fromStatus = fromStatus
                self.toStatus = toStatus
                self.authority = authority
                self.note = note
            }
        }

        /// The answer or extension an official drafted, waiting for the head's signature.
        public struct Draft: Codable, Sendable, Equatable {
            /// `answer` | `extension`.
            public var kind: String
            public var outcome: String?
            public var text: String?
            /// `YYYY-MM-DD`.
            public var newDeadline: String?
            public var reason: String?
            public var preparedBy: String
            public var preparedByName: String
            public var preparedAt: Date

            public init(
                kind: String, outcome: String?, text: String?, newDeadline: String?, reason: String?,
                preparedBy: String, preparedByName: String, preparedAt: Date
            ) {
                self.kind = kind
                self.outcome = outcome
                self.text = text
                self.newDeadline = newDeadline
                self.reason = reason
                self.preparedBy = preparedBy
                self.preparedByName = preparedByName
                self.preparedAt = preparedAt
            }
        }

        public var id: UUID
        public var appealId: UUID
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
        /// Last day a forward is allowed (terms start + 5 days).
        public var forwardAllowedUntil: String
        public var forwardAllowed: Bool
        /// Terms start + 45 days: no extension goes past it.
        public var maxDeadline: String
        public var outcome: String?
        public var answerText: String?
        public var answeredAt: Date?
        public var closedAt: Date?
        public var appeal: Appeal
        public var history: [HistoryEntry]
        /// The day terms count from (Art. 20: the day the appeal arrived).
        public var termsStartOn: String?
        public var draft: Draft?
        /// Art. 15: the first head of the body considers it personally.
        public var headPersonally: Bool?
        /// Art. 17: the complaint was filed after this day and its term is not restored.
        public var complaintTermMissed: String?

        public init(
            id: UUID, appealId: UUID, registrationNumber: String, authority: String, status: String, priority: Bool,
            deadline: String, overdue: Bool, daysLeft: Int, extended: Bool, escalated: Bool, registeredAt: Date,
            registeredOn: String, forwardAllowedUntil: String, forwardAllowed: Bool, maxDeadline: String,
            outcome: String?, answerText: String?, answeredAt: Date?, closedAt: Date?, appeal: Appeal,
            history: [HistoryEntry], termsStartOn: String? = nil, draft: Draft? = nil, headPersonally: Bool? = nil,
            complaintTermMissed: String? = nil
        ) {
            self.id = id
            self.appealId = appealId
            self.registrationNumber = registrationNumber
            self.authority = authority
            self.status = status
            self.priority = priority
            self.deadline = deadline
            self.overdue = overdue
            self.daysLeft = daysLeft
            self.extended = extended
            self.escalated = escalated
            self.registeredAt = registeredAt
            self.registeredOn = registeredOn
            self.forwardAllowedUntil = forwardAllowedUntil
            self.forwardAllowed = forwardAllowed
            self.maxDeadline = maxDeadline
            self.outcome = outcome
            self.answerText = answerText
            self.answeredAt = answeredAt
            self.closedAt = closedAt
            self.appeal = appeal
            self.history = history
            self.termsStartOn = termsStartOn
            self.draft = draft
            self.headPersonally = headPersonally
            self.complaintTermMissed = complaintTermMissed
        }
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
        /// `not-considered`: the Art. 8 ground.
        public var ground: String?
        /// `dispute`: the day the resident learned of the answer disputed (`YYYY-MM-DD`, Art. 17).
        public var learnedOn: String?

        public init(
            to: String? = nil, reason: String? = nil, days: Int? = nil, newDeadline: String? = nil,
            outcome: String? = nil, text: String? = nil, ground: String? = nil, learnedOn: String? = nil
        ) {
            self.learnedOn = learnedOn
            self.to = to
            self.reason = reason
            self.days = days
            self.newDeadline = newDeadline
            self.outcome = outcome
            self.text = text
            self.ground = ground
        }
    }

    /// One rule, `{category, district?, authority}` (no district: any district): the very rule
    /// `routing-rules.changed` carries.
    public typealias Rule = RoutingRulesChanged.Rule

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
        /// `official`, `head`, `deputy`, `reception` or `administrator`.
        public var role: String
        public var email: String?
        public var active: Bool
        public var hasToken: Bool
        public var createdAt: Date?
        public var updatedAt: Date?

        public init(
            id: UUID, name: String, authority: String, role: String, email: String?, active: Bool, hasToken: Bool,
            createdAt: Date?, updatedAt: Date?
        ) {
            self.id = id
            self.name = name
            self.authority = authority
            self.role = role
            self.email = email
            self.active = active
            self.hasToken = hasToken
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
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

        public init(id: UUID, token: String) {
            self.id = id
            self.token = token
        }
    }

    /// Answer of `PUT /v1/officials/by-name`.
    public struct OfficialUpserted: Codable, Sendable, Equatable {
        public var id: UUID
        public var created: Bool

        public init(id: UUID, created: Bool) {
            self.id = id
            self.created = created
        }
    }

    /// Answer of `POST /v1/officials/{id}/token`.
    public struct TokenIssued: Codable, Sendable, Equatable {
        public var token: String

        public init(token: String) { self.token = token }
    }
}
