import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaPostgres
import HromadaRuntime
import Hummingbird

/// The audit HTTP API. Every route needs `Authorization: Bearer <token>` with either the bootstrap
/// administrator token (`HROMADA_ADMIN_TOKEN`) or a reader token whose SHA-256 hex hash is listed
/// in `HROMADA_AUDIT_READER_TOKENS`; erasure needs the administrator token.
///
/// - `GET /v1/verify` → `{ok, entries, firstBadSequence, reason, checkpointsChecked, headSequence}`
/// - `POST /v1/verify` with `{"checkpoints":[{"sequence","headHash"}]}`: also against checkpoints kept elsewhere
/// - `GET /v1/checkpoints` → `[{sequence, headHash, entries, eventId, createdAt}]`
/// - `GET /v1/trail/{registrationNumber}` → `{registrationNumber, entries:[…]}`; recorded as `personal-data.accessed`
/// - `GET /v1/export?from=<seq>&limit=<n>` → JSON Lines of the stored (encrypted) entries
/// - `POST /v1/erase/{registrationNumber}` → destroys the appeal's key, publishes `personal-data.erased`
struct AuditRoutes: Sendable {
    let runtime: ServiceRuntime
    let settings: AuditSettings

    struct Caller {
        var actorId: String
        var isAdministrator: Bool
    }

