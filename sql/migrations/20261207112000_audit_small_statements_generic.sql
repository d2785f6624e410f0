-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- 20261207110100 made audit_row_change() build and plan one statement per table for every
-- statement: cheaper per row, but its catalog read and planning cost a one-row write about ten
-- times the trigger's previous cost. A statement of up to 31 rows (most writes: one row) now
-- takes the generic statements again, whose plans PL/pgSQL caches, with the same records as the
-- per-table statement (an UPDATE's old_data holds the previous values of the columns that
-- differ); larger statements keep the per-table statement. The generic statements now take
-- each row whole as to_jsonb(n.*): to_jsonb(n) meant the column of a table that has one named n
-- (or o), and its audit failed ('cannot delete from scalar').
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    key_columns text[] := string_to_array(TG_ARGV[0], ',');
    left_out text[] := coalesce(TG_ARGV[1:], '{}');
    actor_name text := nullif(current_setting('postsql.actor', true), '');
    bad_keys text;
    -- Per audited column, sorted by name: its name and whether its type's = agrees with jsonb's.
    column_names text[];
    comparable boolean[];
    -- Per key column: whether ::text spells its values as jsonb does.
    key_plain boolean[];
    statement text;
    -- The small-statement path: up to three key columns read by name out of each jsonb image.
    k1 text := key_columns[1];
    k2 text := key_columns[2];
    k3 text := key_columns[3];
    small boolean;
