import Foundation
import HromadaContracts

@testable import Routing

/// What the in-memory domain tests share: an `appeal.registered` as intake sends it, the people who
/// act on tickets, and the type names of a transition's events.
enum TicketSamples {
    /// 2026-11-27 10:00 Kyiv: when the sample appeals arrive.
    static let now = ISO8601.parse("2026-11-27T10:00:00+02:00")!

    static let zhkgOfficial = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000001", name: "Іван", role: .official, authority: "zhkg")
    static let healthOfficial = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000002", name: "Марія", role: .official, authority: "health")
    static let reception = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000003", name: "Оксана", role: .reception,
        authority: "mayor-reception")
    static let zhkgHead = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000004", name: "Петро", role: .head, authority: "zhkg")
    static let zhkgDeputy = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000005", name: "Ганна", role: .deputy, authority: "zhkg")
    static let healthHead = Principal(
        id: "a1b2c3d4-0000-4000-8000-000000000006", name: "Марія", role: .head, authority: "health")

    static func appeal(
        category: String = "heating", district: String? = nil, kind: AppealKind = .application, against: String? = nil,
        benefit: String? = nil, registeredAt: Date = now
    ) -> AppealRegistered {
        AppealRegistered(
            appealId: UUID(), registrationNumber: "MK-2026-000042", registeredAt: registeredAt, kind: kind,
            category: category, district: district,
            author: .init(
                fullName: "Олена Петренко", address: "вул. Соборна, 1", preferredLanguage: .uk,
                benefitCategory: benefit),
            subject: "Немає опалення", text: "У квартирі немає опалення.",
            against: against, trackingToken: "trk",
            channel: "centre")
    }

    static func types(_ events: [any DomainEvent]) -> [String] { events.map { type(of: $0).eventType } }
}
