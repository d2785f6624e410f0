-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- 5/5: table_name and record_id themselves compare bytewise, so the history query's equality
-- uses audit_log_record_c_idx. Only the catalog changes: the text stays text (no rewrite) and
-- the one index on the two columns already has this collation (kept as it is).
-- squawk-ignore-file changing-column-type
ALTER TABLE audit_log
ALTER COLUMN table_name TYPE text COLLATE "C",
ALTER COLUMN record_id TYPE text COLLATE "C";

-- The history index takes the name of the one it replaced; nothing refers to it by name.
-- squawk-ignore renaming-object
ALTER INDEX audit_log_record_c_idx RENAME TO audit_log_table_record_idx;

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- squawk-ignore renaming-object
ALTER INDEX audit_log_table_record_idx RENAME TO audit_log_record_c_idx;

ALTER TABLE audit_log
ALTER COLUMN table_name TYPE text COLLATE "default",
ALTER COLUMN record_id TYPE text COLLATE "default";
