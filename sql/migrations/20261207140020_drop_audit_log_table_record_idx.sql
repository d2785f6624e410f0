-- migrate:up transaction:false
-- 3/5: the old history index; audit_log_record_c_idx replaces it.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
DROP INDEX CONCURRENTLY audit_log_table_record_idx;

-- migrate:down transaction:false
CREATE INDEX CONCURRENTLY audit_log_table_record_idx ON audit_log (
    table_name, record_id, changed_at
);
