-- name: find_posts(status, author_id, tag, created_after, limit)
-- Live posts, each filter optional, in the order the caller picks.
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort oldest: p.created_at, p.id
-- @sort most_viewed: p.view_count DESC, p.id DESC
-- @sort title: p.title, p.id
SELECT
    p.id,
    p.title,
    p.status,
    p.view_count,
    p.created_at
FROM posts AS p
-- @if tag
INNER JOIN post_tags AS pt
    ON p.id = pt.post_id AND pt.tag = :tag
-- @end
WHERE
    p.deleted_at IS NULL
    AND p.status = :status -- @if status
    AND p.author_id = :author_id -- @if author_id
    AND p.created_at >= :created_after -- @if created_after
ORDER BY p.created_at DESC, p.id DESC -- @sort
LIMIT :limit;

-- name: count_posts(status, author_id)$
-- Live posts matching the filters given.
SELECT count(*) AS total
FROM posts AS p
WHERE
    p.deleted_at IS NULL
    AND p.status = :status -- @if status
    AND p.author_id = :author_id -- @if author_id
;

-- name: latest_post(author_id)^
-- The newest live post, of one author when given; its author's name is NULL without one.
SELECT
    p.id,
    p.title,
    NULL::text AS author_name -- @if not author_id
    a.name AS author_name -- @if author_id
FROM posts AS p
INNER JOIN authors AS a ON p.author_id = a.id
WHERE
    p.deleted_at IS NULL
    AND p.author_id = :author_id -- @if author_id
ORDER BY p.created_at DESC, p.id DESC
LIMIT 1;

-- name: scroll_posts(author_id, limit)
-- The next page of live posts after a cursor (none: the first page), in the order asked for.
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort title: p.title, p.id
-- @sort most_viewed: p.view_count DESC, p.id
SELECT
    p.id,
    p.title,
    p.view_count,
    p.created_at
FROM posts AS p
WHERE
    p.deleted_at IS NULL
    AND p.author_id = :author_id -- @if author_id
    -- @after
ORDER BY p.created_at DESC, p.id DESC -- @sort
LIMIT :limit;
