-- Operations: health checks, growth reports and backup bookkeeping (postsql.ops.monitoring,
-- postsql.ops.report, postsql.ops.backup). Every query reads the catalog or the statistics
-- views and works on PostgreSQL 15 through 18. "This database" is current_database().

-- name: server_info()^
-- Returns the server's version, whether it is a standby, and how many connections it holds.
-- @nonnull server_version_num, version_text, database_name, in_recovery
-- @nonnull max_connections, connections
SELECT
    current_setting('server_version_num')::integer AS server_version_num,
    current_setting('server_version') AS version_text,
    current_database() AS database_name,
    pg_is_in_recovery() AS in_recovery,
    current_setting('max_connections')::integer AS max_connections,
    (
        SELECT count(*) FROM pg_stat_activity AS a
        WHERE a.backend_type = 'client backend')
        AS connections;

-- name: activity_by_state()
-- Returns the client connections to this database by state (active, idle, idle in transaction...)
-- with how long the oldest has been in that state, in seconds.
-- @nonnull state, connections
SELECT
    coalesce(a.state, 'unknown') AS state,
    count(*) AS connections,
    greatest(max(extract(EPOCH FROM clock_timestamp() - a.state_change)), 0)::float8
        AS longest_seconds
FROM pg_stat_activity AS a
WHERE a.datname = current_database() AND a.backend_type = 'client backend'
GROUP BY coalesce(a.state, 'unknown')
ORDER BY coalesce(a.state, 'unknown');

-- name: blocking_locks()
-- Returns who blocks whom in this database: each waiting session with each session it waits on,
-- longest wait first. waiting_seconds counts from the start of the blocked statement to the
-- moment of reading (clock_timestamp: now() is this statement's start, which can come before a
-- statement that began blocking while this one ran, and gave negative waits).
-- @nonnull blocked_pid, blocking_pid
SELECT
    blocked.pid AS blocked_pid,
    blocked.usename::text AS blocked_user,
    blocked.query AS blocked_query,
    blocking.pid AS blocking_pid,
    blocking.usename::text AS blocking_user,
    blocking.state AS blocking_state,
    blocking.query AS blocking_query,
    greatest(extract(EPOCH FROM clock_timestamp() - blocked.query_start), 0)::float8
        AS waiting_seconds,
    greatest(extract(EPOCH FROM clock_timestamp() - blocking.xact_start), 0)::float8
        AS blocking_xact_seconds
FROM pg_stat_activity AS blocked
CROSS JOIN LATERAL unnest(pg_blocking_pids(blocked.pid)) AS b (pid)
INNER JOIN pg_stat_activity AS blocking ON b.pid = blocking.pid
WHERE blocked.datname = current_database()
ORDER BY waiting_seconds DESC NULLS LAST, blocked.pid ASC, blocking.pid ASC;

-- name: cache_hit_ratio()^
-- Returns this database's buffer cache hits and reads since the statistics were reset; ratio is
-- hits / (hits + reads), NULL (not a division by zero) before the first block access.
-- @nonnull blocks_hit, blocks_read
SELECT
    d.blks_hit AS blocks_hit,
    d.blks_read AS blocks_read,
    d.blks_hit::float8 / nullif(d.blks_hit + d.blks_read, 0) AS ratio
FROM pg_stat_database AS d
WHERE d.datname = current_database();

-- name: replication_status()
-- Returns each replica streaming from this server with its lag (time and bytes of WAL not yet
-- replayed). Empty when no replica is attached. lag_bytes is NULL on a standby (cascading).
-- @nonnull pid
SELECT
    r.pid,
    r.application_name,
    r.state,
    r.sync_state,
    host(r.client_addr) AS client_address,
    extract(EPOCH FROM r.replay_lag)::float8 AS replay_lag_seconds,
    CASE
        WHEN NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint
    END AS lag_bytes
FROM pg_stat_replication AS r
ORDER BY r.application_name, r.pid;

