-- +goose Up
-- Representation rollups: for each unit and each committee level counted at it, the current seats
-- of the committees of that level in the unit's subtree, by category, religion (minority), gender
-- and birth year. Kept in the transaction of every change by the services (representation.go).
-- Rows exist only up to the district: a unit at district level or below counts its whole subtree;
-- a state, national or Lok Sabha unit counts only its own committee, and figures above a
-- district are summed from the district rows when read, so that writes in different districts
-- never share a row.

-- Which committee levels a unit of each level counts.
CREATE TABLE representation_levels (
    unit_level TEXT NOT NULL,
    level      TEXT NOT NULL,
    PRIMARY KEY (unit_level, level)
);
INSERT INTO representation_levels (unit_level, level) VALUES
    ('national', 'national'), ('state', 'state'), ('parliamentary', 'parliamentary'),
    ('district', 'district'), ('district', 'assembly'), ('district', 'sector'), ('district', 'booth'),
    ('assembly', 'assembly'), ('assembly', 'sector'), ('assembly', 'booth'),
    ('sector', 'sector'), ('sector', 'booth'),
    ('booth', 'booth');

CREATE TABLE representation_counts (
    unit_id            BIGINT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    level              TEXT NOT NULL,
    seats              BIGINT NOT NULL DEFAULT 0,
    sc                 BIGINT NOT NULL DEFAULT 0,
    st                 BIGINT NOT NULL DEFAULT 0,
    obc                BIGINT NOT NULL DEFAULT 0,
    gen                BIGINT NOT NULL DEFAULT 0,
    minority           BIGINT NOT NULL DEFAULT 0,
    religion_unknown   BIGINT NOT NULL DEFAULT 0,
    sc_st_obc_minority BIGINT NOT NULL DEFAULT 0,
    male               BIGINT NOT NULL DEFAULT 0,
    female             BIGINT NOT NULL DEFAULT 0,
    other_gender       BIGINT NOT NULL DEFAULT 0,
    age_unknown        BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (unit_id, level)
);

-- Seats by birth year (known years only), for age bands as of the year a figure is read. A
-- writer holds the (unit_id, level) row of representation_counts before it touches these.
CREATE TABLE representation_ages (
    unit_id    BIGINT NOT NULL,
    level      TEXT NOT NULL,
    birth_year INTEGER NOT NULL,
    seats      BIGINT NOT NULL,
    PRIMARY KEY (unit_id, level, birth_year),
    FOREIGN KEY (unit_id, level) REFERENCES representation_counts (unit_id, level) ON DELETE CASCADE
);

INSERT INTO representation_counts (unit_id, level)
SELECT u.id, l.level FROM units u JOIN representation_levels l ON l.unit_level = u.level;

UPDATE representation_counts SET seats = x.seats, sc = x.sc, st = x.st, obc = x.obc, gen = x.gen, minority = x.minority,
    religion_unknown = x.religion_unknown, sc_st_obc_minority = x.sc_st_obc_minority, male = x.male, female = x.female,
    other_gender = x.other_gender, age_unknown = x.age_unknown
FROM (
    SELECT a.id AS unit_id, c.level AS level, count(*) AS seats,
        count(*) FILTER (WHERE p.category = 'SC') AS sc, count(*) FILTER (WHERE p.category = 'ST') AS st,
        count(*) FILTER (WHERE p.category = 'OBC') AS obc, count(*) FILTER (WHERE p.category = 'GEN') AS gen,
        count(*) FILTER (WHERE p.religion NOT IN ('hindu', 'none')) AS minority,
        count(*) FILTER (WHERE p.religion IS NULL) AS religion_unknown,
        count(*) FILTER (WHERE p.category <> 'GEN' OR p.religion NOT IN ('hindu', 'none')) AS sc_st_obc_minority,
        count(*) FILTER (WHERE p.gender = 'male') AS male, count(*) FILTER (WHERE p.gender = 'female') AS female,
        count(*) FILTER (WHERE p.gender = 'other') AS other_gender,
        count(*) FILTER (WHERE p.birth_year IS NULL) AS age_unknown
    FROM seats s
    JOIN units c ON c.id = s.unit_id
    JOIN people p ON p.id = s.person_id
    JOIN json_each('[' || replace(trim(c.path, '/'), '/', ',') || ']') AS anc
    JOIN units a ON a.id = anc.value
    JOIN representation_levels l ON l.unit_level = a.level AND l.level = c.level
    WHERE s.ended_at IS NULL
    GROUP BY a.id, c.level
) x
WHERE representation_counts.unit_id = x.unit_id AND representation_counts.level = x.level;

INSERT INTO representation_ages (unit_id, level, birth_year, seats)
SELECT a.id, c.level, p.birth_year, count(*)
FROM seats s
JOIN units c ON c.id = s.unit_id
JOIN people p ON p.id = s.person_id
JOIN json_each('[' || replace(trim(c.path, '/'), '/', ',') || ']') AS anc
JOIN units a ON a.id = anc.value
JOIN representation_levels l ON l.unit_level = a.level AND l.level = c.level
WHERE s.ended_at IS NULL AND p.birth_year IS NOT NULL
GROUP BY a.id, c.level, p.birth_year;

-- +goose Down
DROP TABLE representation_ages;
DROP TABLE representation_counts;
DROP TABLE representation_levels;
