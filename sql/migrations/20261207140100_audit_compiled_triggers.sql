-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Audit at the cost of a hand-written trigger (docs/benchmarks.md, issue 13):
-- - audit_enable(table, keys, left out...) compiles a trigger function for one table: its
--   statements name the table's columns, so PL/pgSQL plans them once per session, where the
--   generic audit_row_change() built and planned one on every statement (0.5 ms and more for a
--   table like posts: a one-row write paid it whole). The compiled function checks on every
--   statement that the table still has the columns it was compiled for; after an ALTER TABLE
--   that changed them it records through the generic statement (same rows, planned each time)
--   until audit_enable() is run again.
-- - An UPDATE's old_data and new_data hold the previous and the new values of exactly the
--   columns in changed_columns. new_data used to be the whole new row: for posts, a 100-row
--   status change built 100 images of the content only to say that the status changed. The
--   whole row is still recorded where it is a fact of the change: an INSERT's new_data and a
--   DELETE's old_data (and both sides of a key change). updated_at, stamped on every UPDATE,
--   is neither a change nor part of the two deltas (changed_at says when).
-- - Whole images are to_jsonb(row) when no column is left out (a third cheaper than naming
--   every column), else jsonb_build_object over the audited columns.

-- The statement that writes the audit rows of one statement on target: INSERT, UPDATE or
-- DELETE, reading the transition tables old_rows and new_rows. table_expr and actor_expr are
-- the SQL of the table name and the actor ('$1', '$2' for EXECUTE ... USING; TG_TABLE_NAME and
-- a variable in a compiled function). Refuses key columns that are absent or may hold NULL: a
-- NULL key would read as NULL and pair every old row of an UPDATE with every new one.
CREATE FUNCTION audit_statement(
    target regclass,
    op text,
    key_columns text[],
    left_out text[],
    table_expr text,
    actor_expr text
)
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    table_name text := (SELECT c.relname FROM pg_class AS c WHERE c.oid = target);
    bad_keys text;
    -- Per audited column, sorted by name: its name and whether its type's = agrees with jsonb's.
    column_names text[];
    comparable boolean[];
    -- Per audited column: its value as a jsonb image shows it ('::text' for an enum: the same
    -- label, without looking the type's output function up for every value).
    casts text[];
    -- Whether every column is audited (then an image is to_jsonb of the whole row).
    whole boolean;
    -- Per key column: whether ::text spells its values as jsonb does.
    key_plain boolean[];
    key1 text := key_columns[1];
    -- An UPDATE leaves this column out of what counts as a change: set_updated_at() stamps it.
    ignored text := 'updated_at';
    key_order text;
    keys_sql text;
    join_sql text;
    columns_sql text;
    masks_sql text;
    any_change text;
    changed_sql text;
    old_image text;
    new_image text;
    old_delta text;
    new_delta text;
    row_refs text[];
    column_mask int[];
    column_bit bigint[];
BEGIN
    IF coalesce(cardinality(key_columns), 0) NOT BETWEEN 1 AND 3 THEN
        RAISE EXCEPTION 'audit on %: expected 1 to 3 key columns, got %',
            table_name, coalesce(array_to_string(key_columns, ','), 'none');
    END IF;
    SELECT string_agg(k.name, ', ' ORDER BY k.ord) INTO bad_keys
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    WHERE NOT EXISTS (
        SELECT FROM pg_attribute AS a
        WHERE
            a.attrelid = target AND a.attname = k.name AND a.attnum > 0
            AND NOT a.attisdropped AND a.attnotnull
    );
    IF bad_keys IS NOT NULL THEN
        RAISE EXCEPTION 'audit on %: key column % is not a NOT NULL column of %',
            table_name, bad_keys, table_name
            USING HINT = 'Name the table''s primary key (or NOT NULL unique) columns as the '
            || 'audit''s key columns.';
    END IF;
    -- A domain counts as its base type; an enum compares as itself. Text under a
    -- nondeterministic collation ('a' = 'A'), intervals ('1 day' = '24 hours'), arrays, ranges
    -- and every other type compare by their jsonb values.
    SELECT
        array_agg(c.name ORDER BY c.name) FILTER (WHERE c.audited),
        array_agg(c.comparable ORDER BY c.name) FILTER (WHERE c.audited),
        array_agg(c.cast ORDER BY c.name) FILTER (WHERE c.audited),
        bool_and(c.audited)
    INTO column_names, comparable, casts, whole
    FROM (
        SELECT
            a.attname::text AS name,
            a.attname <> ALL (coalesce(left_out, '{}')) AS audited,
            CASE WHEN bt.typtype = 'e' THEN '::text' ELSE '' END AS cast,
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
        WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
    ) AS c;
    SELECT array_agg(
        bt.oid = ANY ('{int2,int4,int8,numeric,text,varchar,uuid,bool}'::regtype[])
        ORDER BY k.ord
    )
    INTO key_plain
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    INNER JOIN pg_attribute AS a ON a.attrelid = target AND a.attname = k.name
    INNER JOIN pg_type AS t ON a.atttypid = t.oid
    INNER JOIN pg_type AS bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END;

    IF op = 'UPDATE' THEN
        -- Old and new rows joined on their key; a side without a partner is a key change:
        -- a DELETE of the old key (the whole old row), an INSERT of the new one (written after
        -- the other rows). The inner query compares each column once per row into bit masks
        -- (62 columns a bigint); the changed columns and both deltas are read off the masks,
        -- and a row whose masks are 0 (nothing audited changed) writes nothing.
        -- Each masked column's mask (1, 2, ...) and bit in it: its place among the masked
        -- columns, 62 to a bigint. NULL for the column left out of the changes.
        SELECT
            array_agg(c.place / 62 + 1 ORDER BY c.ord),
            array_agg(1::bigint << (c.place % 62)::int ORDER BY c.ord)
        INTO column_mask, column_bit
        FROM (
            SELECT
                c.ord,
                CASE WHEN c.name IS DISTINCT FROM ignored THEN
                    count(*) FILTER (WHERE c.name IS DISTINCT FROM ignored)
                        OVER (ORDER BY c.ord) - 1
                END AS place
            FROM unnest(column_names) WITH ORDINALITY AS c (name, ord)
        ) AS c;
        SELECT
            string_agg(
                format('o.%1$I AS o_%2$s, n.%1$I AS n_%2$s', c.name, c.ord), ', ' ORDER BY c.ord
            ),
            audit_object(
                array_agg(c.name ORDER BY c.ord),
                array_agg('p.o_' || c.ord || c.cast ORDER BY c.ord)
            ),
            audit_object(
                array_agg(c.name ORDER BY c.ord),
                array_agg('p.n_' || c.ord || c.cast ORDER BY c.ord)
            ),
            coalesce(
                'array_remove(ARRAY['
                || string_agg(
                    format('CASE WHEN %s THEN %L END', c.test, c.name), ', ' ORDER BY c.ord
                ) FILTER (WHERE c.test IS NOT NULL)
                || ']::text[], NULL)',
                '''{}''::text[]'
            ),
            coalesce(
                string_agg(
                    format(
                        'CASE WHEN %s THEN jsonb_build_object(%L, p.o_%s%s) ELSE ''{}''::jsonb END',
                        c.test, c.name, c.ord, c.cast
                    ),
                    ' || ' ORDER BY c.ord
                ) FILTER (WHERE c.test IS NOT NULL),
                '''{}''::jsonb'
            ),
            coalesce(
                string_agg(
                    format(
                        'CASE WHEN %s THEN jsonb_build_object(%L, p.n_%s%s) ELSE ''{}''::jsonb END',
                        c.test, c.name, c.ord, c.cast
                    ),
                    ' || ' ORDER BY c.ord
                ) FILTER (WHERE c.test IS NOT NULL),
                '''{}''::jsonb'
            )
        INTO columns_sql, old_image, new_image, changed_sql, old_delta, new_delta
        FROM (
            SELECT
                c.name,
                c.ord,
                casts[c.ord] AS cast,
                -- NULL (format of NULLs is not NULL: test it) for the column left out.
                CASE WHEN column_mask[c.ord] IS NOT NULL THEN
                    format('(p.m_%s & %s::bigint) <> 0', column_mask[c.ord], column_bit[c.ord])
                END AS test
            FROM unnest(column_names) WITH ORDINALITY AS c (name, ord)
        ) AS c;
        SELECT
            coalesce(
                string_agg(
                    format('%s AS m_%s', g.bits, g.mask), ', ' ORDER BY g.mask
                ),
                'NULL AS m_none'
            ),
            coalesce(
                string_agg(format('p.m_%s <> 0', g.mask), ' OR ' ORDER BY g.mask), 'FALSE'
            )
        INTO masks_sql, any_change
        FROM (
            SELECT
                column_mask[c.ord] AS mask,
                string_agg(
                    format(
                        'CASE WHEN %s THEN %s::bigint ELSE 0::bigint END',
                        audit_differs(c.name, comparable[c.ord]),
                        column_bit[c.ord]
                    ),
                    ' | ' ORDER BY c.ord
                ) AS bits
            FROM unnest(column_names) WITH ORDINALITY AS c (name, ord)
            WHERE column_mask[c.ord] IS NOT NULL
            GROUP BY column_mask[c.ord]
        ) AS g;
        SELECT
            string_agg(format('coalesce(o.%1$I, n.%1$I) AS key_%2$s', k.name, k.ord), ', '),
            string_agg(format('o.%1$I = n.%1$I', k.name), ' AND '),
            string_agg(format('p.key_%s', k.ord), ', ' ORDER BY k.ord)
        INTO keys_sql, join_sql, key_order
        FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord);
        RETURN format(
            $sql$
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                %1$s,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                %2$s,
                session_user,
                CASE WHEN p.is_delete THEN %3$s WHEN NOT p.is_insert THEN %4$s END,
                CASE WHEN p.is_insert THEN %5$s WHEN NOT p.is_delete THEN %6$s END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN %7$s END
            FROM (
                SELECT
                    %8$s AS record_id,
                    o.%9$I IS NULL AS is_insert,
                    n.%9$I IS NULL AS is_delete,
                    %10$s,
                    %11$s,
                    %12$s
                FROM old_rows AS o FULL JOIN new_rows AS n ON %13$s
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR %14$s
            ORDER BY p.is_insert, %15$s
            $sql$,
            table_expr,
            actor_expr,
            old_image,
            old_delta,
            new_image,
            new_delta,
            changed_sql,
            audit_record_id(key_columns, key_plain, 'coalesce(o.%1$I, n.%1$I)'),
            key1,
            keys_sql,
            columns_sql,
            masks_sql,
            join_sql,
            any_change,
            key_order
        );
    END IF;
    SELECT array_agg(format('r.%I%s', c.name, casts[c.ord]) ORDER BY c.ord) INTO row_refs
    FROM unnest(column_names) WITH ORDINALITY AS c (name, ord);
    RETURN format(
        $sql$
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT %1$s, %2$s, %3$L, %4$s, session_user, %5$s, %6$s, NULL
        FROM %7$s AS r
        ORDER BY %8$s
        $sql$,
        table_expr,
        audit_record_id(key_columns, key_plain, 'r.%1$I'),
        op,
        actor_expr,
        CASE
            WHEN op <> 'DELETE' THEN 'NULL'
            WHEN whole THEN 'to_jsonb(r)'
            ELSE audit_object(column_names, row_refs)
        END,
        CASE
            WHEN op <> 'INSERT' THEN 'NULL'
            WHEN whole THEN 'to_jsonb(r)'
            ELSE audit_object(column_names, row_refs)
        END,
        CASE WHEN op = 'INSERT' THEN 'new_rows' ELSE 'old_rows' END,
        (
            SELECT string_agg(format('r.%I', k.name), ', ' ORDER BY k.ord)
            FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
        )
    );
END;
$$;

-- The key as text, as 20261207110100 made it, with a single key column that ::text spells as
-- jsonb does cast alone (concat_ws, a variadic call, cost more per row for the same text).
CREATE OR REPLACE FUNCTION audit_record_id(key_columns text[], key_plain boolean[], pattern text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN CASE
    WHEN cardinality(key_columns) = 1 AND key_plain[1]
        THEN format('(' || pattern || ')::text', key_columns[1])
    ELSE 'concat_ws('','', ' || (
        SELECT
            string_agg(
                CASE
                    WHEN key_plain[k.ord] THEN format('(' || pattern || ')::text', k.name)
                    ELSE format('to_jsonb(' || pattern || ') #>> ''{}''', k.name)
                END,
                ', ' ORDER BY k.ord
            )
        FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
    ) || ')'
