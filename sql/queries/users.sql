-- Users and their profiles. Reads see live users only unless the query name says otherwise.

-- name: create_user(email, name, avatar, role, bio, website, location)<!
-- Inserts a user and its profile in one statement and returns both; role NULL means USER.
WITH new_user AS (
    INSERT INTO users (email, name, avatar, role)
    VALUES (:email, :name, :avatar, coalesce(:role::user_role, 'USER'))
    RETURNING id, email, name, avatar, role, created_at, updated_at, deleted_at
),

new_profile AS (
    INSERT INTO user_profiles (user_id, bio, website, location)
    SELECT
        nu.id AS user_id,
        :bio AS bio,
        :website AS website,
        :location AS location
    FROM new_user AS nu
    RETURNING user_id, bio, website, location
)

SELECT
    nu.id,
    nu.email,
    nu.name,
    nu.avatar,
    nu.role,
    nu.created_at,
    nu.updated_at,
    nu.deleted_at,
    np.bio,
    np.website,
    np.location
FROM new_user AS nu
INNER JOIN new_profile AS np ON nu.id = np.user_id;

-- name: get_user_by_id(id)^
-- Returns a live user with its profile fields (NULL when it has no profile); NULL when no live user
-- has that id.
SELECT
    u.id,
    u.email,
    u.name,
    u.avatar,
    u.role,
    u.created_at,
    u.updated_at,
    u.deleted_at,
    pr.bio,
    pr.website,
    pr.location
FROM users AS u
LEFT JOIN user_profiles AS pr ON u.id = pr.user_id
WHERE u.id = :id AND u.deleted_at IS NULL;

-- name: get_user_by_id_including_deleted(id)^
-- Returns a user, live or soft-deleted (see deleted_at), with its profile fields.
-- Deliberately includes soft-deleted rows.
SELECT
    u.id,
    u.email,
    u.name,
    u.avatar,
    u.role,
    u.created_at,
    u.updated_at,
    u.deleted_at,
    pr.bio,
    pr.website,
    pr.location
FROM users AS u
LEFT JOIN user_profiles AS pr ON u.id = pr.user_id
WHERE u.id = :id;

-- name: get_user_by_email(email)^
-- Returns the live user with that email (exact match), with its profile fields.
SELECT
    u.id,
    u.email,
    u.name,
    u.avatar,
    u.role,
    u.created_at,
    u.updated_at,
    u.deleted_at,
    pr.bio,
    pr.website,
    pr.location
FROM users AS u
LEFT JOIN user_profiles AS pr ON u.id = pr.user_id
WHERE u.email = :email AND u.deleted_at IS NULL;

-- name: get_user_by_email_including_deleted(email)^
-- Returns the user with that email, live or soft-deleted (a soft-deleted user keeps its email:
-- the address stays taken until a hard delete).
-- Deliberately includes soft-deleted rows.
SELECT
    u.id,
    u.email,
    u.name,
    u.avatar,
    u.role,
    u.created_at,
    u.updated_at,
    u.deleted_at,
    pr.bio,
    pr.website,
    pr.location
FROM users AS u
LEFT JOIN user_profiles AS pr ON u.id = pr.user_id
WHERE u.email = :email;

-- name: update_user(id, email, name, avatar, role)<!
-- Updates the given fields of a live user (NULL leaves a field unchanged, so avatar cannot be
-- cleared here) and returns the user; NULL when no live user has that id.
UPDATE users
SET
    email = coalesce(:email, email),
    name = coalesce(:name, name),
    avatar = coalesce(:avatar, avatar),
    role = coalesce(:role::user_role, role)
WHERE id = :id AND deleted_at IS NULL
RETURNING id, email, name, avatar, role, created_at, updated_at, deleted_at;

-- name: update_user_profile(user_id, bio, website, location)<!
-- Updates the given profile fields of a live user (NULL leaves a field unchanged), creating the
-- profile when missing, and returns it; NULL when no live user has that id.
INSERT INTO user_profiles (user_id, bio, website, location)
SELECT
    u.id AS user_id,
    :bio AS bio,
    :website AS website,
    :location AS location
