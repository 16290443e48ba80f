-- +goose Up
-- Alliances (गठबंधन) and seat sharing (सीट बंटवारा). parties are the allied parties and the
-- party itself (is_own, at most one row), so that its own seats are shares like the allies'.
-- A seat share gives one Lok Sabha or assembly seat (a parliamentary or assembly unit) to one
-- party for one election: UNIQUE (election, unit_id) makes "one party per seat per election" a
-- rule of the database, so two requests at once cannot both win. path is the unit's path, kept
-- with the share (rewritten when the unit moves) for range scans; `sangathan verify` checks it.
CREATE TABLE parties (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (name <> '' AND length(name) <= 100),
    name_hi     TEXT NOT NULL DEFAULT '' CHECK (length(name_hi) <= 100),
    short_name  TEXT NOT NULL CHECK (short_name <> '' AND length(short_name) <= 20),
    symbol      TEXT NOT NULL DEFAULT '' CHECK (length(symbol) <= 100),
    is_own      BOOLEAN NOT NULL DEFAULT FALSE,
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_by  BIGINT,
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX parties_name_idx ON parties (lower(name));
CREATE UNIQUE INDEX parties_short_name_idx ON parties (lower(short_name));
CREATE UNIQUE INDEX parties_own_idx ON parties (is_own) WHERE is_own;

CREATE TABLE seat_shares (
    id          INTEGER PRIMARY KEY,
    election    TEXT NOT NULL CHECK (election <> '' AND length(election) <= 100),
    unit_id     BIGINT NOT NULL REFERENCES units(id) ON DELETE RESTRICT,
    path        TEXT NOT NULL CHECK (path <> ''),
    party_id    BIGINT NOT NULL REFERENCES parties(id) ON DELETE RESTRICT,
    version     BIGINT NOT NULL DEFAULT 1,
    created_by  BIGINT,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_by  BIGINT,
    updated_by_name TEXT NOT NULL DEFAULT '',
    updated_at  DATETIME NOT NULL,
    UNIQUE (election, unit_id)
);
CREATE INDEX seat_shares_election_path_idx ON seat_shares (election, path);
CREATE INDEX seat_shares_unit_idx ON seat_shares (unit_id);
CREATE INDEX seat_shares_party_idx ON seat_shares (party_id, election);

-- +goose Down
DROP TABLE seat_shares;
DROP TABLE parties;
