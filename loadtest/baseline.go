package loadtest

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// The bare-SQL baseline: for each read endpoint, the statements the server issues for it, in
// order and as GORM sends them to PostgreSQL (placeholders $n; "$ids" stands for an IN list of
// ids, $1 to $k), run through pgx with the same parameters. Each entry names the service function
// it mirrors; when a query there changes, change it here (TestBareSQLMatchesTheServices compares
// the two and names the entry that drifted).
//
// Every authenticated request starts with the actor's load (services/auth.go Auth.actorFor), so
// every entry starts with sqlActor.

const (
	// services/auth.go Auth.actorFor: the account, the path of its scope unit and whether the
	// token's session is open.
	sqlActor = `SELECT users.*, units.path AS scope_path, CASE WHEN sessions.id IS NOT NULL AND sessions.revoked_at IS NULL THEN 1 ELSE 0 END AS session_live, COALESCE(write_marks.lsn, 0) AS wrote_lsn FROM "users" LEFT JOIN units ON units.id = users.scope_unit_id LEFT JOIN write_marks ON write_marks.user_id = users.id LEFT JOIN sessions ON sessions.id = $1 AND sessions.user_id = users.id WHERE users.id = $2 LIMIT $3`
	// services/units.go Units.visible: one unit by id (its scope is checked on the path, in Go).
	sqlUnit = `SELECT * FROM "units" WHERE id = $1 LIMIT $2`
	// services/representation.go Representation.sums: the counts rows, then the birth-year rows,
	// that a source query ($src: unit_id → k) maps to each k; $level: " AND r.level = $n" or "".
	sqlRepCounts = `SELECT g.k, sum(r.seats), sum(r.sc), sum(r.st), sum(r.obc), sum(r.gen), sum(r.minority), sum(r.religion_unknown), sum(r.sc_st_obc_minority), sum(r.male), sum(r.female), sum(r.other_gender), sum(r.age_unknown) FROM representation_counts r JOIN ($src) g ON g.unit_id = r.unit_id WHERE 1 = 1$level GROUP BY g.k`
	sqlRepAges   = `SELECT g.k, sum(CASE WHEN a.birth_year >= $1 THEN a.seats ELSE 0 END), sum(CASE WHEN a.birth_year < $2 AND a.birth_year >= $3 THEN a.seats ELSE 0 END), sum(CASE WHEN a.birth_year < $4 THEN a.seats ELSE 0 END) FROM representation_ages a JOIN ($src) g ON g.unit_id = a.unit_id WHERE 1 = 1$level GROUP BY g.k`
	// Representation.figureContext: the targets, then the census of the units and their ancestors.
	sqlRepTargets = `SELECT * FROM "representation_targets"`
	sqlRepCensus  = `SELECT "id","name","level","path","population_total","population_sc","population_st","population_muslim","population_minority" FROM "units" WHERE id IN ($ids) AND population_total > 0`

	// services/representation.go figureSource, by the unit's level: its own rows (district and
	// below), its own and its assemblies' (a Lok Sabha constituency), the rows of every district
	// and own committee under it (above a district).
	srcOwn           = `SELECT id AS unit_id, id AS k FROM units WHERE id = $1`
	srcParliamentary = `SELECT id AS unit_id, CAST($1 AS BIGINT) AS k FROM units WHERE id = $2 OR (level = 'assembly' AND parliamentary_id = $3)`
	srcAbove         = `SELECT id AS unit_id, CAST($1 AS BIGINT) AS k FROM units WHERE level IN ('national', 'state', 'parliamentary', 'district') AND path >= $2 AND path < $3`
	// Representation.Breakdown: each unit of the level under the unit maps its own rows.
	srcBreakdown = `SELECT id AS unit_id, id AS k FROM units WHERE level = $1 AND path >= $2 AND path < $3`
)

// services/people.go People.List with q, no under (people_search, people_search_hi), through
// services/search.go findPhased and services/scope.go findPage: first the people whose names
// start with the word (as written or as a phonetic key), then the others that contain it; each
// phase reads the next window of the scope in order, filtered by the word, and when that does not
// fill the page, the whole scope with the word, with plans forced custom (services/dialect.go
// customPlanned). q is one word in the load tool (services/search.go parseNameSearch).
var (
	sqlPeopleSearchWindow  = searchSQL("people", "people.path, people.id", true, 0)
	sqlPeopleSearch        = searchSQL("people", "people.path, people.id", false, 0)
	sqlPeopleSearchWindow2 = searchSQL("people", "people.path, people.id", true, 1)
	sqlPeopleSearch2       = searchSQL("people", "people.path, people.id", false, 1)
)

// searchSQL is a statement of findPage for a one-word q: the window (window) or the whole range,
// in the prefix phase (0) or the other (1).
func searchSQL(table, order string, window bool, phase int) string {
	first := 3
	if window {
		first = 4
	}
	like := func(n int) string { return fmt.Sprintf(`%s.search_text LIKE $%d ESCAPE '\'`, table, n) }
	cond := like(first)
	next := first + 1
	if phase == 1 {
		cond = fmt.Sprintf("(%s OR %s) AND NOT (%s)", like(first), like(first+1), like(first+2))
		next = first + 3
	}
	// services/people.go leaves erased people out of every list (privacy.go).
	live := ""
	if table == "people" {
		live = "people.erased_at IS NULL AND "
	}
	if window {
		scope := fmt.Sprintf("%s.path >= $1 AND %s.path < $2", table, table)
		if live != "" {
			scope = live + "(" + scope + ")"
		}
		return fmt.Sprintf(`SELECT * FROM (SELECT * FROM "%s" WHERE %s ORDER BY %s LIMIT $3) AS %s WHERE %s ORDER BY %s LIMIT $%d`,
			table, scope, order, table, cond, order, next)
	}
	if phase == 1 { // GORM brackets a condition that holds an AND or OR
		cond = "(" + cond + ")"
	}
	return fmt.Sprintf(`SELECT * FROM "%s" WHERE %s(%s.path >= $1 AND %s.path < $2) AND %s ORDER BY %s LIMIT $%d`, table, live, table, table, cond, order, next)
}

