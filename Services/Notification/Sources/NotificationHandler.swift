import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import Logging

/// Applies one event inside the consumer's inbox transaction: keeps the directory copies
/// (residents' contacts, centres, officials) and writes one delivery row per notice. It sends
/// nothing itself; the `DeliverySender` does, after the commit.
public struct NotificationHandler: EventHandler {
    let planner: NotificationPlanner
    let producer: String
    let clock: @Sendable () -> Date
    let logger: Logger

    public init(planner: NotificationPlanner, producer: String, clock: @escaping @Sendable () -> Date, logger: Logger) {
        self.planner = planner
        self.producer = producer
        self.clock = clock
        self.logger = logger
    }

    /// The routing keys the service's queue is bound to.
    public static let bindings: [String] = [
        "appeal.registered.v1",
        "ticket.assigned.v1.*", "ticket.forwarded.v1.*", "ticket.extended.v1.*", "ticket.answered.v1.*",
        "ticket.reopened.v1.*", "ticket.deadline-approaching.v1.*", "ticket.overdue.v1.*", "ticket.closed.v1.*",
        "centre.updated.v1", "official.updated.v1",
    ]

    /// A ticket event about an appeal whose `appeal.registered` has not arrived yet (they come from
    /// different producers). Thrown so the event is retried later, not dropped.
    public struct ResidentNotYetKnown: Error, CustomStringConvertible, Sendable {
        public let code = "resident_not_yet_known"
        public let appealId: UUID
        public var description: String { "\(code): appeal \(appealId)" }
    }

