import Foundation
import HromadaContracts

/// An appeal as a client sends it (ARCHITECTURE.md "Appeal submission"). Every field is optional
/// here so that validation can name every missing or wrong field at once instead of failing on
/// the first one during decoding. Code in this module (forms, Open311) builds one with the
/// memberwise initialisers, every argument defaulting to nil; clients send JSON.
public struct AppealSubmission: Codable, Sendable, Equatable {
    public struct Author: Codable, Sendable, Equatable {
        public var fullName: String?
        public var address: String?
        public var email: String?
        public var phone: String?
        public var preferredLanguage: String?
        public var benefitCategory: String?
        /// `"sms"`: tell the resident by SMS too (issue 15; needs a phone). Absent: email when
        /// given, else SMS to the phone when the SMS channel is on, else the centre's notices.
        public var notifyBy: String?
    }
    public struct Location: Codable, Sendable, Equatable {
        public var lat: Double?
        public var lon: Double?
        public var address: String?
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
    /// Art. 5: the other signatories of a collective appeal (the author is the first, the contact).
    public var coSigners: [Person]?
    /// Art. 5: filed by a representative with a document of powers.
    public var representative: Representative?
    /// Art. 22: made orally at a head's personal reception.
    public var reception: Reception?
    /// The day the appeal actually arrived (YYYY-MM-DD) when it is entered later (paper received
    /// while the system was down); with `enteredBy`.
    public var receivedOn: String?
    /// Who enters a late appeal (required with an earlier `receivedOn`).
    public var enteredBy: String?
    /// The author asks that the text be published; needs `consent` (publication is not a duty).
    public var publish: Bool?
    /// Art. 17, a complaint only (optional): the day of the decision complained about and the day
    /// the author learned of it (YYYY-MM-DD; not in the future; learned on or after the decision).
    public var decidedOn: String?
    public var learnedOn: String?

    /// A co-signer: full name and place of residence (Art. 5).
    public struct Person: Codable, Sendable, Equatable {
        public var fullName: String?
        public var address: String?
    }
    public struct Representative: Codable, Sendable, Equatable {
        public var fullName: String?
        public var address: String?
        public var documentKind: String?
        public var documentNumber: String?
        /// YYYY-MM-DD.
        public var documentDate: String?
    }
    public struct Reception: Codable, Sendable, Equatable {
        public var headName: String?
        /// YYYY-MM-DD.
        public var heldOn: String?
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
    public var coSigners: [AppealRegistered.CoSigner] = []
    public var representative: AppealRegistered.Representative?
    public var reception: AppealRegistered.PersonalReception?
    public var lateEntry: AppealRegistered.LateEntry?
    /// Consent to publish the text (never a condition of registration).
    public var publicationConsent = false
    /// "post" for a paper appeal; otherwise derived from the channel (see `Classification`).
    public var paper = false
    /// The librarian's account that registered it at the form (from the session, never typed in).
    public var registeredBy: UUID?
    /// Art. 17, a complaint only: the decision's day and the day the author learned of it.
    public var complaintDecidedOn: LocalDate?
    public var complaintLearnedOn: LocalDate?
    /// Issue 15: an Open311 client's `media_url`, already checked (http or https), for the event.
    public var mediaURL: String?
}
