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
    ///
    /// The repeat and mass checks only read: their candidates are read on the same pooled
    /// connection right after the draw, and compared after it is back in the pool, so no
    /// connection is held while comparing and the transaction holds only the writes. Under READ
    /// COMMITTED the transaction would see the same committed appeals a moment later; what was
    /// found is what is stored with the appeal and published.
    public func register(
        _ appeal: ValidAppeal, channel: String, at now: Date, idempotency: IdempotentRequest?,
        photos: [PreparedPhoto] = []
    ) async throws -> RegistrationOutcome {
        let year = LocalDate(date: now, in: .kyiv).year
        let mine = RepeatDetector.Trigrams(appeal.text)
        let cache = MassCandidateCache.shared
        let read = try await database.withConnection { connection -> (sequence: Int, AppealRecords.Candidates)? in
            guard let sequence = try AppealRecords.drawSequence(year: year, unlessKnown: idempotency, on: connection)
            else { return nil }
            return (
                sequence, try AppealRecords.candidates(of: appeal, text: mine, now: now, cache: cache, on: connection)
            )
        }
        let prepared = read.map { read in
            (sequence: read.sequence, checks: RegistrationChecks(text: mine, candidates: read.1, cache: cache))
        }
        let outcome = try await unitOfWork.run { tx in
            try AppealRecords.register(
                appeal, channel: channel, now: now, idempotency: idempotency, prepared: prepared, photos: photos,
                in: tx)
        }
        if case .registered(let receipt) = outcome, let packed = mine.packedForm {
            cache.insert(packed, for: receipt.id)
        }
        return outcome
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
    /// Writes the registration in `tx`. `prepared` is the number drawn and the checks found before
    /// the transaction (`IntakeStore.register`); nil when the idempotency key was known then, and
    /// the key's first outcome is returned — unless the key has gone since (expired), when the
    /// number is drawn and the checks are made here, as before.
    static func register(
        _ appeal: ValidAppeal, channel: String, now: Date, idempotency: IdempotentRequest?,
        prepared: (sequence: Int, checks: RegistrationChecks)?, photos: [PreparedPhoto] = [],
        in tx: UnitOfWork.Transaction
    ) throws -> RegistrationOutcome {
        let connection = tx.connection
        let new: NewAppeal
        if let prepared {
            new = newAppeal(appeal, channel: channel, now: now, sequence: prepared.sequence, checks: prepared.checks)
            // The key and its answer in one statement (the answer is known before anything is written).
            if let idempotency, let earlier = try claim(idempotency, response: new.receipt, on: connection) {
                return earlier
            }
        } else {
            if let idempotency, let earlier = try claim(idempotency, response: nil, on: connection) {
                return earlier
            }
            let year = LocalDate(date: now, in: .kyiv).year
            let drawn = try drawSequence(year: year, on: connection)
            let mine = RepeatDetector.Trigrams(appeal.text)
            let candidates = try candidates(of: appeal, text: mine, now: now, cache: .shared, on: connection)
            new = newAppeal(
                appeal, channel: channel, now: now, sequence: drawn,
                checks: RegistrationChecks(text: mine, candidates: candidates, cache: .shared))
            if let idempotency {
                try connection.execute(
                    """
                    UPDATE idempotency_keys SET response = \(try idempotency.seal(new.receipt))
                    WHERE centre_id = \(idempotency.centre) AND key = \(idempotency.storedKey)
                    """)
            }
        }
        try insert(new, on: connection)
        // Issue 15: the photos in the same transaction; the event carries their references only.
        try PhotoRecords.insert(photos, appealId: new.id, at: now, on: connection)
        var event = new.event
        event.photos = photos.isEmpty ? nil : photos.map(\.reference)
        try tx.publish(event, correlationId: new.id, occurredAt: now)
        return .registered(new.receipt)
    }

    static func newAppeal(
        _ appeal: ValidAppeal, channel: String, now: Date, sequence: Int, checks: RegistrationChecks
    ) -> NewAppeal {
        NewAppeal(
            appeal: appeal, channel: channel, sequence: sequence, registeredAt: now,
            trackingToken: TrackingCode.generate(), repeatOf: checks.repeatOf, earlier: checks.earlier,
            sameIssue: checks.sameIssue, otherAuthorsOnIssue: checks.otherAuthorsOnIssue)
    }

    /// Claims the key for this registration, storing `response` (the sealed receipt) with it when
    /// given; when it was claimed before, the earlier outcome. A concurrent registration with the
    /// same key waits on the key's row until that one commits or rolls back.
    static func claim(
        _ idempotency: IdempotentRequest, response: RegistrationReceipt?, on connection: PostgresConnection
    ) throws -> RegistrationOutcome? {
        let sealed = try response.map { try idempotency.seal($0) }
        let inserted = try connection.execute(
            """
            INSERT INTO idempotency_keys (centre_id, key, request_hash, response)
            VALUES (\(idempotency.centre), \(idempotency.storedKey), \(idempotency.requestHash), \(sealed))
            ON CONFLICT DO NOTHING
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

    /// `drawSequence`, in one statement with the check that `idempotency`'s key is not known yet:
    /// nil (nothing drawn) when it is — a retry gets its first answer back.
    static func drawSequence(
        year: Int, unlessKnown idempotency: IdempotentRequest?, on connection: PostgresConnection
    ) throws -> Int? {
        guard let idempotency else { return try drawSequence(year: year, on: connection) }
        return try connection.query(
            """
            INSERT INTO registration_counter (year, last)
            SELECT \(year), 1 WHERE NOT EXISTS (
                SELECT 1 FROM idempotency_keys
                WHERE centre_id = \(idempotency.centre) AND key = \(idempotency.storedKey))
            ON CONFLICT (year) DO UPDATE SET last = registration_counter.last + 1 RETURNING last
            """
        ).first.map { try $0.decode(0, as: Int.self) }
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

    /// A value as JSON text for a jsonb column; nil (SQL NULL) for nil or an empty list.
    static func json<T: Encodable>(_ value: T?) throws -> String? {
        guard let value else { return nil }
        if let list = value as? [Any], list.isEmpty { return nil }
        return String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// The appeal row and its first history entry, in one statement.
    static func insert(_ new: NewAppeal, on connection: PostgresConnection) throws {
        let a = new.appeal
        let c = new.classifier
        try connection.execute(
            """
            WITH appeal AS (
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
                RETURNING id)
            INSERT INTO appeal_history (appeal_id, event_type, status, note, occurred_at)
            SELECT id, \(AppealRegistered.eventType), \(PublicStatus.registered.rawValue), \(new.historyNote),
                \(new.registeredAt)
            FROM appeal
            """
        )
    }
}
