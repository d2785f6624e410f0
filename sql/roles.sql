-- Least-privilege roles for one database: run by an admin (a superuser, or a role with
-- CREATEROLE that is a member of the migrator role), NOT by dbmate: many managed servers do not
-- let the migrator create roles. Idempotent: run it again after changing a password or name.
-- PostgreSQL 15 through 18.
--
--   migrator  owns the schema public and everything migrations create (DIRECT_DATABASE_URL)
--   app       SELECT/INSERT/UPDATE/DELETE on the tables, sequences for identity columns; no DDL,
--             no TRUNCATE, no temporary tables, no writes to audit_log (DATABASE_URL)
--   readonly  SELECT only, read-only transactions by default (reports, replicas)
--
-- Names and password verifiers come from settings of the admin's session (set_config), which
-- `python -m postsql.ops.roles apply` sets from its options and the environment; by hand:
--
--   psql "$ADMIN_URL" -c "SET postsql.app_role = 'blog_app'" -f sql/roles.sql
--
-- Passwords: `postsql.ops.roles` sends a SCRAM-SHA-256 verifier computed client-side, never the
-- password itself; an empty setting leaves the role's password unchanged.
--
-- Default privileges (ALTER DEFAULT PRIVILEGES FOR ROLE migrator IN SCHEMA public) grant the app
-- and readonly roles their rights on every table the migrator creates later: new tables need no
-- manual grant. audit_log is the exception: migration 20261125003000 revokes writes on it from
-- every role but its owner, and this script does too when it exists; audit triggers write it as
-- SECURITY DEFINER functions owned by the migrator.

DO $roles$
DECLARE
    migrator text := coalesce(
        nullif(current_setting('postsql.migrator_role', true), ''), 'postsql_migrator'
    );
    app text := coalesce(nullif(current_setting('postsql.app_role', true), ''), 'postsql_app');
    readonly text := coalesce(
        nullif(current_setting('postsql.readonly_role', true), ''), 'postsql_readonly'
    );
    role_name text;
    verifier text;
BEGIN
    IF migrator = app OR migrator = readonly OR app = readonly THEN
        RAISE EXCEPTION 'postsql roles: the migrator, app and readonly roles must differ (got %, %, %)',
        migrator, app, readonly;
    END IF;

    -- Create or tighten the three login roles; none may create roles, databases or bypass RLS.
    FOREACH role_name IN ARRAY ARRAY[migrator, app, readonly] LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', role_name);
        END IF;
        EXECUTE format(
            'ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
            role_name
        );
    END LOOP;

    -- A membership would hand its privileges over (an app role in the migrator could run DDL,
    -- a readonly role in the app could write): revoke those that roles existing before this
    -- script had.
    FOR role_name, verifier IN
        SELECT g.rolname, m.rolname
        FROM pg_catalog.pg_auth_members AS am
        JOIN pg_catalog.pg_roles AS g ON g.oid = am.roleid
        JOIN pg_catalog.pg_roles AS m ON m.oid = am.member
        WHERE (m.rolname = app AND g.rolname IN (migrator, readonly))
            OR (m.rolname = readonly AND g.rolname IN (migrator, app))
            OR (m.rolname IN (app, readonly) AND g.rolname IN (
                'pg_write_all_data', 'pg_write_server_files', 'pg_execute_server_program'
            ))
    LOOP
        EXECUTE format('REVOKE %I FROM %I', role_name, verifier);
    END LOOP;

    verifier := current_setting('postsql.migrator_password', true);
    IF coalesce(verifier, '') <> '' THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', migrator, verifier);
    END IF;
    verifier := current_setting('postsql.app_password', true);
    IF coalesce(verifier, '') <> '' THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', app, verifier);
    END IF;
    verifier := current_setting('postsql.readonly_password', true);
    IF coalesce(verifier, '') <> '' THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', readonly, verifier);
    END IF;

    -- Reports and replicas: every transaction read-only unless the session says otherwise.
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', readonly);

    -- The database: the migrator may create extensions (pg_trgm is trusted) and schemas.
    EXECUTE format(
        'GRANT CONNECT, CREATE, TEMPORARY ON DATABASE %I TO %I', current_database(), migrator
    );
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), app, readonly);
    -- No temporary tables for anyone but the migrator (PUBLIC has TEMPORARY by default): pg_temp
    -- comes first in a function's search_path unless named, so the app role could create a
    -- temporary "audit_log", grant it to the trigger's owner, and the SECURITY DEFINER audit
    -- trigger would write the app's audit rows there, out of the real log.
    EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format(
        'REVOKE TEMPORARY ON DATABASE %I FROM %I, %I', current_database(), app, readonly
    );

    -- The schema: owned by the migrator; nobody else creates in it.
    EXECUTE format('ALTER SCHEMA public OWNER TO %I', migrator);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I, %I', app, readonly);

    -- What exists already (a database migrated before this ran).
    EXECUTE format(
        'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', app
    );
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', app);
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA public TO %I', readonly);
    EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', readonly);
    EXECUTE format(
        'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM %I, %I',
        app, readonly
    );

    -- What migrations create from now on.
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
        'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
        migrator, app
    );
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
        'GRANT USAGE, SELECT ON SEQUENCES TO %I',
        migrator, app
    );
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT ON TABLES TO %I',
        migrator, readonly
    );
    EXECUTE format(
        'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public '
        'GRANT SELECT ON SEQUENCES TO %I',
        migrator, readonly
    );

    -- The audit log is append-only for the application: only audit triggers write it.
    IF to_regclass('public.audit_log') IS NOT NULL THEN
        EXECUTE format(
            'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.audit_log FROM %I, %I',
            app, readonly
        );
    END IF;
    -- dbmate's bookkeeping is the migrator's alone.
    IF to_regclass('public.schema_migrations') IS NOT NULL THEN
        EXECUTE format(
            'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.schema_migrations FROM %I', app
        );
    END IF;
END;
$roles$;