// searchArgs are the LIKE patterns of a one-word q in phase 0 (prefix) or 1 (the others), as
// services/search.go parseNameSearch makes them.
func searchArgs(q string, phase int) []any {
	p := likePattern(q)
	raw := p[1 : len(p)-1]
	key := models.Key(strings.ToLower(strings.TrimSpace(q)))
	keyStart := "%" + models.KeyMark + key + "%"
	keyPattern := keyStart
	if len(key) >= 3 {
		keyPattern = "%" + key + "%"
	}
	if phase == 0 {
		return []any{keyStart}
	}
	return []any{"%" + raw + "%", keyPattern, keyStart}
}

// pageLimit is services.DefaultLimit; lists fetch one row more to know whether a next page exists.
const pageLimit = 50

// The search windows of services/scope.go: the rows of the range a name search reads first.
const (
	peopleSearchWindow = 4000
	unitSearchWindow   = 1000
)

// bareSQL is the one table of bare SQL per read endpoint.
var bareSQL = map[string]bareEndpoint{
	// services/users.go Users.Get (GET /me): the account, then its scope unit.
	EpMe: {
		sql: []string{sqlActor,
			`SELECT * FROM "users" WHERE id = $1 LIMIT $2`,
			sqlUnit},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			if _, err := b.rows(ctx, sql[1], b.userID, 1); err != nil {
				return err
			}
			if b.scopeID != 0 {
				_, err := b.rows(ctx, sql[2], b.scopeID, 1)
				return err
			}
			return nil
		}},

	// services/units.go Units.Get: the unit, its ancestors, the count of its children.
	EpUnit: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "units" WHERE id IN ($ids) ORDER BY depth`,
			`SELECT count(*) FROM "units" WHERE parent_id = $1`,
			sqlTermNorm, sqlLapsed},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			path, level, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			if ids := models.PathIDs(path); len(ids) > 1 {
				if _, err := b.rows(ctx, expandIDs(sql[2], len(ids)-1), anys(ids[:len(ids)-1])...); err != nil {
					return err
				}
			}
			if _, err = b.rows(ctx, sql[3], b.unitID); err != nil {
				return err
			}
			return b.lapsed(ctx, []string{path}, []string{level}, []int64{b.unitID})
		}},

	// services/units.go Units.Children → Units.List with parent_id: the parent, then its
	// children (all inside the actor's scope when the parent is).
	EpChildren: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "units" WHERE parent_id = $1 AND units.id > $2 ORDER BY units.id LIMIT $3`,
			sqlTermNorm, sqlLapsed},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			if _, _, err := b.visible(ctx, sql[1], b.unitID); err != nil {
				return err
			}
			page, err := b.rows(ctx, sql[2], b.unitID, 0, pageLimit+1)
			if err != nil {
				return err
			}
			n := min(len(page.vals), pageLimit)
			page.vals = page.vals[:n]
			return b.lapsed(ctx, page.strs("path"), page.strs("level"), page.int64s("id", n))
		}},

	// services/committees.go Committees.Get: the unit, its norm, its current seats and their
	// holders (the composition is counted from those).
	EpCommittee: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "committee_norms" WHERE level = $1 LIMIT $2`,
			`SELECT * FROM "seats" WHERE seats.unit_id = $1 AND seats.ended_at IS NULL ORDER BY id`,
			`SELECT * FROM "people" WHERE id IN ($ids)`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			_, level, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			if _, err := b.rows(ctx, sql[2], level, 1); err != nil {
				return err
			}
			seats, err := b.rows(ctx, sql[3], b.unitID)
			if err != nil {
				return err
			}
			if len(seats.vals) > 0 {
				holders := seats.int64s("person_id", len(seats.vals))
				if _, err := b.rows(ctx, expandIDs(sql[4], len(holders)), anys(holders)...); err != nil {
					return err
				}
			}
			return nil
		}},

	// services/people.go People.List with under: the under unit, then a page of the people looked
	// after in its subtree (people.path range, in (path, id) order).
	EpPeopleList: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "people" WHERE people.erased_at IS NULL AND (people.path >= $1 AND people.path < $2) ORDER BY people.path, people.id LIMIT $3`,
			sqlPeopleSeats, sqlPeopleLoads, sqlPeopleUnits},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			path, _, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			ulo, uhi := models.SubtreeRange(path)
			page, err := b.rows(ctx, sql[2], ulo, uhi, pageLimit+1)
			if err != nil {
				return err
			}
			return b.describePeople(ctx, page)
		}},

	// services/people.go People.List with q in Latin script.
	EpPeopleSearch: {
		sql: []string{sqlActor, sqlPeopleSearchWindow, sqlPeopleSearch, sqlPeopleSearchWindow2, sqlPeopleSearch2, sqlPeopleSeats, sqlPeopleLoads, sqlPeopleUnits},
		run: barePeopleSearch},

	// services/people.go People.List with q in Devanagari.
	EpPeopleSearchHi: {
		sql: []string{sqlActor, sqlPeopleSearchWindow, sqlPeopleSearch, sqlPeopleSearchWindow2, sqlPeopleSearch2, sqlPeopleSeats, sqlPeopleLoads, sqlPeopleUnits},
		run: barePeopleSearch},

	// services/units.go Units.List with q: units inside the actor's scope whose names match, in
	// tree order, with plans forced custom (services/dialect.go customPlanned).
	EpUnitSearch: {
		sql: []string{sqlActor, searchSQL("units", "units.path", true, 0), searchSQL("units", "units.path", false, 0),
			searchSQL("units", "units.path", true, 1), searchSQL("units", "units.path", false, 1)},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			lo, hi := models.SubtreeRange(b.scopePath)
			_, err := b.phasedSearch(ctx, sql[1:5], lo, hi, unitSearchWindow)
			return err
		}},
}

