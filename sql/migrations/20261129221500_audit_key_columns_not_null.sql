-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- audit_row_change() pairs an UPDATE's old and new rows by the key columns named in the trigger's
-- arguments and writes them as record_id. A name that is not a column of the table (a typo) or a
-- column that can be NULL read as NULL: record_id was '' and a two-row UPDATE wrote four audit
-- rows, each old row paired with each new one. The key columns must now be NOT NULL columns of
-- the table; otherwise the write is refused with a message naming them. Same body otherwise.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    key_columns text[] := string_to_array(TG_ARGV[0], ',');
    left_out text[] := coalesce(TG_ARGV[1:], '{}');
    actor_name text := nullif(current_setting('postsql.actor', true), '');
    -- Up to three key columns, read by name out of each row's jsonb image: a fixed expression
    -- (concat_ws skips the NULLs of absent columns, as string_agg would) instead of a subquery
    -- per row.
    k1 text := key_columns[1];
    k2 text := key_columns[2];
    k3 text := key_columns[3];
    bad_keys text;
BEGIN
    IF coalesce(cardinality(key_columns), 0) NOT BETWEEN 1 AND 3 THEN
        RAISE EXCEPTION 'audit_row_change() on %: expected 1 to 3 key columns, got %',
            TG_TABLE_NAME, coalesce(TG_ARGV[0], 'none');
    END IF;
    -- The key pairs old and new rows and names the record: a key column that is absent (a typo
    -- in the trigger's arguments) or may hold NULL would read as NULL, and NULL keys pair every
    -- old row with every new one. One catalog lookup per statement.
    SELECT string_agg(k.name, ', ' ORDER BY k.ord) INTO bad_keys
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    WHERE NOT EXISTS (
        SELECT FROM pg_attribute AS a
        WHERE
            a.attrelid = TG_RELID AND a.attname = k.name AND a.attnum > 0
            AND NOT a.attisdropped AND a.attnotnull
    );
    IF bad_keys IS NOT NULL THEN
        RAISE EXCEPTION 'audit_row_change() on %: key column % is not a NOT NULL column of %',
            TG_TABLE_NAME, bad_keys, TG_TABLE_NAME
            USING HINT = 'Name the table''s primary key (or NOT NULL unique) columns as the '
            || 'trigger''s first argument.';
    END IF;
    -- Every jsonb image is built once per row in a MATERIALIZED CTE: inlined, the planner would
    -- rebuild it for each reference (key, data, diff).
    IF TG_OP = 'INSERT' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'INSERT', actor_name, session_user, NULL, r.data, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
    ELSIF TG_OP = 'DELETE' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'DELETE', actor_name, session_user, r.data, NULL, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
    ELSE
        -- Old and new rows joined on their key; a side without a partner is a key change:
        -- a DELETE of the old key, an INSERT of the new one (written after the other rows).
        WITH
        old_image AS MATERIALIZED (
            SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o
        ),
        new_image AS MATERIALIZED (
            SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n
        ),
        pairs AS MATERIALIZED (
            SELECT
                o.data AS old_data,
                n.data AS new_data,
                coalesce(o.data, n.data) AS either,
                CASE WHEN o.data IS NOT NULL AND n.data IS NOT NULL THEN (
                    SELECT coalesce(array_agg(e.key ORDER BY e.key), '{}')
                    FROM jsonb_each(n.data) AS e
                    WHERE e.value IS DISTINCT FROM o.data -> e.key AND e.key <> 'updated_at'
                ) END AS changed
            FROM old_image AS o
            FULL JOIN new_image AS n
                ON
                    jsonb_build_array(o.data -> k1, o.data -> k2, o.data -> k3)
                    = jsonb_build_array(n.data -> k1, n.data -> k2, n.data -> k3)
        )
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', p.either ->> k1, p.either ->> k2, p.either ->> k3),
            CASE
                WHEN p.new_data IS NULL THEN 'DELETE'
                WHEN p.old_data IS NULL THEN 'INSERT'
                ELSE 'UPDATE'
            END,
            actor_name, session_user, p.old_data, p.new_data, p.changed
        FROM pairs AS p
        WHERE p.changed IS NULL OR cardinality(p.changed) > 0
        ORDER BY
            p.old_data IS NULL, jsonb_build_array(p.either -> k1, p.either -> k2, p.either -> k3);
    END IF;
    RETURN NULL;
END;
$$;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The body of 20261125002000 and the search_path of 20261125004500, as they were.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    key_columns text[] := string_to_array(TG_ARGV[0], ',');
    left_out text[] := coalesce(TG_ARGV[1:], '{}');
    actor_name text := nullif(current_setting('postsql.actor', true), '');
    -- Up to three key columns, read by name out of each row's jsonb image: a fixed expression
    -- (concat_ws skips the NULLs of absent columns, as string_agg would) instead of a subquery
    -- per row.
    k1 text := key_columns[1];
    k2 text := key_columns[2];
    k3 text := key_columns[3];
BEGIN
    IF coalesce(cardinality(key_columns), 0) NOT BETWEEN 1 AND 3 THEN
        RAISE EXCEPTION 'audit_row_change() on %: expected 1 to 3 key columns, got %',
            TG_TABLE_NAME, coalesce(TG_ARGV[0], 'none');
    END IF;
    -- Every jsonb image is built once per row in a MATERIALIZED CTE: inlined, the planner would
    -- rebuild it for each reference (key, data, diff).
    IF TG_OP = 'INSERT' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'INSERT', actor_name, session_user, NULL, r.data, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
    ELSIF TG_OP = 'DELETE' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'DELETE', actor_name, session_user, r.data, NULL, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
    ELSE
        -- Old and new rows joined on their key; a side without a partner is a key change:
        -- a DELETE of the old key, an INSERT of the new one (written after the other rows).
        WITH
        old_image AS MATERIALIZED (
            SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o
        ),
        new_image AS MATERIALIZED (
            SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n
        ),
        pairs AS MATERIALIZED (
            SELECT
                o.data AS old_data,
                n.data AS new_data,
                coalesce(o.data, n.data) AS either,
                CASE WHEN o.data IS NOT NULL AND n.data IS NOT NULL THEN (
                    SELECT coalesce(array_agg(e.key ORDER BY e.key), '{}')
                    FROM jsonb_each(n.data) AS e
                    WHERE e.value IS DISTINCT FROM o.data -> e.key AND e.key <> 'updated_at'
                ) END AS changed
            FROM old_image AS o
            FULL JOIN new_image AS n
                ON
                    jsonb_build_array(o.data -> k1, o.data -> k2, o.data -> k3)
                    = jsonb_build_array(n.data -> k1, n.data -> k2, n.data -> k3)
        )
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', p.either ->> k1, p.either ->> k2, p.either ->> k3),
            CASE
                WHEN p.new_data IS NULL THEN 'DELETE'
                WHEN p.old_data IS NULL THEN 'INSERT'
                ELSE 'UPDATE'
            END,
            actor_name, session_user, p.old_data, p.new_data, p.changed
        FROM pairs AS p
        WHERE p.changed IS NULL OR cardinality(p.changed) > 0
        ORDER BY
            p.old_data IS NULL, jsonb_build_array(p.either -> k1, p.either -> k2, p.either -> k3);
    END IF;
    RETURN NULL;
END;
$$;

ALTER FUNCTION audit_row_change() SET search_path = pg_catalog, public, pg_temp; -- noqa: PRS
