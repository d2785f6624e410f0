-- Roles: named permission sets.

-- name: upsert_role(name, description, permissions)<!
-- Inserts a role, or replaces the description and permissions of the role with that name; returns
-- the role. permissions NULL means none.
INSERT INTO roles AS r (name, description, permissions)
VALUES (:name, :description, coalesce(:permissions::text[], '{}'))
ON CONFLICT (name) DO UPDATE
    SET
        description = excluded.description,
        permissions = excluded.permissions
RETURNING r.id, r.name, r.description, r.permissions, r.created_at, r.updated_at;

-- name: list_roles()
-- Returns every role by name.
SELECT
    r.id,
    r.name,
    r.description,
    r.permissions,
    r.created_at,
    r.updated_at
FROM roles AS r
ORDER BY r.name;

-- name: get_role_by_name(name)^
-- Returns the role with that name, or NULL.
SELECT
    r.id,
    r.name,
    r.description,
    r.permissions,
    r.created_at,
    r.updated_at
FROM roles AS r
WHERE r.name = :name;
