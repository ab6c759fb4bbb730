import Foundation
import HromadaPostgres
import HromadaTestSupport
import XCTest

@testable import Intake

/// The form's location picker in a real headless chromium, with the tile server unreachable
/// (`HROMADA_MAP_TILE_URL` points at a closed local port): the map still loads from intake's own
/// Leaflet, a click on the blank map sets the point, shows a marker and fills the district; "clear"
/// removes it; a coordinate that is no number is shown next to the inputs; the language switch and
/// the tab's kept values keep the point; the appeal is registered with the clicked location; at
/// 390 px nothing scrolls sideways. Screenshots under .hromada/screenshots/.
final class MapFormBrowserTests: XCTestCase {
    /// Well inside Корабельний's outline (DistrictOutlinesTests checks it).
    static let southern = MapPoint(lat: 46.880, lon: 32.000)

    func testAClickOnTheBlankMapSetsThePointAndTheDistrict() async throws {
        guard FileManager.default.fileExists(atPath: MapSettings.debianLeaflet + "/leaflet.js") else {
            throw XCTSkip("Debian's libjs-leaflet is not installed (deploy/local/infra.sh installs it)")
        }
        _ = try HeadlessBrowser.chromium()
        let closedPort = try HeadlessBrowser.freePort()  // nothing listens there: the tiles never come
        let server = try await IntakeTestService.start(self, port: Int(try HeadlessBrowser.freePort())) {
            $0.map.tileURL = "http://127.0.0.1:\(closedPort)/{z}/{x}/{y}.png"
        }
        let browser = try await server.browserSignedIn()
        defer { browser.close() }

        // The map comes up from intake's own files and draws the district outlines.
        try await browser.wait(until: "document.getElementById('map')?.getAttribute('data-ready') === 'districts'")
        let paths = try browser.evaluate("document.querySelectorAll('#map svg path').length") as? Int
        XCTAssertGreaterThanOrEqual(paths ?? 0, 4, "the four districts are drawn on the blank map")
        let policy =
            try browser.evaluate(
                "fetch('/?lang=uk', {credentials: 'same-origin'}).then(r => r.headers.get('content-security-policy'))")
            as? String ?? ""
        XCTAssertTrue(policy.contains("img-src 'self' data: http://127.0.0.1:\(closedPort)"), policy)
        XCTAssertFalse(policy.contains("unsafe-inline"), policy)

        // A coordinate that is no number: the field's message next to the inputs, what was typed kept.
        for (name, value) in LibrarianFormBrowserTests.appeal { try browser.fill(name, value) }
        try browser.fill("lat", "сорок шість")
        try browser.fill("lon", "31.99")
        try await browser.click("#appeal-form button[type=submit]")
        let error = try browser.evaluate("document.getElementById('location-error')?.textContent") as? String
        XCTAssertEqual(error, "Широта має бути числом (градуси, напр. 46.97)")
        XCTAssertEqual(try browser.evaluate("document.getElementById('lat').value") as? String, "сорок шість")
        try await browser.wait(until: "document.getElementById('map')?.getAttribute('data-ready') === 'districts'")

        // A click on the blank map: the point, a marker, the district.
        try click(browser, Self.southern)
        try await browser.wait(until: "document.getElementById('lat').value.startsWith('46.8')")
        let lat = try XCTUnwrap(Double(try browser.evaluate("document.getElementById('lat').value") as? String ?? ""))
        let lon = try XCTUnwrap(Double(try browser.evaluate("document.getElementById('lon').value") as? String ?? ""))
        XCTAssertEqual(lat, Self.southern.lat, accuracy: 0.006)
        XCTAssertEqual(lon, Self.southern.lon, accuracy: 0.006)
        XCTAssertEqual(try browser.evaluate("document.getElementById('district').value") as? String, "korabelnyi")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('.leaflet-marker-icon').length") as? Int, 1)
        // The tab keeps the point with the rest of what was typed.
        let kept =
            try browser.evaluate(
                "JSON.parse(sessionStorage.getItem('hromada.keep.appeal') || '{}').lat") as? String
        XCTAssertEqual(kept, try browser.evaluate("document.getElementById('lat').value") as? String)
        try mapShot(browser, "intake-form-map-point")

        // "Clear" removes it; a second click sets it again.
        try browser.evaluate("document.getElementById('map-clear').click()")
        XCTAssertEqual(try browser.evaluate("document.getElementById('lat').value") as? String, "")
        XCTAssertEqual(try browser.evaluate("document.querySelectorAll('.leaflet-marker-icon').length") as? Int, 0)
        XCTAssertEqual(
            try browser.evaluate("getComputedStyle(document.getElementById('map-clear')).display") as? String, "none")
        try click(browser, Self.southern)
        try await browser.wait(until: "document.getElementById('lat').value !== ''")

        // The language switch keeps the point.
        let typedLat = try browser.evaluate("document.getElementById('lat').value") as? String
        try await browser.click("button[name=relanguage]")
        XCTAssertEqual(try browser.evaluate("document.getElementById('lat').value") as? String, typedLat)
        XCTAssertEqual(try browser.evaluate("document.documentElement.lang") as? String, "en")
        try await browser.wait(until: "document.querySelectorAll('.leaflet-marker-icon').length === 1")

        // A phone's width: the map fits, nothing scrolls sideways.
        try browser.emulate(width: 390)
        try await Task.sleep(for: .milliseconds(300))
        let scroll = try browser.evaluate("document.documentElement.scrollWidth") as? Int ?? .max
        let inner = try browser.evaluate("window.innerWidth") as? Int ?? 0
        XCTAssertLessThanOrEqual(scroll, inner, "no horizontal scrolling at 390 px")
        let right = try browser.evaluate("document.getElementById('map').getBoundingClientRect().right") as? Double
        XCTAssertLessThanOrEqual(right ?? .infinity, 390)
        try browser.evaluate("document.getElementById('map').scrollIntoView({block: 'center'}); true")
        try browser.screenshot("intake-form-map-390")
        try mapShot(browser, "intake-form-map-point-390")
        try browser.call("Emulation.clearDeviceMetricsOverride")
        try browser.screenshot("intake-form-map-1280")

        // Sent: registered with the clicked location and the district it lies in.
        try await browser.click("#appeal-form button[type=submit]")
        let receiptURL = try browser.location()
        XCTAssertTrue(receiptURL.contains("/form/receipt/"), receiptURL)
        let client = server.db.client(poolSize: 1)
        defer { Task { await client.close() } }
        let rows = try await client.query("SELECT lat, lon, district FROM appeals")
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(try row.decode(0, as: Double.self), lat, accuracy: 0.006)
        XCTAssertEqual(try row.decode(1, as: Double.self), lon, accuracy: 0.006)
        XCTAssertEqual(try row.decode(2, as: String?.self), "korabelnyi")
    }

