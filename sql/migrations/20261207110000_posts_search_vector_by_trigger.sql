-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- posts.search_vector was a STORED generated column. PostgreSQL (15 to 18) computes every stored
-- generated column again on every UPDATE of the row, whichever columns the UPDATE sets: a
-- 100-post bulk_update_status spent about 12 of its 20 ms running to_tsvector over titles and
-- contents that had not changed (docs/benchmarks.md). The column becomes a plain column (DROP
-- EXPRESSION keeps every stored value, no rewrite) maintained by a BEFORE trigger that fires on
-- INSERT and on an UPDATE that sets title, content or search_vector itself, and computes the
-- same expression. The column stays derived: a value written into it is replaced.
-- (squawk: no client breaks, the column keeps its name, type and values.)
-- squawk-ignore ban-drop-generated-expression
ALTER TABLE posts ALTER COLUMN search_vector DROP EXPRESSION;

CREATE FUNCTION posts_search_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_vector := setweight(to_tsvector('english'::regconfig, NEW.title), 'A')
        || setweight(to_tsvector('english'::regconfig, NEW.content), 'B');
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION posts_search_vector() IS
'BEFORE INSERT OR UPDATE OF title, content, search_vector trigger: derives posts.search_vector.';

CREATE TRIGGER posts_search_vector BEFORE INSERT OR UPDATE OF title, content, search_vector
ON posts
FOR EACH ROW EXECUTE FUNCTION posts_search_vector();

COMMENT ON COLUMN posts.search_vector IS
'Full-text document: title weighted A, content weighted B (english configuration); kept by the trigger posts_search_vector, any value written is replaced.'; -- noqa: LT05

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- A column cannot become generated again in place before PostgreSQL 17 (SET EXPRESSION), so the
-- generated column is added anew (a table rewrite) with its GIN index.
DROP TRIGGER posts_search_vector ON posts;

DROP FUNCTION posts_search_vector();

-- squawk-ignore ban-drop-column
ALTER TABLE posts DROP COLUMN search_vector;

-- squawk-ignore adding-field-with-default
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig, content), 'B')
) STORED;

COMMENT ON COLUMN posts.search_vector IS
'Full-text document: title weighted A, content weighted B (english configuration).';

CREATE INDEX posts_search_vector_idx ON posts USING gin (search_vector);
