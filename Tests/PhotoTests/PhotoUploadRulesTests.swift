import Foundation
import HromadaImaging
import XCTest

@testable import Intake

/// In memory: the multipart framing intake reads, and the rules of an upload (count, size, type,
/// pixels, unreadable), each problem naming its field.
final class PhotoUploadRulesTests: XCTestCase {
    func body(_ boundary: String, _ parts: [(headers: String, body: String)], preamble: String = "") -> [UInt8] {
        var text = preamble
        for part in parts { text += "--\(boundary)\r\n\(part.headers)\r\n\r\n\(part.body)\r\n" }
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    func testMultipartPartsNamesFilesAndQuotedBoundaries() throws {
        XCTAssertEqual(MultipartForm.boundary(contentType: "multipart/form-data; boundary=abc"), "abc")
        XCTAssertEqual(
            MultipartForm.boundary(contentType: "multipart/form-data; charset=utf-8; boundary=\"a b;c\""), "a b;c")
        XCTAssertNil(MultipartForm.boundary(contentType: "multipart/form-data"))
        XCTAssertNil(
            MultipartForm.boundary(contentType: "multipart/form-data; boundary=" + String(repeating: "x", count: 71)))
        let form = try XCTUnwrap(
            MultipartForm.parse(
                body(
                    "XyZ",
                    [
                        (
                            "Content-Disposition: form-data; name=\"appeal\"\r\nContent-Type: application/json",
                            "{\"a\":1}"
                        ),
                        (
                            "Content-Disposition: form-data; name=\"photo\"; filename=\"a;b.jpg\"",
                            "\r\n--XyZnot-a-boundary"
                        ),
                        ("content-disposition: form-data; name=photo; filename=\"\"", ""),
                    ], preamble: "ignored preamble\r\n"),
                boundary: "XyZ"))
        XCTAssertEqual(form.parts.map(\.name), ["appeal", "photo", "photo"])
        XCTAssertEqual(form.first("appeal")?.text, "{\"a\":1}")
        XCTAssertEqual(form.first("appeal")?.contentType, "application/json")
        XCTAssertEqual(form.all("photo").map(\.filename), ["a;b.jpg", ""])
        XCTAssertEqual(
            form.all("photo")[0].text, "\r\n--XyZnot-a-boundary", "a boundary-like line inside a part is content")
        XCTAssertEqual(form.fields, ["appeal": "{\"a\":1}"])
    }

    func testBrokenFramingIsRefused() {
        XCTAssertNil(MultipartForm.parse(Array("no boundary here".utf8), boundary: "b"))
        XCTAssertNil(
            MultipartForm.parse(
                Array("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nvalue".utf8), boundary: "b"),
            "no closing delimiter")
        XCTAssertNil(
            MultipartForm.parse(Array("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--".utf8), boundary: "b"),
            "a part without a form-data name")
        let many = (0...MultipartForm.maxParts).map { _ in
            (headers: "Content-Disposition: form-data; name=\"x\"", body: "1")
        }
        XCTAssertNil(MultipartForm.parse(body("b", many), boundary: "b"), "too many parts")
    }

    func testRulesNameEveryProblemByPosition() async throws {
        let rules = PhotoRules(maxPhotos: 5, limits: ImageLimits(maxBytes: 200_000, maxPixels: 1_000_000))
        let jpeg = try ImageFixtures.image(width: 100, height: 80)
        let huge = try ImageFixtures.image(width: 1200, height: 1000, suffix: ".png")
        let gif = try ImageFixtures.image(width: 10, height: 10, suffix: ".gif")
        let tooLarge = jpeg + [UInt8](repeating: 0, count: 200_000)
        guard case .refused(let errors) = await rules.prepare([jpeg, gif, huge, tooLarge, Array(jpeg.prefix(50))])
        else {
            return XCTFail("refused")
        }
        XCTAssertEqual(errors.map(\.field), ["photos[1]", "photos[2]", "photos[3]", "photos[4]"])
        XCTAssertEqual(errors.map(\.code), ["unsupported_type", "too_many_pixels", "too_large", "unreadable"])
        XCTAssertTrue(errors.allSatisfy { $0.messageUk?.isEmpty == false })
        guard case .refused(let count) = await rules.prepare(Array(repeating: jpeg, count: 6)) else {
            return XCTFail("six refused")
        }
        XCTAssertEqual(count.map(\.field), ["photos"])
        XCTAssertEqual(count.map(\.code), ["too_many"])
        guard case .accepted(let photos) = await rules.prepare([jpeg, jpeg]) else { return XCTFail("accepted") }
        XCTAssertEqual(photos.map(\.position), [0, 1])
        XCTAssertNotEqual(photos[0].id, photos[1].id)
        XCTAssertEqual(photos[0].sha256, photos[1].sha256, "the same picture re-encodes to the same bytes")
        XCTAssertEqual(photos[0].reference.contentType, "image/jpeg")
    }

    func testTheRequestHashOfAnIdempotencyKeyCoversThePhotosOnlyWhenThereAreSome() {
        let submission = AppealSubmission(kind: "application", category: "heating")
        let bare = SubmissionWithPhotos(submission: submission, photos: [], uploadDigest: nil)
        XCTAssertEqual(bare.requestHash(), IdempotentRequest.requestHash(of: submission), "unchanged without photos")
        let one = SubmissionWithPhotos(
            submission: submission, photos: [], uploadDigest: SubmissionWithPhotos.digest([[1, 2]]))
        let other = SubmissionWithPhotos(
            submission: submission, photos: [], uploadDigest: SubmissionWithPhotos.digest([[1, 3]]))
        XCTAssertNotEqual(one.requestHash(), bare.requestHash())
        XCTAssertNotEqual(one.requestHash(), other.requestHash())
    }
}
