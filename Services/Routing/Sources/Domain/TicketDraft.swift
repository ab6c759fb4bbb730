import Foundation
import HromadaContracts

/// An answer or an extension prepared by an official of the holding body. The law gives the answer
/// under the head's signature (Art. 15) and lets only the head or a deputy extend a term (Art. 20):
/// so an official's answer or extension waits on the ticket as a draft, and takes effect (its event
/// goes out) only when a head or deputy of that body signs it (`TicketCommand.sign`). The head may
/// reject it with a reason instead; a new draft replaces the waiting one.
public struct TicketDraft: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case answer, `extension`
    }

    public var kind: Kind
    /// An answer's outcome and text (checked when drafted and again when signed).
    public var outcome: AnswerOutcome?
    public var text: String?
    /// An extension's new deadline and reason (checked when drafted and again when signed).
    public var newDeadline: LocalDate?
    public var reason: String?
    /// Who prepared it (the official's id, as in the history) and their name, and when.
    public var preparedBy: String
    public var preparedByName: String
    public var preparedAt: Date

    // Made only by `Ticket.apply` (and decoded from the ticket row): the memberwise init will do.
}
