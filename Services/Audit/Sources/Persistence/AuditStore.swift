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

    /// Appends `envelope` to the chain. Returns its sequence, or nil if that event id is already
    /// in the log (a redelivery the inbox no longer remembers).
    @discardableResult
    static func append(
        _ envelope: Envelope, settings: AuditSettings, in transaction: UnitOfWork.Transaction
    ) throws -> Int64? {
        var head = try lockHead(on: transaction.connection)
        return try append(envelope, after: &head, settings: settings, in: transaction)
    }

    /// Appends `envelope` after `head`, which the caller has locked in this transaction
    /// (`lockHead`), and moves `head` to the new entry. A batch locks the head once and appends
    /// its events one after the other. What the entry holds is decided by `AuditEntry.make`.
    @discardableResult
    static func append(
        _ envelope: Envelope, after head: inout ChainHead, settings: AuditSettings,
        in transaction: UnitOfWork.Transaction
    ) throws -> Int64? {
        let connection = transaction.connection
        var registrationNumber = envelope.payload["registrationNumber"]?.stringValue
        if let number = registrationNumber {
            try connection.execute(
                """
                INSERT INTO appeals (correlation_id, registration_number) VALUES (\(envelope.correlationId), \(number))
                ON CONFLICT (correlation_id) DO NOTHING
                """)
        } else {
            registrationNumber = try connection.query(
                "SELECT registration_number FROM appeals WHERE correlation_id = \(envelope.correlationId)"
            ).first?.decode(0, as: String.self)
        }
        let erased = AuditEntry.keysErased(by: envelope)
        if !erased.isEmpty { try destroyKeys(erased, at: envelope.occurredAt, on: connection) }

        let key = AuditEntry.needsKey(envelope) ? try keyForAppending(envelope.correlationId, on: connection) : nil
        let entry = try AuditEntry.make(envelope, after: head, registrationNumber: registrationNumber, key: key)
        // One round trip appends the entry and moves the head. An event id already in the log (a
        // redelivery the inbox no longer remembers) inserts nothing, so the head stays where it
        // is; everything done above for it (the appeals map, the key) was idempotent.
        let moved = try connection.query(
            """
            WITH entry AS (
                INSERT INTO log (seq, event_id, event_type, correlation_id, registration_number, actor, occurred_at,
                                 recorded_at, stored, prev_hash, hash)
                VALUES (\(entry.sequence), \(entry.eventId), \(entry.type), \(entry.correlationId),
                        \(entry.registrationNumber), \(entry.actor), \(entry.occurredAt), \(settings.clock()),
                        \(entry.stored), \(entry.prevHash), \(entry.hash))
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq, hash)
            UPDATE chain_head SET seq = entry.seq, hash = entry.hash, updated_at = now()
            FROM entry WHERE chain_head.id = 1
            RETURNING chain_head.seq
            """
        )
        guard !moved.isEmpty else { return nil }
        head = entry.head
        appended.increment()
        if CheckpointPolicy(every: settings.checkpointEvery).isDue(afterAppending: entry.sequence) {
            try createCheckpoint(head: entry.head, causationId: envelope.id, settings: settings, in: transaction)
        }
        return entry.sequence
    }

    /// The appeal's key, created on first use. Nil when the key was destroyed (erased appeal):
    /// then the personal fields are not stored at all.
    static func keyForAppending(_ correlationId: UUID, on connection: PostgresConnection) throws -> [UInt8]? {
        // One statement: the new key if this is the appeal's first event, else the stored one
        // (NULL once erased). The SELECT runs on the statement's snapshot, so exactly one of the
        // two branches has a row.
        guard
            let row = try connection.query(
                """
                WITH created AS (
                    INSERT INTO appeal_keys (correlation_id, key) VALUES (\(correlationId), \(AES256GCM.generateKey()))
                    ON CONFLICT (correlation_id) DO NOTHING
                    RETURNING key)
                SELECT key FROM created
                UNION ALL
                SELECT key FROM appeal_keys WHERE correlation_id = \(correlationId)
                LIMIT 1
                """
            ).first
        else {
            throw AuditError(code: .corruptEntry, reason: "appeal key vanished")
        }
        return try row.decode(0, as: [UInt8]?.self)
    }

    /// Destroys the keys of `correlationIds` (idempotent). A key that never existed is recorded as
    /// erased, so later events of that appeal store no personal data. Returns how many live keys
    /// were destroyed.
    @discardableResult
    static func destroyKeys(_ correlationIds: [UUID], at date: Date, on connection: PostgresConnection) throws -> Int {
        var destroyed = 0
        for id in correlationIds {
            destroyed += try connection.execute(
                "UPDATE appeal_keys SET key = NULL, erased_at = \(date) WHERE correlation_id = \(id) AND key IS NOT NULL"
            )
            try connection.execute(
                "INSERT INTO appeal_keys (correlation_id, key, erased_at) VALUES (\(id), NULL, \(date)) ON CONFLICT (correlation_id) DO NOTHING"
            )
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
            SELECT seq, event_id, event_type, correlation_id, registration_number, actor, occurred_at, recorded_at, prev_hash, hash, stored
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
