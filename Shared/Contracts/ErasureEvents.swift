import Foundation

/// Why an appeal's personal data was erased.
public enum ErasureTrigger: String, Codable, Sendable, CaseIterable {
    /// The retention period from the law ended (intake's scheduled sweep).
    case retention
    /// An administrator decided it, with a legal reason recorded in intake.
    case administrator
}

/// Intake (the appeal's owner) erased the appeal's personal data; every service forgets its own
/// copy when it consumes this, keeps a tombstone so nothing brings the data back, and confirms
/// with `AppealPersonalDataErasureConfirmed`. Carries no personal data: the administrator's
/// legal reason stays in intake's erasure record.
public struct AppealPersonalDataErased: DomainEvent {
    public static let eventType = "appeal.personal-data-erased"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    public var trigger: ErasureTrigger
    /// Who decided: `"retention"` for the sweep, else the administrator's id.
    public var erasedBy: String
    public var erasedAt: Date

    public init(appealId: UUID, registrationNumber: String, trigger: ErasureTrigger, erasedBy: String, erasedAt: Date) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.trigger = trigger
        self.erasedBy = erasedBy
        self.erasedAt = erasedAt
    }
}

/// One service has erased the appeal's personal data from its own schema (and keeps a tombstone).
/// Intake counts these to tell operators which appeals are fully erased.
public struct AppealPersonalDataErasureConfirmed: DomainEvent {
    public static let eventType = "appeal.personal-data-erasure-confirmed"
    public static let version = 1

    public var appealId: UUID
    public var registrationNumber: String
    /// The confirming service's producer name, e.g. `"hromada-routing"`.
    public var service: String
    /// The `appeal.personal-data-erased` event this confirms.
    public var erasureEventId: UUID
    public var confirmedAt: Date

    public init(appealId: UUID, registrationNumber: String, service: String, erasureEventId: UUID, confirmedAt: Date) {
        self.appealId = appealId
        self.registrationNumber = registrationNumber
        self.service = service
        self.erasureEventId = erasureEventId
        self.confirmedAt = confirmedAt
    }
}

extension AppealPersonalDataErasureConfirmed {
    /// The services whose confirmations make an erasure complete: every service that holds a copy
    /// of an appeal's personal data.
    public static let expectedServices: [String] = Producers.all
}
