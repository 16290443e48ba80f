-- +goose Up
-- Units form one tree. path is the materialised ancestor path of ids, root first and
-- including the unit itself ("/1/7/93/"); COLLATE "C" makes it compare byte by byte so that
-- "everything under X" is one index range scan: path >= X.path AND path < X.path-with-last-'/'-as-'0'.
CREATE TABLE units (
    id                  BIGSERIAL PRIMARY KEY,
    level               TEXT NOT NULL CHECK (level IN ('national','state','district','parliamentary','assembly','sector','booth')),
    parent_id           BIGINT REFERENCES units(id) ON DELETE RESTRICT,
    path                TEXT COLLATE "C" NOT NULL,
    depth               INTEGER NOT NULL CHECK (depth >= 0),
    code                TEXT NOT NULL CHECK (code <> '' AND length(code) <= 64),
    name                TEXT NOT NULL CHECK (name <> '' AND length(name) <= 200),
    name_hi             TEXT NOT NULL DEFAULT '' CHECK (length(name_hi) <= 200),
    search_text         TEXT NOT NULL DEFAULT '',
    number              INTEGER CHECK (number IS NULL OR number >= 0),
    reserved            TEXT NOT NULL DEFAULT '' CHECK (reserved IN ('', 'SC', 'ST')),
    parliamentary_id    BIGINT REFERENCES units(id) ON DELETE RESTRICT,
    electors            INTEGER CHECK (electors IS NULL OR electors >= 0),
    population_total    BIGINT CHECK (population_total IS NULL OR population_total >= 0),
    population_sc       BIGINT CHECK (population_sc IS NULL OR population_sc >= 0),
    population_st       BIGINT CHECK (population_st IS NULL OR population_st >= 0),
    population_muslim   BIGINT CHECK (population_muslim IS NULL OR population_muslim >= 0),
    population_minority BIGINT CHECK (population_minority IS NULL OR population_minority >= 0),
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    CHECK (level IN ('national', 'state') OR parent_id IS NOT NULL),
    CHECK (level <> 'national' OR parent_id IS NULL),
    CHECK (parliamentary_id IS NULL OR level = 'assembly')
);
CREATE UNIQUE INDEX units_code_key ON units (code);
CREATE UNIQUE INDEX units_path_key ON units (path);
CREATE INDEX units_parent_idx ON units (parent_id, id);
CREATE INDEX units_level_path_idx ON units (level, path);
CREATE INDEX units_parliamentary_idx ON units (parliamentary_id) WHERE parliamentary_id IS NOT NULL;

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin','state_office','district_coordinator','booth_worker','viewer')),
    scope_unit_id BIGINT REFERENCES units(id) ON DELETE RESTRICT,
    person_id     BIGINT,
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (role = 'admin' OR scope_unit_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_scope_idx ON users (scope_unit_id);

-- Refresh tokens are opaque; only their SHA-256 is stored. A family is one login: rotating
-- revokes the old token, and presenting a revoked one revokes the whole family (theft).
CREATE TABLE refresh_tokens (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    family      TEXT NOT NULL,
    token_hash  TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);

-- +goose Down
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE units;
