-- Comments on posts. Bulk inserts go through COPY in Python, not through these queries.

-- name: add_comment(post_id, author_id, content)<!
-- Adds a comment to a live post by a live user and returns it; returns NULL and inserts nothing
-- when the post or the author is unknown or soft-deleted. The post row is share-locked until
-- commit, so a concurrent soft delete of the post waits or is seen.
WITH live_post AS (
    SELECT p.id
    FROM posts AS p
    WHERE p.id = :post_id AND p.deleted_at IS NULL
    FOR SHARE
),

live_author AS (
    SELECT u.id
    FROM users AS u
    WHERE u.id = :author_id AND u.deleted_at IS NULL
)

INSERT INTO comments (post_id, author_id, content)
SELECT
    lp.id AS post_id,
    la.id AS author_id,
    :content AS content
FROM live_post AS lp
CROSS JOIN live_author AS la
RETURNING id, post_id, author_id, content, created_at, updated_at, deleted_at;

-- name: list_comments_for_post(post_id, after_created_at, after_id, limit)
-- Returns the next keyset page of a post's live comments, oldest first, after the comment
-- (after_created_at, after_id) (both NULL for the first page), each with its author's name and
-- avatar.
-- Deliberately includes soft-deleted rows. (Authors: their comments stay.)
SELECT
    cm.id,
    cm.post_id,
    cm.author_id,
    cm.content,
    cm.created_at,
    cm.updated_at,
    u.name AS author_name,
    u.avatar AS author_avatar
FROM comments AS cm
INNER JOIN users AS u ON cm.author_id = u.id
WHERE
    cm.post_id = :post_id
    AND cm.deleted_at IS NULL
    AND (
        :after_created_at::timestamptz IS NULL
        OR (cm.created_at, cm.id) > (:after_created_at::timestamptz, :after_id::bigint)
    )
ORDER BY cm.created_at, cm.id
LIMIT :limit;

-- name: soft_delete_comment(id)!
-- Soft-deletes a live comment; returns 1, or 0 when it is unknown or already soft-deleted.
UPDATE comments SET deleted_at = now()
WHERE id = :id AND deleted_at IS NULL;