// The representation reads (issue 9): each in one snapshot (services/dialect.go snapshotTx).
func init() {
	bareSQL[EpRepresentation] = bareEndpoint{
		// services/representation.go Representation.Figures; the statements of a district and
		// below (sql), a Lok Sabha constituency (alt[0]) and a unit above a district (alt[1]) differ
		// in their source only.
		sql: []string{sqlActor, sqlUnit, repSQL(sqlRepCounts, srcOwn, ""), repSQL(sqlRepAges, srcOwn, ""), sqlRepTargets, sqlTermNorm, sqlLapsed, sqlRepCensus},
		run: bareFigures,
	}
	bareSQL[EpRepresentationBooth] = bareEndpoint{
		sql: []string{sqlActor, sqlUnit, repSQL(sqlRepCounts, srcOwn, "r"), repSQL(sqlRepAges, srcOwn, "a"), sqlRepTargets, sqlTermNorm, sqlLapsed, sqlRepCensus},
		run: bareFigures,
	}
	// Representation.Breakdown: the units of the level, their sums, the targets and census.
	bareSQL[EpBreakdown] = bareEndpoint{
		sql: []string{sqlActor, sqlUnit, sqlBreakdownUnits, repSQL(sqlRepCounts, srcBreakdown, ""), repSQL(sqlRepAges, srcBreakdown, ""), sqlRepTargets, sqlTermNorm, sqlLapsed, sqlRepCensus},
		run: bareBreakdown,
	}
	bareSQL[EpBreakdownBooth] = bareEndpoint{
		sql: []string{sqlActor, sqlUnit, sqlBreakdownUnits, repSQL(sqlRepCounts, srcBreakdown, "r"), repSQL(sqlRepAges, srcBreakdown, "a"), sqlRepTargets, sqlTermNorm, sqlLapsed, sqlRepCensus},
		run: bareBreakdown,
	}
	// Representation.Gaps: the level's norm, the committees of the level under the unit with
	// their counts row, the targets and census.
	bareSQL[EpGaps] = bareEndpoint{
		sql: []string{sqlActor, sqlUnit,
			`SELECT * FROM "committee_norms" WHERE level = $1 LIMIT $2`,
			`SELECT u.id, u.level, u.code, u.name, u.name_hi, u.number, u.path, r.seats, r.sc, r.st, r.obc, r.gen, r.minority, r.religion_unknown, r.sc_st_obc_minority, r.male, r.female, r.other_gender, r.age_unknown FROM units u JOIN representation_counts r ON r.unit_id = u.id AND r.level = u.level WHERE u.level = $1 AND u.path >= $2 AND u.path < $3 ORDER BY u.path`,
			sqlRepTargets, sqlTermNorm, sqlLapsed, sqlRepCensus},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			return b.snapshot(ctx, func() error {
				path, _, err := b.visible(ctx, sql[1], b.unitID)
				if err != nil {
					return err
				}
				if _, err := b.rows(ctx, sql[2], "booth", 1); err != nil {
					return err
				}
				lo, hi := models.SubtreeRange(path)
				cs, err := b.rows(ctx, sql[3], "booth", lo, hi)
				if err != nil {
					return err
				}
				return b.figureContext(ctx, sql[4], sql[7], cs.strs("path"), nil, nil)
			})
		}}
}

// sqlBreakdownUnits: Representation.Breakdown's units of the level under the unit, in tree order.
// The coverage of units that store none (services/units.go coverageOf).
const (
	sqlCoverageAbove = `SELECT COALESCE(sum(booths), 0) AS booths, COALESCE(sum(booths_complete), 0) AS complete FROM units WHERE level = 'district' AND path >= $1 AND path < $2`
	sqlCoveragePC    = `SELECT parliamentary_id, sum(booths) AS booths, sum(booths_complete) AS complete FROM units WHERE parliamentary_id IN ($ids) AND level = 'assembly' GROUP BY parliamentary_id`
)

// Committees past their term (services/terms.go lapsedBooths): the booth norm, then the complete
// booths past term and grace, counted per unit, or read once for many units.
const (
	sqlTermNorm    = `SELECT * FROM "committee_norms" WHERE level = $1 LIMIT $2`
	sqlLapsed      = `SELECT count(*) FROM units WHERE level = 'booth' AND committee_complete AND path >= $1 AND path < $2 AND term_started_on <= $3`
	sqlLapsedRange = `SELECT path FROM units WHERE level = 'booth' AND committee_complete AND path >= $1 AND path < $2 AND term_started_on <= $3 LIMIT $4`
	sqlLapsedPC    = `SELECT count(*) FROM units a JOIN units b ON b.level = 'booth' AND b.committee_complete AND b.path >= a.path AND b.path < substr(a.path, 1, length(a.path) - 1) || '0' AND b.term_started_on <= $1 WHERE a.parliamentary_id = $2 AND a.level = 'assembly'`
)

