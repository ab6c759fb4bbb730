import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import Metrics

/// The log's store, the only place with SQL: appending (the single chain writer), checkpoints,
/// keys, trail and export queries. The `static` functions run synchronously on a connection
/// inside the caller's transaction (the consumer's batch); the instance answers the HTTP API.
struct AuditStore: AuditQueries {
    /// Every write goes through it: one transaction, the relay woken after the commit.
    let work: UnitOfWork
    let settings: AuditSettings

    var database: PostgresClient { work.database }

    /// Correlation id of the chain's own events (`audit.checkpoint`), which belong to no appeal.
    static let chainCorrelationId = UUID(uuidString: "00000000-0000-4000-8000-00000000a0d1")!

    static let appended = Counter(label: "hromada_audit_appended_total")
    static let checkpointsCreated = Counter(label: "hromada_audit_checkpoints_total")

    /// Locks the chain head: whoever holds this row lock is the only chain writer until its
    /// transaction ends (two replicas serialise here).
    static func lockHead(on connection: PostgresConnection) throws -> ChainHead {
        guard let row = try connection.query("SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE").first else {
            throw AuditError(code: .corruptEntry, reason: "chain head row is missing")
        }
        return ChainHead(sequence: try row.decode(0, as: Int64.self), hash: try row.decode(1, as: [UInt8].self))
    }

    /// Appends `envelope` to the chain (a batch of one). Returns its sequence, or nil if that
    /// event id is already in the log (a redelivery the inbox no longer remembers).
    @discardableResult
    static func append(
        _ envelope: Envelope, settings: AuditSettings, in transaction: UnitOfWork.Transaction
    ) throws -> Int64? {
        try append(batch: [envelope], settings: settings, in: transaction).entries.first?.sequence
    }

    /// Appends a consumer batch's events, in their order, as the single chain writer. Round trips,
    /// whatever the batch's size: lock the head; read what the log knows of the batch (appeal
    /// numbers, keys, event ids already logged) while mapping the new appeals; write the keys the
    /// batch creates or destroys (only if any); insert every entry and move the head. The hashes
    /// are computed here (`ChainBatch`, `AuditEntry.make`) between the reads and the writes,
    /// all inside the caller's transaction: a crash anywhere leaves the chain as it was, and a
    /// second replica waits on the head's row lock until the commit, then reads the new head.
    /// Returns the plan: the entries appended and their envelopes (not those already logged).
    @discardableResult
    static func append(
        batch envelopes: [Envelope], settings: AuditSettings, in transaction: UnitOfWork.Transaction
    ) throws -> ChainBatch {
        let connection = transaction.connection
        // Its own statement: under READ COMMITTED the reads below then see what the previous
        // holder of the lock committed (a statement that waited for the lock would not).
        let head = try lockHead(on: connection)
        let lookups = ChainBatch.lookups(for: envelopes)
        let known = try readKnown(lookups, on: connection)
        let batch = try ChainBatch(envelopes, after: head, known: known, newKey: { AES256GCM.generateKey() })
        try writeKeys(created: batch.createdKeys, destroyed: batch.destroyedKeys, on: connection)
        guard !batch.entries.isEmpty else { return batch }
        try insert(batch.entries, movingHeadFrom: head, recordedAt: settings.clock(), on: connection)
        appended.increment(by: batch.entries.count)
        let policy = CheckpointPolicy(every: settings.checkpointEvery)
        for (entry, envelope) in zip(batch.entries, batch.appended) where policy.isDue(afterAppending: entry.sequence) {
            try createCheckpoint(head: entry.head, causationId: envelope.id, settings: settings, in: transaction)
        }
        return batch
    }

