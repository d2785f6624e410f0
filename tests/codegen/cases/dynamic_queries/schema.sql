CREATE TYPE post_status AS ENUM ('draft', 'published', 'archived');

CREATE TABLE authors (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL
);

CREATE TABLE posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES authors (id),
    title text NOT NULL,
    status post_status NOT NULL DEFAULT 'draft',
    view_count integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);

CREATE INDEX posts_author_id_idx ON posts (author_id);

CREATE TABLE post_tags (
    post_id bigint NOT NULL REFERENCES posts (id),
    tag text NOT NULL,
    PRIMARY KEY (tag, post_id)
);
