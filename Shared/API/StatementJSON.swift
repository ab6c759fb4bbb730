// HromadaAPI — the resident's statement of the personal data Hromada holds about their appeal and
// who viewed it (intake, port 8080: `GET /v1/appeals/{number}/statement?token=…`).
public import Foundation
public import HromadaContracts

public enum StatementJSON {
    /// One item of personal data held, e.g. `{"field": "author.email", "value": "…"}`.
    public struct Item: Codable, Sendable, Equatable {
        public var field: String
        public var value: String

        public init(field: String, value: String) {
            self.field = field
            self.value = value
        }
    }

    /// One recorded access to the appeal's personal data (from `personal-data.accessed`).
    public struct Access: Codable, Sendable, Equatable {
        public var at: Date
        /// "official", "head", "reception", "administrator", …
        public var role: String
        /// The authority the person works for, when known.
        public var authority: String?
        /// What for, e.g. "ticket.view", "audit.trail".
        public var purpose: String
        /// The service that served it, e.g. "hromada-routing".
        public var service: String

        public init(at: Date, role: String, authority: String?, purpose: String, service: String) {
            self.at = at
            self.role = role
            self.authority = authority
            self.purpose = purpose
            self.service = service
        }
    }

    public struct Statement: Codable, Sendable, Equatable {
        public var registrationNumber: String
        public var registeredAt: Date
        public var generatedAt: Date
        /// The personal data Hromada holds about the appeal (intake's copy; routing and notification
        /// hold parts of the same data, audit holds it encrypted).
        public var personalData: [Item]
        /// Who viewed the appeal's personal data, oldest first.
        public var accesses: [Access]
        /// Why it is processed and the legal basis.
        public var purpose: String
        /// When its personal data will be erased at the latest (nil while the appeal is open).
        public var erasableFrom: LocalDate?

        public init(
            registrationNumber: String, registeredAt: Date, generatedAt: Date, personalData: [Item], accesses: [Access],
            purpose: String, erasableFrom: LocalDate?
        ) {
            self.registrationNumber = registrationNumber
            self.registeredAt = registeredAt
            self.generatedAt = generatedAt
            self.personalData = personalData
            self.accesses = accesses
            self.purpose = purpose
            self.erasableFrom = erasableFrom
        }
    }
}
