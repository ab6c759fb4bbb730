import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The references to an appeal's photos that `appeal.registered` carries (issue 15, routing's
/// migrations 260–269): ids, SHA-256 hashes, type and size, never the bytes. Intake keeps the
/// images; routing only makes the signed links officials' browsers fetch them by.
public enum PhotoReferenceMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 260, name: "references to appeals' photos",
            sql: """
                CREATE TABLE appeal_photos (
                    photo_id     uuid PRIMARY KEY,
                    appeal_id    uuid NOT NULL,
                    position     int  NOT NULL,
                    sha256       text NOT NULL,
                    content_type text NOT NULL,
                    width        int  NOT NULL,
                    height       int  NOT NULL
                );
                CREATE INDEX appeal_photos_appeal ON appeal_photos (appeal_id, position);
                """)
    ]
}

/// One photo reference as the ticket page uses it.
public struct PhotoReference: Sendable, Equatable {
    public var id: UUID
    public var position: Int
    public var sha256: String
    public var width: Int
    public var height: Int
}

public enum PhotoReferenceRecords {
    /// The photos' references of a batch of events as one statement, in their order (a photo already
    /// stored, or met earlier in the batch, is skipped: a redelivery inserts nothing new); nil when
    /// none has photos. `RoutingStore.createTickets` runs it with the appeals' copies.
    static func insertStatement(batch events: [AppealRegistered]) -> PostgresQuery? {
        let rows = events.flatMap { event in
            (event.photos ?? []).enumerated().map { (appealId: event.appealId, position: $0.offset, photo: $0.element) }
        }
        guard !rows.isEmpty else { return nil }
        return
            """
            INSERT INTO appeal_photos (photo_id, appeal_id, position, sha256, content_type, width, height)
            SELECT photo_id, appeal_id, position, sha256, content_type, width, height
            FROM unnest(\(rows.map(\.photo.id))::uuid[], \(rows.map(\.appealId))::uuid[],
                \(rows.map(\.position))::int[],
                \(rows.map(\.photo.sha256))::text[], \(rows.map(\.photo.contentType))::text[],
                \(rows.map(\.photo.width))::int[], \(rows.map(\.photo.height))::int[])
                WITH ORDINALITY AS p(photo_id, appeal_id, position, sha256, content_type, width, height, ord)
            ORDER BY ord
            ON CONFLICT (photo_id) DO NOTHING
            """
    }

    /// The appeal's photo references, in order.
    public static func photos(appealId: UUID, on connection: PostgresConnection) throws -> [PhotoReference] {
        try connection.query(
            """
            SELECT photo_id, position, sha256, width, height FROM appeal_photos
            WHERE appeal_id = \(appealId) ORDER BY position
            """
        ).map { row in
            PhotoReference(
                id: try row.decode(0), position: try row.decode(1), sha256: try row.decode(2), width: try row.decode(3),
                height: try row.decode(4))
        }
    }
}

extension PhotoReferenceRecords {
    /// Routing's erasure with the photos' references: after intake deleted the images, their ids
    /// and hashes say nothing useful and go too (a hash could still recognise a copy of a photo).
    public static let eraseWithReferences: ErasureGate.Erase = { erasure, transaction in
        try RoutingErasure.erase(erasure, in: transaction)
        try transaction.connection.execute("DELETE FROM appeal_photos WHERE appeal_id = \(erasure.appealId)")
    }
}
