-- Categories and tags, and which posts carry them. Attaching and detaching are idempotent.

-- name: create_category(name, slug, description)<!
-- Inserts a category and returns it; a taken name or slug raises a unique violation.
INSERT INTO categories (name, slug, description)
VALUES (:name, :slug, :description)
RETURNING id, name, slug, description, created_at, updated_at;

-- name: create_tag(name, slug)<!
-- Inserts a tag and returns it; a taken name or slug raises a unique violation.
INSERT INTO tags (name, slug)
VALUES (:name, :slug)
RETURNING id, name, slug, created_at;

-- name: attach_category(post_id, category_id)!
-- Puts a post in a category; returns 1, or 0 when it was there already.
INSERT INTO post_categories (post_id, category_id)
VALUES (:post_id, :category_id)
ON CONFLICT (post_id, category_id) DO NOTHING;

-- name: detach_category(post_id, category_id)!
-- Takes a post out of a category; returns 1, or 0 when it was not there.
DELETE FROM post_categories
WHERE post_id = :post_id AND category_id = :category_id;

-- name: attach_tag(post_id, tag_id)!
-- Tags a post; returns 1, or 0 when it had the tag already.
INSERT INTO post_tags (post_id, tag_id)
VALUES (:post_id, :tag_id)
ON CONFLICT (post_id, tag_id) DO NOTHING;

-- name: attach_tags(post_id, tag_ids)!
-- Tags a post with every tag in tag_ids in one statement; returns how many tags were new to it.
INSERT INTO post_tags (post_id, tag_id)
SELECT
    :post_id AS post_id,
    t.tag_id
FROM unnest(:tag_ids::bigint[]) AS t (tag_id)
ON CONFLICT (post_id, tag_id) DO NOTHING;

-- name: detach_tag(post_id, tag_id)!
-- Removes a tag from a post; returns 1, or 0 when the post did not have it.
DELETE FROM post_tags
WHERE post_id = :post_id AND tag_id = :tag_id;

-- name: list_categories_with_post_counts()
-- Returns every category by name with the number of live posts in it (0 when none).
-- Read on every page, changed rarely: cacheable (postsql.ext.cache; writes invalidate it).
-- @cache ttl=60s
WITH live_counts AS (
    SELECT
        pc.category_id,
        count(*) AS post_count
    FROM post_categories AS pc
    INNER JOIN posts AS p ON pc.post_id = p.id
    WHERE p.deleted_at IS NULL
    GROUP BY pc.category_id
)

SELECT
    c.id,
    c.name,
    c.slug,
    c.description,
    coalesce(lc.post_count, 0) AS post_count
FROM categories AS c
LEFT JOIN live_counts AS lc ON c.id = lc.category_id
ORDER BY c.name, c.id;

-- name: list_tags_with_post_counts()
-- Returns every tag by name with the number of live posts carrying it (0 when none).
-- @cache ttl=60s
WITH live_counts AS (
    SELECT
        pt.tag_id,
        count(*) AS post_count
    FROM post_tags AS pt
    INNER JOIN posts AS p ON pt.post_id = p.id
    WHERE p.deleted_at IS NULL
    GROUP BY pt.tag_id
)

SELECT
    tg.id,
    tg.name,
    tg.slug,
    coalesce(lc.post_count, 0) AS post_count
FROM tags AS tg
LEFT JOIN live_counts AS lc ON tg.id = lc.tag_id
ORDER BY tg.name, tg.id;
