import Foundation

/// Roles of the people who work tickets in the routing service.
public enum OfficialRole: String, Codable, Sendable, CaseIterable {
    /// Sees and acts only on the tickets of their own authority.
    case official
    /// The head of an authority (Art. 15, 20): signs answers and extensions, decides returns and
    /// "not considered", considers personally the appeals Art. 15 names.
    case head
    /// A deputy head: signs and decides for the authority like its head.
    case deputy
    /// The mayor's reception staff: read every ticket, reopen and close, read the routing rules.
    case reception
    /// Everything, including the routing rules and the officials' directory.
    case administrator
}

/// An official was created, changed, given a new token or had their token revoked (routing's
/// directory). The notification service keeps officials' emails from it. The envelope's
/// correlationId is the official's id.
public struct OfficialUpdated: DomainEvent {
    public static let eventType = "official.updated"
    public static let version = 1
    /// Personal data: sealed on the bus, encrypted in the audit log.
    public static let personalFields: [[String]] = [["name"], ["email"]]

    public var officialId: UUID
    /// The official's name (personal data of a public servant).
    public var name: String
    public var authority: String
    public var role: OfficialRole
    /// Work email for reminders (personal data).
    public var email: String?
    /// False once the token was revoked.
    public var active: Bool
    public var updatedAt: Date

    public init(
        officialId: UUID, name: String, authority: String, role: OfficialRole, email: String? = nil, active: Bool,
        updatedAt: Date
    ) {
        self.officialId = officialId
        self.name = name
        self.authority = authority
        self.role = role
        self.email = email
        self.active = active
        self.updatedAt = updatedAt
    }
}
