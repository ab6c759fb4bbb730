import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaWeb
import Hummingbird
import Logging

/// The audit HTTP API. Every route needs `Authorization: Bearer <token>` with either the bootstrap
/// administrator token (`HROMADA_ADMIN_TOKEN`) or a reader token whose SHA-256 hex hash is listed
/// in `HROMADA_AUDIT_READER_TOKENS`; erasure needs the administrator token. The web kit's
/// `BearerAuthenticator` turns the token into the request's principal (`AuditReaders.principal`),
/// and errors are the kit's (JSON for API clients, a page for a browser).
///
/// - `GET /v1/verify` → `{ok, entries, firstBadSequence, reason, checkpointsChecked, headSequence}`
/// - `POST /v1/verify` with `{"checkpoints":[{"sequence","headHash"}]}`: also against checkpoints kept elsewhere
/// - `GET /v1/checkpoints` → `[{sequence, headHash, entries, eventId, createdAt}]`
/// - `GET /v1/trail/{registrationNumber}` → `{registrationNumber, entries:[…]}`; recorded as
///   `personal-data.accessed`
/// - `GET /v1/export?from=<seq>&limit=<n>` → JSON Lines of the stored (encrypted) entries
/// - `POST /v1/erase/{registrationNumber}` → destroys the appeal's key, publishes `personal-data.erased`: the
///   audit step alone. An appeal's erasure everywhere starts at intake (`hromadactl erase`); audit's part of it
///   is the same key destruction, run when it consumes `appeal.personal-data-erased` (`AuditErasureStep`).
public struct AuditRoutes: Sendable {
    let queries: any AuditQueries
    let readers: AuditReaders
    let logger: Logger

    public init(queries: any AuditQueries, readers: AuditReaders, logger: Logger) {
        self.queries = queries
        self.readers = readers
        self.logger = logger
    }

    public func add<Context: PrincipalRequestContext>(to router: Router<Context>) {
        router.middlewares.add(WebErrorMiddleware<Context>())
        router.middlewares.add(SecurityHeadersMiddleware<Context>())
        router.middlewares.add(BearerAuthenticator<Context> { token, _ in readers.principal(token: token) })

        router.get("/v1/verify") { _, context in
            _ = try AuditReaders.caller(context)
            return try JSON.response(try await queries.verify(extraCheckpoints: []))
        }
        router.post("/v1/verify") { request, context in
            _ = try AuditReaders.caller(context)
            let input = try await JSON.body(AuditVerifyRequest.self, of: request, limit: 16 * 1024 * 1024)
            var marks: [CheckpointMark] = []
            for (index, checkpoint) in input.checkpoints.enumerated() {
                guard let hash = try? Hex.decode(checkpoint.headHash), hash.count == 32, checkpoint.sequence >= 1 else {
                    throw WebError.validation([
                        FieldError(
                            field: "checkpoints[\(index)]", code: "invalid_value",
                            message: "sequence ≥ 1 and a 64-digit hex headHash are required")
                    ])
                }
                marks.append(CheckpointMark(sequence: checkpoint.sequence, hash: hash))
            }
            return try JSON.response(try await queries.verify(extraCheckpoints: marks))
        }
        router.get("/v1/checkpoints") { _, context in
            _ = try AuditReaders.caller(context)
            return try JSON.response(LowercaseUUIDs(try await queries.checkpoints()))
        }
        router.get("/v1/trail/:registrationNumber") { _, context in
            let caller = try AuditReaders.caller(context)
            let number = try context.parameters.require("registrationNumber")
            return try JSON.response(LowercaseUUIDs(try await trail(number, caller: caller)))
        }
        router.get("/v1/export") { request, context in
            _ = try AuditReaders.caller(context)
            let from =
                try Self.number(
                    request, "from", minimum: 0, message: "from must be a sequence number ≥ 0") ?? 1
            let limit = try Self.number(request, "limit", minimum: 1, message: "limit must be ≥ 1")
            return export(from: from, limit: limit)
        }
        router.post("/v1/erase/:registrationNumber") { _, context in
            let caller = try AuditReaders.caller(context)
            guard caller.isAdministrator else {
                throw WebError.forbidden("only the administrator may erase personal data")
            }
            let number = try context.parameters.require("registrationNumber")
            return try JSON.response(LowercaseUUIDs(try await erase(number, caller: caller)))
        }
    }

    static func number(_ request: Request, _ name: String, minimum: Int64, message: String) throws -> Int64? {
        guard let text = request.uri.queryParameters[name[...]] else { return nil }
        guard let n = Int64(String(text)), n >= minimum else {
            throw WebError.validation([FieldError(field: name, code: "invalid_value", message: message)])
        }
        return n
    }

