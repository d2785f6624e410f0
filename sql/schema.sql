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
-- Name: audit_compare(text[], boolean[], boolean, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_compare(column_names text[], comparable boolean[], differing boolean, ignored text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT (('array_remove(ARRAY['::text || string_agg(format('CASE WHEN %1$s IS %2$s DISTINCT FROM %3$s THEN %4$L END'::text, CASE WHEN (audit_compare.comparable)[c.ord] THEN format('o.%I'::text, c.name) ELSE format('to_jsonb(o.%I)'::text, c.name) END, CASE WHEN audit_compare.differing THEN ''::text ELSE 'NOT'::text END, CASE WHEN (audit_compare.comparable)[c.ord] THEN format('n.%I'::text, c.name) ELSE format('to_jsonb(n.%I)'::text, c.name) END, c.name), ', '::text ORDER BY c.ord)) || ']::text[], NULL)'::text) FROM unnest(audit_compare.column_names) WITH ORDINALITY c(name, ord) WHERE (c.name IS DISTINCT FROM audit_compare.ignored)), '''{}''::text[]'::text);


--
-- Name: audit_image(text[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_image(column_names text[], alias text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN COALESCE((SELECT string_agg((('jsonb_build_object('::text || g.pairs) || ')'::text), ' || '::text) AS string_agg FROM (SELECT string_agg(format('%L, %I.%I'::text, c.name, audit_image.alias, c.name), ', '::text ORDER BY c.ord) AS pairs FROM unnest(audit_image.column_names) WITH ORDINALITY c(name, ord) GROUP BY ((c.ord - 1) / 50)) g), '''{}''::jsonb'::text);


--
-- Name: audit_record_id(text[], boolean[], text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_record_id(key_columns text[], key_plain boolean[], pattern text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    RETURN (('concat_ws('','', '::text || (SELECT string_agg(CASE WHEN (audit_record_id.key_plain)[k.ord] THEN format((('('::text || audit_record_id.pattern) || ')::text'::text), k.name) ELSE format((('to_jsonb('::text || audit_record_id.pattern) || ') #>> ''{}'''::text), k.name) END, ', '::text ORDER BY k.ord) AS string_agg FROM unnest(audit_record_id.key_columns) WITH ORDINALITY k(name, ord))) || ')'::text);


--
-- Name: audit_row_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_row_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
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
        WITH r AS MATERIALIZED (SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n)
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
        WITH r AS MATERIALIZED (SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o)
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
            SELECT to_jsonb(o) - left_out AS data FROM old_rows AS o
        ),
        new_image AS MATERIALIZED (
            SELECT to_jsonb(n) - left_out AS data FROM new_rows AS n
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
$_$;


--
-- Name: FUNCTION audit_row_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_row_change() IS 'AFTER STATEMENT trigger (transition tables old_rows/new_rows): one audit_log row per changed row; an UPDATE''s old_data holds the changed columns (the row before is new_data || old_data). Args: key columns (1 to 3, comma-separated), then columns to leave out.';


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


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    table_name text NOT NULL,
    record_id text,
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

COMMENT ON COLUMN public.audit_log.old_data IS 'DELETE: the row before. UPDATE: the previous values of the columns that differ (the row before is new_data || old_data). INSERT: NULL.';


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
-- Name: audit_log_changed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_changed_at_idx ON public.audit_log USING btree (changed_at);


--
-- Name: audit_log_table_record_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_table_record_idx ON public.audit_log USING btree (table_name, record_id, changed_at);


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

CREATE TRIGGER categories_audit_delete AFTER DELETE ON public.categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: categories categories_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_audit_insert AFTER INSERT ON public.categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: categories categories_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_audit_update AFTER UPDATE ON public.categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: categories categories_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER categories_set_updated_at BEFORE UPDATE ON public.categories FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: comments comments_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_delete AFTER DELETE ON public.comments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: comments comments_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_insert AFTER INSERT ON public.comments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: comments comments_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_audit_update AFTER UPDATE ON public.comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: comments comments_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON public.comments FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: post_categories post_categories_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_delete AFTER DELETE ON public.post_categories REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,category_id');


--
-- Name: post_categories post_categories_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_insert AFTER INSERT ON public.post_categories REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,category_id');


--
-- Name: post_categories post_categories_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_categories_audit_update AFTER UPDATE ON public.post_categories REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,category_id');


--
-- Name: post_tags post_tags_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_delete AFTER DELETE ON public.post_tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,tag_id');


--
-- Name: post_tags post_tags_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_insert AFTER INSERT ON public.post_tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,tag_id');


--
-- Name: post_tags post_tags_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER post_tags_audit_update AFTER UPDATE ON public.post_tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('post_id,tag_id');


--
-- Name: posts posts_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_delete AFTER DELETE ON public.posts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id', 'search_vector', 'view_count');


--
-- Name: posts posts_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_insert AFTER INSERT ON public.posts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id', 'search_vector', 'view_count');


--
-- Name: posts posts_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER posts_audit_update AFTER UPDATE ON public.posts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id', 'search_vector', 'view_count');


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

CREATE TRIGGER roles_audit_delete AFTER DELETE ON public.roles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: roles roles_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_audit_insert AFTER INSERT ON public.roles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: roles roles_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_audit_update AFTER UPDATE ON public.roles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: roles roles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER roles_set_updated_at BEFORE UPDATE ON public.roles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: tags tags_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_delete AFTER DELETE ON public.tags REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: tags tags_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_insert AFTER INSERT ON public.tags REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: tags tags_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tags_audit_update AFTER UPDATE ON public.tags REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: user_profiles user_profiles_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_delete AFTER DELETE ON public.user_profiles REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('user_id');


--
-- Name: user_profiles user_profiles_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_insert AFTER INSERT ON public.user_profiles REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('user_id');


--
-- Name: user_profiles user_profiles_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_audit_update AFTER UPDATE ON public.user_profiles REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('user_id');


--
-- Name: user_profiles user_profiles_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER user_profiles_set_updated_at BEFORE UPDATE ON public.user_profiles FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();


--
-- Name: users users_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_delete AFTER DELETE ON public.users REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: users users_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_insert AFTER INSERT ON public.users REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


--
-- Name: users users_audit_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_audit_update AFTER UPDATE ON public.users REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.audit_row_change('id');


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
    ('20261207133859');
