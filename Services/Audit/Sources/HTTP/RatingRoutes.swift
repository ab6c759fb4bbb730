import Foundation
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime
import HromadaWeb
import Hummingbird

/// `GET /v1/reports/ratings?from=YYYY-MM-DD&to=YYYY-MM-DD` → `RatingJSON.Report` (the same readers as
/// every report; `from`/`to` default and are limited as for `/v1/reports/appeals`).
public struct RatingRoutes: Sendable {
    let database: PostgresClient
    let clock: @Sendable () -> Date

    public init(database: PostgresClient, clock: @escaping @Sendable () -> Date) {
        self.database = database
        self.clock = clock
    }

    /// Adds the route; `AuditRoutes.add(to:)` must have run first (its middlewares authenticate).
    public func add<Context: PrincipalRequestContext>(to router: Router<Context>) {
        router.get("/v1/reports/ratings") { request, context in
            _ = try AuditReaders.caller(context)
            let now = clock()
            let query = try ReportQuery.parse(
                from: request.uri.queryParameters.get("from"), to: request.uri.queryParameters.get("to"), by: nil,
                today: LocalDate(date: now, in: .kyiv))
            let report = try await database.withConnection { connection in
                try RatingProjection.report(from: query.from, to: query.to, asOf: now, on: connection)
            }
            return try JSON.response(report)
        }
    }
}
