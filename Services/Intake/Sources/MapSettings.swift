import Foundation
import HromadaRuntime

/// The librarian's form's map: where its tiles come from (`HROMADA_MAP_TILE_URL`) and where
/// Leaflet is on this machine (Debian's `libjs-leaflet`). Without reachable tiles the map is blank
/// and still sets the point; without Leaflet the form shows the two coordinate inputs alone.
public struct MapSettings: Sendable {
    /// OpenStreetMap's standard tiles (its tile usage policy asks for the attribution below).
    public static let openStreetMapTiles = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    /// Debian's `libjs-leaflet`.
    public static let debianLeaflet = "/usr/share/javascript/leaflet"

    /// A Leaflet tile URL template: `{z}`, `{x}`, `{y}`, optionally `{s}` (subdomains a, b, c).
    public var tileURL: String
    /// The folder holding `leaflet.js`, `leaflet.css` and `images/`.
    public var leafletDirectory: String

    public init(
        tileURL: String = MapSettings.openStreetMapTiles, leafletDirectory: String = MapSettings.debianLeaflet
    ) {
        self.tileURL = tileURL
        self.leafletDirectory = leafletDirectory
    }

    /// The attribution shown on the map (HTML, fixed here: tile servers render OpenStreetMap's data).
    public static let attribution =
        "© <a href=\"https://www.openstreetmap.org/copyright\" rel=\"noopener\">OpenStreetMap</a> contributors"

    /// The tiles' origin for the pages' `img-src` (`{s}.` becomes a `*.` wildcard).
    public var tileOrigin: String { Self.origin(of: tileURL) ?? "" }

    static func origin(of template: String) -> String? {
        guard let schemeEnd = template.range(of: "://") else { return nil }
        let scheme = template[..<schemeEnd.lowerBound].lowercased()
        let rest = template[schemeEnd.upperBound...]
        let host = rest.prefix { $0 != "/" }.replacingOccurrences(of: "{s}", with: "*")
        guard ["http", "https"].contains(scheme), !host.isEmpty else { return nil }
        return "\(scheme)://\(host)"
    }

    /// A usable template: http(s), a host, the three placeholders, and no character that could
    /// break out of the CSP header or the page's attribute (quotes, spaces, `;`, `,`, `<`).
    static func problem(with template: String) -> String? {
        guard origin(of: template) != nil else { return "must start with http:// or https:// and name a host" }
        for placeholder in ["{z}", "{x}", "{y}"] where !template.contains(placeholder) {
            return "must contain \(placeholder)"
        }
        let forbidden = CharacterSet(charactersIn: "\"'<>;, \\`").union(.whitespacesAndNewlines)
            .union(.controlCharacters)
        if template.unicodeScalars.contains(where: forbidden.contains) || !template.allSatisfy(\.isASCII) {
            return "may not contain spaces, quotes, ';', ',', '<', '>' or non-ASCII characters"
        }
        return nil
    }

    /// Reads `HROMADA_MAP_TILE_URL` over the default; a template that cannot work is an error at start.
    public static func fromEnvironment(_ environment: [String: String]) throws -> MapSettings {
        var settings = MapSettings()
        if let template = EnvironmentReader(environment).string(.mapTileURL) {
            if let problem = problem(with: template) {
                throw ConfigurationError(variable: EnvironmentVariable.mapTileURL.name, reason: problem)
            }
            settings.tileURL = template
        }
        return settings
    }
}
