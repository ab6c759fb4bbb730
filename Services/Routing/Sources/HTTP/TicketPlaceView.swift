import Foundation
import HromadaContracts

/// The problem's place and an Open311 client's photo link on the ticket page and the printable
/// card (`{{> ticket-place}}`, issue 15): the address text, the point to six decimals, the district
/// and a link to the point on openstreetmap.org, opened in a new tab. No map is embedded, so the
/// page's Content-Security-Policy stays as strict as it is.
struct TicketPlaceView: Encodable, Sendable, Equatable {
    struct Point: Encodable, Sendable, Equatable {
        /// "46.975033, 31.994583".
        var coordinates: String
        var mapURL: String
    }
    var address: String?
    var point: Point?
    var district: String?
    /// The photo link, only when `MediaLink` lets it through.
    var mediaURL: String?
    /// Whether there is a place to show (the section is left out without one).
    var hasPlace: Bool

    /// Nil when the appeal has neither a place nor a showable link.
    init?(_ appeal: TicketDetail.Appeal, districtName: String?) {
        let address = appeal.location?.address ?? appeal.locationAddress
        self.address = address.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        self.point = appeal.location.flatMap { Self.point(lat: $0.lat, lon: $0.lon) }
        self.mediaURL = MediaLink.safeURL(appeal.mediaURL)
        self.hasPlace = self.address != nil || self.point != nil
        self.district = hasPlace ? districtName : nil
        guard hasPlace || mediaURL != nil else { return nil }
    }

    /// The point and its link on openstreetmap.org, or nil for coordinates no map has.
    static func point(lat: Double, lon: Double) -> Point? {
        guard lat.isFinite, lon.isFinite, (-90...90).contains(lat), (-180...180).contains(lon) else { return nil }
        let la = String(format: "%.6f", lat)
        let lo = String(format: "%.6f", lon)
        return Point(
            coordinates: "\(la), \(lo)",
            mapURL: "https://www.openstreetmap.org/?mlat=\(la)&mlon=\(lo)#map=17/\(la)/\(lo)")
    }
}
