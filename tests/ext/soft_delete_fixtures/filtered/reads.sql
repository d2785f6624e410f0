-- Each query filters every soft-deletable relation it reads: the lint must pass them all.

-- name: filter_on_an_alias()
SELECT p.id FROM posts AS p WHERE p.deleted_at IS NULL;

-- name: filter_in_an_inner_join_on()
SELECT p.id
FROM posts AS p
INNER JOIN users AS u ON p.author_id = u.id AND u.deleted_at IS NULL
WHERE p.deleted_at IS NULL;

-- name: filter_in_a_left_join_on()
SELECT p.id, c.id AS comment_id
FROM posts AS p
LEFT JOIN comments AS c ON c.post_id = p.id AND c.deleted_at IS NULL
WHERE p.deleted_at IS NULL;

-- name: filter_through_coalesce()
-- coalesce(a, b) IS NULL holds only when a and b are both NULL: it filters both.
SELECT p.id
FROM posts AS p
INNER JOIN users AS u ON p.author_id = u.id
WHERE coalesce(p.deleted_at, u.deleted_at) IS NULL;

-- name: filter_in_cte_subquery_exists_and_union()
WITH live AS (SELECT c.id, c.post_id FROM comments AS c WHERE c.deleted_at IS NULL)
SELECT l.id
FROM live AS l
WHERE EXISTS (SELECT FROM posts AS p WHERE p.id = l.post_id AND p.deleted_at IS NULL)
UNION
SELECT s.id FROM (SELECT u.id FROM users AS u WHERE u.deleted_at IS NULL) AS s;

-- name: a_cte_named_like_a_table_shadows_it()
WITH posts AS (SELECT x.id FROM posts AS x WHERE x.deleted_at IS NULL)
SELECT posts.id FROM posts;

-- name: a_view_that_filters_itself()
SELECT v.id FROM live_posts AS v;

-- name: a_view_filtered_by_its_reader()
SELECT a.id FROM all_posts AS a WHERE a.deleted_at IS NULL;

-- name: marked_deliberate()
-- Every post, live or not.
-- Deliberately includes soft-deleted rows.
SELECT p.id FROM posts AS p;
