-- +goose Up
-- PostgreSQL indexes name search with trigrams here. SQLite, which serves a district or a few,
-- scans search_text within the path range; nothing to add.
SELECT 1;

-- +goose Down
SELECT 1;
