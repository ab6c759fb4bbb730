import Foundation

/// The resident's say on an answer (issue 15): a rating of the answer (1–5) and a dispute of it,
/// which the law treats as a complaint to the body above the one that answered (Art. 16–17).
/// Intake records both (on the tracking page with the code, or at a centre through the librarian);
/// routing decides the dispute and says so with `appeal.dispute-accepted` or
/// `appeal.dispute-refused`.

/// Who gave the say: the resident on the tracking page, or a librarian at a centre on their behalf.
public enum ResidentVia: String, Codable, Sendable, CaseIterable {
    case resident, centre
}

/// The resident rated the answer `authority` gave. One rating per answer: intake refuses a second
/// one for the same answer, so each event is a distinct rating.
public struct AppealAnswerRated: DomainEvent {
    public static let eventType = "appeal.answer-rated"
    public static let version = 1
    public static let ratings = 1...5

    public var appealId: UUID
    public var registrationNumber: String
    /// The body that answered (the rating counts for it).
    public var authority: String
    /// 1 (poor) … 5 (excellent).
    public var rating: Int
    public var via: ResidentVia
    /// When the rated answer was given (intake's tracking projection), so ratings attach to an answer.
    public var answeredAt: Date?
    /// The librarian's account when `via` is `centre`.
    public var registeredBy: String?
    public var ratedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, authority: String, rating: Int, via: ResidentVia,
        answeredAt: Date? = nil, registeredBy: String? = nil, ratedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.rating = rating
        self.via = via
        self.answeredAt = answeredAt
        self.registeredBy = registeredBy
        self.ratedAt = ratedAt
    }
}

/// The resident disputes the answer `authority` gave (Art. 16–17). Routing alone decides whether
/// the complaint is accepted (`appeal.dispute-accepted`) or refused (`appeal.dispute-refused`).
public struct AppealDisputed: DomainEvent {
    public static let eventType = "appeal.disputed"
    public static let version = 1
    /// The reason is the resident's own words.
    public static let personalFields: [[String]] = [["reason"]]

    public var appealId: UUID
    public var registrationNumber: String
    /// The body whose answer is disputed.
    public var authority: String
    public var reason: String
    /// The day the resident learned of the answer, when later than the day it was given.
    public var learnedOn: LocalDate?
    public var via: ResidentVia
    public var registeredBy: String?
    public var disputedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, authority: String, reason: String, learnedOn: LocalDate? = nil,
        via: ResidentVia, registeredBy: String? = nil, disputedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.reason = reason
        self.learnedOn = learnedOn
        self.via = via
        self.registeredBy = registeredBy
        self.disputedAt = disputedAt
    }
}

/// Routing accepted the dispute: the ticket went, as a complaint, to `complaintTo`, the body
/// directly above `authority` (the one that answered, whose officials are told).
public struct AppealDisputeAccepted: DomainEvent {
    public static let eventType = "appeal.dispute-accepted"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    public var ticketId: UUID
    /// The body whose answer is disputed.
    public var authority: String
    public var complaintTo: String
    /// The id of the `appeal.disputed` event decided.
    public var disputeId: UUID
    /// Art. 17: the last day the dispute could be filed.
    public var lastDay: LocalDate
    public var acceptedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, ticketId: UUID, authority: String, complaintTo: String,
        disputeId: UUID, lastDay: LocalDate, acceptedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.ticketId = ticketId
        self.authority = authority
        self.complaintTo = complaintTo
        self.disputeId = disputeId
        self.lastDay = lastDay
        self.acceptedAt = acceptedAt
    }
}

/// Routing refused the dispute. `code` is one of `DisputeRefusalCode`; `message` explains it in
/// plain English and carries no personal data (the tracking page shows its translation by code).
public struct AppealDisputeRefused: DomainEvent {
    public static let eventType = "appeal.dispute-refused"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    public var authority: String?
    public var disputeId: UUID
    public var code: String
    public var message: String
    public var lastDay: LocalDate?
    public var refusedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, authority: String?, disputeId: UUID, code: String,
        message: String, lastDay: LocalDate? = nil, refusedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.authority = authority
        self.disputeId = disputeId
        self.code = code
        self.message = message
        self.lastDay = lastDay
        self.refusedAt = refusedAt
    }
}

/// Why a dispute is refused (intake's immediate check and routing's decision use the same codes).
public enum DisputeRefusalCode: String, Codable, Sendable, CaseIterable {
    /// Art. 17: more than one month after the resident received (learned of) the answer.
    case late = "dispute-late"
    /// The day the resident learned of the answer lies before the answer or in the future.
    case learnedOnInvalid = "learned-on-invalid"
    /// There is no answer to dispute (not answered yet, or already under a complaint).
    case notAnswered = "not-answered"
    /// Nothing stands above the body that answered: the resident may go to court (Art. 16).
    case noHigherBody = "no-higher-body"
    /// This answer is already disputed.
    case alreadyDisputed = "already-disputed"
}

/// Art. 17's window for disputing an answer: at most one month after the resident received it
/// (the day the answer was given, unless the resident learned of it later) and within one year of
/// the answer. Months are calendar months (31 January + one month = 28/29 February), as routing's
/// `ComplaintTerm` counts them; Gregorian arithmetic here, so intake needs no copy of routing's.
public enum DisputeWindow {
    public enum Verdict: Sendable, Equatable {
        case inTime(lastDay: LocalDate)
        case late(lastDay: LocalDate)
        /// `learnedOn` before the answer or after today.
        case learnedOnInvalid
    }

    public static func lastDay(answeredOn: LocalDate, learnedOn: LocalDate?) -> LocalDate {
        let yearEnd = adding(months: 12, to: answeredOn)
        return min(yearEnd, adding(months: 1, to: learnedOn ?? answeredOn))
    }

    /// Whether a dispute filed `today` is in time.
    public static func check(answeredOn: LocalDate, learnedOn: LocalDate?, today: LocalDate) -> Verdict {
        if let learnedOn, learnedOn < answeredOn || learnedOn > today { return .learnedOnInvalid }
        let last = lastDay(answeredOn: answeredOn, learnedOn: learnedOn)
        return today <= last ? .inTime(lastDay: last) : .late(lastDay: last)
    }

    static func adding(months: Int, to date: LocalDate) -> LocalDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = DateComponents(calendar: calendar, year: date.year, month: date.month, day: date.day).date!
        // Foundation clamps to the month's last day (31 January + 1 month = 28/29 February).
        let end = calendar.date(byAdding: .month, value: months, to: start)!
        let parts = calendar.dateComponents([.year, .month, .day], from: end)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)!
    }
}
