import HromadaPostgres

/// The audit schema. Tables are unqualified: the connection's search_path is `audit`.
///
/// - `log`: the hash chain, append-only. `seq` is assigned by the single chain writer (the
///   consumer holding the `chain_head` row lock), not by a sequence, so it has no gaps.
///   A trigger refuses UPDATE, DELETE and TRUNCATE even for the owner, and the owner's own
///   UPDATE/DELETE/TRUNCATE privileges are revoked (a careless owner would have to re-grant them
///   AND disable the trigger).
/// - `chain_head`: one row with the last sequence and hash; its row lock serialises writers, even
///   across replicas.
/// - `checkpoints`: every published `audit.checkpoint` (append-only too).
/// - `appeal_keys`: one AES-256-GCM key per appeal (correlation id). Erasure sets `key` to NULL.
///   Here the keys live in a table protected by the database role; in production they belong in a
///   KMS/HSM, and the row's old version lingers until VACUUM reclaims it.
/// - `appeals`: correlation id → registration number, filled by `appeal.registered` and any event
///   that carries both.
public enum AuditMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 100, name: "audit log, chain head, keys, checkpoints",
            sql: """
                CREATE TABLE log (
                    seq bigint PRIMARY KEY,
                    event_id uuid NOT NULL UNIQUE,
                    event_type text NOT NULL,
                    correlation_id uuid NOT NULL,
                    registration_number text,
                    actor text NOT NULL,
                    occurred_at timestamptz NOT NULL,
                    recorded_at timestamptz NOT NULL DEFAULT now(),
                    stored bytea NOT NULL,
                    prev_hash bytea NOT NULL,
                    hash bytea NOT NULL
                );
                CREATE INDEX log_registration_number ON log (registration_number) WHERE registration_number IS NOT NULL;
                CREATE INDEX log_correlation_id ON log (correlation_id);

                CREATE TABLE chain_head (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    seq bigint NOT NULL,
                    hash bytea NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now()
                );
                INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

                CREATE TABLE checkpoints (
                    seq bigint PRIMARY KEY,
                    hash bytea NOT NULL,
                    entries bigint NOT NULL,
                    event_id uuid NOT NULL UNIQUE,
                    created_at timestamptz NOT NULL DEFAULT now()
                );

                CREATE TABLE appeal_keys (
                    correlation_id uuid PRIMARY KEY,
                    key bytea,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    erased_at timestamptz,
                    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
                );

                CREATE TABLE appeals (
                    correlation_id uuid PRIMARY KEY,
                    registration_number text NOT NULL
                );
                CREATE INDEX appeals_registration_number ON appeals (registration_number);

                CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'the audit % table is append-only: % refused', TG_TABLE_NAME, TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END
                $$;
                CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON log
                    FOR EACH ROW EXECUTE FUNCTION refuse_change();
                CREATE TRIGGER log_no_truncate BEFORE TRUNCATE ON log
                    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
                CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
                    FOR EACH ROW EXECUTE FUNCTION refuse_change();
                CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
                    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
                REVOKE UPDATE, DELETE, TRUNCATE ON log FROM CURRENT_USER;
                REVOKE UPDATE, DELETE, TRUNCATE ON checkpoints FROM CURRENT_USER;
                """),
        Migration(
            version: 300, name: "service role apart from the owner: insert and select the log",
            sql: """
                DO $grants$
                DECLARE
                    schema_name text := current_schema();
                BEGIN
                    -- Run by the owner role (hromada_audit_owner), the service role gets only what it
                    -- needs. Run by the service role itself (a set-up without an owner role), nothing
                    -- changes.
                    IF current_user = 'hromada_audit'
                       OR NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hromada_audit') THEN
                        RETURN;
                    END IF;
                    -- CREATE only so that the runtime's `CREATE TABLE IF NOT EXISTS schema_migrations`
                    -- passes for the service role; it cannot alter or drop what the owner created.
                    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO hromada_audit', schema_name);
                    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO hromada_audit',
                                   schema_name);
                    EXECUTE format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %I TO hromada_audit',
                                   schema_name);
                    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                                   'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hromada_audit', schema_name);
                    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I '
                                   'GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO hromada_audit', schema_name);
                    -- The append-only tables: insert and read, nothing else.
                    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON log, checkpoints FROM hromada_audit;
                    REVOKE ALL ON schema_migrations FROM hromada_audit;
                    GRANT SELECT ON schema_migrations TO hromada_audit;
                END
                $grants$;
                """),
    ]
}
