import Foundation
import HromadaAPI
import HromadaContracts

/// The status a resident sees (and Open311 reports as open or closed).
public enum PublicStatus: String, Codable, Sendable, CaseIterable {
    case registered, assigned, accepted, forwarded, extended, answered, reopened, closed, returned
    /// The head decided not to consider the appeal (Art. 8; `appeal.not-considered`).
    case notConsidered = "not-considered"

    /// Open311's `closed`: nothing more will happen unless the resident disputes it.
    public var isClosed: Bool { Self.closed311.contains(self) }
    static let closed311: Set<PublicStatus> = [.answered, .closed, .returned, .notConsidered]
}

/// What one routing event changes in the resident's view: only public facts, never an official's
/// id, a reason text or an answer text.
public struct TrackingUpdate: Sendable, Equatable {
    public var registrationNumber: String
    public var status: PublicStatus
    public var authority: String?
    public var deadline: LocalDate?
    public var note: String?
    public var occurredAt: Date

    /// The events the projection listens to on `hromada.intake`.
    public static let bindings = ["ticket.#", "appeal.returned.#", "appeal.not-considered.#"]

    /// The update an event makes, or nil for an event that is not part of the resident's view
    /// (deadline warnings, …). Throws `ContractError` when the payload contradicts its type.
    public static func from(_ envelope: Envelope) throws -> TrackingUpdate? {
        switch envelope.type {
        case TicketAssigned.eventType:
            let e = try envelope.decode(TicketAssigned.self)
            return TrackingUpdate(
                ticket: e, .assigned, deadline: e.deadline, note: e.reason.map { "reason:\($0)" }, at: e.assignedAt)
        case TicketAccepted.eventType:
            let e = try envelope.decode(TicketAccepted.self)
            return TrackingUpdate(ticket: e, .accepted, at: e.acceptedAt)
        case TicketForwarded.eventType:
            let e = try envelope.decode(TicketForwarded.self)
            return TrackingUpdate(
                ticket: e, .forwarded, deadline: e.deadline, note: "from:\(e.fromAuthority)", at: e.forwardedAt)
        case TicketExtended.eventType:
            let e = try envelope.decode(TicketExtended.self)
            return TrackingUpdate(
                ticket: e, .extended, deadline: e.newDeadline, note: "previous-deadline:\(e.previousDeadline)",
                at: e.extendedAt)
        case TicketAnswered.eventType:
            let e = try envelope.decode(TicketAnswered.self)
            return TrackingUpdate(ticket: e, .answered, note: "outcome:\(e.outcome.rawValue)", at: e.answeredAt)
        case TicketReopened.eventType:
            let e = try envelope.decode(TicketReopened.self)
            return TrackingUpdate(ticket: e, .reopened, deadline: e.deadline, at: e.reopenedAt)
        case TicketClosed.eventType:
            let e = try envelope.decode(TicketClosed.self)
            return TrackingUpdate(ticket: e, .closed, at: e.closedAt)
        case AppealReturned.eventType:
            let e = try envelope.decode(AppealReturned.self)
            return TrackingUpdate(registrationNumber: e.registrationNumber, status: .returned, occurredAt: e.returnedAt)
        case AppealNotConsidered.eventType:
            // The ground is public (a code); the notice is the author's letter and stays out.
            let e = try envelope.decode(AppealNotConsidered.self)
            return TrackingUpdate(
                registrationNumber: e.registrationNumber, status: .notConsidered, authority: e.authority,
                note: "ground:\(e.ground)", occurredAt: e.decidedAt)
        default:
            return nil
        }
    }

    /// The resident's own text an event carries, kept apart from the public facts above and shown
    /// only with the code (issue 14): the answer's text, the reason for an extension. Nil for
    /// every other event, known or not (new `ticket.*` types from other work are ignored).
    public static func residentText(_ envelope: Envelope) throws -> String? {
        switch envelope.type {
        case TicketAnswered.eventType: try envelope.decode(TicketAnswered.self).answerText
        case TicketExtended.eventType: try envelope.decode(TicketExtended.self).reason
        default: nil
        }
    }

    /// Events may arrive out of order (retries): the latest by occurrence sets the status. An
    /// older one only fills an authority or deadline not known yet.
    public func setsCurrentState(lastEventAt: Date?) -> Bool {
        guard let lastEventAt else { return true }
        return occurredAt >= lastEventAt
    }
}

extension TrackingUpdate {
    /// A ticket event's update: its number and the authority holding the ticket after it.
    init(
        ticket event: some TicketEvent, _ status: PublicStatus, deadline: LocalDate? = nil, note: String? = nil,
        at occurredAt: Date
    ) {
        self.init(
            registrationNumber: event.registrationNumber, status: status, authority: event.authority,
            deadline: deadline, note: note, occurredAt: occurredAt)
    }
}

/// What a resident with the right token sees: public facts only (the API type clients decode).
public typealias AppealStatusView = IntakeJSON.AppealStatus

/// Names of reference codes in the resident's language.
public enum ReferenceNames {
    public static func authority(_ code: String?, in language: Language) -> String? {
        code.flatMap { Reference.body(code: $0) }.map { language == .uk ? $0.nameUk : $0.nameEn }
    }

    /// An answer's outcome in words (the registration card's outcome codes), nil for an unknown code.
    public static func outcome(_ code: String, in language: Language) -> String? {
        let names: [String: (uk: String, en: String)] = [
            AnswerOutcome.resolvedPositively.rawValue: ("Вирішено позитивно", "Resolved positively"),
            AnswerOutcome.refused.rawValue: ("Відмовлено", "Refused"),
            AnswerOutcome.explained.rawValue: ("Розʼяснено", "Explained"),
            AnswerOutcome.other.rawValue: ("Інше", "Other"),
        ]
        return names[code].map { language == .uk ? $0.uk : $0.en }
    }

    public static func category(_ code: String, in language: Language) -> String {
        guard let category = Reference.category(code: code) else { return code }
        return language == .uk ? category.nameUk : category.nameEn
    }
}
