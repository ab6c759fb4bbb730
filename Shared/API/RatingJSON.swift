// HromadaAPI — residents' ratings of answers per authority (issue 15): audit's
// `GET /v1/reports/ratings?from=YYYY-MM-DD&to=YYYY-MM-DD`, read by `hromadactl report ratings` and the
// operators' console.
public import Foundation
public import HromadaContracts

public enum RatingJSON {
    /// The ratings one authority's answers received (or all authorities', for the total).
    public struct Figures: Codable, Sendable, Equatable {
        /// The authority's code; nil for the total.
        public var authority: String?
        public var nameUk: String?
        public var nameEn: String?
        public var count: Int
        /// The mean rating (1–5), nil without ratings.
        public var average: Double?
        /// How many ratings were 1, 2, 3, 4 and 5 (five numbers, in that order).
        public var distribution: [Int]

        public init(
            authority: String?, nameUk: String? = nil, nameEn: String? = nil, count: Int, average: Double?,
            distribution: [Int]
        ) {
            self.authority = authority
            self.nameUk = nameUk
            self.nameEn = nameEn
            self.count = count
            self.average = average
            self.distribution = distribution
        }

        /// The figures of `ratings` (values 1–5; others are ignored).
        public static func of(_ ratings: [Int], authority: String?) -> Figures {
            var distribution = [0, 0, 0, 0, 0]
            for rating in ratings where AppealAnswerRated.ratings.contains(rating) { distribution[rating - 1] += 1 }
            let count = distribution.reduce(0, +)
            let sum = distribution.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
            let body = authority.flatMap { Reference.body(code: $0) }
            return Figures(
                authority: authority, nameUk: body?.nameUk, nameEn: body?.nameEn, count: count,
                average: count == 0 ? nil : (Double(sum) / Double(count) * 100).rounded() / 100,
                distribution: distribution)
        }
    }

    /// Ratings given from `from` to `to` (days in Kyiv, inclusive), per authority (by code) and in total.
    public struct Report: Codable, Sendable, Equatable {
        public var from: LocalDate
        public var to: LocalDate
        public var asOf: Date
        public var authorities: [Figures]
        public var total: Figures

        public init(from: LocalDate, to: LocalDate, asOf: Date, authorities: [Figures], total: Figures) {
            self.from = from
            self.to = to
            self.asOf = asOf
            self.authorities = authorities
            self.total = total
        }
    }
}
