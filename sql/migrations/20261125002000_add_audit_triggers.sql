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
CREATE FUNCTION audit_row_change() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public AS $$
DECLARE
    key_columns text[] := string_to_array(TG_ARGV[0], ',');
    left_out text[] := coalesce(TG_ARGV[1:], '{}');
    old_row jsonb;
    new_row jsonb;
    changed text[];
    row_key text;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        old_row := to_jsonb(OLD) - left_out;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        new_row := to_jsonb(NEW) - left_out;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}') INTO changed
        FROM jsonb_each(new_row) AS n
        WHERE n.value IS DISTINCT FROM old_row -> n.key AND n.key <> 'updated_at';
        IF cardinality(changed) = 0 THEN
            RETURN NULL;
        END IF;
    END IF;
    SELECT string_agg(coalesce(new_row, old_row) ->> k.name, ',' ORDER BY k.ord) INTO row_key
    FROM unnest(key_columns) WITH ORDINALITY AS k (name, ord);
    INSERT INTO audit_log (
        table_name, record_id, action, actor, db_role, old_data, new_data, changed_columns
    ) VALUES (
        TG_TABLE_NAME, row_key, TG_OP, nullif(current_setting('postsql.actor', true), ''),
        session_user, old_row, new_row, changed
    );
    RETURN NULL;
END;
$$;

COMMENT ON FUNCTION audit_row_change() IS
'AFTER ROW trigger: writes one audit_log row per changed row. Args: key columns (comma-separated), then columns to leave out.'; -- noqa: LT05

CREATE TRIGGER users_audit AFTER INSERT OR UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER user_profiles_audit AFTER INSERT OR UPDATE OR DELETE ON user_profiles
FOR EACH ROW EXECUTE FUNCTION audit_row_change('user_id');

CREATE TRIGGER roles_audit AFTER INSERT OR UPDATE OR DELETE ON roles
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

-- view_count changes on every page view: counting views is not an audited change.
CREATE TRIGGER posts_audit AFTER INSERT OR UPDATE OR DELETE ON posts
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'search_vector', 'view_count');

CREATE TRIGGER comments_audit AFTER INSERT OR UPDATE OR DELETE ON comments
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER categories_audit AFTER INSERT OR UPDATE OR DELETE ON categories
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER tags_audit AFTER INSERT OR UPDATE OR DELETE ON tags
FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');

CREATE TRIGGER post_categories_audit AFTER INSERT OR UPDATE OR DELETE ON post_categories
FOR EACH ROW EXECUTE FUNCTION audit_row_change('post_id,category_id');

CREATE TRIGGER post_tags_audit AFTER INSERT OR UPDATE OR DELETE ON post_tags
FOR EACH ROW EXECUTE FUNCTION audit_row_change('post_id,tag_id');

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TRIGGER post_tags_audit ON post_tags;

DROP TRIGGER post_categories_audit ON post_categories;

DROP TRIGGER tags_audit ON tags;

DROP TRIGGER categories_audit ON categories;

DROP TRIGGER comments_audit ON comments;

DROP TRIGGER posts_audit ON posts;

DROP TRIGGER roles_audit ON roles;

DROP TRIGGER user_profiles_audit ON user_profiles;

DROP TRIGGER users_audit ON users;

DROP FUNCTION audit_row_change();

COMMENT ON COLUMN audit_log.actor IS NULL;

-- The columns this migration added go with it (their audit data too: rolling back is a choice).
-- squawk-ignore ban-drop-column
ALTER TABLE audit_log DROP COLUMN changed_columns;

-- squawk-ignore ban-drop-column
ALTER TABLE audit_log DROP COLUMN db_role;
