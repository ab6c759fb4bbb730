import Foundation
import HromadaContracts

/// The non-personal facts of one appeal that reports are made of: what the registration card
/// holds besides the correspondent (dates, term, classification, the body, the result). Audit keeps
/// them in `report_appeals`, filled from every event it appends (`ReportProjection`); erasing an
/// appeal's personal data leaves them as they are, since they name nobody.
public struct AppealFacts: Sendable, Equatable {
    public var appealId: UUID
    public var registrationNumber: String?
    public var registeredAt: Date?
    /// The day legal terms count from (Art. 20): `termsStartOn`, else the Kyiv day of registration.
    public var receivedOn: LocalDate?
    public var kind: String?
    public var category: String?
    public var district: String?
    public var centre: String?
    public var channel: String?
    /// Resolution 858's arrival (`centre`, `personal-reception`, `post`, `electronic`).
    public var arrival: String?
    public var isCollective: Bool
    public var isRepeat: Bool
    public var priority: Bool
    /// The body holding the appeal now (or when it was answered).
    public var authority: String?
    /// The deadline in force (after extensions and forwarding).
    public var deadline: LocalDate?
    public var extensions: Int
    public var forwards: Int
    public var reopenings: Int
    public var answeredAt: Date?
    /// An `AnswerOutcome` raw value.
    public var outcome: String?
    public var reopenedAt: Date?
    public var returnedAt: Date?
    public var notConsideredAt: Date?
    public var closedAt: Date?

    public init(
        appealId: UUID, registrationNumber: String? = nil, registeredAt: Date? = nil, receivedOn: LocalDate? = nil,
        kind: String? = nil, category: String? = nil, district: String? = nil, centre: String? = nil,
        channel: String? = nil, arrival: String? = nil, isCollective: Bool = false, isRepeat: Bool = false,
        priority: Bool = false, authority: String? = nil,
        deadline: LocalDate? = nil, extensions: Int = 0, forwards: Int = 0, reopenings: Int = 0,
        answeredAt: Date? = nil, outcome: String? = nil, reopenedAt: Date? = nil, returnedAt: Date? = nil,
        notConsideredAt: Date? = nil, closedAt: Date? = nil
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.registeredAt = registeredAt
        self.receivedOn = receivedOn
        self.kind = kind
        self.category = category
        self.district = district
        self.centre = centre
        self.channel = channel
        self.arrival = arrival
        self.isCollective = isCollective
        self.isRepeat = isRepeat
        self.priority = priority
        self.authority = authority
        self.deadline = deadline
        self.extensions = extensions
        self.forwards = forwards
        self.reopenings = reopenings
        self.answeredAt = answeredAt
        self.outcome = outcome
        self.reopenedAt = reopenedAt
        self.returnedAt = returnedAt
        self.notConsideredAt = notConsideredAt
        self.closedAt = closedAt
    }

    /// Answered, and not reopened since the (latest) answer.
    public var isAnswered: Bool {
        guard let answeredAt else { return false }
        return reopenedAt.map { $0 <= answeredAt } ?? true
    }

    /// Off the docket without an answer: returned (Art. 5) or not considered (Art. 8).
    public var isSettledWithoutAnswer: Bool { returnedAt != nil || notConsideredAt != nil }

    public var isOpen: Bool { !isAnswered && !isSettledWithoutAnswer }

    /// The Kyiv day of the answer.
    public var answeredOn: LocalDate? { answeredAt.map { LocalDate(date: $0, in: .kyiv) } }

    /// Calendar days from receipt to the answer.
    public var daysToAnswer: Int? {
        guard isAnswered, let receivedOn, let answeredOn else { return nil }
        return receivedOn.days(until: answeredOn)
    }

    /// Answered on or before the deadline in force; nil when not answered or no deadline is known.
    public var answeredOnTime: Bool? {
        guard isAnswered, let deadline, let answeredOn else { return nil }
        return answeredOn <= deadline
    }

    /// Open with the deadline passed at `now` (a deadline on day D is missed from D+1 in Kyiv).
    public func isOverdue(at now: Date) -> Bool {
        guard isOpen, let deadline else { return false }
        return deadline < LocalDate(date: now, in: .kyiv)
    }
}