    /// One statement: maps the batch's appeals to their registration numbers (first number wins)
    /// and reads, from the snapshot before that, the numbers, keys and logged event ids the batch
    /// needs. `ChainBatch` replays the mapping in batch order, so an event sees exactly the
    /// numbers the events before it had mapped.
    static func readKnown(_ lookups: ChainBatch.Lookups, on connection: PostgresConnection) throws -> ChainBatch.Known {
        let rows = try connection.query(
            """
            WITH mapped AS (
                INSERT INTO appeals (correlation_id, registration_number)
                SELECT * FROM unnest(\(lookups.mapped.map(\.0))::uuid[], \(lookups.mapped.map(\.1))::text[])
                ON CONFLICT (correlation_id) DO NOTHING)
            SELECT 'number', correlation_id, registration_number, NULL::bytea FROM appeals
            WHERE correlation_id = ANY(\(lookups.numbersOf))
            UNION ALL
            SELECT CASE WHEN key IS NULL THEN 'erased' ELSE 'key' END, correlation_id, NULL, key FROM appeal_keys
            WHERE correlation_id = ANY(\(lookups.keysOf))
            UNION ALL
            SELECT 'logged', event_id, NULL, NULL FROM log WHERE event_id = ANY(\(lookups.eventIds))
            """)
        var known = ChainBatch.Known()
        for row in rows {
            let id = try row.decode(1, as: UUID.self)
            switch try row.decode(0, as: String.self) {
            case "number": known.numbers[id] = try row.decode(2, as: String.self)
            case "key": known.keys[id] = .live(try row.decode(3, as: [UInt8].self))
            case "erased": known.keys[id] = .erased
            default: known.logged.insert(id)
            }
        }
        return known
    }

    /// One statement (none when there is nothing to write): stores the keys the batch created and
    /// marks the destroyed ones erased (a live key loses its bytes; an appeal without a row gets a
    /// tombstone; one already erased keeps its first erasure time), as `destroyKeys` does.
    static func writeKeys(
        created: [(UUID, [UInt8])], destroyed: [(UUID, Date)], on connection: PostgresConnection
    ) throws {
        guard !created.isEmpty || !destroyed.isEmpty else { return }
        let createdIds = created.map(\.0)
        let createdKeys = ByteaArray(created.map(\.1))
        let destroyedIds = destroyed.map(\.0)
        let erasedAt = try destroyed.map { try $0.1.encodePostgresText() ?? "" }
        let stored = try connection.query(
            """
            WITH created AS (
                INSERT INTO appeal_keys (correlation_id, key)
                SELECT * FROM unnest(\(createdIds)::uuid[], \(createdKeys)::bytea[])
                ON CONFLICT (correlation_id) DO NOTHING
                RETURNING 1),
            destroyed AS (
                INSERT INTO appeal_keys (correlation_id, key, erased_at)
                SELECT id, NULL, at::timestamptz FROM unnest(\(destroyedIds)::uuid[], \(erasedAt)::text[]) AS d(id, at)
                ON CONFLICT (correlation_id) DO UPDATE SET key = NULL, erased_at = EXCLUDED.erased_at
                WHERE appeal_keys.key IS NOT NULL)
            SELECT count(*)::bigint FROM created
            """
        ).first?.decode(0, as: Int64.self)
        // Only this writer creates keys, under the head's lock; a row that appeared since the read
        // is an erasure through the API in between. The batch sealed fields with a key that was
        // not stored: undo it all, the consumer tries again and then finds the tombstone.
        guard stored == Int64(created.count) else {
            throw AuditError(code: .concurrentChange, reason: "an appeal key was written while a batch was appended")
        }
    }

    /// One statement: inserts the entries (consecutive sequences after `head`) and moves the head
    /// to the last one, only if the head is still `head` and every entry went in; else it throws
    /// and the transaction is rolled back (no gap, no fork).
    static func insert(
        _ entries: [AuditEntry], movingHeadFrom head: ChainHead, recordedAt: Date, on connection: PostgresConnection
    ) throws {
        guard let last = entries.last else { return }
        let sequences = entries.map(\.sequence)
        let eventIds = entries.map(\.eventId)
        let types = entries.map(\.type)
        let correlationIds = entries.map(\.correlationId)
        // text[] has no NULL element here: a flag says which entries have a number.
        let numbered = entries.map { $0.registrationNumber != nil }
        let numbers = entries.map { $0.registrationNumber ?? "" }
        let actors = entries.map(\.actor)
        let occurredAt = try entries.map { try $0.occurredAt.encodePostgresText() ?? "" }
        let stored = ByteaArray(entries.map(\.stored))
        let prevHashes = ByteaArray(entries.map(\.prevHash))
        let hashes = ByteaArray(entries.map(\.hash))
        let counts = try connection.query(
            """
            WITH entry AS (
                INSERT INTO log (seq, event_id, event_type, correlation_id, registration_number, actor, occurred_at,
                                 recorded_at, stored, prev_hash, hash)
                SELECT seq, event_id, event_type, correlation_id, CASE WHEN numbered THEN number END, actor,
                       occurred_at::timestamptz, \(recordedAt), stored, prev_hash, hash
                FROM unnest(\(sequences)::bigint[], \(eventIds)::uuid[], \(types)::text[], \(correlationIds)::uuid[],
                            \(numbered)::bool[], \(numbers)::text[], \(actors)::text[], \(occurredAt)::text[],
                            \(stored)::bytea[], \(prevHashes)::bytea[], \(hashes)::bytea[])
                    AS e(seq, event_id, event_type, correlation_id, numbered, number, actor, occurred_at, stored,
                         prev_hash, hash)
                RETURNING 1),
            moved AS (
                UPDATE chain_head SET seq = \(last.sequence), hash = \(last.hash), updated_at = now()
                WHERE id = 1 AND seq = \(head.sequence) AND hash = \(head.hash)
                RETURNING 1)
            SELECT (SELECT count(*) FROM entry)::bigint, (SELECT count(*) FROM moved)::bigint
            """
        ).first
        let inserted = try counts?.decode(0, as: Int64.self)
        let moved = try counts?.decode(1, as: Int64.self)
        guard inserted == Int64(entries.count), moved == 1 else {
            throw AuditError(code: .concurrentChange, reason: "the chain head moved while a batch was appended")
        }
    }

