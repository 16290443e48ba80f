-- +goose Up
-- A person's seats, current and ended, newest first (GET /people/{id}/seats): seats_person_idx
-- holds only current seats, so the ended ones would otherwise be found by reading every seat.
CREATE INDEX seats_person_history_idx ON seats (person_id, since);

-- +goose Down
DROP INDEX seats_person_history_idx;
