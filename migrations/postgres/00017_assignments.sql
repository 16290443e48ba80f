-- +goose Up
-- Prabhari (प्रभारी) assignments: a person put in charge of a unit (a Lok Sabha constituency, a
-- district, an assembly, …) for a purpose ("Lok Sabha 2029", "organisation") from starts_on,
-- optionally until ends_on. ends_on is the first day the person is no longer in charge: the
-- assignment is active on a date D when starts_on <= D and (ends_on IS NULL OR D < ends_on), so
-- one ending on D and another starting on D touch without overlapping. One person's assignments
-- to one unit for one purpose do not overlap: the service checks it under a lock on the person's
-- row. path is the path of the unit, kept with it (rewritten when the unit moves, as for
-- incidents and programs) so that scope and under= are range scans; `sangathan verify` checks it.
CREATE TABLE assignments (
    id          BIGSERIAL PRIMARY KEY,
    person_id   BIGINT NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    unit_id     BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    path        TEXT COLLATE "C" NOT NULL CHECK (path <> ''),
    purpose     TEXT NOT NULL CHECK (purpose <> '' AND length(purpose) <= 100),
    starts_on   DATE NOT NULL,
    ends_on     DATE CHECK (ends_on IS NULL OR ends_on >= starts_on),
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    ended_by    BIGINT,
    ended_by_name TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX assignments_unit_purpose_idx ON assignments (unit_id, purpose, starts_on);
CREATE INDEX assignments_person_idx ON assignments (person_id, starts_on);
CREATE INDEX assignments_path_idx ON assignments (path, id);

-- +goose Down
DROP TABLE assignments;