// lapsed is lapsedBooths for the units of paths (levels and ids may be nil: booths).
func (b *bareCall) lapsed(ctx context.Context, paths, levels []string, ids []int64) error {
	if len(paths) == 0 {
		return nil
	}
	norm, err := b.rows(ctx, sqlTermNorm, "booth", 1)
	if err != nil || len(norm.vals) == 0 {
		return err
	}
	n := models.CommitteeNorm{TermMonths: int(norm.int64s("term_months", 1)[0]), GraceDays: int(norm.int64s("grace_days", 1)[0])}
	cutoff := string(services.LapseCutoff(n, models.DateOf(time.Now().In(services.IST))))
	levelAt := func(i int) string {
		if i < len(levels) {
			return levels[i]
		}
		return "booth"
	}
	ranged := false
	if len(paths) > 1 {
		lo, hi := "", ""
		for i, p := range paths {
			if levelAt(i) == "parliamentary" || p == "" {
				continue
			}
			l, h := models.SubtreeRange(p)
			if lo == "" || l < lo {
				lo = l
			}
			if h > hi {
				hi = h
			}
		}
		if lo != "" {
			r, err := b.rows(ctx, sqlLapsedRange, lo, hi, cutoff, services.LapsedReadMax+1)
			if err != nil {
				return err
			}
			ranged = len(r.vals) <= services.LapsedReadMax
		}
	}
	for i, p := range paths {
		switch {
		case levelAt(i) == "parliamentary":
			if _, err := b.rows(ctx, sqlLapsedPC, cutoff, ids[i]); err != nil {
				return err
			}
		case ranged || p == "":
		default:
			lo, hi := models.SubtreeRange(p)
			if _, err := b.rows(ctx, sqlLapsed, lo, hi, cutoff); err != nil {
				return err
			}
		}
	}
	return nil
}

const sqlBreakdownUnits = `SELECT * FROM "units" WHERE level = $1 AND path >= $2 AND path < $3 ORDER BY path`

// repSQL puts the source query src into a sums statement, its placeholders after the age
// bounds ($1 to $4) when the statement has them, and the level condition of alias (none: "").
func repSQL(stmt, src, alias string) string {
	first := 1
	if strings.Contains(stmt, "$4") {
		first = 5
	}
	n := strings.Count(src, "$")
	src = renumber(src, first)
	level := ""
	if alias != "" {
		level = " AND " + alias + ".level = $" + strconv.Itoa(first+n)
	}
	return strings.Replace(strings.Replace(stmt, "$src", src, 1), "$level", level, 1)
}

// renumber shifts the placeholders $1, $2, … of sql to start at first.
func renumber(sql string, first int) string {
	return placeholderNum.ReplaceAllStringFunc(sql, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n+first-1)
	})
}

var placeholderNum = regexp.MustCompile(`\$\d+`)

// levelOf is the committee level of an endpoint's figures: booth for the booth variants.
func levelOf(ep string) string {
	if ep == EpRepresentationBooth || ep == EpBreakdownBooth {
		return "booth"
	}
	return ""
}

// ageBounds are the birth years of Representation.sums' bands, this year.
func ageBounds() []any {
	y := time.Now().Year()
	return []any{y - 35, y - 35, y - 60, y - 60}
}

// sums runs the counts and ages statements with the source's arguments and the level.
func (b *bareCall) sums(ctx context.Context, counts, ages string, src []any) error {
	level := levelOf(b.ep)
	args := src
	if level != "" {
		args = append(slices.Clone(src), level)
	}
	if _, err := b.rows(ctx, counts, args...); err != nil {
		return err
	}
	_, err := b.rows(ctx, ages, append(ageBounds(), args...)...)
	return err
}

// figureContext reads the targets and the census of the units of paths and their ancestors.
func (b *bareCall) figureContext(ctx context.Context, targets, census string, paths, levels []string, unitIDs []int64) error {
	if _, err := b.rows(ctx, targets); err != nil {
		return err
	}
	// services/units.go coverageOf: a state or national unit sums its districts, a Lok Sabha
	// seat its assemblies; the others store their own.
	var pcs []int64
	for i, l := range levels {
		switch l {
		case "state", "national":
			lo, hi := models.SubtreeRange(paths[i])
			if _, err := b.rows(ctx, sqlCoverageAbove, lo, hi); err != nil {
				return err
			}
		case "parliamentary":
			pcs = append(pcs, unitIDs[i])
		}
	}
	for len(pcs) > 0 {
		chunk := pcs[:min(len(pcs), 5000)]
		pcs = pcs[len(chunk):]
		if _, err := b.rows(ctx, expandIDs(sqlCoveragePC, len(chunk)), anys(chunk)...); err != nil {
			return err
		}
	}
	if err := b.lapsed(ctx, paths, levels, unitIDs); err != nil {
		return err
	}
	var ids []int64
	for _, p := range paths {
		ids = append(ids, models.PathIDs(p)...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 5000)]
		ids = ids[len(chunk):]
		if _, err := b.rows(ctx, expandIDs(census, len(chunk)), anys(chunk)...); err != nil {
			return err
		}
	}
	return nil
}

