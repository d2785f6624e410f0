-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- A ranked search reads posts.search_vector of every match (ts_rank), and only the page's content
-- (ts_headline). With tsvector's default storage (EXTENDED) the toaster moved the vector, the
-- widest value that does not compress, out of line whenever a row passed about 2 kB: 13,328 of
-- the benchmark's 50,000 posts, each then costing a TOAST index lookup and fetch per search that
-- matched it. MAIN keeps the vector in the row and moves content out instead (toasting takes
-- EXTENDED columns first), which a search reads for the 10 rows of its page only
-- (docs/benchmarks.md, "Search"). Catalog only, no rewrite: rows keep their layout until they
-- are written again; VACUUM FULL posts (or pg_repack) rewrites the existing ones.
ALTER TABLE posts ALTER COLUMN search_vector SET STORAGE MAIN;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE posts ALTER COLUMN search_vector SET STORAGE EXTENDED;
