-- +goose Up
-- The path of the unit that looks after a person (people.unit_id), kept on the person, so that
-- "the people under a unit" and "the people in the caller's scope" are one range scan of
-- people_path_idx in (path, id) order: a page costs the page, not everyone entered before the
-- district. It is written with the person and rewritten when the person's unit_id changes or
-- their unit moves in the tree; `sangathan verify` checks it.
ALTER TABLE people ADD COLUMN path TEXT COLLATE "C" NOT NULL DEFAULT '';
UPDATE people SET path = units.path FROM units WHERE units.id = people.unit_id;
ALTER TABLE people ALTER COLUMN path DROP DEFAULT;
ALTER TABLE people ADD CONSTRAINT people_path_check CHECK (path <> '');
CREATE INDEX people_path_idx ON people (path, id);

-- +goose Down
DROP INDEX people_path_idx;
ALTER TABLE people DROP COLUMN path;