-- name: standby_lag()^
-- Returns, on a standby, how far replay is behind: 0 while it streams and has replayed all it
-- received, else seconds since the last replayed transaction's commit (NULL on a primary, or
-- before the first replayed transaction). Time since the last commit alone would grow on a
-- standby that is current whenever the primary is idle; a standby that stopped streaming keeps
-- the time-based figure, since what it received may be all it will get.
-- @nonnull in_recovery
SELECT
    pg_is_in_recovery() AS in_recovery,
    CASE
        WHEN NOT pg_is_in_recovery() THEN NULL
        WHEN
            pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
            AND EXISTS (
                SELECT FROM pg_stat_wal_receiver AS w
                WHERE w.status = 'streaming'
            )
            THEN 0
        ELSE greatest(
            extract(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0
        )
    END::float8 AS replay_lag_seconds;

-- name: pg_stat_statements_state()^
-- Returns whether pg_stat_statements is created in this database and preloaded by the server;
-- slow_queries works only when both are true. The library defines its settings only when it is
-- preloaded, so pg_stat_statements.max exists exactly then; unlike shared_preload_libraries it is
-- readable by every role (the application role included).
-- @nonnull created, preloaded
SELECT
    exists(
        SELECT FROM pg_extension AS e
        WHERE e.extname = 'pg_stat_statements'
    ) AS created,
    current_setting('pg_stat_statements.max', TRUE) IS NOT NULL AS preloaded;

-- name: slow_queries(limit)
-- Returns the statements run against this database that took the most execution time in total
-- (PostgreSQL 13+ columns), at most :limit. Needs pg_stat_statements created and preloaded.
-- Codegen's own scratch databases (CREATE/DROP DATABASE postsql_codegen_...) are not the
-- project's work and are left out.
-- @nonnull query, calls, total_exec_time, mean_exec_time, max_exec_time, rows
SELECT
    s.queryid,
    s.query,
    s.calls,
    s.total_exec_time,
    s.mean_exec_time,
    s.max_exec_time,
    s.rows,
    s.shared_blks_hit,
    s.shared_blks_read
FROM pg_stat_statements AS s
WHERE
    s.dbid = (
        SELECT d.oid FROM pg_database AS d
        WHERE d.datname = current_database()
    )
    AND s.query !~* '^\s*(CREATE|DROP)\s+DATABASE\s+(IF\s+EXISTS\s+)?"?postsql_codegen_'
ORDER BY s.total_exec_time DESC, s.queryid ASC
LIMIT :limit::integer;

-- name: database_size()^
-- Returns this database's name, size on disk in bytes, and when its statistics (the scan counts
-- "unused index" rests on) were last reset: NULL when never reset, i.e. counted since the
-- database was created or the server last recovered from a crash. stats_age_seconds is the time
-- since that reset, NULL with it.
-- @nonnull database_name, size_bytes
SELECT
    d.stats_reset,
    current_database() AS database_name,
    pg_database_size(current_database()) AS size_bytes,
    extract(EPOCH FROM clock_timestamp() - d.stats_reset)::float8 AS stats_age_seconds
FROM pg_stat_database AS d
WHERE d.datname = current_database();

-- name: largest_tables(limit)
-- Returns the largest tables (and materialized views) by total size, at most :limit: the planner's
-- row estimate (NULL before the first ANALYZE), and the heap, index and TOAST sizes in bytes.
-- @nonnull schema_name, table_name, total_bytes, table_bytes, index_bytes, toast_bytes
SELECT
    n.nspname::text AS schema_name,
    c.relname::text AS table_name,
    CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS row_estimate,
    pg_total_relation_size(c.oid) AS total_bytes,
    pg_relation_size(c.oid) AS table_bytes,
    pg_indexes_size(c.oid) AS index_bytes,
    coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0::oid)), 0) AS toast_bytes
