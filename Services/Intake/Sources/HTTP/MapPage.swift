import Foundation
import HromadaWeb
import Hummingbird
import Synchronization

/// The librarian's form's location picker: Leaflet from Debian's `libjs-leaflet` (read from its
/// folder at start, served from memory under `/assets/leaflet/`), intake's own map script, style
/// and district outlines (`Resources/map`, under `/assets/map/`), the form's view of them, and the
/// form pages' CSP, which allows images from the tile server (`HROMADA_MAP_TILE_URL`). Leaflet
/// missing: the form says so and keeps the two coordinate inputs, which work without JavaScript.
struct MapAssets: Sendable {
    static let leafletPrefix = "/assets/leaflet"
    static let leafletImagesPrefix = "/assets/leaflet/images"
    static let ownPrefix = "/assets/map"
    static let leafletFiles = ["leaflet.js", "leaflet.css"]
    static let leafletImages = [
        "layers.png", "layers-2x.png", "marker-icon.png", "marker-icon-2x.png", "marker-shadow.png",
    ]
    static let ownFiles = [MapResources.scriptName, "hromada-map.css", MapResources.districtsName]

    /// nil when Debian's Leaflet is not installed.
    let leaflet: WebAssets?
    let leafletImages: WebAssets?
    /// The map script, its style and the district outlines (nil: the bundle lacks them).
    let own: WebAssets?

    /// The form's view: links with content hashes (cached a year), the tile template, the bounds.
    struct View: Encodable, Sendable {
        var available: Bool
        var leafletCSS, leafletJS, script, style, districts: String
        var tiles, attribution: String
        /// south,west,north,east.
        var bounds: String
    }

    /// Loaded once per Leaflet folder (the pages build their view from it on every render).
    static func shared(_ settings: MapSettings) -> MapAssets {
        cache.withLock { cache in
            if let loaded = cache[settings.leafletDirectory] { return loaded }
            let loaded = MapAssets(settings)
            cache[settings.leafletDirectory] = loaded
            return loaded
        }
    }
    private static let cache = Mutex<[String: MapAssets]>([:])

    init(_ settings: MapSettings) {
        let directory = URL(fileURLWithPath: settings.leafletDirectory)
        let leaflet = try? WebAssets.load(directory: directory, names: Self.leafletFiles)
        let images = try? WebAssets.load(
            directory: directory.appendingPathComponent("images"), names: Self.leafletImages)
        // Both or neither: Leaflet without its images would show broken markers.
        (self.leaflet, self.leafletImages) = leaflet != nil && images != nil ? (leaflet, images) : (nil, nil)
        self.own = MapResources.folder.flatMap { try? WebAssets.load(directory: $0, names: Self.ownFiles) }
    }

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        leaflet?.addRoutes(to: router, under: Self.leafletPrefix)
        leafletImages?.addRoutes(to: router, under: Self.leafletImagesPrefix)
        own?.addRoutes(to: router, under: Self.ownPrefix)
    }

    static func link(_ assets: WebAssets?, _ prefix: String, _ name: String) -> String {
        guard let asset = assets?.assets[name] else { return "\(prefix)/\(name)" }
        return "\(prefix)/\(name)?v=\(asset.hash)"
    }

    func view(_ settings: MapSettings) -> View {
        View(
            available: leaflet != nil && own != nil,
            leafletCSS: Self.link(leaflet, Self.leafletPrefix, "leaflet.css"),
            leafletJS: Self.link(leaflet, Self.leafletPrefix, "leaflet.js"),
            script: Self.link(own, Self.ownPrefix, MapResources.scriptName),
            style: Self.link(own, Self.ownPrefix, "hromada-map.css"),
            districts: Self.link(own, Self.ownPrefix, MapResources.districtsName),
            tiles: settings.tileURL, attribution: MapSettings.attribution,
            bounds: [CityBounds.south, CityBounds.west, CityBounds.north, CityBounds.east]
                .map { "\($0)" }.joined(separator: ","))
    }

    /// The pages' policy with the tile server's origin added to `img-src` (nothing else widened).
    static func contentSecurityPolicy(_ policy: String, tileOrigin: String) -> String {
        guard !tileOrigin.isEmpty else { return policy }
        return policy.split(separator: ";").map { directive in
            let trimmed = directive.trimmingCharacters(in: .whitespaces)
            return trimmed.hasPrefix("img-src ") ? trimmed + " " + tileOrigin : trimmed
        }.joined(separator: "; ")
    }
}

extension WebPages {
    var mapAssets: MapAssets { MapAssets.shared(intake.settings.map) }

    /// The form's map view (Leaflet's links, the tiles, the city's bounds).
    var mapView: MapAssets.View { mapAssets.view(intake.settings.map) }

    /// A form page's response with the tile server allowed in its CSP (the map shows its tiles).
    func allowingMapTiles(_ response: Response) -> Response {
        guard let policy = response.headers[.contentSecurityPolicy] else { return response }
        var response = response
        response.headers[.contentSecurityPolicy] = MapAssets.contentSecurityPolicy(
            policy, tileOrigin: intake.settings.map.tileOrigin)
        return response
    }

    /// The form's point: both inputs parsed (`MapCoordinate.parse`: text that is no number is
    /// reported on its field), nil when both are empty.
    static func location(_ values: FormValues) -> AppealSubmission.Location? {
        let lat = MapCoordinate.parse(values.lat)
        let lon = MapCoordinate.parse(values.lon)
        guard lat != nil || lon != nil else { return nil }
        return AppealSubmission.Location(lat: lat, lon: lon)
    }

    /// The messages of the point's fields, shown next to the coordinate inputs.
    static func locationMessage(_ byField: [String: String]) -> String? {
        let messages = ["location", "location.lat", "location.lon", "location.address"].compactMap { byField[$0] }
        return messages.isEmpty ? nil : messages.joined(separator: " ")
    }
}
