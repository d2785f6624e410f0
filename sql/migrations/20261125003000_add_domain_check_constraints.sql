-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- The domain's rules, enforced by the database whatever the client. Each is added NOT VALID (a
-- brief lock, no scan); the next migration validates existing rows without blocking writes.
-- codegen reads these constraints: the insert models check the recognised ones before a round
-- trip, and every model's docstring lists them (README: "Security").

-- One @ with non-empty sides and no whitespace, at most 254 characters, stored in lower case.
ALTER TABLE users
ADD CONSTRAINT users_email_format_check
CHECK (email ~ '^[^@\s]+@[^@\s]+$') NOT VALID;

ALTER TABLE users
ADD CONSTRAINT users_email_length_check
CHECK (length(email) <= 254) NOT VALID;

ALTER TABLE users
ADD CONSTRAINT users_email_lower_check
CHECK (email = lower(email)) NOT VALID;

-- Slugs: lower-case words of letters and digits joined by single hyphens.
ALTER TABLE posts
ADD CONSTRAINT posts_slug_format_check
CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$') NOT VALID;

ALTER TABLE categories
ADD CONSTRAINT categories_slug_format_check
CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$') NOT VALID;

ALTER TABLE tags
ADD CONSTRAINT tags_slug_format_check
CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$') NOT VALID;

ALTER TABLE posts
ADD CONSTRAINT posts_title_not_blank_check
CHECK (btrim(title) <> '') NOT VALID;

ALTER TABLE posts
ADD CONSTRAINT posts_view_count_check
CHECK (view_count >= 0) NOT VALID;

-- published_at is present exactly when a post is published: a PUBLISHED post has one, a DRAFT
-- has none; an ARCHIVED post keeps the date it was published, if it ever was.
ALTER TABLE posts
ADD CONSTRAINT posts_published_has_published_at_check
CHECK (status <> 'PUBLISHED' OR published_at IS NOT NULL) NOT VALID;

ALTER TABLE posts
ADD CONSTRAINT posts_draft_has_no_published_at_check
CHECK (status <> 'DRAFT' OR published_at IS NULL) NOT VALID;

-- The audit log is append-only, written by audit triggers alone (SECURITY DEFINER functions owned
-- by the migrator), and dbmate's bookkeeping is the migrator's. Default privileges (sql/roles.sql)
-- grant the application role DML on every new table, these included; take writes on them back
-- from every role but the owner, whatever the roles are named.
DO $revoke$
DECLARE
    target regclass;
    grantee text;
BEGIN
    FOREACH target IN ARRAY ARRAY[
        to_regclass('audit_log'), to_regclass('schema_migrations')
    ] LOOP
        CONTINUE WHEN target IS NULL;
        FOR grantee IN
            SELECT DISTINCT
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END
            FROM pg_class AS c
            CROSS JOIN LATERAL aclexplode(c.relacl) AS a
            LEFT JOIN pg_roles AS r ON a.grantee = r.oid
            WHERE
                c.oid = target
                AND a.grantee <> c.relowner
                AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
        LOOP
            EXECUTE format(
                'REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %s', target, grantee
            );
        END LOOP;
    END LOOP;
END;
$revoke$;

-- migrate:down
-- The down half removes exactly the rules the up half added; dropping them is its purpose.
-- squawk-ignore-file ban-drop-constraint
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE posts DROP CONSTRAINT posts_draft_has_no_published_at_check;

ALTER TABLE posts DROP CONSTRAINT posts_published_has_published_at_check;

ALTER TABLE posts DROP CONSTRAINT posts_view_count_check;

ALTER TABLE posts DROP CONSTRAINT posts_title_not_blank_check;

ALTER TABLE tags DROP CONSTRAINT tags_slug_format_check;

ALTER TABLE categories DROP CONSTRAINT categories_slug_format_check;

ALTER TABLE posts DROP CONSTRAINT posts_slug_format_check;

ALTER TABLE users DROP CONSTRAINT users_email_lower_check;

ALTER TABLE users DROP CONSTRAINT users_email_length_check;

ALTER TABLE users DROP CONSTRAINT users_email_format_check;

-- Give back what default privileges granted on the two tables (the state before the up half).
DO $regrant$
DECLARE
    target regclass;
    acl record;
BEGIN
    FOREACH target IN ARRAY ARRAY[
        to_regclass('audit_log'), to_regclass('schema_migrations')
    ] LOOP
        CONTINUE WHEN target IS NULL;
        FOR acl IN
            SELECT
                a.privilege_type,
                CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee
            FROM pg_class AS c
            INNER JOIN pg_default_acl AS d
                ON
                    c.relowner = d.defaclrole
                    AND d.defaclobjtype = 'r'
                    AND d.defaclnamespace IN (0, c.relnamespace)
            CROSS JOIN LATERAL aclexplode(d.defaclacl) AS a
            LEFT JOIN pg_roles AS r ON a.grantee = r.oid
            WHERE
                c.oid = target
                AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
        LOOP
            EXECUTE format('GRANT %s ON %s TO %s', acl.privilege_type, target, acl.grantee);
        END LOOP;
    END LOOP;
END;
$regrant$;
