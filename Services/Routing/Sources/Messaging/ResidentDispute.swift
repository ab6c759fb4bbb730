import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// A resident's dispute of an answer, recorded by intake (`appeal.disputed`: the tracking page, or
/// a centre's librarian): routing applies the ticket's existing dispute action as the system on the
/// resident's behalf (`TicketCommand.dispute`): a complaint to the body directly above the one that
/// answered (Art. 16), accepted within Art. 17's term — one month after the resident received the
/// answer (the day it was given unless the resident names a later day they learned of it), even when
/// the ticket has closed — and refused otherwise. Either way an event says so
/// (`appeal.dispute-accepted`, whose `authority` is the body that answered so its officials are
/// told, or `appeal.dispute-refused` with a code the tracking page shows).
public enum ResidentDispute {
    /// The actor the ticket's history names for a dispute the resident filed themselves. It acts
    /// with reception's right to dispute (`TicketAction.isReceptionAction`) and no authority.
    public static let actor = Principal(
        id: "system:resident-dispute", name: "resident's dispute", role: .reception, authority: nil)

    public enum Decision: Sendable {
        /// The ticket's dispute transition, with `appeal.dispute-accepted` among its events.
        case accepted(TicketTransition)
        case refused(AppealDisputeRefused, history: TicketTransition?)
    }

    /// Decides `dispute` (event `disputeId`) for `ticket` (nil: routing has no ticket for the appeal).
    /// The filing day is the day the resident disputed (Kyiv), never later than `now`'s day.
    public static func decide(
        _ dispute: AppealDisputed, disputeId: UUID, ticket: Ticket?, hierarchy: AuthorityHierarchy, now: Date
    ) -> Decision {
        let today = min(LocalDate(date: dispute.disputedAt, in: .kyiv), LocalDate(date: now, in: .kyiv))
        func refuse(_ code: DisputeRefusalCode, _ message: String, lastDay: LocalDate? = nil) -> Decision {
            let refused = AppealDisputeRefused(
                appealId: dispute.appealId, registrationNumber: dispute.registrationNumber,
                authority: ticket?.authority ?? dispute.authority, disputeId: disputeId, code: code.rawValue,
                message: message, lastDay: lastDay, refusedAt: now)
            return .refused(refused, history: ticket.map { refusalHistory($0, refused, at: now) })
        }
        guard let ticket else { return refuse(.notAnswered, "there is no answer to dispute") }
        guard ticket.status == .answered || ticket.status == .closed, ticket.answeredAt != nil else {
            if ticket.kind == .complaint, ticket.against == dispute.authority {
                return refuse(.alreadyDisputed, "the answer is already disputed")
            }
            return refuse(.notAnswered, "the appeal has no answer to dispute")
        }
        let dates: (decidedOn: LocalDate, learnedOn: LocalDate)
        do {
            dates = try ticket.disputeDates(learnedOn: dispute.learnedOn?.description, today: today)
        } catch {
            return refuse(.learnedOnInvalid, "learnedOn lies before the answer or in the future")
        }
        let term = ComplaintTerm.status(decidedOn: dates.decidedOn, learnedOn: dates.learnedOn, filedOn: today)
        if case .late(let lastDay) = term {
            return refuse(.late, "Art. 17: the answer could be disputed until \(lastDay)", lastDay: lastDay)
        }
        let result = ticket.apply(
            .dispute(reason: dispute.reason, learnedOn: dispute.learnedOn?.description), by: actor, at: now,
            today: today, hierarchy: hierarchy)
        switch result {
        case .failure(.law(.noHigherBody)):
            return refuse(.noHigherBody, "nothing stands above the body that answered: the court (Art. 16)")
        case .failure:
            return refuse(.notAnswered, "the answer cannot be disputed now")
        case .success(var transition):
            let lastDay = ComplaintTerm.lastDay(decidedOn: dates.decidedOn, learnedOn: dates.learnedOn)
            transition.events.append(
                AppealDisputeAccepted(
                    appealId: ticket.appealId, registrationNumber: ticket.registrationNumber, ticketId: ticket.id,
                    authority: ticket.authority, complaintTo: transition.ticket.authority, disputeId: disputeId,
                    lastDay: lastDay, acceptedAt: now))
            return .accepted(transition)
        }
    }

    /// A history row for a refused dispute; the ticket itself does not change.
    static func refusalHistory(_ ticket: Ticket, _ refused: AppealDisputeRefused, at now: Date) -> TicketTransition {
        TicketTransition(
            ticket: ticket,
            history: TicketHistoryRecord(
                at: now, action: "dispute-refused", actor: actor.id, from: ticket.status, to: ticket.status,
                authority: ticket.authority, note: "\(refused.code): \(refused.message)"),
            events: [refused])
    }

    /// Loads the appeal's ticket (locked), decides, and saves the decision with its events, in the
    /// consumer's transaction (whose inbox row makes a redelivery a no-op).
    static func handle(_ envelope: Envelope, now: Date, in tx: UnitOfWork.Transaction) throws {
        let dispute = try RoutingEventHandler.decode(AppealDisputed.self, from: envelope)
        let c = tx.connection
        let ticket = try RoutingStore.loadTicket(appealId: dispute.appealId, forUpdate: true, on: c)
        let decision = decide(
            dispute, disputeId: envelope.id, ticket: ticket, hierarchy: try RoutingStore.hierarchy(on: c), now: now)
        switch decision {
        case .accepted(let transition):
            try RoutingStore.save(transition, causationId: envelope.id, now: now, in: tx)
        case .refused(_, let history?):
            try RoutingStore.save(history, causationId: envelope.id, now: now, in: tx)
        case .refused(let refused, nil):
            try tx.publish(refused, correlationId: dispute.appealId, causationId: envelope.id, occurredAt: now)
        }
    }
}
