-- +goose Up
-- The token signing key every server process on this database signs with, by fingerprint (an
-- HMAC under the key: the key itself is never stored here). A process with another key either
-- does not start (its key was generated) or takes the record over (its key was configured),
-- and the processes left on the old key report not ready: services/token_key.go.
CREATE TABLE server_keys (
    name        TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 32),
    changed_at  DATETIME NOT NULL
);

-- +goose Down
DROP TABLE server_keys;
