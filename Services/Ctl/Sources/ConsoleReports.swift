import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCore
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// The console's report pages, from audit's reports (operators signed in, as the dashboard):
///
/// - `GET /reports?from=&to=&by=` the figures with charts (Chart.js from Debian's `libjs-chart.js`,
///   served here; without it the tables still show everything)
/// - `GET /reports/appeals.csv?…` audit's CSV as a download
/// - `GET /reports/print?…` the printable report (print styles; the print button needs no script)
/// - `GET /reports/quarterly?year=&quarter=` the quarterly summary in Ukrainian (`QuarterlySummary`)
/// - `GET /reports/open-data/{YYYY-MM-DD}.{json|csv}` the day's open-data export as a download
/// - `GET /reports/assets/{reports.js|chart.js}`
struct ConsoleReports: Sendable {
    /// Where Debian's libjs-chart.js puts the browser build.
    static let chartPath = "/usr/share/javascript/chart.js/chart.min.js"
    static let templateNames = ["reports", "report-print", "report-table", "quarterly", "rating-table"]

    let site: WebSite
    let admin: AdminClient
    let logger: Logger
    let templates: TemplateLibrary
    /// `reports.js` and, when installed, `chart.js`.
    let served: [String: ServedFile]

    /// A file served from memory with its content hash (for `?v=` links).
    struct ServedFile: Sendable {
        let body: [UInt8]
        let contentType: String
        let hash: String

        init(body: [UInt8], contentType: String = "text/javascript; charset=utf-8") {
            self.body = body
            self.contentType = contentType
            self.hash = String(SHA256.hex(body).prefix(16))
        }
    }

    init(site: WebSite, endpoints: CtlEndpoints, logger: Logger, chartPath: String = ConsoleReports.chartPath) throws {
        self.site = site
        self.admin = AdminClient(endpoints: endpoints)
        self.logger = logger
        self.templates = try TemplateLibrary(bundle: Bundle.module, names: Self.templateNames)
        let own = try WebAssets.load(from: Bundle.module, names: ["reports.js"]).assets
        var served = [
            "reports.js": ServedFile(body: own["reports.js"]?.body ?? [])
        ]
        if let data = FileManager.default.contents(atPath: chartPath) {
            served["chart.js"] = ServedFile(body: [UInt8](data))
        } else {
            logger.notice("Chart.js not found: report pages show tables only", metadata: ["file": "\(chartPath)"])
        }
        self.served = served
    }

    /// Adds the routes; errors are logged and the console runs without reports.
    static func install(on router: Router<WebRequestContext>, console: Console) {
        console.installOptional("the report pages") {
            try ConsoleReports(site: console.site, endpoints: console.settings.endpoints, logger: console.logger)
                .add(to: router)
        }
    }

