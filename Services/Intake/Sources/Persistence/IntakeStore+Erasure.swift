import Foundation
import HromadaAPI
import HromadaContracts
import HromadaPostgres
import HromadaRuntime

/// Intake's side of erasing an appeal's personal data (issue 19, migrations 500–519): the
/// erasure record with its legal reason, the services' confirmations, the retention sweep's
/// query, and the statement that replaces the personal fields of intake's own rows (and the
/// accesses table the resident's statement reads, 502).
public enum IntakeErasureMigrations {
    public static let all: [Migration] = [
        ErasureTombstones.migration,
        Migration(
            version: 501, name: "erasures and their confirmations",
            sql: """
                CREATE TABLE erasures (
                    appeal_id           uuid        PRIMARY KEY,
                    registration_number text        NOT NULL UNIQUE,
                    trigger             text        NOT NULL CHECK (trigger IN ('retention', 'administrator')),
                    reason              text        NOT NULL,
                    decided_by          text        NOT NULL,
                    erased_at           timestamptz NOT NULL,
                    event_id            uuid        NOT NULL
                );
                CREATE INDEX erasures_erased_at ON erasures (erased_at DESC);
                CREATE TABLE erasure_confirmations (
                    appeal_id    uuid        NOT NULL,
                    service      text        NOT NULL,
                    confirmed_at timestamptz NOT NULL,
                    PRIMARY KEY (appeal_id, service)
                );
                -- The sweep's search: final appeals by the time of their last event.
                CREATE INDEX appeals_final_last_event ON appeals (last_event_at)
                    WHERE status IN ('closed', 'returned', 'not-considered');
                """),
        // The resident's statement (IntakeStore+Statement): who viewed the appeal's personal data,
        // from `personal-data.accessed` (no names: role, authority, purpose, service, time).
        Migration(
            version: 502, name: "accesses to an appeal's personal data",
            sql: """
                CREATE TABLE appeal_accesses (
                    event_id    uuid        PRIMARY KEY,
                    appeal_id   uuid        NOT NULL,
                    role        text        NOT NULL,
                    authority   text,
                    purpose     text        NOT NULL,
                    service     text        NOT NULL,
                    accessed_at timestamptz NOT NULL
                );
                CREATE INDEX appeal_accesses_appeal ON appeal_accesses (appeal_id, accessed_at);
                """),
        // The sweep keeps an appeal while a later repeat or duplicate of it is kept.
        Migration(
            version: 503, name: "later repeats and duplicates by the appeal they refer to",
            sql: """
                CREATE INDEX appeals_repeat_of ON appeals (repeat_of) WHERE repeat_of IS NOT NULL;
                CREATE INDEX appeals_duplicate_of ON appeals (duplicate_of) WHERE duplicate_of IS NOT NULL;
                """),
    ]
}

extension IntakeStore {
    /// The reason recorded for the sweep's erasures.
    static let retentionReason = "retention period ended (docs/RETENTION.md)"

    /// Replaces every personal field of the appeal's intake rows with the marker (or NULL where
    /// the column allows it) and forgets the receipts remembered for idempotent retries (they
    /// hold the tracking code). The benefit and social category go too: they say something about
    /// the person (the bus seals them). Category, kind, district, dates, status and the rest of the
    /// classifier stay: they are the anonymised facts statistics count.
    static func erasePersonalFields(appealId: UUID, registrationNumber: String, on connection: PostgresConnection)
        throws
    {
        let marker = ErasureTombstones.marker
        // The mass check's trigrams of the text are derived from it: they go with it (on other
        // replicas when their next check finds the appeal erased, `AppealRecords.candidates`).
        MassCandidateCache.shared.forget(appealId)
        try connection.execute(
            """
            UPDATE appeals SET
                full_name = \(marker), address = \(marker), email = NULL, phone = NULL, assisted_by = NULL,
                author_key = \(marker), subject = \(marker), body = \(marker),
                lat = NULL, lon = NULL, location_address = NULL, tracking_token_hash = \(marker),
                co_signers = NULL, representative = NULL, benefit_category = NULL, social_category = NULL,
                updated_at = now()
            WHERE id = \(appealId)
            """)
        // Issue 14: the answer's text and an extension's reason the tracking page shows go too.
        try connection.execute(
            "UPDATE appeal_history SET note = NULL, resident_text = NULL WHERE appeal_id = \(appealId)")
        // Issue 15: a dispute's reason is the resident's own words (SayStore).
        try eraseSay(appealId: appealId, on: connection)
        // Issue 15: the photo link an Open311 client sent may show the person or their home.
        try connection.execute("DELETE FROM open311_media WHERE registration_number = \(registrationNumber)")
        // Issue 15: the appeal's photos (image and thumbnail) go whole.
        try PhotoRecords.erase(appealId: appealId, on: connection)
        try connection.execute(
            "DELETE FROM idempotency_keys WHERE response IS NOT NULL AND strpos(response, \(registrationNumber)) > 0")
    }

