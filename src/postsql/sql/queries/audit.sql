-- Audit history: the rows audit_row_change() triggers write into audit_log (see the migration
-- 20261125002000_add_audit_triggers.sql). Read-only: the application never writes audit_log.

-- name: list_audit_history(table_name, record_id, limit)
-- Returns the audit rows of one record (record_id: its key as text; "1,2" for a composite key),
-- newest first: who (actor, and the database role db_role), what (action, old_data, new_data,
-- changed_columns for an UPDATE) and when (transaction_id, changed_at). Newest first is the
-- order the rows were written in (id): changes of one record are serialized by its row lock,
-- while changed_at is when each writing transaction began.
SELECT
    a.id,
    a.table_name,
    a.record_id,
    a.action,
    a.actor,
    a.db_role,
    a.old_data,
    a.new_data,
    a.changed_columns,
    a.transaction_id,
    a.changed_at
FROM audit_log AS a
WHERE a.table_name = :table_name AND a.record_id = :record_id
ORDER BY a.id DESC
LIMIT :limit;

-- name: list_recent_audit(limit)
-- Returns the most recent audit rows of every audited table, newest first (the order they were
-- written in, read backwards from the primary key).
SELECT
    a.id,
    a.table_name,
    a.record_id,
    a.action,
    a.actor,
    a.db_role,
    a.old_data,
    a.new_data,
    a.changed_columns,
    a.transaction_id,
    a.changed_at
FROM audit_log AS a
ORDER BY a.id DESC
LIMIT :limit;
