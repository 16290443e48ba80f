-- +goose Up
-- Committee terms (issue 12): a committee serves a term of term_months (per level, set with the
-- committee norms; three years unless changed) from the day its current term started, kept on its
-- unit. A booth committee past its term by more than grace_days (its level's) no longer counts as
-- complete in booth coverage; that is subtracted when coverage is read (terms.go), since time passes
-- without writes, so the stored booths_complete counts stay as they are.
ALTER TABLE committee_norms ADD COLUMN term_months INTEGER NOT NULL DEFAULT 36 CHECK (term_months BETWEEN 1 AND 120);
ALTER TABLE committee_norms ADD COLUMN grace_days INTEGER NOT NULL DEFAULT 90 CHECK (grace_days BETWEEN 0 AND 730);

-- SQLite cannot add a column whose default is an expression: units inserted without a term start
-- (imports, seed) get today's date (India time) from the trigger below.
ALTER TABLE units ADD COLUMN term_started_on TEXT NOT NULL DEFAULT '0001-01-01'
    CHECK (term_started_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]');
-- The earliest start of the committee's current seats, or the unit's creation (India time).
UPDATE units SET term_started_on = COALESCE(
    (SELECT date(min(s.since), '+330 minutes') FROM seats s WHERE s.unit_id = units.id AND s.ended_at IS NULL),
    date(created_at, '+330 minutes'),
    substr(created_at, 1, 10));

-- +goose StatementBegin
CREATE TRIGGER units_term_started_on AFTER INSERT ON units WHEN NEW.term_started_on = '0001-01-01'
BEGIN
    UPDATE units SET term_started_on = date('now', '+330 minutes') WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- The complete booth committees by place and term start: coverage subtracts those of a subtree
-- whose term and grace have run out, one range of this index.
CREATE INDEX units_booth_term_idx ON units (path, term_started_on) WHERE level = 'booth' AND committee_complete;

-- +goose Down
DROP INDEX units_booth_term_idx;
DROP TRIGGER units_term_started_on;
ALTER TABLE units DROP COLUMN term_started_on;
ALTER TABLE committee_norms DROP COLUMN grace_days;
ALTER TABLE committee_norms DROP COLUMN term_months;