    func authorize(_ request: Request) throws -> Caller {
        if BearerToken.isAdministrator(request, configuration: runtime.configuration) {
            return Caller(actorId: "administrator", isAdministrator: true)
        }
        guard let token = BearerToken.from(request) else { throw APIError.unauthorized() }
        let hash = TokenHash.hash(token: token)
        var matched = false
        for allowed in settings.readerTokenHashes where ConstantTime.equals(hash, allowed) { matched = true }
        guard matched else { throw APIError.unauthorized() }
        return Caller(actorId: "audit-reader:\(hash.prefix(12))", isAdministrator: false)
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/v1/verify") { request, _ in
            _ = try authorize(request)
            return try JSON.response(try await verify(extra: []))
        }
        router.post("/v1/verify") { request, _ in
            _ = try authorize(request)
            let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
            let input = try JSON.decoder.decode(AuditVerifyRequest.self, from: body)
            var marks: [CheckpointMark] = []
            for (index, checkpoint) in input.checkpoints.enumerated() {
                guard let hash = try? Hex.decode(checkpoint.headHash), hash.count == 32, checkpoint.sequence >= 1 else {
                    throw APIError.validation([FieldError(field: "checkpoints[\(index)]", code: "invalid_value", message: "sequence ≥ 1 and a 64-digit hex headHash are required")])
                }
                marks.append(CheckpointMark(sequence: checkpoint.sequence, hash: hash))
            }
            return try JSON.response(try await verify(extra: marks))
        }
        router.get("/v1/checkpoints") { request, _ in
            _ = try authorize(request)
            let records = try await runtime.database.withConnection { try AuditLog.checkpoints(on: $0) }
            return try JSON.response(records)
        }
        router.get("/v1/trail/:registrationNumber") { request, context in
            let caller = try authorize(request)
            let number = try context.parameters.require("registrationNumber")
            return try JSON.response(try await trail(number, caller: caller))
        }
        router.get("/v1/export") { request, _ in
            _ = try authorize(request)
            let from = try request.uri.queryParameters["from"].map { text -> Int64 in
                guard let n = Int64(String(text)), n >= 0 else {
                    throw APIError.validation([FieldError(field: "from", code: "invalid_value", message: "from must be a sequence number ≥ 0")])
                }
                return n
            } ?? 1
            let limit = try request.uri.queryParameters["limit"].map { text -> Int64 in
                guard let n = Int64(String(text)), n >= 1 else {
                    throw APIError.validation([FieldError(field: "limit", code: "invalid_value", message: "limit must be ≥ 1")])
                }
                return n
            }
            return export(from: from, limit: limit)
        }
        router.post("/v1/erase/:registrationNumber") { request, context in
            let caller = try authorize(request)
            guard caller.isAdministrator else { throw APIError.forbidden("only the administrator may erase personal data") }
            let number = try context.parameters.require("registrationNumber")
            return try JSON.response(try await erase(number, caller: caller))
        }
    }

    func verify(extra: [CheckpointMark]) async throws -> AuditVerification {
        let pageSize = settings.verifyPageSize
        return try await runtime.database.withTransaction(isolation: .repeatableRead) { connection in
            try AuditLog.verify(pageSize: pageSize, extraCheckpoints: extra, on: connection)
        }
    }

    func trail(_ registrationNumber: String, caller: Caller) async throws -> AuditTrail {
        guard registrationNumber.count <= 64 else { throw APIError.notFound("appeal") }
        let producer = runtime.configuration.producer
        let clock = settings.clock
        let entries = try await runtime.database.withTransaction { connection -> [AuditTrailEntry]? in
            let entries = try AuditLog.trail(registrationNumber: registrationNumber, on: connection)
            guard let appealId = entries.first(where: { $0.type == AppealRegistered.eventType })?.correlationId ?? entries.first?.correlationId else {
                return nil
            }
            let now = clock()
            try Outbox.enqueue(
                PersonalDataAccessed(
                    appealId: appealId, registrationNumber: registrationNumber, actorId: caller.actorId,
                    actorRole: "administrator", purpose: "audit.trail", service: producer, accessedAt: now),
                correlationId: appealId, causationId: nil, producer: producer, occurredAt: now, on: connection)
            return entries
        }
        guard let entries else { throw APIError.notFound("appeal") }
        runtime.outboxRelay.notifyCommitted()
        runtime.logger.info("audit trail read", metadata: ["audit.actor": "\(caller.actorId)", "audit.entries": "\(entries.count)"])
        return AuditTrail(registrationNumber: registrationNumber, entries: entries)
    }

    func erase(_ registrationNumber: String, caller: Caller) async throws -> AuditErasure {
        guard registrationNumber.count <= 64 else { throw APIError.notFound("appeal") }
        let producer = runtime.configuration.producer
        let clock = settings.clock
        let result = try await runtime.database.withTransaction { connection -> AuditErasure? in
            let ids = try AuditLog.correlationIds(registrationNumber: registrationNumber, on: connection)
            guard let appealId = ids.first else { return nil }
            let now = clock()
            let live = try connection.query(
                "SELECT count(*)::bigint FROM appeal_keys WHERE correlation_id = ANY(\(ids)) AND key IS NOT NULL"
            ).first?.decode(0, as: Int64.self) ?? 0
            let erasedBefore = try connection.query(
                "SELECT min(erased_at) FROM appeal_keys WHERE correlation_id = ANY(\(ids)) AND key IS NULL"
            ).first?.decode(0, as: Date?.self)
            if live == 0, let erasedBefore {
                return AuditErasure(registrationNumber: registrationNumber, erasedAt: erasedBefore, keysDestroyed: 0, alreadyErased: true, eventId: nil)
            }
            let destroyed = try AuditLog.destroyKeys(ids, at: now, on: connection)
            let envelope = try Outbox.enqueue(
                PersonalDataErased(appealId: appealId, registrationNumber: registrationNumber, erasedBy: caller.actorId, erasedAt: now),
                correlationId: appealId, causationId: nil, producer: producer, occurredAt: now, on: connection)
            return AuditErasure(registrationNumber: registrationNumber, erasedAt: now, keysDestroyed: destroyed, alreadyErased: false, eventId: envelope.id)
        }
        guard let result else { throw APIError.notFound("appeal") }
        if !result.alreadyErased {
            runtime.outboxRelay.notifyCommitted()
            runtime.logger.notice("appeal personal data erased from the audit log", metadata: ["audit.actor": "\(caller.actorId)", "audit.keys_destroyed": "\(result.keysDestroyed)"])
        }
        return result
    }

    /// Streams JSON Lines page by page (one short query per page; no connection is held while
    /// the client reads).
    func export(from start: Int64, limit: Int64?) -> Response {
        let database = runtime.database
        let pageSize = settings.exportPageSize
        let body = ResponseBody { writer in
            var next = start
            var remaining = limit ?? Int64.max
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var c = encoder.singleValueContainer()
                try c.encode(ISO8601.format(date))
            }
            while remaining > 0 {
                let count = Int(min(Int64(pageSize), remaining))
                let from = next
                let page = try await database.withConnection { try AuditLog.exportPage(from: from, limit: count, on: $0) }
                if page.isEmpty { break }
                var buffer = ByteBuffer()
                for line in page {
                    buffer.writeBytes(try encoder.encode(line))
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
                next = page[page.count - 1].sequence + 1
                remaining -= Int64(page.count)
                if page.count < count { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson; charset=utf-8"], body: body)
    }
}
