import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaImaging
import HromadaRuntime
import HromadaTestSupport
import XCTest

/// Photos across the running services against the real PostgreSQL and RabbitMQ (issue 15): the
/// centre API's multipart upload is stored re-encoded, `appeal.registered` carries ids and hashes
/// only, routing's ticket page links the photos through signed links that intake serves (and
/// refuses once expired), and audit records each full-size view as `personal-data.accessed`.
final class PhotoIntegrationTests: XCTestCase {
    var centre: [String: String] { ["Authorization": "Bearer \(PhotoSystem.centreKey)"] }

    func post(_ system: PhotoSystem, _ form: (body: Data, contentType: String)) async throws -> ServiceHarness.Response
    {
        try await system.intake.request(
            "POST", "/v1/appeals", body: form.body, headers: centre.merging(["Content-Type": form.contentType]) { $1 })
    }

    func testUploadStoreEventTicketLinkExpiryAndAudit() async throws {
        let system = try await PhotoSystem.start(self)
        let withGPS = try ImageFixtures.image(
            width: 1200, height: 900, suffix: ".jpg", blobs: [("exif-data", ImageFixtures.exifWithGPS())])
        let png = try ImageFixtures.image(width: 300, height: 200, suffix: ".png")
        // The declared names and types lie; only the bytes count.
        let form = try PhotoSystem.multipart(
            appeal: PhotoSystem.appeal(),
            files: [("photo", "yama.png", "image/png", withGPS), ("photo", "notes.txt", "text/plain", png)])
        let created = try await post(system, form)
        XCTAssertEqual(created.status, 201, created.text)
        let receipt = try XCTUnwrap(try created.json() as? [String: Any])
        let number = try XCTUnwrap(receipt["registrationNumber"] as? String)

        // The event: references only — ids, SHA-256, type, size; no image bytes.
        let observed = try await system.awaitMessage(type: "appeal.registered")
        let delivery = try XCTUnwrap(observed)
        let envelope = try Envelope.decode(from: delivery.body)
        // The photo references travel in the clear (no personal data); the rest is sealed.
        XCTAssertNotNil(envelope.payload[path: ["photos"]])
        let event = try envelope.openingPersonalData(with: TestSealing.keyring).decode(AppealRegistered.self)
        let photos = try XCTUnwrap(event.photos)
        XCTAssertEqual(photos.count, 2)
        XCTAssertEqual(photos.map(\.contentType), ["image/jpeg", "image/jpeg"])
        XCTAssertEqual(photos.map { [$0.width, $0.height] }, [[1200, 900], [300, 200]])
        XCTAssertTrue(photos.allSatisfy { $0.sha256.count == 64 })
        XCTAssertLessThan(delivery.body.count, 16_000, "the event carries no image")
        let bodyText = String(decoding: delivery.body, as: UTF8.self)
        XCTAssertFalse(bodyText.contains("/9j/"), "no base64 JPEG in the event")

        // Routing stored the references; the official's ticket page links them through intake.
        let official = try await system.createOfficial(name: "Інспектор Фото")
        let token = official.token
        let officialId = official.id.uuidString.lowercased()
        let ticket = try await system.ticket(token: token, of: number)
        let browser = FormBrowser(baseURL: system.routing.baseURL, origin: system.routing.baseURL)
        let signedIn = try await browser.post("/login", [("token", token)])
        XCTAssertEqual(signedIn.status, 303, signedIn.text)
        let cookie = try XCTUnwrap(FormBrowser.cookie("hromada_routing", in: signedIn))
        let page = try await browser.get("/tickets/\(ticket)?lang=en", cookie: cookie)
        XCTAssertEqual(page.status, 200, page.text)
        let intakeOrigin = system.intake.baseURL
        XCTAssertTrue(
            page.header("Content-Security-Policy")?.contains("img-src 'self' \(intakeOrigin)") == true,
            page.header("Content-Security-Policy") ?? "no CSP")
        let links = Self.links(in: page.text, prefix: intakeOrigin + "/photos/")
        let full = try XCTUnwrap(
            links.first { !$0.contains("size=thumb") && $0.contains(photos[0].id.uuidString.lowercased()) })
        let thumb = try XCTUnwrap(
            links.first { $0.contains("size=thumb") && $0.contains(photos[0].id.uuidString.lowercased()) })
        XCTAssertTrue(full.contains("v=o.\(officialId)"), full)

        // The link works: the stored re-encoded JPEG, its hash the event's, no metadata left.
        let image = try await ServiceHarness.request("GET", full)
        XCTAssertEqual(image.status, 200, image.text)
        XCTAssertEqual(image.header("Content-Type"), "image/jpeg")
        XCTAssertEqual(image.header("X-Content-Type-Options"), "nosniff")
        XCTAssertTrue(image.header("Cache-Control")?.hasPrefix("private, max-age=") == true)
        XCTAssertNotNil(image.header("Content-Security-Policy"))
        XCTAssertEqual(SHA256.hex(Array(image.body)), photos[0].sha256)
        XCTAssertEqual(try Imaging.metadataFieldNames(of: Array(image.body)).filter(Imaging.isMetadataField), [])
        let small = try await ServiceHarness.request("GET", thumb)
        XCTAssertEqual(small.status, 200)
        XCTAssertLessThan(small.body.count, image.body.count)

        // Tampered (another viewer) and, once intake's clock passes the expiry, the same link: refused.
        let otherViewer = full.replacingOccurrences(of: "v=o.\(officialId)", with: "v=resident")
        let tampered = try await ServiceHarness.request("GET", otherViewer)
        XCTAssertEqual(tampered.status, 403)
        XCTAssertFalse(tampered.header("Content-Type")?.hasPrefix("image/") ?? false)
        system.advanceIntakeClock(by: 301)
        let expired = try await ServiceHarness.request("GET", full)
        XCTAssertEqual(expired.status, 403, "an expired link")

        // Audit: the full-size view, by that official, served by intake.
        var views: [[String: Any]] = []
        let recorded = try await eventually(timeout: .seconds(30), every: .milliseconds(300)) {
            guard let entries = try await system.trailEntries(of: number) else { return false }
            views = entries.filter {
                $0["type"] as? String == "personal-data.accessed"
                    && ($0["payload"] as? [String: Any])?["purpose"] as? String == "photo.view"
            }
            return !views.isEmpty
        }
        XCTAssertTrue(recorded, "audit recorded the photo view")
        XCTAssertEqual(views.count, 1, "one full-size view (thumbnails and refused links are not views)")
        let payload = try XCTUnwrap(views.first?["payload"] as? [String: Any])
        XCTAssertEqual(payload["actorId"] as? String, officialId)
        XCTAssertEqual(payload["actorRole"] as? String, "official")
        XCTAssertEqual(payload["service"] as? String, "hromada-intake")
    }

