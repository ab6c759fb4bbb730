import Foundation
import HromadaImaging
import HromadaPhotos
import HromadaRuntime
import HromadaTestSupport
import Intake
import XCTest

/// An appeal's photos are its personal data: erasing the appeal (the administrator's erasure and
/// the retention sweep share `erasePersonalFields`) deletes them, image and thumbnail, and their
/// links stop working.
final class PhotoErasureTests: XCTestCase {
    func testErasingTheAppealDeletesItsPhotos() async throws {
        let system = try await PhotoSystem.start(self, services: ["intake"])
        let jpeg = try ImageFixtures.image(width: 200, height: 100, blobs: [("exif-data", ImageFixtures.exifWithGPS())])
        func register(_ subject: String) async throws -> String {
            let form = try PhotoSystem.multipart(
                appeal: PhotoSystem.appeal(subject: subject),
                files: [("photo", "a.jpg", "image/jpeg", jpeg), ("photo", "b.jpg", "image/jpeg", jpeg)])
            let created = try await system.register(form)
            return try XCTUnwrap(created["registrationNumber"] as? String)
        }
        let erased = try await register("Стерти")
        let kept = try await register("Залишити")
        let db = try XCTUnwrap(system.databases["intake"])
        let client = db.client(poolSize: 1)
        defer { Task { await client.close() } }
        func photos(_ number: String) async throws -> [UUID] {
            try await client.query(
                """
                SELECT p.id FROM appeal_photos p JOIN appeals a ON a.id = p.appeal_id
                WHERE a.registration_number = \(number) ORDER BY p.position
                """
            ).map { try $0.decode(0, as: UUID.self) }
        }
        let before = try await photos(erased)
        XCTAssertEqual(before.count, 2)
        let signer = try PhotoSettings.fromEnvironment([EnvironmentVariable.photoLinkKey.name: PhotoSystem.linkKey])
            .signer
        let link = system.intake.baseURL + signer.path(photo: before[0], size: .full, viewer: .resident, now: Date())
        let served = try await ServiceHarness.request("GET", link)
        XCTAssertEqual(served.status, 200)

        let erasure = try await system.intake.request(
            "POST", "/v1/admin/appeals/\(erased)/erase",
            json: ["reason": "the resident's request (test)", "reapply": true],
            headers: ["Authorization": "Bearer \(PhotoSystem.adminToken)"])
        XCTAssertEqual(erasure.status, 202, erasure.text)  // intake erased; the others confirm later
        let after = try await photos(erased)
        XCTAssertEqual(after, [], "the photo rows are gone")
        let orphans = try await client.count("SELECT count(*)::int FROM appeal_photos WHERE id = ANY(\(before))")
        XCTAssertEqual(orphans, 0)
        let gone = try await ServiceHarness.request("GET", link)
        XCTAssertEqual(gone.status, 404, "a valid link to an erased photo finds nothing")
        let other = try await photos(kept)
        XCTAssertEqual(other.count, 2, "another appeal's photos stay")
    }

    func testRoutingForgetsThePhotosReferencesWhenTheAppealIsErased() async throws {
        let system = try await PhotoSystem.start(self, services: ["intake", "routing"])
        let jpeg = try ImageFixtures.image(width: 120, height: 90)
        let form = try PhotoSystem.multipart(
            appeal: PhotoSystem.appeal(), files: [("photo", "a.jpg", "image/jpeg", jpeg)])
        let created = try await system.register(form)
        let number = try XCTUnwrap(created["registrationNumber"] as? String)
        let routing = try XCTUnwrap(system.databases["routing"]).client(poolSize: 1)
        defer { Task { await routing.close() } }
        func references() async throws -> Int {
            try await routing.count("SELECT count(*)::int FROM appeal_photos") ?? -1
        }
        let stored = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            try await references() == 1
        }
        XCTAssertTrue(stored, "routing stored the reference")
        let erasure = try await system.intake.request(
            "POST", "/v1/admin/appeals/\(number)/erase",
            json: ["reason": "the resident's request (test)", "reapply": true],
            headers: ["Authorization": "Bearer \(PhotoSystem.adminToken)"])
        XCTAssertEqual(erasure.status, 202, erasure.text)
        let forgotten = try await eventually(timeout: .seconds(20), every: .milliseconds(200)) {
            try await references() == 0
        }
        XCTAssertTrue(forgotten, "routing erased the reference with the appeal")
    }
}
