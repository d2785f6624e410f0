-- migrate:up transaction:false
-- 4/5: the B-tree over changed_at; the BRIN index and the primary key replace it.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
DROP INDEX CONCURRENTLY audit_log_changed_at_idx;

-- migrate:down transaction:false
CREATE INDEX CONCURRENTLY audit_log_changed_at_idx ON audit_log (changed_at);
