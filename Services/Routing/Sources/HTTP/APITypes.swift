import Foundation
public import HromadaAPI
import HromadaContracts

// Routing's API types are HromadaAPI's (one definition for the service and its clients:
// hromadactl, the console, the tests). Responses are written with `RoutingAPI.json`, which writes
// every UUID lower-case (ARCHITECTURE.md).

/// One line of the inbox: no personal data.
public typealias TicketSummary = RoutingJSON.Ticket
/// A whole ticket with the law's limits spelled out for the forms.
public typealias TicketDetail = RoutingJSON.TicketDetail
/// The appeal as officials need it (personal data: every view is recorded).
public typealias TicketAppeal = RoutingJSON.TicketDetail.Appeal
public typealias TicketHistoryEntry = RoutingJSON.TicketDetail.HistoryEntry
/// Body of `POST /v1/tickets/{id}/{action}` (fields used depend on the action).
public typealias TicketActionRequest = RoutingJSON.TicketAction
public typealias RuleSet = RoutingJSON.RuleSet
public typealias RuleSetUpdate = RoutingJSON.RuleSetUpdate
public typealias AuthorityInfo = RoutingJSON.Authority
public typealias OfficialInfo = RoutingJSON.Official
/// `POST /v1/officials` and `PUT /v1/officials/by-name` (`role` is checked by the store).
public typealias OfficialRequest = RoutingJSON.OfficialRequest
public typealias OfficialCreated = RoutingJSON.OfficialCreated
public typealias OfficialUpserted = RoutingJSON.OfficialUpserted
public typealias TokenIssued = RoutingJSON.TokenIssued

// MARK: From the domain to the API

extension TicketSummary {
    public init(_ t: Routing.Ticket, today: LocalDate) {
        self.init(
            id: t.id, registrationNumber: t.registrationNumber, authority: t.authority, status: t.status.rawValue,
            priority: t.priority, deadline: t.deadline.description, overdue: t.isOverdue(today: today),
            daysLeft: t.daysLeft(today: today), category: t.category, kind: t.kind.rawValue, subject: t.subject,
            extended: t.extended, escalated: t.escalated, registeredAt: t.registeredAt,
            awaitingSignature: t.draft?.kind.rawValue, headPersonally: t.headPersonally ? true : nil)
    }
}

extension TicketDetail {
    public init(_ record: TicketRecord, today: LocalDate) {
        let t = record.ticket
        self.init(
            id: t.id, appealId: t.appealId, registrationNumber: t.registrationNumber, authority: t.authority,
            status: t.status.rawValue, priority: t.priority, deadline: t.deadline.description,
            overdue: t.isOverdue(today: today), daysLeft: t.daysLeft(today: today), extended: t.extended,
            escalated: t.escalated, registeredAt: t.registeredAt, registeredOn: t.registeredOn.description,
            forwardAllowedUntil: t.lastForwardDate.description,
            forwardAllowed: Lifecycle.forwardAllowed(registeredOn: t.registeredOn, today: today),
            maxDeadline: t.latestDeadline.description, outcome: t.outcome?.rawValue, answerText: t.answerText,
            answeredAt: t.answeredAt, closedAt: t.closedAt, appeal: record.appeal, history: record.history,
            termsStartOn: t.termsStartOn.description,
            draft: t.draft.map {
                TicketDetail.Draft(
                    kind: $0.kind.rawValue, outcome: $0.outcome?.rawValue, text: $0.text,
                    newDeadline: $0.newDeadline?.description, reason: $0.reason, preparedBy: $0.preparedBy,
                    preparedByName: $0.preparedByName, preparedAt: $0.preparedAt)
            }, headPersonally: t.headPersonally, complaintTermMissed: t.complaintTermMissed?.description)
    }
}

extension TicketCommand {
    /// The command for `action` with the fields of its request body (the others are ignored).
    public init(_ action: TicketAction, _ request: TicketActionRequest) {
        switch action {
        case .accept: self = .accept
        case .forward: self = .forward(to: request.to, reason: request.reason)
        case .extend: self = .extend(days: request.days, newDeadline: request.newDeadline, reason: request.reason)
        case .answer: self = .answer(outcome: request.outcome, text: request.text)
        case .reopen: self = .reopen(reason: request.reason)
        case .close: self = .close
        case .returnToAuthor: self = .returnToAuthor(explanation: request.text ?? request.reason)
        case .notConsidered: self = .notConsidered(ground: request.ground, notice: request.text)
        case .sign: self = .sign
        case .rejectDraft: self = .rejectDraft(reason: request.reason)
        case .restoreTerm: self = .restoreTerm(reason: request.reason)
        case .dispute: self = .dispute(reason: request.reason, learnedOn: request.learnedOn)
        }
    }
}