// bareFigures is Representation.Figures: the unit, the sums of its source, targets and census.
func bareFigures(ctx context.Context, b *bareCall, sql []string) error {
	if err := b.actor(ctx, sql[0]); err != nil {
		return err
	}
	return b.snapshot(ctx, func() error {
		path, level, err := b.visible(ctx, sql[1], b.unitID)
		if err != nil {
			return err
		}
		counts, ages := sql[2], sql[3]
		src := []any{b.unitID}
		switch {
		case level == "parliamentary":
			src = []any{b.unitID, b.unitID, b.unitID}
			counts, ages = repSQL(sqlRepCounts, srcParliamentary, alias(b.ep, "r")), repSQL(sqlRepAges, srcParliamentary, alias(b.ep, "a"))
		case level == "national" || level == "state":
			lo, hi := models.SubtreeRange(path)
			src = []any{b.unitID, lo, hi}
			counts, ages = repSQL(sqlRepCounts, srcAbove, alias(b.ep, "r")), repSQL(sqlRepAges, srcAbove, alias(b.ep, "a"))
		}
		if err := b.sums(ctx, counts, ages, src); err != nil {
			return err
		}
		return b.figureContext(ctx, sql[4], sql[7], []string{path}, []string{level}, []int64{b.unitID})
	})
}

// alias is the table alias of the level condition for the endpoint's level, "" for none.
func alias(ep, a string) string {
	if levelOf(ep) == "" {
		return ""
	}
	return a
}

// bareBreakdown is Representation.Breakdown by the call's level.
func bareBreakdown(ctx context.Context, b *bareCall, sql []string) error {
	if err := b.actor(ctx, sql[0]); err != nil {
		return err
	}
	return b.snapshot(ctx, func() error {
		path, _, err := b.visible(ctx, sql[1], b.unitID)
		if err != nil {
			return err
		}
		lo, hi := models.SubtreeRange(path)
		units, err := b.rows(ctx, sql[2], b.by, lo, hi)
		if err != nil {
			return err
		}
		if err := b.sums(ctx, sql[3], sql[4], []any{b.by, lo, hi}); err != nil {
			return err
		}
		return b.figureContext(ctx, sql[5], sql[8], units.strs("path"), units.strs("level"), units.int64s("id", len(units.vals)))
	})
}

func barePeopleSearch(ctx context.Context, b *bareCall, sql []string) error {
	if err := b.actor(ctx, sql[0]); err != nil {
		return err
	}
	lo, hi := models.SubtreeRange(b.scopePath)
	page, err := b.phasedSearch(ctx, sql[1:5], lo, hi, peopleSearchWindow)
	if err != nil {
		return err
	}
	return b.describePeople(ctx, page)
}

// phasedSearch is services/search.go findPhased for a one-word q: the prefix phase (sql[0],
// sql[1]), then, when the page is not full, the others (sql[2], sql[3]).
func (b *bareCall) phasedSearch(ctx context.Context, sql []string, lo, hi string, window int) (bareRows, error) {
	page, err := b.windowedSearch(ctx, sql[0], sql[1], lo, hi, window, searchArgs(b.q, 0), pageLimit+1)
	if err != nil || len(page.vals) >= pageLimit+1 {
		return page, err
	}
	rest, err := b.windowedSearch(ctx, sql[2], sql[3], lo, hi, window, searchArgs(b.q, 1), pageLimit+1-len(page.vals))
	if err != nil {
		return page, err
	}
	if page.cols == nil {
		page.cols = rest.cols
	}
	page.vals = append(page.vals, rest.vals...)
	return page, nil
}

// The home units and current seats of a page of people (services/people.go describePeople).
const (
	sqlPeopleSeats = `SELECT "person_id","position","unit_id" FROM "seats" WHERE person_id IN ($ids) AND ended_at IS NULL ORDER BY person_id, unit_id`
	sqlPeopleUnits = `SELECT "id","level","code","name","name_hi","path" FROM "units" WHERE id IN ($ids)` // path: which seats the reader sees
	// The load: the assignments of each person active today ($9001, $9002: numbered after the ids when run).
	sqlPeopleLoads = `SELECT person_id, count(*) AS n FROM "assignments" WHERE person_id IN ($ids) AND starts_on <= $9001 AND (ends_on IS NULL OR ends_on > $9002) GROUP BY "person_id"`
)

// describePeople is services/people.go describePeople for the people of page (at most one page).
func (b *bareCall) describePeople(ctx context.Context, page bareRows) error {
	n := min(len(page.vals), pageLimit)
	if n == 0 {
		return nil
	}
	ids, units := page.int64s("id", n), page.int64s("unit_id", n)
	seats, err := b.rows(ctx, expandIDs(sqlPeopleSeats, len(ids)), anys(ids)...)
	if err != nil {
		return err
	}
	units = append(units, seats.int64s("unit_id", len(seats.vals))...)
	today := time.Now().In(time.FixedZone("IST", 5*3600+30*60)).Format("2006-01-02")
	loads := strings.NewReplacer("$9001", "$"+strconv.Itoa(len(ids)+1), "$9002", "$"+strconv.Itoa(len(ids)+2)).Replace(expandIDs(sqlPeopleLoads, len(ids)))
	if _, err := b.rows(ctx, loads, append(anys(ids), today, today)...); err != nil {
		return err
	}
	slices.Sort(units)
	units = slices.Compact(units)
	_, err = b.rows(ctx, expandIDs(sqlPeopleUnits, len(units)), anys(units)...)
	return err
}

