-- Per-database part of the bootstrap, for `hromada` and for the throwaway databases of tests.
-- Run as the superuser while connected to the target database, after roles.sql:
--   psql -v ON_ERROR_STOP=1 -d <database> -f bootstrap-database.sql
-- Each service role owns exactly its schema; nobody else may use it, and nobody may create
-- objects in `public` or temporary tables. Idempotent.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

DO $$
DECLARE
    service text;
    role_name text;
    db text := current_database();
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', db);
    FOREACH service IN ARRAY ARRAY['intake', 'routing', 'notification', 'audit'] LOOP
        role_name := 'hromada_' || service;
        IF service = 'audit' AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hromada_audit_owner') THEN
            -- The audit log belongs to its owner role, not to the service (audit-owner.sql).
            EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION hromada_audit_owner', service);
            EXECUTE format('ALTER SCHEMA %I OWNER TO hromada_audit_owner', service);
            EXECUTE format('GRANT USAGE, CREATE ON SCHEMA %I TO %I', service, role_name);
            EXECUTE format('GRANT CONNECT ON DATABASE %I TO hromada_audit_owner', db);
        ELSE
            EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, role_name);
            EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, role_name);
        END IF;
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', db, role_name);
    END LOOP;
END
$$;
