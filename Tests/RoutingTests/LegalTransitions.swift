import HromadaContracts

@testable import Routing

/// The ticket state machine as the tests expect it, written once: for each action, the states it
/// may be taken from. `Lifecycle.check` and `Ticket.apply` are both checked against this table.
enum LegalTransitions {
    static let from: [TicketAction: Set<TicketStatus>] = [
        .accept: [.assigned, .reopened], .forward: [.assigned, .accepted], .extend: [.accepted],
        .answer: [.accepted, .reopened], .reopen: [.answered], .close: [.answered],
        .returnToAuthor: [.assigned, .accepted], .notConsidered: [.assigned, .accepted, .reopened],
        .sign: [.accepted, .reopened], .rejectDraft: [.accepted, .reopened],
        .restoreTerm: [.assigned, .accepted, .reopened], .dispute: [.answered, .closed],
    ]
}
