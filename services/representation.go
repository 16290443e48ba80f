package services

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Figures is the representation of the current seats of a unit's committees: those of one
// committee level under it, or of every level (its own committee included). Read from the rows
// of representation_rollup.go; a unit above a district sums its districts' rows.
type Figures struct {
	Unit            models.Unit
	Level           *models.Level
	Seats           int64
	ByCategory      map[string]int64 // SC, ST, OBC, GEN
	Minority        int64            // seats held by someone of a religion other than hindu (or none)
	ReligionUnknown int64
	ByGender        map[string]int64 // male, female, other
	ByAge           map[string]int64 // 18_35, 36_60, 60_plus, unknown: age this year from birth_year
	Shares          map[string]float64
	Targets         map[string]float64 // the minimum share of each group with a target, census targets resolved
	Gap             map[string]float64 // share minus target: below zero is below target
	Population      *Census
	Coverage        Coverage
}

// Census is the census a unit's figures are held against: its own, else its nearest
// ancestor's.
type Census struct {
	UnitID   int64
	UnitName string
	Total    int64
	Shares   map[string]float64 // SC, ST, minority
}

// The age bands, as of the current year: 18–35, 36–60 and over 60 (61 and older).
var ageBands = []string{"18_35", "36_60", "60_plus"}

// repSum is the counts of a figure before shares: the counts columns and the age bands.
type repSum struct {
	v    repVec
	ages [3]int64
}

// Figures returns the representation of the committees at level (nil: every level) under the
// unit. Returns NotFound outside the actor's scope, Invalid for an unknown level. Every role may
// read figures: they carry no names.
func (s *Representation) Figures(ctx context.Context, actor Actor, unitID int64, level *models.Level) (Figures, error) {
	if level != nil && !level.Valid() {
		return Figures{}, invalid("level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
	}
	var out Figures
	err := snapshotTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.units.visible(tx, actor, unitID, "")
		if err != nil {
			return err
		}
		src, args := figureSource(u)
		sums, err := s.sums(tx, src, args, level)
		if err != nil {
			return err
		}
		ctx, err := s.figureContext(tx, []models.Unit{u})
		if err != nil {
			return err
		}
		out = ctx.figures(u, level, sums[u.ID])
		return nil
	})
	return out, err
}

// figureSource is the query that maps the rows summed for unit u's figures to u's id: its own
// rows from district level down; for a Lok Sabha constituency its own committee's row and the
// rows of its assemblies; above a district, the rows of every district (and every own committee
// above the district level) under it.
func figureSource(u models.Unit) (string, []any) {
	switch {
	case countsSubtree(u.Level):
		return "SELECT id AS unit_id, id AS k FROM units WHERE id = ?", []any{u.ID}
	case u.Level == models.LevelParliamentary:
		return "SELECT id AS unit_id, CAST(? AS BIGINT) AS k FROM units WHERE id = ? OR (level = 'assembly' AND parliamentary_id = ?)", []any{u.ID, u.ID, u.ID}
	}
	lo, hi := models.SubtreeRange(u.Path)
	return "SELECT id AS unit_id, CAST(? AS BIGINT) AS k FROM units WHERE level IN ('national', 'state', 'parliamentary', 'district') AND path >= ? AND path < ?",
		[]any{u.ID, lo, hi}
}

