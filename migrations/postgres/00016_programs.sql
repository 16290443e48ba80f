-- +goose Up
-- Programs (कार्यक्रम / अभियान): awareness campaigns, public dialogues (जन संवाद), protests and
-- sit-ins (धरना-प्रदर्शन), meetings, planned at a unit and optionally about an incident; then
-- held (with attendance and outcome) or cancelled. path is the path of the program's unit, kept
-- with it (rewritten when the unit moves, as for incidents) so that scope, under= and the
-- calendar are range scans; `sangathan verify` checks it.
CREATE TABLE programs (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    path        TEXT COLLATE "C" NOT NULL CHECK (path <> ''),
    incident_id BIGINT REFERENCES incidents(id) ON DELETE RESTRICT,
    kind        TEXT NOT NULL CHECK (kind IN ('awareness', 'public_dialogue', 'protest', 'meeting', 'other')),
    title       TEXT NOT NULL CHECK (title <> '' AND length(title) <= 200),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    place       TEXT NOT NULL DEFAULT '' CHECK (length(place) <= 200),
    organiser   TEXT NOT NULL DEFAULT '' CHECK (length(organiser) <= 200),
    organiser_person_id BIGINT REFERENCES people(id) ON DELETE SET NULL,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ CHECK (ends_at IS NULL OR ends_at >= starts_at),
    status      TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'held', 'cancelled')),
    attendance  INTEGER CHECK (attendance IS NULL OR (attendance >= 0 AND attendance <= 1000000)),
    outcome     TEXT NOT NULL DEFAULT '' CHECK (length(outcome) <= 5000),
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_by  BIGINT,
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL,
    CHECK (attendance IS NULL OR status = 'held')
);
CREATE INDEX programs_path_starts_idx ON programs (path, starts_at, id);
CREATE INDEX programs_starts_idx ON programs (starts_at, id);
CREATE INDEX programs_unit_idx ON programs (unit_id);
CREATE INDEX programs_incident_idx ON programs (incident_id, starts_at) WHERE incident_id IS NOT NULL;
CREATE INDEX programs_organiser_idx ON programs (organiser_person_id) WHERE organiser_person_id IS NOT NULL;

-- +goose Down
DROP TABLE programs;
