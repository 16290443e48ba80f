-- +goose Up
-- Read-your-writes with a read replica: PostgreSQL only (see the PostgreSQL migration); the
-- table exists here so that the one query that authenticates a request is the same.
CREATE TABLE write_marks (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lsn     INTEGER NOT NULL CHECK (lsn >= 0)
);

-- +goose Down
DROP TABLE write_marks;
