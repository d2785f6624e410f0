-- Blog posts: listing, search, keyset pages, one post in full, status changes, statistics.
-- Filters take NULL for "no filter". Soft-deleted posts are never listed.

-- name: find_posts(search, status, author_id, category_id, tag_id, since, until, limit, offset)
-- Returns one page of live posts matching every filter given, in the order asked for; with a
-- search term, best match first (ts_rank), then that order. A dynamic query: each optional
-- filter (status, author_id, category_id, tag_id, search) is a fragment left out when not given,
-- and each sort order a static ORDER BY, so every combination is its own prepared statement and
-- a selective filter keeps its index under a generic plan (docs/codegen.md, "Dynamic queries").
-- since/until bound created_at (since inclusive, until exclusive; NULL: open). Not fragments (two
-- more would make 4 times the variants) but written `(:since IS NULL OR ...)`: a custom plan drops
-- an open end, and a generic plan filters by the range instead of guessing it narrow (a range of
-- two parameters looks like 0.5% of the table to the planner, which then read every post through
-- the date index: 40-70 ms for a filter a category or tag index answers in 1-10 ms).
-- With a search term, one scan finds, ranks and counts the matches: matching yields only the
-- keys the page needs (id, rank, the sort columns), count(*) OVER () counts them, and only the
-- page's rows are read in full, joined back by id, with their headlines. OFFSET 0 keeps matching
-- apart: merged, the planner carries search_vector (and content) of every match through the
-- count and the sort, nearly twice the cost. Without one, the total is a count of its own
-- (evaluated once over the same matching rows, a CTE inlined into both), so the page stops
-- after its rows in the order's index instead of sorting every match, and the count reads the
-- narrowest index it can.
-- The page and the outer query sort by the same list (both read their rows as p).
-- search and the tsquery and LIKE pattern it makes are MATERIALIZED: built once per call.
-- search matches the full-text document (websearch syntax; any text is valid input) or a title
-- substring (case-insensitive, taken literally).
-- Each row carries its author, its categories, its live comment count, and total_count: the number
-- of posts matching the filter (an empty page carries none; count_posts gives it alone).
-- rank and headline are NULL without a search term; headline wraps matches in <mark></mark> and is
-- NOT HTML-escaped: escape it before rendering.
-- Deliberately includes soft-deleted rows. (Authors: a post outlives its author's soft delete.)
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort oldest: p.created_at, p.id
-- @sort most_viewed: p.view_count DESC, p.id DESC
-- @sort title: p.title, p.id
WITH
-- @if search
search AS MATERIALIZED (
    SELECT
        websearch_to_tsquery('english', t.term) AS query,
        '%' || replace(replace(replace(lower(t.term), '\', '\\'), '%', '\%'), '_', '\_') || '%'
            AS pattern
    FROM (SELECT btrim(:search::text) AS term) AS t
),
-- @end

-- The live posts matching the filters, with the columns the page sorts by: written once, read
-- by the page and (without a search term) by its count, each planned on its own.
matching AS NOT MATERIALIZED (
    SELECT -- noqa: ST06
        NULL::real AS rank, -- @if not search
        -- @if search
        ts_rank(p.search_vector, s.query) AS rank, -- noqa: AL08
        -- @end
        p.id,
        p.title,
        p.view_count,
        p.created_at
    FROM posts AS p
    CROSS JOIN search AS s -- @if search
    WHERE
        p.deleted_at IS NULL
        AND p.status = :status::post_status -- @if status
        AND p.author_id = :author_id::bigint -- @if author_id
        -- @if category_id
        AND EXISTS (
            SELECT FROM post_categories AS pc
            WHERE pc.post_id = p.id AND pc.category_id = :category_id::bigint
        )
        -- @end
        -- @if tag_id
        AND EXISTS (
            SELECT FROM post_tags AS pt
            WHERE pt.post_id = p.id AND pt.tag_id = :tag_id::bigint
        )
        -- @end
        AND (p.search_vector @@ s.query OR lower(p.title) LIKE s.pattern) -- @if search
        AND (:since::timestamptz IS NULL OR p.created_at >= :since::timestamptz)
        AND (:until::timestamptz IS NULL OR p.created_at < :until::timestamptz)
    -- @if search
    OFFSET 0 -- noqa: AM09
    -- @end
),

page AS (
    SELECT -- noqa: ST06
        p.id,
        (SELECT count(*) FROM matching) AS total_count, -- @if not search
        -- @if search
        count(*) OVER () AS total_count, -- noqa: AL08
        -- @end
        p.rank
    FROM matching AS p
    ORDER BY
        p.rank DESC, -- @if search
        p.created_at DESC, p.id DESC -- @sort
    LIMIT :limit OFFSET :offset
)

SELECT
    p.id,
    p.title,
    p.slug,
    p.excerpt,
    p.status,
    p.published_at,
    p.view_count,
    p.created_at,
    p.updated_at,
    pg.rank,
    pg.total_count,
    NULL::text AS headline, -- @if not search
    -- @if search
    ts_headline(
        'english',
        p.content,
        s.query,
        'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2'
    ) AS headline, -- noqa: AL08
    -- @end
    jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email) AS author,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
                    ORDER BY c.name, c.id
                ),
                '[]'::jsonb
            )
        FROM post_categories AS pc
        INNER JOIN categories AS c ON pc.category_id = c.id
        WHERE pc.post_id = p.id
    ) AS categories,
    (
        SELECT count(*)
        FROM comments AS cm
        WHERE cm.post_id = p.id AND cm.deleted_at IS NULL
    ) AS comment_count
