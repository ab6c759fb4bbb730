import Foundation

/// The link a resident's email gives: the tracking page of the configured public address
/// (`HROMADA_TRACKING_URL`) with the registration number filled in. A base that names the service
/// only (`https://host/`, as older configurations did) gets `/track` added: the bare address is
/// the librarians' sign-in page.
public enum TrackingLink {
    public static func make(base: String, number: String) -> String {
        guard var components = URLComponents(string: base), components.scheme != nil else { return base }
        var path = components.path
        if !path.hasSuffix("/track") && !path.hasSuffix("/track/") {
            path = (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/track"
        }
        components.path = path
        var items = (components.queryItems ?? []).filter { $0.name != "number" }
        if !number.isEmpty { items.append(URLQueryItem(name: "number", value: number)) }
        components.queryItems = items.isEmpty ? nil : items
        return components.string ?? base
    }
}