BEGIN
    IF coalesce(cardinality(key_columns), 0) NOT BETWEEN 1 AND 3 THEN
        RAISE EXCEPTION 'audit_row_change() on %: expected 1 to 3 key columns, got %',
            TG_TABLE_NAME, coalesce(TG_ARGV[0], 'none');
    END IF;
    -- The key pairs old and new rows and names the record: a key column that is absent (a typo
    -- in the trigger's arguments) or may hold NULL would read as NULL, and NULL keys pair every
    -- old row with every new one.
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
    -- A statement of up to 31 rows (most writes: one row) takes the generic path below, whose
    -- plans PL/pgSQL caches: the per-table statement costs a catalog read and a planning that
    -- only a larger statement earns back. Both paths record the same rows (tested).
    IF TG_OP = 'INSERT' THEN
        small := NOT EXISTS (SELECT FROM new_rows OFFSET 31);
    ELSE
        small := NOT EXISTS (SELECT FROM old_rows OFFSET 31);
    END IF;
    IF small AND TG_OP = 'INSERT' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(n.*) - left_out AS data FROM new_rows AS n)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'INSERT', actor_name, session_user, NULL, r.data, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
        RETURN NULL;
    ELSIF small AND TG_OP = 'DELETE' THEN
        WITH r AS MATERIALIZED (SELECT to_jsonb(o.*) - left_out AS data FROM old_rows AS o)
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT
            TG_TABLE_NAME, concat_ws(',', r.data ->> k1, r.data ->> k2, r.data ->> k3),
            'DELETE', actor_name, session_user, r.data, NULL, NULL
        FROM r
        ORDER BY jsonb_build_array(r.data -> k1, r.data -> k2, r.data -> k3);
        RETURN NULL;
    ELSIF small THEN
        WITH
        old_image AS MATERIALIZED (
            SELECT to_jsonb(o.*) - left_out AS data FROM old_rows AS o
        ),
        new_image AS MATERIALIZED (
            SELECT to_jsonb(n.*) - left_out AS data FROM new_rows AS n
        ),
        pairs AS MATERIALIZED (
            SELECT
                n.data AS new_data,
                coalesce(o.data, n.data) AS either,
                -- A key change: the whole old row (a DELETE); else the differing columns.
                CASE WHEN n.data IS NULL THEN o.data WHEN o.data IS NOT NULL THEN (
                    SELECT coalesce(jsonb_object_agg(e.key, e.value), '{}')
                    FROM jsonb_each(o.data) AS e
                    WHERE e.value IS DISTINCT FROM n.data -> e.key
                ) END AS old_data,
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
        RETURN NULL;
    END IF;
    -- The audited columns. A domain counts as its base type; an enum compares as itself. Text
    -- under a nondeterministic collation ('a' = 'A'), intervals ('1 day' = '24 hours'),
    -- arrays, ranges and every other type compare by their jsonb values, as before.
    SELECT
        array_agg(c.name ORDER BY c.name),
        array_agg(c.comparable ORDER BY c.name)
    INTO column_names, comparable
    FROM (
        SELECT
            a.attname::text AS name,
            (
                bt.typtype = 'e'
                OR bt.oid = ANY (
                    '{bool,int2,int4,int8,numeric,float4,float8,uuid,bytea,date,timestamp,timestamptz,oid}'::regtype[] -- noqa: LT05
                )
                OR (
                    bt.oid = ANY ('{text,varchar}'::regtype[])
                    AND coalesce((
                        SELECT co.collisdeterministic FROM pg_collation AS co
                        WHERE co.oid = a.attcollation
                    ), TRUE)
                )
            ) AS comparable
        FROM pg_attribute AS a
        INNER JOIN pg_type AS t ON a.atttypid = t.oid
        INNER JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        WHERE
            a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
            AND a.attname <> ALL (left_out)
    ) AS c;
    SELECT array_agg(
        bt.oid = ANY ('{int2,int4,int8,numeric,text,varchar,uuid,bool}'::regtype[])
        ORDER BY k.ord
    )
    INTO key_plain
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    INNER JOIN pg_attribute AS a ON a.attrelid = TG_RELID AND a.attname = k.name
    INNER JOIN pg_type AS t ON a.atttypid = t.oid
    INNER JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END;

    IF TG_OP = 'UPDATE' THEN
        -- Old and new rows joined on their key; a side without a partner is a key change:
        -- a DELETE of the old key (the whole old row), an INSERT of the new one (written after
        -- the other rows).
        statement := format(
            $sql$
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT $1, p.record_id, p.action, $2, session_user, p.old_data, p.new_data, p.changed
            FROM (
                SELECT
                    %1$s AS record_id,
                    CASE WHEN n.%2$I IS NULL THEN 'DELETE' WHEN o.%2$I IS NULL THEN 'INSERT'
                    ELSE 'UPDATE' END AS action,
                    CASE
                        WHEN n.%2$I IS NULL THEN %3$s
                        WHEN o.%2$I IS NOT NULL THEN (%3$s) - %9$s
                    END AS old_data,
                    CASE WHEN n.%2$I IS NOT NULL THEN %4$s END AS new_data,
                    CASE WHEN o.%2$I IS NOT NULL AND n.%2$I IS NOT NULL THEN %5$s END AS changed,
                    o.%2$I IS NULL AS is_insert,
                    %6$s
                FROM old_rows AS o FULL JOIN new_rows AS n ON %7$s
            ) AS p
            WHERE p.changed IS NULL OR cardinality(p.changed) > 0
            ORDER BY p.is_insert, %8$s
            $sql$,
            audit_record_id(key_columns, key_plain, 'coalesce(o.%1$I, n.%1$I)'),
            key_columns[1],
            audit_image(column_names, 'o'),
            audit_image(column_names, 'n'),
            audit_compare(column_names, comparable, TRUE, 'updated_at'),
            (
                SELECT string_agg(format('coalesce(o.%1$I, n.%1$I) AS key_%2$s', k.name, k.ord), ', ')
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            ),
            (
                SELECT string_agg(format('o.%1$I = n.%1$I', k.name), ' AND ')
                FROM unnest(key_columns) AS k (name)
            ),
            (
                SELECT string_agg(format('p.key_%s', k.ord), ', ' ORDER BY k.ord)
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            ),
            audit_compare(column_names, comparable, FALSE, NULL)
        );
    ELSE
        statement := format(
            $sql$
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT $1, %1$s, %2$L, $2, session_user, %3$s, %4$s, NULL
            FROM %5$s AS r
            ORDER BY %6$s
            $sql$,
            audit_record_id(key_columns, key_plain, 'r.%1$I'),
            TG_OP,
            CASE WHEN TG_OP = 'DELETE' THEN audit_image(column_names, 'r') ELSE 'NULL' END,
            CASE WHEN TG_OP = 'INSERT' THEN audit_image(column_names, 'r') ELSE 'NULL' END,
            CASE WHEN TG_OP = 'INSERT' THEN 'new_rows' ELSE 'old_rows' END,
            (
                SELECT string_agg(format('r.%I', k.name), ', ' ORDER BY k.ord)
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            )
        );
    END IF;
    EXECUTE statement USING TG_TABLE_NAME, actor_name;
    RETURN NULL;
END;
$$;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The body of 20261207110100, as it was.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    key_columns text[] := string_to_array(TG_ARGV[0], ',');
    left_out text[] := coalesce(TG_ARGV[1:], '{}');
    actor_name text := nullif(current_setting('postsql.actor', true), '');
    bad_keys text;
    -- Per audited column, sorted by name: its name and whether its type's = agrees with jsonb's.
    column_names text[];
    comparable boolean[];
    -- Per key column: whether ::text spells its values as jsonb does.
    key_plain boolean[];
    statement text;
BEGIN
    IF coalesce(cardinality(key_columns), 0) NOT BETWEEN 1 AND 3 THEN
        RAISE EXCEPTION 'audit_row_change() on %: expected 1 to 3 key columns, got %',
            TG_TABLE_NAME, coalesce(TG_ARGV[0], 'none');
    END IF;
    -- The key pairs old and new rows and names the record: a key column that is absent (a typo
    -- in the trigger's arguments) or may hold NULL would read as NULL, and NULL keys pair every
    -- old row with every new one.
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
    -- The audited columns. A domain counts as its base type; an enum compares as itself. Text
    -- under a nondeterministic collation ('a' = 'A'), intervals ('1 day' = '24 hours'),
    -- arrays, ranges and every other type compare by their jsonb values, as before.
    SELECT
        array_agg(c.name ORDER BY c.name),
        array_agg(c.comparable ORDER BY c.name)
    INTO column_names, comparable
    FROM (
        SELECT
            a.attname::text AS name,
            (
                bt.typtype = 'e'
                OR bt.oid = ANY (
                    '{bool,int2,int4,int8,numeric,float4,float8,uuid,bytea,date,timestamp,timestamptz,oid}'::regtype[] -- noqa: LT05
                )
                OR (
                    bt.oid = ANY ('{text,varchar}'::regtype[])
                    AND coalesce((
                        SELECT co.collisdeterministic FROM pg_collation AS co
                        WHERE co.oid = a.attcollation
                    ), TRUE)
                )
            ) AS comparable
        FROM pg_attribute AS a
        INNER JOIN pg_type AS t ON a.atttypid = t.oid
        INNER JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        WHERE
            a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped
            AND a.attname <> ALL (left_out)
    ) AS c;
    SELECT array_agg(
        bt.oid = ANY ('{int2,int4,int8,numeric,text,varchar,uuid,bool}'::regtype[])
        ORDER BY k.ord
    )
    INTO key_plain
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    INNER JOIN pg_attribute AS a ON a.attrelid = TG_RELID AND a.attname = k.name
    INNER JOIN pg_type AS t ON a.atttypid = t.oid
    INNER JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END;

    IF TG_OP = 'UPDATE' THEN
        -- Old and new rows joined on their key; a side without a partner is a key change:
        -- a DELETE of the old key (the whole old row), an INSERT of the new one (written after
        -- the other rows).
        statement := format(
            $sql$
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT $1, p.record_id, p.action, $2, session_user, p.old_data, p.new_data, p.changed
            FROM (
                SELECT
                    %1$s AS record_id,
                    CASE WHEN n.%2$I IS NULL THEN 'DELETE' WHEN o.%2$I IS NULL THEN 'INSERT'
                    ELSE 'UPDATE' END AS action,
                    CASE
                        WHEN n.%2$I IS NULL THEN %3$s
                        WHEN o.%2$I IS NOT NULL THEN (%3$s) - %9$s
                    END AS old_data,
                    CASE WHEN n.%2$I IS NOT NULL THEN %4$s END AS new_data,
                    CASE WHEN o.%2$I IS NOT NULL AND n.%2$I IS NOT NULL THEN %5$s END AS changed,
                    o.%2$I IS NULL AS is_insert,
                    %6$s
                FROM old_rows AS o FULL JOIN new_rows AS n ON %7$s
            ) AS p
            WHERE p.changed IS NULL OR cardinality(p.changed) > 0
            ORDER BY p.is_insert, %8$s
            $sql$,
            audit_record_id(key_columns, key_plain, 'coalesce(o.%1$I, n.%1$I)'),
            key_columns[1],
            audit_image(column_names, 'o'),
            audit_image(column_names, 'n'),
            audit_compare(column_names, comparable, TRUE, 'updated_at'),
            (
                SELECT string_agg(format('coalesce(o.%1$I, n.%1$I) AS key_%2$s', k.name, k.ord), ', ')
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            ),
            (
                SELECT string_agg(format('o.%1$I = n.%1$I', k.name), ' AND ')
                FROM unnest(key_columns) AS k (name)
            ),
            (
                SELECT string_agg(format('p.key_%s', k.ord), ', ' ORDER BY k.ord)
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            ),
            audit_compare(column_names, comparable, FALSE, NULL)
        );
    ELSE
        statement := format(
            $sql$
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT $1, %1$s, %2$L, $2, session_user, %3$s, %4$s, NULL
            FROM %5$s AS r
            ORDER BY %6$s
            $sql$,
            audit_record_id(key_columns, key_plain, 'r.%1$I'),
            TG_OP,
            CASE WHEN TG_OP = 'DELETE' THEN audit_image(column_names, 'r') ELSE 'NULL' END,
            CASE WHEN TG_OP = 'INSERT' THEN audit_image(column_names, 'r') ELSE 'NULL' END,
            CASE WHEN TG_OP = 'INSERT' THEN 'new_rows' ELSE 'old_rows' END,
            (
                SELECT string_agg(format('r.%I', k.name), ', ' ORDER BY k.ord)
                FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
            )
        );
    END IF;
    EXECUTE statement USING TG_TABLE_NAME, actor_name;
    RETURN NULL;
END;
$$;
