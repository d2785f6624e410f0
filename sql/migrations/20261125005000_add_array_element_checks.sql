-- migrate:up
-- Fail fast rather than queue behind locks on a busy server; dbmate's transaction scopes both.
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- A text[] NOT NULL column still accepts NULL elements ('{a,NULL}'). These rules forbid them:
-- array_position() finds a NULL element too, so the check is FALSE exactly when the array holds
-- one. codegen reads them (docs/codegen.md, "Nullability"): a column under such a validated rule
-- is list[str] in the generated models, any other array column list[str | None]. Added NOT VALID
-- (a brief lock, no scan); the next migration validates existing rows without blocking writes.

ALTER TABLE roles
ADD CONSTRAINT roles_permissions_no_null_check
CHECK (array_position(permissions, NULL) IS NULL) NOT VALID;

-- The audit trigger writes the keys of a jsonb_each() (never NULL) or NULL for the whole column.
ALTER TABLE audit_log
ADD CONSTRAINT audit_log_changed_columns_no_null_check
CHECK (array_position(changed_columns, NULL) IS NULL) NOT VALID;

-- migrate:down
-- The down half removes exactly the rules the up half added; dropping them is its purpose.
-- squawk-ignore-file ban-drop-constraint
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

ALTER TABLE audit_log DROP CONSTRAINT audit_log_changed_columns_no_null_check;

ALTER TABLE roles DROP CONSTRAINT roles_permissions_no_null_check;
