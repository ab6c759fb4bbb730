import Foundation
import HromadaContracts
import HromadaCrypto
import HromadaRuntime
import HromadaTestSupport
import HromadaWeb
import Hummingbird
import NIOCore
import Synchronization
import XCTest

@testable import Audit

/// The audit API over a log in memory (`MemoryChain`), for the router tests.
final class MemoryAuditQueries: AuditQueries {
    let chain: Mutex<MemoryChain>
    let accessed = Mutex<[String]>([])

    init(_ chain: MemoryChain) { self.chain = Mutex(chain) }

    func verify(extraCheckpoints: [CheckpointMark]) async throws -> AuditVerification {
        chain.withLock { chain in
            let verifier = chain.verify(checkpoints: extraCheckpoints)
            return AuditVerification(
                ok: !verifier.isBroken, entries: Int64(chain.entries.count),
                firstBadSequence: verifier.firstBadSequence,
                reason: verifier.reason?.rawValue, checkpointsChecked: Set(extraCheckpoints.map(\.sequence)).count,
                headSequence: chain.head.sequence)
        }
    }

    func checkpoints() async throws -> [AuditCheckpointRecord] { [] }

    func readTrail(registrationNumber: String, actorId: String) async throws -> [AuditTrailEntry]? {
        let entries = try chain.withLock { chain in
            try chain.entries.filter { $0.registrationNumber == registrationNumber }.map { entry in
                AuditTrailEntry(
                    sequence: entry.sequence, eventId: entry.eventId, type: entry.type,
                    correlationId: entry.correlationId,
                    occurredAt: entry.occurredAt, recordedAt: entry.occurredAt, actor: entry.actor,
                    hash: Hex.encode(entry.hash),
                    payload: try AuditEntry.revealedPayload(
                        stored: entry.stored, type: entry.type, eventId: entry.eventId,
                        key: chain.keys[entry.correlationId] ?? nil))
            }
        }
        guard !entries.isEmpty else { return nil }
        accessed.withLock { $0.append(actorId) }
        return entries
    }

    func erase(registrationNumber: String, actorId: String) async throws -> AuditErasure? { nil }

    func exportPage(from sequence: Int64, limit: Int) async throws -> [AuditExportLine] { [] }

    /// Rewrites entry `sequence`'s stored bytes (a tampered row).
    func tamper(_ sequence: Int64) {
        chain.withLock { $0.entries[Int(sequence) - 1].stored.append(UInt8(ascii: " ")) }
    }
}

final class AuditRouterTests: XCTestCase {
    static let adminToken = "admin-token-for-router-tests"
    static let readerToken = "reader-token-for-router-tests"

    func queries() throws -> MemoryAuditQueries {
        let appealId = UUID()
        var chain = MemoryChain()
        let registered = AppealRegistered(
            appealId: appealId, registrationNumber: "MK-2026-000042", registeredAt: Date(), kind: .complaint,
            category: "heating", author: .init(fullName: "Олена Петренко", address: "Миколаїв"),
            subject: "Немає опалення", text: "Холодно", trackingToken: "tok", channel: "centre")
        try chain.append(
            try Envelope(event: registered, correlationId: appealId, causationId: nil, producer: "hromada-intake"))
        try chain.append(
            try Envelope(
                event: TicketAccepted(
                    ticketId: UUID(), appealId: appealId, registrationNumber: "MK-2026-000042",
                    authority: "zhkg", officialId: "official-9", acceptedAt: Date()),
                correlationId: appealId, causationId: nil, producer: "hromada-routing"))
        return MemoryAuditQueries(chain)
    }

    func app(_ queries: MemoryAuditQueries) -> some ApplicationProtocol {
        let configuration = ServiceConfiguration(serviceName: "audit", httpPort: 0, adminToken: Self.adminToken)
        let settings = AuditSettings(readerTokenHashes: [TokenHash.hash(token: Self.readerToken)])
        // As the service builds it: the runtime's error middleware, then the routes (which add the kit's).
        let router = Router(context: WebRequestContext.self)
        router.middlewares.add(ErrorMiddleware())
        AuditRoutes(
            queries: queries, readers: AuditReaders(configuration: configuration, settings: settings),
            logger: .init(label: "test")
        ).add(to: router)
        return Application(router: router)
    }

    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

