-- name: get_box(id)^
-- The table's own row model: only the CHECKed and domain columns are list[str].
SELECT * FROM boxes WHERE id = :id;

-- name: author_names_per_box()
-- A box without an author collects {NULL}: list[str | None].
SELECT b.id, array_agg(a.name) AS names
FROM boxes AS b LEFT JOIN authors AS a ON a.id = b.author_id
GROUP BY b.id;

-- name: author_names_filtered()
-- FILTER keeps the matched rows only: list[str].
SELECT b.id, array_agg(a.name) FILTER (WHERE a.id IS NOT NULL) AS names
FROM boxes AS b LEFT JOIN authors AS a ON a.id = b.author_id
GROUP BY b.id;

-- name: nicknames()
-- A nullable column collects NULLs.
SELECT array_agg(nickname ORDER BY id) AS nicknames FROM authors;

-- name: built_arrays(text)^
SELECT
    ARRAY[1, 2] AS literal_ints,
    ARRAY[1, NULL] AS with_null,
    ARRAY(SELECT a.name FROM authors AS a) AS names,
    ARRAY(SELECT a.nickname FROM authors AS a) AS nicknames,
    string_to_array(:text, ',') AS pieces,
    string_to_array(:text, ',', '') AS pieces_with_nulls,
    regexp_split_to_array(:text, '\s+') AS words,
    enum_range(NULL::mood) AS moods,
    '{}'::text[] AS empty;

-- name: derived_arrays()
SELECT
    b.id,
    array_remove(b.loose, NULL) AS cleaned,
    array_append(b.checked, 'x') AS appended,
    array_append(b.checked, NULL::text) AS appended_null,
    b.checked || b.domained AS concatenated,
    b.checked || b.loose AS concatenated_loose,
    coalesce(b.domained, '{}') AS defaulted,
    b.unvalidated,
    b.grid,
    b.place,
    l.cleaned AS view_cleaned
FROM boxes AS b LEFT JOIN box_labels AS l ON l.id = b.id;

-- name: loose_forced()
-- The application never writes NULL elements here, but no rule says so: an override.
-- @nonnull loose[]
SELECT id, loose FROM boxes;

-- name: set_loose(id, loose)!
-- Parameters stay list[str]: a narrower input type is safe.
UPDATE boxes SET loose = :loose WHERE id = :id;