    public func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let envelope = event.envelope
        switch envelope.type {
        case CentreUpdated.eventType:
            try saveCentre(try decode(envelope, CentreUpdated.self), on: connection)
        case OfficialUpdated.eventType:
            try saveOfficial(try decode(envelope, OfficialUpdated.self), on: connection)
        case AppealRegistered.eventType:
            let registered = try decode(envelope, AppealRegistered.self)
            try saveResident(registered, on: connection)
            try notify(envelope, appealId: registered.appealId, registrationNumber: registered.registrationNumber, on: connection)
        case TicketAssigned.eventType, TicketForwarded.eventType, TicketExtended.eventType, TicketAnswered.eventType,
             TicketReopened.eventType, TicketClosed.eventType, TicketDeadlineApproaching.eventType, TicketOverdue.eventType:
            guard case .string(let number)? = envelope.payload["registrationNumber"],
                  case .string(let appeal)? = envelope.payload["appealId"], let appealId = UUID(uuidString: appeal)
            else { throw PermanentEventError("ticket event without appealId/registrationNumber") }
            try notify(envelope, appealId: appealId, registrationNumber: number, on: connection)
        default:
            return
        }
    }

    private func decode<E: DomainEvent>(_ envelope: Envelope, _ type: E.Type) throws -> E {
        do { return try envelope.decode(type) } catch {
            throw PermanentEventError("\(envelope.type) v\(envelope.version) does not match the contract")
        }
    }

    // MARK: - Directory

    func saveCentre(_ centre: CentreUpdated, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO centres (centre_id, name, address, key_hash, active, updated_at)
            VALUES (\(centre.centreId), \(centre.name), \(centre.address), \(centre.keyHash.lowercased()), \(centre.active), \(centre.updatedAt))
            ON CONFLICT (centre_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
                key_hash = EXCLUDED.key_hash, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE centres.updated_at <= EXCLUDED.updated_at
            """)
    }

    func saveOfficial(_ official: OfficialUpdated, on connection: PostgresConnection) throws {
        let id = official.officialId.uuidString.lowercased()
        try connection.execute("""
            INSERT INTO officials (official_id, name, authority, role, email, active, updated_at)
            VALUES (\(id), \(official.name), \(official.authority), \(official.role.rawValue), \(official.email), \(official.active), \(official.updatedAt))
            ON CONFLICT (official_id) DO UPDATE SET name = EXCLUDED.name, authority = EXCLUDED.authority, role = EXCLUDED.role,
                email = EXCLUDED.email, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at
            WHERE officials.updated_at <= EXCLUDED.updated_at
            """)
    }

    func saveResident(_ e: AppealRegistered, on connection: PostgresConnection) throws {
        try connection.execute("""
            INSERT INTO recipients (appeal_id, registration_number, full_name, email, phone, language, centre_id, confidential, registered_at)
            VALUES (\(e.appealId), \(e.registrationNumber), \(e.author.fullName), \(e.author.email), \(e.author.phone),
                    \(e.author.preferredLanguage.rawValue), \(e.centreId), \(e.confidential), \(e.registeredAt))
            ON CONFLICT (appeal_id) DO NOTHING
            """)
    }

    static func loadResident(appealId: UUID, on connection: PostgresConnection) throws -> ResidentContact? {
        guard let row = try connection.query("""
            SELECT registration_number, full_name, email, phone, language, centre_id, confidential
            FROM recipients WHERE appeal_id = \(appealId)
            """).first else { return nil }
        return ResidentContact(
            appealId: appealId, registrationNumber: try row.decode(0), fullName: try row.decode(1),
            email: try row.decode(2, as: String?.self), phone: try row.decode(3, as: String?.self), language: try row.decode(4),
            centreId: try row.decode(5, as: String?.self), confidential: try row.decode(6))
    }

    static func loadOfficials(authority: String?, role: String?, on connection: PostgresConnection) throws -> [OfficialContact] {
        let rows: PostgresRows
        if let authority {
            rows = try connection.query("""
                SELECT official_id, name, authority, role, email FROM officials
                WHERE active AND email IS NOT NULL AND authority = \(authority) ORDER BY official_id
                """)
        } else {
            rows = try connection.query("""
                SELECT official_id, name, authority, role, email FROM officials
                WHERE active AND email IS NOT NULL AND role = \(role ?? "reception") ORDER BY official_id
                """)
        }
        return try rows.map { row in
            OfficialContact(officialId: try row.decode(0), name: try row.decode(1), authority: try row.decode(2),
                            role: try row.decode(3), email: try row.decode(4, as: String?.self))
        }
    }

    // MARK: - Notices

    func notify(_ envelope: Envelope, appealId: UUID, registrationNumber: String, on connection: PostgresConnection) throws {
        var resident: ResidentContact?
        if NotificationPlanner.residentEvents.contains(envelope.type) {
            resident = try Self.loadResident(appealId: appealId, on: connection)
            guard resident != nil else { throw ResidentNotYetKnown(appealId: appealId) }
        }
        var officials: [OfficialContact] = []
        var reception: [OfficialContact] = []
        if NotificationPlanner.officialEvents.contains(envelope.type), case .string(let authority)? = envelope.payload["authority"] {
            officials = try Self.loadOfficials(authority: authority, role: nil, on: connection)
        }
        if NotificationPlanner.receptionEvents.contains(envelope.type) {
            reception = try Self.loadOfficials(authority: nil, role: OfficialRole.reception.rawValue, on: connection)
        }
        let notices = try planner.plan(envelope, resident: resident, officials: officials, reception: reception)
        let now = clock()
        for notice in notices {
            try store(notice, envelope: envelope, appealId: appealId, registrationNumber: registrationNumber, now: now, on: connection)
        }
        logger.debug("notices planned", metadata: ["event.id": "\(envelope.id)", "event.type": "\(envelope.type)", "notices": "\(notices.count)"])
    }

    func store(_ notice: PlannedNotice, envelope: Envelope, appealId: UUID, registrationNumber: String, now: Date, on connection: PostgresConnection) throws {
        let id = UUID()
        let channel: NotificationChannel
        let kind: RecipientKind
        var address: String?
        var centreId: String?
        let status: String
        switch notice.target {
        case .email(let email):
            (channel, kind, address, status) = (.email, notice.recipientKind, email, "pending")
        case .centre(let centre):
            (channel, kind, centreId, status) = (.centre, .centre, centre, "sent")
        case .unreachable:
            (channel, kind, status) = (.email, notice.recipientKind, "failed")
        }
        let lastError: String? = status == "failed" ? "no_contact: no email and no centre" : nil
        let inserted = try connection.execute("""
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel, appeal_id,
                registration_number, address, centre_id, language, template, subject, body, status, next_attempt_at,
                sent_at, failed_at, last_error, created_at)
            VALUES (\(id), \(envelope.id), \(envelope.type), \(notice.recipientKey), \(kind.rawValue), \(channel.rawValue), \(appealId),
                \(registrationNumber), \(address), \(centreId), \(notice.language), \(notice.template), \(notice.subject), \(notice.body),
                \(status), \(now), \(status == "sent" ? now : nil), \(status == "failed" ? now : nil), \(lastError), \(now))
            ON CONFLICT (source_event_id, recipient_key) DO NOTHING
            """)
        guard inserted == 1 else { return }
        if status == "sent" {
            try Outbox.enqueue(
                NotificationSent(notificationId: id, sourceEventId: envelope.id, sourceEventType: envelope.type, appealId: appealId,
                                 registrationNumber: registrationNumber, channel: channel, recipientKind: kind, sentAt: now),
                correlationId: envelope.correlationId, causationId: envelope.id, producer: producer, occurredAt: now, on: connection)
        } else if status == "failed" {
            try Outbox.enqueue(
                NotificationFailed(notificationId: id, sourceEventId: envelope.id, sourceEventType: envelope.type, appealId: appealId,
                                   registrationNumber: registrationNumber, channel: channel, recipientKind: kind,
                                   reason: lastError ?? "failed", attempts: 0, failedAt: now),
                correlationId: envelope.correlationId, causationId: envelope.id, producer: producer, occurredAt: now, on: connection)
        }
    }
}
