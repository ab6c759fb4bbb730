import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// What a delivery report did.
public enum SMSReportOutcome: Sendable, Equatable {
    /// No SMS delivery with that id.
    case unknown
    /// Already final, or the same report again: nothing changed.
    case unchanged
    case recorded
}

/// The SMS channel's delivery reports (issue 15). Each report is one transaction: the row is
/// locked, the report kept, and an undelivered SMS that was `sent` becomes `failed` with its
/// `notification.failed`, exactly once.
extension NotificationStore {
    public func recordSMSReport(
        deliveryId: UUID, report: SMSReport, kannelType: Int, at now: Date
    ) async throws -> SMSReportOutcome {
        try await work.run { transaction -> SMSReportOutcome in
            let connection = transaction.connection
            guard
                let row = try connection.query(
                    """
                    SELECT status, sms_report, attempts, source_event_id, source_event_type, appeal_id,
                           registration_number, recipient_kind
                    FROM deliveries WHERE id = \(deliveryId) AND channel = 'sms' FOR UPDATE
                    """
                ).first
            else { return .unknown }
            let status: String = try row.decode(0)
            let previous = try row.decode(1, as: String?.self).flatMap(SMSReport.init(rawValue:))
            if let previous, previous.isFinal || previous == report { return .unchanged }
            try connection.execute(
                """
                UPDATE deliveries SET sms_report = \(report.rawValue), sms_reported_at = \(now) WHERE id = \(deliveryId)
                """)
            // Still pending: the sender has not committed the gateway's acceptance yet; `record`
            // applies the failure then (applyEarlySMSFailure).
            guard report == .undelivered, status == "sent" else { return .recorded }
            let reason = SMSReport.undeliveredReason(kannelType: kannelType)
            try connection.execute(
                """
                UPDATE deliveries SET status = 'failed', failed_at = \(now), last_error = \(reason)
                WHERE id = \(deliveryId)
                """)
            let appealId = try row.decode(5, as: UUID?.self)
            let sourceEventId: UUID = try row.decode(3)
            let subject = Delivery.Subject(
                notificationId: deliveryId, sourceEventId: sourceEventId, sourceEventType: try row.decode(4),
                appealId: appealId, registrationNumber: try row.decode(6, as: String?.self), channel: .sms,
                recipientKind: RecipientKind(rawValue: try row.decode(7)) ?? .resident)
            let failed = Delivery(state: .failed(at: now, reason: reason), attempts: try row.decode(2))
            if let event = failed.event(about: subject) {
                try transaction.publish(
                    event, correlationId: appealId ?? sourceEventId, causationId: sourceEventId, occurredAt: now)
            }
            return .recorded
        }
    }

    /// Called by `record` right after it marked an SMS `sent`: when the operator's failure report
    /// arrived before that commit (a fast gateway), the delivery fails now and only
    /// `notification.failed` is published. True when it did.
    static func applyEarlySMSFailure(_ claimed: ClaimedDelivery, in transaction: UnitOfWork.Transaction) throws -> Bool
    {
        let id = claimed.subject.notificationId
        guard
            let row = try transaction.connection.query(
                """
                UPDATE deliveries SET status = 'failed', failed_at = sent_at,
                    last_error = 'sms_undelivered: the operator reported it was not delivered', sent_at = NULL
                WHERE id = \(id) AND status = 'sent' AND sms_report = 'undelivered'
                RETURNING attempts, failed_at, last_error
                """
            ).first
        else { return false }
        let failedAt: Date = try row.decode(1)
        let failed = Delivery(state: .failed(at: failedAt, reason: try row.decode(2)), attempts: try row.decode(0))
        if let event = failed.event(about: claimed.subject) {
            try transaction.publish(
                event, correlationId: claimed.correlationId, causationId: claimed.subject.sourceEventId,
                occurredAt: failedAt)
        }
        return true
    }
}