    /// Destroys the keys of `correlationIds` (idempotent). A key that never existed is recorded as
    /// erased, so later events of that appeal store no personal data. Returns how many live keys
    /// were destroyed.
    @discardableResult
    static func destroyKeys(_ correlationIds: [UUID], at date: Date, on connection: PostgresConnection) throws -> Int {
        var destroyed = 0
        for id in correlationIds {
            destroyed += try connection.execute(
                """
                UPDATE appeal_keys SET key = NULL, erased_at = \(date)
                WHERE correlation_id = \(id) AND key IS NOT NULL
                """)
            try connection.execute(
                """
                INSERT INTO appeal_keys (correlation_id, key, erased_at) VALUES (\(id), NULL, \(date))
                ON CONFLICT (correlation_id) DO NOTHING
                """)
        }
        return destroyed
    }

    /// Records a checkpoint of the head and publishes it (outbox) as `audit.checkpoint`.
    static func createCheckpoint(
        head: ChainHead, causationId: UUID?, settings: AuditSettings, in transaction: UnitOfWork.Transaction
    ) throws {
        let now = settings.clock()
        let event = AuditCheckpoint(
            sequence: head.sequence, headHash: Hex.encode(head.hash), entries: head.sequence, createdAt: now)
        let envelope = try transaction.publish(
            event, correlationId: chainCorrelationId, causationId: causationId, occurredAt: now)
        try transaction.connection.execute(
            """
            INSERT INTO checkpoints (seq, hash, entries, event_id, created_at)
            VALUES (\(head.sequence), \(head.hash), \(head.sequence), \(envelope.id), \(now))
            ON CONFLICT (seq) DO NOTHING
            """)
        checkpointsCreated.increment()
    }

    /// A timed checkpoint, when `CheckpointPolicy.isTimedCheckpointDue` says so.
    @discardableResult
    static func checkpointIfAdvanced(settings: AuditSettings, in transaction: UnitOfWork.Transaction) throws -> Bool {
        let connection = transaction.connection
        let head = try lockHead(on: connection)
        let last =
            try connection.query("SELECT COALESCE(max(seq), 0)::bigint FROM checkpoints")
            .first?.decode(0, as: Int64.self) ?? 0
        let fresh =
            try connection.query(
                "SELECT count(*)::bigint FROM log WHERE seq > \(last) AND event_type <> \(AuditCheckpoint.eventType)"
            ).first?.decode(0, as: Int64.self) ?? 0
        guard
            CheckpointPolicy.isTimedCheckpointDue(
                head: head.sequence, lastCheckpoint: last, freshEntriesSinceLast: fresh)
        else { return false }
        try createCheckpoint(head: head, causationId: nil, settings: settings, in: transaction)
        return true
    }

