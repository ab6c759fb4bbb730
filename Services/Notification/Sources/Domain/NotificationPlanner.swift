import Foundation
import HromadaContracts
import HromadaWeb

/// A resident's contact, kept from `appeal.registered` (ticket events carry none).
public struct ResidentContact: Sendable, Equatable {
    public var appealId: UUID
    public var registrationNumber: String
    public var fullName: String
    public var email: String?
    public var phone: String?
    public var language: String
    public var centreId: String?
    public var confidential: Bool
    public var subject: String = ""
    public var trackingToken: String?
    /// "sms" when the resident asked to be told by SMS (`author.notifyBy`), else nil.
    public var notifyBy: String?
}

/// An official from the directory (`official.updated`).
public struct OfficialContact: Sendable, Equatable {
    public var officialId: String
    public var name: String
    public var authority: String
    public var role: String
    public var email: String?
}

/// Where one notice goes.
public enum NoticeTarget: Sendable, Equatable {
    case email(String)
    case centre(String)
    /// An SMS to this number through the gateway (`NotificationPlanner+SMS.swift`).
    case sms(String)
    /// Nobody can be reached: recorded as failed at once.
    case unreachable
}

/// One notice to write as a delivery row.
public struct PlannedNotice: Sendable, Equatable {
    /// Unique per source event: `resident`, `official:<id>`, `reception:<id>`.
    public var recipientKey: String
    public var recipientKind: RecipientKind
    public var target: NoticeTarget
    public var language: String
    public var template: String
    public var subject: String
    public var body: String

    /// The channel it travels by: the centre's inbox, an SMS, else email (also for an unreachable
    /// resident, whose email notice fails at once).
    public var channel: NotificationChannel {
        if case .centre = target { return .centre }
        if case .sms = target { return .sms }
        return .email
    }

    /// Who receives it: the centre's librarian for a centre notice, else the planned recipient.
    public var deliveredTo: RecipientKind {
        if case .centre = target { return .centre }
        return recipientKind
    }
}

/// A notice in a centre's inbox (`GET /v1/centres/{id}/notices`).
public struct CentreNotice: Codable, Sendable, Equatable {
    public var id: UUID
    public var registrationNumber: String?
    public var residentName: String?
    public var phone: String?
    public var language: String
    public var subject: String
    public var text: String
    public var createdAt: Date
    public var readAt: Date?
}

/// Email addresses as the planner accepts them.
public enum EmailAddress {
    /// One `@`, something on both sides, no spaces, angle brackets or controls.
    public static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].count >= 1, address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && !"<>()[],;:\\\"".unicodeScalars.contains(scalar)
        }
    }
}

/// Who must be told about an event, in which language and with which text. Pure: the handler
/// looks up the resident and the officials and stores what this returns.
public struct NotificationPlanner: Sendable {
    public let templates: NotificationTemplates
    public let trackingURL: String
    public let officialLanguage: String
    /// The SMS texts (`Resources/sms/`); nil when the SMS channel is off (no `HROMADA_SMS_URL`).
    public let sms: NotificationTemplates?

    public init(
        templates: NotificationTemplates, trackingURL: String, officialLanguage: String = "uk",
        sms: NotificationTemplates? = nil
    ) {
        self.templates = templates
        self.trackingURL = trackingURL
        self.officialLanguage = officialLanguage
        self.sms = sms
    }

    /// Event types whose notices go to the resident.
    public static let residentEvents: Set<String> = [
        AppealRegistered.eventType, TicketForwarded.eventType, TicketExtended.eventType, TicketAnswered.eventType,
        TicketReopened.eventType, TicketClosed.eventType,
        // The head's decisions (Art. 5, 8): the author is told in writing.
        AppealReturned.eventType, AppealNotConsidered.eventType,
    ]
    /// Event types whose notices go to the holding authority's officials.
    public static let officialEvents: Set<String> = [
        TicketAssigned.eventType, TicketDeadlineApproaching.eventType, TicketOverdue.eventType,
        // Issue 15: a resident disputed the answer of `authority` (the complaint went to the body above).
        AppealDisputeAccepted.eventType,
    ]
    /// Event types that also go to the reception (escalations).
    public static let receptionEvents: Set<String> = [TicketOverdue.eventType]

