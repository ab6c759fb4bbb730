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

/// The console's report pages and `hromadactl report`'s pieces, against an audit stand-in that
/// serves known reports over real HTTP (audit's own figures are checked in AuditTests): the page
/// shows the figures, draws the charts with the local Chart.js in headless chromium, offers the
/// same CSV as audit, prints, and makes the quarterly summary in Ukrainian.
final class ConsoleReportsTests: XCTestCase {
    static let logger: Logger = {
        var logger = Logger(label: "hromada.ctl-report-test")
        logger.logLevel = .warning
        return logger
    }()
    static let adminToken = "report-admin-\(UUID().uuidString)"
    static let asOf = LocalDate(string: "2026-11-20")!.startOfDay(in: .kyiv).addingTimeInterval(12 * 3600)

    static func figures(_ received: Int, onTime: Int, late: Int, open: Int, overdue: Int) -> ReportJSON.Figures {
        ReportJSON.Figures(
            received: received, answered: onTime + late, answeredOnTime: onTime, answeredLate: late, open: open,
            overdue: overdue, extensions: 1, forwards: 2, repeats: 3, returned: 0, notConsidered: 0, disputes: 1,
            averageDaysToAnswer: 9.25, p90DaysToAnswer: 14,
            outcomes: .init(resolvedPositively: onTime, refused: late, explained: 0, other: 0))
    }

    /// What the stand-in answers for `by`, over any period.
    static func report(from: LocalDate, to: LocalDate, by: ReportJSON.Dimension) -> ReportJSON.Report {
        let total = figures(42, onTime: 30, late: 4, open: 8, overdue: 3)
        var groups: [ReportJSON.Group] = []
        switch by {
        case .total: break
        case .day:
            groups = [
                .init(
                    key: "2026-11-02", nameUk: "2026-11-02", nameEn: "2026-11-02",
                    figures: figures(20, onTime: 15, late: 2, open: 3, overdue: 1)),
                .init(
                    key: "2026-11-03", nameUk: "2026-11-03", nameEn: "2026-11-03",
                    figures: figures(22, onTime: 15, late: 2, open: 5, overdue: 2)),
            ]
        default:
            groups = [
                .init(
                    key: "heating", nameUk: "Теплопостачання", nameEn: "Heating",
                    figures: figures(30, onTime: 20, late: 4, open: 6, overdue: 3)),
                .init(
                    key: "roads", nameUk: "Дороги та тротуари", nameEn: "Roads and pavements",
                    figures: figures(12, onTime: 10, late: 0, open: 2, overdue: 0)),
            ]
        }
        return ReportJSON.Report(from: from, to: to, asOf: asOf, by: by, total: total, groups: groups)
    }

    static let openData = ReportJSON.OpenDataDay(
        day: LocalDate(string: "2026-11-03")!, generatedAt: asOf, threshold: 5, suppressedCells: 1,
        cells: [
            .init(
                district: "zavodskyi", category: "heating", suppressed: false, received: 7, kindProposal: 1,
                kindApplication: 6, kindComplaint: 0, answered: 3, answeredOnTime: 3, open: 4),
            .init(district: "zavodskyi", category: "roads", suppressed: true),
        ])