    static func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any])
    }

    func testVerifyAnswersTheContractShape() async throws {
        let queries = try queries()
        try await app(queries).test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get, headers: Self.bearer(Self.readerToken)) {
                response in
                XCTAssertEqual(response.status, .ok)
                let body = try Self.json(response.body)
                XCTAssertEqual(body["ok"] as? Bool, true)
                XCTAssertEqual(body["entries"] as? Int, 2)
                XCTAssertTrue(body.keys.contains("firstBadSequence"), "explicit null when ok")
                XCTAssertTrue(body["firstBadSequence"] is NSNull)
                XCTAssertEqual(body["headSequence"] as? Int, 2)
            }
            queries.tamper(2)
            try await client.execute(uri: "/v1/verify", method: .get, headers: Self.bearer(Self.adminToken)) {
                response in
                let body = try Self.json(response.body)
                XCTAssertEqual(body["ok"] as? Bool, false)
                XCTAssertEqual(body["firstBadSequence"] as? Int, 2)
                XCTAssertEqual(body["reason"] as? String, "hash-mismatch")
            }
        }
    }

    func testEveryRouteNeedsAToken() async throws {
        try await app(try queries()).test(.router) { client in
            for (method, uri) in [
                (HTTPRequest.Method.get, "/v1/verify"), (.get, "/v1/checkpoints"),
                (.get, "/v1/trail/MK-2026-000042"), (.get, "/v1/export"),
                (.post, "/v1/erase/MK-2026-000042"),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    XCTAssertEqual(response.status, .unauthorized, uri)
                }
                try await client.execute(uri: uri, method: method, headers: Self.bearer("wrong")) { response in
                    XCTAssertEqual(response.status, .unauthorized, uri)
                }
            }
            try await client.execute(
                uri: "/v1/erase/MK-2026-000042", method: .post,
                headers: Self.bearer(Self.readerToken)
            ) { response in
                XCTAssertEqual(response.status, .forbidden, "only the administrator erases")
            }
        }
    }

    func testTrailIsFoundRecordedOrNotFound() async throws {
        let queries = try queries()
        try await app(queries).test(.router) { client in
            try await client.execute(
                uri: "/v1/trail/MK-1999-000000", method: .get,
                headers: Self.bearer(Self.adminToken)
            ) { response in
                XCTAssertEqual(response.status, .notFound)
                XCTAssertTrue(String(buffer: response.body).contains("\"errors\""))
            }
            let long = String(repeating: "9", count: 65)
            try await client.execute(uri: "/v1/trail/\(long)", method: .get, headers: Self.bearer(Self.adminToken)) {
                XCTAssertEqual($0.status, .notFound)
            }
            try await client.execute(
                uri: "/v1/trail/MK-2026-000042", method: .get,
                headers: Self.bearer(Self.readerToken)
            ) { response in
                XCTAssertEqual(response.status, .ok)
                let body = try Self.json(response.body)
                XCTAssertEqual(body["registrationNumber"] as? String, "MK-2026-000042")
                let entries = try XCTUnwrap(body["entries"] as? [[String: Any]])
                XCTAssertEqual(entries.map { $0["type"] as? String }, ["appeal.registered", "ticket.accepted"])
                let eventId = try XCTUnwrap(entries.first?["eventId"] as? String)
                XCTAssertEqual(eventId, eventId.lowercased(), "ids are lower-case in JSON")
                let author = try XCTUnwrap((entries.first?["payload"] as? [String: Any])?["author"] as? [String: Any])
                XCTAssertEqual(author["fullName"] as? String, "Олена Петренко")
            }
        }
        XCTAssertEqual(queries.accessed.withLock { $0 }.count, 1, "the read is recorded")
        XCTAssertTrue(queries.accessed.withLock { $0 }[0].hasPrefix("audit-reader:"))
    }

    func testBadParametersNameTheField() async throws {
        try await app(try queries()).test(.router) { client in
            try await client.execute(uri: "/v1/export?from=-1", method: .get, headers: Self.bearer(Self.adminToken)) {
                XCTAssertEqual($0.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: $0.body).contains("\"field\":\"from\""))
            }
            try await client.execute(uri: "/v1/export?limit=0", method: .get, headers: Self.bearer(Self.adminToken)) {
                XCTAssertEqual($0.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: $0.body).contains("\"field\":\"limit\""))
            }
            let body = ByteBuffer(string: #"{"checkpoints":[{"sequence":0,"headHash":"zz"}]}"#)
            try await client.execute(
                uri: "/v1/verify", method: .post,
                headers: [.authorization: "Bearer \(Self.adminToken)", .contentType: "application/json"],
                body: body
            ) {
                XCTAssertEqual($0.status, .unprocessableContent)
                XCTAssertTrue(String(buffer: $0.body).contains("checkpoints[0]"))
            }
        }
    }

    func testErrorsAreJSONForClientsAndAPageForBrowsers() async throws {
        try await app(try queries()).test(.router) { client in
            try await client.execute(uri: "/v1/verify", method: .get) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("application/json") ?? false)
                XCTAssertTrue(String(buffer: response.body).contains("\"errors\""))
            }
            try await client.execute(uri: "/v1/verify", method: .get, headers: [.accept: "text/html"]) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertTrue(response.headers[.contentType]?.hasPrefix("text/html") ?? false)
                XCTAssertTrue(String(buffer: response.body).contains("<html"))
            }
        }
    }
}
