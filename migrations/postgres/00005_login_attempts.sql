-- +goose Up
-- Login limits, shared by every server process on the database. One row per counted key:
-- 'ua:<username>|<address>', 'a:<address>' or 'u:<username>'. failures counts the attempts let
-- through to a password check in the window that began at window_start (a successful login takes
-- its own back); blocked_until holds a per-username back-off. Times are Unix milliseconds, so that
-- both dialects compare and compute them alike. Passwords are never stored here.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  BIGINT NOT NULL,
    blocked_until BIGINT
);
-- Pruning finds the rows whose window is long over.
CREATE INDEX login_throttle_window_idx ON login_throttle (window_start);

-- +goose Down
DROP TABLE login_throttle;
