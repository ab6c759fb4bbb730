import Foundation
import HromadaContracts
import HromadaWeb

/// The outlines of the city's districts, read from a GeoJSON `FeatureCollection` (each feature's
/// `properties.code` a district code of `Reference.districts`, its geometry a `Polygon` or
/// `MultiPolygon` in [lon, lat] order), and which district a point lies in. Pure: the shipped file
/// is read once by `mykolaiv`; tests build outlines from their own text.
public struct DistrictOutlines: Sendable {
    /// One polygon: its outer ring first, then its holes; each ring a closed list of points.
    public typealias Polygon = [[MapPoint]]

    public struct Outline: Sendable {
        public var code: String
        public var polygons: [Polygon]
    }

    public let outlines: [Outline]

    public struct Invalid: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "district outlines: \(reason)" }
    }

    public init(outlines: [Outline]) { self.outlines = outlines }

    public init(geoJSON data: Data) throws {
        struct Collection: Decodable {
            struct Feature: Decodable {
                struct Properties: Decodable { var code: String }
                struct Geometry: Decodable {
                    var type: String
                    var coordinates: JSONValue
                }
                var properties: Properties
                var geometry: Geometry
            }
            var features: [Feature]
        }
        let collection = try JSONDecoder().decode(Collection.self, from: data)
        outlines = try collection.features.map { feature in
            guard Reference.district(code: feature.properties.code) != nil else {
                throw Invalid(reason: "unknown district code \(feature.properties.code)")
            }
            let polygons: [Polygon]
            switch feature.geometry.type {
            case "Polygon": polygons = [try Self.polygon(feature.geometry.coordinates)]
            case "MultiPolygon":
                guard case .array(let items) = feature.geometry.coordinates else {
                    throw Invalid(reason: "a MultiPolygon needs a list of polygons")
                }
                polygons = try items.map(Self.polygon)
            default: throw Invalid(reason: "unsupported geometry \(feature.geometry.type)")
            }
            return Outline(code: feature.properties.code, polygons: polygons)
        }
    }

    static func polygon(_ value: JSONValue) throws -> Polygon {
        guard case .array(let rings) = value, !rings.isEmpty else { throw Invalid(reason: "a polygon needs rings") }
        return try rings.map { ring in
            guard case .array(let positions) = ring, positions.count >= 4 else {
                throw Invalid(reason: "a ring needs at least four positions")
            }
            return try positions.map { position in
                guard case .array(let pair) = position, pair.count >= 2, let lon = pair[0].doubleValue,
                    let lat = pair[1].doubleValue
                else { throw Invalid(reason: "a position is [lon, lat]") }
                return MapPoint(lat: lat, lon: lon)
            }
        }
    }

    /// The code of the district whose outline contains `point`, nil when none does (the river,
    /// outside the city, a gap between the approximate outlines).
    public func district(containing point: MapPoint) -> String? {
        outlines.first { outline in outline.polygons.contains { Self.contains($0, point) } }?.code
    }

    /// Even-odd rule over every ring of the polygon, so a point in a hole is outside.
    static func contains(_ polygon: Polygon, _ point: MapPoint) -> Bool {
        var inside = false
        for ring in polygon {
            var j = ring.count - 1
            for i in ring.indices {
                let a = ring[i]
                let b = ring[j]
                if (a.lat > point.lat) != (b.lat > point.lat),
                    point.lon < (b.lon - a.lon) * (point.lat - a.lat) / (b.lat - a.lat) + a.lon
                {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }
}
