-- The audit log's owner role apart from the service role (docs/SECURITY.md, "The audit log").
-- Run as the superuser while connected to the target database, after roles.sql and
-- bootstrap-database.sql; then set the owner's password (ALTER ROLE … PASSWORD, from the secret).
-- Idempotent, and it moves over a database whose audit schema the service role owned so far.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hromada_audit_owner') THEN
        CREATE ROLE hromada_audit_owner;
    END IF;
    ALTER ROLE hromada_audit_owner LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
    ALTER ROLE hromada_audit_owner SET search_path = audit;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO hromada_audit_owner', current_database());
    CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION hromada_audit_owner;
    ALTER SCHEMA audit OWNER TO hromada_audit_owner;
END
$$;

-- Whatever the service role created while it ran the migrations itself (tables, sequences, the
-- append-only trigger functions) now belongs to the owner.
REASSIGN OWNED BY hromada_audit TO hromada_audit_owner;

-- What migration 300 grants when the owner runs it: the service role may insert and read the log
-- and the checkpoints, work in its working tables, read schema_migrations; nothing more.
DO $$
BEGIN
    GRANT USAGE, CREATE ON SCHEMA audit TO hromada_audit;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA audit TO hromada_audit;
    GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA audit TO hromada_audit;
    ALTER DEFAULT PRIVILEGES FOR ROLE hromada_audit_owner IN SCHEMA audit
        GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO hromada_audit;
    ALTER DEFAULT PRIVILEGES FOR ROLE hromada_audit_owner IN SCHEMA audit
        GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO hromada_audit;
    IF to_regclass('audit.log') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit.log FROM hromada_audit;
    END IF;
    IF to_regclass('audit.checkpoints') IS NOT NULL THEN
        REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON audit.checkpoints FROM hromada_audit;
    END IF;
    IF to_regclass('audit.schema_migrations') IS NOT NULL THEN
        REVOKE ALL ON audit.schema_migrations FROM hromada_audit;
        GRANT SELECT ON audit.schema_migrations TO hromada_audit;
    END IF;
END
$$;