    func testRefusalsNameTheFieldAndTheReasonAndJSONStillWorks() async throws {
        let system = try await PhotoSystem.start(self, services: ["intake"])
        let jpeg = try ImageFixtures.image(width: 64, height: 64, suffix: ".jpg")
        let gif = try ImageFixtures.image(width: 64, height: 64, suffix: ".gif")
        let svg = Array("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".utf8)
        func errors(_ response: ServiceHarness.Response) throws -> [String: String] {
            let body = try XCTUnwrap(try response.json() as? [String: Any])
            let list = try XCTUnwrap(body["errors"] as? [[String: Any]])
            return Dictionary(
                list.map { ($0["field"] as? String ?? "-", $0["code"] as? String ?? "-") }, uniquingKeysWith: { $1 })
        }
        // A GIF named .jpg and an SVG named .png: refused by their bytes, each by its position.
        let wrong = try await post(
            system,
            try PhotoSystem.multipart(
                appeal: PhotoSystem.appeal(),
                files: [
                    ("photo", "a.jpg", "image/jpeg", jpeg), ("photo", "b.jpg", "image/jpeg", gif),
                    ("photo", "c.png", "image/png", svg), ("photo", "d.jpg", "image/jpeg", Array(jpeg.prefix(100))),
                ]))
        XCTAssertEqual(wrong.status, 422, wrong.text)
        XCTAssertEqual(
            try errors(wrong),
            ["photos[1]": "unsupported_type", "photos[2]": "unsupported_type", "photos[3]": "unreadable"])
        // Six photos: the count.
        let six = try await post(
            system,
            try PhotoSystem.multipart(
                appeal: PhotoSystem.appeal(), files: Array(repeating: ("photo", "x.jpg", "image/jpeg", jpeg), count: 6))
        )
        XCTAssertEqual(six.status, 422)
        XCTAssertEqual(try errors(six), ["photos": "too_many"])
        // A photo over 10 MB: the size (nothing decoded).
        let large = try await post(
            system,
            try PhotoSystem.multipart(
                appeal: PhotoSystem.appeal(),
                files: [("photo", "x.jpg", "image/jpeg", jpeg + [UInt8](repeating: 0, count: 10 * 1024 * 1024))]))
        XCTAssertEqual(large.status, 422)
        XCTAssertEqual(try errors(large), ["photos[0]": "too_large"])
        // A photo problem and an appeal problem are reported together.
        var bad = PhotoSystem.appeal()
        bad["subject"] = ""
        let both = try await post(
            system, try PhotoSystem.multipart(appeal: bad, files: [("photo", "g.gif", "image/gif", gif)]))
        XCTAssertEqual(both.status, 422)
        XCTAssertEqual(try errors(both)["photos[0]"], "unsupported_type")
        XCTAssertNotNil(try errors(both)["subject"], both.text)
        // No `appeal` part.
        let missing = try await post(
            system, try PhotoSystem.multipart(appeal: nil, files: [("photo", "a.jpg", "image/jpeg", jpeg)]))
        XCTAssertEqual(missing.status, 422)
        XCTAssertEqual(try errors(missing), ["appeal": "required"])
        // JSON-only posts work unchanged, and so does multipart without photos.
        let json = try await system.intake.request("POST", "/v1/appeals", json: PhotoSystem.appeal(), headers: centre)
        XCTAssertEqual(json.status, 201, json.text)
        let bare = try await post(
            system, try PhotoSystem.multipart(appeal: PhotoSystem.appeal(subject: "Без фото"), files: []))
        XCTAssertEqual(bare.status, 201, bare.text)
        // A link to an unknown photo or with no signature: the same refusal.
        let unsigned = try await system.intake.request("GET", "/photos/\(UUID().uuidString.lowercased())")
        XCTAssertEqual(unsigned.status, 403)
    }

