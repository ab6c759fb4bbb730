/// Which service produces each event type: the consumers' trust rule and the source of the
/// broker's topic permissions (deploy/local/infra.sh, deploy/compose, deploy/k8s).
///
/// A consumer accepts an event only when its envelope's `producer` is one of the type's producers
/// AND the message's AMQP `user_id` (verified by the broker against the publishing connection)
/// is that producer's broker user. Each service's broker user is named like its producer
/// (`hromada-intake` publishes as broker user `hromada-intake`), so the check is an equality.
public enum Producers {
    /// The producing services (their `producer` names, which are also their broker users).
    public static let intake = "hromada-intake"
    public static let routing = "hromada-routing"
    public static let notification = "hromada-notification"
    public static let audit = "hromada-audit"
    public static let all = [intake, routing, notification, audit]

    /// Event type → the services allowed to publish it. Every catalogue type has an entry
    /// (ContractsTests / SecurityTests check it).
    public static let table: [String: Set<String>] = [
        AppealRegistered.eventType: [intake],
        // Returns and "not considered" are the head's decisions, made in routing (Art. 5, 8); intake
        // keeps `appeal.returned` until its own return path is retired.
        AppealReturned.eventType: [intake, routing],
        AppealNotConsidered.eventType: [routing],
        CentreUpdated.eventType: [intake],
        RoutingRulesChanged.eventType: [routing],
        TicketAssigned.eventType: [routing],
        TicketAccepted.eventType: [routing],
        TicketForwarded.eventType: [routing],
        TicketExtended.eventType: [routing],
        TicketAnswered.eventType: [routing],
        TicketReopened.eventType: [routing],
        TicketClosed.eventType: [routing],
        TicketDeadlineApproaching.eventType: [routing],
        TicketOverdue.eventType: [routing],
        OfficialUpdated.eventType: [routing],
        NotificationSent.eventType: [notification],
        NotificationFailed.eventType: [notification],
        // Routing records officials' views of an appeal; audit records reads of the trail.
        // … and intake records every full-size view of an appeal's photo (issue 15).
        PersonalDataAccessed.eventType: [routing, audit, intake],
        PersonalDataErased.eventType: [audit],
        // Intake owns the appeal and starts its erasure; every service confirms its own part.
        AppealPersonalDataErased.eventType: [intake],
        AppealPersonalDataErasureConfirmed.eventType: [intake, routing, notification, audit],
        AuditCheckpoint.eventType: [audit],
        // The resident's say on an answer (ResidentEvents.swift): intake records it, routing decides a dispute.
        AppealAnswerRated.eventType: [intake], AppealDisputed.eventType: [intake],
        AppealDisputeAccepted.eventType: [routing], AppealDisputeRefused.eventType: [routing],
        // The officials' inbox (InboxEvents.swift): notes, delegation and groups, for the audit trail.
        TicketNoteAdded.eventType: [routing], TicketDelegated.eventType: [routing], TicketGrouped.eventType: [routing],
    ]

    /// The services allowed to publish `type` (empty for an unknown type).
    public static func producers(of type: String) -> Set<String> { table[type] ?? [] }

    /// Whether `producer` may publish `type`.
    public static func mayPublish(_ producer: String, type: String) -> Bool { producers(of: type).contains(producer) }

    /// The broker user a producer publishes as.
    public static func brokerUser(of producer: String) -> String { producer }

    /// The event types `producer` publishes, sorted.
    public static func types(producedBy producer: String) -> [String] {
        table.filter { $0.value.contains(producer) }.map(\.key).sorted()
    }

    /// The regular expression for RabbitMQ's topic permission (`write`) of `producer` on
    /// `hromada.events`: exactly the routing keys `<type>.v<version>[.<suffix>]` of its types.
    /// Empty types yield a pattern that matches nothing.
    public static func writeRoutingKeyPattern(for producer: String) -> String {
        let types = types(producedBy: producer).map { $0.replacingOccurrences(of: ".", with: "\\.") }
        guard !types.isEmpty else { return "^$" }
        return "^(\(types.joined(separator: "|")))\\.v[0-9]+(\\..+)?$"
    }

    /// Why `producer` (from the envelope) and `userID` (the AMQP property) are not trusted for
    /// `type`, or nil when they are. A type outside the catalogue (a newer producer's) is trusted
    /// from any known service sending as itself, so consumers can skip it as before; it has no
    /// handler to cause an effect. The text names no personal data.
    public static func distrust(type: String, producer: String, userID: String?) -> String? {
        var allowed = producers(of: type)
        if allowed.isEmpty, table[type] == nil, !EventCatalogue.entries.contains(where: { $0.type == type }) {
            allowed = Set(all)
        }
        guard !allowed.isEmpty else { return "no producer is known for event type \(type)" }
        guard allowed.contains(producer) else { return "\(producer) does not produce \(type)" }
        guard let userID, !userID.isEmpty else { return "message has no user_id" }
        guard userID == brokerUser(of: producer) else {
            return "user_id \(userID) is not the broker user of \(producer)"
        }
        return nil
    }
}
