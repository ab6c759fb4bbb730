import Foundation
import HromadaPhotos
import HromadaRuntime
import Intake
import Routing
import XCTest

/// The signed links to photos: valid for their photo, size, viewer and lifetime only.
final class PhotoLinkTests: XCTestCase {
    let signer = PhotoLinkSigner(key: Array(repeating: 7, count: 32), lifetime: 300)
    let photo = UUID()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func parameters(_ query: [(String, String)]) -> [String: String] {
        Dictionary(query, uniquingKeysWith: { first, _ in first })
    }

    func verify(_ q: [String: String], photo: UUID? = nil, at date: Date? = nil)
        -> Result<(viewer: PhotoLinkSigner.Viewer, size: PhotoLinkSigner.Size), PhotoLinkSigner.Refusal>
    {
        signer.verify(
            photo: photo ?? self.photo, size: q["size"], expiry: q["exp"], viewer: q["v"], signature: q["sig"],
            now: date ?? now)
    }

    func testAFreshLinkNamesItsViewerAndSize() throws {
        let q = parameters(signer.query(photo: photo, size: .full, viewer: .official(id: "ABC-1"), now: now))
        let result = try verify(q).get()
        XCTAssertEqual(result.viewer, .official(id: "abc-1"))
        XCTAssertEqual(result.size, .full)
        let thumb = parameters(signer.query(photo: photo, size: .thumb, viewer: .resident, now: now))
        XCTAssertEqual(try verify(thumb).get().size, .thumb)
        XCTAssertEqual(try verify(thumb).get().viewer, .resident)
    }

    func testAnExpiredLinkIsRefused() {
        let q = parameters(signer.query(photo: photo, size: .full, viewer: .resident, now: now))
        XCTAssertNoThrow(try verify(q, at: now.addingTimeInterval(299)).get())
        XCTAssertEqual(refusal(verify(q, at: now.addingTimeInterval(301))), .expired)
    }

    func testATamperedLinkIsRefused() {
        var q = parameters(signer.query(photo: photo, size: .thumb, viewer: .resident, now: now))
        XCTAssertEqual(refusal(verify(q, photo: UUID())), .badSignature, "another photo")
        q["size"] = "full"
        XCTAssertEqual(refusal(verify(q)), .badSignature, "thumbnail link turned into a full-size one")
        q = parameters(signer.query(photo: photo, size: .full, viewer: .resident, now: now))
        q["exp"] = String(Int(q["exp"]!)! + 3600)
        XCTAssertEqual(refusal(verify(q)), .badSignature, "a longer life")
        q = parameters(signer.query(photo: photo, size: .full, viewer: .resident, now: now))
        var sig = Array(q["sig"]!)
        sig[0] = sig[0] == "0" ? "1" : "0"
        q["sig"] = String(sig)
        XCTAssertEqual(refusal(verify(q)), .badSignature, "a changed signature")
        q["sig"] = nil
        XCTAssertEqual(refusal(verify(q)), .malformed)
        let other = PhotoLinkSigner(key: Array(repeating: 8, count: 32))
        let foreign = parameters(other.query(photo: photo, size: .full, viewer: .resident, now: now))
        XCTAssertEqual(refusal(verify(foreign)), .badSignature, "another key")
    }

    func testALinkMadeForOneViewerDoesNotWorkForAnother() {
        var q = parameters(signer.query(photo: photo, size: .full, viewer: .official(id: "a"), now: now))
        q["v"] = PhotoLinkSigner.Viewer.official(id: "b").token
        XCTAssertEqual(refusal(verify(q)), .badSignature)
        q["v"] = PhotoLinkSigner.Viewer.resident.token
        XCTAssertEqual(refusal(verify(q)), .badSignature)
        q["v"] = "somebody"
        XCTAssertEqual(refusal(verify(q)), .malformed)
    }

    /// Intake and routing read `HROMADA_PHOTO_LINK_KEY` the same way: hex of at least 32 bytes (a
    /// line break at the end, as a key file has, is not part of it); anything else stops the service
    /// with the variable named and the value not echoed. Both sides then sign the same links.
    func testBothServicesTakeTheKeyFromHexOfAtLeast32Bytes() throws {
        let readers: [(String, ([String: String]) throws -> PhotoLinkSigner?)] = [
            ("intake", { try PhotoSettings.fromEnvironment($0).signer }),
            ("routing", { try RoutingPhotoSettings.fromEnvironment($0).signer }),
        ]
        let name = EnvironmentVariable.photoLinkKey.name
        var signers: [PhotoLinkSigner] = []
        for (service, read) in readers {
            for bad in ["abcd", String(repeating: "zz", count: 32), String(repeating: "0f", count: 31)] {
                XCTAssertThrowsError(try read([name: bad]), service) { error in
                    let text = String(describing: error)
                    XCTAssertTrue(text.contains(name), "\(service): \(text)")
                    XCTAssertFalse(text.contains(bad), "\(service) echoes the value: \(text)")
                }
            }
            signers.append(try XCTUnwrap(read([name: String(repeating: "0f", count: 32) + "\n"]), service))
        }
        XCTAssertNil(try RoutingPhotoSettings.fromEnvironment([:]).signer, "routing without a key makes no link")
        let query = signers[0].query(photo: photo, size: .thumb, viewer: .official(id: "o"), now: now)
        XCTAssertEqual(
            query.map(\.1), signers[1].query(photo: photo, size: .thumb, viewer: .official(id: "o"), now: now).map(\.1))
    }

    func testThePathIsRelativeToIntake() {
        let path = signer.path(photo: photo, size: .thumb, viewer: .official(id: "x"), now: now)
        XCTAssertTrue(path.hasPrefix("/photos/\(photo.uuidString.lowercased())?size=thumb&exp="), path)
        XCTAssertTrue(path.contains("&v=o.x&sig="), path)
    }

    func refusal<T>(_ result: Result<T, PhotoLinkSigner.Refusal>) -> PhotoLinkSigner.Refusal? {
        if case .failure(let refusal) = result { return refusal }
        return nil
    }
}
