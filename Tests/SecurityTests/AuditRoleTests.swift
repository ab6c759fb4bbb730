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
        let database = try await TestDatabase.create(schema: "audit", role: Self.owner)
        do {
            try await check(database)
        } catch {
            try? await database.drop()
            throw error
        }
        try await database.drop()
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
            try connection.executeScript("""
                INSERT INTO log (seq, event_id, event_type, correlation_id, actor, occurred_at, stored, prev_hash, hash)
                VALUES (1, gen_random_uuid(), 'test.event', gen_random_uuid(), 'test', now(), '\\x7b7d', '\\x00', '\\x01')
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
        // GRANT without the grant option only warns: what matters is that nothing was granted.
        _ = try? await service.withConnection { try $0.executeScript("GRANT UPDATE, DELETE, TRUNCATE ON log TO hromada_audit") }
        let rights = try await database.adminClient().query("""
            SELECT has_table_privilege('hromada_audit', 'audit.log', 'UPDATE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'DELETE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'TRUNCATE'),
                   has_table_privilege('hromada_audit', 'audit.log', 'INSERT'),
                   has_table_privilege('hromada_audit', 'audit.log', 'SELECT')
            """)
        let row = try XCTUnwrap(rights.first)
        XCTAssertEqual(try (0..<5).map { try row.decode($0, as: Bool.self) }, [false, false, false, true, true])
        let triggers = try await database.adminClient().query(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit.log'::regclass AND tgenabled = 'O'")
        XCTAssertEqual(try triggers.first?.decode(0, as: Int.self), 2)
        let actors = try await service.query("SELECT actor FROM log")
        XCTAssertEqual(try actors.map { try $0.decode(0, as: String.self) }, ["test"])
    }
}
