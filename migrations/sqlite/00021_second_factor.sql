-- +goose Up
-- Two-step verification (TOTP, RFC 6238). One row per user who has started or finished enrolment.
-- secret_enc is the TOTP secret sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
-- server's JWT secret; the API never returns it after enrolment. enabled_at is NULL while the
-- enrolment waits for its first code. last_step is the last 30-second time step accepted, so a
-- code is never accepted twice.
CREATE TABLE second_factors (
    user_id     BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret_enc  TEXT NOT NULL,
    enabled_at  DATETIME,
    last_step   BIGINT,
    created_at  DATETIME NOT NULL
);

-- Ten single-use recovery codes per enrolled user; only the SHA-256 of each (60 random bits) is stored.
CREATE TABLE recovery_codes (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash   TEXT NOT NULL,
    used_at     DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX recovery_codes_user_hash_key ON recovery_codes (user_id, code_hash);

-- A login whose password was right and that waits for its second step: opaque token (SHA-256
-- stored), five minutes, dead after five wrong codes or once used.
CREATE TABLE login_challenges (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('required', 'enrol')),
    failures    INTEGER NOT NULL DEFAULT 0,
    expires_at  DATETIME NOT NULL,
    used_at     DATETIME,
    created_at  DATETIME NOT NULL
);
CREATE UNIQUE INDEX login_challenges_hash_key ON login_challenges (token_hash);
CREATE INDEX login_challenges_expires_idx ON login_challenges (expires_at);
CREATE INDEX login_challenges_user_idx ON login_challenges (user_id);

-- +goose Down
DROP TABLE login_challenges;
DROP TABLE recovery_codes;
DROP TABLE second_factors;