// windowedSearch is services/scope.go findPage for a name search over [lo, hi): the window, and
// when it does not fill the page, the whole range with plans forced custom. It returns the page.
func (b *bareCall) windowedSearch(ctx context.Context, window, whole, lo, hi string, rows int, likes []any, limit int) (bareRows, error) {
	first, err := b.rows(ctx, window, append(append([]any{lo, hi, rows}, likes...), limit)...)
	if err != nil || len(first.vals) >= limit {
		return first, err
	}
	var out bareRows
	err = b.customPlanned(ctx, func() error {
		var err error
		out, err = b.rows(ctx, whole, append(append([]any{lo, hi}, likes...), limit)...)
		return err
	})
	return out, err
}

// customPlanned runs fn's statements as services/dialect.go customPlanned does: in a read-only
// transaction with plan_cache_mode = force_custom_plan.
func (b *bareCall) customPlanned(ctx context.Context, fn func() error) error {
	return b.inTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, "SET LOCAL plan_cache_mode = force_custom_plan", fn)
}

// snapshot runs fn's statements as services/dialect.go snapshotTx does: in a repeatable-read,
// read-only transaction.
func (b *bareCall) snapshot(ctx context.Context, fn func() error) error {
	return b.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, "", fn)
}

// inTx runs fn's statements in a transaction of opts, after the statement first (none: "").
func (b *bareCall) inTx(ctx context.Context, opts pgx.TxOptions, first string, fn func() error) error {
	tx, err := b.db.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	if first != "" {
		if _, err := tx.Exec(ctx, first); err != nil {
			return err
		}
	}
	b.tx = tx
	defer func() { b.tx = nil }()
	if err := fn(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// likePattern is the pattern services build from q (services/units.go escapeLike).
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// bareEndpoint is the SQL of one endpoint and how to run it with a call's parameters.
type bareEndpoint struct {
	sql []string
	run func(ctx context.Context, b *bareCall, sql []string) error
}

// errNotVisible: the unit lies outside the actor's scope, where the server answers 404.
var errNotVisible = errors.New("the unit is outside the actor's scope")

// bareCall runs one call's statements, each on a connection from the pool, as database/sql
// does for the server outside a transaction.
type bareCall struct {
	call
	db        *pgxpool.Pool
	scopeID   int64
	scopePath string
	trace     func(sql string) // sees each statement (for the tests)
	tx        pgx.Tx           // when set, statements run in it (customPlanned)
}

// bareRows are the values of a result.
type bareRows struct {
	cols []string
	vals [][]any
}

func (b *bareCall) rows(ctx context.Context, sql string, args ...any) (bareRows, error) {
	if b.trace != nil {
		b.trace(sql)
	}
	var rows pgx.Rows
	var err error
	if b.tx != nil {
		rows, err = b.tx.Query(ctx, sql, args...)
	} else {
		rows, err = b.db.Query(ctx, sql, args...)
	}
	if err != nil {
		return bareRows{}, err
	}
	defer rows.Close()
	var out bareRows
	for _, f := range rows.FieldDescriptions() {
		out.cols = append(out.cols, f.Name)
	}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return out, err
		}
		out.vals = append(out.vals, v)
	}
	return out, rows.Err()
}

func (r bareRows) col(name string) int {
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	return -1
}

// int64s returns column name of the first n rows.
func (r bareRows) int64s(name string, n int) []int64 {
	i := r.col(name)
	out := make([]int64, 0, n)
	for _, v := range r.vals[:n] {
		if i >= 0 {
			out = append(out, asInt64(v[i]))
		}
	}
	return out
}

// strs returns column name of every row.
func (r bareRows) strs(name string) []string {
	out := make([]string, 0, len(r.vals))
	for i := range r.vals {
		out = append(out, r.str(i, name))
	}
	return out
}

func (r bareRows) str(row int, name string) string {
	if i := r.col(name); i >= 0 && row < len(r.vals) {
		s, _ := r.vals[row][i].(string)
		return s
	}
	return ""
}

func asInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int16:
		return int64(n)
	}
	return 0
}

// actor runs sqlActor and keeps the scope.
func (b *bareCall) actor(ctx context.Context, sql string) error {
	r, err := b.rows(ctx, sql, b.sid, b.userID, 1)
	if err != nil {
		return err
	}
	if len(r.vals) == 0 {
		return errors.New("no such account")
	}
	b.scopePath = r.str(0, "scope_path")
	if i := r.col("scope_unit_id"); i >= 0 {
		b.scopeID = asInt64(r.vals[0][i])
	}
	if b.scopePath == "" {
		return errors.New("the account has no scope unit: an administrator's queries are not mirrored")
	}
	return nil
}

// visible loads a unit and checks it lies in the actor's scope; it returns its path and level.
func (b *bareCall) visible(ctx context.Context, sql string, id int64) (path, level string, err error) {
	r, err := b.rows(ctx, sql, id, 1)
	if err != nil {
		return "", "", err
	}
	path, level = r.str(0, "path"), r.str(0, "level")
	if len(r.vals) == 0 || !strings.HasPrefix(path, b.scopePath) {
		return "", "", errNotVisible
	}
	return path, level, nil
}

