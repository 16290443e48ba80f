-- +goose Up
-- Erasure under India's Digital Personal Data Protection Act 2023 (docs/PRIVACY.md).
-- erased_at marks a person whose personal fields were removed (People are kept as records of the
-- seats they held, under a placeholder name): search leaves them out, no edit or seat reaches
-- them, and a second erasure is refused.
ALTER TABLE people ADD COLUMN erased_at TIMESTAMPTZ;

-- The audit rows about one record, for an erasure's redaction and a person's data export.
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

-- The audit log stays append-only, with one narrow exception: redacting the personal values of a
-- person who has been erased. The application's role still has no UPDATE on audit_log
-- (migrations/grants.go); it may only call audit_log_redact_person, which runs as the table's
-- owner (SECURITY DEFINER), refuses unless the person is already erased, and can do nothing but
-- set a fixed list of keys to null in the before/after JSON of the rows about that person (and
-- the organiser of programs they organised). While it runs it sets sangathan.audit_redaction for
-- its own transaction, and the refusing trigger lets through an UPDATE that changes nothing but
-- before and after under that setting; DELETE and TRUNCATE are refused as before.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('sangathan.audit_redaction', true) = 'on'
       AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_username = OLD.actor_username AND NEW.action = OLD.action AND NEW.entity = OLD.entity
       AND NEW.entity_id = OLD.entity_id AND NEW.unit_id IS NOT DISTINCT FROM OLD.unit_id
       AND NEW.unit_path IS NOT DISTINCT FROM OLD.unit_path AND NEW.request_id = OLD.request_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd

-- audit_redact_keys sets the given top-level keys of a JSON object to null; other text is kept.
-- +goose StatementBegin
CREATE FUNCTION audit_redact_keys(doc TEXT, keys TEXT[]) RETURNS TEXT LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    j jsonb;
    k TEXT;
BEGIN
    IF doc IS NULL THEN
        RETURN NULL;
    END IF;
    j := doc::jsonb;
    IF jsonb_typeof(j) <> 'object' THEN
        RETURN doc;
    END IF;
    FOREACH k IN ARRAY keys LOOP
        IF j ? k THEN
            j := jsonb_set(j, ARRAY[k], 'null'::jsonb);
        END IF;
    END LOOP;
    RETURN j::text;
END;
$$;
-- +goose StatementEnd

-- audit_log_redact_person redacts the audit rows about an erased person and returns how many it
-- rewrote. The keys are those of personAudit (services/people.go) that the erasure removes, and
-- a program's organiser.
-- +goose StatementBegin
CREATE FUNCTION audit_log_redact_person(person BIGINT) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    n BIGINT;
    m BIGINT;
    person_keys TEXT[] := ARRAY['name', 'name_hi', 'birth_year', 'membership_no', 'public_office', 'home_unit_id'];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM people WHERE id = person AND erased_at IS NOT NULL) THEN
        RAISE EXCEPTION 'person % is not erased', person;
    END IF;
    PERFORM set_config('sangathan.audit_redaction', 'on', true);
    UPDATE audit_log SET before = audit_redact_keys(before, person_keys), after = audit_redact_keys(after, person_keys)
        WHERE entity = 'person' AND entity_id = person::text;
    GET DIAGNOSTICS n = ROW_COUNT;
    UPDATE audit_log SET before = audit_redact_keys(before, ARRAY['organiser']), after = audit_redact_keys(after, ARRAY['organiser'])
        WHERE entity = 'program' AND entity_id IN (SELECT id::text FROM programs WHERE organiser_person_id = person);
    GET DIAGNOSTICS m = ROW_COUNT;
    PERFORM set_config('sangathan.audit_redaction', 'off', true);
    RETURN n + m;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION audit_log_redact_person(BIGINT);
DROP FUNCTION audit_redact_keys(TEXT, TEXT[]);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
DROP INDEX audit_log_entity_idx;
ALTER TABLE people DROP COLUMN erased_at;
