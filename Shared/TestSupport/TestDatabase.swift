import Foundation
import HromadaPostgres
import Logging
import Synchronization

/// A throwaway database `t_<random>` for one test: created through the superuser connection
/// (`IntegrationEnvironment.postgresAdminURL`), with the service's schema owned by the service's role,
/// exactly as in production (the role can touch only its schema). Call `drop()` at the end.
public final class TestDatabase: Sendable {
    /// `t_<random hex>`.
    public let name: String
    /// The schema the service works in (also the clients' search_path).
    public let schema: String
    /// The role that owns `schema` (default `hromada_<schema>`).
    public let role: String
    /// Connection string for `role` into this database (its generated password, see `connectionString`).
    public let connectionString: String
    /// Superuser connection string into this database.
    public let adminConnectionString: String

    private let host: String
    private let port: Int
    private let clients = Mutex<[PostgresClient]>([])

    private init(name: String, schema: String, role: String, host: String, port: Int, adminConnectionString: String) {
        self.name = name
        self.schema = schema
        self.role = role
        self.host = host
        self.port = port
        self.adminConnectionString = adminConnectionString
        self.connectionString = Self.connectionString(host: host, port: port, database: name, role: role)
    }

    /// Creates the database, the role if it is missing (LOGIN, password = name), and `schema`
    /// AUTHORIZATION `role`; only `role` (and the superuser) may connect.
    public static func create(schema: String, role: String? = nil) async throws -> TestDatabase {
        try requireIdentifier(schema)
        let role = role ?? "hromada_\(schema)"
        try requireIdentifier(role)
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let adminURL = IntegrationEnvironment.postgresAdminURL
        let (host, port) = hostAndPort(of: adminURL)
        let database = TestDatabase(
            name: name, schema: schema, role: role, host: host, port: port,
            adminConnectionString: PostgresConfiguration.replacingDatabase(in: adminURL, with: name)
        )
        try await withAdmin(adminURL) { connection in
            try ensureRole(role, on: connection)
            // Identifiers cannot be parameters; `name` is generated here and `role` checked above.
            try connection.executeScript("CREATE DATABASE \(name)")
            try connection.executeScript(
                "REVOKE ALL ON DATABASE \(name) FROM PUBLIC; GRANT CONNECT, TEMPORARY ON DATABASE \(name) TO \(role)")
        }
        do {
            try await database.createSchema(schema, role: role)
        } catch {
            try? await database.drop()
            throw error
        }
        return database
    }

