-- migrate:up transaction:false
-- No query matches title ILIKE any more (posts_title_lower_trgm_idx serves the substring search).
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
DROP INDEX CONCURRENTLY posts_title_trgm_idx;

-- migrate:down transaction:false
CREATE INDEX CONCURRENTLY posts_title_trgm_idx ON posts USING gin (title gin_trgm_ops);
