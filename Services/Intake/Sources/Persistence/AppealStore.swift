import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime

extension IntakeStore {
    /// Registers a validated appeal: the number from the per-year counter, the appeal row, repeat
    /// detection, the first history entry and `appeal.registered` in one transaction. With an
    /// idempotency key, a second call with the same key returns the first result.
    ///
    /// The number is drawn before the registering transaction, in a statement of its own, so the
    /// year's counter row is locked for that statement only and registrations run in parallel. A
    /// retry whose key is already known draws nothing: it gets its first answer back.
    public func register(
        _ appeal: ValidAppeal, channel: String, at now: Date, idempotency: IdempotentRequest?,
        photos: [PreparedPhoto] = []
    ) async throws -> RegistrationOutcome {
        let year = LocalDate(date: now, in: .kyiv).year
        var known = false
        if let idempotency {
            known = try await database.withConnection { try AppealRecords.isKnown(idempotency, on: $0) }
        }
        let sequence: Int? =
            known
            ? nil
            : try await database.withConnection { connection in
                try AppealRecords.drawSequence(year: year, on: connection)
            }
        return try await unitOfWork.run { tx in
            try AppealRecords.register(
                appeal, channel: channel, now: now, idempotency: idempotency, sequence: sequence, photos: photos,
                in: tx)
        }
    }

    /// Appeals as Open311 shows them. An appeal is published when it came through Open311 (the
    /// client published it itself) or its author asked to publish it, and it is not confidential.
    /// With `publishedOnly` (lists) every other appeal is absent; otherwise (lookup by number) it
    /// comes back with `published == false` and its text, place and coordinates left out here, so
    /// no renderer can show them by mistake.
    public func publicAppeals(
        numbers: [String], categories: [String], from start: Date?, to end: Date?, closed: Bool?,
        publishedOnly: Bool = true
    ) async throws -> [PublicAppeal] {
        let closedStatuses = PublicStatus.allCases.filter(\.isClosed).map(\.rawValue)
        let status: String? = closed.map { $0 ? "closed" : "open" }
        let open311 = AppealValidator.Channel.open311
        let rows = try await database.query(
            """
            SELECT registration_number, status, category, published, CASE WHEN published THEN body END, authority,
                   registered_at, updated_at, deadline::text, CASE WHEN published THEN location_address END,
                   CASE WHEN published THEN lat END, CASE WHEN published THEN lon END
            FROM (SELECT *, (NOT confidential AND (channel = \(open311) OR publication_consent)) AS published
                  FROM appeals) AS a
            WHERE (cardinality(\(numbers)::text[]) = 0 OR registration_number = ANY(\(numbers)::text[]))
              AND (NOT \(publishedOnly)::boolean OR published)
              AND (cardinality(\(categories)::text[]) = 0 OR category = ANY(\(categories)::text[]))
              AND (\(start)::timestamptz IS NULL OR registered_at >= \(start)::timestamptz)
              AND (\(end)::timestamptz IS NULL OR registered_at <= \(end)::timestamptz)
              AND (\(status)::text IS NULL OR (\(status)::text = 'closed') = (status = ANY(\(closedStatuses)::text[])))
            ORDER BY registered_at DESC LIMIT 1000
            """)
        return try rows.map { r in
            PublicAppeal(
                registrationNumber: try r.decode(0), status: try r.decode(1), category: try r.decode(2),
                published: try r.decode(3), text: try r.decode(4, as: String?.self),
                authority: try r.decode(5, as: String?.self), registeredAt: try r.decode(6),
                updatedAt: try r.decode(7),
                deadline: try r.decode(8, as: String?.self).flatMap(LocalDate.init(string:)),
                address: try r.decode(9, as: String?.self), lat: try r.decode(10, as: Double?.self),
                lon: try r.decode(11, as: Double?.self))
        }
    }
}

/// An appeal's public facts (Open311): never the author, a contact or the residence. Text, place
/// and coordinates only when `published`.
public struct PublicAppeal: Sendable, Equatable {
    public let registrationNumber: String, status: String, category: String, published: Bool, text: String?
    public let authority: String?, registeredAt: Date, updatedAt: Date, deadline: LocalDate?
    public let address: String?, lat: Double?, lon: Double?
}