    /// Runs `body` on a new database (`create(schema:role:)`) and drops it afterwards, whether
    /// `body` returns or throws.
    public static func using<T>(
        schema: String, role: String? = nil, _ body: (TestDatabase) async throws -> T
    ) async throws -> T {
        let database = try await create(schema: schema, role: role)
        let result: T
        do {
            result = try await body(database)
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
        return result
    }

    /// Adds another service's schema (owned by its role, default `hromada_<schema>`) to this database,
    /// e.g. to show that one service's role cannot read another's tables.
    public func createSchema(_ schema: String, role: String? = nil) async throws {
        try Self.requireIdentifier(schema)
        let role = role ?? "hromada_\(schema)"
        try Self.requireIdentifier(role)
        try await Self.withAdmin(IntegrationEnvironment.postgresAdminURL) { connection in
            try Self.ensureRole(role, on: connection)
            try connection.executeScript("GRANT CONNECT, TEMPORARY ON DATABASE \(self.name) TO \(role)")
        }
        try await Self.withAdmin(adminConnectionString) { connection in
            try connection.executeScript("CREATE SCHEMA IF NOT EXISTS \(schema) AUTHORIZATION \(role)")
            // So that `connectionString` alone (e.g. given to a service under test) lands in the schema.
            try connection.executeScript("ALTER ROLE \(role) IN DATABASE \(self.name) SET search_path = \(schema)")
        }
    }

    /// A pool for the service's role with search_path = schema; closed by `drop()`.
    public func client(poolSize: Int = 4) -> PostgresClient {
        client(role: role, schema: schema, poolSize: poolSize)
    }

    /// A pool for another role and search_path; closed by `drop()`.
    public func client(role: String, schema: String?, poolSize: Int = 4) -> PostgresClient {
        var configuration = PostgresConfiguration(
            connectionString: Self.connectionString(host: host, port: port, database: name, role: role),
            poolSize: poolSize, searchPath: schema, applicationName: "hromada-test"
        )
        configuration.checkoutTimeout = .seconds(30)
        return track(PostgresClient(configuration: configuration, logger: Self.logger))
    }

    /// A superuser pool into this database; closed by `drop()`.
    public func adminClient(poolSize: Int = 2) -> PostgresClient {
        track(
            PostgresClient(
                configuration: PostgresConfiguration(
                    connectionString: adminConnectionString, poolSize: poolSize, applicationName: "hromada-test-admin"),
                logger: Self.logger))
    }

    /// Connection string for `role` into this database, e.g. for a service under test.
    public func connectionString(role: String) -> String {
        Self.connectionString(host: host, port: port, database: name, role: role)
    }

    /// Closes the clients made here, ends every other session in the database, and drops it.
    public func drop() async throws {
        let made = clients.withLock { clients in
            defer { clients = [] }
            return clients
        }
        for client in made { await client.close() }
        let name = self.name
        try await Self.withAdmin(IntegrationEnvironment.postgresAdminURL) { connection in
            try connection.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = \(name) AND pid <> pg_backend_pid()
                """)
            try connection.executeScript("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    // MARK: Helpers

    private func track(_ client: PostgresClient) -> PostgresClient {
        clients.withLock { $0.append(client) }
        return client
    }

    private static let logger: Logger = {
        var logger = Logger(label: "hromada.test.postgres")
        logger.logLevel = .warning
        return logger
    }()

    private static func withAdmin(
        _ connectionString: String, _ body: @escaping @Sendable (PostgresConnection) throws -> Void
    ) async throws {
        let admin = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: connectionString, poolSize: 1, applicationName: "hromada-test-admin"),
            logger: logger
        )
        do {
            try await admin.withConnection(body)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
    }

    private static func ensureRole(_ role: String, on connection: PostgresConnection) throws {
        let exists = try connection.query("SELECT 1 FROM pg_roles WHERE rolname = \(role)").count == 1
        if !exists {
            // Roles are cluster-wide and another test may create the same one right now.
            do {
                try connection.executeScript("CREATE ROLE \(role) LOGIN PASSWORD '\(role)'")
            } catch let error as PostgresError where error.isUniqueViolation {}
        }
    }

    private static func requireIdentifier(_ identifier: String) throws {
        let allowed = identifier.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
        guard allowed, let first = identifier.unicodeScalars.first, ("a"..."z").contains(first) || first == "_",
            identifier.count < 64
        else {
            throw PostgresError(code: .invalidConfiguration, context: "not a plain lower-case identifier")
        }
    }

    /// The role's password: deploy/local's generated one for the service roles
    /// (`secrets/postgres/<role>`), the role's name for a role only tests create.
    private static func connectionString(host: String, port: Int, database: String, role: String) -> String {
        let password = IntegrationEnvironment.secret("postgres", role) ?? role
        return "host=\(host) port=\(port) dbname=\(database) user=\(role) password=\(password)"
    }

    /// Host and port of a URI or conninfo (127.0.0.1:5432 when absent).
    static func hostAndPort(of connectionString: String) -> (String, Int) {
        if connectionString.hasPrefix("postgres://") || connectionString.hasPrefix("postgresql://"),
            let components = URLComponents(string: connectionString)
        {
            return (components.host ?? "127.0.0.1", components.port ?? 5432)
        }
        var host = "127.0.0.1"
        var port = 5432
        for pair in connectionString.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "host" { host = parts[1] }
            if parts[0] == "port", let value = Int(parts[1]) { port = value }
        }
        return (host, port)
    }
}
