import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The photos of appeals (issue 15, intake's migrations 800–819): the re-encoded JPEG and its
/// thumbnail as bytea in intake's own schema, next to the appeal they belong to. Photos are small
/// after re-encoding (a few hundred kB at 2,560 px), few (at most 5 per appeal) and personal data
/// with the same life as the appeal: one schema keeps them under the same backups, roles and
/// erasure as the appeal, where an object store would need its own credentials and deletion path.
public enum PhotoMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 800, name: "photos of appeals",
            sql: """
                CREATE TABLE appeal_photos (
                    id               uuid        PRIMARY KEY,
                    appeal_id        uuid        NOT NULL REFERENCES appeals (id) ON DELETE CASCADE,
                    position         int         NOT NULL CHECK (position BETWEEN 0 AND 19),
                    content_type     text        NOT NULL,
                    width            int         NOT NULL,
                    height           int         NOT NULL,
                    sha256           text        NOT NULL,
                    image            bytea       NOT NULL,
                    thumbnail        bytea       NOT NULL,
                    thumbnail_width  int         NOT NULL,
                    thumbnail_height int         NOT NULL,
                    created_at       timestamptz NOT NULL,
                    UNIQUE (appeal_id, position)
                );
                """)
    ]
}

/// One stored photo as served: its bytes (full or thumbnail) and the appeal it belongs to.
public struct StoredPhoto: Sendable, Equatable {
    public var id: UUID
    public var appealId: UUID
    public var registrationNumber: String
    public var contentType: String
    public var bytes: [UInt8]
    public var sha256: String
}

/// A photo as a page lists it (no bytes).
public struct PhotoSummary: Sendable, Equatable {
    public var id: UUID
    public var position: Int
    public var width: Int
    public var height: Int
    public var thumbnailWidth: Int
    public var thumbnailHeight: Int
}

/// The statements on `appeal_photos`, on the caller's connection (the registering transaction).
enum PhotoRecords {
    static func insert(_ photos: [PreparedPhoto], appealId: UUID, at now: Date, on connection: PostgresConnection)
        throws
    {
        for photo in photos {
            let image = photo.image
            try connection.execute(
                """
                INSERT INTO appeal_photos (id, appeal_id, position, content_type, width, height, sha256, image,
                    thumbnail, thumbnail_width, thumbnail_height, created_at)
                VALUES (\(photo.id), \(appealId), \(photo.position), \(PreparedImageType.jpeg), \(image.width),
                    \(image.height), \(photo.sha256), \(image.jpeg), \(image.thumbnail), \(image.thumbnailWidth),
                    \(image.thumbnailHeight), \(now))
                """)
        }
    }

    /// Erasure: the photos are the appeal's personal data and go whole (no anonymised remainder).
    static func erase(appealId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM appeal_photos WHERE appeal_id = \(appealId)")
    }
}

enum PreparedImageType {
    static let jpeg = "image/jpeg"
}

extension IntakeStore {
    /// A photo's bytes (`thumbnail`: the small one) with its appeal, nil when unknown or erased.
    public func photo(id: UUID, thumbnail: Bool) async throws -> StoredPhoto? {
        try await database.withConnection { connection in
            try connection.query(
                """
                SELECT p.id, p.appeal_id, a.registration_number, p.content_type,
                       CASE WHEN \(thumbnail) THEN p.thumbnail ELSE p.image END, p.sha256
                FROM appeal_photos p JOIN appeals a ON a.id = p.appeal_id
                WHERE p.id = \(id)
                """
            ).first.map { row in
                StoredPhoto(
                    id: try row.decode(0), appealId: try row.decode(1), registrationNumber: try row.decode(2),
                    contentType: try row.decode(3), bytes: try row.decode(4, as: [UInt8].self),
                    sha256: try row.decode(5))
            }
        }
    }

    /// The photos of the appeal numbered `number`, in order (no bytes).
    public func photos(registrationNumber number: String) async throws -> [PhotoSummary] {
        try await database.withConnection { connection in
            try connection.query(
                """
                SELECT p.id, p.position, p.width, p.height, p.thumbnail_width, p.thumbnail_height
                FROM appeal_photos p JOIN appeals a ON a.id = p.appeal_id
                WHERE a.registration_number = \(number) ORDER BY p.position
                """
            ).map { row in
                PhotoSummary(
                    id: try row.decode(0), position: try row.decode(1), width: try row.decode(2),
                    height: try row.decode(3), thumbnailWidth: try row.decode(4), thumbnailHeight: try row.decode(5))
            }
        }
    }

    /// Records a full-size view of a photo as `personal-data.accessed` (through the outbox, so the
    /// audit trail and the resident's statement show it).
    public func recordPhotoView(
        _ photo: StoredPhoto, actorId: String, actorRole: String, service: String, at now: Date
    ) async throws {
        try await unitOfWork.run { tx in
            try tx.publish(
                PersonalDataAccessed(
                    appealId: photo.appealId, registrationNumber: photo.registrationNumber, actorId: actorId,
                    actorRole: actorRole, purpose: "photo.view", service: service, accessedAt: now),
                correlationId: photo.appealId, occurredAt: now)
        }
    }
}
