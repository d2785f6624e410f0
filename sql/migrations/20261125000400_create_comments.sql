-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE comments (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Comments go with their post when it is hard-deleted.
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- RESTRICT, as for posts: soft-delete users who have written.
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    content text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

COMMENT ON TABLE comments IS 'Comments on posts; soft-deleted when deleted_at is set.';

CREATE TRIGGER comments_set_updated_at BEFORE UPDATE ON comments
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- A post's live comments in time order; also counts them index-only.
CREATE INDEX comments_live_post_created_idx ON comments (post_id, created_at, id)
WHERE deleted_at IS NULL;

-- Foreign keys: the partial index above does not cover soft-deleted rows, so cascades need these.
CREATE INDEX comments_post_id_idx ON comments (post_id);

CREATE INDEX comments_author_id_idx ON comments (author_id);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE comments;
