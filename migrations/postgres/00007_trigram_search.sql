-- +goose Up
-- Name search (q=) is a case-insensitive substring of search_text in either script. A trigram
-- index answers it without reading every unit or person in the caller's scope: the planner
-- takes it when the words are rare, and the (path, id) range when matches are many and a page
-- fills quickly. pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner
-- may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX units_search_trgm_idx ON units USING gin (search_text gin_trgm_ops);
CREATE INDEX people_search_trgm_idx ON people USING gin (search_text gin_trgm_ops);
-- Finer statistics where the planner weighs the two: how many people a path range holds (a
-- district is 1 % of the state) and how common a word is among people and unit names. With the default sample it misjudged
-- a district's range by half and chose the index for common names, reading every match in the
-- state. ANALYZE reads a larger sample of people (some seconds at state scale).
ALTER TABLE people ALTER COLUMN path SET STATISTICS 1000;
ALTER TABLE people ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE units ALTER COLUMN search_text SET STATISTICS 1000;

-- +goose Down
ALTER TABLE units ALTER COLUMN search_text SET STATISTICS -1;
ALTER TABLE people ALTER COLUMN search_text SET STATISTICS -1;
ALTER TABLE people ALTER COLUMN path SET STATISTICS -1;
DROP INDEX people_search_trgm_idx;
DROP INDEX units_search_trgm_idx;
