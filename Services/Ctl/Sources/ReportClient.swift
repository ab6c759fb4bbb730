import Foundation
import HromadaAPI
import HromadaContracts

/// Audit's reports and open data (`GET /v1/reports/appeals`, `GET /v1/open-data/{day}`), read with
/// the administrator token as the other audit calls are.
extension AdminClient {
    static func reportPath(_ period: ReportPeriod, by dimension: ReportJSON.Dimension, csv: Bool = false) -> String {
        "/v1/reports/appeals\(csv ? ".csv" : "")?from=\(period.from)&to=\(period.to)&by=\(dimension.rawValue)"
    }

    public func report(_ period: ReportPeriod, by dimension: ReportJSON.Dimension) async throws -> ReportJSON.Report {
        try await call("GET", "audit", Self.reportPath(period, by: dimension), as: ReportJSON.Report.self)
    }

    /// The same report as audit's CSV (the bytes `hromadactl report --csv` prints and the console offers).
    public func reportCSV(_ period: ReportPeriod, by dimension: ReportJSON.Dimension) async throws -> Data {
        try await call("GET", "audit", Self.reportPath(period, by: dimension, csv: true)).body
    }

    public func openData(day: LocalDate) async throws -> ReportJSON.OpenDataDay {
        try await call("GET", "audit", "/v1/open-data/\(day).json", as: ReportJSON.OpenDataDay.self)
    }

    public func openDataCSV(day: LocalDate) async throws -> Data {
        try await call("GET", "audit", "/v1/open-data/\(day).csv").body
    }
}

/// A period of days of receipt (both included), as reports take it.
public struct ReportPeriod: Sendable, Equatable {
    public var from: LocalDate
    public var to: LocalDate

    public init(from: LocalDate, to: LocalDate) {
        self.from = from
        self.to = to
    }

    /// Quarter 1…4 of `year`.
    public static func quarter(_ quarter: Int, of year: Int) -> ReportPeriod? {
        guard (1...4).contains(quarter), let from = LocalDate(year: year, month: quarter * 3 - 2, day: 1),
            let next = quarter == 4
                ? LocalDate(year: year + 1, month: 1, day: 1) : LocalDate(year: year, month: quarter * 3 + 1, day: 1)
        else { return nil }
        return ReportPeriod(from: from, to: next.adding(days: -1))
    }

    /// The quarter before this one (for a quarter).
    public func previousQuarter() -> ReportPeriod? {
        let quarter = (from.month - 1) / 3 + 1
        return quarter == 1 ? Self.quarter(4, of: from.year - 1) : Self.quarter(quarter - 1, of: from.year)
    }

    /// The current Kyiv month up to today (the reports' default).
    public static func monthToDate(now: Date = Date()) -> ReportPeriod {
        let today = LocalDate.today(now: now)
        return ReportPeriod(from: LocalDate(year: today.year, month: today.month, day: 1) ?? today, to: today)
    }

    /// From optional `YYYY-MM-DD` texts (the CLI's and the console's), defaulting to month to date;
    /// a bad date throws naming the field.
    public static func parse(from: String?, to: String?, now: Date = Date()) throws -> ReportPeriod {
        var period = monthToDate(now: now)
        if let from, !from.isEmpty {
            guard let day = LocalDate(string: from) else { throw CtlError(.configuration, "from must be YYYY-MM-DD") }
            period.from = day
        }
        if let to, !to.isEmpty {
            guard let day = LocalDate(string: to) else { throw CtlError(.configuration, "to must be YYYY-MM-DD") }
            period.to = day
        }
        guard period.from <= period.to else { throw CtlError(.configuration, "to must not be before from") }
        return period
    }
}
