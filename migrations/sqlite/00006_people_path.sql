-- +goose Up
-- The path of the unit that looks after a person (people.unit_id), kept on the person, so that
-- "the people under a unit" and "the people in the caller's scope" are one range scan of
-- people_path_idx in (path, id) order. SQLite cannot add a CHECK to an existing table, so a
-- trigger refuses a person written without one, as the CHECK does on PostgreSQL.
ALTER TABLE people ADD COLUMN path TEXT NOT NULL DEFAULT '';
UPDATE people SET path = (SELECT units.path FROM units WHERE units.id = people.unit_id);
CREATE INDEX people_path_idx ON people (path, id);
-- +goose StatementBegin
CREATE TRIGGER people_path_insert BEFORE INSERT ON people WHEN NEW.path = ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: people_path_check');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER people_path_update BEFORE UPDATE OF path ON people WHEN NEW.path = ''
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: people_path_check');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER people_path_update;
DROP TRIGGER people_path_insert;
DROP INDEX people_path_idx;
ALTER TABLE people DROP COLUMN path;
