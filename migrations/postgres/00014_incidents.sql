-- +goose Up
-- Incidents (घटना) in the districts and their investigation (जांच): reported → committee_formed →
-- report_submitted → forwarded → closed. Each step after the first is a row of its own table,
-- dated, with who did it; the incident carries the status the rows imply (`sangathan verify`
-- checks both) and a version for If-Match. path is the path of the incident's unit, kept with it
-- (rewritten when the unit moves, as for people) so that scope and under= are one range scan.
CREATE TABLE incidents (
    id          BIGSERIAL PRIMARY KEY,
    unit_id     BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    path        TEXT COLLATE "C" NOT NULL CHECK (path <> ''),
    occurred_on DATE NOT NULL,
    place       TEXT NOT NULL CHECK (place <> '' AND length(place) <= 200),
    title       TEXT NOT NULL CHECK (title <> '' AND length(title) <= 200),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    kind        TEXT NOT NULL CHECK (kind IN ('violence', 'atrocity', 'police_excess', 'land_dispute', 'communal', 'other')),
    victims     INTEGER CHECK (victims IS NULL OR victims >= 0),
    status      TEXT NOT NULL DEFAULT 'reported' CHECK (status IN ('reported', 'committee_formed', 'report_submitted', 'forwarded', 'closed')),
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_by  BIGINT,
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX incidents_path_idx ON incidents (path, id);
CREATE INDEX incidents_unit_idx ON incidents (unit_id);
CREATE INDEX incidents_status_idx ON incidents (status, id);

-- The communities an incident affected: one row each.
CREATE TABLE incident_groups (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    grp         TEXT NOT NULL CHECK (grp IN ('SC', 'ST', 'OBC', 'minority', 'women', 'children', 'other')),
    PRIMARY KEY (incident_id, grp)
);
CREATE INDEX incident_groups_grp_idx ON incident_groups (grp, incident_id);

-- The investigation committee (जांच कमेटी): named people, one of them the convener (संयोजक). Not a
-- unit's committee. The convener's foreign key into the members makes "the convener is a member"
-- a rule of the database.
CREATE TABLE incident_committee_members (
    incident_id BIGINT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
    person_id   BIGINT NOT NULL REFERENCES people(id) ON DELETE RESTRICT,
    PRIMARY KEY (incident_id, person_id)
);
CREATE INDEX incident_committee_members_person_idx ON incident_committee_members (person_id);
CREATE TABLE incident_committees (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    convener_id BIGINT NOT NULL,
    formed_on   DATE NOT NULL,
    by_id       BIGINT,
    by_name     TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (incident_id, convener_id) REFERENCES incident_committee_members (incident_id, person_id)
);

CREATE TABLE incident_reports (
    incident_id     BIGINT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    visited_on      DATE NOT NULL,
    submitted_on    DATE NOT NULL CHECK (submitted_on >= visited_on),
    findings        TEXT NOT NULL CHECK (findings <> '' AND length(findings) <= 50000),
    recommendations TEXT NOT NULL DEFAULT '' CHECK (length(recommendations) <= 50000),
    attachments     TEXT NOT NULL DEFAULT '' CHECK (length(attachments) <= 10000),
    by_id           BIGINT,
    by_name         TEXT NOT NULL DEFAULT '',
    at              TIMESTAMPTZ NOT NULL
);

CREATE TABLE incident_forwards (
    incident_id       BIGINT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    to_administration BOOLEAN NOT NULL,
    to_governor       BOOLEAN NOT NULL,
    forwarded_on      DATE NOT NULL,
    letter_ref        TEXT NOT NULL DEFAULT '' CHECK (length(letter_ref) <= 100),
    by_id             BIGINT,
    by_name           TEXT NOT NULL DEFAULT '',
    at                TIMESTAMPTZ NOT NULL,
    CHECK (to_administration OR to_governor)
);

CREATE TABLE incident_closures (
    incident_id BIGINT PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
    outcome     TEXT NOT NULL CHECK (outcome <> '' AND length(outcome) <= 5000),
    closed_on   DATE NOT NULL,
    by_id       BIGINT,
    by_name     TEXT NOT NULL DEFAULT '',
    at          TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE incident_closures;
DROP TABLE incident_forwards;
DROP TABLE incident_reports;
DROP TABLE incident_committees;
DROP TABLE incident_committee_members;
DROP TABLE incident_groups;
DROP TABLE incidents;
