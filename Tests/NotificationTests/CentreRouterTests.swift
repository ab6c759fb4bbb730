import Foundation
import HromadaCrypto
import HromadaRuntime
import Hummingbird
import NIOCore
import HummingbirdTesting
import Synchronization
import XCTest
@testable import Notification

/// A centre inbox in memory.
final class MemoryInbox: CentreInbox {
    struct Stored {
        var centre: String
        var notice: CentreNotice
    }

    let keyHashes: [String: String]
    let stored: Mutex<[Stored]>

    init(keys: [String: String], notices: [Stored]) {
        self.keyHashes = keys.mapValues { TokenHash.hash(token: $0) }
        self.stored = Mutex(notices)
    }

    func keyHash(centre: String) async throws -> String? { keyHashes[centre] }

    func notices(centre: String, unreadOnly: Bool) async throws -> [CentreNotice] {
        stored.withLock { $0.filter { $0.centre == centre && (!unreadOnly || $0.notice.readAt == nil) }.map(\.notice) }
    }

    func markRead(centre: String, notice: UUID, at now: Date) async throws -> Date? {
        stored.withLock { all in
            guard let index = all.firstIndex(where: { $0.centre == centre && $0.notice.id == notice }) else { return nil }
            if all[index].notice.readAt == nil { all[index].notice.readAt = now }
            return all[index].notice.readAt
        }
    }
}

/// The centre inbox's routes in memory (no server, no database): who may read which notices.
final class CentreRouterTests: XCTestCase {
    static let keyA = "key-of-centre-a"
    static let keyB = "key-of-centre-b"
    static let noticeA = CentreNotice(
        id: UUID(), registrationNumber: "MK-2026-000501", residentName: "Марія Коваль", phone: "+380501112233",
        language: "uk", subject: "Звернення MK-2026-000501 зареєстровано", text: "…",
        createdAt: Date(timeIntervalSince1970: 1_795_000_000), readAt: nil)

    func app() throws -> some ApplicationProtocol {
        let inbox = MemoryInbox(keys: ["cog-a": Self.keyA, "cog-b": Self.keyB], notices: [.init(centre: "cog-a", notice: Self.noticeA)])
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        try CentreRoutes(inbox: inbox, settings: NotificationSettings(), logger: .init(label: "test")).add(to: router)
        return Application(router: router)
    }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    func testTheAPIAnswersOnlyToTheCentresOwnKey() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyB)) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertFalse(String(buffer: response.body).contains("MK-2026-000501"))
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices?key=\(Self.keyA)", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized, "never a key in the query")
            }
            try await client.execute(uri: "/v1/centres/cog-x/notices", method: .get, headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .unauthorized, "unknown centre")
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .ok)
                let list = try JSON.decoder.decode([CentreNotice].self, from: Data(response.body.readableBytesView))
                XCTAssertEqual(list.map(\.id), [Self.noticeA.id])
                XCTAssertTrue(String(buffer: response.body).contains(Self.noticeA.id.uuidString.lowercased()),
                              "ids are lower-case in JSON")
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices?status=maybe", method: .get,
                                     headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: response.body).contains("\"field\":\"status\""))
            }
        }
    }

    func testMarkReadOnlyForTheOwningCentre() async throws {
        let id = Self.noticeA.id.uuidString.lowercased()
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/centres/cog-b/notices/\(id)/read", method: .post,
                                     headers: Self.bearer(Self.keyB)) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices/\(id)/read", method: .post) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices/not-a-uuid/read", method: .post,
                                     headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            // Upper-case ids are accepted too.
            try await client.execute(uri: "/v1/centres/cog-a/notices/\(id.uppercased())/read", method: .post,
                                     headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .ok)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices?status=unread", method: .get,
                                     headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(try JSON.decoder.decode([CentreNotice].self, from: Data(response.body.readableBytesView)).count, 0)
            }
        }
    }

    func testThePageShowsALoginFormUntilSignedIn() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/centres/cog-a/notices", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                let page = String(buffer: response.body)
                XCTAssertTrue(page.contains("name=\"key\""))
                XCTAssertFalse(page.contains("MK-2026-000501"))
            }
            try await client.execute(uri: "/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyB)) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertFalse(String(buffer: response.body).contains("MK-2026-000501"))
            }
            try await client.execute(uri: "/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyA)) { response in
                XCTAssertEqual(response.status, .ok)
                let page = String(buffer: response.body)
                XCTAssertTrue(page.contains("MK-2026-000501"))
                XCTAssertTrue(page.contains("Марія Коваль"))
                XCTAssertTrue(page.contains("/notices/\(Self.noticeA.id.uuidString.lowercased())/read"),
                              "ids are lower-case in pages")
            }
            try await client.execute(uri: "/centres/cog-a/notices/\(Self.noticeA.id)/read", method: .post) { response in
                XCTAssertEqual(response.status, .unauthorized, "marking read needs a session")
            }
        }
    }
}