    static func checkpoints(on connection: PostgresConnection) throws -> [AuditCheckpointRecord] {
        try connection.query("SELECT seq, hash, entries, event_id, created_at FROM checkpoints ORDER BY seq").map {
            row in
            AuditCheckpointRecord(
                sequence: try row.decode(0, as: Int64.self), headHash: Hex.encode(try row.decode(1, as: [UInt8].self)),
                entries: try row.decode(2, as: Int64.self), eventId: try row.decode(3, as: UUID.self),
                createdAt: try row.decode(4, as: Date.self))
        }
    }

    /// The correlation ids (appeal ids) known for a registration number.
    static func correlationIds(registrationNumber: String, on connection: PostgresConnection) throws -> [UUID] {
        try connection.query(
            """
            SELECT correlation_id FROM appeals WHERE registration_number = \(registrationNumber)
            UNION SELECT DISTINCT correlation_id FROM log WHERE registration_number = \(registrationNumber)
            """
        ).map { try $0.decode(0, as: UUID.self) }
    }

    /// Every entry of the appeal in chain order, personal fields decrypted while the key exists.
    static func trail(registrationNumber: String, on connection: PostgresConnection) throws -> [AuditTrailEntry] {
        let ids = try correlationIds(registrationNumber: registrationNumber, on: connection)
        guard !ids.isEmpty else { return [] }
        var keys: [UUID: [UInt8]] = [:]
        for row in try connection.query(
            "SELECT correlation_id, key FROM appeal_keys WHERE correlation_id = ANY(\(ids)) AND key IS NOT NULL")
        {
            keys[try row.decode(0, as: UUID.self)] = try row.decode(1, as: [UInt8].self)
        }
        let rows = try connection.query(
            """
            SELECT seq, event_id, event_type, correlation_id, occurred_at, recorded_at, actor, hash, stored
            FROM log WHERE correlation_id = ANY(\(ids)) OR registration_number = \(registrationNumber) ORDER BY seq
            """
        )
        return try rows.map { row in
            let eventId = try row.decode(1, as: UUID.self)
            let type = try row.decode(2, as: String.self)
            let correlationId = try row.decode(3, as: UUID.self)
            let payload = try AuditEntry.revealedPayload(
                stored: try row.decode(8, as: [UInt8].self), type: type, eventId: eventId, key: keys[correlationId])
            return AuditTrailEntry(
                sequence: try row.decode(0, as: Int64.self), eventId: eventId, type: type, correlationId: correlationId,
                occurredAt: try row.decode(4, as: Date.self), recordedAt: try row.decode(5, as: Date.self),
                actor: try row.decode(6, as: String.self), hash: Hex.encode(try row.decode(7, as: [UInt8].self)),
                payload: payload)
        }
    }

    /// Up to `limit` stored entries from `sequence` on, for JSON Lines export.
    static func exportPage(from sequence: Int64, limit: Int, on connection: PostgresConnection) throws
        -> [AuditExportLine]
    {
        try connection.query(
            """
            SELECT seq, event_id, event_type, correlation_id, registration_number, actor, occurred_at, recorded_at,
                   prev_hash, hash, stored
            FROM log WHERE seq >= \(sequence) ORDER BY seq LIMIT \(limit)
            """
        ).map { row in
            AuditExportLine(
                sequence: try row.decode(0, as: Int64.self), eventId: try row.decode(1, as: UUID.self),
                type: try row.decode(2, as: String.self), correlationId: try row.decode(3, as: UUID.self),
                registrationNumber: try row.decode(4, as: String?.self), actor: try row.decode(5, as: String.self),
                occurredAt: try row.decode(6, as: Date.self), recordedAt: try row.decode(7, as: Date.self),
                prevHash: Hex.encode(try row.decode(8, as: [UInt8].self)),
                hash: Hex.encode(try row.decode(9, as: [UInt8].self)),
                stored: String(decoding: try row.decode(10, as: [UInt8].self), as: UTF8.self))
        }
    }

