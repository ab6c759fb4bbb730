import Foundation
import HromadaAPI
import HromadaContracts
import HromadaTestSupport
import HromadaWeb
import Hummingbird
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
            try TestServers.requireBearer(adminToken, request)
            let q = request.uri.queryParameters
            guard let from = q.get("from").flatMap(LocalDate.init(string:)),
                let to = q.get("to").flatMap(LocalDate.init(string:))
            else { throw HTTPError(.unprocessableContent) }
            return (from, to)
        }
        router.get("/v1/reports/appeals") { request, _ -> Response in
            let (from, to) = try authorised(request)
            let by = request.uri.queryParameters.get("by").flatMap(ReportJSON.Dimension.init(rawValue:)) ?? .total
            return try TestServers.json(ConsoleReportsTests.report(from: from, to: to, by: by))
        }
        router.get("/v1/reports/ratings") { request, _ -> Response in
            let (from, to) = try authorised(request)
            return try TestServers.json(
                RatingJSON.Report(
                    from: from, to: to, asOf: Date(),
                    authorities: [
                        .of([5, 4, 4, 1], authority: "zhkg"), .of([2], authority: "transport"),
                    ],
                    total: .of([5, 4, 4, 1, 2], authority: nil)))
        }
        return await TestServers.standIn(router, logger: ConsoleReportsTests.logger)
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
        try await TestServers.withSignedInConsole(endpoints: endpoints, logger: ConsoleReportsTests.logger) {
            client, cookie in
            for (lang, title) in [
                ("en", "Residents&#39; ratings of answers"),
                ("uk", "Оцінки відповідей мешканцями"),
            ] {
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