    func add(to router: Router<WebRequestContext>) {
        // The report on screen and the printable report: the same figures, two templates.
        for (path, template) in [("/reports", "reports"), ("/reports/print", "report-print")] {
            router.get(RouterPath(stringLiteral: path)) { request, context in
                guard let session = context.session, context.principal == .operator else {
                    return site.redirect("/login")
                }
                return try await page(request, csrf: session.csrf, template: template)
            }
        }
        router.get("/reports/appeals.csv") { request, context in
            try context.require(.operator)
            let (period, by) = try Self.parse(request)
            let csv = try await admin.reportCSV(period, by: by)
            return Self.download(
                csv, type: "text/csv; charset=utf-8", name: "appeals-\(period.from)-\(period.to)-\(by).csv")
        }
        router.get("/reports/quarterly") { request, context in
            guard context.principal == .operator else { return site.redirect("/login") }
            let (year, quarter) = try Self.quarter(request)
            let summary = try await QuarterlySummary.load(year: year, quarter: quarter, from: admin)
            let html = templates.render(
                QuarterlyView(summary, inlineStyle: nil), template: "quarterly",
                language: .uk,
                catalogue: site.catalogue)
            return HTMLResponse.page(html)
        }
        router.get("/reports/open-data/:file") { _, context in
            try context.require(.operator)
            let file = try context.parameters.require("file")
            let csv = file.hasSuffix(".csv")
            guard let day = LocalDate(string: String(file.dropLast(csv ? 4 : (file.hasSuffix(".json") ? 5 : 0)))) else {
                throw WebError.validation([
                    FieldError(field: "day", code: "invalid_value", message: "day must be YYYY-MM-DD")
                ])
            }
            let data = csv ? try await admin.openDataCSV(day: day) : try await admin.openData(day: day).jsonData()
            return Self.download(
                data, type: csv ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
                name: "hromada-appeals-\(day).\(csv ? "csv" : "json")")
        }
        let served = self.served
        router.get("/reports/assets/:name") { _, context -> Response in
            guard let name = context.parameters.get("name"), let asset = served[name] else {
                throw WebError.notFound("asset")
            }
            var headers: HTTPFields = [.contentType: asset.contentType, .cacheControl: "public, max-age=3600"]
            SecurityHeaders.apply(to: &headers)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.body)))
        }
    }

    func link(_ name: String) -> String? { served[name].map { "/reports/assets/\(name)?v=\($0.hash)" } }

    func page(_ request: Request, csrf: String, template: String) async throws -> Response {
        let language = Language.of(request)
        let (period, by) = try Self.parse(request)
        var report: ReportJSON.Report?
        var days: ReportJSON.Report?
        var failure: String?
        do {
            report = try await admin.report(period, by: by)
            days = by == .day ? report : try await admin.report(period, by: .day)
        } catch {
            logger.warning("reports unavailable", metadata: ["error": "\(error.redactedDescription)"])
            failure = "\(PageStrings.reports.of(language)["auditUnavailable"] ?? ""): \(error)"
        }
        var view = ReportPageView(
            period: period, by: by, report: report, days: days, error: failure, language: language, csrf: csrf,
            chartScript: link("chart.js"), reportsScript: link("reports.js") ?? "")
        view.ratings = await RatingSection.load(admin, period: period, language: language, logger: logger)
        let html = templates.render(view, template: template, language: language, catalogue: site.catalogue)
        return HTMLResponse.page(html, status: failure == nil ? .ok : .badGateway)
    }

    static func parse(_ request: Request) throws -> (ReportPeriod, ReportJSON.Dimension) {
        let q = request.uri.queryParameters
        let period: ReportPeriod
        do {
            period = try ReportPeriod.parse(from: q.get("from"), to: q.get("to"))
        } catch {
            throw WebError.validation([FieldError(field: "from", code: "invalid_value", message: "\(error)")])
        }
        guard let by = ReportJSON.Dimension(rawValue: q.get("by") ?? "category") else {
            throw WebError.validation([FieldError(field: "by", code: "invalid_value", message: "unknown breakdown")])
        }
        return (period, by)
    }

    static func quarter(_ request: Request) throws -> (Int, Int) {
        let q = request.uri.queryParameters
        let today = LocalDate.today()
        let year = q.get("year").flatMap { Int($0) } ?? today.year
        let quarter = q.get("quarter").flatMap { Int($0) } ?? ((today.month - 1) / 3 + 1)
        guard (2000...2200).contains(year), (1...4).contains(quarter) else {
            throw WebError.validation([
                FieldError(
                    field: "quarter", code: "invalid_value", message: "year 2000–2200 and quarter 1–4 are required")
            ])
        }
        return (year, quarter)
    }

    static func download(_ data: Data, type: String, name: String) -> Response {
        var response = HTMLResponse.attachment(ByteBuffer(bytes: data), type: type, filename: name)
        SecurityHeaders.apply(to: &response.headers)
        return response
    }
}

extension ReportJSON.OpenDataDay {
    /// The JSON as audit writes it (sorted keys, ISO 8601 instants).
    func jsonData() throws -> Data { try APICoding.encoder().encode(self) }
}