    /// Erases one appeal in `transaction`: intake's own fields, the erasure record, the tombstone,
    /// `appeal.personal-data-erased` for the other services, and intake's own confirmation.
    static func erase(
        appealId: UUID, registrationNumber: String, trigger: ErasureTrigger, reason: String, decidedBy: String,
        at now: Date, in transaction: UnitOfWork.Transaction
    ) throws {
        let connection = transaction.connection
        try erasePersonalFields(appealId: appealId, registrationNumber: registrationNumber, on: connection)
        let erasure = AppealPersonalDataErased(
            appealId: appealId, registrationNumber: registrationNumber, trigger: trigger, erasedBy: decidedBy,
            erasedAt: now)
        let envelope = try transaction.publish(erasure, correlationId: appealId, occurredAt: now)
        try connection.execute(
            """
            INSERT INTO erasures (appeal_id, registration_number, trigger, reason, decided_by, erased_at, event_id)
            VALUES (\(appealId), \(registrationNumber), \(trigger.rawValue), \(reason), \(decidedBy), \(now),
                    \(envelope.id))
            """)
        try ErasureTombstones.record(
            appealId: appealId, registrationNumber: registrationNumber, erasedAt: now, eventId: envelope.id,
            on: connection)
        try ErasureGate.confirm(erasure, event: envelope, in: transaction, at: now)
        try recordConfirmation(appealId: appealId, service: transaction.producer, at: now, on: connection)
        ErasureTombstones.applied(by: transaction.producer).increment()
    }

    /// A service's confirmation (idempotent).
    static func recordConfirmation(appealId: UUID, service: String, at date: Date, on connection: PostgresConnection)
        throws
    {
        try connection.execute(
            """
            INSERT INTO erasure_confirmations (appeal_id, service, confirmed_at)
            VALUES (\(appealId), \(service), \(date))
            ON CONFLICT (appeal_id, service) DO NOTHING
            """)
    }

    /// The administrator's erasure of one appeal: refused while it is open (unless `evenIfOpen`:
    /// an erasure decided before a restore, applied again); the existing record when it was
    /// erased before.
    func eraseByAdministrator(
        registrationNumber: String, decision: ErasureDecision, evenIfOpen: Bool = false, at now: Date
    ) async throws -> Result<ErasureJSON.Status, ErasureRefusal> {
        try await unitOfWork.run { transaction -> Result<ErasureJSON.Status, ErasureRefusal> in
            let connection = transaction.connection
            guard
                let row = try connection.query(
                    "SELECT id, status FROM appeals WHERE registration_number = \(registrationNumber) FOR UPDATE"
                ).first
            else { return .failure(.unknownAppeal) }
            let appealId = try row.decode(0, as: UUID.self)
            if var existing = try Self.erasureStatus(registrationNumber: registrationNumber, on: connection) {
                existing.erasedNow = false
                return .success(existing)
            }
            let status = PublicStatus(rawValue: try row.decode(1, as: String.self)) ?? .registered
            guard evenIfOpen || RetentionPolicy.isFinal(status) else { return .failure(.stillOpen(status: status)) }
            try Self.erase(
                appealId: appealId, registrationNumber: registrationNumber, trigger: .administrator,
                reason: decision.reason, decidedBy: decision.decidedBy, at: now, in: transaction)
            guard var created = try Self.erasureStatus(registrationNumber: registrationNumber, on: connection) else {
                throw PermanentEventError("erasure record vanished")
            }
            created.erasedNow = true
            return .success(created)
        }
    }