FROM pg_class AS c
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    c.relkind IN ('r', 'm', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'
ORDER BY total_bytes DESC, schema_name ASC, table_name ASC
LIMIT :limit::integer;

-- name: index_usage()
-- Returns every index in user schemas with its size, how often it was scanned, and whether it
-- enforces something (primary key, unique, exclusion): those are never "unused".
-- @nonnull schema_name, table_name, index_name, size_bytes, scans, is_primary, is_unique
-- @nonnull backs_constraint, definition
SELECT
    s.schemaname::text AS schema_name,
    s.relname::text AS table_name,
    s.indexrelname::text AS index_name,
    s.idx_scan AS scans,
    i.indisprimary AS is_primary,
    i.indisunique AS is_unique,
    pg_relation_size(s.indexrelid) AS size_bytes,
    exists(
        SELECT FROM pg_constraint AS k
        WHERE k.conindid = s.indexrelid
    ) AS backs_constraint,
    pg_get_indexdef(s.indexrelid) AS definition
FROM pg_stat_user_indexes AS s
INNER JOIN pg_index AS i ON s.indexrelid = i.indexrelid
ORDER BY size_bytes DESC, schema_name ASC, table_name ASC, index_name ASC;

-- name: duplicate_indexes()
-- Returns groups of indexes on the same table with the same columns, sort orders (ASC/DESC,
-- NULLS FIRST/LAST), operator classes, collations, expressions, predicate and NULLS [NOT]
-- DISTINCT: all but one of each group are redundant. keep_index is the one to keep: the one
-- backing a constraint (primary key first, then unique or exclusion), else a unique index, else
-- the first by name; drop_index_names are the others and drop_bytes what dropping them frees.
-- size_bytes is the whole group's size.
-- @nonnull schema_name, table_name, index_names, index_names[], size_bytes, keep_index
-- @nonnull drop_index_names, drop_index_names[], drop_bytes
WITH ranked AS (
    SELECT
        n.nspname::text AS schema_name,
        c.relname::text AS table_name,
        x.relname::text AS index_name,
        pg_relation_size(i.indexrelid) AS index_bytes,
        count(*) OVER w AS group_size,
        row_number() OVER (
            w ORDER BY
                EXISTS (
                    SELECT FROM pg_constraint AS k
                    WHERE k.conindid = i.indexrelid
                ) DESC,
                i.indisprimary DESC,
                i.indisunique DESC,
                x.relname ASC
        ) AS keep_rank,
        dense_rank() OVER (
            ORDER BY
                i.indrelid,
                i.indkey::text,
                i.indoption::text,
                i.indclass::text,
                i.indcollation::text,
                coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
                coalesce(pg_get_expr(i.indpred, i.indrelid), ''),
                i.indnullsnotdistinct
        ) AS group_id
    FROM pg_index AS i
    INNER JOIN pg_class AS c ON i.indrelid = c.oid
    INNER JOIN pg_class AS x ON i.indexrelid = x.oid
    INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
    WHERE
        n.nspname NOT IN ('pg_catalog', 'information_schema')
        AND n.nspname NOT LIKE 'pg\_toast%'
    WINDOW w AS (
        PARTITION BY
            i.indrelid,
            i.indkey::text,
            i.indoption::text,
            i.indclass::text,
            i.indcollation::text,
            coalesce(pg_get_expr(i.indexprs, i.indrelid), ''),
            coalesce(pg_get_expr(i.indpred, i.indrelid), ''),
            i.indnullsnotdistinct
    )
)

SELECT
    r.schema_name,
    r.table_name,
    array_agg(r.index_name ORDER BY r.index_name) AS index_names,
    sum(r.index_bytes)::bigint AS size_bytes,
    min(r.index_name) FILTER (WHERE r.keep_rank = 1) AS keep_index,
    coalesce(
        array_agg(r.index_name ORDER BY r.index_name) FILTER (WHERE r.keep_rank > 1),
        '{}'
    ) AS drop_index_names,
    coalesce(sum(r.index_bytes) FILTER (WHERE r.keep_rank > 1), 0)::bigint AS drop_bytes
FROM ranked AS r
WHERE r.group_size > 1
GROUP BY r.group_id, r.schema_name, r.table_name
ORDER BY r.schema_name, r.table_name, index_names;

-- name: table_maintenance()
-- Returns each user table's live and dead tuples, a bloat estimate (heap size times the dead
-- fraction: an estimate, not a measurement) and when it was last vacuumed and analyzed, by hand
-- or by autovacuum.
-- @nonnull schema_name, table_name, live_tuples, dead_tuples, table_bytes, bloat_bytes
SELECT
    s.schemaname::text AS schema_name,
    s.relname::text AS table_name,
    s.n_live_tup AS live_tuples,
    s.n_dead_tup AS dead_tuples,
    s.last_vacuum,
    s.last_autovacuum,
    s.last_analyze,
    s.last_autoanalyze,
    pg_relation_size(s.relid) AS table_bytes,
    coalesce((
        pg_relation_size(s.relid)
        * s.n_dead_tup::float8
        / nullif(s.n_live_tup + s.n_dead_tup, 0)
    )::bigint, 0) AS bloat_bytes
FROM pg_stat_user_tables AS s
ORDER BY s.n_dead_tup DESC, schema_name ASC, table_name ASC;

-- name: user_tables()
-- Returns every ordinary table in user schemas whose data pg_dump writes (extension-owned tables
-- excluded), by schema and name: what a backup counts rows of. (Counting needs dynamic SQL, which
-- a plain query cannot do without query_to_xml, and servers built without libxml lack that.)
-- @nonnull schema_name, table_name
SELECT
    n.nspname::text AS schema_name,
    c.relname::text AS table_name
FROM pg_class AS c
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    c.relkind = 'r'
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'
    AND NOT EXISTS (
        SELECT FROM pg_depend AS d
        WHERE
            d.classid = 'pg_class'::regclass
            AND d.objid = c.oid
            AND d.deptype = 'e'
    )
ORDER BY schema_name, table_name;

-- name: schema_migrations_exists()$
-- Returns whether dbmate's schema_migrations table is visible (the database was migrated).
SELECT to_regclass('schema_migrations') IS NOT NULL AS present;

-- name: database_exists(name)$
-- Returns whether a database of that name exists on this server.
SELECT exists(
    SELECT FROM pg_database AS d
    WHERE d.datname = :name::text
) AS present;

-- name: user_table_count()$
-- Returns how many tables exist in user schemas (extension-owned ones excluded): 0 means empty.
SELECT count(*) AS table_count
FROM pg_class AS c
INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
WHERE
    c.relkind IN ('r', 'p')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    AND n.nspname NOT LIKE 'pg\_toast%'
    AND NOT EXISTS (
        SELECT FROM pg_depend AS d
        WHERE
            d.classid = 'pg_class'::regclass
            AND d.objid = c.oid
            AND d.deptype = 'e'
    );

-- name: export_snapshot()$
-- Returns an identifier of this transaction's snapshot for pg_dump --snapshot, so a backup's
-- recorded row counts and its data come from the same instant. Call it inside a REPEATABLE READ
-- transaction and keep that transaction open until pg_dump has started.
SELECT pg_export_snapshot() AS snapshot_id;

-- name: is_superuser()$
-- Returns whether the connected role is a superuser (restores skip what only a superuser may
-- create when it is not).
-- @nonnull is_super
SELECT current_setting('is_superuser') = 'on' AS is_super;