FROM page AS pg
INNER JOIN posts AS p ON pg.id = p.id
CROSS JOIN search AS s -- @if search
INNER JOIN users AS u ON p.author_id = u.id
ORDER BY
    pg.rank DESC, -- @if search
    p.created_at DESC, p.id DESC; -- @sort

-- name: count_live_posts()$
-- Returns the number of live posts: count_posts without filters, as a statement without
-- parameters, so the server plans it once (an index-only scan of a partial index) instead of
-- re-planning the filterable form on every call.
SELECT count(*) AS total_count
FROM posts AS p
WHERE p.deleted_at IS NULL;

-- name: count_posts(search, status, author_id, category_id, tag_id, since, until)$
-- Returns the number of live posts matching the filters of find_posts (the same fragments: a
-- filter not given is left out).
WITH
-- @if search
search AS MATERIALIZED (
    SELECT
        websearch_to_tsquery('english', t.term) AS query,
        '%' || replace(replace(replace(lower(t.term), '\', '\\'), '%', '\%'), '_', '\_') || '%'
            AS pattern
    FROM (SELECT btrim(:search::text) AS term) AS t
),
-- @end

matching AS (
    SELECT p.id
    FROM posts AS p
    CROSS JOIN search AS s -- @if search
    WHERE
        p.deleted_at IS NULL
        AND (:since::timestamptz IS NULL OR p.created_at >= :since::timestamptz)
        AND (:until::timestamptz IS NULL OR p.created_at < :until::timestamptz)
        AND p.status = :status::post_status -- @if status
        AND p.author_id = :author_id::bigint -- @if author_id
        -- @if category_id
        AND EXISTS (
            SELECT FROM post_categories AS pc
            WHERE pc.post_id = p.id AND pc.category_id = :category_id::bigint
        )
        -- @end
        -- @if tag_id
        AND EXISTS (
            SELECT FROM post_tags AS pt
            WHERE pt.post_id = p.id AND pt.tag_id = :tag_id::bigint
        )
        -- @end
        AND (p.search_vector @@ s.query OR lower(p.title) LIKE s.pattern) -- @if search
)

SELECT count(*) AS total_count
FROM matching;

-- name: scroll_posts(status, author_id, tag_id, limit)
-- Returns the next keyset page of live posts in the order asked for, after the cursor given
-- (none: the first page). A dynamic query: status, author_id and tag_id are fragments left out
-- when not given, each order is a static ORDER BY, and -- @after continues each order from its
-- own keys (scroll_posts_cursor(row, order) makes the cursor after a row; one of another order is
-- refused). PostRepository.find_posts_after pages it newest first with its own cursors.
-- Deliberately includes soft-deleted rows. (Authors: a post outlives its author's soft delete.)
-- @sort newest: p.created_at DESC, p.id DESC
-- @sort oldest: p.created_at, p.id
-- @sort most_viewed: p.view_count DESC, p.id DESC
-- @sort title: p.title, p.id
WITH page AS (
    SELECT
        p.id,
        p.title,
        p.slug,
        p.excerpt,
        p.status,
        p.published_at,
        p.author_id,
        p.view_count,
        p.created_at,
        p.updated_at
    FROM posts AS p
    WHERE
        p.deleted_at IS NULL
        AND p.status = :status::post_status -- @if status
        AND p.author_id = :author_id::bigint -- @if author_id
        -- @if tag_id
        AND EXISTS (
            SELECT FROM post_tags AS pt
            WHERE pt.post_id = p.id AND pt.tag_id = :tag_id::bigint
        )
        -- @end
        -- @after
    ORDER BY p.created_at DESC, p.id DESC -- @sort
    LIMIT :limit
)

SELECT
    p.id,
    p.title,
    p.slug,
    p.excerpt,
    p.status,
    p.published_at,
    p.view_count,
    p.created_at,
    p.updated_at,
    jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email) AS author,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
                    ORDER BY c.name, c.id
                ),
                '[]'::jsonb
            )
        FROM post_categories AS pc
        INNER JOIN categories AS c ON pc.category_id = c.id
        WHERE pc.post_id = p.id
    ) AS categories,
    (
        SELECT count(*)
        FROM comments AS cm
        WHERE cm.post_id = p.id AND cm.deleted_at IS NULL
    ) AS comment_count