/// The statements of a registration, on the caller's connection.
enum AppealRecords {
    static func register(
        _ appeal: ValidAppeal, channel: String, now: Date, idempotency: IdempotentRequest?, sequence: Int?,
        photos: [PreparedPhoto] = [], in tx: UnitOfWork.Transaction
    ) throws -> RegistrationOutcome {
        let connection = tx.connection
        if let idempotency, let earlier = try claim(idempotency, on: connection) {
            return earlier
        }
        let year = LocalDate(date: now, in: .kyiv).year
        let drawn = try sequence ?? drawSequence(year: year, on: connection)
        let authorKey = RepeatDetector.authorKeyHash(fullName: appeal.author.fullName, address: appeal.author.address)
        // Art. 8 sets no window: any earlier appeal of the author on the issue counts (the newest
        // `RepeatDetector.candidateLimit` of the category are compared).
        let candidates = try repeatCandidates(authorKey: authorKey, category: appeal.category, on: connection)
        let match = RepeatDetector.bestMatch(
            text: appeal.text, candidates: candidates.map { (number: $0.number, text: $0.text) })
        let earlier = candidates.first { $0.number == match }.map(\.earlier)
        let sameIssue = candidates.filter {
            RepeatDetector.similarity(appeal.text, $0.text) >= RepeatDetector.threshold
        }.map(\.earlier)
        let others = try otherAuthorsOnIssue(
            authorKey: authorKey, category: appeal.category, text: appeal.text, now: now, on: connection)
        let new = NewAppeal(
            appeal: appeal, channel: channel, sequence: drawn, registeredAt: now,
            trackingToken: TrackingCode.generate(),
            repeatOf: match, earlier: earlier, sameIssue: sameIssue, otherAuthorsOnIssue: others)
        try insert(new, on: connection)
        // Issue 15: the photos in the same transaction; the event carries their references only.
        try PhotoRecords.insert(photos, appealId: new.id, at: now, on: connection)
        var event = new.event
        event.photos = photos.isEmpty ? nil : photos.map(\.reference)
        try tx.publish(event, correlationId: new.id, occurredAt: now)
        let receipt = new.receipt
        if let idempotency {
            try connection.execute(
                """
                UPDATE idempotency_keys SET response = \(try idempotency.seal(receipt))
                WHERE centre_id = \(idempotency.centre) AND key = \(idempotency.storedKey)
                """)
        }
        return .registered(receipt)
    }

    /// Claims the key for this registration; when it was claimed before, the earlier outcome.
    static func claim(_ idempotency: IdempotentRequest, on connection: PostgresConnection) throws
        -> RegistrationOutcome?
    {
        let inserted = try connection.execute(
            """
            INSERT INTO idempotency_keys (centre_id, key, request_hash)
            VALUES (\(idempotency.centre), \(idempotency.storedKey), \(idempotency.requestHash)) ON CONFLICT DO NOTHING
            """)
        guard inserted == 0 else { return nil }
        guard
            let row = try connection.query(
                """
                SELECT request_hash, response FROM idempotency_keys
                WHERE centre_id = \(idempotency.centre) AND key = \(idempotency.storedKey)
                """
            ).first
        else { throw IntakeError(code: .idempotencyConflict) }
        guard idempotency.matches(storedRequestHash: try row.decode(0, as: String.self)) else { return .keyReused }
        guard let stored = try row.decode(1, as: String?.self) else { throw IntakeError(code: .idempotencyConflict) }
        return .replayed(try idempotency.open(stored))
    }

    /// Whether a registration with this idempotency key already exists (then no number is drawn).
    static func isKnown(_ idempotency: IdempotentRequest, on connection: PostgresConnection) throws -> Bool {
        try connection.query(
            "SELECT 1 FROM idempotency_keys WHERE centre_id = \(idempotency.centre) AND key = \(idempotency.storedKey)"
        ).first != nil
    }