    /// Whom an event concerns, so the handler loads only those: the resident, the officials of
    /// the authority the event names, the reception.
    public struct Recipients: Sendable, Equatable {
        public var resident: Bool
        public var authority: String?
        public var reception: Bool
    }

    public static func recipients(of envelope: Envelope) -> Recipients {
        var authority: String?
        if officialEvents.contains(envelope.type), case .string(let code)? = envelope.payload["authority"] {
            authority = code
        }
        return Recipients(
            resident: residentEvents.contains(envelope.type), authority: authority,
            reception: receptionEvents.contains(envelope.type))
    }

    /// Email if the resident gave a plausible address, else the centre that filed the appeal.
    public static func target(for resident: ResidentContact) -> NoticeTarget {
        if let email = resident.email?.trimmingCharacters(in: .whitespaces), EmailAddress.isPlausible(email) {
            return .email(email)
        }
        if let centre = resident.centreId, !centre.isEmpty { return .centre(centre) }
        return .unreachable
    }

    public func plan(
        _ envelope: Envelope, resident: ResidentContact?, officials: [OfficialContact], reception: [OfficialContact]
    ) throws -> [PlannedNotice] {
        var notices: [PlannedNotice] = []
        let type = envelope.type
        if Self.residentEvents.contains(type), let resident {
            let language = Language(rawValue: resident.language)?.rawValue ?? "uk"
            // Usually one target; two when a resident with an email also asked for SMS.
            for (index, target) in Self.targets(for: resident, smsEnabled: sms != nil).enumerated() {
                let key = index == 0 ? "resident" : "resident:sms"
                if case .sms = target {
                    notices.append(
                        try smsNotice(envelope, resident: resident, target: target, language: language, key: key))
                    continue
                }
                var context = try residentContext(envelope, resident: resident, language: language)
                if case .centre = target, resident.confidential { context["withholdText"] = true }
                let rendered = try templates.render(type, language: language, context: context)
                notices.append(
                    PlannedNotice(
                        recipientKey: key, recipientKind: .resident, target: target, language: language,
                        template: type, subject: rendered.subject, body: rendered.body))
            }
        }
        if Self.officialEvents.contains(type) {
            let base = try officialContext(envelope, language: officialLanguage)
            var seen = Set<String>()
            notices += try officialNotices(type, to: officials, as: .official, base: base, seen: &seen)
            if Self.receptionEvents.contains(type) {
                notices += try officialNotices(type, to: reception, as: .reception, base: base, seen: &seen)
            }
        }
        return notices
    }

    /// One email per official with a plausible address who is not in `seen` yet (shared by the
    /// authority's officials and the reception, so nobody in both gets two): template
    /// `<type>.<kind>`, recipient key `<kind>:<official id>`.
    private func officialNotices(
        _ type: String, to contacts: [OfficialContact], as kind: RecipientKind, base: [String: Any],
        seen: inout Set<String>
    ) throws -> [PlannedNotice] {
        let template = "\(type).\(kind.rawValue)"
        var notices: [PlannedNotice] = []
        for official in contacts {
            guard let email = official.email, EmailAddress.isPlausible(email),
                seen.insert(official.officialId).inserted
            else { continue }
            var context = base
            context["officialName"] = official.name
            let rendered = try templates.render(template, language: officialLanguage, context: context)
            notices.append(
                PlannedNotice(
                    recipientKey: "\(kind.rawValue):\(official.officialId)", recipientKind: kind,
                    target: .email(email), language: officialLanguage, template: template,
                    subject: rendered.subject, body: rendered.body))
        }
        return notices
    }

    // MARK: - Template contexts

