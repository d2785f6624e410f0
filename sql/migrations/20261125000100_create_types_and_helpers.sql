-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Enumerations of the blog domain and the trigger function that keeps updated_at true.
CREATE TYPE user_role AS ENUM ('USER', 'MODERATOR', 'ADMIN', 'SUPER_ADMIN');

CREATE TYPE post_status AS ENUM ('DRAFT', 'PUBLISHED', 'ARCHIVED');

-- pg_trgm backs case-insensitive substring search on post titles (trusted since PostgreSQL 13).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- The database, not the client, owns updated_at: every UPDATE stamps it, whatever the client sent.
-- (Comparing NEW with OLD to skip no-op updates does not work on tables with stored generated
-- columns: those are still NULL in NEW when a BEFORE trigger runs.)
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION set_updated_at() IS
'BEFORE UPDATE trigger: stamps updated_at with the transaction time.';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP FUNCTION set_updated_at();

DROP EXTENSION IF EXISTS pg_trgm;

DROP TYPE post_status;

DROP TYPE user_role;
