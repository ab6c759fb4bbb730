import Foundation
import HromadaAPI
import HromadaContracts
import HromadaCrypto
import HromadaPostgres

/// The tracking side of the intake schema (issue 14, intake's range 820–839): the resident's own
/// text of an event (an answer, an extension's reason: personal data, erased with the appeal) and
/// the wrong-code counts that limit guessing.
public enum TrackingMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 820, name: "the resident's own text of a history entry",
            sql: """
                ALTER TABLE appeal_history ADD COLUMN resident_text text;
                """),
        Migration(
            version: 821, name: "wrong tracking codes per number and per client",
            sql: """
                CREATE TABLE tracking_failures (
                    subject           text        PRIMARY KEY,
                    window_started_at timestamptz NOT NULL,
                    failures          int         NOT NULL
                );
                CREATE INDEX tracking_failures_window ON tracking_failures (window_started_at);
                """),
    ]
}

/// The resident-status projection's statements, on the consumer's connection (inside the
/// transaction that also records the event in the inbox).
public enum TrackingRecords {
    /// Adds the history entry of `update` (once per event id) and moves the appeal's public state.
    /// `residentText` (an answer, an extension's reason) is stored apart from the public note.
    /// An appeal registered by another intake is not here: nothing to project.
    public static func apply(
        _ update: TrackingUpdate, residentText: String? = nil, eventId: UUID, eventType: String,
        on connection: PostgresConnection
    ) throws {
        guard
            let row = try connection.query(
                """
                SELECT id, last_event_at FROM appeals
                WHERE registration_number = \(update.registrationNumber) FOR UPDATE
                """
            ).first
        else { return }
        let appealId = try row.decode(0, as: UUID.self)
        let lastEventAt = try row.decode(1, as: Date?.self)
        let status = update.status.rawValue
        let deadline = update.deadline?.description
        let inserted = try connection.execute(
            """
            INSERT INTO appeal_history
                (appeal_id, event_id, event_type, status, authority, deadline, note, occurred_at, resident_text)
            VALUES (\(appealId), \(eventId), \(eventType), \(status), \(update.authority), \(deadline)::date,
                    \(update.note), \(update.occurredAt), \(residentText))
            ON CONFLICT (event_id) DO NOTHING
            """
        )
        guard inserted == 1 else { return }
        if update.setsCurrentState(lastEventAt: lastEventAt) {
            try connection.execute(
                """
                UPDATE appeals SET status = \(status), authority = COALESCE(\(update.authority), authority),
                    deadline = COALESCE(\(deadline)::date, deadline), last_event_at = \(update.occurredAt),
                    updated_at = now()
                WHERE id = \(appealId)
                """
            )
        } else {
            try connection.execute(
                """
                UPDATE appeals SET authority = COALESCE(authority, \(update.authority)),
                    deadline = COALESCE(deadline, \(deadline)::date) WHERE id = \(appealId)
                """
            )
        }
    }
}

extension IntakeStore {
    /// A hash no code matches: an unknown number costs the same comparison as a known one.
    static let absentHash = String(repeating: "0", count: 64)

    /// Checks `code` for `number` (both as typed), counting wrong codes per number and per
    /// `client` within `limits.window`. Over a limit the answer is `.limited` before any
    /// comparison. The number's count goes up before the comparison (concurrent guesses on one
    /// number queue on its row) and a right code takes its attempt back, so polling with the right
    /// code never locks anyone out; the client's count goes up only on a failure, so right lookups
    /// of one's own appeal never buy guesses on others.
    public func checkTracking(
        number typedNumber: String, code: String, client: String, limits: TrackingLimits = .standard, now: Date
    ) async throws -> TrackingCheck {
        let number = RegistrationNumber.typed(typedNumber)
        let clientSubject = "client:" + SHA256.hex(client)
        let numberSubject = number.map { "number:" + $0 }
        let cutoff = now.addingTimeInterval(-limits.window)
        let presented = (1...200).contains(code.count) ? code : ""
        return try await database.withTransaction { connection -> TrackingCheck in
            func count(_ subject: String) throws {
                try connection.execute(
                    """
                    INSERT INTO tracking_failures AS f (subject, window_started_at, failures)
                    VALUES (\(subject), \(now), 1)
                    ON CONFLICT (subject) DO UPDATE SET
                        failures = CASE WHEN f.window_started_at <= \(cutoff) THEN 1 ELSE f.failures + 1 END,
                        window_started_at = CASE WHEN f.window_started_at <= \(cutoff) THEN \(now)
                                                 ELSE f.window_started_at END
                    """)
            }
            /// The end of `subject`'s window when its count is over `limit`.
            func blocked(_ subject: String, limit: Int) throws -> Date? {
                guard
                    let row = try connection.query(
                        """
                        SELECT failures, window_started_at FROM tracking_failures
                        WHERE subject = \(subject) AND window_started_at > \(cutoff)
                        """
                    ).first
                else { return nil }
                let started = try row.decode(1, as: Date.self)
                return Int(try row.decode(0, as: Int32.self)) > limit ? started.addingTimeInterval(limits.window) : nil
            }
            if let numberSubject { try count(numberSubject) }
            let until = [
                try numberSubject.flatMap { try blocked($0, limit: limits.failuresPerNumber) },
                // The client's own failures so far: at the limit, the next one is refused.
                try blocked(clientSubject, limit: limits.failuresPerClient - 1),
            ].compactMap { $0 }.max()
            if let until { return .limited(until: until) }
            let stored =
                try number.flatMap { number in
                    try connection.query(
                        "SELECT tracking_token_hash FROM appeals WHERE registration_number = \(number)"
                    ).first.map { try $0.decode(0, as: String.self) }
                } ?? Self.absentHash
            let matches = TrackingCode.verify(presented.isEmpty ? "x" : presented, hash: stored)
            guard matches, let number, let numberSubject else {
                try count(clientSubject)
                // Old windows go as new failures come.
                try connection.execute(
                    "DELETE FROM tracking_failures WHERE window_started_at < \(now.addingTimeInterval(-86_400))")
                return .notFound
            }
            // The attempt given back; a number without failures keeps no row.
            try connection.execute(
                """
                UPDATE tracking_failures SET failures = failures - 1 WHERE subject = \(numberSubject) AND failures > 0
                """)
            try connection.execute(
                "DELETE FROM tracking_failures WHERE subject = \(numberSubject) AND failures <= 0")
            return .verified(number: number, hash: stored)
        }
    }

