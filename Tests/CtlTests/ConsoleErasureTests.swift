import Foundation
import HromadaAPI
import HromadaContracts
import HromadaTestSupport
import Hummingbird
import Logging
import ServiceLifecycle
import XCTest

@testable import HromadaCtl

/// Issue 19: the operators see which appeals are erased everywhere and which still wait — on the
/// console's `/erasures` page and in `hromadactl erasure status` — from intake's erasure API
/// (here a stand-in serving a known list over real HTTP; the real API is exercised by
/// SystemTests.ErasureTests).
final class ConsoleErasureTests: XCTestCase {
    static let adminToken = "erasure-admin-\(UUID().uuidString)"
    static let at = ISO8601.parse("2032-01-01T00:00:00.000Z")!

    static let list = ErasureJSON.List(
        erasures: [
            ErasureJSON.Status(
                registrationNumber: "MK-2026-000007", trigger: "retention", reason: "retention period ended",
                decidedBy: "retention", erasedAt: at, confirmed: Producers.all.sorted(), waiting: []),
            ErasureJSON.Status(
                registrationNumber: "MK-2026-000009", trigger: "administrator", reason: "court decision",
                decidedBy: "administrator", erasedAt: at, confirmed: ["hromada-audit", "hromada-intake"],
                waiting: ["hromada-notification", "hromada-routing"]),
        ],
        complete: 1, waiting: 1)

    /// An intake stand-in: `GET /v1/admin/erasures` with the administrator's bearer.
    static func startIntake() async throws -> (url: String, group: ServiceGroup) {
        let router = Router()
        router.get("/v1/admin/erasures") { request, _ -> Response in
            try TestServers.requireBearer(adminToken, request)
            var shown = list
            if request.uri.queryParameters.get("state") == "waiting" {
                shown.erasures = list.erasures.filter { !$0.complete }
            }
            return try TestServers.json(shown)
        }
        // The restore path (`hromadactl erasure reapply`): intake knows only MK-2026-000007.
        router.get("/v1/admin/erasures/{number}") { request, context -> Response in
            try TestServers.requireBearer(adminToken, request)
            guard let known = list.erasures.first(where: { $0.registrationNumber == context.parameters.get("number") }),
                known.complete
            else { throw HTTPError(.notFound) }
            return try TestServers.json(known)
        }
        router.post("/v1/admin/appeals/{number}/erase") { request, context -> Response in
            try TestServers.requireBearer(adminToken, request)
            let input = try APICoding.decode(
                ErasureJSON.Request.self, from: Data(buffer: try await request.body.collect(upTo: 10_000)))
            guard input.reapply == true, input.reason.contains("court decision"),
                let entry = list.erasures.first(where: { $0.registrationNumber == context.parameters.get("number") })
            else { throw HTTPError(.badRequest) }
            return try TestServers.json(entry, status: .accepted)
        }
        router.post("/v1/admin/erasures/republish") { request, _ -> Response in
            try TestServers.requireBearer(adminToken, request)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"republished":1}"#)))
        }
        let server = await TestServers.standIn(router, logger: ConsoleReportsTests.logger)
        return (server.url, server.group)
    }

    func testTheTableSaysWhoIsStillWaiting() {
        let text = ErasureTable.render(Self.list)
        XCTAssertTrue(text.contains("MK-2026-000007"), text)
        XCTAssertTrue(text.contains("erased everywhere"), text)
        XCTAssertTrue(text.contains("hromada-notification, hromada-routing"), text)
        XCTAssertTrue(text.contains("1 fully erased, 1 waiting for a service"), text)
        let view = ErasurePageView(list: Self.list, waitingOnly: false, error: nil, language: .uk)
        XCTAssertFalse(view.allComplete)
        XCTAssertEqual(view.rows.map(\.waiting), ["—", "notification, routing"])
        XCTAssertEqual(
            view.rows.map(\.trigger),
            ["строк зберігання", "рішення адміністратора"])
    }

    func testTheConsolePageShowsProgressToSignedInOperatorsOnly() async throws {
        let intake = try await Self.startIntake()
        let settings = ConsoleSettings(
            host: "127.0.0.1", port: 0, operatorToken: "operator-" + UUID().uuidString,
            endpoints: CtlEndpoints(
                services: [("intake", intake.url)], rabbitMQAPI: "http://127.0.0.1:1",
                amqpURL: "amqp://127.0.0.1:1/%2f",
                adminToken: Self.adminToken),
            sampleInterval: .seconds(60))
        let console = try await Console(settings: settings, logger: ConsoleReportsTests.logger)
        let (base, group, _) = await TestServers.run(logger: ConsoleReportsTests.logger) {
            console.makeApplication(onServerRunning: $0)
        }

        XCTAssertEqual(try ConsoleReportsTests.curlStatus(base + "/erasures"), "303", "no session: to the login page")
        let cookie = try await ConsoleReportsTests.signIn(base: base, console: console)
        let page = try await ServiceHarness.request("GET", base + "/erasures?lang=en", headers: ["Cookie": cookie])
        XCTAssertEqual(page.status, 200, page.text)
        XCTAssertTrue(page.text.contains("1 erased in every service, 1 waiting for a service"), page.text)
        XCTAssertTrue(page.text.contains(#"<tr data-number="MK-2026-000009">"#), page.text)
        XCTAssertTrue(page.text.contains("notification, routing"), page.text)
        XCTAssertFalse(page.text.contains("court decision"), "the legal reason stays with the administrators")
        let dashboard = try await ServiceHarness.request("GET", base + "/?lang=en", headers: ["Cookie": cookie])
        XCTAssertTrue(
            dashboard.text.contains(#"<a href="/erasures?lang=en">Erasures</a>"#), "the dashboard links to it")
        let waiting = try await ServiceHarness.request(
            "GET", base + "/erasures?state=waiting&lang=uk", headers: ["Cookie": cookie])
        XCTAssertEqual(waiting.status, 200)
        XCTAssertFalse(waiting.text.contains(#"data-number="MK-2026-000007""#), "only the waiting ones")
        XCTAssertTrue(waiting.text.contains("Видалення персональних даних"))

        await group.triggerGracefulShutdown()
        await intake.group.triggerGracefulShutdown()
    }

    func testReapplyErasesAgainWhatTheRestoredIntakeDoesNotKnow() async throws {
        let intake = try await Self.startIntake()
        let client = AdminClient(
            endpoints: CtlEndpoints(
                services: [("intake", intake.url)], rabbitMQAPI: "http://127.0.0.1:1",
                amqpURL: "amqp://127.0.0.1:1/%2f",
                adminToken: Self.adminToken))
        let again = try await client.reapply(ledger: Self.list)
        XCTAssertEqual(again, ["MK-2026-000009"], "only the erasure the restored intake lacks, with its reason")
        let republished = try await client.republishErasures()
        XCTAssertEqual(republished, 1)
        let listed = try await client.erasures(state: "waiting", limit: 10)
        XCTAssertEqual(listed.erasures.map(\.registrationNumber), ["MK-2026-000009"])
        await intake.group.triggerGracefulShutdown()
    }
}
