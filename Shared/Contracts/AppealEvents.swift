import Foundation

/// Kinds of appeal in the law (Art. 3):
/// пропозиція/зауваження, заява/клопотання, скарга.
public enum AppealKind: String, Codable, Sendable, CaseIterable { case proposal, application, complaint }

/// Languages a resident can be answered in.
public enum Language: String, Codable, Sendable, CaseIterable { case uk, en }

/// A resident's appeal was registered and given its number (the first event of every appeal).
public struct AppealRegistered: DomainEvent {
    public static let eventType = "appeal.registered"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [
        ["author"], ["subject"], ["text"], ["location"], ["trackingToken"], ["assistedBy"], ["coSigners"],
        ["representative"],
        // The author's social category (from the benefit category: e.g. a disability, displacement).
        ["classifier", "socialCategory"],
        // An Open311 client's photo link: it may show the person or their home.
        ["mediaURL"],
    ]

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
        /// "sms" when the author asked to be told by SMS (issue 15); nil when not asked and in
        /// events written before it (then a phone without an email still gets SMS).
        public var notifyBy: String?
        public init(
            fullName: String, address: String, email: String? = nil, phone: String? = nil,
            preferredLanguage: Language = .uk,
            benefitCategory: String? = nil, notifyBy: String? = nil
        ) {
            self.fullName = fullName
            self.address = address
            self.email = email
            self.phone = phone
            self.preferredLanguage = preferredLanguage
            self.benefitCategory = benefitCategory
            self.notifyBy = notifyBy
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
    /// "centre" | "open311" | "api" | "reception".
    public var channel: String

    // Fields added for issue 20 (the registration side of the law). All optional, so events
    // written before them (in queues, in the golden fixtures) still decode.

    /// Resolution 858's classifier as decided at registration; nil in events written before it.
    public var classifier: Classifier?
    /// Art. 5: the other signatories of a collective appeal (the `author` is the first, the contact).
    public var coSigners: [CoSigner]?
    /// Art. 5: the appeal was filed by a representative, with the document of powers.
    public var representative: Representative?
    /// Art. 22: the appeal was made orally at a head's personal reception.
    public var reception: PersonalReception?
    /// THE DAY LEGAL TERMS COUNT FROM (Art. 20: "from the day of receipt"). Equals the Kyiv day of
    /// `registeredAt` unless a paper appeal was entered late (see `lateEntry`); consumers compute
    /// every term from `termsStartOn ?? LocalDate(date: registeredAt, in: .kyiv)`.
    public var termsStartOn: LocalDate?
    /// Set when the appeal arrived on an earlier day than it was registered (e.g. paper received
    /// while the system was down).
    public var lateEntry: LateEntry?
    /// Consent given for what the law does not require; never a condition of registration.
    public var consents: Consents?
    /// The librarian's account (its lower-case id, no personal data) that registered the appeal at
    /// a centre's form; nil for the API, Open311 and events written before it (issue 13, item 7).
    public var registeredBy: String?
    /// Art. 17, for a complaint: the day of the decision complained about and the day its author
    /// learned of it, as the author stated them at registration (dates, not personal data); nil
    /// when not given and in events written before them. Routing checks the complaint's term with
    /// them, else with the decision it knows itself.
    public var complaintDecidedOn: LocalDate?
    public var complaintLearnedOn: LocalDate?
    /// Issue 15: the appeal's photos as references only (id, SHA-256 of the stored bytes, type,
    /// size), never the bytes; intake serves them through short-lived signed links. Nil when the
    /// appeal has none and in events written before photos.
    public var photos: [Photo]?
    /// Issue 15: the link an Open311 client sent (`media_url`, http or https only), shown to officials
    /// as a link their browser opens and never fetched by a server. Nil when none was sent and in
    /// events written before it.
    public var mediaURL: String?

    /// A reference to one of the appeal's photos (the re-encoded image intake stores).
    public struct Photo: Codable, Sendable, Equatable {
        public var id: UUID
        /// Lower-case hex SHA-256 of the stored image bytes.
        public var sha256: String
        public var contentType: String
        public var width: Int
        public var height: Int
        public init(id: UUID, sha256: String, contentType: String, width: Int, height: Int) {
            self.id = id
            self.sha256 = sha256
            self.contentType = contentType
            self.width = width
            self.height = height
        }
    }

    public init(
        appealId: UUID, registrationNumber: String, registeredAt: Date, kind: AppealKind, category: String,
        district: String? = nil, location: Location? = nil, author: Author, subject: String, text: String,
        centreId: String? = nil, assistedBy: String? = nil, confidential: Bool = false, against: String? = nil,
        repeatOf: String? = nil, trackingToken: String, channel: String, classifier: Classifier? = nil,
        coSigners: [CoSigner]? = nil, representative: Representative? = nil, reception: PersonalReception? = nil,
        termsStartOn: LocalDate? = nil, lateEntry: LateEntry? = nil, consents: Consents? = nil
    ) {
        self.classifier = classifier
        self.coSigners = coSigners
        self.representative = representative
        self.reception = reception
        self.termsStartOn = termsStartOn
        self.lateEntry = lateEntry
        self.consents = consents
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

extension AppealRegistered {
    /// Resolution 858's classifier of appeals, the fields recorded at registration.
    public struct Classifier: Codable, Sendable, Equatable {
        /// How it arrived: "centre" (a Citizen Service Centre), "personal-reception", "post",
        /// "electronic" (Open311, the API); see `Arrival`.
        public var arrival: String
        /// "first" | "repeat" | "duplicate" (858: первинне, повторне, дублетне). "multiple" and
        /// "mass" are valid values that intake does not yet decide.
        public var frequency: String
        /// "individual" | "collective".
        public var form: String
        /// The classifier's social category of the author, from the benefit category; nil: none.
        public var socialCategory: String?
        /// For "duplicate": the registration number of the appeal it duplicates.
        public var duplicateOf: String?
        public init(
            arrival: String, frequency: String, form: String, socialCategory: String? = nil,
            duplicateOf: String? = nil
        ) {
            self.arrival = arrival
            self.frequency = frequency
            self.form = form
            self.socialCategory = socialCategory
            self.duplicateOf = duplicateOf
        }
    }

    /// One more signatory of a collective appeal (Art. 5: full name and place of residence).
    public struct CoSigner: Codable, Sendable, Equatable {
        public var fullName: String
        public var address: String
        public init(fullName: String, address: String) {
            self.fullName = fullName
            self.address = address
        }
    }

    /// A person acting for the author, with the document of powers (Art. 5).
    public struct Representative: Codable, Sendable, Equatable {
        public var fullName: String
        public var address: String
        /// e.g. "power-of-attorney", "legal-representative" (a parent, a guardian).
        public var documentKind: String
        public var documentNumber: String
        public var documentDate: LocalDate
        public init(
            fullName: String, address: String, documentKind: String, documentNumber: String, documentDate: LocalDate
        ) {
            self.fullName = fullName
            self.address = address
            self.documentKind = documentKind
            self.documentNumber = documentNumber
            self.documentDate = documentDate
        }
    }

    /// A head's personal reception where the appeal was made orally (Art. 22).
    public struct PersonalReception: Codable, Sendable, Equatable {
        public var headName: String
        public var heldOn: LocalDate
        public init(headName: String, heldOn: LocalDate) {
            self.headName = headName
            self.heldOn = heldOn
        }
    }

    /// An appeal entered on a later day than it arrived, and who entered it.
    public struct LateEntry: Codable, Sendable, Equatable {
        public var receivedOn: LocalDate
        public var enteredBy: String
        public init(receivedOn: LocalDate, enteredBy: String) {
            self.receivedOn = receivedOn
            self.enteredBy = enteredBy
        }
    }

    /// Consents for what the law does not require (publication of the text).
    public struct Consents: Codable, Sendable, Equatable {
        /// The author agreed that the text may be published (e.g. listed by Open311).
        public var publication: Bool
        public init(publication: Bool) { self.publication = publication }
    }
}

/// A defective appeal was returned to its author with an explanation (Art. 5, within 10 days).
public struct AppealReturned: DomainEvent {
    public static let eventType = "appeal.returned"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["reason"]]

    public var appealId: UUID
    public var registrationNumber: String
    /// The explanation to the author (may quote the appeal: personal data).
    public var reason: String
    public var returnedAt: Date
    public var returnedBy: String?

    public init(appealId: UUID, registrationNumber: String, reason: String, returnedAt: Date, returnedBy: String? = nil)
    {
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
