import Foundation
import HromadaAPI
import HromadaContracts

/// Registration numbers (Instruction 348: registered on the day it arrives; numbers never run
/// out): `MK-<year>-<sequence, at least 6 digits>`.
public enum RegistrationNumber {
    public static let prefix = "MK"
    public static let minimumDigits = 6
    /// The longest number a client may ask about (`MK-` + year + `-` + a generous sequence).
    public static let maximumLength = 40

    public static func format(year: Int, sequence: Int) -> String {
        let digits = String(sequence)
        let padding = String(repeating: "0", count: max(0, minimumDigits - digits.count))
        return "\(prefix)-\(year)-" + padding + digits
    }

    /// The year and sequence of a well-formed number, accepting the prefix in either case.
    public static func parse(_ number: String) -> (year: Int, sequence: Int)? {
        let parts = number.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].uppercased() == prefix,
            parts[1].count == 4, parts[2].count >= minimumDigits, parts[2].count <= 12,
            parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), parts[2].allSatisfy({ $0.isASCII && $0.isNumber }),
            let year = Int(parts[1]), let sequence = Int(parts[2])
        else { return nil }
        return (year, sequence)
    }

    /// The stored spelling of `number` (upper-case prefix) when it is well-formed; otherwise the
    /// input unchanged, so a lookup of garbage still costs the same and finds nothing.
    public static func normalised(_ number: String) -> String {
        guard parse(number) != nil else { return number }
        return prefix + number.dropFirst(prefix.count)
    }
}

/// What a successful registration returns (201 body, receipt, Open311 response): HromadaAPI's type
/// (one definition for the service and its clients), which writes the `id` lower-case.
public typealias RegistrationReceipt = IntakeJSON.AppealRegistered

/// The outcome of a registration attempt (with an idempotency key, possibly a replay).
public enum RegistrationOutcome: Sendable, Equatable {
    case registered(RegistrationReceipt)
    /// The same key was used before with the same body: the first result.
    case replayed(RegistrationReceipt)
    /// The same key was used before with another body.
    case keyReused
}

/// Everything a registration decides before it is written: the appeal's identity, number,
/// tracking token, and whether it repeats an earlier one. Pure: the store writes it as given.
public struct NewAppeal: Sendable, Equatable {
    public var id: UUID
    public var appeal: ValidAppeal
    public var channel: String
    public var registrationNumber: String
    public var registeredAt: Date
    /// The Kyiv calendar day of `registeredAt` (the registration day of Instruction 348).
    public var registeredOn: LocalDate
    public var trackingToken: String
    public var authorKey: String
    /// The earlier appeal on the same issue (a repeat or a duplicate; see `classifier.frequency`).
    public var repeatOf: String?
    /// Resolution 858's classifier.
    public var classifier: AppealRegistered.Classifier
    /// The day legal terms count from: the arrival day of a late paper appeal, else `registeredOn`.
    public var termsStartOn: LocalDate

    public init(
        id: UUID = UUID(), appeal: ValidAppeal, channel: String, sequence: Int, registeredAt: Date,
        trackingToken: String, repeatOf: String?, earlier: Classification.Earlier? = nil,
        sameIssue: [Classification.Earlier] = [], otherAuthorsOnIssue: Int = 0
    ) {
        let today = LocalDate(date: registeredAt, in: .kyiv)
        // "multiple" and "mass" (Resolution 858) from the counts the store found; see Classification.
        self.classifier = Classification.classify(
            appeal, channel: channel, earlier: earlier, today: today, sameIssue: sameIssue,
            otherAuthorsOnIssue: otherAuthorsOnIssue)
        self.termsStartOn = appeal.lateEntry?.receivedOn ?? today
        let day = LocalDate(date: registeredAt, in: .kyiv)
        self.id = id
        self.appeal = appeal
        self.channel = channel
        self.registrationNumber = RegistrationNumber.format(year: day.year, sequence: sequence)
        self.registeredAt = registeredAt
        self.registeredOn = day
        self.trackingToken = trackingToken
        self.authorKey = RepeatDetector.authorKeyHash(fullName: appeal.author.fullName, address: appeal.author.address)
        self.repeatOf = repeatOf
    }

    /// The note of the first history entry (`repeat-of:<number>` for a repeat).
    public var historyNote: String? { repeatOf.map { "repeat-of:\($0)" } }

    /// `appeal.registered`, as published through the outbox.
    public var event: AppealRegistered {
        var event = AppealRegistered(
            appealId: id, registrationNumber: registrationNumber, registeredAt: registeredAt, kind: appeal.kind,
            category: appeal.category, district: appeal.district, location: appeal.location, author: appeal.author,
            subject: appeal.subject, text: appeal.text, centreId: appeal.centreId, assistedBy: appeal.assistedBy,
            confidential: appeal.confidential, against: appeal.against, repeatOf: repeatOf,
            trackingToken: trackingToken, channel: channel, classifier: classifier,
            coSigners: appeal.coSigners.isEmpty ? nil : appeal.coSigners, representative: appeal.representative,
            reception: appeal.reception, termsStartOn: termsStartOn, lateEntry: appeal.lateEntry,
            consents: AppealRegistered.Consents(publication: appeal.publicationConsent))
        event.registeredBy = appeal.registeredBy?.uuidString.lowercased()
        event.complaintDecidedOn = appeal.complaintDecidedOn
        event.complaintLearnedOn = appeal.complaintLearnedOn
        event.mediaURL = appeal.mediaURL
        return event
    }

    public var receipt: RegistrationReceipt {
        RegistrationReceipt(
            id: id, registrationNumber: registrationNumber, trackingToken: trackingToken,
            status: PublicStatus.registered.rawValue, registeredAt: ISO8601.roundedToMilliseconds(registeredAt),
            repeatOf: repeatOf)
    }
}

/// Errors of the intake service (no personal data in descriptions).
public struct IntakeError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public var description: String { rawValue }
        public static let registrationFailed = Code(rawValue: "registration_failed")
        public static let idempotencyConflict = Code(rawValue: "idempotency_conflict")
        public static let templateMissing = Code(rawValue: "template_missing")
    }
    public var code: Code
    public init(code: Code) { self.code = code }
    public var description: String { "IntakeError(\(code))" }
}
