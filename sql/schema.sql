SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: pg_stat_statements; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA public;


--
-- Name: EXTENSION pg_stat_statements; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_stat_statements IS 'track planning and execution statistics of all SQL statements executed';


--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;


--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'text similarity measurement and index searching based on trigrams';


--
-- Name: post_status; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.post_status AS ENUM (
    'DRAFT',
    'PUBLISHED',
    'ARCHIVED'
);


--
-- Name: user_role; Type: TYPE; Schema: public; Owner: -
--

CREATE TYPE public.user_role AS ENUM (
    'USER',
    'MODERATOR',
    'ADMIN',
    'SUPER_ADMIN'
);


--
-- Name: audit_differs(text, boolean); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_differs(name text, comparable boolean) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN CASE WHEN comparable THEN format('o.%1$I IS DISTINCT FROM n.%1$I'::text, name) ELSE format('to_jsonb(o.%1$I) IS DISTINCT FROM to_jsonb(n.%1$I)'::text, name) END;


--
-- Name: audit_enable(regclass, text, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_enable(target regclass, key_columns text, VARIADIC left_out text[] DEFAULT '{}'::text[]) RETURNS regprocedure
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
$_$;


--
-- Name: FUNCTION audit_enable(target regclass, key_columns text, VARIADIC left_out text[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_enable(target regclass, key_columns text, VARIADIC left_out text[]) IS 'Compile an audit trigger function for one table and (re)create its three statement triggers. Args: table, key columns (1 to 3, comma-separated, NOT NULL), then columns to leave out. Run again after an ALTER TABLE of its columns.';


--
-- Name: audit_object(text[], text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_object(keys text[], refs text[]) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT string_agg((('jsonb_build_object('::text || g.pairs) || ')'::text), ' || '::text) AS string_agg FROM (SELECT string_agg(format('%L, %s'::text, k.key, (audit_object.refs)[k.ord]), ', '::text ORDER BY k.ord) AS pairs FROM unnest(audit_object.keys) WITH ORDINALITY k(key, ord) GROUP BY ((k.ord - 1) / 50)) g), '''{}''::jsonb'::text);


--
-- Name: audit_record_id(text[], boolean[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_record_id(key_columns text[], key_plain boolean[], pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN CASE WHEN ((cardinality(key_columns) = 1) AND (key_plain)[1]) THEN format((('('::text || pattern) || ')::text'::text), (key_columns)[1]) ELSE (('concat_ws('','', '::text || (SELECT string_agg(CASE WHEN (audit_record_id.key_plain)[k.ord] THEN format((('('::text || audit_record_id.pattern) || ')::text'::text), k.name) ELSE format((('to_jsonb('::text || audit_record_id.pattern) || ') #>> ''{}'''::text), k.name) END, ', '::text ORDER BY k.ord) AS string_agg FROM unnest(audit_record_id.key_columns) WITH ORDINALITY k(name, ord))) || ')'::text) END;


--
-- Name: audit_row_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_row_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
BEGIN
    EXECUTE audit_statement(
        TG_RELID, TG_OP, string_to_array(TG_ARGV[0], ','), TG_ARGV[1:], '$1', '$2'
    ) USING TG_TABLE_NAME, nullif(current_setting('postsql.actor', true), '');
    RETURN NULL;
END;
$_$;


--
-- Name: FUNCTION audit_row_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_row_change() IS 'AFTER STATEMENT trigger (transition tables old_rows/new_rows): one audit_log row per changed row. Args: key columns (1 to 3, comma-separated), then columns to leave out. audit_enable() compiles a faster trigger function per table.';


