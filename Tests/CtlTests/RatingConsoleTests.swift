import Foundation
import HromadaAPI
import HromadaContracts
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import XCTest

@testable import HromadaCtl

/// The operators' console shows residents' ratings of answers per authority on its reports page,
/// and `hromadactl report ratings` reads them, from an audit stand-in serving known figures over
/// real HTTP (audit's own aggregation is checked in SecurityTests.SayIntegrationTests).
final class RatingConsoleTests: XCTestCase {
    static let adminToken = "rating-admin-\(UUID().uuidString)"

    /// An audit stand-in: the appeals report (`ConsoleReportsTests`' figures) and the ratings.
    static func startAudit() async throws -> (url: String, group: ServiceGroup, task: Task<Void, any Error>) {
        let router = Router()
        @Sendable func authorised(_ request: Request) throws -> (LocalDate, LocalDate) {
            guard request.headers[.authorization] == "Bearer \(adminToken)" else { throw HTTPError(.unauthorized) }
            let q = request.uri.queryParameters
            guard let from = q.get("from").flatMap(LocalDate.init(string:)),
                let to = q.get("to").flatMap(LocalDate.init(string:))
            else { throw HTTPError(.unprocessableContent) }
            return (from, to)
        }
        @Sendable func json(_ value: some Encodable) throws -> Response {
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: try APICoding.encoder().encode(value))))
        }
        router.get("/v1/reports/appeals") { request, _ -> Response in
            let (from, to) = try authorised(request)
            let by = request.uri.queryParameters.get("by").flatMap(ReportJSON.Dimension.init(rawValue:)) ?? .total
            return try json(ConsoleReportsTests.report(from: from, to: to, by: by))
        }
        router.get("/v1/reports/ratings") { request, _ -> Response in
            let (from, to) = try authorised(request)
            return try json(
                RatingJSON.Report(
                    from: from, to: to, asOf: Date(),
                    authorities: [
                        .of([5, 4, 4, 1], authority: "zhkg"), .of([2], authority: "transport"),
                    ],
                    total: .of([5, 4, 4, 1, 2], authority: nil)))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            }, logger: ConsoleReportsTests.logger)
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: app)], logger: ConsoleReportsTests.logger))
        let task = Task { try await group.run() }
        var port = 0
        for await p in ports { port = p }
        return ("http://127.0.0.1:\(port)", group, task)
    }

    func testTheReportsPageAndTheCommandShowRatingsPerAuthority() async throws {
        let audit = try await Self.startAudit()
        addTeardownBlock {
            await audit.group.triggerGracefulShutdown()
            _ = try? await audit.task.value
        }
        let endpoints = CtlEndpoints(
            services: [("audit", audit.url)], rabbitMQAPI: "http://127.0.0.1:1", amqpURL: "amqp://127.0.0.1:1/%2f",
            adminToken: Self.adminToken)

        // hromadactl's client decodes the typed answer.
        let period = try ReportPeriod.parse(from: "2026-11-01", to: "2026-11-30")
        let report = try await AdminClient(endpoints: endpoints).ratings(period)
        XCTAssertEqual(report.authorities.map(\.authority), ["zhkg", "transport"])
        XCTAssertEqual(report.total.count, 5)
        XCTAssertTrue(RatingText.render(report).contains("3.50"), RatingText.render(report))

        // The console's reports page: the ratings' table under the figures.
        let console = try await Console(
            settings: ConsoleSettings(host: "127.0.0.1", port: 8090, operatorToken: "operator", endpoints: endpoints),
            logger: ConsoleReportsTests.logger)
        let app = Application(router: console.makeRouter())
        try await app.test(.router) { client in
            let once = console.sessions.makeOneTimeLogin()
            let cookie = try await client.execute(uri: "/login?once=\(once)", method: .get) { response in
                String(try XCTUnwrap(response.headers[.setCookie]).split(separator: ";")[0])
            }
            for (lang, title) in [("en", "Residents&#39; ratings of answers"), ("uk", "Оцінки відповідей мешканцями")] {
                try await client.execute(
                    uri: "/reports?from=2026-11-01&to=2026-11-30&by=authority&lang=\(lang)", method: .get,
                    headers: [.cookie: cookie]
                ) { response in
                    XCTAssertEqual(response.status, .ok)
                    let html = String(buffer: response.body)
                    XCTAssertTrue(html.contains("id=\"ratings\""), html)
                    XCTAssertTrue(
                        html.contains(title) || html.contains(title.replacingOccurrences(of: "&#39;", with: "'")), lang)
                    XCTAssertTrue(
                        html.contains(
                            "<tr data-authority=\"zhkg\"><th scope=\"row\">"
                                + (lang == "en"
                                    ? Reference.body(code: "zhkg")!.nameEn : Reference.body(code: "zhkg")!.nameUk)
                                + "</th><td>4</td><td>3.50</td><td>1</td><td>0</td><td>0</td><td>2</td><td>1</td></tr>")
                            || html.contains("<td>3.50</td><td>1</td><td>0</td><td>0</td><td>2</td><td>1</td>"),
                        html)
                    XCTAssertTrue(html.contains("<td id=\"ratings-total\">5</td>"), html)
                    XCTAssertFalse(html.contains("Ratings unavailable"))
                }
            }
        }
    }
}
