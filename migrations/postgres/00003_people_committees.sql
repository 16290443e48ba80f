-- +goose Up
-- People: party workers and office bearers. unit_id is the unit whose managers look after the
-- record (the home booth when known, else the unit where it was entered); scope follows it.
CREATE TABLE people (
    id            BIGSERIAL PRIMARY KEY,
    name          TEXT NOT NULL CHECK (name <> '' AND length(name) <= 200),
    name_hi       TEXT NOT NULL DEFAULT '' CHECK (length(name_hi) <= 200),
    search_text   TEXT NOT NULL DEFAULT '',
    gender        TEXT NOT NULL CHECK (gender IN ('male', 'female', 'other')),
    birth_year    INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1850 AND 2100),
    phone         TEXT CHECK (phone IS NULL OR phone ~ '^\+91[6-9][0-9]{9}$'),
    voter_id      TEXT CHECK (voter_id IS NULL OR voter_id ~ '^[A-Z]{3}[0-9]{7}$'),
    category      TEXT NOT NULL CHECK (category IN ('SC', 'ST', 'OBC', 'GEN')),
    religion      TEXT CHECK (religion IS NULL OR religion IN ('hindu', 'muslim', 'christian', 'sikh', 'buddhist', 'jain', 'other', 'none')),
    caste         TEXT NOT NULL DEFAULT '' CHECK (length(caste) <= 100),
    home_unit_id  BIGINT REFERENCES units(id) ON DELETE RESTRICT,
    unit_id       BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    membership_no TEXT NOT NULL DEFAULT '' CHECK (length(membership_no) <= 40),
    public_office TEXT NOT NULL DEFAULT '' CHECK (public_office IN ('', 'mla', 'mp', 'former_mla', 'former_mp', 'minister', 'local_body')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX people_voter_id_key ON people (voter_id) WHERE voter_id IS NOT NULL;
CREATE INDEX people_unit_idx ON people (unit_id, id);
CREATE INDEX people_home_unit_idx ON people (home_unit_id) WHERE home_unit_id IS NOT NULL;

ALTER TABLE users ADD CONSTRAINT users_person_fk FOREIGN KEY (person_id) REFERENCES people(id) ON DELETE SET NULL;

-- Seats: a person holding a position on a unit's committee for a term. Ending a seat keeps it.
-- The partial unique indexes make single-holder positions and one seat per person per
-- committee hold even when two coordinators click at the same moment.
CREATE TABLE seats (
    id         BIGSERIAL PRIMARY KEY,
    unit_id    BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    person_id  BIGINT NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    position   TEXT NOT NULL CHECK (position IN ('president', 'vice_president', 'general_secretary', 'secretary', 'treasurer', 'booth_agent', 'member')),
    since      TIMESTAMPTZ NOT NULL,
    ended_at   TIMESTAMPTZ,
    created_by BIGINT,
    ended_by   BIGINT,
    CHECK (ended_at IS NULL OR ended_at >= since)
);
CREATE UNIQUE INDEX seats_single_holder_key ON seats (unit_id, position)
    WHERE ended_at IS NULL AND position IN ('president', 'general_secretary', 'treasurer', 'booth_agent');
CREATE UNIQUE INDEX seats_one_per_person_key ON seats (unit_id, person_id) WHERE ended_at IS NULL;
CREATE INDEX seats_person_idx ON seats (person_id) WHERE ended_at IS NULL;
CREATE INDEX seats_unit_idx ON seats (unit_id, id);

-- Committee rollups, kept in the same transaction as every seat or unit change, so that
-- coverage is read, never counted: seats and completeness of the unit's own committee, and the
-- booths below it (for a Lok Sabha constituency: below its assemblies) and how many of them
-- have a complete committee.
ALTER TABLE units ADD COLUMN seats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE units ADD COLUMN committee_complete BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE units ADD COLUMN booths INTEGER NOT NULL DEFAULT 0;
ALTER TABLE units ADD COLUMN booths_complete INTEGER NOT NULL DEFAULT 0;
UPDATE units SET booths = (SELECT count(*) FROM units b WHERE b.level = 'booth' AND b.path >= units.path AND b.path < substr(units.path, 1, length(units.path) - 1) || '0')
    WHERE level <> 'parliamentary';
UPDATE units SET booths = COALESCE((SELECT sum(a.booths) FROM units a WHERE a.parliamentary_id = units.id), 0)
    WHERE level = 'parliamentary';

-- Size norms of a committee per level; a committee that meets them is complete.
CREATE TABLE committee_norms (
    level              TEXT PRIMARY KEY CHECK (level IN ('national','state','district','parliamentary','assembly','sector','booth')),
    min_seats          INTEGER NOT NULL CHECK (min_seats >= 0),
    max_seats          INTEGER NOT NULL CHECK (max_seats >= min_seats),
    required_positions TEXT NOT NULL DEFAULT ''
);
INSERT INTO committee_norms (level, min_seats, max_seats, required_positions) VALUES
    ('booth', 10, 21, 'president,booth_agent'),
    ('sector', 7, 15, 'president'),
    ('assembly', 3, 51, 'president,general_secretary,treasurer'),
    ('parliamentary', 3, 51, 'president,general_secretary,treasurer'),
    ('district', 3, 101, 'president,general_secretary,treasurer'),
    ('state', 3, 201, 'president,general_secretary,treasurer'),
    ('national', 3, 301, 'president,general_secretary,treasurer');

-- +goose Down
DROP TABLE committee_norms;
ALTER TABLE units DROP COLUMN booths_complete;
ALTER TABLE units DROP COLUMN booths;
ALTER TABLE units DROP COLUMN committee_complete;
ALTER TABLE units DROP COLUMN seats;
DROP TABLE seats;
ALTER TABLE users DROP CONSTRAINT users_person_fk;
DROP TABLE people;
