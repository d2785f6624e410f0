-- migrate:up transaction:false
-- post_statistics reads, per status, the number of live posts and the sum of their views: this
-- covering partial index answers it with an index-only scan instead of reading every post's heap
-- (measured at 50,000 posts: 44 ms down to 6 ms).
-- Trade-off: view_count in an index makes view-count increments non-HOT updates; with the
-- default fillfactor of posts they were not HOT anyway (measured: 11 of 3,661 increments).
--
-- CONCURRENTLY, so writes to posts go on while the index builds. It cannot run in a transaction,
-- hence transaction:false, and dbmate sends a section as one multi-statement query (an implicit
-- transaction), so the section holds this one statement and no SET of lock or statement
-- timeouts (CONCURRENTLY only blocks schema changes). Not IF NOT EXISTS: a failed build leaves an
-- INVALID index that must be dropped by hand, not silently kept.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
CREATE INDEX CONCURRENTLY posts_live_status_views_idx ON posts (status) INCLUDE (view_count)
WHERE deleted_at IS NULL;

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY posts_live_status_views_idx;