    /// A PNG of the map's part of the form alone, `.hromada/screenshots/<name>.png`.
    func mapShot(_ browser: HeadlessBrowser, _ name: String) throws {
        let box =
            try browser.evaluate(
                """
                (() => { const b = document.getElementById('map-field').getBoundingClientRect();
                  return [b.left + scrollX, b.top + scrollY, b.width, b.height]; })()
                """) as? [Double] ?? []
        guard box.count == 4 else { return }
        let result = try browser.call(
            "Page.captureScreenshot",
            [
                "format": "png", "captureBeyondViewport": true,
                "clip": ["x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1],
            ])
        guard let data = (result["data"] as? String).flatMap({ Data(base64Encoded: $0) }) else { return }
        let folder = IntegrationEnvironment.repositoryRoot.appendingPathComponent(".hromada/screenshots")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try data.write(to: folder.appendingPathComponent("\(name).png"))
    }

    /// A real mouse click (Chromium's input events) on the map where `point` is.
    func click(_ browser: HeadlessBrowser, _ point: MapPoint) throws {
        let position =
            try browser.evaluate(
                """
                (() => {
                  const element = document.getElementById('map');
                  element.scrollIntoView({block: 'center'});
                  const box = element.getBoundingClientRect();
                  const p = element.hromadaMap.latLngToContainerPoint([\(point.lat), \(point.lon)]);
                  return [box.left + p.x, box.top + p.y];
                })()
                """) as? [Double]
        let xy = try XCTUnwrap(position)
        for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
            try browser.call(
                "Input.dispatchMouseEvent",
                ["type": type, "x": xy[0], "y": xy[1], "button": "left", "clickCount": type == "mouseMoved" ? 0 : 1])
        }
    }
}
