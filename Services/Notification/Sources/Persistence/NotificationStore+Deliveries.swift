import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// A delivery a sender holds: what to send, and its state (`sending` under the sender's lease).
public struct ClaimedDelivery: Sendable {
    public let subject: Delivery.Subject
    public let correlationId: UUID
    public let address: String
    public let title: String
    public let body: String
    public let createdAt: Date
    public let delivery: Delivery
}

extension NotificationStore: DeliveryStore {}

/// Delivery rows. The `deliveries` table has no `sending` status: a `pending` row with a live
/// lease (`lease_token`, `lease_until`) is `sending`; the SQL below mirrors `Delivery`'s rules.
extension NotificationStore {
    /// Writes one planned notice in its first state (`Delivery.initial`), and its event when that
    /// state is final, inside the consumer's transaction. A notice already written for this
    /// (source event, recipient) is left alone.
    static func insert(
        _ notice: PlannedNotice, from envelope: Envelope, appealId: UUID, registrationNumber: String, at now: Date,
        in transaction: UnitOfWork.Transaction
    ) throws {
        let connection = transaction.connection
        let id = UUID()
        let delivery = Delivery.initial(for: notice.target, at: now)
        var address: String?
        var centreId: String?
        switch notice.target {
        case .email(let email): address = email
        case .sms(let phone): address = phone
        case .centre(let centre): centreId = centre
        case .unreachable: break
        }
        let columns = Self.columns(delivery)
        let inserted = try connection.execute("""
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                appeal_id, registration_number, address, centre_id, language, template, subject, body, status,
                next_attempt_at, sent_at, failed_at, last_error, created_at)
            VALUES (\(id), \(envelope.id), \(envelope.type), \(notice.recipientKey), \(notice.deliveredTo.rawValue),
                \(notice.channel.rawValue), \(appealId), \(registrationNumber), \(address), \(centreId), \(notice.language),
                \(notice.template), \(notice.subject), \(notice.body), \(columns.status), \(now), \(columns.sentAt),
                \(columns.failedAt), \(columns.lastError), \(now))
            ON CONFLICT (source_event_id, recipient_key) DO NOTHING
            """)
        guard inserted == 1 else { return }
        let subject = Delivery.Subject(
            notificationId: id, sourceEventId: envelope.id, sourceEventType: envelope.type, appealId: appealId,
            registrationNumber: registrationNumber, channel: notice.channel, recipientKind: notice.deliveredTo)
        if let event = delivery.event(about: subject) {
            try transaction.publish(event, causedBy: envelope, occurredAt: now)
        }
    }

    /// Claims up to `limit` email deliveries claimable at `now` (`Delivery.isClaimable`: pending
    /// and due, or under an expired lease) for the sender holding `token`. `SKIP LOCKED`: two
    /// senders never claim the same row.
    public func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws -> [ClaimedDelivery] {
        try await claimDue(channel: .email, token: token, at: now, policy: policy, limit: limit)
    }

    /// The same for the deliveries of `channel` (email or SMS: each has its own sender).
    public func claimDue(
        channel: NotificationChannel, token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int
    ) async throws -> [ClaimedDelivery] {
        try await work.run { transaction in
            let connection = transaction.connection
            let leaseUntil = now.addingTimeInterval(policy.lease.seconds)
            let rows = try connection.query("""
                WITH due AS (
                    SELECT id FROM deliveries
                    WHERE status = 'pending' AND channel = \(channel.rawValue) AND next_attempt_at <= \(now)
                      AND (lease_until IS NULL OR lease_until < \(now))
                    ORDER BY next_attempt_at
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                )
                UPDATE deliveries d SET lease_token = \(token), lease_until = \(leaseUntil)
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.source_event_id, d.source_event_type, d.recipient_kind, d.appeal_id,
                          d.registration_number, d.address, d.subject, d.body, d.attempts, d.created_at
                """)
            return try rows.map { row in
                let appealId = try row.decode(4, as: UUID?.self)
                let subject = Delivery.Subject(
                    notificationId: try row.decode(0), sourceEventId: try row.decode(1), sourceEventType: try row.decode(2),
                    appealId: appealId, registrationNumber: try row.decode(5, as: String?.self), channel: channel,
                    recipientKind: RecipientKind(rawValue: try row.decode(3)) ?? .resident)
                return ClaimedDelivery(
                    subject: subject, correlationId: try appealId ?? row.decode(1, as: UUID.self),
                    address: try row.decode(6), title: try row.decode(7), body: try row.decode(8),
                    createdAt: try row.decode(10),
                    delivery: Delivery(
                        state: .sending(DeliveryLease(token: token, until: leaseUntil)), attempts: try row.decode(9)))
            }
        }
    }

    /// Writes `next` (what `Delivery.recording` returned) for a claimed delivery, with its event
    /// when final, only while `token` still holds the lease. Returns false when the lease was lost.
    public func record(_ next: Delivery, for claimed: ClaimedDelivery, token: UUID) async throws -> Bool {
        let id = claimed.subject.notificationId
        let columns = Self.columns(next)
        let nextAttempt: Date? = if case .pending(let at) = next.state { at } else { nil }
        return try await work.run { transaction -> Bool in
            let changed = try transaction.connection.execute("""
                UPDATE deliveries SET status = \(columns.status), attempts = \(next.attempts),
                    next_attempt_at = COALESCE(\(nextAttempt), next_attempt_at),
                    sent_at = \(columns.sentAt), failed_at = \(columns.failedAt), last_error = \(columns.lastError),
                    lease_token = NULL, lease_until = NULL
                WHERE id = \(id) AND status = 'pending' AND lease_token = \(token)
                """)
            guard changed == 1 else { return false }
            if claimed.subject.channel == .sms, case .sent = next.state,
               try Self.applyEarlySMSFailure(claimed, in: transaction) {
                return true  // the operator's failure report came before this commit: failed, announced
            }
            if let event = next.event(about: claimed.subject) {
                try transaction.publish(
                    event, correlationId: claimed.correlationId, causationId: claimed.subject.sourceEventId,
                    occurredAt: columns.sentAt ?? columns.failedAt ?? Date())
            }
            return true
        }
    }

    /// Extends to `until` the lease `token` holds on each of `ids` that is still pending under it, and
    /// returns those ids: a delivery missing from the answer was recorded already or taken over by
    /// another sender after the lease lapsed (the sender must not start sending it).
    public func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return try await database.withConnection { connection -> Set<UUID> in
            let rows = try connection.query("""
                UPDATE deliveries SET lease_until = \(until)
                WHERE id = ANY(\(ids)) AND status = 'pending' AND lease_token = \(token)
                RETURNING id
                """)
            return Set(try rows.map { try $0.decode(0, as: UUID.self) })
        }
    }

    /// Clears the lease `token` holds on each of `ids` still pending under it (rows a sender claimed
    /// but did not send, e.g. at shutdown), so another sender may claim them without waiting.
    public func releaseLeases(token: UUID, ids: [UUID]) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await database.withConnection { connection -> Int in
            try connection.execute("""
                UPDATE deliveries SET lease_token = NULL, lease_until = NULL
                WHERE id = ANY(\(ids)) AND status = 'pending' AND lease_token = \(token)
                """)
        }
    }

    /// A state as the table's columns.
    static func columns(_ delivery: Delivery) -> (status: String, sentAt: Date?, failedAt: Date?, lastError: String?) {
        switch delivery.state {
        case .pending, .sending: return ("pending", nil, nil, delivery.lastError)
        case .sent(let at): return ("sent", at, nil, nil)
        case .failed(let at, let reason): return ("failed", nil, at, reason)
        }
    }
}
