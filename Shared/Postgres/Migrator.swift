import Logging

/// One schema change. `sql` may hold several statements; it runs inside a transaction, so it must not
/// use statements that refuse one (e.g. `CREATE INDEX CONCURRENTLY`). Never edit an applied migration:
/// add a new version instead (the migrator refuses a changed one).
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

public enum Migrator {
    /// Applies missing migrations in version order, each in its own transaction, recording them in
    /// `schema_migrations` (unqualified, so in the search_path schema). Every step takes
    /// `pg_advisory_xact_lock` on a key derived from the current schema, so replicas starting together
    /// wait for each other instead of racing. An applied version whose name or SQL checksum (SHA-256,
    /// computed by the server) differs from the one given is a `migrationMismatch` error.
    /// Versions applied by a newer release and unknown here are logged and left alone.
    public static func migrate(_ migrations: [Migration], on client: PostgresClient, logger: Logger) async throws {
        let ordered = migrations.sorted { $0.version < $1.version }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where previous.version == next.version {
            throw PostgresError(code: .migrationMismatch, context: "version \(next.version) is given twice")
        }

        // 1. Make sure the table exists and that what is applied matches the code, before changing anything.
        let applied = try await client.withTransaction { connection -> [Int] in
            try lock(connection)
            try connection.executeScript(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version bigint PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            var versions: [Int] = []
            for migration in ordered {
                if try verify(migration, on: connection) { versions.append(migration.version) }
            }
            return versions
        }
        let known = Set(ordered.map(\.version))
        let unknown = try await client.query("SELECT version FROM schema_migrations ORDER BY version")
            .map { try $0.decode(0, as: Int.self) }
            .filter { !known.contains($0) }
        if !unknown.isEmpty {
            logger.warning(
                "database has migrations this release does not know",
                metadata: ["postgres.migrations.unknown": "\(unknown)"])
        }

        // 2. Apply what is missing, one transaction each; another replica may have applied it meanwhile.
        let appliedSet = Set(applied)
        for migration in ordered where !appliedSet.contains(migration.version) {
            let didApply = try await client.withTransaction { connection -> Bool in
                try lock(connection)
                if try verify(migration, on: connection) { return false }
                try connection.executeScript(migration.sql)
                try connection.execute(
                    """
                    INSERT INTO schema_migrations (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name),
                            encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                    """
                )
                return true
            }
            if didApply {
                logger.info(
                    "migration applied",
                    metadata: [
                        "postgres.migration.version": "\(migration.version)",
                        "postgres.migration.name": "\(migration.name)",
                    ])
            }
        }
    }

    /// Waits for the schema's migration lock (held until the transaction ends).
    private static func lock(_ connection: PostgresConnection) throws {
        try connection.query(
            "SELECT pg_advisory_xact_lock(hashtext('hromada.migrations.' || coalesce(current_schema(), '')))")
    }

    /// True if the migration is applied with the same name and checksum; false if not applied; throws on a mismatch.
    private static func verify(_ migration: Migration, on connection: PostgresConnection) throws -> Bool {
        let rows = try connection.query(
            """
            SELECT name, checksum = encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex') AS same
            FROM schema_migrations WHERE version = \(migration.version)
            """
        )
        guard let row = rows.first else { return false }
        guard try row.decode("name", as: String.self) == migration.name else {
            throw PostgresError(
                code: .migrationMismatch, context: "version \(migration.version) was applied under another name")
        }
        guard try row.decode("same", as: Bool.self) else {
            throw PostgresError(
                code: .migrationMismatch,
                context: "version \(migration.version) (\(migration.name)) changed since it was applied")
        }
        return true
    }
}