    /// The stored code hash of `number` (as stored), nil when unknown.
    public func trackingHash(number: String) async throws -> String? {
        try await database.withConnection { connection in
            try connection.query("SELECT tracking_token_hash FROM appeals WHERE registration_number = \(number)")
                .first.map { try $0.decode(0, as: String.self) }
        }
    }

    /// The status view when `token` belongs to `number`, else nil. The token is compared in
    /// constant time against a hash; an unknown number costs the same hash comparison.
    public func statusView(number: String, token: String, language: Language) async throws -> AppealStatusView? {
        try await database.withConnection { connection in
            try Self.statusView(
                number: number, accept: { TrackingCode.verify(token, hash: $0) }, language: language, on: connection)
        }
    }

    /// The status view of `number` when `accept` accepts its stored code hash (a right code, a
    /// proof naming the hash), else nil.
    public func statusView(
        number: String, accept: @escaping @Sendable (String) -> Bool, language: Language
    ) async throws -> AppealStatusView? {
        try await database.withConnection { connection in
            try Self.statusView(number: number, accept: accept, language: language, on: connection)
        }
    }

    static func statusView(
        number: String, accept: (String) -> Bool, language: Language, on connection: PostgresConnection
    ) throws -> AppealStatusView? {
        let row = try connection.query(
            """
            SELECT id, tracking_token_hash, status, kind, category, registered_at, authority, deadline::text, repeat_of
            FROM appeals WHERE registration_number = \(number)
            """
        ).first
        let storedHash = try row?.decode(1, as: String.self) ?? absentHash
        let matches = accept(storedHash)
        guard let row, matches else { return nil }
        let id = try row.decode(0, as: UUID.self)
        var answer: AppealStatusView.Answer?
        var extensionOfTerm: AppealStatusView.Extension?
        let history = try connection.query(
            """
            SELECT occurred_at, event_type, status, authority, deadline::text, note, resident_text
            FROM appeal_history WHERE appeal_id = \(id) ORDER BY occurred_at, seq
            """
        ).map { r in
            let authority = try r.decode(3, as: String?.self)
            let entry = AppealStatusView.HistoryEntry(
                at: try r.decode(0, as: Date.self), event: try r.decode(1, as: String.self),
                status: try r.decode(2, as: String.self), authority: authority,
                authorityName: ReferenceNames.authority(authority, in: language),
                deadline: try r.decode(4, as: String?.self).flatMap(LocalDate.init(string:)),
                note: try r.decode(5, as: String?.self))
            if let text = try r.decode(6, as: String?.self) {
                if entry.event == TicketAnswered.eventType {
                    let outcome = entry.note.flatMap { $0.hasPrefix("outcome:") ? String($0.dropFirst(8)) : nil }
                    answer = AppealStatusView.Answer(
                        text: text, outcome: outcome,
                        outcomeName: outcome.flatMap { ReferenceNames.outcome($0, in: language) },
                        answeredAt: entry.at, authority: authority, authorityName: entry.authorityName)
                } else if entry.event == TicketExtended.eventType {
                    extensionOfTerm = AppealStatusView.Extension(
                        reason: text, deadline: entry.deadline, extendedAt: entry.at)
                }
            }
            return entry
        }
        let category = try row.decode(4, as: String.self)
        let authority = try row.decode(6, as: String?.self)
        var view = AppealStatusView(
            registrationNumber: number, status: try row.decode(2, as: String.self),
            kind: try row.decode(3, as: String.self),
            category: category, categoryName: ReferenceNames.category(category, in: language),
            registeredAt: try row.decode(5, as: Date.self), authority: authority,
            authorityName: ReferenceNames.authority(authority, in: language),
            deadline: try row.decode(7, as: String?.self).flatMap(LocalDate.init(string:)),
            repeatOf: try row.decode(8, as: String?.self), history: history)
        view.answer = answer
        view.extension_ = extensionOfTerm
        return view
    }
}
