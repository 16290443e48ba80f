-- +goose Up
-- Read-your-writes with a read replica (database/replica.go): after a request of a user's
-- writes, the primary's WAL position; that user's reads go to the replica only once it has
-- replayed this far. One row per user who has written since a replica was configured; kept
-- in the database so that every server process behind a balancer knows it. lsn is the
-- position in bytes (pg_lsn - '0/0').
CREATE TABLE write_marks (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lsn     BIGINT NOT NULL CHECK (lsn >= 0)
);

-- +goose Down
DROP TABLE write_marks;