    /// One sweep batch: erases up to `limit` final appeals closed before `closedBefore` that are
    /// not erased yet, in one transaction. An appeal that a later repeat or duplicate refers to is
    /// kept as long as that one is (the standard list: repeated appeals are kept 5 years after the
    /// last). Rows another replica is erasing are skipped (`SKIP
    /// LOCKED`); a crash rolls the batch back and the next sweep finds the same appeals again.
    /// Returns how many rows the batch locked and how many of those it erased (fewer when another
    /// sweep erased some meanwhile).
    func sweepRetention(closedBefore: Date, limit: Int, at now: Date) async throws -> (locked: Int, erased: Int) {
        let statuses = RetentionPolicy.finalStatuses.map(\.rawValue).sorted()
        return try await unitOfWork.run { transaction -> (locked: Int, erased: Int) in
            let rows = try transaction.connection.query(
                """
                SELECT a.id, a.registration_number FROM appeals a
                WHERE a.status = ANY(\(statuses)) AND a.last_event_at < \(closedBefore)
                  AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.appeal_id = a.id)
                  AND NOT EXISTS (
                      SELECT 1 FROM appeals later
                      WHERE (later.repeat_of = a.registration_number OR later.duplicate_of = a.registration_number)
                        AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.appeal_id = later.id)
                        AND NOT (later.status = ANY(\(statuses)) AND later.last_event_at < \(closedBefore)))
                ORDER BY a.last_event_at
                LIMIT \(limit)
                FOR UPDATE OF a SKIP LOCKED
                """)
            let locked = try rows.map {
                (id: try $0.decode(0, as: UUID.self), number: try $0.decode(1, as: String.self))
            }
            // Read committed: a sweep that committed an appeal's erasure after this query took its
            // snapshot, but before it reached the row, is invisible to the NOT EXISTS above; the row
            // was free again, so it was locked. A new statement sees those erasures; without it the
            // second sweep erased again and failed on erasures' key (23505).
            let ids = locked.map(\.id)
            let done = Set(
                try transaction.connection.query("SELECT appeal_id FROM erasures WHERE appeal_id = ANY(\(ids))")
                    .map { try $0.decode(0, as: UUID.self) })
            let pending = locked.filter { !done.contains($0.id) }
            for appeal in pending {
                try Self.erase(
                    appealId: appeal.id, registrationNumber: appeal.number, trigger: .retention,
                    reason: Self.retentionReason, decidedBy: "retention", at: now, in: transaction)
            }
            return (locked.count, pending.count)
        }
    }

    /// After a restore (docs/RETENTION.md, "Backups"): erases intake's rows again and publishes a
    /// fresh `appeal.personal-data-erased` for every recorded erasure from `after` (the appeal
    /// id to continue after; nil: the first), up to `limit` of them, in one transaction, so that
    /// every restored service erases again and confirms. Returns the last appeal id handled (nil:
    /// none left).
    func republishErasures(after: UUID?, limit: Int, at now: Date) async throws -> (count: Int, last: UUID?) {
        try await unitOfWork.run { transaction -> (count: Int, last: UUID?) in
            let start = after ?? UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
            let rows = try transaction.connection.query(
                """
                SELECT appeal_id, registration_number, trigger, decided_by, erased_at FROM erasures
                WHERE appeal_id > \(start) ORDER BY appeal_id LIMIT \(limit)
                """)
            var last: UUID?
            for row in rows {
                let appealId = try row.decode(0, as: UUID.self)
                let number = try row.decode(1, as: String.self)
                let trigger = ErasureTrigger(rawValue: try row.decode(2, as: String.self)) ?? .administrator
                try Self.erasePersonalFields(appealId: appealId, registrationNumber: number, on: transaction.connection)
                try ErasureTombstones.record(
                    appealId: appealId, registrationNumber: number, erasedAt: try row.decode(4, as: Date.self),
                    eventId: nil, on: transaction.connection)
                try transaction.publish(
                    AppealPersonalDataErased(
                        appealId: appealId, registrationNumber: number, trigger: trigger,
                        erasedBy: try row.decode(3, as: String.self), erasedAt: try row.decode(4, as: Date.self)),
                    correlationId: appealId, occurredAt: now)
                last = appealId
            }
            return (rows.count, last)
        }
    }

