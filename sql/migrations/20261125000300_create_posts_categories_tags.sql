-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title text NOT NULL,
    content text NOT NULL,
    excerpt text,
    slug text NOT NULL,
    status post_status NOT NULL DEFAULT 'DRAFT',
    published_at timestamptz,
    -- RESTRICT: a user with posts cannot be hard-deleted; soft-delete them or move the posts first.
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    view_count bigint NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, content), 'B')
    ) STORED,
    CONSTRAINT posts_slug_key UNIQUE (slug)
);

COMMENT ON TABLE posts IS 'Blog posts; soft-deleted when deleted_at is set.';
COMMENT ON COLUMN posts.search_vector IS
'Full-text document: title weighted A, content weighted B (english configuration).';

CREATE TRIGGER posts_set_updated_at BEFORE UPDATE ON posts
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Public listing: live posts of a status, newest publication first (keyset on published_at, id).
CREATE INDEX posts_live_status_published_idx ON posts (status, published_at DESC, id DESC)
WHERE deleted_at IS NULL;

-- Listing of all live posts newest first, and keyset pagination over it.
CREATE INDEX posts_live_created_idx ON posts (created_at DESC, id DESC)
WHERE deleted_at IS NULL;

-- Foreign key and "posts by author", newest first.
CREATE INDEX posts_author_created_idx ON posts (author_id, created_at DESC);

CREATE INDEX posts_search_vector_idx ON posts USING gin (search_vector);

-- Case-insensitive substring search on titles (ILIKE '%...%').
CREATE INDEX posts_title_trgm_idx ON posts USING gin (title gin_trgm_ops);

CREATE TABLE categories (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL,
    description text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_name_key UNIQUE (name),
    CONSTRAINT categories_slug_key UNIQUE (slug)
);

CREATE TRIGGER categories_set_updated_at BEFORE UPDATE ON categories
FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE tags (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    slug text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tags_name_key UNIQUE (name),
    CONSTRAINT tags_slug_key UNIQUE (slug)
);

CREATE TABLE post_categories (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    category_id bigint NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, category_id)
);

-- The primary key serves post -> categories; this serves category -> posts.
CREATE INDEX post_categories_category_post_idx ON post_categories (category_id, post_id);

CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id bigint NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);

CREATE INDEX post_tags_tag_post_idx ON post_tags (tag_id, post_id);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE post_tags;

DROP TABLE post_categories;

DROP TABLE tags;

DROP TABLE categories;

DROP TABLE posts;
