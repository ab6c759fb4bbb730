import Foundation
import HromadaPostgres

/// Counters read before and after a phase, to say what one appeal costs the broker and the
/// database: the vhost's message_stats (management API) and the database's commits
/// (pg_stat_database).
struct PhaseCounters: Codable, Sendable {
    /// Messages published into the vhost (`message_stats.publish`).
    var publishes: Int
    /// Messages delivered to consumers or fetched (`message_stats.deliver_get`).
    var deliveries: Int
    /// `pg_stat_database.xact_commit` of the system's database: every transaction, read-only ones
    /// (polling, autocommit SELECTs) included.
    var commits: Int
    /// Transaction ids assigned on the whole server (the next xid): write transactions only, the ones
    /// that flush WAL at commit as the ceiling's INSERTs do. Server-wide: exact on a quiet machine,
    /// an over-count when other databases write at the same time.
    var writeTransactions: Int
    /// Events the benchmark's own observer queue received (its deliveries are not the pipeline's).
    var observed: Int
    /// notification.sent events seen (emails and other notices the pipeline sent).
    var notificationsSent: Int
}

/// What one phase cost per completed appeal, from two `PhaseCounters` readings.
struct PerAppealCost: Codable, Sendable {
    var completed: Int
    var publishes: Int
    var deliveries: Int
    var commits: Int
    var writeTransactions: Int
    var notificationsSent: Int
    var publishesPerAppeal: Double
    /// Deliveries to the services' own queues (the observer's subtracted).
    var deliveriesPerAppeal: Double
    var commitsPerAppeal: Double
    var writeTransactionsPerAppeal: Double
    var notificationsPerAppeal: Double

    init?(before: PhaseCounters?, after: PhaseCounters?, completed: Int) {
        // A broker restart resets the management statistics: no cost across it.
        guard let before, let after, completed > 0, after.publishes >= before.publishes,
            after.deliveries >= before.deliveries, after.commits >= before.commits
        else { return nil }
        self.completed = completed
        publishes = after.publishes - before.publishes
        deliveries = (after.deliveries - before.deliveries) - (after.observed - before.observed)
        commits = after.commits - before.commits
        writeTransactions = after.writeTransactions - before.writeTransactions
        notificationsSent = after.notificationsSent - before.notificationsSent
        publishesPerAppeal = Double(publishes) / Double(completed)
        deliveriesPerAppeal = Double(deliveries) / Double(completed)
        commitsPerAppeal = Double(commits) / Double(completed)
        writeTransactionsPerAppeal = Double(writeTransactions) / Double(completed)
        notificationsPerAppeal = Double(notificationsSent) / Double(completed)
    }
}

/// GET requests to the RabbitMQ management API as the user in `http://user:pass@host:port`.
struct ManagementAPI: Sendable {
    let host: String
    let port: UInt16
    let authorization: String

    init(url: String) throws {
        (host, port) = try parseHTTPBase(url)
        var auth = "guest:guest"
        if let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", range: schemeEnd.upperBound..<url.endIndex)
        {
            auth = String(url[schemeEnd.upperBound..<at.lowerBound])
        }
        authorization = "Basic " + Data(auth.utf8).base64EncodedString()
    }

    /// A new keep-alive connection to the API.
    func connect() -> BlockingHTTPConnection { BlockingHTTPConnection(host: host, port: port, timeoutSeconds: 5) }

    /// GET `path` on a connection of its own, closed afterwards.
    func get(_ path: String) -> Any? {
        let connection = connect()
        defer { connection.close() }
        return get(path, on: connection)
    }

    /// GET `path` on `connection`: the decoded JSON of a 200 answer, else nil.
    func get(_ path: String, on connection: BlockingHTTPConnection) -> Any? {
        guard
            let response = try? connection.request(
                method: "GET", path: path, headers: [("Authorization", authorization)]),
            response.status == 200
        else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(response.body))
    }

    /// The vhost's cumulative publish and deliver_get counts (from the list of vhosts: the monitoring
    /// user may list them, while GET /api/vhosts/<name> is for administrators).
    func vhostMessageCounts(_ vhost: String) -> (publishes: Int, deliveries: Int)? {
        guard
            let list = get("/api/vhosts?columns=name,message_stats.publish,message_stats.deliver_get")
                as? [[String: Any]],
            let object = list.first(where: { $0["name"] as? String == vhost })
        else { return nil }
        let stats = object["message_stats"] as? [String: Any] ?? [:]
        return ((stats["publish"] as? Int) ?? 0, (stats["deliver_get"] as? Int) ?? 0)
    }

    /// The counts once the management database has caught up: the statistics are collected every
    /// few seconds (5 s by default), so read until two readings `interval` apart agree (at most
    /// `attempts` times). Only meaningful while the pipeline is idle (before or after a phase).
    func settledVhostMessageCounts(_ vhost: String, interval: Double = 5.5, attempts: Int = 4) async
        -> (publishes: Int, deliveries: Int)?
    {
        var last = vhostMessageCounts(vhost)
        for _ in 0..<attempts {
            try? await Task.sleep(for: .seconds(interval))
            let next = vhostMessageCounts(vhost)
            if let a = last, let b = next, a == b { return b }
            last = next ?? last  // a failed reading (broker restarting) keeps the previous one
        }
        return last
    }
}

extension PostgresClient {
    /// Committed transactions of `database` since the statistics were reset.
    func commits(of database: String) async -> Int? {
        guard let row = try? await query("SELECT xact_commit FROM pg_stat_database WHERE datname = \(database)").first
        else { return nil }
        return try? Int(row.decode(0, as: Int64.self))
    }

    /// The next transaction id of the server (assigns none itself).
    func nextTransactionId() async -> Int? {
        guard let row = try? await query("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint").first else {
            return nil
        }
        return try? Int(row.decode(0, as: Int64.self))
    }
}
