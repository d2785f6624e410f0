-- migrate:up transaction:false
-- audit_log gets leaner indexes (every audited row adds an audit_log row, so each of its indexes
-- is paid by every write of every audited table: docs/benchmarks.md, issue 13), in five
-- migrations so that none blocks audited writes for longer than a catalog update. Building and
-- dropping an index CONCURRENTLY must be a migration of its own (outside a transaction, one
-- statement).
-- 1/5: the history index (list_audit_history) again, comparing bytewise (COLLATE "C"):
-- table_name and record_id are identifiers, never sorted for people, and a linguistic collation
-- made each entry cost 4 us instead of 2.8. One record has few rows, which the query sorts, so
-- changed_at leaves the key.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
-- squawk-ignore-file require-lock-timeout, require-statement-timeout, prefer-robust-stmts
CREATE INDEX CONCURRENTLY audit_log_record_c_idx ON audit_log (
    table_name COLLATE "C", record_id COLLATE "C"
);

-- migrate:down transaction:false
DROP INDEX CONCURRENTLY audit_log_record_c_idx;
