import Foundation
import HromadaContracts

/// An `appeal.registered` for the integration tests, as intake publishes it: filed at a centre
/// ("Немає опалення", heating), registered now, tracking token `TRK-<number>`.
func sampleRegistration(
    _ number: String, name: String = "Олена Петренко",
    address: String = "вул. Потьомкінська, 143а",
    email: String?, phone: String?, language: Language, notifyBy: String? = nil, centre: String?,
    kind: AppealKind = .complaint, confidential: Bool = false
) -> AppealRegistered {
    AppealRegistered(
        appealId: UUID(), registrationNumber: number, registeredAt: Date(), kind: kind, category: "heating",
        author: .init(
            fullName: name, address: address, email: email, phone: phone, preferredLanguage: language,
            notifyBy: notifyBy),
        subject: "Немає опалення", text: "У квартирі холодно", centreId: centre,
        confidential: confidential,
        trackingToken: "TRK-\(number)", channel: "centre")
}
