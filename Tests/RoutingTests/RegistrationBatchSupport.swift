import Foundation
import HromadaContracts
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

@testable import HromadaPostgres
@testable import Routing

/// Routing's consumer handler on a throwaway schema, driven the way `EventConsumer` drives it (inbox
/// claim + `handle(batch:)` in one transaction on one pooled connection), with that connection's
/// round trips counted (`LibPQConnection.statistics`: BEGIN, COMMIT and every statement).
struct RegistrationBatchBench {
    static let logger = Logger(label: "routing-batch-test")
    /// 2026-11-27 10:00 Kyiv.
    static let registered = TicketSamples.now

    let db: TestDatabase
    /// One connection: its backend is the only one doing the handler's work, so its CPU is measurable.
    let client: PostgresClient
    let handler: any EventHandler

    static func make(for test: XCTestCase) async throws -> RegistrationBatchBench {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: "routing")
        let client = db.client(poolSize: 1)
        test.addTeardownBlock {
            await client.close()
            try? await db.drop()
        }
        try await Migrator.migrate(
            RuntimeMigrations.all + RoutingMigrations.all + RoutingErasure.migrations + PhotoReferenceMigrations.all
                + TicketPlaceMigrations.all,
            on: client, logger: logger)
        let producer = Producers.routing
        try await client.withTransaction { connection in
            try RoutingStore.seed(
                now: registered, in: UnitOfWork.Transaction(connection: connection, producer: producer))
        }
        // The seed's `routing-rules.changed` is not part of what the tests look at.
        try await client.execute("DELETE FROM outbox")
        let handler = RoutingService.eventHandler(producer: producer, clock: { registered }, logger: logger)
        return RegistrationBatchBench(db: db, client: client, handler: handler)
    }

    /// What one consumer batch costs: round trips on the connection (BEGIN and COMMIT included).
    @discardableResult
    func apply(_ envelopes: [Envelope]) async throws -> Int {
        let before = try await roundTrips()
        let handler = self.handler
        let incoming = envelopes.map { IncomingEvent(envelope: $0, routingKey: $0.routingKey) }
        try await client.withTransaction { connection in
            try handler.handle(batch: try Inbox.claim(batch: incoming, on: connection), on: connection)
        }
        return try await roundTrips() - before
    }

    /// What the consumer does after a batch failed: each event alone; returns the ones that failed.
    func applyOneByOne(_ envelopes: [Envelope]) async -> [UUID] {
        var failed: [UUID] = []
        for envelope in envelopes {
            do { try await apply([envelope]) } catch { failed.append(envelope.id) }
        }
        return failed
    }

    func roundTrips() async throws -> Int { try await client.withConnection { $0.libpq.statistics.roundTrips } }
    func backendPID() async throws -> Int32 { try await client.withConnection { $0.backendPID } }

    func count(_ sql: PostgresQuery) async throws -> Int { try await client.count(sql) ?? -1 }

    /// The outbox as written: (type, correlation id, payload), in `seq` order.
    func outbox() async throws -> [(type: String, appealId: UUID, envelope: Envelope)] {
        try await client.query("SELECT event_type, correlation_id, body FROM outbox ORDER BY seq").map { row in
            let body = try row.decode(2, as: [UInt8].self)
            return (try row.decode(0), try row.decode(1), try Envelope.decode(from: body))
        }
    }

    // MARK: Appeals

    /// An appeal of the benchmark's mix: `index` picks category, district, kind, place and photos.
    static func appeal(_ index: Int, tag: Int = Int.random(in: 100...999)) -> AppealRegistered {
        let categories = ["heating", "roads", "waste", "water-supply", "street-lighting", "health-care", "other"]
        let districts = Reference.districts.map(\.code)
        var appeal = RoutingFixture.appeal(
            category: categories[index % categories.count],
            district: index % 3 == 0 ? nil : districts[index % districts.count],
            kind: index % 10 == 7 ? .complaint : .application, against: index % 10 == 7 ? "zhkg" : nil,
            benefit: index % 9 == 4 ? "war-veteran" : nil, registeredAt: registered.addingTimeInterval(Double(index)),
            number: tag * 10_000 + index)
        if index % 4 == 1 {
            appeal.location = .init(lat: 46.97 + Double(index) / 1e5, lon: 32.0, address: "Соборна")
        }
        if index % 20 == 3 {
            appeal.photos = [
                .init(
                    id: UUID(), sha256: String(repeating: "ab", count: 32), contentType: "image/jpeg", width: 8,
                    height: 6)
            ]
        }
        if index % 25 == 11 { appeal.mediaURL = "https://example.org/photo/\(index).jpg" }
        return appeal
    }

    static func envelope(_ appeal: AppealRegistered) throws -> Envelope {
        try Envelope(event: appeal, correlationId: appeal.appealId, causationId: nil, producer: Producers.intake)
    }
}