    /// An audit stand-in on a free port: the report and open-data routes with bearer checks.
    static func startAudit() async throws -> (url: String, group: ServiceGroup, task: Task<Void, any Error>) {
        let router = Router()
        @Sendable func checked(_ request: Request) throws -> ReportJSON.Report {
            try TestServers.requireBearer(adminToken, request)
            let q = request.uri.queryParameters
            guard let from = q.get("from").flatMap(LocalDate.init(string:)),
                let to = q.get("to").flatMap(LocalDate.init(string:)),
                let by = q.get("by").flatMap(ReportJSON.Dimension.init(rawValue:))
            else { throw HTTPError(.unprocessableContent) }
            return report(from: from, to: to, by: by)
        }
        router.get("/v1/reports/appeals") { request, _ -> Response in
            try TestServers.json(try checked(request))
        }
        router.get("/v1/reports/appeals.csv") { request, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "text/csv"],
                body: .init(byteBuffer: ByteBuffer(string: try checked(request).csv())))
        }
        router.get("/v1/open-data/:file") { request, context -> Response in
            try TestServers.requireBearer(adminToken, request)
            let file = context.parameters.get("file") ?? ""
            let export = openData
            if file.hasSuffix(".csv") {
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: export.csv())))
            }
            return try TestServers.json(export)
        }
        return await TestServers.standIn(router, logger: logger)
    }

    func testQuarterlySummaryConclusionsInUkrainian() {
        let period = ReportPeriod.quarter(4, of: 2026)!
        XCTAssertEqual(period.from.description, "2026-10-01")
        XCTAssertEqual(period.to.description, "2026-12-31")
        XCTAssertEqual(period.previousQuarter()?.from.description, "2026-07-01")
        XCTAssertEqual(ReportPeriod.quarter(1, of: 2026)?.previousQuarter()?.to.description, "2025-12-31")
        XCTAssertNil(ReportPeriod.quarter(5, of: 2026))
        let category = Self.report(from: period.from, to: period.to, by: .category)
        let summary = QuarterlySummary(
            year: 2026, quarter: 4, period: period, total: Self.report(from: period.from, to: period.to, by: .total),
            previous: Self.figures(40, onTime: 1, late: 0, open: 0, overdue: 0), byKind: [],
            byCategory: category.groups, byDistrict: [], byAuthority: category.groups, byCentre: [])
        XCTAssertEqual(summary.title, "IV квартал 2026 року")
        let text = summary.conclusions.joined(separator: "\n")
        XCTAssertTrue(text.contains("збільшилася на 2 (40 → 42)"), text)
        XCTAssertTrue(
            text.contains("теплопостачання (30), дороги та тротуари (12)"), text)
        XCTAssertTrue(text.contains("Вчасно розглянуто 88%"), text)
        XCTAssertTrue(
            text.contains(
                "Теплопостачання — 4 з порушенням строку, 3 прострочено"),
            text)
        XCTAssertTrue(text.contains("3 повторних"), text)
        let html = try? QuarterlyDocument.html(summary)
        XCTAssertNotNil(html)
        XCTAssertTrue(
            html?.contains(
                "<h1>Інформація про стан роботи зі зверненнями громадян "
                    + "за IV квартал 2026 року</h1>") ?? false)
        XCTAssertTrue(html?.contains("з 01.10.2026 по 31.12.2026") ?? false)
        XCTAssertTrue(html?.contains("@media print") ?? false, "the saved file carries its print styles")
        let lateRow = "<th>Розглянуто з порушенням строку</th><td class=\"n\">4</td>"
        XCTAssertTrue(html?.contains(lateRow) ?? false)
    }

    func testTheReportsPageSaysWhenAuditIsUnreachableAndNamesBadFields() async throws {
        let endpoints = CtlEndpoints(
            services: [("audit", "http://127.0.0.1:1")], rabbitMQAPI: "http://127.0.0.1:1",
            amqpURL: "amqp://127.0.0.1:1/%2f", adminToken: "admin")
        try await TestServers.withSignedInConsole(endpoints: endpoints, logger: Self.logger) { client, cookie in
            try await client.execute(
                uri: "/reports?from=2026-11-01&to=2026-11-30&lang=en", method: .get, headers: [.cookie: cookie]
            ) { response in
                XCTAssertEqual(response.status, .badGateway)
                let html = String(buffer: response.body)
                XCTAssertTrue(html.contains("The audit service is unavailable"), html)
                XCTAssertTrue(html.contains(#"<input type="date" name="from" value="2026-11-01" required>"#))
            }
            try await client.execute(
                uri: "/reports?from=2026-11-31", method: .get, headers: [.cookie: cookie, .accept: "application/json"]
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: response.body).contains(#""field":"from""#))
            }
            try await client.execute(
                uri: "/reports?by=colour", method: .get, headers: [.cookie: cookie, .accept: "application/json"]
            ) { response in
                XCTAssertEqual(response.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: response.body).contains(#""field":"by""#))
            }
        }
    }

    func testReportTextAndPeriodParsing() throws {
        let report = Self.report(
            from: LocalDate(string: "2026-11-01")!, to: LocalDate(string: "2026-11-30")!, by: .category)
        let text = ReportText.render(report)
        XCTAssertTrue(text.contains("heating"), text)
        XCTAssertTrue(text.contains("TOTAL"), text)
        XCTAssertTrue(text.contains("9.3") || text.contains("9.2"), text)
        XCTAssertThrowsError(try ReportPeriod.parse(from: "2026-11-31", to: nil))
        XCTAssertThrowsError(try ReportPeriod.parse(from: "2026-11-05", to: "2026-11-01"))
        let now = LocalDate(string: "2026-11-20")!.startOfDay(in: .kyiv).addingTimeInterval(3600)
        XCTAssertEqual(
            try ReportPeriod.parse(from: nil, to: nil, now: now),
            ReportPeriod(from: LocalDate(string: "2026-11-01")!, to: LocalDate(string: "2026-11-20")!))
    }

    func testReportPagesChartsCSVPrintAndQuarterly() async throws {
        let audit = try await Self.startAudit()
        addTeardownBlock {
            await audit.group.triggerGracefulShutdown()
            _ = try? await audit.task.value
        }
        let operatorToken = "operator-" + UUID().uuidString
        let settings = ConsoleSettings(
            host: "127.0.0.1", port: 0, operatorToken: operatorToken,
            endpoints: CtlEndpoints(
                services: [("audit", audit.url)], rabbitMQAPI: "http://127.0.0.1:1", amqpURL: "amqp://127.0.0.1:1/%2f",
                adminToken: Self.adminToken),
            sampleInterval: .seconds(60))
        let console = try await Console(settings: settings, logger: Self.logger)
        let (base, group, task) = await TestServers.run(logger: Self.logger) {
            console.makeApplication(onServerRunning: $0)
        }
        addTeardownBlock {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
        }

        // Without a session: redirected to the login page; the CSV is refused.
        XCTAssertEqual(try Self.curlStatus(base + "/reports"), "303")
        let anonymousCSV = try await ServiceHarness.request("GET", base + "/reports/appeals.csv")
        XCTAssertEqual(anonymousCSV.status, 401)

        let cookie = try await Self.signIn(base: base, console: console)
        let query = "from=2026-11-01&to=2026-11-30&by=category"
        let page = try await ServiceHarness.request(
            "GET", base + "/reports?\(query)&lang=en", headers: ["Cookie": cookie])
        XCTAssertEqual(page.status, 200, page.text)
        XCTAssertTrue(page.text.contains("/assets/hromada.css?v="), "the shared stylesheet")
        XCTAssertTrue(page.text.contains("/reports/assets/chart.js?v="), "the local Chart.js")
        XCTAssertFalse(page.text.contains("<script>"), "no inline script")
        XCTAssertFalse(page.text.contains("style=\""), "no inline style")
        XCTAssertFalse(page.header("Content-Security-Policy")?.contains("unsafe-inline") ?? true)
        XCTAssertTrue(page.text.contains(#"<b id="kpi-received">42</b>"#), "the total received")
        XCTAssertTrue(
            page.text.contains(#"<tr data-key="heating"><td>Heating <small>heating</small></td><td class="n">30</td>"#))
        XCTAssertTrue(page.text.contains("88%"), "the share answered on time")
        let chart = try await ServiceHarness.request("GET", base + "/reports/assets/chart.js")
        XCTAssertEqual(chart.status, 200)
        XCTAssertTrue(chart.text.contains("Chart.js"), "Debian's Chart.js, served by the console")

        let csv = try await ServiceHarness.request(
            "GET", base + "/reports/appeals.csv?\(query)", headers: ["Cookie": cookie])
        XCTAssertEqual(csv.status, 200)
        XCTAssertEqual(
            csv.text,
            Self.report(from: LocalDate(string: "2026-11-01")!, to: LocalDate(string: "2026-11-30")!, by: .category)
                .csv())
        XCTAssertTrue(csv.header("Content-Disposition")?.contains("attachment") ?? false)

        let print = try await ServiceHarness.request(
            "GET", base + "/reports/print?\(query)", headers: ["Cookie": cookie])
        XCTAssertEqual(print.status, 200)
        XCTAssertTrue(print.text.contains("data-print"), "a print button")
        XCTAssertTrue(print.text.contains("/assets/hromada.css?v="), "print styles: the kit's one stylesheet")

        let quarterly = try await ServiceHarness.request(
            "GET", base + "/reports/quarterly?year=2026&quarter=4", headers: ["Cookie": cookie])
        XCTAssertEqual(quarterly.status, 200, quarterly.text)
        XCTAssertTrue(quarterly.text.contains("за IV квартал 2026 року"))
        XCTAssertTrue(quarterly.text.contains("Дотримання строків розгляду"))
        let badQuarter = try await ServiceHarness.request(
            "GET", base + "/reports/quarterly?year=2026&quarter=5", headers: ["Cookie": cookie])
        XCTAssertEqual(badQuarter.status, 422)

        // The day's open data, as downloads.
        let openCSV = try await ServiceHarness.request(
            "GET", base + "/reports/open-data/2026-11-03.csv", headers: ["Cookie": cookie])
        XCTAssertEqual(openCSV.status, 200)
        XCTAssertEqual(openCSV.text, Self.openData.csv())
        XCTAssertTrue(openCSV.header("Content-Disposition")?.contains("hromada-appeals-2026-11-03.csv") ?? false)
        let openJSON = try await ServiceHarness.request(
            "GET", base + "/reports/open-data/2026-11-03.json", headers: ["Cookie": cookie])
        XCTAssertEqual(try APICoding.decode(ReportJSON.OpenDataDay.self, from: openJSON.body), Self.openData)
        let badDay = try await ServiceHarness.request(
            "GET", base + "/reports/open-data/2026-13-03.csv", headers: ["Cookie": cookie])
        XCTAssertEqual(badDay.status, 422)

        // Headless chromium draws the charts with the local Chart.js under the page's policy.
        let browser = try CtlIntegrationTests.chromium()
        let drawn = try Self.renderedReports(browser: browser, base: base, console: console, query: query)
        XCTAssertTrue(drawn.contains("<canvas class=\"report-chart\""), String(drawn.prefix(500)))
        XCTAssertTrue(drawn.contains("box-sizing: border-box"), "Chart.js sized the canvases (it ran)")
    }

    /// The reports page as the browser leaves it after its scripts ran (signed in with the cookie).
    static func renderedReports(browser: String, base: String, console: Console, query: String) throws -> String {
        // Chromium keeps no cookies between runs: a one-time link signs in and lands on the dashboard;
        // the page itself is then opened with a cookie file through a tiny profile folder.
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hromada-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,2000",
            "--virtual-time-budget=4000", "--user-data-dir=\(profile.path)",
        ]
        _ = try IntegrationEnvironment.run(
            browser, common + ["--dump-dom", "\(base)/login?once=\(console.sessions.makeOneTimeLogin())"],
            environment: ProcessInfo.processInfo.environment)
        return try IntegrationEnvironment.run(
            browser, common + ["--dump-dom", "\(base)/reports?\(query)"],
            environment: ProcessInfo.processInfo.environment
        ).output
    }

    /// The status of a GET without following redirects.
    static func curlStatus(_ url: String) throws -> String {
        try IntegrationEnvironment.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", url], environment: [:]
        ).output
    }

    /// Signs in with a one-time link (curl: the redirect carries the cookie); returns the Cookie value.
    static func signIn(base: String, console: Console) async throws -> String {
        let result = try IntegrationEnvironment.run(
            "/usr/bin/curl",
            ["-s", "-o", "/dev/null", "-D", "-", "\(base)/login?once=\(console.sessions.makeOneTimeLogin())"],
            environment: [:])
        let line = try XCTUnwrap(
            result.output.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hromada_console=") },
            result.output)
        return String(line.dropFirst("set-cookie: ".count).split(separator: ";")[0])
    }
}