FROM page AS p
INNER JOIN users AS u ON p.author_id = u.id
ORDER BY p.created_at DESC, p.id DESC; -- @sort

-- name: find_published_posts_after(limit)
-- Returns the next keyset page of the public feed: live PUBLISHED posts, newest publication first,
-- after the cursor given (none: the first page; find_published_posts_after_cursor(row, "newest")
-- makes the cursor after a row). Same row shape as scroll_posts.
-- Deliberately includes soft-deleted rows. (Authors: a post outlives its author's soft delete.)
-- @sort newest: p.published_at DESC, p.id DESC
WITH page AS (
    SELECT
        p.id,
        p.title,
        p.slug,
        p.excerpt,
        p.status,
        p.published_at,
        p.author_id,
        p.view_count,
        p.created_at,
        p.updated_at
    FROM posts AS p
    WHERE
        p.deleted_at IS NULL
        AND p.status = 'PUBLISHED'
        AND p.published_at IS NOT NULL
        -- @after
    ORDER BY p.published_at DESC, p.id DESC -- @sort
    LIMIT :limit
)

SELECT
    p.id,
    p.title,
    p.slug,
    p.excerpt,
    p.status,
    p.published_at,
    p.view_count,
    p.created_at,
    p.updated_at,
    jsonb_build_object('id', u.id, 'name', u.name, 'email', u.email) AS author,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
                    ORDER BY c.name, c.id
                ),
                '[]'::jsonb
            )
        FROM post_categories AS pc
        INNER JOIN categories AS c ON pc.category_id = c.id
        WHERE pc.post_id = p.id
    ) AS categories,
    (
        SELECT count(*)
        FROM comments AS cm
        WHERE cm.post_id = p.id AND cm.deleted_at IS NULL
    ) AS comment_count
FROM page AS p
INNER JOIN users AS u ON p.author_id = u.id
ORDER BY p.published_at DESC, p.id DESC; -- @sort

-- name: find_post_by_slug(slug)^
-- Returns one live post in full: its author with profile bio, its categories and tags (by name),
-- and its live comments in time order, each with its author; NULL when no live post has the slug.
-- Deliberately includes soft-deleted rows. (Authors of the post and comments: their work stays.)
SELECT
    p.id,
    p.title,
    p.content,
    p.excerpt,
    p.slug,
    p.status,
    p.published_at,
    p.view_count,
    p.created_at,
    p.updated_at,
    jsonb_build_object(
        'id', u.id, 'name', u.name, 'email', u.email, 'avatar', u.avatar, 'bio', pr.bio
    ) AS author,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object('id', c.id, 'name', c.name, 'slug', c.slug)
                    ORDER BY c.name, c.id
                ),
                '[]'::jsonb
            )
        FROM post_categories AS pc
        INNER JOIN categories AS c ON pc.category_id = c.id
        WHERE pc.post_id = p.id
    ) AS categories,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object('id', tg.id, 'name', tg.name, 'slug', tg.slug)
                    ORDER BY tg.name, tg.id
                ),
                '[]'::jsonb
            )
        FROM post_tags AS pt
        INNER JOIN tags AS tg ON pt.tag_id = tg.id
        WHERE pt.post_id = p.id
    ) AS tags,
    (
        SELECT
            coalesce(
                jsonb_agg(
                    jsonb_build_object(
                        'id', cm.id,
                        'content', cm.content,
                        'created_at', cm.created_at,
                        'updated_at', cm.updated_at,
                        'author',
                        jsonb_build_object('id', cu.id, 'name', cu.name, 'avatar', cu.avatar)
                    )
                    ORDER BY cm.created_at, cm.id
                ),
                '[]'::jsonb
            )
        FROM comments AS cm
        INNER JOIN users AS cu ON cm.author_id = cu.id
        WHERE cm.post_id = p.id AND cm.deleted_at IS NULL
    ) AS comments