// expandIDs writes the placeholders of an IN list of n ids in place of $ids.
func expandIDs(sql string, n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			sb.WriteByte(',')
		}
		sb.WriteString("$" + strconv.Itoa(i))
	}
	return strings.Replace(sql, "$ids", sb.String(), 1)
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// BaselineReport describes the bare-SQL replay.
type BaselineReport struct {
	// Mode "replay": after the HTTP run, the same reads (the calls each client made, with their
	// parameters, in order) run as bare SQL by as many concurrent workers as there were clients.
	Mode         string   `json:"mode"`
	Clients      int      `json:"clients"`
	Conns        int      `json:"conns"`
	ElapsedS     float64  `json:"elapsed_s"`
	Calls        int64    `json:"calls"`
	ErrorSamples []string `json:"error_samples,omitempty"`

	byEndpoint map[string]*BareReport
}

// bareRunner holds the pool the baseline runs on.
type bareRunner struct {
	pool  *pgxpool.Pool
	conns int
}

func newBareRunner(ctx context.Context, url string, conns int) (*bareRunner, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("--baseline-db must be a postgres:// URL (the baseline mirrors the PostgreSQL queries)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	cfg.MaxConns = int32(conns)
	// The server's driver caches prepared statements per connection; so does this one.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	return &bareRunner{pool: pool, conns: conns}, nil
}

func (r *bareRunner) close() { r.pool.Close() }

// replay runs each client's recorded reads as bare SQL, one worker per client: first, unmeasured,
// for warmup (cycling through the calls), then each call once, measured, until duration ends.
func (r *bareRunner) replay(ctx context.Context, clients []*client, warmup, duration time.Duration) (*BaselineReport, error) {
	rep := &BaselineReport{Mode: "replay", Clients: len(clients), Conns: r.conns, byEndpoint: map[string]*BareReport{}}
	recs := map[string]*recorder{}
	for ep := range bareSQL {
		recs[ep] = newRecorder()
	}
	errs := &samples{max: 5}
	one := func(c call) (time.Duration, error) {
		e, ok := bareSQL[c.ep]
		if !ok {
			return 0, nil
		}
		b := &bareCall{call: c, db: r.pool}
		start := time.Now()
		err := e.run(ctx, b, e.sql)
		return time.Since(start), err
	}
	var wg sync.WaitGroup
	if warmup > 0 {
		until := time.Now().Add(warmup)
		for _, cl := range clients {
			if len(cl.calls) == 0 {
				continue
			}
			wg.Add(1)
			go func(calls []call) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil && time.Now().Before(until); i++ {
					_, _ = one(calls[i%len(calls)])
				}
			}(cl.calls)
		}
		wg.Wait()
	}
	start := time.Now()
	until := start.Add(duration)
	var mu sync.Mutex
	for _, cl := range clients {
		wg.Add(1)
		go func(calls []call) {
			defer wg.Done()
			n := int64(0)
			for _, c := range calls {
				if ctx.Err() != nil || !time.Now().Before(until) {
					break
				}
				d, err := one(c)
				if ctx.Err() != nil {
					break
				}
				n++
				if err != nil {
					errs.add(fmt.Sprintf("%s (user %d, unit %d): %v", c.ep, c.userID, c.unitID, err))
					recs[c.ep].add(outcomeError, answer{err: err})
					continue
				}
				recs[c.ep].add(outcomeOK, answer{status: 200, elapsed: d})
			}
			mu.Lock()
			rep.Calls += n
			mu.Unlock()
		}(cl.calls)
	}
	wg.Wait()
	rep.ElapsedS = time.Since(start).Seconds()
	rep.ErrorSamples = errs.list
	for ep, rec := range recs {
		rec.mu.Lock()
		count := int64(0)
		for _, v := range rec.statuses {
			count += v
		}
		if count > 0 {
			rep.byEndpoint[ep] = &BareReport{Count: count, Errors: rec.errors, Latency: latencyOf(rec.hist)}
		}
		rec.mu.Unlock()
	}
	return rep, ctx.Err()
}

// The raw scan: what the representation endpoints answer, counted straight from the current
// seats and their holders (seats ⨝ people ⨝ units), as a query would without the rollups of
// services/representation_rollup.go. It is the yardstick of issue 9 ("at least 50× faster than
// the raw scan"); TestBareSQLMatchesTheServices checks that it counts what the services report.
const (
	// The counts of repColumns, then the three age bands (bounds $1 to $4, as Representation.sums).
	rawColumns = `count(*), ` +
		`count(*) FILTER (WHERE p.category = 'SC'), count(*) FILTER (WHERE p.category = 'ST'), ` +
		`count(*) FILTER (WHERE p.category = 'OBC'), count(*) FILTER (WHERE p.category = 'GEN'), ` +
		`count(*) FILTER (WHERE p.religion NOT IN ('hindu', 'none', '')), count(*) FILTER (WHERE p.religion IS NULL), ` +
		`count(*) FILTER (WHERE p.category NOT IN ('GEN', '') OR p.religion NOT IN ('hindu', 'none', '')), ` +
		`count(*) FILTER (WHERE p.gender = 'male'), count(*) FILTER (WHERE p.gender = 'female'), count(*) FILTER (WHERE p.gender = 'other'), ` +
		`count(*) FILTER (WHERE p.birth_year IS NULL), ` +
		`count(*) FILTER (WHERE p.birth_year >= $1), count(*) FILTER (WHERE p.birth_year < $2 AND p.birth_year >= $3), ` +
		`count(*) FILTER (WHERE p.birth_year < $4)`
	rawJoin  = ` FROM seats s JOIN people p ON p.id = s.person_id JOIN units c ON c.id = s.unit_id`
	rawWhere = ` WHERE s.ended_at IS NULL AND c.path >= $5 AND c.path < $6`
	// The figures of a unit: every current seat of a committee in its subtree.
	sqlRawFigures = `SELECT ` + rawColumns + rawJoin + rawWhere
	// A breakdown: the same grouped by the child of the unit each committee lies under ($7: that
	// child's place in the path), kept when the child is of the level asked for ($8).
	sqlRawBreakdown = `SELECT d.id, ` + rawColumns + rawJoin +
		` JOIN units d ON d.id = CAST(NULLIF(split_part(c.path, '/', $7), '') AS BIGINT) AND d.level = $8` + rawWhere
)

