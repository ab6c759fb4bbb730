import Foundation
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Resolution 858's "repeat", "multiple" and "mass" (масове): what a registration compares its
/// text with. The candidates are read in one statement (plus one for texts not cached), then
/// compared after the connection is back in the pool (`RegistrationChecks`).
extension AppealRecords {
    /// At most this many recent appeals of the category are compared (newest first), so a busy
    /// category costs a bounded amount per registration.
    static let massCandidateLimit = 500

    /// The author's own earlier appeal in the category (repeat detection).
    struct OwnCandidate: Sendable {
        let number: String
        let text: String
        let earlier: Classification.Earlier
    }

    /// Another author's recent appeal in the category: its trigrams (from `MassCandidateCache`) or
    /// its text (read from the database).
    struct OtherCandidate: Sendable {
        let id: UUID
        let authorKey: String
        var trigrams: RepeatDetector.PackedTrigrams?
        let text: String?
    }

    /// What one registration's checks compare with, as read from the database.
    struct Candidates: Sendable {
        var own: [OwnCandidate] = []
        var others: [OtherCandidate] = []
    }

    /// Reads the candidates: the author's `RepeatDetector.candidateLimit` newest appeals of the
    /// category, and the category's `massCandidateLimit` newest appeals of other authors of the last
    /// `Classification.massWindowDays` days — their ids and author keys, and then, in a second
    /// statement, the texts of those not in `cache`. An erased appeal (author key and text replaced by
    /// the marker) is always read and dropped from the cache. With `textsOnly` (the new text has no
    /// packed form, so only texts compare exactly) every text is read and the cache is not used.
    static func candidates(
        authorKey: String, category: String, now: Date, textsOnly: Bool, cache: MassCandidateCache,
        on connection: PostgresConnection
    ) throws -> Candidates {
        let rows = try connection.query(
            candidatesQuery(authorKey: authorKey, category: category, now: now, textsOnly: textsOnly))
        var result = Candidates()
        var missing: [UUID] = []
        let erased = ErasureTombstones.marker
        for row in rows {
            if try row.decode(0, as: Bool.self) {
                let number = try row.decode(2, as: String.self)
                let status = PublicStatus(rawValue: try row.decode(5, as: String.self)) ?? .registered
                let deadline = try row.decode(6, as: String?.self).flatMap(LocalDate.init(string:))
                result.own.append(
                    OwnCandidate(
                        number: number, text: try row.decode(4, as: String.self),
                        earlier: Classification.Earlier(registrationNumber: number, status: status, deadline: deadline))
                )
                continue
            }
            let id = try row.decode(1, as: UUID.self)
            let key = try row.decode(3, as: String.self)
            if key == erased { cache.forget(id) }
            result.others.append(
                OtherCandidate(id: id, authorKey: key, trigrams: nil, text: try row.decode(4, as: String?.self)))
        }
        if !textsOnly {
            // One lookup for all candidates (one lock), then the ids still to read.
            let cached = cache.trigrams(of: result.others.map(\.id))
            for index in result.others.indices where result.others[index].authorKey != erased {
                result.others[index].trigrams = cached[index]
            }
            missing = result.others.filter { $0.trigrams == nil }.map(\.id)
        }
        guard !missing.isEmpty else { return result }
        var texts: [UUID: String] = [:]
        for row in try connection.query("SELECT id, body FROM appeals WHERE id = ANY(\(missing))") {
            texts[try row.decode(0, as: UUID.self)] = try row.decode(1, as: String.self)
        }
        result.others = result.others.compactMap { other in
            guard other.trigrams == nil, other.text == nil else { return other }
            // Gone between the two statements (not possible today: appeals are never deleted).
            guard let text = texts[other.id] else { return nil }
            return OtherCandidate(id: other.id, authorKey: other.authorKey, trigrams: nil, text: text)
        }
        return result
    }

    /// `candidates` for `appeal` (its author's key, its category), whose text's trigrams are `mine`.
    static func candidates(
        of appeal: ValidAppeal, text mine: RepeatDetector.Trigrams, now: Date, cache: MassCandidateCache,
        on connection: PostgresConnection
    ) throws -> Candidates {
        try candidates(
            authorKey: RepeatDetector.authorKeyHash(fullName: appeal.author.fullName, address: appeal.author.address),
            category: appeal.category, now: now, textsOnly: mine.packedForm == nil, cache: cache, on: connection)
    }

