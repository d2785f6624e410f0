-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- audit_row_change() is SECURITY DEFINER and inserts into the unqualified audit_log. A search_path
-- that does not name pg_temp searches it first, so a session allowed to create temporary tables
-- could create its own temporary audit_log, grant it to everyone, and receive its own audit rows
-- there instead of the real log. Naming pg_temp last (PostgreSQL's advice for SECURITY DEFINER
-- functions) makes audit_log always mean public.audit_log. sql/roles.sql also revokes TEMPORARY
-- from the application roles; this holds even where that grant was never revoked.
-- (noqa: PRS: sqlfluff's postgres dialect cannot parse a list of values in ALTER FUNCTION SET.)
ALTER FUNCTION audit_row_change() SET search_path = pg_catalog, public, pg_temp; -- noqa: PRS

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER FUNCTION audit_row_change() SET search_path = pg_catalog, public; -- noqa: PRS
