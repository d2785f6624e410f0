-- Base seed (roles, the admin user and profile) and the bookkeeping of the demo-data loader.
-- Every upsert leaves an unchanged row untouched (no UPDATE, so the updated_at trigger does not
-- fire): running the seed twice gives the same rows, ids and timestamps.
-- created is (xmax = 0): a row version this statement inserted has no xmax, one that ON CONFLICT
-- updated carries the updating transaction's id (the PostgreSQL idiom; works on 13 and later).

-- name: seed_role(name, description, permissions)<!
-- Create a role, or bring its description and permissions back to the seed's.
-- Returns its id and whether it was created or updated.
WITH upserted AS (
    INSERT INTO roles (name, description, permissions)
    VALUES (:name, :description, :permissions)
    ON CONFLICT (name) DO UPDATE
        SET
            description = excluded.description,
            permissions = excluded.permissions
        WHERE
        (roles.description, roles.permissions)
        IS DISTINCT FROM (excluded.description, excluded.permissions)
    RETURNING id, xmax = 0 AS created
)

SELECT
    upserted.id,
    upserted.created,
    NOT upserted.created AS updated
FROM upserted
UNION ALL
SELECT
    roles.id,
    FALSE AS created,
    FALSE AS updated
FROM roles
WHERE
    roles.name = :name
    AND NOT EXISTS (SELECT FROM upserted);

-- name: seed_admin_user(email, name)<!
-- Create the admin user, or bring its name and role back to the seed's.
-- Returns its id and whether it was created or updated; a soft-deleted admin stays deleted.
-- Deliberately includes soft-deleted rows. (The admin's e-mail is taken either way.)
WITH upserted AS (
    INSERT INTO users (email, name, role)
    VALUES (:email, :name, 'ADMIN')
    ON CONFLICT (email) DO UPDATE
        SET
            name = excluded.name,
            role = excluded.role
        WHERE (users.name, users.role) IS DISTINCT FROM (excluded.name, excluded.role)
    RETURNING id, xmax = 0 AS created
)

SELECT
    upserted.id,
    upserted.created,
    NOT upserted.created AS updated
FROM upserted
UNION ALL
SELECT
    users.id,
    FALSE AS created,
    FALSE AS updated
FROM users
WHERE
    users.email = :email
    AND NOT EXISTS (SELECT FROM upserted);

-- name: seed_user_profile(user_id, bio)<!
-- Create a user's profile unless one exists (an existing profile is never overwritten).
-- Returns user_id when created, no row when the profile existed.
INSERT INTO user_profiles (user_id, bio)
VALUES (:user_id, :bio)
ON CONFLICT (user_id) DO NOTHING
RETURNING user_id;

-- name: lock_demo_seed()$
-- Serialise demo loads: a transaction-scoped advisory lock, released at COMMIT or ROLLBACK.
SELECT TRUE AS acquired
FROM pg_advisory_xact_lock(hashtext('postsql.seed_demo'));

-- name: demo_content_counts(demo_domain)^
-- Rows already in the tables the demo loader fills (users: demo accounts only, by e-mail domain).
-- Deliberately includes soft-deleted rows. (Every row the loader wrote counts.)
SELECT
    (
        SELECT count(*) FROM users
        WHERE split_part(users.email, '@', 2) = :demo_domain
    ) AS demo_users,
    (SELECT count(*) FROM posts) AS posts,
    (SELECT count(*) FROM comments) AS comments,
    (SELECT count(*) FROM categories) AS categories,
    (SELECT count(*) FROM tags) AS tags;

-- name: reserve_ids(table_name, n)
-- Draw n ids from a table's identity sequence, so COPY can write them and the sequence stays ahead.
SELECT nextval(pg_get_serial_sequence(:table_name, 'id')) AS id
FROM generate_series(1, :n);
