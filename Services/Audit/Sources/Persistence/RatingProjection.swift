import Foundation
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Residents' ratings of answers per authority (issue 15, audit migrations 620–629): the chain
/// writer hands every appended `appeal.answer-rated` to `RatingProjection.apply` (through
/// `ReportProjection.apply`, so the backfill replays them too); `GET /v1/reports/ratings` counts them.
/// A rating holds no personal data: the appeal, the body that answered, the value and the times.
enum RatingProjection {
    static let migration = Migration(
        version: 620, name: "reports: residents' ratings of answers",
        sql: """
            CREATE TABLE report_ratings (
                correlation_id uuid        NOT NULL,
                answered_at    timestamptz NOT NULL,
                authority      text        NOT NULL,
                rating         integer     NOT NULL CHECK (rating BETWEEN 1 AND 5),
                via            text,
                rated_at       timestamptz NOT NULL,
                rated_on       date        NOT NULL,
                PRIMARY KEY (correlation_id, answered_at)
            );
            CREATE INDEX report_ratings_rated_on ON report_ratings (rated_on);
            """)

    /// The rating `envelope` records (applied by `report_apply`, migration 630: a second for the
    /// same answer, which intake refuses, changes nothing); nil for any other event.
    static func change(for envelope: Envelope) throws -> ReportChange? {
        guard envelope.type == AppealAnswerRated.eventType,
            let rating = try? envelope.decode(AppealAnswerRated.self),
            AppealAnswerRated.ratings.contains(rating.rating)
        else { return nil }
        var change = try ReportChange(.rated, id: rating.appealId, at: nil)
        change.answeredAt = try (rating.answeredAt ?? rating.ratedAt).encodePostgresText()
        change.authority = rating.authority
        change.rating = rating.rating
        change.via = rating.via.rawValue
        change.ratedAt = try rating.ratedAt.encodePostgresText()
        change.ratedOn = LocalDate(date: rating.ratedAt, in: .kyiv).description
        return change
    }

    /// The ratings given from `from` to `to` (Kyiv days), per authority (sorted by code) and in total.
    static func report(from: LocalDate, to: LocalDate, asOf: Date, on connection: PostgresConnection) throws
        -> RatingJSON.Report
    {
        var byAuthority: [String: [Int]] = [:]
        for row in try connection.query(
            """
            SELECT authority, rating FROM report_ratings
            WHERE rated_on BETWEEN \(from.description)::date AND \(to.description)::date
            """)
        {
            byAuthority[try row.decode(0, as: String.self), default: []].append(try row.decode(1, as: Int.self))
        }
        return RatingJSON.Report(
            from: from, to: to, asOf: asOf,
            authorities: byAuthority.keys.sorted().map { RatingJSON.Figures.of(byAuthority[$0]!, authority: $0) },
            total: RatingJSON.Figures.of(byAuthority.values.flatMap { $0 }, authority: nil))
    }
}
