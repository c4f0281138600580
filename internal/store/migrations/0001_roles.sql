-- Application roles. Roles are cluster-wide, so several databases on one
-- server (tests, staging copies) share them: create each only if missing and
-- tolerate another database's migration creating it at the same moment.
--
-- aurum_app:   what the application runs as inside every transaction
--              (store.InTenant / store.InTx); subject to row-level security.
-- aurum_relay: what the outbox relay runs as (store.InRelay); reads and marks
--              outbox rows of every tenant, nothing else.
--
-- Production connects as a LOGIN role that is a member of these, e.g.
--   CREATE ROLE aurum_api LOGIN PASSWORD '...' IN ROLE aurum_app;
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['aurum_app', 'aurum_relay'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created concurrently by another database's migration
            END;
        END IF;
    END LOOP;

    IF EXISTS (SELECT 1 FROM pg_roles
               WHERE rolname IN ('aurum_app', 'aurum_relay') AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'roles aurum_app and aurum_relay must not be SUPERUSER or BYPASSRLS: row-level security would not apply';
    END IF;

    -- PUBLIC usually has USAGE on the schema already; say so explicitly where
    -- we may.
    BEGIN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO aurum_app, aurum_relay', current_schema());
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'cannot grant USAGE on schema %: relying on existing privileges', current_schema();
    END;
END
$$;
