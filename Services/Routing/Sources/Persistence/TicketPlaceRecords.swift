import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// The problem's point and an Open311 client's photo link as `appeal.registered` carries them
/// (issue 15, routing's migrations 270–279). The address text stays in `appeals.location_address`;
/// this table keeps what routing did not store before: the coordinates and the link. Both are
/// personal (a point or a photo can show a person's home): erasure deletes the row.
public enum TicketPlaceMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 270, name: "the problem's point and the Open311 photo link",
            sql: """
                CREATE TABLE appeal_places (
                    appeal_id uuid PRIMARY KEY,
                    lat       double precision,
                    lon       double precision,
                    media_url text,
                    CHECK ((lat IS NULL) = (lon IS NULL))
                );
                """)
    ]
}

/// What routing keeps of an appeal's place and link.
public struct TicketPlace: Sendable, Equatable {
    public var lat: Double?
    public var lon: Double?
    public var mediaURL: String?

    public init(lat: Double? = nil, lon: Double? = nil, mediaURL: String? = nil) {
        self.lat = lat
        self.lon = lon
        self.mediaURL = mediaURL
    }
}

public enum TicketPlaceRecords {
    /// The events' points and links as one statement, in their order (the first place of an appeal
    /// wins: a redelivery changes nothing); nil when none has a point or a link.
    /// `RoutingStore.createTickets` runs it with the appeals' copies.
    static func insertStatement(batch events: [AppealRegistered]) -> PostgresQuery? {
        let rows = events.compactMap { event -> (appealId: UUID, lat: Double?, lon: Double?, link: String?)? in
            let point = event.location.flatMap { $0.lat.isFinite && $0.lon.isFinite ? $0 : nil }
            let link = event.mediaURL.flatMap { $0.isEmpty ? nil : $0 }
            guard point != nil || link != nil else { return nil }
            return (event.appealId, point?.lat, point?.lon, link)
        }
        guard !rows.isEmpty else { return nil }
        return
            """
            INSERT INTO appeal_places (appeal_id, lat, lon, media_url)
            SELECT appeal_id, lat, lon, media_url
            FROM unnest(\(rows.map(\.appealId))::uuid[], \(PostgresNullable.array(rows.map(\.lat)))::float8[],
                \(PostgresNullable.array(rows.map(\.lon)))::float8[],
                \(PostgresNullable.array(rows.map(\.link)))::text[])
                WITH ORDINALITY AS p(appeal_id, lat, lon, media_url, ord)
            ORDER BY ord
            ON CONFLICT (appeal_id) DO NOTHING
            """
    }

    /// The appeal's point and link, or nil when it has neither (or they were erased).
    public static func place(appealId: UUID, on connection: PostgresConnection) throws -> TicketPlace? {
        try connection.query(
            "SELECT lat, lon, media_url FROM appeal_places WHERE appeal_id = \(appealId)"
        ).first.map { row in
            TicketPlace(lat: try row.decode(0), lon: try row.decode(1), mediaURL: try row.decode(2))
        }
    }

    /// Erasure's part (called from `RoutingErasure.erase`): the point and the link go.
    static func erase(appealId: UUID, on connection: PostgresConnection) throws {
        try connection.execute("DELETE FROM appeal_places WHERE appeal_id = \(appealId)")
    }
}

extension TicketDetail {
    /// Adds the stored point and link to the officials' view of the appeal (the address text is
    /// already there as `locationAddress`).
    mutating func add(_ place: TicketPlace?) {
        guard let place else { return }
        if let lat = place.lat, let lon = place.lon {
            appeal.location = TicketDetail.Appeal.Location(lat: lat, lon: lon, address: appeal.locationAddress)
        }
        appeal.mediaURL = place.mediaURL
    }
}