    func testIdempotencyKeyCoversThePhotos() async throws {
        let system = try await PhotoSystem.start(self, services: ["intake"])
        let a = try ImageFixtures.image(width: 80, height: 60, suffix: ".jpg")
        let b = try ImageFixtures.image(width: 60, height: 80, suffix: ".png")
        func send(_ photo: [UInt8]) async throws -> ServiceHarness.Response {
            let form = try PhotoSystem.multipart(
                appeal: PhotoSystem.appeal(), files: [("photo", "p", "image/jpeg", photo)])
            return try await system.intake.request(
                "POST", "/v1/appeals", body: form.body,
                headers: centre.merging(["Content-Type": form.contentType, "Idempotency-Key": "photo-key-1"]) { $1 })
        }
        let first = try await send(a)
        XCTAssertEqual(first.status, 201, first.text)
        let again = try await send(a)
        XCTAssertEqual(again.status, 201)
        XCTAssertEqual(again.header("Idempotent-Replayed"), "true")
        let other = try await send(b)
        XCTAssertEqual(other.status, 422, "the same key with another photo is another request")
    }

    /// Every `href`/`src` value starting with `prefix`, HTML entities decoded.
    static func links(in html: String, prefix: String) -> [String] {
        let pattern = #"(?:href|src)="([^"]+)""#
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: html, range: NSRange(html.startIndex..., in: html)).compactMap {
            Range($0.range(at: 1), in: html).map { String(html[$0]).replacingOccurrences(of: "&amp;", with: "&") }
        }.filter { $0.hasPrefix(prefix) }
    }
}
