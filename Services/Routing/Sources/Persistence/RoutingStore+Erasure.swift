import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Routing's part of erasing an appeal's personal data (issue 19, migrations 500–519): the
/// tombstones, and the statement that replaces the personal fields of the appeal's copy, its
/// ticket and the ticket's history. Authority, category, kind, priority, dates, deadlines,
/// status and outcome stay: the anonymised facts the deadline control and statistics count.
public enum RoutingErasure {
    public static let migrations: [Migration] = [ErasureTombstones.migration]

    public static func erase(_ erasure: AppealPersonalDataErased, in transaction: UnitOfWork.Transaction) throws {
        let connection = transaction.connection
        let marker = ErasureTombstones.marker
        let appealId = erasure.appealId
        try connection.execute(
            """
            UPDATE appeals SET
                subject = \(marker), body = \(marker), author_name = \(marker), author_address = \(marker),
                author_email = NULL, author_phone = NULL, location_address = NULL,
                benefit_category = NULL
            WHERE appeal_id = \(appealId)
            """)
        try connection.execute(
            """
            UPDATE tickets SET subject = \(marker),
                answer_text = CASE WHEN answer_text IS NULL THEN NULL ELSE \(marker) END, draft = NULL
            WHERE appeal_id = \(appealId)
            """)
        // The inbox's internal notes (migration 231); the search column of `appeals` (230) is generated
        // from the fields replaced above, so it now holds only the marker and the number.
        try connection.execute(
            "UPDATE ticket_notes SET body = \(marker) "
                + "WHERE ticket_id IN (SELECT id FROM tickets WHERE appeal_id = \(appealId))")
        try connection.execute(
            "UPDATE ticket_history SET note = NULL "
                + "WHERE ticket_id IN (SELECT id FROM tickets WHERE appeal_id = \(appealId))"
        )
        // Issue 15: the problem's point and the Open311 photo link (migration 270).
        try TicketPlaceRecords.erase(appealId: appealId, on: connection)
    }
}