    /// Draws the next number of `year` from the per-year counter. Run it outside the registering
    /// transaction (autocommit): the counter row is then locked only for this statement. Like a
    /// database sequence, a drawn number is never given out again; a registration that fails after
    /// drawing leaves a gap in the year's numbering (as a spoiled line in a paper journal).
    static func drawSequence(year: Int, on connection: PostgresConnection) throws -> Int {
        guard
            let sequence = try connection.query(
                """
                INSERT INTO registration_counter (year, last) VALUES (\(year), 1)
                ON CONFLICT (year) DO UPDATE SET last = registration_counter.last + 1 RETURNING last
                """
            ).first.map({ try $0.decode(0, as: Int.self) })
        else { throw IntakeError(code: .registrationFailed) }
        return sequence
    }

    /// The same author's appeals in the same category, newest first, with their state.
    static func repeatCandidates(
        authorKey: String, category: String, on connection: PostgresConnection
    ) throws -> [(number: String, text: String, earlier: Classification.Earlier)] {
        try connection.query(
            """
            SELECT registration_number, body, status, deadline::text FROM appeals
            WHERE author_key = \(authorKey) AND category = \(category)
            ORDER BY registered_at DESC LIMIT \(RepeatDetector.candidateLimit)
            """
        ).map { row in
            let number = try row.decode(0, as: String.self)
            let status = PublicStatus(rawValue: try row.decode(2, as: String.self)) ?? .registered
            let deadline = try row.decode(3, as: String?.self).flatMap(LocalDate.init(string:))
            return (
                number: number, text: try row.decode(1, as: String.self),
                earlier: Classification.Earlier(registrationNumber: number, status: status, deadline: deadline)
            )
        }
    }

    /// A value as JSON text for a jsonb column; nil (SQL NULL) for nil or an empty list.
    static func json<T: Encodable>(_ value: T?) throws -> String? {
        guard let value else { return nil }
        if let list = value as? [Any], list.isEmpty { return nil }
        return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func insert(_ new: NewAppeal, on connection: PostgresConnection) throws {
        let a = new.appeal
        let c = new.classifier
        try connection.execute(
            """
            INSERT INTO appeals (id, registration_number, registered_at, registered_on, channel, centre_id, assisted_by,
                kind, category, district, author_key, full_name, address, email, phone, preferred_language,
                benefit_category, subject, body, confidential, against, lat, lon, location_address, is_repeat,
                repeat_of, tracking_token_hash, status, updated_at, arrival, frequency, collective, social_category,
                duplicate_of, co_signers, representative, reception, received_on, entered_by, terms_start_on,
                publication_consent, registered_by)
            VALUES (\(new.id), \(new.registrationNumber), \(new.registeredAt), \(new.registeredOn.description)::date,
                \(new.channel), \(a.centreId), \(a.assistedBy), \(a.kind.rawValue), \(a.category), \(a.district),
                \(new.authorKey), \(a.author.fullName), \(a.author.address), \(a.author.email), \(a.author.phone),
                \(a.author.preferredLanguage.rawValue), \(a.author.benefitCategory), \(a.subject), \(a.text),
                \(a.confidential), \(a.against), \(a.location?.lat), \(a.location?.lon), \(a.location?.address),
                \(new.repeatOf != nil), \(new.repeatOf), \(TrackingCode.hash(new.trackingToken)),
                \(PublicStatus.registered.rawValue), \(new.registeredAt), \(c.arrival), \(c.frequency),
                \(!a.coSigners.isEmpty), \(c.socialCategory), \(c.duplicateOf), \(try json(a.coSigners))::jsonb,
                \(try json(a.representative))::jsonb, \(try json(a.reception))::jsonb,
                \(a.lateEntry?.receivedOn.description)::date, \(a.lateEntry?.enteredBy),
                \(new.termsStartOn.description)::date, \(a.publicationConsent), \(a.registeredBy))
            """
        )
        try connection.execute(
            """
            INSERT INTO appeal_history (appeal_id, event_type, status, note, occurred_at)
            VALUES (\(new.id), \(AppealRegistered.eventType), \(PublicStatus.registered.rawValue), \(new.historyNote),
                \(new.registeredAt))
            """
        )
    }
}
