-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name text NOT NULL,
    record_id text,
    action text NOT NULL,
    actor text,
    old_data jsonb,
    new_data jsonb,
    transaction_id bigint NOT NULL DEFAULT txid_current(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_action_check CHECK (action IN ('INSERT', 'UPDATE', 'DELETE'))
);

COMMENT ON TABLE audit_log IS
'Who changed what and when; written by audit triggers, never updated or deleted by the application.'; -- noqa: LT05

CREATE INDEX audit_log_table_record_idx ON audit_log (table_name, record_id, changed_at);

CREATE INDEX audit_log_changed_at_idx ON audit_log (changed_at);

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

DROP TABLE audit_log;