FROM posts AS p
INNER JOIN users AS u ON p.author_id = u.id
LEFT JOIN user_profiles AS pr ON u.id = pr.user_id
WHERE p.slug = :slug AND p.deleted_at IS NULL;

-- name: create_post(title, content, excerpt, slug, status, author_id)<!
-- Inserts a post and returns it; status NULL means DRAFT; a PUBLISHED post gets published_at now.
INSERT INTO posts (title, content, excerpt, slug, status, published_at, author_id)
VALUES (
    :title,
    :content,
    :excerpt,
    :slug,
    coalesce(:status::post_status, 'DRAFT'),
    CASE WHEN :status::post_status = 'PUBLISHED' THEN now() END,
    :author_id
)
RETURNING
    id, title, content, excerpt, slug, status, published_at, author_id, view_count, created_at,
    updated_at;

-- name: bulk_update_status(ids, status)!
-- Sets the status of the live posts among ids; returns how many changed (rows already in that
-- status, soft-deleted rows and unknown ids are skipped). Publishing sets published_at only once;
-- back to DRAFT clears it (a draft has no publication date); ARCHIVED keeps it.
UPDATE posts AS p
SET
    status = :status::post_status,
    published_at = CASE
        WHEN :status::post_status = 'PUBLISHED' THEN coalesce(p.published_at, now())
        WHEN :status::post_status = 'DRAFT' THEN NULL
        ELSE p.published_at
    END
WHERE
    p.id = any(:ids::bigint[])
    AND p.deleted_at IS NULL
    AND p.status <> :status::post_status;

-- name: soft_delete_post(id)!
-- Soft-deletes a live post; returns 1, or 0 when it is unknown or already soft-deleted.
UPDATE posts SET deleted_at = now()
WHERE id = :id AND deleted_at IS NULL;

-- name: restore_post(id)!
-- Restores a soft-deleted post; returns 1, or 0 when it is unknown or live.
-- Deliberately includes soft-deleted rows.
UPDATE posts SET deleted_at = NULL
WHERE id = :id AND deleted_at IS NOT NULL;

-- name: increment_view_count(id)<!
-- Adds one view to a live post atomically and returns its new view count; NULL when no live post
-- has that id.
UPDATE posts SET view_count = view_count + 1
WHERE id = :id AND deleted_at IS NULL
RETURNING view_count;

-- name: post_statistics()^
-- Returns statistics over live posts: their number, total and average views (0 when there are
-- none; the average rounded to 2 places), and posts_by_status: a JSON object with every status as
-- a key, 0 when it has no posts.
WITH per_status AS (
    SELECT
        p.status,
        count(*) AS post_count,
        sum(p.view_count) AS total_views
    FROM posts AS p
    WHERE p.deleted_at IS NULL
    GROUP BY p.status
)

SELECT
    coalesce(sum(ps.post_count), 0)::bigint AS total_posts,
    coalesce(sum(ps.total_views), 0)::bigint AS total_views,
    coalesce(round(sum(ps.total_views) / nullif(sum(ps.post_count), 0), 2), 0) AS average_views,
    jsonb_object_agg(s.status, coalesce(ps.post_count, 0)) AS posts_by_status
FROM unnest(enum_range(NULL::post_status)) AS s (status)
LEFT JOIN per_status AS ps ON s.status = ps.status;

-- name: post_status_counts()
-- Returns every post status (in enum order) with its number of live posts, 0 when none.
SELECT
    s.status,
    (
        SELECT count(*)
        FROM posts AS p
        WHERE p.status = s.status AND p.deleted_at IS NULL
    ) AS post_count
FROM unnest(enum_range(NULL::post_status)) WITH ORDINALITY AS s (status, ord)
ORDER BY s.ord;
