import Foundation
import HromadaContracts
import HromadaPostgres

/// Resolution 858's "mass" (масове): how many other authors raised the same issue lately.
extension AppealRecords {
    /// At most this many recent appeals of the category are compared (newest first), so a busy
    /// category costs a bounded amount per registration.
    static let massCandidateLimit = 500

    /// The number of distinct other authors with an appeal in `category` registered in the last
    /// `Classification.massWindowDays` days whose text is similar to `text` (`RepeatDetector`).
    static func otherAuthorsOnIssue(
        authorKey: String, category: String, text: String, now: Date, on connection: PostgresConnection
    ) throws -> Int {
        let since = now.addingTimeInterval(-Double(Classification.massWindowDays) * 86_400)
        let rows = try connection.query(
            """
            SELECT author_key, body FROM appeals
            WHERE category = \(category) AND author_key <> \(authorKey) AND registered_at >= \(since)
            ORDER BY registered_at DESC LIMIT \(massCandidateLimit)
            """)
        var authors = Set<String>()
        // The new text's trigrams once, not once per candidate (this loop was intake's hottest code).
        let mine = RepeatDetector.Trigrams(text)
        for row in rows {
            let key = try row.decode(0, as: String.self)
            guard !authors.contains(key) else { continue }
            let theirs = RepeatDetector.Trigrams(try row.decode(1, as: String.self))
            if mine.similarity(to: theirs) >= RepeatDetector.threshold {
                authors.insert(key)
            }
        }
        return authors.count
    }
}
