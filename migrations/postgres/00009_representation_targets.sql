-- +goose Up
-- Representation targets per committee level: for each group (women; SC, ST, OBC, minority; the
-- four together), a minimum share of a committee's seats, or "at least the census share" of the
-- unit (its own census figures, else the nearest ancestor's). Edited by admin and state office.
CREATE TABLE representation_targets (
    level     TEXT NOT NULL CHECK (level IN ('national','state','district','parliamentary','assembly','sector','booth')),
    grp       TEXT NOT NULL CHECK (grp IN ('women','SC','ST','OBC','minority','sc_st_obc_minority')),
    min_share DOUBLE PRECISION CHECK (min_share IS NULL OR (min_share >= 0 AND min_share <= 1)),
    census    BOOLEAN NOT NULL DEFAULT FALSE,
    CHECK ((min_share IS NULL) = census),
    CHECK (NOT census OR grp IN ('SC','ST','minority')),
    PRIMARY KEY (level, grp)
);
INSERT INTO representation_targets (level, grp, min_share, census)
SELECT l.level, g.grp, g.min_share, g.census
FROM (SELECT 'national' AS level UNION ALL SELECT 'state' UNION ALL SELECT 'district' UNION ALL SELECT 'parliamentary'
      UNION ALL SELECT 'assembly' UNION ALL SELECT 'sector' UNION ALL SELECT 'booth') l
CROSS JOIN (SELECT 'women' AS grp, 0.33 AS min_share, FALSE AS census
            UNION ALL SELECT 'sc_st_obc_minority', 0.5, FALSE
            UNION ALL SELECT 'SC', NULL, TRUE
            UNION ALL SELECT 'ST', NULL, TRUE) g;

-- +goose Down
DROP TABLE representation_targets;
