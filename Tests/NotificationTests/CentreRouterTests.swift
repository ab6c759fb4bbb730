import Foundation
import HromadaCrypto
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import NIOCore
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

    func centre(keyHash: String) async throws -> String? { keyHashes.first { $0.value == keyHash }?.key }

    func notices(centre: String, unreadOnly: Bool) async throws -> [CentreNotice] {
        stored.withLock { $0.filter { $0.centre == centre && (!unreadOnly || $0.notice.readAt == nil) }.map(\.notice) }
    }

    func markRead(centre: String, notice: UUID, at now: Date) async throws -> Date? {
        stored.withLock { all in
            guard let index = all.firstIndex(where: { $0.centre == centre && $0.notice.id == notice }) else {
                return nil
            }
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
        id: UUID(), registrationNumber: "MK-2026-000501", residentName: "Марія Коваль",
        phone: "+380501112233",
        language: "uk", subject: "Звернення MK-2026-000501 зареєстровано", text: "…",
        createdAt: Date(timeIntervalSince1970: 1_795_000_000), readAt: nil)

    func app() throws -> some ApplicationProtocol {
        let inbox = MemoryInbox(
            keys: ["cog-a": Self.keyA, "cog-b": Self.keyB], notices: [.init(centre: "cog-a", notice: Self.noticeA)])
        let web = WebSettings.local(service: "notification", port: 8082)
        let site = try WebSite(
            settings: web, bundle: NotificationResources.bundle, templates: CentreRoutes.templates,
            sessionStore: MemorySessionStore())
        // As the service builds it: the runtime's error middleware, then the kit's.
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        CentreRoutes(inbox: inbox, site: site, clock: { Date() }, logger: .init(label: "test")).add(to: router)
        return Application(router: router)
    }

    static func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }

    func testTheAPIAnswersOnlyToTheCentresOwnKey() async throws {
        try await app().test(.router) { client in
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyB)) {
                response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertFalse(String(buffer: response.body).contains("MK-2026-000501"))
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices?key=\(Self.keyA)", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized, "never a key in the query")
            }
            try await client.execute(uri: "/v1/centres/cog-x/notices", method: .get, headers: Self.bearer(Self.keyA)) {
                response in
                XCTAssertEqual(response.status, .unauthorized, "unknown centre")
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyA)) {
                response in
                XCTAssertEqual(response.status, .ok)
                let list = try JSON.decoder.decode([CentreNotice].self, from: Data(response.body.readableBytesView))
                XCTAssertEqual(list.map(\.id), [Self.noticeA.id])
                XCTAssertTrue(
                    String(buffer: response.body).contains(Self.noticeA.id.uuidString.lowercased()),
                    "ids are lower-case in JSON")
            }
            try await client.execute(
                uri: "/v1/centres/cog-a/notices?status=maybe", method: .get,
                headers: Self.bearer(Self.keyA)
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: response.body).contains("\"field\":\"status\""))
            }
        }
    }

    func testMarkReadOnlyForTheOwningCentre() async throws {
        let id = Self.noticeA.id.uuidString.lowercased()
        try await app().test(.router) { client in
            try await client.execute(
                uri: "/v1/centres/cog-b/notices/\(id)/read", method: .post,
                headers: Self.bearer(Self.keyB)
            ) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/v1/centres/cog-a/notices/\(id)/read", method: .post) { response in
                XCTAssertEqual(response.status, .unauthorized)
            }
            try await client.execute(
                uri: "/v1/centres/cog-a/notices/not-a-uuid/read", method: .post,
                headers: Self.bearer(Self.keyA)
            ) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            // Upper-case ids are accepted too.
            try await client.execute(
                uri: "/v1/centres/cog-a/notices/\(id.uppercased())/read", method: .post,
                headers: Self.bearer(Self.keyA)
            ) { response in
                XCTAssertEqual(response.status, .ok)
            }
            try await client.execute(
                uri: "/v1/centres/cog-a/notices?status=unread", method: .get,
                headers: Self.bearer(Self.keyA)
            ) { response in
                XCTAssertEqual(
                    try JSON.decoder.decode([CentreNotice].self, from: Data(response.body.readableBytesView)).count, 0)
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
            try await client.execute(uri: "/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyB)) {
                response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertFalse(String(buffer: response.body).contains("MK-2026-000501"))
            }
            try await client.execute(uri: "/centres/cog-a/notices", method: .get, headers: Self.bearer(Self.keyA)) {
                response in
                XCTAssertEqual(response.status, .ok)
                let page = String(buffer: response.body)
                XCTAssertTrue(page.contains("MK-2026-000501"))
                XCTAssertTrue(page.contains("Марія Коваль"))
                XCTAssertTrue(
                    page.contains("/notices/\(Self.noticeA.id.uuidString.lowercased())/read"),
                    "ids are lower-case in pages")
            }
            try await client.execute(uri: "/centres/cog-a/notices/\(Self.noticeA.id)/read", method: .post) { response in
                XCTAssertEqual(response.status, .unauthorized, "marking read needs a session")
            }
        }
    }

    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// The session cookie (`name=value`) a response sets, if any.
    static func sessionCookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("hromada_notification=") }
            .map { String($0.split(separator: ";")[0]) }
    }

    func testSignInOpensAServerSideSessionAndFormsNeedItsCSRFToken() async throws {
        let id = Self.noticeA.id.uuidString.lowercased()
        try await app().test(.router) { client in
            let wrong = try await client.execute(
                uri: "/centres/cog-a/login", method: .post, headers: Self.form,
                body: ByteBuffer(string: "key=\(Self.keyB)"))
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertNil(Self.sessionCookie(wrong))
            let empty = try await client.execute(
                uri: "/centres/cog-a/login", method: .post, headers: Self.form,
                body: ByteBuffer(string: "other=1"))
            XCTAssertEqual(empty.status, .unauthorized, "a form without the key is a failed sign-in")

            let login = try await client.execute(
                uri: "/centres/cog-a/login", method: .post, headers: Self.form,
                body: ByteBuffer(string: "key=\(Self.keyA)"))
            XCTAssertEqual(login.status, .seeOther)
            XCTAssertEqual(login.headers[.location], "/centres/cog-a/notices")
            let setCookie = try XCTUnwrap(
                login.headers[values: .setCookie].first { $0.hasPrefix("hromada_notification=") })
            XCTAssertTrue(setCookie.contains("HttpOnly"))
            let cookie = try XCTUnwrap(Self.sessionCookie(login))

            let page = try await client.execute(uri: "/centres/cog-a/notices", method: .get, headers: [.cookie: cookie])
            XCTAssertEqual(page.status, .ok)
            let html = String(buffer: page.body)
            XCTAssertTrue(html.contains("MK-2026-000501"))
            XCTAssertTrue(html.contains("/assets/hromada.css"), "the shared stylesheet")
            XCTAssertFalse(html.contains("<style"), "no inline style")
            let csrf = try XCTUnwrap(Self.hiddenCSRF(in: html))
            // The session is cog-a's only.
            let other = try await client.execute(
                uri: "/centres/cog-b/notices", method: .get, headers: [.cookie: cookie])
            XCTAssertTrue(String(buffer: other.body).contains("name=\"key\""), "cog-b's page asks for cog-b's key")

            // "Mark read" without the token, with a wrong one, or from another site: refused.
            var headers = Self.form
            headers[.cookie] = cookie
            var foreign = headers
            foreign[.origin] = "https://evil.example"
            let refusals = [
                ("no token", headers, ""), ("wrong token", headers, "csrf=forged"),
                ("other site", foreign, "csrf=\(csrf)"),
            ]
            for (why, requestHeaders, body) in refusals {
                let refused = try await client.execute(
                    uri: "/centres/cog-a/notices/\(id)/read", method: .post,
                    headers: requestHeaders, body: ByteBuffer(string: body))
                XCTAssertEqual(refused.status, .forbidden, why)
            }
            let unread = try await client.execute(
                uri: "/centres/cog-a/notices", method: .get, headers: [.cookie: cookie])
            XCTAssertTrue(String(buffer: unread.body).contains("MK-2026-000501"), "still unread")

            let read = try await client.execute(
                uri: "/centres/cog-a/notices/\(id)/read", method: .post,
                headers: headers, body: ByteBuffer(string: "csrf=\(csrf)"))
            XCTAssertEqual(read.status, .seeOther)
            let after = try await client.execute(
                uri: "/centres/cog-a/notices", method: .get, headers: [.cookie: cookie])
            XCTAssertFalse(String(buffer: after.body).contains("MK-2026-000501"), "read notices leave the unread list")

            // Sign-out ends the session on the server: the old cookie no longer opens the page.
            let logout = try await client.execute(
                uri: "/centres/cog-a/logout", method: .post, headers: headers,
                body: ByteBuffer(string: "csrf=\(csrf)"))
            XCTAssertEqual(logout.status, .seeOther)
            let ended = try await client.execute(
                uri: "/centres/cog-a/notices?status=all", method: .get,
                headers: [.cookie: cookie])
            XCTAssertTrue(String(buffer: ended.body).contains("name=\"key\""))
            XCTAssertFalse(String(buffer: ended.body).contains("MK-2026-000501"))
        }
    }

    static func hiddenCSRF(in html: String) -> String? {
        guard let range = html.range(of: #"name="csrf" value="([^"]+)""#, options: .regularExpression) else {
            return nil
        }
        let match = String(html[range])
        return match.split(separator: "\"").dropFirst(3).first.map(String.init)
    }
}
