import Foundation
import HromadaContracts

/// A point given as latitude and longitude (WGS 84 degrees), as the form, the API and Open311 send it.
public struct MapPoint: Sendable, Equatable {
    public var lat: Double
    public var lon: Double
}

/// Mykolaiv's extent: a point outside it cannot be a place in the city, so an appeal that gives
/// one is refused with a field error. A rectangle around the city's four districts (their shipped
/// outlines lie inside it, which `CityBoundsTests` checks): generous on purpose, so the outskirts a
/// resident may still mean are never refused; the district outlines, not these bounds, say which
/// district a point is in.
public enum CityBounds {
    public static let south = 46.82
    public static let north = 47.06
    public static let west = 31.88
    public static let east = 32.15

    /// Whether `point` lies inside the bounds (edges included).
    public static func contains(_ point: MapPoint) -> Bool {
        point.lat >= south && point.lat <= north && point.lon >= west && point.lon <= east
    }

    /// The map's starting view: the middle of the bounds.
    public static var centre: MapPoint { MapPoint(lat: (south + north) / 2, lon: (west + east) / 2) }
}

/// Coordinates typed as text (the form's two inputs, Open311's `lat` and `long`).
public enum MapCoordinate {
    /// nil when nothing was given; the number when `text` is one (a decimal comma is accepted, as
    /// Ukrainian keyboards type it); NaN when something was given that is no number, so the
    /// validator names the field ("not a number") instead of the coordinate silently vanishing.
    public static func parse(_ text: String?) -> Double? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else {
            return nil
        }
        guard trimmed.count <= 32, let value = Double(trimmed.replacingOccurrences(of: ",", with: ".")),
            value.isFinite
        else { return .nan }
        return value
    }
}

extension AppealRegistered.Location {
    /// The location's point.
    public var point: MapPoint { MapPoint(lat: lat, lon: lon) }
}
