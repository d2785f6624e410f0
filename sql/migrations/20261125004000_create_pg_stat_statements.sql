-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- pg_stat_statements backs `postsql report`'s slow queries (sql/queries/monitoring.sql).
-- CREATE EXTENSION only installs the views; they return rows once the server also runs with
-- shared_preload_libraries = 'pg_stat_statements' (the embedded server does). Without the preload,
-- or when the role may not create it (it is not a trusted extension) or the server lacks the
-- contrib files, the migration still succeeds: postsql reports "not enabled" and how to enable it,
-- instead of blocking every later migration on a monitoring feature.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
EXCEPTION
    WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
        RAISE NOTICE 'pg_stat_statements not created (%): slow-query reports stay disabled', SQLERRM;
END
$$;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP EXTENSION IF EXISTS pg_stat_statements;
