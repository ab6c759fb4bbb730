import Foundation
import HromadaRuntime
import XCTest

@testable import Intake

/// `HROMADA_MAP_TILE_URL`: the default, the origin the pages' CSP allows, and templates refused at start.
final class MapSettingsTests: XCTestCase {
    func testTheDefaultIsOpenStreetMap() throws {
        let settings = try MapSettings.fromEnvironment([:])
        XCTAssertEqual(settings.tileURL, "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
        XCTAssertEqual(settings.tileOrigin, "https://tile.openstreetmap.org")
        XCTAssertTrue(MapSettings.attribution.contains("OpenStreetMap"))
    }

    func testTheOriginOfATemplate() throws {
        let subdomains = try MapSettings.fromEnvironment(
            ["HROMADA_MAP_TILE_URL": "https://{s}.tiles.example.org/{z}/{x}/{y}.png"])
        XCTAssertEqual(subdomains.tileOrigin, "https://*.tiles.example.org")
        let port = try MapSettings.fromEnvironment(["HROMADA_MAP_TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"])
        XCTAssertEqual(port.tileOrigin, "http://127.0.0.1:9")
    }

    func testTheCSPAddsOnlyTheTileOriginToImages() {
        let policy = MapAssets.contentSecurityPolicy(
            "default-src 'none'; img-src 'self' data:; script-src 'self'", tileOrigin: "https://tile.openstreetmap.org")
        XCTAssertEqual(
            policy, "default-src 'none'; img-src 'self' data: https://tile.openstreetmap.org; script-src 'self'")
    }

    func testUnusableTemplatesAreRefusedNamingTheVariable() {
        for bad in [
            "tile.openstreetmap.org/{z}/{x}/{y}.png", "ftp://tiles.example.org/{z}/{x}/{y}.png",
            "https://tiles.example.org/{z}/{x}.png", "https://tiles.example.org/{z}/{x}/{y}.png; script-src *",
            "https://tiles.example.org/{z}/{x}/{y}.png'", "https:///{z}/{x}/{y}.png",
        ] {
            XCTAssertThrowsError(try MapSettings.fromEnvironment(["HROMADA_MAP_TILE_URL": bad]), bad) { error in
                XCTAssertTrue("\(error)".contains("HROMADA_MAP_TILE_URL"), "\(error)")
                XCTAssertFalse("\(error)".contains("tiles.example.org"), "the value is not echoed")
            }
        }
    }

    /// No Leaflet in the folder: the view says the map is unavailable; the form keeps its inputs.
    func testWithoutLeafletTheMapIsUnavailable() {
        let settings = MapSettings(leafletDirectory: "/nonexistent/leaflet")
        let assets = MapAssets(settings)
        XCTAssertNil(assets.leaflet)
        XCTAssertFalse(assets.view(settings).available)
        XCTAssertNotNil(assets.own, "the map's own files are in intake's bundle")
    }
}
