import Foundation
import XCTest

@testable import HromadaContracts

/// One sample of every event, built in Swift with fixed ids and instants. The golden fixtures in
/// Fixtures/<type>.v<version>.json are these samples' canonical envelopes.
enum Samples {
    static func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }
    static func at(_ s: String) -> Date { ISO8601.parse(s)! }
    static func day(_ s: String) -> LocalDate { LocalDate(string: s)! }

    static let appealId = id(1)
    static let ticketId = id(2)
    static let number = "MK-2026-000123"

    /// A sample: its event type, the envelope, and a check that the envelope decodes to the same event.
    struct Sample {
        let type: String
        let version: Int
        let envelope: Envelope
        let checkDecode: (Envelope) throws -> Void
        var fixtureName: String { "\(type).v\(version).json" }
    }

    static func sample<E: DomainEvent>(
        _ event: E, n: Int, causation: UUID? = id(100), correlation: UUID = appealId, producer: String
    ) -> Sample {
        let envelope = try! Envelope(
            event: event, id: id(1000 + n), occurredAt: at("2026-11-27T12:15:30.123+02:00"), correlationId: correlation,
            causationId: causation, producer: producer)
        return Sample(type: E.eventType, version: E.version, envelope: envelope) { decodedEnvelope in
            let decoded = try decodedEnvelope.decode(E.self)
            XCTAssertEqual(decoded, event, "\(E.eventType) payload does not round-trip")
        }
    }

    static let registered = withMediaURL(
        AppealRegistered(
            appealId: appealId, registrationNumber: number, registeredAt: at("2026-11-27T10:15:30.123Z"),
            kind: .complaint,
            category: "heating", district: "tsentralnyi",
            location: .init(lat: 46.975033, lon: 31.994583, address: "вул. Соборна, 12/3"),
            author: .init(
                fullName: "Олена Петрівна Коваль",
                address: "м. Миколаїв, вул. Соборна, 12/3, кв. 5",
                email: "olena@example.org",
                phone: "+380 67 000 00 00", preferredLanguage: .uk, benefitCategory: "idp"),
            subject: "Немає опалення",
            text: "У квартирі +12°C.\n"
                + "Прошу перевірити \"тепломережу\" \\ котельню.",
            centreId: "central-library", assistedBy: "librarian-7", confidential: true, against: "zhkg",
            repeatOf: "MK-2026-000042",
            trackingToken: "tQ3v9kX2pL8mN4rS7wY1zA6bC0dE5fGh", channel: "centre",
            classifier: .init(arrival: "centre", frequency: "repeat", form: "collective", socialCategory: "idp"),
            coSigners: [
                .init(
                    fullName: "Іван Степанович Мельник",
                    address: "м. Миколаїв, вул. Соборна, 12/3, кв. 7")
            ],
            representative: .init(
                fullName: "Марія Іванівна Бондар",
                address: "м. Миколаїв, просп. Центральний, 1",
                documentKind: "power-of-attorney", documentNumber: "НАА 123456", documentDate: day("2026-10-01"))))

    /// Issue 15: an Open311 client's photo link (a personal field: sealed, so present in the sample).
    static func withMediaURL(_ event: AppealRegistered) -> AppealRegistered {
        var event = event
        event.mediaURL = "https://fms.example.org/photo/17.full.jpeg"
        return event
    }

    static var all: [Sample] {
        [
            sample(registered, n: 1, causation: nil, producer: "hromada-intake"),
            sample(
                AppealReturned(
                    appealId: appealId, registrationNumber: number,
                    reason: "Не зазначено адресу проживання.",
                    returnedAt: at("2026-11-28T08:00:00.000Z"), returnedBy: "reception-1"),
                n: 2, producer: "hromada-routing"),
            sample(
                RoutingRulesChanged(
                    version: 7, changedBy: "admin-1", changedAt: at("2026-11-27T09:00:00.500Z"),
                    rules: [
                        .init(category: "heating", authority: "zhkg"),
                        .init(category: "roads", district: "korabelnyi", authority: "korabelnyi-administration"),
                    ]),
                n: 3, causation: nil, correlation: id(3), producer: "hromada-routing"),
            sample(
                TicketAssigned(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    category: "heating",
                    priority: true, deadline: day("2026-12-12"), assignedAt: at("2026-11-27T10:15:31.000Z"),
                    reason: "rule",
                    previousAuthority: nil),
                n: 4, producer: "hromada-routing"),
            sample(
                TicketAccepted(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    officialId: "official-12",
                    acceptedAt: at("2026-11-27T11:00:00.000Z")),
                n: 5, producer: "hromada-routing"),
            sample(
                TicketForwarded(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number,
                    authority: "tsentralnyi-administration",
                    fromAuthority: "zhkg", officialId: "official-12",
                    reason: "Будинок обслуговує районна адміністрація.",
                    forwardedAt: at("2026-11-28T07:30:00.000Z"), deadline: day("2026-12-12")),
                n: 6, producer: "hromada-routing"),
            sample(
                TicketExtended(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number,
                    authority: "tsentralnyi-administration",
                    officialId: "official-20", reason: "Потрібне обстеження мережі.",
                    previousDeadline: day("2026-12-12"),
                    newDeadline: day("2027-01-11"), extendedAt: at("2026-12-10T09:00:00.000Z")),
                n: 7, producer: "hromada-routing"),
            sample(
                TicketAnswered(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number,
                    authority: "tsentralnyi-administration",
                    officialId: "official-20", outcome: .resolvedPositively,
                    answerText: "Опалення відновлено 15.12.2026.",
                    answeredAt: at("2026-12-15T14:45:10.250Z")),
                n: 8, producer: "hromada-routing"),
            sample(
                TicketReopened(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number,
                    authority: "tsentralnyi-administration",
                    reopenedBy: "reception-1",
                    reason: "Мешканка повідомила, що батареї холодні.",
                    reopenedAt: at("2026-12-17T10:00:00.000Z"), deadline: day("2027-01-01")),
                n: 9, producer: "hromada-routing"),
            sample(
                TicketClosed(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number,
                    authority: "tsentralnyi-administration",
                    closedAt: at("2026-12-30T16:00:00.000Z"), closedBy: "reception-1"),
                n: 10, producer: "hromada-routing"),
            sample(
                TicketDeadlineApproaching(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    deadline: day("2026-12-12"),
                    daysLeft: 3, raisedAt: at("2026-12-09T06:00:00.000Z")),
                n: 11, producer: "hromada-routing"),
            sample(
                TicketOverdue(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    deadline: day("2026-12-12"),
                    daysOverdue: 2, raisedAt: at("2026-12-14T06:00:00.000Z"), escalatedTo: "mayor-reception"),
                n: 12, producer: "hromada-routing"),
            sample(
                NotificationSent(
                    notificationId: id(13), sourceEventId: id(1001), sourceEventType: "appeal.registered",
                    appealId: appealId,
                    registrationNumber: number, channel: .email, recipientKind: .resident,
                    sentAt: at("2026-11-27T10:15:35.000Z")),
                n: 13, causation: id(1001), producer: "hromada-notification"),
            sample(
                NotificationFailed(
                    notificationId: id(14), sourceEventId: id(1004), sourceEventType: "ticket.assigned",
                    appealId: appealId,
                    registrationNumber: number, channel: .email, recipientKind: .official,
                    reason: "550 mailbox unavailable",
                    attempts: 5, failedAt: at("2026-11-27T10:20:00.000Z")),
                n: 14, causation: id(1004), producer: "hromada-notification"),
            sample(
                PersonalDataAccessed(
                    appealId: appealId, registrationNumber: number, actorId: "official-12", actorRole: "official",
                    authority: "zhkg",
                    purpose: "ticket.view", service: "hromada-routing", accessedAt: at("2026-11-27T11:00:01.000Z")),
                n: 15, causation: nil, producer: "hromada-routing"),
            sample(
                PersonalDataErased(
                    appealId: appealId, registrationNumber: number, erasedBy: "admin-1",
                    erasedAt: at("2031-11-27T00:00:00.000Z")),
                n: 16, causation: nil, producer: "hromadactl"),
            sample(
                AuditCheckpoint(
                    sequence: 123_456, headHash: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                    entries: 123_456,
                    createdAt: at("2026-11-27T12:00:00.000Z")),
                n: 17, causation: nil, correlation: id(17), producer: "hromada-audit"),
            sample(
                CentreUpdated(
                    centreId: "central-library", name: "ЦОГ Центральної бібліотеки",
                    address: "вул. Потьомкінська, 143а",
                    keyHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", active: true,
                    updatedAt: at("2026-11-01T08:00:00.000Z")),
                n: 18, causation: nil, correlation: CentreUpdated.correlationId(centreId: "central-library"),
                producer: "hromada-intake"),
            sample(
                OfficialUpdated(
                    officialId: id(19), name: "Іван Сидоренко", authority: "zhkg", role: .official,
                    email: "zhkg@example.org",
                    active: true, updatedAt: at("2026-11-01T08:00:00.000Z")),
                n: 19, causation: nil, correlation: id(19), producer: "hromada-routing"),
            sample(
                AppealNotConsidered(
                    appealId: appealId, registrationNumber: number, ticketId: ticketId, authority: "zhkg",
                    ground: "repeat-decided",
                    notice: "Ваше звернення з цього питання "
                        + "вирішено по суті 01.10.2026.",
                    decidedBy: "head-3", decidedAt: at("2026-11-29T09:00:00.000Z")),
                n: 20, producer: "hromada-routing"),
            sample(
                AppealPersonalDataErased(
                    appealId: appealId, registrationNumber: number, trigger: .retention, erasedBy: "retention",
                    erasedAt: at("2032-01-01T00:00:00.000Z")),
                n: 21, causation: nil, producer: "hromada-intake"),
            sample(
                AppealPersonalDataErasureConfirmed(
                    appealId: appealId, registrationNumber: number, service: "hromada-routing",
                    erasureEventId: id(1021),
                    confirmedAt: at("2032-01-01T00:00:01.000Z")),
                n: 22, causation: id(1021), producer: "hromada-routing"),
            // The officials' inbox (InboxEvents.swift).
            sample(
                TicketNoteAdded(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    author: "official-12",
                    text: "Телефонував заявник, "
                        + "просить зателефонувати після 18:00.",
                    addedAt: at("2026-11-28T09:30:00.000Z")),
                n: 30, causation: nil, producer: "hromada-routing"),
            sample(
                TicketDelegated(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    assignee: id(31), previousAssignee: nil, delegatedBy: "head-3",
                    delegatedAt: at("2026-11-28T09:31:00.000Z")),
                n: 31, causation: nil, producer: "hromada-routing"),
            sample(
                TicketGrouped(
                    ticketId: ticketId, appealId: appealId, registrationNumber: number, authority: "zhkg",
                    groupId: id(32), groupTitle: "Порив водогону, вул. Соборна",
                    groupedBy: "official-12",
                    groupedAt: at("2026-11-28T09:32:00.000Z")),
                n: 32, causation: nil, producer: "hromada-routing"),
            // The resident's say on an answer (ResidentEvents.swift).
            sample(
                AppealAnswerRated(
                    appealId: appealId, registrationNumber: number, authority: "zhkg", rating: 4, via: .resident,
                    answeredAt: at("2026-12-15T14:45:10.250Z"), ratedAt: at("2026-12-16T08:00:00.000Z")),
                n: 40, causation: nil, producer: "hromada-intake"),
            sample(
                AppealDisputed(
                    appealId: appealId, registrationNumber: number, authority: "zhkg",
                    reason: "Не згодна з відмовою: батареї холодні.",
                    learnedOn: day("2026-12-18"), via: .centre,
                    registeredBy: id(41).uuidString.lowercased(), disputedAt: at("2026-12-20T09:00:00.000Z")),
                n: 41, causation: nil, producer: "hromada-intake"),
            sample(
                AppealDisputeAccepted(
                    appealId: appealId, registrationNumber: number, ticketId: ticketId, authority: "zhkg",
                    complaintTo: "executive-committee", disputeId: id(1041), lastDay: day("2027-01-18"),
                    acceptedAt: at("2026-12-20T09:00:01.000Z")),
                n: 42, causation: id(1041), producer: "hromada-routing"),
            sample(
                AppealDisputeRefused(
                    appealId: appealId, registrationNumber: number, authority: "zhkg", disputeId: id(1043),
                    code: "dispute-late", message: "Art. 17: the answer could be disputed until 2027-01-18",
                    lastDay: day("2027-01-18"), refusedAt: at("2027-02-01T09:00:01.000Z")),
                n: 43, causation: id(1043), producer: "hromada-routing"),
        ]
    }
}
