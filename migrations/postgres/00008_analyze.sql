-- +goose Up
-- Statistics after a bulk load. Only a table's owner may ANALYZE it, and the server runs as a
-- role that owns nothing (migrations.GrantApp); this function runs as the owner and analyzes
-- only the tables an import writes, by name, in the schema the migrations made.
-- +goose StatementBegin
CREATE FUNCTION sangathan_analyze(tables text[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY tables LOOP
        IF t NOT IN ('units', 'people', 'seats', 'audit_log') THEN
            RAISE EXCEPTION 'sangathan_analyze: % is not a table it analyzes', t USING ERRCODE = 'invalid_parameter_value';
        END IF;
        EXECUTE format('ANALYZE %I.%I', current_schema(), t);
    END LOOP;
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION sangathan_analyze(text[]);
