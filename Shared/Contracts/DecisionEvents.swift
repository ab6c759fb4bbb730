import Foundation

/// The head of the holding body decided not to consider an appeal (Art. 8): it is anonymous, a
/// repeat on a question already decided on the merits, a complaint filed after the terms of
/// Art. 17, or from a person declared legally incapable by a court. The author is told in writing
/// (`notice`). Produced by routing; the ticket closes with this result.
public struct AppealNotConsidered: DomainEvent {
    public static let eventType = "appeal.not-considered"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["notice"]]

    public var appealId: UUID
    public var registrationNumber: String
    public var ticketId: UUID
    /// The body whose head decided.
    public var authority: String
    /// `anonymous` | `repeat-decided` | `complaint-late` | `author-incapable`.
    public var ground: String
    /// The written notice to the author (may quote the appeal: personal data).
    public var notice: String
    public var decidedBy: String
    public var decidedAt: Date

    public init(
        appealId: UUID, registrationNumber: String, ticketId: UUID, authority: String, ground: String, notice: String,
        decidedBy: String, decidedAt: Date
    ) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.ticketId = ticketId
        self.authority = authority
        self.ground = ground
        self.notice = notice
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
    }
}