    /// The candidates' statement (`candidates`): the author's own appeals first, newest first; the
    /// others from `mass_candidates` (migration 880), the narrow copy of `appeals` kept for this.
    static func candidatesQuery(authorKey: String, category: String, now: Date, textsOnly: Bool) -> PostgresQuery {
        let since = now.addingTimeInterval(-Double(Classification.massWindowDays) * 86_400)
        return """
            SELECT * FROM (
                (SELECT true AS own, id, registration_number, author_key, body, status, deadline::text, registered_at
                 FROM appeals WHERE author_key = \(authorKey) AND category = \(category)
                 ORDER BY registered_at DESC LIMIT \(RepeatDetector.candidateLimit))
                UNION ALL
                (SELECT false, appeal_id, NULL, author_key,
                        CASE WHEN \(textsOnly) THEN (SELECT body FROM appeals WHERE id = appeal_id) END,
                        NULL, NULL, registered_at
                 FROM mass_candidates
                 WHERE category = \(category) AND author_key <> \(authorKey) AND registered_at >= \(since)
                 ORDER BY registered_at DESC LIMIT \(massCandidateLimit))
            ) AS candidates ORDER BY own DESC, registered_at DESC
            """
    }

    /// The number of distinct other authors with an appeal in the candidates whose text is similar
    /// to `mine` (`RepeatDetector.threshold`). A text read from the database is added to `cache`
    /// (unless erased, or without a packed form).
    static func otherAuthorsOnIssue(
        _ mine: RepeatDetector.Trigrams, candidates: [OtherCandidate], cache: MassCandidateCache
    ) -> Int {
        let minePacked = mine.packedForm
        var authors = Set<String>()
        for candidate in candidates {
            var similarity = 0.0
            if let theirs = candidate.trigrams, let minePacked {
                guard !authors.contains(candidate.authorKey) else { continue }
                similarity = minePacked.similarity(to: theirs)
            } else if let text = candidate.text {
                let theirs = RepeatDetector.Trigrams(text)
                if candidate.authorKey != ErasureTombstones.marker, let packed = theirs.packedForm {
                    cache.insert(packed, for: candidate.id)
                }
                guard !authors.contains(candidate.authorKey) else { continue }
                similarity = mine.similarity(to: theirs)
            }
            if similarity >= RepeatDetector.threshold { authors.insert(candidate.authorKey) }
        }
        return authors.count
    }
}

/// What the registration's checks found (computed from `AppealRecords.Candidates`, outside any
/// connection): the repeat it refers to, the author's earlier appeals on the same issue, and how
/// many other authors raised it lately.
struct RegistrationChecks: Sendable {
    var repeatOf: String?
    var earlier: Classification.Earlier?
    var sameIssue: [Classification.Earlier]
    var otherAuthorsOnIssue: Int

    /// `RepeatDetector.bestMatch` over the author's own candidates (the most similar at or above the
    /// threshold, the newest on a tie), the same similarities for `sameIssue`, and
    /// `AppealRecords.otherAuthorsOnIssue` over the others.
    init(text mine: RepeatDetector.Trigrams, candidates: AppealRecords.Candidates, cache: MassCandidateCache) {
        var best: (candidate: AppealRecords.OwnCandidate, similarity: Double)?
        var sameIssue: [Classification.Earlier] = []
        for candidate in candidates.own {
            let similarity = mine.similarity(to: RepeatDetector.Trigrams(candidate.text))
            guard similarity >= RepeatDetector.threshold else { continue }
            sameIssue.append(candidate.earlier)
            if similarity > (best?.similarity ?? -1) { best = (candidate, similarity) }
        }
        self.repeatOf = best?.candidate.number
        self.earlier = best?.candidate.earlier
        self.sameIssue = sameIssue
        self.otherAuthorsOnIssue = AppealRecords.otherAuthorsOnIssue(
            mine, candidates: candidates.others, cache: cache)
    }
}
