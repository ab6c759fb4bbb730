import Foundation

/// Kinds of appeal in the law (Art. 3): пропозиція/зауваження, заява/клопотання, скарга.
public enum AppealKind: String, Codable, Sendable, CaseIterable { case proposal, application, complaint }

/// Languages a resident can be answered in.
public enum Language: String, Codable, Sendable, CaseIterable { case uk, en }

/// A resident's appeal was registered and given its number (the first event of every appeal).
public struct AppealRegistered: DomainEvent {
    public static let eventType = "appeal.registered"
    public static let version = 1

    public struct Location: Codable, Sendable, Equatable {
        public var lat: Double
        public var lon: Double
        public var address: String?
        public init(lat: Double, lon: Double, address: String? = nil) {
            self.lat = lat
            self.lon = lon
            self.address = address
        }
    }

    /// The resident who is the appeal's author (never the librarian who helped).
    public struct Author: Codable, Sendable, Equatable {
        public var fullName: String
        public var address: String
        public var email: String?
        public var phone: String?
        public var preferredLanguage: Language
        /// A `Reference.benefitCategories` code; any value means priority handling.
        public var benefitCategory: String?
        public init(
            fullName: String, address: String, email: String? = nil, phone: String? = nil, preferredLanguage: Language = .uk,
            benefitCategory: String? = nil
        ) {
            self.fullName = fullName
            self.address = address
            self.email = email
            self.phone = phone
            self.preferredLanguage = preferredLanguage
            self.benefitCategory = benefitCategory
        }
    }

    public var appealId: UUID
    /// e.g. "MK-2026-000123".
    public var registrationNumber: String
    public var registeredAt: Date
    public var kind: AppealKind
    /// A category code (`Reference.categories`).
    public var category: String
    /// A district code (`Reference.districts`).
    public var district: String?
    public var location: Location?
    public var author: Author
    public var subject: String
    public var text: String
    public var centreId: String?
    /// The librarian-consultant who helped, recorded apart from the author.
    public var assistedBy: String?
    public var confidential: Bool
    /// For a complaint: the authority complained about (never routed to it).
    public var against: String?
    /// Registration number of the earlier appeal this repeats.
    public var repeatOf: String?
    /// The resident's tracking code in clear (the intake stores only its hash).
    public var trackingToken: String
    /// "centre" | "open311" | "api".
    public var channel: String

    public init(
        appealId: UUID, registrationNumber: String, registeredAt: Date, kind: AppealKind, category: String,
        district: String? = nil, location: Location? = nil, author: Author, subject: String, text: String,
        centreId: String? = nil, assistedBy: String? = nil, confidential: Bool = false, against: String? = nil,
        repeatOf: String? = nil, trackingToken: String, channel: String
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.registeredAt = registeredAt
        self.kind = kind
        self.category = category
        self.district = district
        self.location = location
        self.author = author
        self.subject = subject
        self.text = text
        self.centreId = centreId
        self.assistedBy = assistedBy
        self.confidential = confidential
        self.against = against
        self.repeatOf = repeatOf
        self.trackingToken = trackingToken
        self.channel = channel
    }
}

/// A defective appeal was returned to its author with an explanation (Art. 5, within 10 days).
public struct AppealReturned: DomainEvent {
    public static let eventType = "appeal.returned"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    /// The explanation to the author (may quote the appeal: personal data).
    public var reason: String
    public var returnedAt: Date
    public var returnedBy: String?

    public init(appealId: UUID, registrationNumber: String, reason: String, returnedAt: Date, returnedBy: String? = nil) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.reason = reason
        self.returnedAt = returnedAt
        self.returnedBy = returnedBy
    }
}

/// An administrator replaced the routing rules (category/district → authority).
public struct RoutingRulesChanged: DomainEvent {
    public static let eventType = "routing-rules.changed"
    public static let version = 1

    public struct Rule: Codable, Sendable, Equatable, Hashable {
        public var category: String
        /// nil: any district.
        public var district: String?
        public var authority: String
        public init(category: String, district: String? = nil, authority: String) {
            self.category = category
            self.district = district
            self.authority = authority
        }
    }

    /// The rule set's version number (increments with each change); not the event version.
    public var version: Int
    public var changedBy: String
    public var changedAt: Date
    public var rules: [Rule]

    public init(version: Int, changedBy: String, changedAt: Date, rules: [Rule]) {
        self.version = version
        self.changedBy = changedBy
        self.changedAt = changedAt
        self.rules = rules
    }
}
