import Foundation
import HromadaAMQP
import HromadaContracts
import HromadaCore
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import Synchronization
import XCTest

/// A runtime on a throwaway database and vhost, with a test table for handler effects and a
/// test queue that sees everything published on `hromada.events`.
final class RuntimeFixture: @unchecked Sendable {
    let database: TestDatabase
    let broker: TestBroker
    let runtime: ServiceRuntime
    let observer: AMQPClient
    static let observerQueue = "test.observer"
    static let serviceQueue = "hromada.routing"

    static let migrations = [
        Migration(
            version: 100, name: "test effects",
            sql: """
                CREATE TABLE effects (event_id uuid NOT NULL, note text NOT NULL);
                """)
    ]

    /// `logger`: the runtime's (default: warnings and above to the console).
    static func make(relay: OutboxRelay.Settings = OutboxRelay.Settings(), logger: Logger? = nil) async throws
        -> RuntimeFixture
    {
        try IntegrationEnvironment.requireServers()
        let database = try await TestDatabase.create(schema: "routing")
        let broker = try await TestBroker.create()
        let logger =
            logger
            ?? {
                var logger = Logger(label: "test.runtime")
                logger.logLevel = .warning
                return logger
            }()
        let configuration = ServiceConfiguration(
            serviceName: "routing", httpHost: "127.0.0.1", httpPort: 0,
            amqpURL: broker.url, databaseURL: database.connectionString, databasePoolSize: 4
        )
        let runtime = try ServiceRuntime(configuration: configuration, logger: logger, relaySettings: relay)
        try await runtime.prepare(migrations: migrations, patience: .seconds(30))
        let observer = AMQPClient(configuration: try broker.configuration(name: "observer"), logger: logger)
        try await observer.declare(
            AMQPTopology(
                exchanges: EventTopology.exchanges,
                queues: [AMQPTopology.Queue(name: observerQueue, durable: true, arguments: [:])],
                bindings: [
                    AMQPTopology.Binding(queue: observerQueue, exchange: Topology.eventsExchange, routingKey: "#")
                ]
            ))
        return RuntimeFixture(database: database, broker: broker, runtime: runtime, observer: observer)
    }

    private init(database: TestDatabase, broker: TestBroker, runtime: ServiceRuntime, observer: AMQPClient) {
        self.database = database
        self.broker = broker
        self.runtime = runtime
        self.observer = observer
    }

    func tearDown() async {
        await observer.close()
        await runtime.publisher.close()
        await runtime.database.close()
        try? await database.drop()
        try? await broker.delete()
    }

    /// Everything waiting on the observer queue (acknowledged as read).
    func drainObserved() async throws -> [AMQPDelivery] {
        var deliveries: [AMQPDelivery] = []
        while let delivery = try await observer.get(queue: Self.observerQueue) {
            try await observer.ack(delivery)
            deliveries.append(delivery)
        }
        return deliveries
    }

    func effects() async throws -> [(UUID, String)] {
        try await runtime.database.withConnection { connection in
            try connection.query("SELECT event_id, note FROM effects ORDER BY note").map {
                (try $0.decode(0, as: UUID.self), try $0.decode(1, as: String.self))
            }
        }
    }

    /// An `appeal.returned` envelope: small, and its payload carries a note we can look for.
    static func envelope(note: String, id: UUID = UUID()) throws -> Envelope {
        let appealId = UUID()
        let event = AppealReturned(
            appealId: appealId, registrationNumber: "MK-2026-000001", reason: note, returnedAt: Date(), returnedBy: nil)
        return try Envelope(event: event, id: id, correlationId: appealId, causationId: nil, producer: "hromada-intake")
    }

    /// Publishes `envelope` the way the outbox relay does.
    func publish(_ envelope: Envelope, body: [UInt8]? = nil) async throws {
        let message = AMQPOutgoingMessage(
            exchange: Topology.eventsExchange, routingKey: envelope.routingKey, body: try body ?? envelope.encoded(),
            properties: AMQPProperties(
                contentType: "application/json", deliveryMode: 2, messageID: envelope.id.uuidString.lowercased(),
                type: envelope.type)
        )
        try await observer.publish([message])
    }
}

/// Records each event's note in `effects`; fails for notes starting with "poison".
struct RecordingHandler: EventHandler {
    func handle(_ event: IncomingEvent, on connection: PostgresConnection) throws {
        let returned = try event.envelope.decode(AppealReturned.self)
        if returned.reason.hasPrefix("poison") { throw PoisonError() }
        try connection.execute("INSERT INTO effects (event_id, note) VALUES (\(event.envelope.id), \(returned.reason))")
    }
    /// Fixed text, so it may show in the dead-letter header (`PrivacySafeError`).
    struct PoisonError: PrivacySafeError, CustomStringConvertible {
        var description: String { "poison note refused by the test handler" }
    }
}