// sums adds up the rows that src (a query of unit_id and k) maps to each k, at level or every level.
func (s *Representation) sums(tx *gorm.DB, src string, args []any, level *models.Level) (map[int64]*repSum, error) {
	levelCond, levelArgs := "", []any{}
	if level != nil {
		levelCond, levelArgs = " AND r.level = ?", []any{*level}
	}
	cols := make([]string, len(repColumns))
	for i, c := range repColumns {
		cols[i] = "sum(r." + c + ")"
	}
	out := map[int64]*repSum{}
	rows, err := tx.Raw("SELECT g.k, "+strings.Join(cols, ", ")+" FROM representation_counts r JOIN ("+src+") g ON g.unit_id = r.unit_id WHERE 1 = 1"+
		levelCond+" GROUP BY g.k", append(slices.Clone(args), levelArgs...)...).Rows()
	if err != nil {
		return nil, dbErr("representation: read", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int64
		sum := &repSum{}
		dest := []any{&k}
		for i := range sum.v {
			dest = append(dest, &sum.v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, dbErr("representation: read", err)
		}
		out[k] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("representation: read", err)
	}
	y := s.now().Year()
	// Born in y-35 or later: 18–35; y-60 … y-36: 36–60; y-61 or earlier: over 60.
	q := "SELECT g.k, sum(CASE WHEN a.birth_year >= ? THEN a.seats ELSE 0 END), " +
		"sum(CASE WHEN a.birth_year < ? AND a.birth_year >= ? THEN a.seats ELSE 0 END), " +
		"sum(CASE WHEN a.birth_year < ? THEN a.seats ELSE 0 END) " +
		"FROM representation_ages a JOIN (" + src + ") g ON g.unit_id = a.unit_id WHERE 1 = 1" + strings.ReplaceAll(levelCond, "r.", "a.") + " GROUP BY g.k"
	ageArgs := append(append([]any{y - 35, y - 35, y - 60, y - 60}, args...), levelArgs...)
	arows, err := tx.Raw(q, ageArgs...).Rows()
	if err != nil {
		return nil, dbErr("representation: read ages", err)
	}
	defer arows.Close()
	for arows.Next() {
		var k int64
		var a [3]int64
		if err := arows.Scan(&k, &a[0], &a[1], &a[2]); err != nil {
			return nil, dbErr("representation: read ages", err)
		}
		if sum := out[k]; sum != nil {
			sum.ages = a
		}
	}
	return out, arows.Err()
}

// figureContext is what figures are held against: the targets, and the census of the units
// figures are made for and of their ancestors.
type figureContext struct {
	targets  map[models.Level][]Target
	census   map[int64]models.Unit // units with a population, by id
	coverage map[int64]Coverage    // of the units figures are made for
}

func (s *Representation) figureContext(tx *gorm.DB, units []models.Unit) (*figureContext, error) {
	ts, err := readTargets(tx)
	if err != nil {
		return nil, err
	}
	cov, err := coverageOf(tx, todayIST(s.now), units)
	if err != nil {
		return nil, err
	}
	c := &figureContext{targets: map[models.Level][]Target{}, census: map[int64]models.Unit{}, coverage: cov}
	for _, lt := range ts {
		c.targets[lt.Level] = lt.Targets
	}
	var ids []int64
	for _, u := range units {
		ids = append(ids, models.PathIDs(u.Path)...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for _, chunk := range chunks(ids, 5000) {
		var us []models.Unit
		if err := tx.Select("id", "name", "level", "path", "population_total", "population_sc", "population_st", "population_muslim", "population_minority").
			Where("id IN ? AND population_total > 0", chunk).Find(&us).Error; err != nil {
			return nil, dbErr("representation: census", err)
		}
		for _, u := range us {
			c.census[u.ID] = u
		}
	}
	return c, nil
}

// population is the census of u: its own, else its nearest ancestor's; nil when none has one.
func (c *figureContext) population(u models.Unit) *Census {
	ids := models.PathIDs(u.Path)
	for i := len(ids) - 1; i >= 0; i-- {
		cu, ok := c.census[ids[i]]
		if !ok {
			continue
		}
		total := float64(*cu.PopulationTotal)
		p := &Census{UnitID: cu.ID, UnitName: cu.Name, Total: *cu.PopulationTotal, Shares: map[string]float64{}}
		if cu.PopulationSC != nil {
			p.Shares["SC"] = float64(*cu.PopulationSC) / total
		}
		if cu.PopulationST != nil {
			p.Shares["ST"] = float64(*cu.PopulationST) / total
		}
		switch {
		case cu.PopulationMinority != nil:
			p.Shares["minority"] = float64(*cu.PopulationMinority) / total
		case cu.PopulationMuslim != nil:
			p.Shares["minority"] = float64(*cu.PopulationMuslim) / total
		}
		return p
	}
	return nil
}

// resolved returns the minimum share of each group with a target on committees of level, census
// targets from pop (a census target without a census figure is no target).
func (c *figureContext) resolved(level models.Level, pop *Census) map[string]float64 {
	out := map[string]float64{}
	for _, t := range c.targets[level] {
		switch {
		case t.MinShare != nil:
			out[t.Group] = *t.MinShare
		case t.Census && pop != nil:
			if v, ok := pop.Shares[t.Group]; ok {
				out[t.Group] = v
			}
		}
	}
	return out
}

// groupCount is how many seats of the counts v a target group holds.
func groupCount(v repVec, group string) int64 {
	switch group {
	case "women":
		return v[rFemale]
	case "SC":
		return v[rSC]
	case "ST":
		return v[rST]
	case "OBC":
		return v[rOBC]
	case "minority":
		return v[rMinority]
	case "sc_st_obc_minority":
		return v[rDisadvantaged]
	}
	return 0
}

// figures makes the figures of u from its sums (nil: no seats).
func (c *figureContext) figures(u models.Unit, level *models.Level, sum *repSum) Figures {
	if sum == nil {
		sum = &repSum{}
	}
	v := sum.v
	f := Figures{Unit: u, Level: level, Seats: v[rSeats],
		ByCategory:      map[string]int64{"SC": v[rSC], "ST": v[rST], "OBC": v[rOBC], "GEN": v[rGEN]},
		Minority:        v[rMinority],
		ReligionUnknown: v[rReligionUnknown],
		ByGender:        map[string]int64{"male": v[rMale], "female": v[rFemale], "other": v[rOther]},
		ByAge:           map[string]int64{"18_35": sum.ages[0], "36_60": sum.ages[1], "60_plus": sum.ages[2], "unknown": v[rAgeUnknown]},
		Coverage:        c.coverage[u.ID],
	}
	share := func(n int64) float64 {
		if f.Seats == 0 {
			return 0
		}
		return float64(n) / float64(f.Seats)
	}
	f.Shares = map[string]float64{}
	for k, n := range f.ByCategory {
		f.Shares[k] = share(n)
	}
	for k, n := range f.ByGender {
		f.Shares[k] = share(n)
	}
	for _, k := range ageBands {
		f.Shares[k] = share(f.ByAge[k])
	}
	f.Shares["age_unknown"] = share(v[rAgeUnknown])
	f.Shares["minority"] = share(v[rMinority])
	f.Shares["religion_unknown"] = share(v[rReligionUnknown])
	f.Shares["sc_st_obc_minority"] = share(v[rDisadvantaged])
	f.Shares["women"] = share(v[rFemale])
	f.Population = c.population(u)
	tl := u.Level
	if level != nil {
		tl = *level
	}
	f.Targets = c.resolved(tl, f.Population)
	f.Gap = map[string]float64{}
	for g, t := range f.Targets {
		f.Gap[g] = f.Shares[g] - t
	}
	return f
}

// BreakdownLevels are the levels a breakdown may be made by.
var BreakdownLevels = []models.Level{models.LevelDistrict, models.LevelParliamentary, models.LevelAssembly, models.LevelSector}

// levelRank orders the levels of the tree, the national level first (a Lok Sabha constituency
// ranks with the district, under the state).
func levelRank(l models.Level) int {
	switch l {
	case models.LevelNational:
		return 0
	case models.LevelState:
		return 1
	case models.LevelDistrict, models.LevelParliamentary:
		return 2
	case models.LevelAssembly:
		return 3
	case models.LevelSector:
		return 4
	}
	return 5
}

// BreakdownRequest asks for the figures of each unit of level By under a unit.
type BreakdownRequest struct {
	By    models.Level
	Level *models.Level
	Sort  string // "name" (tree order, the default), "seats", "coverage", "shares.KEY" or "gap.KEY"; "-" before it for descending
	Page  PageRequest
}

// Breakdown returns the figures of every unit of level By under the unit (by Lok Sabha
// constituency: those whose path lies under it, each with its assemblies; under a Lok Sabha
// constituency, by assembly: the assemblies that point at it), sorted and paginated.
// Returns Invalid naming by, level, sort, limit or cursor; NotFound outside scope.
func (s *Representation) Breakdown(ctx context.Context, actor Actor, unitID int64, r BreakdownRequest) (Page[Figures], error) {
	if !slices.Contains(BreakdownLevels, r.By) {
		return Page[Figures]{}, invalid("by", "one_of", map[string]any{"allowed": BreakdownLevels}, "must be %s", oneOf(BreakdownLevels))
	}
	if r.Level != nil && !r.Level.Valid() {
		return Page[Figures]{}, invalid("level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
	}
	key, desc, err := parseFigureSort(r.Sort)
	if err != nil {
		return Page[Figures]{}, err
	}
	limit, after, err := figurePage(r.Page)
	if err != nil {
		return Page[Figures]{}, err
	}
	var all []Figures
	err = snapshotTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.units.visible(tx, actor, unitID, "")
		if err != nil {
			return err
		}
		lo, hi := models.SubtreeRange(u.Path)
		rowsQ := tx.Where("level = ? AND path >= ? AND path < ?", r.By, lo, hi)
		src := "SELECT id AS unit_id, id AS k FROM units WHERE level = ? AND path >= ? AND path < ?"
		args := []any{r.By, lo, hi}
		switch {
		case u.Level == models.LevelParliamentary && r.By == models.LevelAssembly:
			// A Lok Sabha seat's assemblies point at it rather than lie under it.
			rowsQ = tx.Where("level = 'assembly' AND parliamentary_id = ?", u.ID)
			src, args = "SELECT id AS unit_id, id AS k FROM units WHERE level = 'assembly' AND parliamentary_id = ?", []any{u.ID}
		case levelRank(r.By) <= levelRank(u.Level) || (r.By == models.LevelParliamentary && levelRank(u.Level) > levelRank(models.LevelState)):
			return invalid("by", "level_not_under", map[string]any{"level": u.Level, "by": r.By}, "a %s has no %s under it", u.Level, r.By)
		}
		var rows []models.Unit
		if err := rowsQ.Order("path").Find(&rows).Error; err != nil {
			return dbErr("representation: breakdown", err)
		}
		if r.By == models.LevelParliamentary {
			src += " UNION ALL SELECT a.id AS unit_id, a.parliamentary_id AS k FROM units a JOIN units pc ON pc.id = a.parliamentary_id " +
				"WHERE a.level = 'assembly' AND pc.path >= ? AND pc.path < ?"
			args = append(args, lo, hi)
		}
		sums, err := s.sums(tx, src, args, r.Level)
		if err != nil {
			return err
		}
		fc, err := s.figureContext(tx, rows)
		if err != nil {
			return err
		}
		all = make([]Figures, len(rows))
		for i, ru := range rows {
			all[i] = fc.figures(ru, r.Level, sums[ru.ID])
		}
		return nil
	})
	if err != nil {
		return Page[Figures]{}, err
	}
	value := func(f Figures) float64 { return figureValue(f, key) }
	slices.SortStableFunc(all, func(a, b Figures) int {
		if c := compareFigure(value(a), value(b), a.Unit.Path, b.Unit.Path, desc); c != 0 {
			return c
		}
		return 0
	})
	start := 0
	if after != nil {
		start = len(all)
		for i, f := range all {
			if compareFigure(value(f), after.V, f.Unit.Path, after.P, desc) > 0 {
				start = i
				break
			}
		}
	}
	rest := all[start:]
	return paginateBy(rest, limit, func(f Figures) string { return encodeFigureCursor(value(f), f.Unit.Path) }), nil
}

// compareFigure orders two rows by value (descending when desc), then by path.
func compareFigure(va, vb float64, pa, pb string, desc bool) int {
	if va != vb {
		c := -1
		if va > vb {
			c = 1
		}
		if desc {
			c = -c
		}
		return c
	}
	return strings.Compare(pa, pb)
}

// FigureSortKeys are the keys a breakdown sorts by besides shares.* and gap.*.
var figureShareKeys = []string{"SC", "ST", "OBC", "GEN", "minority", "religion_unknown", "sc_st_obc_minority", "women",
	"male", "female", "other", "18_35", "36_60", "60_plus", "age_unknown"}

// parseFigureSort reads a breakdown's sort: its key ("" for tree order) and direction.
func parseFigureSort(sort string) (string, bool, error) {
	desc := strings.HasPrefix(sort, "-")
	k := strings.TrimPrefix(sort, "-")
	switch {
	case k == "" || k == "name":
		return "", desc, nil
	case k == "seats" || k == "coverage":
		return k, desc, nil
	case strings.HasPrefix(k, "shares.") && slices.Contains(figureShareKeys, strings.TrimPrefix(k, "shares.")),
		strings.HasPrefix(k, "gap.") && slices.Contains(TargetGroups, strings.TrimPrefix(k, "gap.")):
		return k, desc, nil
	}
	return "", false, invalid("sort", "sort_invalid", nil, "must be name, seats, coverage, shares.{%s} or gap.{%s}, with - before it for descending",
		strings.Join(figureShareKeys, ","), strings.Join(TargetGroups, ","))
}

// figureValue is the value a breakdown row sorts by. A gap with no target sorts as no gap.
func figureValue(f Figures, key string) float64 {
	switch {
	case key == "":
		return 0
	case key == "seats":
		return float64(f.Seats)
	case key == "coverage":
		return f.Coverage.Share()
	case strings.HasPrefix(key, "shares."):
		return f.Shares[strings.TrimPrefix(key, "shares.")]
	}
	return f.Gap[strings.TrimPrefix(key, "gap.")]
}

// figurePage reads the limit and cursor of a computed list (breakdown, gaps), whose cursor is
// the sort value and path of the last row.
func figurePage(pr PageRequest) (int, *figureCursor, error) {
	limit := pr.Limit
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return 0, nil, invalid("limit", "out_of_range", map[string]any{"min": 1, "max": MaxLimit}, "must be between 1 and %d", MaxLimit)
	}
	after, err := decodeFigureCursor(pr.Cursor)
	return limit, after, err
}

type figureCursor struct {
	V float64 `json:"v"`
	P string  `json:"p"`
}

func encodeFigureCursor(v float64, path string) string {
	b, _ := json.Marshal(figureCursor{V: v, P: path})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFigureCursor(s string) (*figureCursor, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c figureCursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.P == "" || math.IsNaN(c.V) {
		return nil, invalid("cursor", "cursor_invalid", nil, "is not a cursor this list gave")
	}
	return &c, nil
}

// seatsFor is how many of size seats a target share t asks for: at least t of them (rounded
// up) for a minimum share; for a census share, the nearest whole number of seats, so that a
// community of 0.2 % does not ask one seat of every ten-member committee.
func seatsFor(t float64, size int64, census bool) int64 {
	x := t * float64(size)
	if census {
		return int64(math.Floor(x + 0.5))
	}
	return int64(math.Ceil(x - 1e-9))
}

// Gap is one committee below its targets and what it lacks, in seats.
type Gap struct {
	Unit      models.Unit
	Seats     int64
	Size      int64 // the seats the targets are counted on: the seats filled, at least the level's minimum
	Shortfall int64
	Lacks     []Lack
}

// Lack is how many more seats a group needs to reach its target.
type Lack struct {
	Group string
	Seats int64
}

// Summary says what the committee lacks, in English: "2 more women, 1 more SC member".
func (g Gap) Summary() string {
	parts := make([]string, len(g.Lacks))
	for i, l := range g.Lacks {
		var noun string
		switch l.Group {
		case "women":
			noun = "women"
			if l.Seats == 1 {
				noun = "woman"
			}
		case "sc_st_obc_minority":
			noun = "SC/ST/OBC/minority members"
		default:
			noun = l.Group + " members"
		}
		if l.Seats == 1 {
			noun = strings.TrimSuffix(noun, "s")
		}
		parts[i] = fmt.Sprintf("%d more %s", l.Seats, noun)
	}
	return strings.Join(parts, ", ")
}

// Gaps returns the committees of level under the unit that hold seats and are below a target,
// the largest total shortfall first (then in tree order). A committee of size n needs
// seatsFor(target, n) seats of each group, where n is its seats filled but at least the level's
// minimum committee size.
// Returns Invalid naming level, limit or cursor; NotFound outside scope.
func (s *Representation) Gaps(ctx context.Context, actor Actor, unitID int64, level models.Level, pr PageRequest) (Page[Gap], error) {
	if !level.Valid() {
		return Page[Gap]{}, invalid("level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
	}
	limit, after, err := figurePage(pr)
	if err != nil {
		return Page[Gap]{}, err
	}
	var all []Gap
	err = snapshotTx(ctx, s.db, func(tx *gorm.DB) error {
		u, err := s.units.visible(tx, actor, unitID, "")
		if err != nil {
			return err
		}
		var norm models.CommitteeNorm
		if err := tx.Where("level = ?", level).Limit(1).Find(&norm).Error; err != nil {
			return dbErr("representation: norms", err)
		}
		lo, hi := models.SubtreeRange(u.Path)
		cols := make([]string, len(repColumns))
		for i, c := range repColumns {
			cols[i] = "r." + c
		}
		rows, err := tx.Raw("SELECT u.id, u.level, u.code, u.name, u.name_hi, u.number, u.path, "+strings.Join(cols, ", ")+
			" FROM units u JOIN representation_counts r ON r.unit_id = u.id AND r.level = u.level"+
			" WHERE u.level = ? AND u.path >= ? AND u.path < ? ORDER BY u.path", level, lo, hi).Rows()
		if err != nil {
			return dbErr("representation: gaps", err)
		}
		type committee struct {
			u models.Unit
			v repVec
		}
		var cs []committee
		for rows.Next() {
			var c committee
			dest := []any{&c.u.ID, &c.u.Level, &c.u.Code, &c.u.Name, &c.u.NameHi, &c.u.Number, &c.u.Path}
			for i := range c.v {
				dest = append(dest, &c.v[i])
			}
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return dbErr("representation: gaps", err)
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return dbErr("representation: gaps", err)
		}
		units := make([]models.Unit, len(cs))
		for i, c := range cs {
			units[i] = c.u
		}
		fc, err := s.figureContext(tx, units)
		if err != nil {
			return err
		}
		census := map[string]bool{}
		for _, t := range fc.targets[level] {
			census[t.Group] = t.Census
		}
		for _, c := range cs {
			g := Gap{Unit: c.u, Seats: c.v[rSeats], Size: max(c.v[rSeats], int64(norm.MinSeats))}
			if g.Seats == 0 {
				continue // an empty committee is a coverage gap, which the coverage figures show
			}
			targets := fc.resolved(level, fc.population(c.u))
			for _, group := range TargetGroups {
				t, ok := targets[group]
				if !ok {
					continue
				}
				need := seatsFor(t, g.Size, census[group]) - groupCount(c.v, group)
				if need > 0 {
					g.Lacks = append(g.Lacks, Lack{Group: group, Seats: need})
					g.Shortfall += need
				}
			}
			if g.Shortfall > 0 {
				all = append(all, g)
			}
		}
		return nil
	})
	if err != nil {
		return Page[Gap]{}, err
	}
	slices.SortStableFunc(all, func(a, b Gap) int {
		return compareFigure(float64(a.Shortfall), float64(b.Shortfall), a.Unit.Path, b.Unit.Path, true)
	})
	start := 0
	if after != nil {
		start = len(all)
		for i, g := range all {
			if compareFigure(float64(g.Shortfall), after.V, g.Unit.Path, after.P, true) > 0 {
				start = i
				break
			}
		}
	}
	return paginateBy(all[start:], limit, func(g Gap) string { return encodeFigureCursor(float64(g.Shortfall), g.Unit.Path) }), nil
}

// RepresentationColumns are the columns of the representation CSV.
var RepresentationColumns = []string{"unit_id", "level", "code", "name", "name_hi", "number", "committee_level", "seats",
	"SC", "ST", "OBC", "GEN", "minority", "religion_unknown", "male", "female", "other",
	"age_18_35", "age_36_60", "age_60_plus", "age_unknown",
	"share_women", "share_SC", "share_ST", "share_OBC", "share_minority", "share_sc_st_obc_minority",
	"target_women", "target_SC", "target_ST", "target_OBC", "target_minority", "target_sc_st_obc_minority",
	"gap_women", "gap_SC", "gap_ST", "gap_OBC", "gap_minority", "gap_sc_st_obc_minority",
	"population_SC", "population_ST", "population_minority", "booths", "booths_complete", "coverage"}

// ExportCSV writes the figures of the unit (by empty) or of every unit of level by under it, in
// tree order, as CSV with RepresentationColumns: for the data team. Cells are formula-safe. The
// figures are checked (scope, by, level) before the first byte is written.
func (s *Representation) ExportCSV(ctx context.Context, actor Actor, unitID int64, by models.Level, level *models.Level, w io.Writer) error {
	var rows []Figures
	if by == "" {
		f, err := s.Figures(ctx, actor, unitID, level)
		if err != nil {
			return err
		}
		rows = []Figures{f}
	} else {
		pr := PageRequest{Limit: MaxLimit}
		for {
			p, err := s.Breakdown(ctx, actor, unitID, BreakdownRequest{By: by, Level: level, Page: pr})
			if err != nil {
				return err
			}
			rows = append(rows, p.Items...)
			if p.NextCursor == "" {
				break
			}
			pr.Cursor = p.NextCursor
		}
	}
	cw := csv.NewWriter(w)
	if err := writeRow(cw, RepresentationColumns); err != nil {
		return err
	}
	num := func(f float64, ok bool) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(f, 'f', 4, 64)
	}
	for _, f := range rows {
		lvl := ""
		if f.Level != nil {
			lvl = string(*f.Level)
		}
		number := ""
		if f.Unit.Number != nil {
			number = strconv.Itoa(*f.Unit.Number)
		}
		rec := []string{strconv.FormatInt(f.Unit.ID, 10), string(f.Unit.Level), f.Unit.Code, f.Unit.Name, f.Unit.NameHi, number, lvl,
			strconv.FormatInt(f.Seats, 10)}
		for _, n := range []int64{f.ByCategory["SC"], f.ByCategory["ST"], f.ByCategory["OBC"], f.ByCategory["GEN"], f.Minority,
			f.ReligionUnknown, f.ByGender["male"], f.ByGender["female"], f.ByGender["other"],
			f.ByAge["18_35"], f.ByAge["36_60"], f.ByAge["60_plus"], f.ByAge["unknown"]} {
			rec = append(rec, strconv.FormatInt(n, 10))
		}
		for _, g := range TargetGroups {
			rec = append(rec, num(f.Shares[g], true))
		}
		for _, g := range TargetGroups {
			t, ok := f.Targets[g]
			rec = append(rec, num(t, ok))
		}
		for _, g := range TargetGroups {
			t, ok := f.Gap[g]
			rec = append(rec, num(t, ok))
		}
		for _, g := range []string{"SC", "ST", "minority"} {
			var v float64
			ok := f.Population != nil
			if ok {
				v, ok = f.Population.Shares[g]
			}
			rec = append(rec, num(v, ok))
		}
		rec = append(rec, strconv.FormatInt(f.Coverage.Booths, 10), strconv.FormatInt(f.Coverage.Complete, 10), num(f.Coverage.Share(), true))
		if err := writeRow(cw, rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