END;

-- Whether the values of column name differ between the rows o and n: by the type's own
-- equality where it agrees with jsonb's (comparable), else by the jsonb values.
CREATE FUNCTION audit_differs(name text, comparable boolean)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN CASE
    WHEN comparable THEN format('o.%1$I IS DISTINCT FROM n.%1$I', name)
    ELSE format('to_jsonb(o.%1$I) IS DISTINCT FROM to_jsonb(n.%1$I)', name)
END;

-- A jsonb object of the given keys and value expressions: jsonb_build_object(key, value, ...),
-- in groups of 50 pairs joined by || (a function call takes at most 100 arguments).
CREATE FUNCTION audit_object(keys text[], refs text[])
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN coalesce((
    SELECT string_agg('jsonb_build_object(' || g.pairs || ')', ' || ')
    FROM (
        SELECT string_agg(format('%L, %s', k.key, refs[k.ord]), ', ' ORDER BY k.ord) AS pairs
        FROM unnest(keys) WITH ORDINALITY AS k (key, ord)
        GROUP BY (k.ord - 1) / 50
    ) AS g
), '''{}''::jsonb');

-- Unused now: the bit masks compare the columns, and audit_object() builds every image (of any
-- value expressions; audit_image() named a row's columns only).
DROP FUNCTION audit_compare(text[], boolean[], boolean, text);
DROP FUNCTION audit_image(text[], text);

-- What a compiled trigger function depends on: the table's live columns, in order, with their
-- types, collations and NOT NULL. Names, not OIDs, so a restored database compares equal.
CREATE FUNCTION audit_signature(target regclass)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
RETURN (
    SELECT
        string_agg(
            format(
                '%s %s %s %s',
                quote_ident(a.attname),
                format_type(a.atttypid, a.atttypmod),
                a.attcollation::regcollation,
                a.attnotnull
            ),
            ', ' ORDER BY a.attnum
        )
    FROM pg_attribute AS a
    WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped -- noqa: RF03
);

-- The generic trigger function: builds and plans the statement for the table on every
-- statement. Trigger arguments: the key columns (1 to 3, comma-separated), then the columns to
-- leave out. audit_enable() compiles a faster one per table.
CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    EXECUTE audit_statement(
        TG_RELID, TG_OP, string_to_array(TG_ARGV[0], ','), TG_ARGV[1:], '$1', '$2'
    ) USING TG_TABLE_NAME, nullif(current_setting('postsql.actor', true), '');
    RETURN NULL;
END;
$$;

COMMENT ON COLUMN audit_log.old_data IS
'DELETE: the row before. UPDATE: the previous values of the columns in changed_columns. INSERT: NULL.'; -- noqa: LT05

COMMENT ON COLUMN audit_log.new_data IS
'INSERT: the row written. UPDATE: the new values of the columns in changed_columns (before 20261207140100: the whole new row). DELETE: NULL.'; -- noqa: LT05

COMMENT ON FUNCTION audit_row_change() IS
'AFTER STATEMENT trigger (transition tables old_rows/new_rows): one audit_log row per changed row. Args: key columns (1 to 3, comma-separated), then columns to leave out. audit_enable() compiles a faster trigger function per table.'; -- noqa: LT05

-- Compile target's audit: a trigger function <table>_audit() whose statements name the table's
-- columns, and the three statement triggers <table>_audit_insert/_update/_delete (replaced if
-- they exist). key_columns: 1 to 3, comma-separated, NOT NULL; then the columns to leave out.
-- Run it again after an ALTER TABLE that adds, drops, renames or retypes a column (until then
-- the function records through the generic statement). Returns the function's name.
CREATE FUNCTION audit_enable(
    target regclass, key_columns text, VARIADIC left_out text[] DEFAULT '{}'
)
RETURNS regprocedure
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    keys text[] := string_to_array(key_columns, ',');
    table_name text;
    schema_name text;
    function_name text;
    call text;
    body text;
    event record;
BEGIN
    SELECT c.relname, n.nspname INTO table_name, schema_name
    FROM pg_class AS c INNER JOIN pg_namespace AS n ON c.relnamespace = n.oid
    WHERE c.oid = target;
    function_name := format('%I.%I', schema_name, left(table_name, 57) || '_audit');
    call := format(
        'SELECT audit_enable(%L, %L%s)',
        target::text,
        key_columns,
        (SELECT string_agg(', ' || quote_literal(c), '') FROM unnest(left_out) AS c)
    );
    body := format(
        $body$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: %1$s
    IF audit_signature(TG_RELID) IS DISTINCT FROM %2$L THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, %3$L, %4$L, '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        %5$s;
    ELSIF TG_OP = 'INSERT' THEN
        %6$s;
    ELSE
        %7$s;
    END IF;
    RETURN NULL;
END
$body$,
        call,
        audit_signature(target),
        keys,
        left_out,
        audit_statement(target, 'UPDATE', keys, left_out, 'TG_TABLE_NAME', 'actor_name'),
        audit_statement(target, 'INSERT', keys, left_out, 'TG_TABLE_NAME', 'actor_name'),
        audit_statement(target, 'DELETE', keys, left_out, 'TG_TABLE_NAME', 'actor_name')
    );
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER'
        ' SET search_path = pg_catalog, public, pg_temp AS %L',
        function_name,
        body
    );
    EXECUTE format(
        'COMMENT ON FUNCTION %s() IS %L',
        function_name,
        format('Audit trigger function of %s (audit_log), compiled by: %s', target, call)
    );
    FOR event IN
        SELECT * FROM (
            VALUES
            ('insert', 'NEW TABLE AS new_rows'),
            ('update', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
            ('delete', 'OLD TABLE AS old_rows')
        ) AS e (name, transition)
    LOOP
        EXECUTE format(
            'DROP TRIGGER IF EXISTS %I ON %s',
            left(table_name, 50) || '_audit_' || event.name,
            target
        );
        EXECUTE format(
            'CREATE TRIGGER %I AFTER %s ON %s REFERENCING %s FOR EACH STATEMENT'
            ' EXECUTE FUNCTION %s()',
            left(table_name, 50) || '_audit_' || event.name,
            upper(event.name),
            target,
            event.transition,
            function_name
        );
    END LOOP;
    RETURN (function_name || '()')::regprocedure;
END;
$$;

COMMENT ON FUNCTION audit_enable(regclass, text, text[]) IS
'Compile an audit trigger function for one table and (re)create its three statement triggers. Args: table, key columns (1 to 3, comma-separated, NOT NULL), then columns to leave out. Run again after an ALTER TABLE of its columns.'; -- noqa: LT05

REVOKE ALL ON FUNCTION audit_enable(regclass, text, text[]) FROM public;

SELECT audit_enable('users', 'id');
SELECT audit_enable('user_profiles', 'user_id');
SELECT audit_enable('roles', 'id');
SELECT audit_enable('posts', 'id', 'search_vector', 'view_count');
SELECT audit_enable('comments', 'id');
SELECT audit_enable('categories', 'id');
SELECT audit_enable('tags', 'id');
SELECT audit_enable('post_categories', 'post_id,category_id');
SELECT audit_enable('post_tags', 'post_id,tag_id');

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Back to the generic function on every table, as 20261207112000 left it.
DROP FUNCTION users_audit() CASCADE;
DROP FUNCTION user_profiles_audit() CASCADE;
DROP FUNCTION roles_audit() CASCADE;
DROP FUNCTION posts_audit() CASCADE;
DROP FUNCTION comments_audit() CASCADE;
DROP FUNCTION categories_audit() CASCADE;
DROP FUNCTION tags_audit() CASCADE;
DROP FUNCTION post_categories_audit() CASCADE;
DROP FUNCTION post_tags_audit() CASCADE;

DROP FUNCTION audit_enable(regclass, text, text[]);
DROP FUNCTION audit_statement(regclass, text, text[], text[], text, text);
DROP FUNCTION audit_signature(regclass);
DROP FUNCTION audit_object(text[], text[]);
DROP FUNCTION audit_differs(text, boolean);


-- The sorted names of the columns whose value differs between the rows o and n (differing) or
-- is the same (NOT differing), the column named ignored excepted: typed comparison where
-- comparable, jsonb values otherwise. column_names must be sorted.
CREATE FUNCTION audit_compare(
    column_names text[], comparable boolean[], differing boolean, ignored text
)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN coalesce((
    SELECT
        'array_remove(ARRAY[' || string_agg(
            format(
                'CASE WHEN %1$s IS %2$s DISTINCT FROM %3$s THEN %4$L END',
                CASE
                    WHEN comparable[c.ord] THEN format('o.%I', c.name)
                    ELSE format('to_jsonb(o.%I)', c.name)
                END,
                CASE WHEN differing THEN '' ELSE 'NOT' END,
                CASE
                    WHEN comparable[c.ord] THEN format('n.%I', c.name)
                    ELSE format('to_jsonb(n.%I)', c.name)
                END,
                c.name
            ),
            ', ' ORDER BY c.ord
        ) || ']::text[], NULL)'
    FROM unnest(column_names) WITH ORDINALITY AS c (name, ord)
    WHERE c.name IS DISTINCT FROM ignored
), '''{}''::text[]');

-- audit_record_id() and audit_image() of 20261207110100, as they were.
-- The key as text, comma-separated: key column values as jsonb spells them ('3,9'). Integers,
-- numeric, text, uuid and booleans are spelt alike by ::text, which is cheaper.
CREATE OR REPLACE FUNCTION audit_record_id(key_columns text[], key_plain boolean[], pattern text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN 'concat_ws('','', ' || (
    SELECT
        string_agg(
            CASE
                WHEN key_plain[k.ord] THEN format('(' || pattern || ')::text', k.name)
                ELSE format('to_jsonb(' || pattern || ') #>> ''{}''', k.name)
            END,
            ', ' ORDER BY k.ord
        )
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord)
) || ')';

-- A row's jsonb image over the given columns: jsonb_build_object(name, alias.name, ...), in
-- groups of 50 columns joined by || (a function call takes at most 100 arguments).
CREATE FUNCTION audit_image(column_names text[], alias text)
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
RETURN coalesce((
    SELECT string_agg('jsonb_build_object(' || g.pairs || ')', ' || ')
    FROM (
        SELECT string_agg(format('%L, %I.%I', c.name, alias, c.name), ', ' ORDER BY c.ord) AS pairs
        FROM unnest(column_names) WITH ORDINALITY AS c (name, ord)
        GROUP BY (c.ord - 1) / 50
    ) AS g
), '''{}''::jsonb');

-- The body of 20261207112000, as it was.
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

COMMENT ON FUNCTION audit_row_change() IS
'AFTER STATEMENT trigger (transition tables old_rows/new_rows): one audit_log row per changed row; an UPDATE''s old_data holds the changed columns (the row before is new_data || old_data). Args: key columns (1 to 3, comma-separated), then columns to leave out.'; -- noqa: LT05

COMMENT ON COLUMN audit_log.old_data IS
'DELETE: the row before. UPDATE: the previous values of the columns that differ (the row before is new_data || old_data). INSERT: NULL.'; -- noqa: LT05

COMMENT ON COLUMN audit_log.new_data IS NULL;

-- The triggers of 20261125002000.
CREATE TRIGGER users_audit_insert AFTER INSERT ON users
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER users_audit_update AFTER UPDATE ON users
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER users_audit_delete AFTER DELETE ON users
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER user_profiles_audit_insert AFTER INSERT ON user_profiles
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('user_id');

CREATE TRIGGER user_profiles_audit_update AFTER UPDATE ON user_profiles
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('user_id');

CREATE TRIGGER user_profiles_audit_delete AFTER DELETE ON user_profiles
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('user_id');

CREATE TRIGGER roles_audit_insert AFTER INSERT ON roles
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER roles_audit_update AFTER UPDATE ON roles
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER roles_audit_delete AFTER DELETE ON roles
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

-- view_count changes on every page view: counting views is not an audited change.
CREATE TRIGGER posts_audit_insert AFTER INSERT ON posts
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id', 'search_vector', 'view_count');

CREATE TRIGGER posts_audit_update AFTER UPDATE ON posts
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id', 'search_vector', 'view_count');

CREATE TRIGGER posts_audit_delete AFTER DELETE ON posts
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id', 'search_vector', 'view_count');

CREATE TRIGGER comments_audit_insert AFTER INSERT ON comments
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER comments_audit_update AFTER UPDATE ON comments
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER comments_audit_delete AFTER DELETE ON comments
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER categories_audit_insert AFTER INSERT ON categories
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER categories_audit_update AFTER UPDATE ON categories
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER categories_audit_delete AFTER DELETE ON categories
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER tags_audit_insert AFTER INSERT ON tags
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER tags_audit_update AFTER UPDATE ON tags
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER tags_audit_delete AFTER DELETE ON tags
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER post_categories_audit_insert AFTER INSERT ON post_categories
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,category_id');

CREATE TRIGGER post_categories_audit_update AFTER UPDATE ON post_categories
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,category_id');

CREATE TRIGGER post_categories_audit_delete AFTER DELETE ON post_categories
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,category_id');

CREATE TRIGGER post_tags_audit_insert AFTER INSERT ON post_tags
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,tag_id');

CREATE TRIGGER post_tags_audit_update AFTER UPDATE ON post_tags
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,tag_id');

CREATE TRIGGER post_tags_audit_delete AFTER DELETE ON post_tags
REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION audit_row_change('post_id,tag_id');
