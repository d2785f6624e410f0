-- The blog's find_posts before it became a dynamic query (commit ece29bd), kept for
-- bench/dynamic_queries.py: every filter is (:x IS NULL OR ...), one statement for all.

-- name: find_posts(status, author_id, category_id, tag_id, search, limit, offset)
-- Returns one page of live posts matching every given filter (NULL: no filter), newest first;
-- with a search term, by search rank, then newest first.
-- search matches the full-text document (websearch syntax; any text is valid input) or a title
-- substring (case-insensitive, taken literally); a blank term is no filter.
-- Each row carries its author, its categories, its live comment count, and total_count: the number
-- of posts matching the filter (an empty page carries none; count_posts gives it alone).
-- rank and headline are NULL without a search term; headline wraps matches in <mark></mark> and is
-- NOT HTML-escaped: escape it before rendering.
-- Deliberately includes soft-deleted rows. (Authors: a post outlives its author's soft delete.)
WITH search AS NOT MATERIALIZED (
    SELECT
        t.term,
        websearch_to_tsquery('english', t.term) AS query,
        '%' || replace(replace(replace(lower(t.term), '\', '\\'), '%', '\%'), '_', '\_') || '%'
            AS pattern
    FROM (SELECT nullif(btrim(:search::text), '') AS term) AS t
),

page AS (
    SELECT
        p.id,
        p.title,
        p.slug,
        p.excerpt,
        p.content,
        p.status,
        p.published_at,
        p.author_id,
        p.view_count,
        p.created_at,
        p.updated_at,
        CASE WHEN s.term IS NOT NULL THEN ts_rank(p.search_vector, s.query) END AS rank
    FROM posts AS p
    CROSS JOIN search AS s
    WHERE
        p.deleted_at IS NULL
        AND (:status::post_status IS NULL OR p.status = :status::post_status)
        AND (:author_id::bigint IS NULL OR p.author_id = :author_id::bigint)
        AND (
            :category_id::bigint IS NULL
            OR EXISTS (
                SELECT FROM post_categories AS pc
                WHERE pc.post_id = p.id AND pc.category_id = :category_id::bigint
            )
        )
        AND (
            :tag_id::bigint IS NULL
            OR EXISTS (
                SELECT FROM post_tags AS pt
                WHERE pt.post_id = p.id AND pt.tag_id = :tag_id::bigint
            )
        )
        AND (
            s.term IS NULL
            OR p.search_vector @@ s.query
            OR lower(p.title) LIKE s.pattern
        )
    ORDER BY rank DESC NULLS LAST, p.created_at DESC, p.id DESC
    LIMIT :limit OFFSET :offset
),

-- MATERIALIZED: counted once, even if a generic plan would otherwise rescan it per page row.
total AS MATERIALIZED (
    SELECT count(*) AS total_count
    FROM posts AS p
    CROSS JOIN search AS s
    WHERE
        p.deleted_at IS NULL
        AND (:status::post_status IS NULL OR p.status = :status::post_status)
        AND (:author_id::bigint IS NULL OR p.author_id = :author_id::bigint)
        AND (
            :category_id::bigint IS NULL
            OR EXISTS (
                SELECT FROM post_categories AS pc
                WHERE pc.post_id = p.id AND pc.category_id = :category_id::bigint
            )
        )
        AND (
            :tag_id::bigint IS NULL
            OR EXISTS (
                SELECT FROM post_tags AS pt
                WHERE pt.post_id = p.id AND pt.tag_id = :tag_id::bigint
            )
        )
        AND (
            s.term IS NULL
            OR p.search_vector @@ s.query
            OR lower(p.title) LIKE s.pattern
        )
)

SELECT
    pg.id,
    pg.title,
    pg.slug,
    pg.excerpt,
    pg.status,
    pg.published_at,
    pg.view_count,
    pg.created_at,
    pg.updated_at,
    pg.rank,
    t.total_count,
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
        WHERE pc.post_id = pg.id
    ) AS categories,
    (
        SELECT count(*)
        FROM comments AS cm
        WHERE cm.post_id = pg.id AND cm.deleted_at IS NULL
    ) AS comment_count,
    CASE
        WHEN s.term IS NOT NULL
            THEN
                ts_headline(
                    'english',
                    pg.content,
                    s.query,
                    'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2'
                )
    END AS headline
FROM page AS pg
CROSS JOIN total AS t
CROSS JOIN search AS s
INNER JOIN users AS u ON pg.author_id = u.id
ORDER BY pg.rank DESC NULLS LAST, pg.created_at DESC, pg.id DESC;