    /// Recomputes the whole chain from one snapshot (call inside a REPEATABLE READ transaction),
    /// streaming `pageSize` rows per query.
    static func verify(pageSize: Int, extraCheckpoints: [CheckpointMark], on connection: PostgresConnection) throws
        -> AuditVerification
    {
        var marks = extraCheckpoints
        for row in try connection.query("SELECT seq, hash FROM checkpoints") {
            marks.append(
                CheckpointMark(sequence: try row.decode(0, as: Int64.self), hash: try row.decode(1, as: [UInt8].self)))
        }
        let headSequence = try connection.query("SELECT seq FROM chain_head WHERE id = 1").first?.decode(
            0, as: Int64.self)
        var verifier = ChainVerifier(checkpoints: marks)
        var after: Int64 = Int64.min
        paging: while true {
            let rows = try connection.query(
                "SELECT seq, prev_hash, hash, stored FROM log WHERE seq > \(after) ORDER BY seq LIMIT \(pageSize)"
            )
            if rows.isEmpty { break }
            for row in rows {
                let chainRow = ChainRow(
                    sequence: try row.decode(0, as: Int64.self), prevHash: try row.decode(1, as: [UInt8].self),
                    hash: try row.decode(2, as: [UInt8].self), stored: try row.decode(3, as: [UInt8].self))
                after = chainRow.sequence
                if !verifier.feed(chainRow) { break paging }
            }
            if rows.count < pageSize { break }
        }
        verifier.finish(head: headSequence)
        let entries = try connection.query("SELECT count(*)::bigint FROM log").first?.decode(0, as: Int64.self) ?? 0
        return AuditVerification(
            ok: !verifier.isBroken, entries: entries, firstBadSequence: verifier.firstBadSequence,
            reason: verifier.reason?.rawValue, checkpointsChecked: Set(marks.map(\.sequence)).count,
            headSequence: headSequence ?? 0)
    }
}

// MARK: - What the HTTP API asks

extension AuditStore {
    func verify(extraCheckpoints: [CheckpointMark]) async throws -> AuditVerification {
        let pageSize = settings.verifyPageSize
        return try await database.withTransaction(isolation: .repeatableRead) { connection in
            try Self.verify(pageSize: pageSize, extraCheckpoints: extraCheckpoints, on: connection)
        }
    }

    func checkpoints() async throws -> [AuditCheckpointRecord] {
        try await database.withConnection { try Self.checkpoints(on: $0) }
    }

    func readTrail(registrationNumber: String, actorId: String) async throws -> [AuditTrailEntry]? {
        let clock = settings.clock
        return try await work.run { transaction -> [AuditTrailEntry]? in
            let entries = try Self.trail(registrationNumber: registrationNumber, on: transaction.connection)
            let registered = entries.first { $0.type == AppealRegistered.eventType }
            guard let appealId = registered?.correlationId ?? entries.first?.correlationId else { return nil }
            let now = clock()
            try transaction.publish(
                PersonalDataAccessed(
                    appealId: appealId, registrationNumber: registrationNumber, actorId: actorId,
                    actorRole: "administrator", purpose: "audit.trail", service: transaction.producer, accessedAt: now),
                correlationId: appealId, occurredAt: now)
            return entries
        }
    }

    func erase(registrationNumber: String, actorId: String) async throws -> AuditErasure? {
        let clock = settings.clock
        return try await work.run { transaction -> AuditErasure? in
            let connection = transaction.connection
            let ids = try Self.correlationIds(registrationNumber: registrationNumber, on: connection)
            guard let appealId = ids.first else { return nil }
            let now = clock()
            let live =
                try connection.query(
                    "SELECT count(*)::bigint FROM appeal_keys WHERE correlation_id = ANY(\(ids)) AND key IS NOT NULL"
                ).first?.decode(0, as: Int64.self) ?? 0
            let erasedBefore = try connection.query(
                "SELECT min(erased_at) FROM appeal_keys WHERE correlation_id = ANY(\(ids)) AND key IS NULL"
            ).first?.decode(0, as: Date?.self)
            if live == 0, let erasedBefore {
                return AuditErasure(
                    registrationNumber: registrationNumber, erasedAt: erasedBefore, keysDestroyed: 0,
                    alreadyErased: true, eventId: nil)
            }
            let destroyed = try Self.destroyKeys(ids, at: now, on: connection)
            let envelope = try transaction.publish(
                PersonalDataErased(
                    appealId: appealId, registrationNumber: registrationNumber, erasedBy: actorId, erasedAt: now),
                correlationId: appealId, occurredAt: now)
            return AuditErasure(
                registrationNumber: registrationNumber, erasedAt: now, keysDestroyed: destroyed,
                alreadyErased: false, eventId: envelope.id)
        }
    }

    func exportPage(from sequence: Int64, limit: Int) async throws -> [AuditExportLine] {
        try await database.withConnection { try Self.exportPage(from: sequence, limit: limit, on: $0) }
    }
}