    /// One appeal's erasure status, nil when it was not erased.
    func erasureStatus(registrationNumber: String) async throws -> ErasureJSON.Status? {
        try await database.withConnection { try Self.erasureStatus(registrationNumber: registrationNumber, on: $0) }
    }

    /// The newest erasures first (`waiting`: only those some service has not confirmed yet;
    /// `true` … complete ones; nil: all), with the overall counts.
    func erasures(waiting: Bool?, limit: Int) async throws -> ErasureJSON.List {
        let expected = AppealPersonalDataErasureConfirmed.expectedServices
        return try await database.withConnection { connection in
            let filter: String
            switch waiting {
            case .none: filter = ""
            case .some(true): filter = "HAVING count(DISTINCT c.service) FILTER (WHERE c.service = ANY($1)) < $2"
            case .some(false): filter = "HAVING count(DISTINCT c.service) FILTER (WHERE c.service = ANY($1)) >= $2"
            }
            var query = PostgresQuery(
                stringLiteral: Self.statusSelect + " GROUP BY e.appeal_id \(filter) "
                    + "ORDER BY e.erased_at DESC LIMIT $3")
            query.binds = [PostgresBind(expected), PostgresBind(expected.count), PostgresBind(limit)]
            let rows = try connection.query(query)
            let erasures = try rows.map(Self.status)
            let counts = try connection.query(
                """
                SELECT count(*) FILTER (WHERE n >= \(expected.count)), count(*) FILTER (WHERE n < \(expected.count))
                FROM (SELECT count(DISTINCT c.service) FILTER (WHERE c.service = ANY(\(expected))) AS n
                      FROM erasures e LEFT JOIN erasure_confirmations c ON c.appeal_id = e.appeal_id
                      GROUP BY e.appeal_id) AS progress
                """
            ).first
            return ErasureJSON.List(
                erasures: erasures, complete: Int(try counts?.decode(0, as: Int64.self) ?? 0),
                waiting: Int(try counts?.decode(1, as: Int64.self) ?? 0))
        }
    }

    static let statusSelect = """
        SELECT e.registration_number, e.trigger, e.reason, e.decided_by, e.erased_at,
               COALESCE(array_agg(c.service ORDER BY c.service) FILTER (WHERE c.service IS NOT NULL), '{}')
        FROM erasures e LEFT JOIN erasure_confirmations c ON c.appeal_id = e.appeal_id
        """

    static func erasureStatus(registrationNumber: String, on connection: PostgresConnection) throws -> ErasureJSON
        .Status?
    {
        var query = PostgresQuery(
            stringLiteral: statusSelect + " WHERE e.registration_number = $1 GROUP BY e.appeal_id")
        query.binds = [PostgresBind(registrationNumber)]
        return try connection.query(query).first.map(status)
    }

    static func status(_ row: PostgresRow) throws -> ErasureJSON.Status {
        let confirmed = try row.decode(5, as: [String].self)
        let waiting = AppealPersonalDataErasureConfirmed.expectedServices.filter { !confirmed.contains($0) }.sorted()
        return ErasureJSON.Status(
            registrationNumber: try row.decode(0, as: String.self), trigger: try row.decode(1, as: String.self),
            reason: try row.decode(2, as: String.self), decidedBy: try row.decode(3, as: String.self),
            erasedAt: try row.decode(4, as: Date.self), confirmed: confirmed, waiting: waiting)
    }
}
