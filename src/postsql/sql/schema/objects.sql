-- What postsql's built-in queries read besides the catalog (used by their codegen only):
-- pg_stat_statements for the slow-query report, and the audit_log table postsql.ext.audit reads
-- (the shape a project's own migration creates; the example project's migrations do).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name text COLLATE "C" NOT NULL,
    record_id text COLLATE "C",
    action text NOT NULL,
    actor text,
    old_data jsonb,
    new_data jsonb,
    transaction_id bigint NOT NULL DEFAULT txid_current(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    db_role text,
    changed_columns text[],
    CONSTRAINT audit_log_action_check CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    CONSTRAINT audit_log_changed_columns_no_null_check CHECK (
        array_position(changed_columns, NULL::text) IS NULL
    )
);