    func residentContext(_ envelope: Envelope, resident: ResidentContact, language: String) throws -> [String: Any] {
        var c: [String: Any] = [
            "registrationNumber": resident.registrationNumber,
            "residentName": resident.fullName,
            "trackingURL": trackingURL,
        ]
        switch envelope.type {
        case AppealRegistered.eventType:
            let e = try envelope.decode(AppealRegistered.self)
            c["registrationNumber"] = e.registrationNumber
            c["appealSubject"] = e.subject
            c["trackingToken"] = e.trackingToken
            c["registeredDate"] = Self.format(LocalDate(date: e.registeredAt), language: language)
        case TicketForwarded.eventType:
            let e = try envelope.decode(TicketForwarded.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["fromAuthorityName"] = Self.authorityName(e.fromAuthority, language: language)
            c["reason"] = e.reason
            c["deadline"] = Self.format(e.deadline, language: language)
        case TicketExtended.eventType:
            let e = try envelope.decode(TicketExtended.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["reason"] = e.reason
            c["previousDeadline"] = Self.format(e.previousDeadline, language: language)
            c["deadline"] = Self.format(e.newDeadline, language: language)
        case TicketAnswered.eventType:
            let e = try envelope.decode(TicketAnswered.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["answerText"] = e.answerText
            switch e.outcome {
            case .resolvedPositively: c["outcomeResolvedPositively"] = true
            case .refused: c["outcomeRefused"] = true
            case .explained: c["outcomeExplained"] = true
            case .other: c["outcomeOther"] = true
            }
        case TicketReopened.eventType:
            let e = try envelope.decode(TicketReopened.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["reason"] = e.reason
            c["deadline"] = Self.format(e.deadline, language: language)
        case TicketClosed.eventType:
            let e = try envelope.decode(TicketClosed.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["closedDate"] = Self.format(LocalDate(date: e.closedAt), language: language)
        case AppealReturned.eventType:
            let e = try envelope.decode(AppealReturned.self)
            c["reason"] = e.reason
            c["returnedDate"] = Self.format(LocalDate(date: e.returnedAt), language: language)
        case AppealNotConsidered.eventType:
            let e = try envelope.decode(AppealNotConsidered.self)
            c["authorityName"] = Self.authorityName(e.authority, language: language)
            c["notice"] = e.notice
            c["decidedDate"] = Self.format(LocalDate(date: e.decidedAt), language: language)
        default:
            break
        }
        // The tracking page with the number filled in (issue 14): every resident email links it.
        c["trackingLink"] = TrackingLink.make(base: trackingURL, number: c["registrationNumber"] as? String ?? "")
        return c
    }

    func officialContext(_ envelope: Envelope, language: String) throws -> [String: Any] {
        var c: [String: Any] = [:]
        /// Every notice to an official names the appeal and the authority holding it.
        func about(_ registrationNumber: String, at authority: String) {
            c["registrationNumber"] = registrationNumber
            c["authorityName"] = Self.authorityName(authority, language: language)
        }
        switch envelope.type {
        case TicketAssigned.eventType:
            let e = try envelope.decode(TicketAssigned.self)
            about(e.registrationNumber, at: e.authority)
            c["categoryName"] = Self.categoryName(e.category, language: language)
            c["priority"] = e.priority
            c["deadline"] = Self.format(e.deadline, language: language)
            if let previous = e.previousAuthority {
                c["previousAuthorityName"] = Self.authorityName(previous, language: language)
            }
        case TicketDeadlineApproaching.eventType:
            let e = try envelope.decode(TicketDeadlineApproaching.self)
            about(e.registrationNumber, at: e.authority)
            c["deadline"] = Self.format(e.deadline, language: language)
            c["daysLeft"] = e.daysLeft
        case TicketOverdue.eventType:
            let e = try envelope.decode(TicketOverdue.self)
            about(e.registrationNumber, at: e.authority)
            c["escalatedToName"] = Self.authorityName(e.escalatedTo, language: language)
            c["deadline"] = Self.format(e.deadline, language: language)
            c["daysOverdue"] = e.daysOverdue
        case AppealDisputeAccepted.eventType:
            let e = try envelope.decode(AppealDisputeAccepted.self)
            about(e.registrationNumber, at: e.authority)
            c["complaintToName"] = Self.authorityName(e.complaintTo, language: language)
            c["lastDay"] = Self.format(e.lastDay, language: language)
        default:
            break
        }
        return c
    }

    static func authorityName(_ code: String, language: String) -> String {
        guard let authority = Reference.body(code: code) else { return code }
        return language == "en" ? authority.nameEn : authority.nameUk
    }

    static func categoryName(_ code: String, language: String) -> String {
        guard let category = Reference.categories.first(where: { $0.code == code }) else { return code }
        return language == "en" ? category.nameEn : category.nameUk
    }

    /// `27.11.2026` in Ukrainian, `27 Nov 2026` in English: the kit's one format (docs/VOCABULARY.md).
    static func format(_ date: LocalDate, language: String) -> String {
        PeopleDates.day(date, languageCode: language)
    }
}
