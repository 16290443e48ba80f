-- +goose Up
-- Erasure under India's Digital Personal Data Protection Act 2023 (docs/PRIVACY.md).
-- erased_at marks a person whose personal fields were removed (People are kept as records of the
-- seats they held, under a placeholder name): search leaves them out, no edit or seat reaches
-- them, and a second erasure is refused.
ALTER TABLE people ADD COLUMN erased_at DATETIME;

-- The audit rows about one record, for an erasure's redaction and a person's data export.
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- The audit log stays append-only, with one narrow exception: redacting the personal values of an
-- erased person. SQLite has no roles, so the gate is a table: the erasure's transaction puts
-- its one row in audit_redaction, rewrites before and after of the rows about the person, and
-- takes the row out again before it commits. Any other UPDATE, and any UPDATE of another column,
-- is refused as before; DELETE and REPLACE are refused as before.
CREATE TABLE audit_redaction (id INTEGER PRIMARY KEY CHECK (id = 1));
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_redaction)
    OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor_id IS NOT OLD.actor_id
    OR NEW.actor_username IS NOT OLD.actor_username OR NEW.action IS NOT OLD.action OR NEW.entity IS NOT OLD.entity
    OR NEW.entity_id IS NOT OLD.entity_id OR NEW.unit_id IS NOT OLD.unit_id OR NEW.unit_path IS NOT OLD.unit_path
    OR NEW.request_id IS NOT OLD.request_id
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DROP TABLE audit_redaction;
DROP INDEX audit_log_entity_idx;
ALTER TABLE people DROP COLUMN erased_at;
