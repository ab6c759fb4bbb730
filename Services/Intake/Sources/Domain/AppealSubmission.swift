import Foundation
import HromadaContracts

/// An appeal as a client sends it (ARCHITECTURE.md "Appeal submission"). Every field is optional
/// here so that validation can name every missing or wrong field at once instead of failing on
/// the first one during decoding.
public struct AppealSubmission: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        public var fullName: String?
        public var address: String?
        public var email: String?
        public var phone: String?
        public var preferredLanguage: String?
        public var benefitCategory: String?
        public init(
            fullName: String? = nil, address: String? = nil, email: String? = nil, phone: String? = nil,
            preferredLanguage: String? = nil, benefitCategory: String? = nil
        ) {
            self.fullName = fullName
            self.address = address
            self.email = email
            self.phone = phone
            self.preferredLanguage = preferredLanguage
            self.benefitCategory = benefitCategory
        }
    }
    public struct Location: Codable, Sendable, Equatable {
        public var lat: Double?
        public var lon: Double?
        public var address: String?
        public init(lat: Double? = nil, lon: Double? = nil, address: String? = nil) {
            self.lat = lat
            self.lon = lon
            self.address = address
        }
    }

    public var kind: String?
    public var category: String?
    public var author: Author?
    public var subject: String?
    public var text: String?
    public var district: String?
    public var location: Location?
    public var centreId: String?
    public var assistedBy: String?
    public var consent: Bool?
    public var confidential: Bool?
    public var against: String?
    /// True when a resident files by themselves through a partner application (see the validator).
    public var electronic: Bool?

    public init(
        kind: String? = nil, category: String? = nil, author: Author? = nil, subject: String? = nil,
        text: String? = nil,
        district: String? = nil, location: Location? = nil, centreId: String? = nil, assistedBy: String? = nil,
        consent: Bool? = nil, confidential: Bool? = nil, against: String? = nil, electronic: Bool? = nil
    ) {
        self.kind = kind
        self.category = category
        self.author = author
        self.subject = subject
        self.text = text
        self.district = district
        self.location = location
        self.centreId = centreId
        self.assistedBy = assistedBy
        self.consent = consent
        self.confidential = confidential
        self.against = against
        self.electronic = electronic
    }
}

/// An appeal that passed Art. 5 / Art. 8 checks, normalised (trimmed, empty strings → nil).
public struct ValidAppeal: Sendable, Equatable, Codable {
    public var kind: AppealKind
    public var category: String
    public var author: AppealRegistered.Author
    public var subject: String
    public var text: String
    public var district: String?
    public var location: AppealRegistered.Location?
    public var centreId: String?
    public var assistedBy: String?
    public var confidential: Bool
    public var against: String?
}
