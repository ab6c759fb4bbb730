import Foundation
import HromadaContracts

/// The ticket events whose notices go to the resident, for the planner tests: one ticket of
/// `appealId` forwarded, extended to 30 December, answered with `answerText`, reopened and closed.
func residentTicketEvents(
    appealId: UUID, number: String, deadline: LocalDate, now: Date, answerText: String
) -> [any DomainEvent] {
    let ticket = UUID()
    return [
        TicketForwarded(
            ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "transport",
            fromAuthority: "zhkg", officialId: "o1", reason: "not ours", forwardedAt: now, deadline: deadline),
        TicketExtended(
            ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg", officialId: "o1",
            reason: "site visit", previousDeadline: deadline, newDeadline: LocalDate(string: "2026-12-30")!,
            extendedAt: now),
        TicketAnswered(
            ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg", officialId: "o1",
            outcome: .explained, answerText: answerText, answeredAt: now),
        TicketReopened(
            ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg", reopenedBy: "o2",
            reason: "incomplete", reopenedAt: now, deadline: deadline),
        TicketClosed(
            ticketId: ticket, appealId: appealId, registrationNumber: number, authority: "zhkg", closedAt: now,
            closedBy: "o1"),
    ]
}
