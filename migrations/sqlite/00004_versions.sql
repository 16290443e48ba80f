-- +goose Up
-- Row versions for optimistic concurrency: every write of a unit, person or account adds one,
-- answers carry it (and an ETag), and PATCH and DELETE with a stale If-Match are refused (412).
ALTER TABLE units ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE people ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE users DROP COLUMN version;
ALTER TABLE people DROP COLUMN version;
ALTER TABLE units DROP COLUMN version;