// rawWidth is the width of a raw scan's row: repColumns and the three age bands.
const rawWidth = 15

// RawFigures are the counts of one unit as the raw scan finds them, in the order of rawColumns.
type RawFigures [rawWidth]int64

// rawScan is one call's raw scan, its statement and arguments ready.
type rawScan struct {
	unitID int64
	sql    string
	args   []any
}

// rawScanOf prepares the raw scan of a representation call (ok false for other endpoints): it
// reads the unit's path, which is not part of the scan. The breakdown is by the unit's children's
// level, as the load asks for it.
func rawScanOf(ctx context.Context, db *pgxpool.Pool, c call) (rawScan, bool, error) {
	var grouped bool
	switch c.ep {
	case EpRepresentation, EpRepresentationBooth:
	case EpBreakdown, EpBreakdownBooth:
		grouped = true
	default:
		return rawScan{}, false, nil
	}
	var path string
	if err := db.QueryRow(ctx, `SELECT path FROM units WHERE id = $1`, c.unitID).Scan(&path); err != nil {
		return rawScan{}, false, fmt.Errorf("raw scan of %s, unit %d: %w", c.ep, c.unitID, err)
	}
	lo, hi := models.SubtreeRange(path)
	r := rawScan{unitID: c.unitID, sql: sqlRawFigures, args: append(ageBounds(), lo, hi)}
	if grouped {
		r.sql = sqlRawBreakdown + " GROUP BY d.id"
		r.args = append(r.args, len(models.PathIDs(path))+2, c.by)
	}
	if level := levelOf(c.ep); level != "" {
		n := len(r.args) + 1
		if grouped {
			r.sql = strings.Replace(r.sql, " GROUP BY", " AND c.level = $"+strconv.Itoa(n)+" GROUP BY", 1)
		} else {
			r.sql += " AND c.level = $" + strconv.Itoa(n)
		}
		r.args = append(r.args, level)
	}
	return r, true, nil
}

// run scans, on one connection as a single query, and returns the counts by unit.
func (r rawScan) run(ctx context.Context, db *pgxpool.Pool) (map[int64]RawFigures, error) {
	rows, err := db.Query(ctx, r.sql, r.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]RawFigures{}
	grouped := strings.Contains(r.sql, "GROUP BY")
	for rows.Next() {
		var f RawFigures
		k := r.unitID
		dest := make([]any, 0, rawWidth+1)
		if grouped {
			dest = append(dest, &k)
		}
		for i := range f {
			dest = append(dest, &f[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if f[0] > 0 {
			out[k] = f
		}
	}
	return out, rows.Err()
}

// RawReport is the raw scan's figures for one endpoint (--raw-runs) and how many times the
// endpoint is faster, per percentile (raw scan / endpoint).
type RawReport struct {
	Count   int64 `json:"count"`
	Errors  int64 `json:"errors"`
	Latency       // of the raw scan
	Speedup struct {
		P50 float64 `json:"p50"`
		P95 float64 `json:"p95"`
	} `json:"speedup"`
}

// rawScans times runs raw scans of each representation endpoint the clients called, one at a
// time, cycling through the distinct calls each endpoint made (unit, level, by), each scanned
// once unmeasured first so that both sides read a warm cache.
func (r *bareRunner) rawScans(ctx context.Context, clients []*client, runs int) (map[string]*RawReport, error) {
	type key struct {
		ep     string
		unitID int64
		by     string
	}
	seen := map[key]bool{}
	byEp := map[string][]rawScan{}
	var eps []string
	for _, cl := range clients {
		for _, c := range cl.calls {
			k := key{c.ep, c.unitID, c.by}
			if seen[k] {
				continue
			}
			seen[k] = true
			scan, ok, err := rawScanOf(ctx, r.pool, c)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if _, err := scan.run(ctx, r.pool); err != nil {
				return nil, fmt.Errorf("raw scan of %s: %w", c.ep, err)
			}
			if byEp[c.ep] == nil {
				eps = append(eps, c.ep)
			}
			byEp[c.ep] = append(byEp[c.ep], scan)
		}
	}
	out := map[string]*RawReport{}
	for _, ep := range eps {
		rec := newRecorder()
		for i := 0; i < runs && ctx.Err() == nil; i++ {
			start := time.Now()
			_, err := byEp[ep][i%len(byEp[ep])].run(ctx, r.pool)
			if err != nil {
				rec.add(outcomeError, answer{err: err})
				continue
			}
			rec.add(outcomeOK, answer{status: 200, elapsed: time.Since(start)})
		}
		out[ep] = &RawReport{Count: rec.hist.TotalCount(), Errors: rec.errors, Latency: latencyOf(rec.hist)}
	}
	return out, ctx.Err()
}
