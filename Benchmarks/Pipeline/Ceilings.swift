import Foundation
import HromadaAMQP
import HromadaPostgres
import Logging
import Synchronization

/// The limits the pipeline is measured against, measured on the same broker and database in the
/// same run (INFRA.md "Ceilings").
struct Ceilings: Codable, Sendable {
    /// Persistent 256 B messages published with confirms (batches of 100) to a quorum queue while
    /// a consumer (prefetch 500, manual ack) drains it: messages/s through the broker.
    var brokerPublishConsumePerSecond: Double?
    /// Publish side alone of the same run (publishes confirmed per second).
    var brokerPublishConfirmedPerSecond: Double?
    /// Single-row INSERT, autocommit, one client.
    var postgresInsert1ClientPerSecond: Double?
    /// Single-row INSERT, autocommit, four clients.
    var postgresInsert4ClientsPerSecond: Double?
    /// Single-row INSERTs inside one transaction (one client).
    var postgresInsertOneTransactionPerSecond: Double?
    /// SMTP acceptance (messages/s): the pipeline's server first, then any compared with it.
    var smtp: [SMTPCeiling.Result] = []
    var notes: [String] = []
}

enum CeilingBench {
    /// Publishes `count` persistent messages of `size` bytes in confirm batches of `batch` to a
    /// throwaway quorum queue while consuming them with prefetch `prefetch`.
    static func broker(
        amqp: AMQPConfiguration, runTag: String, count: Int = 20_000, size: Int = 256, batch: Int = 100,
        prefetch: UInt16 = 500, logger: Logger
    ) async throws -> (total: Double, publish: Double) {
        let queue = "hromada.bench.ceiling.\(runTag)"
        let topology = AMQPTopology(queues: [.init(name: queue, durable: true, arguments: ["x-queue-type": "quorum"])])
        let client = AMQPClient(configuration: amqp, logger: logger)
        try await client.declare(topology)
        let consumer = AMQPConsumer(configuration: amqp, queue: queue, prefetch: prefetch, logger: logger)
        let deadline = Date().addingTimeInterval(10)
        while !consumer.isConnected, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }

        let received = Atomic<Int>(0)
        let start = monotonicSeconds()
        let consuming = Task.detached { () -> Double in
            var n = 0
            for await delivery in consumer {
                n += 1
                if n % 50 == 0 || n == count { consumer.ack(delivery, multiple: true) }
                received.store(n, ordering: .relaxed)
                if n >= count { break }
            }
            return monotonicSeconds()
        }
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        var sent = 0
        while sent < count {
            let n = min(batch, count - sent)
            let messages = (0..<n).map { _ in
                AMQPOutgoingMessage(
                    exchange: "", routingKey: queue, body: body,
                    properties: AMQPProperties(contentType: "application/octet-stream", deliveryMode: 2))
            }
            try await client.publish(messages)
            sent += n
        }
        let published = monotonicSeconds()
        // Bounded wait for the consumer.
        let end: Double = try await withThrowingTaskGroup(of: Double?.self) { group in
            group.addTask { await consuming.value }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? monotonicSeconds()
        }
        let got = received.load(ordering: .relaxed)
        await consumer.close()
        try? await client.deleteQueue(queue)
        await client.close()
        return (Double(got) / (end - start), Double(count) / (published - start))
    }

    /// Single-row INSERT rates in a throwaway database created as the superuser.
    static func postgres(adminURL: String, runTag: String, seconds: Double = 5, logger: Logger) async throws
        -> (one: Double, four: Double, oneTransaction: Double)
    {
        let database = "hromada_bench_\(runTag.lowercased())"
        let admin = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: adminURL, poolSize: 1, applicationName: "hromada-bench"), logger: logger)
        try await admin.withConnection { connection in
            try connection.executeScript("DROP DATABASE IF EXISTS \(database)")
            try connection.executeScript("CREATE DATABASE \(database)")
        }
        func dropDatabase() async {
            _ = try? await admin.withConnection { connection in
                try connection.executeScript("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
            }
            await admin.close()
        }
        do {
            let url = PostgresConfiguration.replacingDatabase(in: adminURL, with: database)
            let pool = PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: url, poolSize: 4, applicationName: "hromada-bench"), logger: logger)
            try await pool.withConnection { connection in
                try connection.executeScript(
                    """
                    CREATE TABLE bench_rows (
                        id bigserial PRIMARY KEY, payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())
                    """)
            }
            let payload = String(repeating: "п", count: 128)  // 256 bytes of UTF-8
            @Sendable func insertLoop(_ connection: PostgresConnection, until end: Double) throws -> Int {
                var n = 0
                while monotonicSeconds() < end {
                    try connection.execute("INSERT INTO bench_rows (payload) VALUES (\(payload))")
                    n += 1
                }
                return n
            }
            // One client.
            let oneStart = monotonicSeconds()
            let oneEnd = oneStart + seconds
            let oneCount = try await pool.withConnection { try insertLoop($0, until: oneEnd) }
            let one = Double(oneCount) / (monotonicSeconds() - oneStart)
            // Four clients.
            var start = monotonicSeconds()
            let end = start + seconds
            let fourCount = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await pool.withConnection { try insertLoop($0, until: end) } } }
                return try await group.reduce(0, +)
            }
            let four = Double(fourCount) / (monotonicSeconds() - start)
            // One transaction.
            let rows = 20_000
            start = monotonicSeconds()
            try await pool.withTransaction { connection in
                for _ in 0..<rows { try connection.execute("INSERT INTO bench_rows (payload) VALUES (\(payload))") }
            }
            let oneTransaction = Double(rows) / (monotonicSeconds() - start)
            await pool.close()
            await dropDatabase()
            return (one, four, oneTransaction)
        } catch {
            await dropDatabase()
            throw error
        }
    }
}
