-- migrate:up transaction:false
-- 2/5: changed_at gets a BRIN index for ranges of time: a few pages, next to free to keep up, as
-- rows are appended in time order. The newest rows (list_recent_audit) are read by id from the
-- primary key, which every insert writes anyway.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
CREATE INDEX CONCURRENTLY audit_log_changed_at_brin_idx ON audit_log USING brin (changed_at);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY audit_log_changed_at_brin_idx;
