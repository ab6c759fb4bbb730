public import HromadaAMQP
public import Logging
public import XCTest

/// A service integration test's own servers: a throwaway database with the service's `schema`, a
/// throwaway vhost, a broker client of the vhost and a logger at warning level. When the test ends
/// the client is closed, the database dropped and the vhost deleted.
public struct ServiceTestServers {
    public let db: TestDatabase
    public let broker: TestBroker
    public let client: AMQPClient
    public let logger: Logger

    /// `label` names the logger and the broker connection.
    public static func create(for test: XCTestCase, schema: String, label: String) async throws -> ServiceTestServers {
        try IntegrationEnvironment.requireServers()
        let db = try await TestDatabase.create(schema: schema)
        let broker = try await TestBroker.create()
        var logger = Logger(label: label)
        logger.logLevel = .warning
        let client = AMQPClient(configuration: try broker.configuration(name: label), logger: logger)
        test.addTeardownBlock {
            await client.close()
            try? await db.drop()
            try? await broker.delete()
        }
        return ServiceTestServers(db: db, broker: broker, client: client, logger: logger)
    }
}
