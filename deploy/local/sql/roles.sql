-- Cluster-wide part of the bootstrap: one login role per service, password = role name
-- (local development only), search_path = the service's own schema. Idempotent.
-- Run as the superuser: psql -v ON_ERROR_STOP=1 -f roles.sql
DO $$
DECLARE
    service text;
    role_name text;
BEGIN
    FOREACH service IN ARRAY ARRAY['intake', 'routing', 'notification', 'audit'] LOOP
        role_name := 'hromada_' || service;
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I', role_name);
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %L',
                       role_name, role_name);
        EXECUTE format('ALTER ROLE %I SET search_path = %I', role_name, service);
    END LOOP;
END
$$;
