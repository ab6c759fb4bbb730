import Foundation
import HromadaImaging
import HromadaTestSupport
import XCTest

/// The librarian's form in a real headless chromium (Debian's, through Shared/TestSupport): a
/// photo is attached through the form's file input (as a person choosing a file does, by CDP's
/// `DOM.setFileInputFiles`); an error on another field keeps what was typed and says the photo
/// must be chosen again; the registered appeal's photo shows on the resident's tracking page.
final class PhotoFormBrowserTests: XCTestCase {
    static let appeal: [(String, String)] = [
        ("fullName", "Коваленко Марʼяна Іванівна"),
        ("address", "вул. Нікольська, 20, кв. 7"),
        ("kind", "application"), ("category", "heating"),
        (
            "text",
            "Біля будинку на Нікольській, 20 прорвало трубу; фото додаю."
        ),
    ]

    /// Sets the file input `#photos` to `files` (paths), as choosing them in the dialog would.
    func attach(_ browser: HeadlessBrowser, _ files: [URL]) throws {
        let document = try browser.call("DOM.getDocument", ["depth": 0])
        let root = try XCTUnwrap((document["root"] as? [String: Any])?["nodeId"] as? Int)
        let found = try browser.call("DOM.querySelector", ["nodeId": root, "selector": "#photos"])
        let node = try XCTUnwrap(found["nodeId"] as? Int)
        XCTAssertNotEqual(node, 0, "the form has the photos input")
        _ = try browser.call("DOM.setFileInputFiles", ["nodeId": node, "files": files.map(\.path)])
        XCTAssertEqual(try browser.evaluate("document.getElementById('photos').files.length") as? Int, files.count)
    }

    func testAttachAPhotoKeepWhatWasTypedOnAnErrorAndSeeItOnTheTrackingPage() async throws {
        _ = try HeadlessBrowser.chromium()
        let system = try await PhotoSystem.start(self, services: ["intake"])
        let librarian = try await TestLibrarian.create(
            on: system.intake, centre: PhotoSystem.centreId, login: "oksana", adminToken: PhotoSystem.adminToken)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("photo-form-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        // A photo with the camera model and GPS in its EXIF, named as something else.
        let photo = folder.appendingPathComponent("труба.txt")
        try Data(
            try ImageFixtures.image(width: 1600, height: 1200, blobs: [("exif-data", ImageFixtures.exifWithGPS())])
        )
        .write(to: photo)

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        let base = system.intake.baseURL
        try await browser.open(base + "/?lang=en")
        try await browser.signIn(librarian)
        XCTAssertEqual(
            try browser.evaluate("document.getElementById('appeal-form').enctype") as? String, "multipart/form-data")
        XCTAssertEqual(try browser.evaluate("document.getElementById('photos').accept") as? String, "image/*")
        XCTAssertEqual(try browser.evaluate("document.getElementById('photos').multiple") as? Bool, true)

        // No subject: the server refuses; what was typed comes back, the photo must be chosen again.
        for (name, value) in Self.appeal { try browser.fill(name, value) }
        try attach(browser, [photo])
        try await browser.navigating("document.getElementById('appeal-form').submit()")
        let refused = try browser.html()
        XCTAssertTrue(refused.contains("id=\"photos-error\""), "the photos field says what happened")
        XCTAssertTrue(refused.contains("choose them again"), "the photo must be chosen again")
        XCTAssertEqual(try browser.evaluate("document.getElementById('fullName').value") as? String, Self.appeal[0].1)
        XCTAssertEqual(try browser.evaluate("document.getElementById('photos').files.length") as? Int, 0)
        try browser.screenshot("photos-form-choose-again")

        // Chosen again, with the subject: registered, and the receipt follows post/redirect/get.
        try browser.fill("subject", "Прорив труби")
        try attach(browser, [photo])
        try await browser.click("#appeal-form button[type=submit]")
        let receipt = try browser.html()
        let number = try XCTUnwrap(
            receipt.range(of: #"MK-\d{4}-\d{6,}"#, options: .regularExpression).map { String(receipt[$0]) }, receipt)
        let token = try XCTUnwrap(
            try browser.evaluate("document.getElementById('tracking-token').textContent") as? String)

        // The resident's tracking page shows the thumbnail (it loads under the page's CSP) and links
        // the full image, which is the re-encoded JPEG without EXIF.
        let track = "\(base)/track?lang=en&number=\(number)&token=\(token.trimmingCharacters(in: .whitespaces))"
        try await browser.open(track)
        try await browser.wait(until: "document.querySelector('#photos img') !== null")
        try await browser.wait(until: "document.querySelector('#photos img').complete")
        XCTAssertEqual(try browser.evaluate("document.querySelector('#photos img').naturalWidth") as? Int, 320)
        try browser.screenshot("photos-tracking-page")
        let full = try XCTUnwrap(try browser.evaluate("document.querySelector('#photos a').href") as? String)
        let image = try await ServiceHarness.request("GET", full)
        XCTAssertEqual(image.status, 200)
        XCTAssertEqual(image.header("Content-Type"), "image/jpeg")
        XCTAssertEqual(try Imaging.metadataFieldNames(of: Array(image.body)).filter(Imaging.isMetadataField), [])
        let size = try Imaging.prepare(Array(image.body))
        XCTAssertEqual([size.width, size.height], [1600, 1200])
    }
}

/// The official's ticket page in headless chromium: the thumbnails come from intake (another
/// origin) and load under the page's Content-Security-Policy; the full image opens.
final class PhotoTicketPageBrowserTests: XCTestCase {
    func testTheTicketPageShowsThePhotosFromIntake() async throws {
        _ = try HeadlessBrowser.chromium()
        let system = try await PhotoSystem.start(self, services: ["intake", "routing"])
        let png = try ImageFixtures.image(width: 900, height: 600, suffix: ".png")
        let form = try PhotoSystem.multipart(
            appeal: PhotoSystem.appeal(), files: [("photo", "p.png", "image/png", png)])
        _ = try await system.register(form)
        let token = try await system.createOfficial(name: "Інспектор Фото").token
        let id = try await system.ticket(token: token)

        let browser = try await HeadlessBrowser.launch()
        defer { browser.close() }
        let base = system.routing.baseURL
        try await browser.open(base + "/?lang=en")
        try browser.fill("token", token)
        try await browser.click("form:has(input[name=token]) button[type=submit]")
        try await browser.open(base + "/tickets/\(id)?lang=en")
        try await browser.wait(until: "document.querySelector('#photos img') !== null")
        try await browser.wait(until: "document.querySelector('#photos img').complete")
        XCTAssertEqual(try browser.evaluate("document.querySelector('#photos img').naturalWidth") as? Int, 320)
        let src = try XCTUnwrap(try browser.evaluate("document.querySelector('#photos img').src") as? String)
        XCTAssertTrue(src.hasPrefix(system.intake.baseURL + "/photos/"), src)
        try browser.screenshot("photos-ticket-page")
        let full = try XCTUnwrap(try browser.evaluate("document.querySelector('#photos a').href") as? String)
        try await browser.open(full)
        XCTAssertEqual(try browser.evaluate("document.contentType") as? String, "image/jpeg")
    }
}
