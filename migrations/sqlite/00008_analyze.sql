-- +goose Up
-- PostgreSQL's 00008 adds sangathan_analyze for statistics after bulk loads; SQLite plans
-- without statistics (see analyzeTables), so there is nothing to add. The file keeps the two
-- dialects' migration versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
