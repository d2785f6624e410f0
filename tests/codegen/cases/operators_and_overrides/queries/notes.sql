-- Every aiosql operator, and every override directive.

-- name: list_notes(status, limit)
-- Notes with a status (NULL: any), newest first.
-- @param status nullable
SELECT id, title, body, status, created_at
FROM notes
WHERE (:status::status IS NULL OR status = :status::status)
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: get_note(id)^
SELECT n.id, n.title, a.name AS author_name, a.bio AS author_bio
FROM notes AS n LEFT JOIN authors AS a ON a.id = n.author_id
WHERE n.id = :id;

-- name: get_note_forced(id)^
-- The join always finds the author (a foreign key): say so.
-- @nonnull author_name
SELECT n.id, a.name AS author_name
FROM notes AS n LEFT JOIN authors AS a ON a.id = n.author_id
WHERE n.id = :id;

-- name: note_count()$
-- Counts every note, drafts included. This paragraph is hand-wrapped at the SQL file's
-- width; the docstring reflows it at its own, with no orphan
-- words.
--
-- - a list item stays an item, and its words wrap under the item's own text when they run
--   past the width;
-- - a second item.
SELECT count(*) FROM notes;

-- name: note_title(id)$
SELECT title FROM notes WHERE id = :id;

-- name: add_note(author_id, title, body)<!
INSERT INTO notes (author_id, title, body) VALUES (:author_id, :title, :body)
RETURNING id, created_at;

-- name: add_note_once(author_id, title)<!
INSERT INTO notes (author_id, title) VALUES (:author_id, :title)
ON CONFLICT DO NOTHING
RETURNING id;

-- name: close_notes(ids)!
UPDATE notes SET status = 'CLOSED' WHERE id = ANY(:ids);

-- name: add_authors(name, bio)*!
INSERT INTO authors (name, bio) VALUES (:name, :bio);

-- name: reset_notes#
TRUNCATE notes;

-- name: author_with_notes(author_id)^
-- An author and their notes as nested JSON.
SELECT
    a.id,
    a.name,
    coalesce(
        (SELECT jsonb_agg(jsonb_build_object('id', n.id, 'title', n.title, 'body', n.body)
                          ORDER BY n.id)
         FROM notes AS n WHERE n.author_id = a.id),
        '[]'::jsonb
    ) AS notes,
    (SELECT n.meta FROM notes AS n WHERE n.author_id = a.id LIMIT 1) AS first_meta
FROM authors AS a
WHERE a.id = :author_id;

-- name: note_meta(id)^
-- @json meta: blog.models_json.UserPreferences
SELECT meta FROM notes WHERE id = :id;


-- name: cached_note_count()$
-- The number of notes, cached for 30 seconds by postsql.ext.cache.
-- @cache ttl=30s
SELECT count(*) FROM notes;

-- name: rename_author(id, name)<!
-- Returns no row when the author already has that name (DO UPDATE ... WHERE skips it).
INSERT INTO authors (id, name) OVERRIDING SYSTEM VALUE VALUES (:id, :name)
ON CONFLICT (id) DO UPDATE SET name = excluded.name
WHERE authors.name IS DISTINCT FROM excluded.name
RETURNING id, name;

-- name: no_numbers()$
-- A set-returning function in the select list can yield no row, though there is no FROM.
SELECT generate_series(1, 0) AS n;

-- name: always_one_number()$
-- A scalar subquery that yields no row is NULL in a row that still exists.
SELECT (SELECT generate_series(1, 0)) IS NULL AS one;
