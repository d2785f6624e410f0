-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- Audit triggers: every row written to an audited table, by postsql or by anyone else, leaves one
-- audit_log row with who (the application's actor and the database role), what (table, key,
-- action, old and new row as jsonb, the changed columns) and when (transaction id and time).
-- The actor is the transaction-local setting postsql.actor (Database.transaction(actor=...) or
-- postsql.ext.audit.set_actor); without it actor is NULL and db_role still says who wrote.
ALTER TABLE audit_log ADD COLUMN db_role text;

ALTER TABLE audit_log ADD COLUMN changed_columns text[];

COMMENT ON COLUMN audit_log.actor IS
'The application user from the transaction-local setting postsql.actor; NULL when unset.';

COMMENT ON COLUMN audit_log.db_role IS
'The database role that wrote the row (session_user): the actor''s fallback.';

COMMENT ON COLUMN audit_log.changed_columns IS
'UPDATE only: the audited columns whose value changed, sorted.';

-- Trigger arguments: the key column(s) as one comma-separated string, then the columns to leave
-- out of old_data/new_data (derived or noisy ones such as search_vector). An UPDATE that changes
-- no audited column except updated_at (which set_updated_at stamps on every UPDATE) is a no-op
-- and writes no audit row. Plain SQL only (no PostgreSQL 16+ functions): runs on 15 to 18.
-- SECURITY DEFINER: the function runs as its owner (the migrator), so the application role needs
-- no write privilege on audit_log at all (sql/roles.sql grants it none); search_path is pinned so
-- a caller cannot redirect the INSERT. Inside it current_user is the owner: the writer is
-- session_user.
--
-- Statement-level with transition tables: a statement's changed rows arrive together (new_rows,
-- old_rows) and one INSERT ... SELECT writes all their audit rows, in key order, so a COPY of
-- 10,000 rows runs one function call and one insert, not 10,000 of each. A transition table
-- needs a trigger per event, hence three triggers per table, all calling this function.
-- UPDATE pairs each old row with the new row of the same key. An UPDATE that changes a key has
-- no partner by key (transition tables carry no row identity such as ctid), so the old row is
-- recorded as a DELETE of the old key and the new row as an INSERT of the new key, in the same
-- transaction; a statement that swaps keys between rows is recorded as UPDATEs of each key.
CREATE FUNCTION audit_row_change() RETURNS trigger
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

COMMENT ON FUNCTION audit_row_change() IS
'AFTER STATEMENT trigger (transition tables old_rows/new_rows): one audit_log row per changed row. Args: key columns (1 to 3, comma-separated), then columns to leave out.'; -- noqa: LT05

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

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TRIGGER post_tags_audit_delete ON post_tags;

DROP TRIGGER post_tags_audit_update ON post_tags;

DROP TRIGGER post_tags_audit_insert ON post_tags;

DROP TRIGGER post_categories_audit_delete ON post_categories;

DROP TRIGGER post_categories_audit_update ON post_categories;

DROP TRIGGER post_categories_audit_insert ON post_categories;

DROP TRIGGER tags_audit_delete ON tags;

DROP TRIGGER tags_audit_update ON tags;

DROP TRIGGER tags_audit_insert ON tags;

DROP TRIGGER categories_audit_delete ON categories;

DROP TRIGGER categories_audit_update ON categories;

DROP TRIGGER categories_audit_insert ON categories;

DROP TRIGGER comments_audit_delete ON comments;

DROP TRIGGER comments_audit_update ON comments;

DROP TRIGGER comments_audit_insert ON comments;

DROP TRIGGER posts_audit_delete ON posts;

DROP TRIGGER posts_audit_update ON posts;

DROP TRIGGER posts_audit_insert ON posts;

DROP TRIGGER roles_audit_delete ON roles;

DROP TRIGGER roles_audit_update ON roles;

DROP TRIGGER roles_audit_insert ON roles;

DROP TRIGGER user_profiles_audit_delete ON user_profiles;

DROP TRIGGER user_profiles_audit_update ON user_profiles;

DROP TRIGGER user_profiles_audit_insert ON user_profiles;

DROP TRIGGER users_audit_delete ON users;

DROP TRIGGER users_audit_update ON users;

DROP TRIGGER users_audit_insert ON users;

DROP FUNCTION audit_row_change();

COMMENT ON COLUMN audit_log.actor IS NULL;

-- The columns this migration added go with it (their audit data too: rolling back is a choice).
-- squawk-ignore ban-drop-column
ALTER TABLE audit_log DROP COLUMN changed_columns;

-- squawk-ignore ban-drop-column
ALTER TABLE audit_log DROP COLUMN db_role;
