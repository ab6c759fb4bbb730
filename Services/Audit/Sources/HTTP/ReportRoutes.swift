import Foundation
import HromadaAPI
import HromadaContracts
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// Reports and open data, computed by `ReportCalculator` from audit's projection. Every route needs
/// the same bearer tokens as the rest of audit's API (administrator or configured reader).
///
/// - `GET /v1/reports/appeals?from=YYYY-MM-DD&to=YYYY-MM-DD&by=<total|centre|district|category|authority|kind|day>`
///   → `ReportJSON.Report`; `GET /v1/reports/appeals.csv?…` the same as CSV. `from`/`to` default to
///   the first day of the current Kyiv month and today; at most `maxDays` days.
/// - `GET /v1/open-data/{YYYY-MM-DD}.json` / `.csv` → `ReportJSON.OpenDataDay` (docs/OPEN-DATA.md).
public struct ReportRoutes: Sendable {
    let queries: any ReportQueries
    let logger: Logger
    /// The longest period one report may cover.
    public static let maxDays = 800

    public init(queries: any ReportQueries, logger: Logger) {
        self.queries = queries
        self.logger = logger
    }

    /// Adds the routes; `AuditRoutes.add(to:)` must have run first (its middlewares authenticate).
    public func add<Context: PrincipalRequestContext>(to router: Router<Context>) {
        router.get("/v1/reports/appeals") { request, context in
            _ = try AuditReaders.caller(context)
            return try JSON.response(try await report(request))
        }
        router.get("/v1/reports/appeals.csv") { request, context in
            _ = try AuditReaders.caller(context)
            let report = try await report(request)
            return Self.csv(report.csv(), filename: "appeals-\(report.from)-\(report.to)-\(report.by.rawValue).csv")
        }
        router.get("/v1/open-data/:file") { _, context in
            _ = try AuditReaders.caller(context)
            let file = try context.parameters.require("file")
            let (day, format) = try Self.openDataFile(file)
            let export = try await openData(day: day)
            switch format {
            case .csv: return Self.csv(export.csv(), filename: "hromada-appeals-\(day).csv")
            case .json: return try JSON.response(export)
            }
        }
    }

    enum FileFormat { case json, csv }

    /// `2026-11-03`, `2026-11-03.json` or `2026-11-03.csv`.
    static func openDataFile(_ file: String) throws -> (LocalDate, FileFormat) {
        var name = Substring(file)
        var format = FileFormat.json
        if name.hasSuffix(".csv") {
            format = .csv
            name = name.dropLast(4)
        } else if name.hasSuffix(".json") {
            name = name.dropLast(5)
        }
        guard let day = LocalDate(string: String(name)) else {
            throw WebError.validation([
                FieldError(
                    field: "day", code: "invalid_value", message: "the day must be YYYY-MM-DD, optionally .json or .csv"
                )
            ])
        }
        return (day, format)
    }

    func report(_ request: Request) async throws -> ReportJSON.Report {
        let now = queries.now()
        let query = try ReportQuery.parse(
            from: request.uri.queryParameters.get("from"), to: request.uri.queryParameters.get("to"),
            by: request.uri.queryParameters.get("by"), today: LocalDate(date: now, in: .kyiv))
        let facts = try await queries.facts(from: query.from, to: query.to)
        let names = query.by == .centre ? try await queries.centreNames() : [:]
        return ReportCalculator.report(
            facts, from: query.from, to: query.to, by: query.by, asOf: now, centreNames: names)
    }

    func openData(day: LocalDate) async throws -> ReportJSON.OpenDataDay {
        let facts = try await queries.facts(from: day, to: day)
        return OpenDataExporter.export(
            facts, day: day, threshold: queries.openDataThreshold, generatedAt: queries.now())
    }

    static func csv(_ text: String, filename: String) -> Response {
        HTMLResponse.attachment(
            ByteBuffer(string: text), type: "text/csv; charset=utf-8", filename: filename, storable: true)
    }
}

/// A report request's period and breakdown, checked; errors name the field.
public struct ReportQuery: Sendable, Equatable {
    public var from: LocalDate
    public var to: LocalDate
    public var by: ReportJSON.Dimension

    public static func parse(from: String?, to: String?, by: String?, today: LocalDate) throws -> ReportQuery {
        var errors: [FieldError] = []
        func day(_ text: String?, _ field: String, default value: LocalDate) -> LocalDate {
            guard let text, !text.isEmpty else { return value }
            guard let parsed = LocalDate(string: text) else {
                errors.append(FieldError(field: field, code: "invalid_value", message: "\(field) must be YYYY-MM-DD"))
                return value
            }
            return parsed
        }
        let monthStart = LocalDate(year: today.year, month: today.month, day: 1) ?? today
        let start = day(from, "from", default: monthStart)
        let end = day(to, "to", default: today)
        var dimension = ReportJSON.Dimension.total
        if let by, !by.isEmpty {
            if let parsed = ReportJSON.Dimension(rawValue: by) {
                dimension = parsed
            } else {
                let allowed = ReportJSON.Dimension.allCases.map(\.rawValue).joined(separator: ", ")
                errors.append(FieldError(field: "by", code: "invalid_value", message: "by must be one of \(allowed)"))
            }
        }
        if errors.isEmpty {
            if end < start {
                errors.append(FieldError(field: "to", code: "invalid_value", message: "to must not be before from"))
            } else if start.days(until: end) >= ReportRoutes.maxDays {
                errors.append(
                    FieldError(
                        field: "to", code: "invalid_value",
                        message: "a report covers at most \(ReportRoutes.maxDays) days"))
            }
        }
        guard errors.isEmpty else { throw WebError.validation(errors) }
        return ReportQuery(from: start, to: end, by: dimension)
    }
}

/// What the report routes need: the projection in PostgreSQL in the service, facts in memory in
/// the router tests.
public protocol ReportQueries: Sendable {
    func facts(from: LocalDate, to: LocalDate) async throws -> [AppealFacts]
    func centreNames() async throws -> [String: String]
    func now() -> Date
    var openDataThreshold: Int { get }
}