FROM users AS u
WHERE u.id = :user_id AND u.deleted_at IS NULL
ON CONFLICT (user_id) DO UPDATE
    SET
        bio = coalesce(excluded.bio, user_profiles.bio),
        website = coalesce(excluded.website, user_profiles.website),
        location = coalesce(excluded.location, user_profiles.location)
RETURNING user_id, bio, website, location, preferences, metadata, created_at, updated_at;

-- name: soft_delete_user(id)!
-- Soft-deletes a live user; returns 1, or 0 when it is unknown or already soft-deleted.
-- Their posts and comments stay.
UPDATE users SET deleted_at = now()
WHERE id = :id AND deleted_at IS NULL;

-- name: restore_user(id)!
-- Restores a soft-deleted user; returns 1, or 0 when it is unknown or live.
-- Deliberately includes soft-deleted rows.
UPDATE users SET deleted_at = NULL
WHERE id = :id AND deleted_at IS NOT NULL;

-- name: hard_delete_user(id)!
-- Deletes a user (live or soft-deleted) and its profile for good; returns 1, or 0 when unknown.
-- Fails with a foreign-key violation while the user has posts or comments.
-- Deliberately includes soft-deleted rows.
DELETE FROM users
WHERE id = :id;

-- name: list_users(deleted, limit, offset)
-- Returns a page of users, newest first: deleted NULL lists all users, FALSE live users only,
-- TRUE soft-deleted users only. total_count is the number of users the filter selects.
-- Deliberately includes soft-deleted rows. (When deleted is NULL or TRUE.)
WITH page AS (
    SELECT
        u.id,
        u.email,
        u.name,
        u.avatar,
        u.role,
        u.created_at,
        u.updated_at,
        u.deleted_at
    FROM users AS u
    WHERE :deleted::boolean IS NULL OR (u.deleted_at IS NOT NULL) = :deleted::boolean
    ORDER BY u.created_at DESC, u.id DESC
    LIMIT :limit OFFSET :offset
),

-- MATERIALIZED: counted once, even if a generic plan would otherwise rescan it per page row.
total AS MATERIALIZED (
    SELECT count(*) AS total_count
    FROM users AS u
    WHERE :deleted::boolean IS NULL OR (u.deleted_at IS NOT NULL) = :deleted::boolean
)

SELECT
    pg.id,
    pg.email,
    pg.name,
    pg.avatar,
    pg.role,
    pg.created_at,
    pg.updated_at,
    pg.deleted_at,
    t.total_count
FROM page AS pg
CROSS JOIN total AS t
ORDER BY pg.created_at DESC, pg.id DESC;

-- name: upsert_user_by_email(email, name, avatar, role)<!
-- Inserts a user, or updates name, avatar and role of the live user with that email, making sure
-- a profile exists; returns the user. role NULL inserts a USER and keeps an existing user's role
-- (an upsert that does not mention the role never demotes an ADMIN). Returns NULL, changing
-- nothing, when the email belongs to a soft-deleted user (restore it first): a soft delete is
-- never undone behind the caller's back.
-- Deliberately includes soft-deleted rows. (Their emails conflict.)
WITH upserted AS (
    INSERT INTO users AS u (email, name, avatar, role)
    VALUES (:email, :name, :avatar, coalesce(:role::user_role, 'USER'))
    ON CONFLICT (email) DO UPDATE
        SET
            name = excluded.name,
            avatar = excluded.avatar,
            role = coalesce(:role::user_role, u.role)
        WHERE u.deleted_at IS NULL
    RETURNING u.id, u.email, u.name, u.avatar, u.role, u.created_at, u.updated_at, u.deleted_at
),

profile AS (
    INSERT INTO user_profiles (user_id)
    SELECT up.id
    FROM upserted AS up
    ON CONFLICT (user_id) DO NOTHING
)

SELECT
    up.id,
    up.email,
    up.name,
    up.avatar,
    up.role,
    up.created_at,
    up.updated_at,
    up.deleted_at
FROM upserted AS up;
