/// Every event type on the bus.
public enum EventCatalogue {
    public struct Entry: Sendable, Hashable {
        public let type: String
        public let version: Int
        /// Ticket events: the routing key ends with the holding authority's code.
        public let routingKeyCarriesAuthority: Bool

        /// `"<type>.v<version>"` (without any authority suffix).
        public var routingKeyPrefix: String { Topology.routingKey(type: type, version: version) }
    }

    /// The Swift type of every event, in catalogue order.
    public static var eventTypes: [any DomainEvent.Type] {
        [
            AppealRegistered.self, AppealReturned.self, AppealNotConsidered.self, RoutingRulesChanged.self,
            TicketAssigned.self, TicketAccepted.self, TicketForwarded.self, TicketExtended.self, TicketAnswered.self,
            TicketReopened.self, TicketClosed.self, TicketDeadlineApproaching.self, TicketOverdue.self,
            NotificationSent.self, NotificationFailed.self,
            PersonalDataAccessed.self, PersonalDataErased.self, AuditCheckpoint.self,
            CentreUpdated.self, OfficialUpdated.self,
            AppealPersonalDataErased.self, AppealPersonalDataErasureConfirmed.self,
            AppealAnswerRated.self, AppealDisputed.self, AppealDisputeAccepted.self, AppealDisputeRefused.self,
            TicketNoteAdded.self, TicketDelegated.self, TicketGrouped.self,
        ]
    }

    public static let entries: [Entry] = eventTypes.map { type in
        Entry(type: type.eventType, version: type.version, routingKeyCarriesAuthority: type is any TicketEvent.Type)
    }

    public static func isKnown(type: String, version: Int) -> Bool {
        entries.contains { $0.type == type && $0.version == version }
    }

    public static func entry(type: String, version: Int) -> Entry? {
        entries.first { $0.type == type && $0.version == version }
    }

    /// Whether the routing key of `type` ends with `.<authority>` (true for `ticket.*`).
    public static func routingKeyCarriesAuthority(type: String) -> Bool {
        entries.first { $0.type == type }?.routingKeyCarriesAuthority ?? type.hasPrefix("ticket.")
    }
}

/// Where the personal data sits in each event's payload, collected from each type's
/// `personalFields` declaration. The bus seals exactly these values (`PersonalDataSealing`) and
/// the audit service encrypts them before storing a payload. A path names a value — a string, or
/// a whole object/array (`["author"]` covers every author field) — and a path absent from a
/// payload is skipped.
public enum PersonalFields {
    private static let table: [String: [[String]]] = Dictionary(
        EventCatalogue.eventTypes.map { ($0.eventType, $0.personalFields) }, uniquingKeysWith: { first, _ in first })

    /// Key paths within `payload`; empty for events without personal data and for unknown types.
    public static func paths(for type: String) -> [[String]] { table[type] ?? [] }
}
