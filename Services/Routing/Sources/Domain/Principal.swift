import Foundation
import HromadaContracts

/// Who is calling.
public struct Principal: Sendable, Equatable {
    public var id: String
    public var name: String
    public var role: OfficialRole
    /// The official's authority (nil for the bootstrap administrator).
    public var authority: String?

    public init(id: String, name: String, role: OfficialRole, authority: String?) {
        self.id = id
        self.name = name
        self.role = role
        self.authority = authority
    }

    public static let bootstrapAdministrator = Principal(
        id: "admin", name: "administrator", role: .administrator, authority: nil)

    /// Reception staff and administrators see every authority's tickets.
    public var seesAllTickets: Bool { role == .reception || role == .administrator }

    public func canRead(ticketAuthority: String) -> Bool { seesAllTickets || authority == ticketAuthority }

    /// Accept, forward, extend, answer: the holding authority's people, or an administrator.
    public func canWork(ticketAuthority: String) -> Bool { role == .administrator || authority == ticketAuthority }

    /// Reopen and close: reception staff and administrators.
    public var canReopenAndClose: Bool { seesAllTickets }
}

extension Principal {
    /// Whose tickets an inbox lists: `authority` nil means every authority's.
    public struct InboxScope: Sendable, Equatable {
        public var authority: String?
    }

    /// Reception staff and administrators see the `requested` authority's tickets (nil: all);
    /// an official always sees only their own authority's, whatever they ask for; an official
    /// without an authority sees nothing (nil).
    public func inboxScope(requested: String?) -> InboxScope? {
        if seesAllTickets { return InboxScope(authority: requested) }
        guard let authority else { return nil }
        return InboxScope(authority: authority)
    }
}

extension Ticket {
    /// `personal-data.accessed`: who saw this appeal's personal data, for what, where and when.
    public func accessed(by principal: Principal, purpose: String, service: String, at now: Date)
        -> PersonalDataAccessed
    {
        PersonalDataAccessed(
            appealId: appealId, registrationNumber: registrationNumber, actorId: principal.id,
            actorRole: principal.role.rawValue, authority: principal.authority, purpose: purpose,
            service: service, accessedAt: now)
    }
}
