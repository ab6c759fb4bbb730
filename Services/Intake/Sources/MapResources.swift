import Foundation
import HromadaWeb

extension DistrictOutlines {
    /// The outlines shipped with intake (`Resources/map/mykolaiv-districts.geojson`, approximate:
    /// see the README next to it); nil, and no district filled in from a point, when the file is
    /// missing or unreadable.
    public static let mykolaiv: DistrictOutlines? = {
        guard let data = try? Data(contentsOf: MapResources.districtsFile) else { return nil }
        return try? DistrictOutlines(geoJSON: data)
    }()
}

/// Where intake's map files are in its bundle (`Resources/map`).
enum MapResources {
    static let districtsName = "mykolaiv-districts.geojson"
    static let scriptName = "hromada-map.js"

    static var folder: URL? { try? Resources.folder(in: .module, named: "map", probe: districtsName) }

    static var districtsFile: URL {
        (folder ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent(districtsName)
    }
}
