-- +goose Up
-- Booth coverage is stored from district level down only: a state's or the national unit's is
-- summed from its districts when read, a Lok Sabha constituency's from its assemblies, so that a
-- seat change that completes a booth committee never locks a row shared with other districts.
UPDATE units SET booths = 0, booths_complete = 0 WHERE level IN ('national', 'state', 'parliamentary');

-- +goose Down
UPDATE units SET booths = COALESCE((SELECT sum(d.booths) FROM units d WHERE d.level = 'district'
        AND d.path >= units.path AND d.path < substr(units.path, 1, length(units.path) - 1) || '0'), 0),
    booths_complete = COALESCE((SELECT sum(d.booths_complete) FROM units d WHERE d.level = 'district'
        AND d.path >= units.path AND d.path < substr(units.path, 1, length(units.path) - 1) || '0'), 0)
WHERE level IN ('national', 'state');
UPDATE units SET booths = COALESCE((SELECT sum(a.booths) FROM units a WHERE a.parliamentary_id = units.id), 0),
    booths_complete = COALESCE((SELECT sum(a.booths_complete) FROM units a WHERE a.parliamentary_id = units.id), 0)
WHERE level = 'parliamentary';
