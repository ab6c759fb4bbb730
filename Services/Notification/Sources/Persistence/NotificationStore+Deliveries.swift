import Foundation
import HromadaContracts
import HromadaCore
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
    /// One notice to write for a source event (what `insertAll` takes).
    struct NoticeRow {
        let notice: PlannedNotice
        let envelope: Envelope
        let appealId: UUID
        let registrationNumber: String
    }

    /// Writes the planned notices of a whole consumer batch in one multi-row `INSERT` (what `insert`
    /// does for one), inside the consumer's transaction, then the events of the rows written whose
    /// first state is final. A notice already written for its (source event, recipient) is left alone.
    static func insertAll(_ rows: [NoticeRow], at now: Date, in transaction: UnitOfWork.Transaction) throws {
        guard !rows.isEmpty else { return }
        func text(_ date: Date?) -> String { date.flatMap { try? $0.encodePostgresText() } ?? "" }
        let ids = rows.map { _ in UUID() }
        let deliveries = rows.map { Delivery.initial(for: $0.notice.target, at: now) }
        let columns = deliveries.map { Self.columns($0) }
        var addresses: [String] = []
        var centreIds: [String] = []
        for row in rows {
            switch row.notice.target {
            case .email(let email):
                addresses.append(email)
                centreIds.append("")
            case .sms(let phone):
                addresses.append(phone)
                centreIds.append("")
            case .centre(let centre):
                addresses.append("")
                centreIds.append(centre)
            case .unreachable:
                addresses.append("")
                centreIds.append("")
            }
        }
        // Arrays carry no NULLs: '' stands for NULL in the optional columns (none is ever '' itself).
        let written = try transaction.connection.query(
            """
            INSERT INTO deliveries (id, source_event_id, source_event_type, recipient_key, recipient_kind, channel,
                appeal_id, registration_number, address, centre_id, language, template, subject, body, status,
                next_attempt_at, sent_at, failed_at, last_error, created_at)
            SELECT id, source_event_id, source_event_type, recipient_key, recipient_kind, channel, appeal_id,
                registration_number, NULLIF(address, ''), NULLIF(centre_id, ''), language, template, subject, body,
                status, \(now), NULLIF(sent_at, '')::timestamptz, NULLIF(failed_at, '')::timestamptz,
                NULLIF(last_error, ''), \(now)
            FROM unnest(\(ids)::uuid[], \(rows.map(\.envelope.id))::uuid[], \(rows.map(\.envelope.type))::text[],
                \(rows.map(\.notice.recipientKey))::text[], \(rows.map(\.notice.deliveredTo.rawValue))::text[],
                \(rows.map(\.notice.channel.rawValue))::text[], \(rows.map(\.appealId))::uuid[],
                \(rows.map(\.registrationNumber))::text[], \(addresses)::text[], \(centreIds)::text[],
                \(rows.map(\.notice.language))::text[], \(rows.map(\.notice.template))::text[],
                \(rows.map(\.notice.subject))::text[], \(rows.map(\.notice.body))::text[],
                \(columns.map(\.status))::text[], \(columns.map { text($0.sentAt) })::text[],
                \(columns.map { text($0.failedAt) })::text[], \(columns.map { $0.lastError ?? "" })::text[])
                AS n(id, source_event_id, source_event_type, recipient_key, recipient_kind, channel, appeal_id,
                     registration_number, address, centre_id, language, template, subject, body, status,
                     sent_at, failed_at, last_error)
            ON CONFLICT (source_event_id, recipient_key) DO NOTHING
            RETURNING id
            """)
        let inserted = Set(try written.map { try $0.decode(0, as: UUID.self) })
        for (index, row) in rows.enumerated() where inserted.contains(ids[index]) {
            let subject = Delivery.Subject(
                notificationId: ids[index], sourceEventId: row.envelope.id, sourceEventType: row.envelope.type,
                appealId: row.appealId, registrationNumber: row.registrationNumber, channel: row.notice.channel,
                recipientKind: row.notice.deliveredTo)
            if let event = deliveries[index].event(about: subject) {
                try transaction.publish(event, causedBy: row.envelope, occurredAt: now)
            }
        }
    }

    /// Claims up to `limit` email deliveries claimable at `now` (`Delivery.isClaimable`: pending
    /// and due, or under an expired lease) for the sender holding `token`. `SKIP LOCKED`: two
    /// senders never claim the same row.
    public func claimDue(token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int) async throws
        -> [ClaimedDelivery]
    {
        try await claimDue(channel: .email, token: token, at: now, policy: policy, limit: limit)
    }

    /// The same for the deliveries of `channel` (email or SMS: each has its own sender).
    public func claimDue(
        channel: NotificationChannel, token: UUID, at now: Date, policy: DeliveryPolicy, limit: Int
    ) async throws -> [ClaimedDelivery] {
        try await work.run { transaction in
            let connection = transaction.connection
            let leaseUntil = now.addingTimeInterval(policy.lease.seconds)
            let rows = try connection.query(
                """
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
                    notificationId: try row.decode(0), sourceEventId: try row.decode(1),
                    sourceEventType: try row.decode(2),
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
            let changed = try transaction.connection.execute(
                """
                UPDATE deliveries SET status = \(columns.status), attempts = \(next.attempts),
                    next_attempt_at = COALESCE(\(nextAttempt), next_attempt_at),
                    sent_at = \(columns.sentAt), failed_at = \(columns.failedAt), last_error = \(columns.lastError),
                    lease_token = NULL, lease_until = NULL
                WHERE id = \(id) AND status = 'pending' AND lease_token = \(token)
                """)
            guard changed == 1 else { return false }
            if claimed.subject.channel == .sms, case .sent = next.state,
                try Self.applyEarlySMSFailure(claimed, in: transaction)
            {
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

    /// Writes a round's outcomes in one transaction: one multi-row `UPDATE` (only the rows `token`
    /// still holds), then each written row's event (and an SMS's early failure report) as `record`
    /// does. One commit per round instead of one per delivery.
    public func recordAll(_ outcomes: [RecordedOutcome], token: UUID) async throws -> Set<UUID> {
        guard !outcomes.isEmpty else { return [] }
        func text(_ date: Date?) -> String { date.flatMap { try? $0.encodePostgresText() } ?? "" }
        var ids: [UUID] = []
        var statuses: [String] = []
        var attempts: [Int] = []
        var nextAttempts: [String] = []
        var sentAts: [String] = []
        var failedAts: [String] = []
        var errors: [String] = []
        var hasError: [Bool] = []
        for outcome in outcomes {
            let columns = Self.columns(outcome.next)
            ids.append(outcome.claimed.subject.notificationId)
            statuses.append(columns.status)
            attempts.append(outcome.next.attempts)
            if case .pending(let at) = outcome.next.state {
                nextAttempts.append(text(at))
            } else {
                nextAttempts.append("")
            }
            sentAts.append(text(columns.sentAt))
            failedAts.append(text(columns.failedAt))
            errors.append(columns.lastError ?? "")
            hasError.append(columns.lastError != nil)
        }
        return try await work.run {
            [ids, statuses, attempts, nextAttempts, sentAts, failedAts, errors, hasError] transaction -> Set<UUID> in
            // Arrays carry no NULLs here: '' stands for NULL in the date columns, `has_error` for the reason.
            let rows = try transaction.connection.query(
                """
                UPDATE deliveries d SET status = o.status, attempts = o.attempts,
                    next_attempt_at = COALESCE(NULLIF(o.next_attempt_at, '')::timestamptz, d.next_attempt_at),
                    sent_at = NULLIF(o.sent_at, '')::timestamptz, failed_at = NULLIF(o.failed_at, '')::timestamptz,
                    last_error = CASE WHEN o.has_error THEN o.last_error END,
                    lease_token = NULL, lease_until = NULL
                FROM unnest(\(ids)::uuid[], \(statuses)::text[], \(attempts)::bigint[], \(nextAttempts)::text[],
                            \(sentAts)::text[], \(failedAts)::text[], \(errors)::text[], \(hasError)::boolean[])
                    AS o(id, status, attempts, next_attempt_at, sent_at, failed_at, last_error, has_error)
                WHERE d.id = o.id AND d.status = 'pending' AND d.lease_token = \(token)
                RETURNING d.id
                """)
            let written = Set(try rows.map { try $0.decode(0, as: UUID.self) })
            for outcome in outcomes where written.contains(outcome.claimed.subject.notificationId) {
                let (next, claimed) = (outcome.next, outcome.claimed)
                if claimed.subject.channel == .sms, case .sent = next.state,
                    try Self.applyEarlySMSFailure(claimed, in: transaction)
                {
                    continue  // the operator's failure report came before this commit: failed, announced
                }
                if let event = next.event(about: claimed.subject) {
                    let columns = Self.columns(next)
                    try transaction.publish(
                        event, correlationId: claimed.correlationId, causationId: claimed.subject.sourceEventId,
                        occurredAt: columns.sentAt ?? columns.failedAt ?? Date())
                }
            }
            return written
        }
    }

    /// Extends to `until` the lease `token` holds on each of `ids` that is still pending under it, and
    /// returns those ids: a delivery missing from the answer was recorded already or taken over by
    /// another sender after the lease lapsed (the sender must not start sending it).
    public func renewLeases(token: UUID, ids: [UUID], until: Date) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return try await database.withConnection { connection -> Set<UUID> in
            let rows = try connection.query(
                """
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
            try connection.execute(
                """
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
