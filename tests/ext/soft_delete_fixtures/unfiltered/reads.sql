-- Each query reads one soft-deletable relation without filtering it: the lint must flag it on
-- the line of the relation it names ("-- expect: <alias> <table>" on the line before).

-- name: through_a_join()
-- Posts with their author, the author not filtered.
SELECT p.id
FROM posts AS p
-- expect: u users
INNER JOIN users AS u ON p.author_id = u.id
WHERE p.deleted_at IS NULL;

-- name: through_a_subquery()
-- Post ids from a subquery in FROM that does not filter.
SELECT s.id
FROM (
    -- expect: p posts
    SELECT p.id FROM posts AS p
) AS s;

-- name: through_a_cte()
-- A CTE body that does not filter.
WITH recent AS (
    -- expect: c comments
    SELECT c.id FROM comments AS c
)
SELECT r.id FROM recent AS r;

-- name: through_a_cte_named_like_its_table()
-- A CTE named posts whose body reads the table posts: the body's posts is the table.
WITH posts AS (
    -- expect: x posts
    SELECT x.id FROM posts AS x
)
SELECT posts.id FROM posts;

-- name: through_a_view_that_keeps_deleted_rows()
-- all_posts exposes deleted_at and does not filter it.
SELECT a.id
-- expect: a all_posts
FROM all_posts AS a;

-- name: through_a_view_of_such_a_view()
-- all_posts_again reads all_posts without filtering.
-- expect: all_posts_again all_posts_again
SELECT id FROM all_posts_again;

-- name: through_exists(id)
-- Whether a live post has a comment, the comment not filtered.
SELECT EXISTS (
    -- expect: c comments
    SELECT FROM comments AS c WHERE c.post_id = :id
);

-- name: through_a_union_branch()
-- The second branch does not filter.
SELECT u.id FROM users AS u WHERE u.deleted_at IS NULL
UNION ALL
-- expect: v users
SELECT v.id FROM users AS v;

-- name: filter_on_the_other_alias()
-- The filter names another relation of the level.
SELECT p.id
-- expect: q posts
FROM posts AS p, posts AS q
WHERE p.deleted_at IS NULL AND p.id = q.id;

-- name: filter_under_or(id)
-- OR does not filter.
-- expect: u users
SELECT u.id FROM users AS u WHERE u.deleted_at IS NULL OR u.id = :id;