--
-- Name: audit_signature(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_signature(target regclass) RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN (SELECT string_agg(format('%s %s %s %s'::text, quote_ident((a.attname)::text), format_type(a.atttypid, a.atttypmod), (a.attcollation)::regcollation, a.attnotnull), ', '::text ORDER BY a.attnum) AS string_agg FROM pg_attribute a WHERE ((a.attrelid = (audit_signature.target)::oid) AND (a.attnum > 0) AND (NOT a.attisdropped)));


--
-- Name: audit_statement(regclass, text, text[], text[], text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_statement(target regclass, op text, key_columns text[], left_out text[], table_expr text, actor_expr text) RETURNS text
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
$_$;


--
-- Name: categories_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.categories_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('categories', 'id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, name text "default" t, slug text "default" t, description text "default" f, created_at timestamp with time zone - t, updated_at timestamp with time zone - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('created_at', p.o_1, 'description', p.o_2, 'id', p.o_3, 'name', p.o_4, 'slug', p.o_5, 'updated_at', p.o_6) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('description', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('id', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('name', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('slug', p.o_5) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('created_at', p.n_1, 'description', p.n_2, 'id', p.n_3, 'name', p.n_4, 'slug', p.n_5, 'updated_at', p.n_6) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('description', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('id', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('name', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('slug', p.n_5) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'description' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'name' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'slug' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.created_at AS o_1, n.created_at AS n_1, o.description AS o_2, n.description AS n_2, o.id AS o_3, n.id AS n_3, o.name AS o_4, n.name AS n_4, o.slug AS o_5, n.slug AS n_5, o.updated_at AS o_6, n.updated_at AS n_6,
                    CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.description IS DISTINCT FROM n.description THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.name IS DISTINCT FROM n.name THEN 8::bigint ELSE 0::bigint END | CASE WHEN o.slug IS DISTINCT FROM n.slug THEN 16::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION categories_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.categories_audit() IS 'Audit trigger function of categories (audit_log), compiled by: SELECT audit_enable(''categories'', ''id'')';


--
-- Name: comments_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.comments_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('comments', 'id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, post_id bigint - t, author_id bigint - t, content text "default" t, created_at timestamp with time zone - t, updated_at timestamp with time zone - t, deleted_at timestamp with time zone - f' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('author_id', p.o_1, 'content', p.o_2, 'created_at', p.o_3, 'deleted_at', p.o_4, 'id', p.o_5, 'post_id', p.o_6, 'updated_at', p.o_7) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('author_id', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('content', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('id', p.o_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('post_id', p.o_6) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('author_id', p.n_1, 'content', p.n_2, 'created_at', p.n_3, 'deleted_at', p.n_4, 'id', p.n_5, 'post_id', p.n_6, 'updated_at', p.n_7) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('author_id', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('content', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('id', p.n_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('post_id', p.n_6) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'author_id' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'content' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'deleted_at' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN 'post_id' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.author_id AS o_1, n.author_id AS n_1, o.content AS o_2, n.content AS n_2, o.created_at AS o_3, n.created_at AS n_3, o.deleted_at AS o_4, n.deleted_at AS n_4, o.id AS o_5, n.id AS n_5, o.post_id AS o_6, n.post_id AS n_6, o.updated_at AS o_7, n.updated_at AS n_7,
                    CASE WHEN o.author_id IS DISTINCT FROM n.author_id THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.content IS DISTINCT FROM n.content THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.deleted_at IS DISTINCT FROM n.deleted_at THEN 8::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 16::bigint ELSE 0::bigint END | CASE WHEN o.post_id IS DISTINCT FROM n.post_id THEN 32::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION comments_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.comments_audit() IS 'Audit trigger function of comments (audit_log), compiled by: SELECT audit_enable(''comments'', ''id'')';


--
-- Name: post_categories_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.post_categories_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('post_categories', 'post_id,category_id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'post_id bigint - t, category_id bigint - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{post_id,category_id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('category_id', p.o_1, 'post_id', p.o_2) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('category_id', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('post_id', p.o_2) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('category_id', p.n_1, 'post_id', p.n_2) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('category_id', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('post_id', p.n_2) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'category_id' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'post_id' END]::text[], NULL) END
            FROM (
                SELECT
                    concat_ws(',', (coalesce(o.post_id, n.post_id))::text, (coalesce(o.category_id, n.category_id))::text) AS record_id,
                    o.post_id IS NULL AS is_insert,
                    n.post_id IS NULL AS is_delete,
                    coalesce(o.post_id, n.post_id) AS key_1, coalesce(o.category_id, n.category_id) AS key_2,
                    o.category_id AS o_1, n.category_id AS n_1, o.post_id AS o_2, n.post_id AS n_2,
                    CASE WHEN o.category_id IS DISTINCT FROM n.category_id THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.post_id IS DISTINCT FROM n.post_id THEN 2::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.post_id = n.post_id AND o.category_id = n.category_id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1, p.key_2
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, concat_ws(',', (r.post_id)::text, (r.category_id)::text), 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.post_id, r.category_id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, concat_ws(',', (r.post_id)::text, (r.category_id)::text), 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.post_id, r.category_id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION post_categories_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.post_categories_audit() IS 'Audit trigger function of post_categories (audit_log), compiled by: SELECT audit_enable(''post_categories'', ''post_id,category_id'')';


--
-- Name: post_tags_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.post_tags_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('post_tags', 'post_id,tag_id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'post_id bigint - t, tag_id bigint - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{post_id,tag_id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('post_id', p.o_1, 'tag_id', p.o_2) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('post_id', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('tag_id', p.o_2) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('post_id', p.n_1, 'tag_id', p.n_2) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('post_id', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('tag_id', p.n_2) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'post_id' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'tag_id' END]::text[], NULL) END
            FROM (
                SELECT
                    concat_ws(',', (coalesce(o.post_id, n.post_id))::text, (coalesce(o.tag_id, n.tag_id))::text) AS record_id,
                    o.post_id IS NULL AS is_insert,
                    n.post_id IS NULL AS is_delete,
                    coalesce(o.post_id, n.post_id) AS key_1, coalesce(o.tag_id, n.tag_id) AS key_2,
                    o.post_id AS o_1, n.post_id AS n_1, o.tag_id AS o_2, n.tag_id AS n_2,
                    CASE WHEN o.post_id IS DISTINCT FROM n.post_id THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.tag_id IS DISTINCT FROM n.tag_id THEN 2::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.post_id = n.post_id AND o.tag_id = n.tag_id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1, p.key_2
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, concat_ws(',', (r.post_id)::text, (r.tag_id)::text), 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.post_id, r.tag_id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, concat_ws(',', (r.post_id)::text, (r.tag_id)::text), 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.post_id, r.tag_id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION post_tags_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.post_tags_audit() IS 'Audit trigger function of post_tags (audit_log), compiled by: SELECT audit_enable(''post_tags'', ''post_id,tag_id'')';


--
-- Name: posts_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.posts_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('posts', 'id', 'search_vector', 'view_count')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, title text "default" t, content text "default" t, excerpt text "default" f, slug text "default" t, status public.post_status - t, published_at timestamp with time zone - f, author_id bigint - t, view_count bigint - t, created_at timestamp with time zone - t, updated_at timestamp with time zone - t, deleted_at timestamp with time zone - f, search_vector tsvector - f' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{search_vector,view_count}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('author_id', p.o_1, 'content', p.o_2, 'created_at', p.o_3, 'deleted_at', p.o_4, 'excerpt', p.o_5, 'id', p.o_6, 'published_at', p.o_7, 'slug', p.o_8, 'status', p.o_9::text, 'title', p.o_10, 'updated_at', p.o_11) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('author_id', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('content', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('excerpt', p.o_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('id', p.o_6) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('published_at', p.o_7) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 128::bigint) <> 0 THEN jsonb_build_object('slug', p.o_8) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 256::bigint) <> 0 THEN jsonb_build_object('status', p.o_9::text) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 512::bigint) <> 0 THEN jsonb_build_object('title', p.o_10) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('author_id', p.n_1, 'content', p.n_2, 'created_at', p.n_3, 'deleted_at', p.n_4, 'excerpt', p.n_5, 'id', p.n_6, 'published_at', p.n_7, 'slug', p.n_8, 'status', p.n_9::text, 'title', p.n_10, 'updated_at', p.n_11) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('author_id', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('content', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('excerpt', p.n_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('id', p.n_6) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('published_at', p.n_7) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 128::bigint) <> 0 THEN jsonb_build_object('slug', p.n_8) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 256::bigint) <> 0 THEN jsonb_build_object('status', p.n_9::text) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 512::bigint) <> 0 THEN jsonb_build_object('title', p.n_10) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'author_id' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'content' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'deleted_at' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'excerpt' END, CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN 'published_at' END, CASE WHEN (p.m_1 & 128::bigint) <> 0 THEN 'slug' END, CASE WHEN (p.m_1 & 256::bigint) <> 0 THEN 'status' END, CASE WHEN (p.m_1 & 512::bigint) <> 0 THEN 'title' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.author_id AS o_1, n.author_id AS n_1, o.content AS o_2, n.content AS n_2, o.created_at AS o_3, n.created_at AS n_3, o.deleted_at AS o_4, n.deleted_at AS n_4, o.excerpt AS o_5, n.excerpt AS n_5, o.id AS o_6, n.id AS n_6, o.published_at AS o_7, n.published_at AS n_7, o.slug AS o_8, n.slug AS n_8, o.status AS o_9, n.status AS n_9, o.title AS o_10, n.title AS n_10, o.updated_at AS o_11, n.updated_at AS n_11,
                    CASE WHEN o.author_id IS DISTINCT FROM n.author_id THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.content IS DISTINCT FROM n.content THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.deleted_at IS DISTINCT FROM n.deleted_at THEN 8::bigint ELSE 0::bigint END | CASE WHEN o.excerpt IS DISTINCT FROM n.excerpt THEN 16::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 32::bigint ELSE 0::bigint END | CASE WHEN o.published_at IS DISTINCT FROM n.published_at THEN 64::bigint ELSE 0::bigint END | CASE WHEN o.slug IS DISTINCT FROM n.slug THEN 128::bigint ELSE 0::bigint END | CASE WHEN o.status IS DISTINCT FROM n.status THEN 256::bigint ELSE 0::bigint END | CASE WHEN o.title IS DISTINCT FROM n.title THEN 512::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, jsonb_build_object('author_id', r.author_id, 'content', r.content, 'created_at', r.created_at, 'deleted_at', r.deleted_at, 'excerpt', r.excerpt, 'id', r.id, 'published_at', r.published_at, 'slug', r.slug, 'status', r.status::text, 'title', r.title, 'updated_at', r.updated_at), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, jsonb_build_object('author_id', r.author_id, 'content', r.content, 'created_at', r.created_at, 'deleted_at', r.deleted_at, 'excerpt', r.excerpt, 'id', r.id, 'published_at', r.published_at, 'slug', r.slug, 'status', r.status::text, 'title', r.title, 'updated_at', r.updated_at), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION posts_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.posts_audit() IS 'Audit trigger function of posts (audit_log), compiled by: SELECT audit_enable(''posts'', ''id'', ''search_vector'', ''view_count'')';


--
-- Name: posts_search_vector(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.posts_search_vector() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english'::regconfig, NEW.title), 'A')
        || setweight(to_tsvector('english'::regconfig, NEW.content), 'B');
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION posts_search_vector(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.posts_search_vector() IS 'BEFORE INSERT OR UPDATE OF title, content, search_vector trigger: derives posts.search_vector.';


--
-- Name: roles_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.roles_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('roles', 'id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, name text "default" t, description text "default" f, permissions text[] "default" t, created_at timestamp with time zone - t, updated_at timestamp with time zone - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('created_at', p.o_1, 'description', p.o_2, 'id', p.o_3, 'name', p.o_4, 'permissions', p.o_5, 'updated_at', p.o_6) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('description', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('id', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('name', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('permissions', p.o_5) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('created_at', p.n_1, 'description', p.n_2, 'id', p.n_3, 'name', p.n_4, 'permissions', p.n_5, 'updated_at', p.n_6) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('description', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('id', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('name', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('permissions', p.n_5) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'description' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'name' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'permissions' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.created_at AS o_1, n.created_at AS n_1, o.description AS o_2, n.description AS n_2, o.id AS o_3, n.id AS n_3, o.name AS o_4, n.name AS n_4, o.permissions AS o_5, n.permissions AS n_5, o.updated_at AS o_6, n.updated_at AS n_6,
                    CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.description IS DISTINCT FROM n.description THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.name IS DISTINCT FROM n.name THEN 8::bigint ELSE 0::bigint END | CASE WHEN to_jsonb(o.permissions) IS DISTINCT FROM to_jsonb(n.permissions) THEN 16::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION roles_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.roles_audit() IS 'Audit trigger function of roles (audit_log), compiled by: SELECT audit_enable(''roles'', ''id'')';


--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;


--
-- Name: FUNCTION set_updated_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_updated_at() IS 'BEFORE UPDATE trigger: stamps updated_at with the transaction time.';


--
-- Name: tags_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tags_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('tags', 'id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, name text "default" t, slug text "default" t, created_at timestamp with time zone - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('created_at', p.o_1, 'id', p.o_2, 'name', p.o_3, 'slug', p.o_4) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('id', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('name', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('slug', p.o_4) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('created_at', p.n_1, 'id', p.n_2, 'name', p.n_3, 'slug', p.n_4) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('id', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('name', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('slug', p.n_4) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'name' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'slug' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.created_at AS o_1, n.created_at AS n_1, o.id AS o_2, n.id AS n_2, o.name AS o_3, n.name AS n_3, o.slug AS o_4, n.slug AS n_4,
                    CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.name IS DISTINCT FROM n.name THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.slug IS DISTINCT FROM n.slug THEN 8::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION tags_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tags_audit() IS 'Audit trigger function of tags (audit_log), compiled by: SELECT audit_enable(''tags'', ''id'')';


--
-- Name: user_profiles_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.user_profiles_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('user_profiles', 'user_id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'user_id bigint - t, bio text "default" f, website text "default" f, location text "default" f, preferences jsonb - t, metadata jsonb - t, created_at timestamp with time zone - t, updated_at timestamp with time zone - t' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{user_id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('bio', p.o_1, 'created_at', p.o_2, 'location', p.o_3, 'metadata', p.o_4, 'preferences', p.o_5, 'updated_at', p.o_6, 'user_id', p.o_7, 'website', p.o_8) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('bio', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('location', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('metadata', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('preferences', p.o_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('user_id', p.o_7) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('website', p.o_8) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('bio', p.n_1, 'created_at', p.n_2, 'location', p.n_3, 'metadata', p.n_4, 'preferences', p.n_5, 'updated_at', p.n_6, 'user_id', p.n_7, 'website', p.n_8) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('bio', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('location', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('metadata', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('preferences', p.n_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('user_id', p.n_7) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('website', p.n_8) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'bio' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'location' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'metadata' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'preferences' END, CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN 'user_id' END, CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN 'website' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.user_id, n.user_id))::text AS record_id,
                    o.user_id IS NULL AS is_insert,
                    n.user_id IS NULL AS is_delete,
                    coalesce(o.user_id, n.user_id) AS key_1,
                    o.bio AS o_1, n.bio AS n_1, o.created_at AS o_2, n.created_at AS n_2, o.location AS o_3, n.location AS n_3, o.metadata AS o_4, n.metadata AS n_4, o.preferences AS o_5, n.preferences AS n_5, o.updated_at AS o_6, n.updated_at AS n_6, o.user_id AS o_7, n.user_id AS n_7, o.website AS o_8, n.website AS n_8,
                    CASE WHEN o.bio IS DISTINCT FROM n.bio THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.location IS DISTINCT FROM n.location THEN 4::bigint ELSE 0::bigint END | CASE WHEN to_jsonb(o.metadata) IS DISTINCT FROM to_jsonb(n.metadata) THEN 8::bigint ELSE 0::bigint END | CASE WHEN to_jsonb(o.preferences) IS DISTINCT FROM to_jsonb(n.preferences) THEN 16::bigint ELSE 0::bigint END | CASE WHEN o.user_id IS DISTINCT FROM n.user_id THEN 32::bigint ELSE 0::bigint END | CASE WHEN o.website IS DISTINCT FROM n.website THEN 64::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.user_id = n.user_id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.user_id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.user_id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.user_id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.user_id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION user_profiles_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.user_profiles_audit() IS 'Audit trigger function of user_profiles (audit_log), compiled by: SELECT audit_enable(''user_profiles'', ''user_id'')';


--
-- Name: users_audit(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.users_audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    actor_name text := nullif(current_setting('postsql.actor', true), '');
BEGIN
    -- Compiled by: SELECT audit_enable('users', 'id')
    IF audit_signature(TG_RELID) IS DISTINCT FROM 'id bigint - t, email text "default" t, name text "default" t, avatar text "default" f, role public.user_role - t, created_at timestamp with time zone - t, updated_at timestamp with time zone - t, deleted_at timestamp with time zone - f' THEN
        -- The table's columns changed since: the generic statement, built for them now.
        EXECUTE audit_statement(TG_RELID, TG_OP, '{id}', '{}', '$1', '$2')
        USING TG_TABLE_NAME, actor_name;
    ELSIF TG_OP = 'UPDATE' THEN
        
            INSERT INTO audit_log (
                table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
            )
            SELECT
                TG_TABLE_NAME,
                p.record_id,
                CASE WHEN p.is_delete THEN 'DELETE' WHEN p.is_insert THEN 'INSERT' ELSE 'UPDATE' END,
                actor_name,
                session_user,
                CASE WHEN p.is_delete THEN jsonb_build_object('avatar', p.o_1, 'created_at', p.o_2, 'deleted_at', p.o_3, 'email', p.o_4, 'id', p.o_5, 'name', p.o_6, 'role', p.o_7::text, 'updated_at', p.o_8) WHEN NOT p.is_insert THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('avatar', p.o_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('created_at', p.o_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.o_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('email', p.o_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('id', p.o_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('name', p.o_6) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('role', p.o_7::text) ELSE '{}'::jsonb END END,
                CASE WHEN p.is_insert THEN jsonb_build_object('avatar', p.n_1, 'created_at', p.n_2, 'deleted_at', p.n_3, 'email', p.n_4, 'id', p.n_5, 'name', p.n_6, 'role', p.n_7::text, 'updated_at', p.n_8) WHEN NOT p.is_delete THEN CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN jsonb_build_object('avatar', p.n_1) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN jsonb_build_object('created_at', p.n_2) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN jsonb_build_object('deleted_at', p.n_3) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN jsonb_build_object('email', p.n_4) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN jsonb_build_object('id', p.n_5) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN jsonb_build_object('name', p.n_6) ELSE '{}'::jsonb END || CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN jsonb_build_object('role', p.n_7::text) ELSE '{}'::jsonb END END,
                CASE WHEN NOT (p.is_insert OR p.is_delete) THEN array_remove(ARRAY[CASE WHEN (p.m_1 & 1::bigint) <> 0 THEN 'avatar' END, CASE WHEN (p.m_1 & 2::bigint) <> 0 THEN 'created_at' END, CASE WHEN (p.m_1 & 4::bigint) <> 0 THEN 'deleted_at' END, CASE WHEN (p.m_1 & 8::bigint) <> 0 THEN 'email' END, CASE WHEN (p.m_1 & 16::bigint) <> 0 THEN 'id' END, CASE WHEN (p.m_1 & 32::bigint) <> 0 THEN 'name' END, CASE WHEN (p.m_1 & 64::bigint) <> 0 THEN 'role' END]::text[], NULL) END
            FROM (
                SELECT
                    (coalesce(o.id, n.id))::text AS record_id,
                    o.id IS NULL AS is_insert,
                    n.id IS NULL AS is_delete,
                    coalesce(o.id, n.id) AS key_1,
                    o.avatar AS o_1, n.avatar AS n_1, o.created_at AS o_2, n.created_at AS n_2, o.deleted_at AS o_3, n.deleted_at AS n_3, o.email AS o_4, n.email AS n_4, o.id AS o_5, n.id AS n_5, o.name AS o_6, n.name AS n_6, o.role AS o_7, n.role AS n_7, o.updated_at AS o_8, n.updated_at AS n_8,
                    CASE WHEN o.avatar IS DISTINCT FROM n.avatar THEN 1::bigint ELSE 0::bigint END | CASE WHEN o.created_at IS DISTINCT FROM n.created_at THEN 2::bigint ELSE 0::bigint END | CASE WHEN o.deleted_at IS DISTINCT FROM n.deleted_at THEN 4::bigint ELSE 0::bigint END | CASE WHEN o.email IS DISTINCT FROM n.email THEN 8::bigint ELSE 0::bigint END | CASE WHEN o.id IS DISTINCT FROM n.id THEN 16::bigint ELSE 0::bigint END | CASE WHEN o.name IS DISTINCT FROM n.name THEN 32::bigint ELSE 0::bigint END | CASE WHEN o.role IS DISTINCT FROM n.role THEN 64::bigint ELSE 0::bigint END AS m_1
                FROM old_rows AS o FULL JOIN new_rows AS n ON o.id = n.id
                OFFSET 0
            ) AS p
            WHERE p.is_insert OR p.is_delete OR p.m_1 <> 0
            ORDER BY p.is_insert, p.key_1
            ;
    ELSIF TG_OP = 'INSERT' THEN
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'INSERT', actor_name, session_user, NULL, to_jsonb(r), NULL
        FROM new_rows AS r
        ORDER BY r.id
        ;
    ELSE
        
        INSERT INTO audit_log (
            table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
        )
        SELECT TG_TABLE_NAME, (r.id)::text, 'DELETE', actor_name, session_user, to_jsonb(r), NULL, NULL
        FROM old_rows AS r
        ORDER BY r.id
        ;
    END IF;
    RETURN NULL;
END
$_$;


--
-- Name: FUNCTION users_audit(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.users_audit() IS 'Audit trigger function of users (audit_log), compiled by: SELECT audit_enable(''users'', ''id'')';


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    table_name text NOT NULL COLLATE pg_catalog."C",
    record_id text COLLATE pg_catalog."C",
    action text NOT NULL,
    actor text,
    old_data jsonb,
    new_data jsonb,
    transaction_id bigint DEFAULT txid_current() NOT NULL,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    db_role text,
    changed_columns text[],
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text]))),
    CONSTRAINT audit_log_changed_columns_no_null_check CHECK ((array_position(changed_columns, NULL::text) IS NULL))
);


--
-- Name: TABLE audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_log IS 'Who changed what and when; written by audit triggers, never updated or deleted by the application.';


--
-- Name: COLUMN audit_log.actor; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.actor IS 'The application user from the transaction-local setting postsql.actor; NULL when unset.';


--
-- Name: COLUMN audit_log.old_data; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.old_data IS 'DELETE: the row before. UPDATE: the previous values of the columns in changed_columns. INSERT: NULL.';


--
-- Name: COLUMN audit_log.new_data; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.new_data IS 'INSERT: the row written. UPDATE: the new values of the columns in changed_columns (before 20261207140100: the whole new row). DELETE: NULL.';


--
-- Name: COLUMN audit_log.db_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.db_role IS 'The database role that wrote the row (session_user): the actor''s fallback.';


--
-- Name: COLUMN audit_log.changed_columns; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.changed_columns IS 'UPDATE only: the audited columns whose value changed, sorted.';


--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.categories (
    id bigint NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT categories_slug_format_check CHECK ((slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))
);


--
-- Name: categories_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.categories ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.categories_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: comments; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.comments (
    id bigint NOT NULL,
    post_id bigint NOT NULL,
    author_id bigint NOT NULL,
    content text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone
);


--
-- Name: TABLE comments; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.comments IS 'Comments on posts; soft-deleted when deleted_at is set.';


--
-- Name: comments_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.comments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.comments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: post_categories; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.post_categories (
    post_id bigint NOT NULL,
    category_id bigint NOT NULL
);


--
-- Name: post_tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.post_tags (
    post_id bigint NOT NULL,
    tag_id bigint NOT NULL
);


--
-- Name: posts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.posts (
    id bigint NOT NULL,
    title text NOT NULL,
    content text NOT NULL,
    excerpt text,
    slug text NOT NULL,
    status public.post_status DEFAULT 'DRAFT'::public.post_status NOT NULL,
    published_at timestamp with time zone,
    author_id bigint NOT NULL,
    view_count bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    search_vector tsvector,
    CONSTRAINT posts_draft_has_no_published_at_check CHECK (((status <> 'DRAFT'::public.post_status) OR (published_at IS NULL))),
    CONSTRAINT posts_published_has_published_at_check CHECK (((status <> 'PUBLISHED'::public.post_status) OR (published_at IS NOT NULL))),
    CONSTRAINT posts_slug_format_check CHECK ((slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text)),
    CONSTRAINT posts_title_not_blank_check CHECK ((btrim(title) <> ''::text)),
    CONSTRAINT posts_view_count_check CHECK ((view_count >= 0))
);
ALTER TABLE ONLY public.posts ALTER COLUMN search_vector SET STORAGE MAIN;


--
-- Name: TABLE posts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.posts IS 'Blog posts; soft-deleted when deleted_at is set.';


--
-- Name: COLUMN posts.search_vector; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.posts.search_vector IS 'Full-text document: title weighted A, content weighted B (english configuration); kept by the trigger posts_search_vector, any value written is replaced.';


--
-- Name: posts_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.posts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.posts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: roles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.roles (
    id bigint NOT NULL,
    name text NOT NULL,
    description text,
    permissions text[] DEFAULT '{}'::text[] NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT roles_permissions_no_null_check CHECK ((array_position(permissions, NULL::text) IS NULL))
);


--
-- Name: TABLE roles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.roles IS 'Named permission sets; permission "*" grants everything.';


--
-- Name: roles_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.roles ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.roles_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying NOT NULL
);


--
-- Name: tags; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tags (
    id bigint NOT NULL,
    name text NOT NULL,
    slug text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT tags_slug_format_check CHECK ((slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'::text))
);


--
-- Name: tags_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tags ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tags_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: user_profiles; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_profiles (
    user_id bigint NOT NULL,
    bio text,
    website text,
    location text,
    preferences jsonb DEFAULT '{}'::jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: TABLE user_profiles; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.user_profiles IS 'One profile per user, deleted with the user.';


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id bigint NOT NULL,
    email text NOT NULL,
    name text NOT NULL,
    avatar text,
    role public.user_role DEFAULT 'USER'::public.user_role NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    deleted_at timestamp with time zone,
    CONSTRAINT users_email_format_check CHECK ((email ~ '^[^@\s]+@[^@\s]+$'::text)),
    CONSTRAINT users_email_length_check CHECK ((length(email) <= 254)),
    CONSTRAINT users_email_lower_check CHECK ((email = lower(email)))
);


--
-- Name: TABLE users; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.users IS 'People who write posts and comments; soft-deleted when deleted_at is set.';


--
-- Name: COLUMN users.deleted_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.users.deleted_at IS 'Set by a soft delete; NULL for live users.';


--
-- Name: users_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.users ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.users_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);


--
-- Name: categories categories_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_name_key UNIQUE (name);


--
-- Name: categories categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_pkey PRIMARY KEY (id);


--
-- Name: categories categories_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.categories
    ADD CONSTRAINT categories_slug_key UNIQUE (slug);


--
-- Name: comments comments_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_pkey PRIMARY KEY (id);


--
-- Name: post_categories post_categories_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_categories
    ADD CONSTRAINT post_categories_pkey PRIMARY KEY (post_id, category_id);


--
-- Name: post_tags post_tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_tags
    ADD CONSTRAINT post_tags_pkey PRIMARY KEY (post_id, tag_id);


--
-- Name: posts posts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.posts
    ADD CONSTRAINT posts_pkey PRIMARY KEY (id);


--
-- Name: posts posts_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.posts
    ADD CONSTRAINT posts_slug_key UNIQUE (slug);


--
-- Name: roles roles_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_name_key UNIQUE (name);


--
-- Name: roles roles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.roles
    ADD CONSTRAINT roles_pkey PRIMARY KEY (id);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: tags tags_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_name_key UNIQUE (name);


--
-- Name: tags tags_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_pkey PRIMARY KEY (id);


--
-- Name: tags tags_slug_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tags
    ADD CONSTRAINT tags_slug_key UNIQUE (slug);


--
-- Name: user_profiles user_profiles_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_profiles
    ADD CONSTRAINT user_profiles_pkey PRIMARY KEY (user_id);


--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: audit_log_changed_at_brin_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_changed_at_brin_idx ON public.audit_log USING brin (changed_at);


--
-- Name: audit_log_table_record_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_table_record_idx ON public.audit_log USING btree (table_name, record_id);


--
-- Name: comments_author_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_author_id_idx ON public.comments USING btree (author_id);


--
-- Name: comments_live_post_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_live_post_created_idx ON public.comments USING btree (post_id, created_at, id) WHERE (deleted_at IS NULL);


--
-- Name: comments_post_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX comments_post_id_idx ON public.comments USING btree (post_id);


--
-- Name: post_categories_category_post_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX post_categories_category_post_idx ON public.post_categories USING btree (category_id, post_id);


--
-- Name: post_tags_tag_post_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX post_tags_tag_post_idx ON public.post_tags USING btree (tag_id, post_id);


--
-- Name: posts_author_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_author_created_idx ON public.posts USING btree (author_id, created_at DESC);


--
-- Name: posts_live_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_live_created_idx ON public.posts USING btree (created_at DESC, id DESC) WHERE (deleted_at IS NULL);


--
-- Name: posts_live_status_published_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_live_status_published_idx ON public.posts USING btree (status, published_at DESC, id DESC) WHERE (deleted_at IS NULL);


--
-- Name: posts_live_status_views_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_live_status_views_idx ON public.posts USING btree (status) INCLUDE (view_count) WHERE (deleted_at IS NULL);


--
-- Name: posts_search_vector_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_search_vector_idx ON public.posts USING gin (search_vector);


--
-- Name: posts_title_lower_trgm_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX posts_title_lower_trgm_idx ON public.posts USING gin (lower(title) public.gin_trgm_ops);


--
-- Name: users_live_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX users_live_created_at_idx ON public.users USING btree (created_at DESC, id DESC) WHERE (deleted_at IS NULL);


--
-- Name: categories categories_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_audit_delete AFTER DELETE ON public.categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.categories_audit();


--
-- Name: categories categories_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_audit_insert AFTER INSERT ON public.categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.categories_audit();


--
-- Name: categories categories_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_audit_update AFTER UPDATE ON public.categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.categories_audit();


--
-- Name: categories categories_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_set_updated_at BEFORE UPDATE ON public.categories FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: comments comments_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_delete AFTER DELETE ON public.comments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.comments_audit();


--
-- Name: comments comments_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_insert AFTER INSERT ON public.comments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.comments_audit();


--
-- Name: comments comments_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_update AFTER UPDATE ON public.comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.comments_audit();


--
-- Name: comments comments_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON public.comments FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: post_categories post_categories_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_delete AFTER DELETE ON public.post_categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_categories_audit();


--
-- Name: post_categories post_categories_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_insert AFTER INSERT ON public.post_categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_categories_audit();


--
-- Name: post_categories post_categories_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_update AFTER UPDATE ON public.post_categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_categories_audit();


--
-- Name: post_tags post_tags_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_delete AFTER DELETE ON public.post_tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_tags_audit();


--
-- Name: post_tags post_tags_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_insert AFTER INSERT ON public.post_tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_tags_audit();


--
-- Name: post_tags post_tags_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_update AFTER UPDATE ON public.post_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.post_tags_audit();


--
-- Name: posts posts_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_delete AFTER DELETE ON public.posts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.posts_audit();


--
-- Name: posts posts_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_insert AFTER INSERT ON public.posts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.posts_audit();


--
-- Name: posts posts_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_update AFTER UPDATE ON public.posts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.posts_audit();


--
-- Name: posts posts_search_vector; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_search_vector BEFORE INSERT OR UPDATE OF title, content, search_vector ON public.posts FOR EACH ROW EXECUTE FUNCTION public.posts_search_vector();


--
-- Name: posts posts_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_set_updated_at BEFORE UPDATE ON public.posts FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: roles roles_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_audit_delete AFTER DELETE ON public.roles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.roles_audit();


--
-- Name: roles roles_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_audit_insert AFTER INSERT ON public.roles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.roles_audit();


--
-- Name: roles roles_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_audit_update AFTER UPDATE ON public.roles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.roles_audit();


--
-- Name: roles roles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_set_updated_at BEFORE UPDATE ON public.roles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: tags tags_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_delete AFTER DELETE ON public.tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.tags_audit();


--
-- Name: tags tags_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_insert AFTER INSERT ON public.tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.tags_audit();


--
-- Name: tags tags_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_update AFTER UPDATE ON public.tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.tags_audit();


--
-- Name: user_profiles user_profiles_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_delete AFTER DELETE ON public.user_profiles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.user_profiles_audit();


--
-- Name: user_profiles user_profiles_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_insert AFTER INSERT ON public.user_profiles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.user_profiles_audit();


--
-- Name: user_profiles user_profiles_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_update AFTER UPDATE ON public.user_profiles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.user_profiles_audit();


--
-- Name: user_profiles user_profiles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_set_updated_at BEFORE UPDATE ON public.user_profiles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: users users_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_delete AFTER DELETE ON public.users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.users_audit();


--
-- Name: users users_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_insert AFTER INSERT ON public.users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.users_audit();


--
-- Name: users users_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_update AFTER UPDATE ON public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.users_audit();


--
-- Name: users users_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON public.users FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: comments comments_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE RESTRICT;


--
-- Name: comments comments_post_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.comments
    ADD CONSTRAINT comments_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.posts(id) ON DELETE CASCADE;


--
-- Name: post_categories post_categories_category_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_categories
    ADD CONSTRAINT post_categories_category_id_fkey FOREIGN KEY (category_id) REFERENCES public.categories(id) ON DELETE CASCADE;


--
-- Name: post_categories post_categories_post_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_categories
    ADD CONSTRAINT post_categories_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.posts(id) ON DELETE CASCADE;


--
-- Name: post_tags post_tags_post_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_tags
    ADD CONSTRAINT post_tags_post_id_fkey FOREIGN KEY (post_id) REFERENCES public.posts(id) ON DELETE CASCADE;


--
-- Name: post_tags post_tags_tag_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.post_tags
    ADD CONSTRAINT post_tags_tag_id_fkey FOREIGN KEY (tag_id) REFERENCES public.tags(id) ON DELETE CASCADE;


--
-- Name: posts posts_author_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.posts
    ADD CONSTRAINT posts_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE RESTRICT;


--
-- Name: user_profiles user_profiles_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_profiles
    ADD CONSTRAINT user_profiles_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--



--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261125000100'),
    ('20261125000200'),
    ('20261125000300'),
    ('20261125000400'),
    ('20261125000500'),
    ('20261125001000'),
    ('20261125002000'),
    ('20261125003000'),
    ('20261125003100'),
    ('20261125004000'),
    ('20261125004500'),
    ('20261125005000'),
    ('20261125005100'),
    ('20261129221500'),
    ('20261207100000'),
    ('20261207100100'),
    ('20261207110000'),
    ('20261207110100'),
    ('20261207112000'),
    ('20261207133859'),
    ('20261207140000'),
    ('20261207140010'),
    ('20261207140020'),
    ('20261207140030'),
    ('20261207140040'),
    ('20261207140100');
