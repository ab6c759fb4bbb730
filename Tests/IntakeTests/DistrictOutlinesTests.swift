import Foundation
import HromadaContracts
import XCTest

@testable import Intake

/// The city's bounds, the shipped district outlines and point-in-polygon, in memory.
final class DistrictOutlinesTests: XCTestCase {
    var outlines: DistrictOutlines {
        get throws { try XCTUnwrap(DistrictOutlines.mykolaiv, "the shipped GeoJSON did not load") }
    }

    /// One point well inside each district, and the places that are in none.
    func testPointsInEachDistrictTheRiverAndOutside() throws {
        let cases: [(String, MapPoint, String?)] = [
            ("Soborna St., the centre", MapPoint(lat: 46.9659, lon: 31.9974), "tsentralnyi"),
            ("Varvarivka, across the Southern Bug", MapPoint(lat: 46.970, lon: 31.925), "tsentralnyi"),
            ("north of the Inhul, by the Bug", MapPoint(lat: 47.020, lon: 31.970), "tsentralnyi"),
            ("the shipyards by the Bug", MapPoint(lat: 46.960, lon: 31.978), "zavodskyi"),
            ("east, along the Inhul", MapPoint(lat: 47.000, lon: 32.050), "inhulskyi"),
            ("Ternivka", MapPoint(lat: 46.990, lon: 32.100), "inhulskyi"),
            ("the south, towards Balabanivka", MapPoint(lat: 46.880, lon: 32.000), "korabelnyi"),
            ("the Southern Bug between Varvarivka and the centre", MapPoint(lat: 46.966, lon: 31.958), nil),
            ("Kyiv", MapPoint(lat: 50.4501, lon: 30.5234), nil),
            ("the Black Sea", MapPoint(lat: 46.40, lon: 31.50), nil),
        ]
        let outlines = try outlines
        for (name, point, district) in cases {
            XCTAssertEqual(outlines.district(containing: point), district, name)
        }
    }

    /// Four districts, each a code of the reference data; no two outlines overlap (sampled every
    /// ~100 m over the bounds) and every vertex lies inside the city's bounds.
    func testOutlinesAreTheFourDistrictsApartAndInsideTheBounds() throws {
        let outlines = try outlines
        XCTAssertEqual(Set(outlines.outlines.map(\.code)), Set(Reference.districts.map(\.code)))
        for outline in outlines.outlines {
            for ring in outline.polygons.flatMap({ $0 }) {
                XCTAssertEqual(ring.first, ring.last, "\(outline.code): a ring is closed")
                for vertex in ring { XCTAssertTrue(CityBounds.contains(vertex), "\(outline.code): \(vertex)") }
            }
        }
        var inSome = 0
        for step in stride(from: CityBounds.south, through: CityBounds.north, by: 0.002) {
            for lonStep in stride(from: CityBounds.west, through: CityBounds.east, by: 0.002) {
                let point = MapPoint(lat: step, lon: lonStep)
                let containing = outlines.outlines.filter {
                    $0.polygons.contains { DistrictOutlines.contains($0, point) }
                }
                XCTAssertLessThanOrEqual(containing.count, 1, "\(point) is in \(containing.map(\.code))")
                inSome += containing.count
            }
        }
        XCTAssertGreaterThan(inSome, 1000, "the outlines cover the city")
    }

    /// A hole (inner ring) is outside; a point is matched by the even-odd rule.
    func testPointInPolygonWithAHole() throws {
        let json = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"zavodskyi"},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],
            [[4,4],[6,4],[6,6],[4,6],[4,4]]]}}]}
            """
        let outlines = try DistrictOutlines(geoJSON: Data(json.utf8))
        XCTAssertEqual(outlines.district(containing: MapPoint(lat: 2, lon: 2)), "zavodskyi")
        XCTAssertNil(outlines.district(containing: MapPoint(lat: 5, lon: 5)), "inside the hole")
        XCTAssertNil(outlines.district(containing: MapPoint(lat: 11, lon: 5)))
    }

    /// The validator fills the district from the outlines it is given (the shipped ones unless told
    /// otherwise); a district chosen by hand wins; without outlines a point names no district.
    func testTheValidatorTakesTheDistrictFromTheOutlinesItIsGiven() throws {
        let json = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"korabelnyi"},
            "geometry":{"type":"Polygon",
            "coordinates":[[[31.8,46.8],[32.2,46.8],[32.2,47.1],[31.8,47.1],[31.8,46.8]]]}}]}
            """
        let everywhereKorabelnyi = try DistrictOutlines(geoJSON: Data(json.utf8))
        var submission = ValidationTests.valid()
        submission.location = .init(lat: 46.9659, lon: 31.9974)
        func district(_ s: AppealSubmission, _ outlines: DistrictOutlines?) throws -> String? {
            try AppealValidator.validate(s, channel: "api", authenticatedCentre: nil, districts: outlines).get()
                .district
        }
        XCTAssertEqual(try district(submission, everywhereKorabelnyi), "korabelnyi")
        XCTAssertNil(try district(submission, nil))
        XCTAssertEqual(
            try AppealValidator.validate(submission, channel: "api", authenticatedCentre: nil).get().district,
            "tsentralnyi", "the shipped outlines by default")
        submission.district = "inhulskyi"
        XCTAssertEqual(try district(submission, everywhereKorabelnyi), "inhulskyi", "chosen by hand")
    }

    /// A file naming an unknown district or a broken geometry is refused, never half-read.
    func testBadOutlinesAreRefused() {
        let unknown = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"atlantis"},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}
            """
        XCTAssertThrowsError(try DistrictOutlines(geoJSON: Data(unknown.utf8)))
        let point = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"zavodskyi"},
            "geometry":{"type":"Point","coordinates":[0,0]}}]}
            """
        XCTAssertThrowsError(try DistrictOutlines(geoJSON: Data(point.utf8)))
        let short = """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"zavodskyi"},
            "geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}}]}
            """
        XCTAssertThrowsError(try DistrictOutlines(geoJSON: Data(short.utf8)))
    }

    func testCityBounds() {
        XCTAssertTrue(CityBounds.contains(MapPoint(lat: 46.9659, lon: 31.9974)))
        XCTAssertTrue(CityBounds.contains(CityBounds.centre))
        XCTAssertFalse(CityBounds.contains(MapPoint(lat: 50.4501, lon: 30.5234)), "Kyiv")
        XCTAssertFalse(CityBounds.contains(MapPoint(lat: 46.6354, lon: 32.6169)), "Kherson")
        XCTAssertFalse(CityBounds.contains(MapPoint(lat: .nan, lon: 31.99)))
        XCTAssertFalse(CityBounds.contains(MapPoint(lat: 0, lon: 0)))
    }

    /// Typed coordinates: numbers (a decimal comma too), nothing, or NaN for anything else.
    func testTypedCoordinates() {
        XCTAssertEqual(MapCoordinate.parse("46.9659"), 46.9659)
        XCTAssertEqual(MapCoordinate.parse(" 46,9659 "), 46.9659)
        XCTAssertEqual(MapCoordinate.parse("-31"), -31)
        XCTAssertNil(MapCoordinate.parse(nil))
        XCTAssertNil(MapCoordinate.parse("  "))
        for bad in ["abc", "NaN", "nan", "inf", "-infinity", "46.9.1", "1e400", String(repeating: "1", count: 40)] {
            XCTAssertTrue(MapCoordinate.parse(bad)?.isNaN == true, bad)
        }
    }
}
