import Audit
import Foundation
import HromadaPostgres
import HromadaRuntime
import HromadaTestSupport
import Logging
import XCTest

/// Issue 13, item 5: the audit log belongs to an owner role that runs the migrations; the service
/// role `hromada_audit` may insert and read the log but cannot alter it, switch off its
/// append-only triggers or grant itself more. Real PostgreSQL.
final class AuditRoleTests: XCTestCase {
    static let owner = "hromada_audit_owner"
    static let service = "hromada_audit"

    func testTheServiceRoleCanOnlyInsertAndReadTheLog() async throws {
        try IntegrationEnvironment.requireServers()
        try await TestDatabase.using(schema: "audit", role: Self.owner) { try await check($0) }
    }

    /// The same on the stack deploy/local builds (`test.sh` and `up.sh` call lib.sh's
    /// `audit_owner_ensure`): the owner role exists with its generated password, owns the audit
    /// schema of the `hromada` database, audit's migrations run as it (what the service does with
    /// HROMADA_AUDIT_MIGRATION_DATABASE_URL), and the service role with its own generated password
    /// cannot disable the trigger, grant itself UPDATE/DELETE or alter the table. Every attempt
    /// runs in a transaction that is rolled back, so the real log is never touched.
    func testOnTheStackTheScriptsBuildTheServiceRoleCannotRewriteTheLog() async throws {
        try IntegrationEnvironment.requireServers()
        guard let ownerPassword = IntegrationEnvironment.secret("postgres", Self.owner),
            let servicePassword = IntegrationEnvironment.secret("postgres", Self.service)
        else {
            if IntegrationEnvironment.infrastructureRequired {
                XCTFail(
                    "deploy/local/test.sh creates \(Self.owner) with a generated password (lib.sh audit_owner_ensure)")
            }
            throw XCTSkip("no generated password for \(Self.owner): run deploy/local/test.sh or up.sh")
        }
        let admin = try XCTUnwrap(URLComponents(string: IntegrationEnvironment.postgresAdminURL))
        let database = ProcessInfo.processInfo.environment["HROMADA_PG_DATABASE"] ?? "hromada"
        func url(_ role: String, _ password: String) -> String {
            "host=\(admin.host ?? "127.0.0.1") port=\(admin.port ?? 5432) dbname=\(database)"
                + " user=\(role) password=\(password)"
        }
        var logger = Logger(label: "test.audit-roles.stack")
        logger.logLevel = .warning
        let superuser = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: url(admin.user ?? "postgres", admin.password ?? ""), poolSize: 1,
                applicationName: "hromada-test-admin"),
            logger: logger)
        let service = PostgresClient(
            configuration: PostgresConfiguration(
                connectionString: url(Self.service, servicePassword), poolSize: 1, searchPath: "audit",
                applicationName: "hromada-test"),
            logger: logger)
        defer {
            Task {
                await service.close()
                await superuser.close()
            }
        }
        let owner = try await superuser.query(
            """
            SELECT nspowner::regrole::text, r.rolsuper, r.rolcanlogin
            FROM pg_namespace n JOIN pg_roles r ON r.rolname = \(Self.owner) WHERE n.nspname = 'audit'
            """)
        let row = try XCTUnwrap(owner.first, "no \(Self.owner) role or no audit schema in \(database)")
        XCTAssertEqual(try row.decode(0, as: String.self), Self.owner, "the owner role owns the audit schema")
        XCTAssertEqual(try row.decode(1, as: Bool.self), false)
        XCTAssertEqual(try row.decode(2, as: Bool.self), true)

        // What the audit service does at start with the owner's URL (up.sh passes it).
        try await AuditService.migrateAsOwner(connectionString: url(Self.owner, ownerPassword), logger: logger)
        try await Migrator.migrate(RuntimeMigrations.all + AuditMigrations.all, on: service, logger: logger)
        let tableOwner = try await superuser.query(
            "SELECT tableowner::text FROM pg_tables WHERE schemaname = 'audit' AND tablename = 'log'")
        XCTAssertEqual(try tableOwner.first?.decode(0, as: String.self), Self.owner)

        // The service role may insert (rolled back: the real chain stays as it is) and read.
        try await service.withConnection { connection in
            try connection.executeScript(
                """
                BEGIN;
                INSERT INTO log (seq, event_id, event_type, correlation_id, actor, occurred_at, stored, prev_hash, hash)
                VALUES (-1, gen_random_uuid(), 'test.event', gen_random_uuid(), 'test', now(),
                        '\\x7b7d', '\\x00', '\\x01');
                ROLLBACK;
                """)
        }
        _ = try await service.query("SELECT count(*) FROM log")
        let refused = [
            "ALTER TABLE log DISABLE TRIGGER log_append_only",
            "ALTER TABLE log DISABLE TRIGGER ALL",
            "DROP TRIGGER log_append_only ON log",
            "ALTER TABLE log ADD COLUMN forged text",
            "ALTER TABLE log OWNER TO hromada_audit",
            "UPDATE log SET actor = 'forged'",
            "DELETE FROM log",
            "TRUNCATE log",
            "DROP TABLE log",
            "DROP SCHEMA audit CASCADE",
        ]
        for statement in refused {
            do {
                try await service.withConnection { try $0.executeScript("BEGIN; \(statement); ROLLBACK;") }
                XCTFail("the service role was allowed: \(statement)")
            } catch {
                _ = try? await service.withConnection { try $0.executeScript("ROLLBACK") }
            }
        }
        try await assertOnlyInsertAndSelectAfterTryingToGrantMore(service: service, superuser: superuser)
    }

    private func check(_ database: TestDatabase) async throws {
        let name = database.name
        try await database.adminClient().withConnection { connection in
            try connection.executeScript("GRANT CONNECT ON DATABASE \(name) TO \(Self.service)")
            try connection.executeScript("ALTER ROLE \(Self.service) IN DATABASE \(name) SET search_path = audit")
        }
        var logger = Logger(label: "test.audit-roles")
        logger.logLevel = .warning
        // What the service does at start with HROMADA_AUDIT_MIGRATION_DATABASE_URL: the owner
        // migrates, then the service role's own (now empty) migration pass must still succeed.
        try await AuditService.migrateAsOwner(connectionString: database.connectionString, logger: logger)
        let service = database.client(role: Self.service, schema: "audit", poolSize: 1)
        try await Migrator.migrate(RuntimeMigrations.all + AuditMigrations.all, on: service, logger: logger)

        let owner = try await database.adminClient().query(
            "SELECT tableowner FROM pg_tables WHERE schemaname = 'audit' AND tablename = 'log'")
        XCTAssertEqual(try owner.first?.decode(0, as: String.self), Self.owner)

        // INSERT and SELECT work.
        try await service.withConnection { connection in
            try connection.executeScript(
                """
                INSERT INTO log (seq, event_id, event_type, correlation_id, actor, occurred_at, stored, prev_hash, hash)
                VALUES (1, gen_random_uuid(), 'test.event', gen_random_uuid(), 'test', now(),
                        '\\x7b7d', '\\x00', '\\x01')
                """)
        }
        let count = try await service.query("SELECT count(*) FROM log")
        XCTAssertEqual(try count.first?.decode(0, as: Int.self), 1)

        // Everything that would let the service role rewrite history is refused.
        let refused = [
            "ALTER TABLE log DISABLE TRIGGER log_append_only",
            "ALTER TABLE log DISABLE TRIGGER ALL",
            "DROP TRIGGER log_append_only ON log",
            "UPDATE log SET actor = 'forged'",
            "DELETE FROM log",
            "TRUNCATE log",
            "ALTER TABLE log OWNER TO hromada_audit",
            "DROP TABLE log",
            "UPDATE checkpoints SET entries = 0",
            "DELETE FROM schema_migrations",
        ]
        for statement in refused {
            do {
                try await service.withConnection { try $0.executeScript(statement) }
                XCTFail("the service role was allowed: \(statement)")
            } catch {}
        }
        try await assertOnlyInsertAndSelectAfterTryingToGrantMore(service: service, superuser: database.adminClient())
        let actors = try await service.query("SELECT actor FROM log")
        XCTAssertEqual(try actors.map { try $0.decode(0, as: String.self) }, ["test"])
    }

    /// The service role tries to grant itself UPDATE, DELETE and TRUNCATE on the log (without the
    /// grant option that only warns): the superuser still sees INSERT and SELECT only, and both
    /// append-only triggers enabled.
    private func assertOnlyInsertAndSelectAfterTryingToGrantMore(
        service: PostgresClient, superuser: PostgresClient
    ) async throws {
        _ = try? await service.withConnection {
            try $0.executeScript("GRANT UPDATE, DELETE, TRUNCATE ON log TO hromada_audit")
        }
        let rights = try await superuser.query(
            """
            SELECT has_table_privilege('hromada_audit', 'audit.log', 'UPDATE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'DELETE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'TRUNCATE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'INSERT'),
                   has_table_privilege('hromada_audit', 'audit.log', 'SELECT')
            """)
        let row = try XCTUnwrap(rights.first)
        XCTAssertEqual(try (0..<5).map { try row.decode($0, as: Bool.self) }, [false, false, false, true, true])
        let triggers = try await superuser.query(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit.log'::regclass AND tgenabled = 'O'")
        XCTAssertEqual(try triggers.first?.decode(0, as: Int.self), 2)
    }
}
