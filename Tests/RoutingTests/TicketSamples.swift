import Foundation
import HromadaContracts

@testable import Routing

/// What the in-memory domain tests share: an `appeal.registered` as intake sends it, and the type
/// names of a transition's events.
enum TicketSamples {
    /// 2026-11-27 10:00 Kyiv: when the sample appeals arrive.
    static let now = ISO8601.parse("2026-11-27T10:00:00+02:00")!

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
