import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Notification's part of erasing an appeal's personal data (issue 19, migrations 500–519): the
/// tombstones, and the statement that forgets the resident's contact and every stored notice
/// text of the appeal. A notice not yet sent is given up (`failed`, "erased"): nobody is told
/// anything about an erased appeal. Channel, recipient kind, template, status and times stay.
public enum NotificationErasure {
    public static let migrations: [Migration] = [ErasureTombstones.migration]

    public static func erase(_ erasure: AppealPersonalDataErased, in transaction: UnitOfWork.Transaction) throws {
        let connection = transaction.connection
        let marker = ErasureTombstones.marker
        let appealId = erasure.appealId
        try connection.execute("DELETE FROM recipients WHERE appeal_id = \(appealId)")
        try AnswerLetters.erase(appealId: appealId, on: connection)
        try connection.execute(
            """
            UPDATE deliveries SET
                address = CASE WHEN recipient_kind = 'resident' AND address IS NOT NULL THEN \(marker) ELSE address END,
                subject = \(marker), body = \(marker), last_error = NULL,
                status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END,
                failed_at = CASE WHEN status = 'pending' THEN now() ELSE failed_at END,
                lease_token = NULL, lease_until = NULL
            WHERE appeal_id = \(appealId)
            """)
    }
}