    func trail(_ registrationNumber: String, caller: AuditReaders.Caller) async throws -> AuditTrail {
        guard registrationNumber.count <= 64,
            let entries = try await queries.readTrail(registrationNumber: registrationNumber, actorId: caller.actorId)
        else { throw WebError.notFound("appeal") }
        logger.info(
            "audit trail read",
            metadata: [
                "audit.actor": "\(caller.actorId)", "audit.entries": "\(entries.count)",
            ])
        return AuditTrail(registrationNumber: registrationNumber, entries: entries)
    }

    func erase(_ registrationNumber: String, caller: AuditReaders.Caller) async throws -> AuditErasure {
        guard registrationNumber.count <= 64,
            let result = try await queries.erase(registrationNumber: registrationNumber, actorId: caller.actorId)
        else { throw WebError.notFound("appeal") }
        if !result.alreadyErased {
            logger.notice(
                "appeal personal data erased from the audit log",
                metadata: [
                    "audit.actor": "\(caller.actorId)", "audit.keys_destroyed": "\(result.keysDestroyed)",
                ])
        }
        return result
    }

    /// Streams JSON Lines page by page (one short query per page; no connection is held while
    /// the client reads).
    func export(from start: Int64, limit: Int64?) -> Response {
        let queries = self.queries
        let pageSize = readers.exportPageSize
        let body = ResponseBody { writer in
            var next = start
            var remaining = limit ?? Int64.max
            let encoder = LowercaseUUIDJSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var c = encoder.singleValueContainer()
                try c.encode(ISO8601.format(date))
            }
            while remaining > 0 {
                let count = Int(min(Int64(pageSize), remaining))
                let page = try await queries.exportPage(from: next, limit: count)
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

/// What the HTTP API needs from the log: the PostgreSQL store in the service, a log in memory in
/// the router tests.
public protocol AuditQueries: Sendable {
    func verify(extraCheckpoints: [CheckpointMark]) async throws -> AuditVerification
    func checkpoints() async throws -> [AuditCheckpointRecord]
    /// The appeal's entries in chain order, the read itself recorded as `personal-data.accessed`
    /// in the same transaction; nil when the log knows no such appeal.
    func readTrail(registrationNumber: String, actorId: String) async throws -> [AuditTrailEntry]?
    /// Destroys the appeal's keys and publishes `personal-data.erased`; nil when unknown.
    func erase(registrationNumber: String, actorId: String) async throws -> AuditErasure?
    func exportPage(from sequence: Int64, limit: Int) async throws -> [AuditExportLine]
}

/// Who may read the log: the bootstrap administrator token (`.administrator`) or a reader token
/// whose SHA-256 hex hash is configured. The kit's `Principal` has no reader kind of its own: a
/// reader is an `.official` of the pseudo-authority `audit`, id `audit-reader:<hash prefix>`
/// (never the token), which is also the actor recorded in `personal-data.accessed`.
public struct AuditReaders: Sendable {
    public struct Caller: Sendable, Equatable {
        public var actorId: String
        public var isAdministrator: Bool
    }

    /// The pseudo-authority of reader principals.
    public static let readerAuthority = "audit"

    let adminTokenHash: String?
    let readerTokenHashes: [String]
    let exportPageSize: Int

    public init(configuration: ServiceConfiguration, settings: AuditSettings) {
        self.adminTokenHash = configuration.adminToken.map { TokenHash.hash(token: $0) }
        self.readerTokenHashes = settings.readerTokenHashes
        self.exportPageSize = settings.exportPageSize
    }

    /// The principal a bearer token stands for, or nil (the route then answers 401).
    func principal(token: String) -> Principal? {
        let hash = TokenHash.hash(token: token)
        if let adminTokenHash, ConstantTime.equals(hash, adminTokenHash) { return .administrator }
        var matched = false
        for allowed in readerTokenHashes where ConstantTime.equals(hash, allowed) { matched = true }
        guard matched else { return nil }
        return .official(
            .init(
                id: "audit-reader:\(hash.prefix(12))", name: "audit reader",
                authority: Self.readerAuthority, role: .official))
    }

    /// Who may read the log: the administrator or a configured reader.
    static let readPolicy = Policy("audit reader") { principal in
        if case .official(let official) = principal { return official.authority == readerAuthority }
        return principal == .administrator
    }

    /// The request's caller; 401 without a known token.
    static func caller(_ context: some PrincipalRequestContext) throws -> Caller {
        switch try context.require(readPolicy) {
        case .official(let reader): return Caller(actorId: reader.id, isAdministrator: false)
        default: return Caller(actorId: "administrator", isAdministrator: true)
        }
    }
}
