-- +goose Up
-- Name search (q=) is a case-insensitive substring of search_text in either script. A trigram
-- index answers it without reading every unit or person in the caller's scope: the planner
-- takes it when the words are rare, and the (path, id) range when matches are many and a page
-- fills quickly. pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner
-- may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX units_search_trgm_idx ON units USING gin (search_text gin_trgm_ops);
CREATE INDEX people_search_trgm_idx ON people USING gin (search_text gin_trgm_ops);

-- +goose Down
DROP INDEX people_search_trgm_idx;
DROP INDEX units_search_trgm_idx;
