package services

// Representation rollups: who holds the current seats, counted per unit and committee level.
//
// representation_counts has a row for every unit and every committee level counted at it (the
// table representation_levels, mirrored by countedLevels): a unit at district level or below
// counts the committees of its own level and every level below it in its subtree; a state, a
// national unit and a Lok Sabha constituency count only their own committee. Figures above a
// district are summed from the district rows when they are read (see representation.go), so no
// row is shared by writers in two districts: the district's row is the highest one a seat
// change in it writes. representation_ages holds the same seats by birth year, so that age
// bands are exact in whatever year they are read.
//
// Every change that moves the counts goes through this file, in the transaction of the change:
// a seat taken or ended (Committees), a person's category, gender, religion or birth year
// changed (People.Update), a unit moved (unitMoved), a people import (applyRepresentationBulk),
// a new unit (representationRows), the seed (rebuildRepresentation). The rows always exist —
// they are made with their unit — so a change is a plain UPDATE by addition.
//
// Locks. The counts rows come last in the lock order of rollups.go: a writer takes every unit
// and person lock it needs first, then updates its counts rows in ascending (unit_id, level)
// order, and holds the (unit_id, level) row of representation_counts before it touches the age
// rows of that pair. A seat change holds the seat holder's row FOR SHARE from before it reads
// the holder until it commits, so that a person change, which holds the person's row, sees every
// seat of theirs or none of a pending one; the person change takes key-share locks on the units
// of the person's seats before the person's row (a move rewrites those units' paths and holds
// them FOR UPDATE).

import (
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// countedLevels lists the committee levels whose seats a unit of each level counts in its
// representation rows: the table representation_levels of migration 00010.
var countedLevels = map[models.Level][]models.Level{
	models.LevelNational:      {models.LevelNational},
	models.LevelState:         {models.LevelState},
	models.LevelParliamentary: {models.LevelParliamentary},
	models.LevelDistrict:      {models.LevelDistrict, models.LevelAssembly, models.LevelSector, models.LevelBooth},
	models.LevelAssembly:      {models.LevelAssembly, models.LevelSector, models.LevelBooth},
	models.LevelSector:        {models.LevelSector, models.LevelBooth},
	models.LevelBooth:         {models.LevelBooth},
}

// countsSubtree reports whether a unit of level l counts the seats of its whole subtree (district
// and below) rather than its own committee only.
func countsSubtree(l models.Level) bool { return len(countedLevels[l]) > 1 || l == models.LevelBooth }

// repColumns are the count columns of representation_counts, in the order of repVec.
var repColumns = []string{"seats", "sc", "st", "obc", "gen", "minority", "religion_unknown", "sc_st_obc_minority",
	"male", "female", "other_gender", "age_unknown"}

// The positions of repVec.
const (
	rSeats = iota
	rSC
	rST
	rOBC
	rGEN
	rMinority
	rReligionUnknown
	rDisadvantaged
	rMale
	rFemale
	rOther
	rAgeUnknown
	repWidth
)

// repVec is one row's counts, in the order of repColumns.
type repVec [repWidth]int64

// add adds sign times o.
func (v *repVec) add(o repVec, sign int64) {
	for i := range v {
		v[i] += sign * o[i]
	}
}

// holder is what the counts know of a seat holder.
type holder struct {
	Category  models.Category
	Gender    models.Gender
	Religion  *string
	BirthYear *int
}

func holderOf(p models.Person) holder {
	return holder{Category: p.Category, Gender: p.Gender, Religion: p.Religion, BirthYear: p.BirthYear}
}

// vec is the counts of one seat held by h.
func (h holder) vec() repVec {
	var v repVec
	v[rSeats] = 1
	switch h.Category {
	case models.CategorySC:
		v[rSC] = 1
	case models.CategoryST:
		v[rST] = 1
	case models.CategoryOBC:
		v[rOBC] = 1
	case models.CategoryGEN:
		v[rGEN] = 1
	}
	minority := h.Religion != nil && models.Minority(*h.Religion)
	if minority {
		v[rMinority] = 1
	}
	if h.Religion == nil {
		v[rReligionUnknown] = 1
	}
	if (h.Category != models.CategoryGEN && h.Category != "") || minority {
		v[rDisadvantaged] = 1
	}
	switch h.Gender {
	case models.GenderMale:
		v[rMale] = 1
	case models.GenderFemale:
		v[rFemale] = 1
	case models.GenderOther:
		v[rOther] = 1
	}
	if h.BirthYear == nil {
		v[rAgeUnknown] = 1
	}
	return v
}

type repKey struct {
	unit  int64
	level models.Level
}

type repAgeKey struct {
	repKey
	year int
}

// repDelta collects changes of representation rows in memory, for the changes that touch a few
// committees; apply writes them in the lock order.
type repDelta struct {
	counts map[repKey]repVec
	ages   map[repAgeKey]int64
}

func newRepDelta() *repDelta {
	return &repDelta{counts: map[repKey]repVec{}, ages: map[repAgeKey]int64{}}
}

// addRow adds sign times the counts v (and the birth-year counts ages) of committees of level to
// the rows of every unit in targets.
func (d *repDelta) addRow(targets []int64, level models.Level, v repVec, ages map[int]int64, sign int64) {
	for _, id := range targets {
		k := repKey{id, level}
		c := d.counts[k]
		c.add(v, sign)
		d.counts[k] = c
		for y, n := range ages {
			d.ages[repAgeKey{k, y}] += sign * n
		}
	}
}

// seat adds sign times one seat held by h on committee c, given targets, the units whose rows
// count it (repTargets).
func (d *repDelta) seat(targets []int64, c models.Unit, h holder, sign int64) {
	var ages map[int]int64
	if h.BirthYear != nil {
		ages = map[int]int64{*h.BirthYear: 1}
	}
	d.addRow(targets, c.Level, h.vec(), ages, sign)
}

// repTargets returns, for each unit, the units whose representation rows count the seats of its
// committee: itself and, from district level down, every ancestor up to the district. One
// query however many units.
func repTargets(tx *gorm.DB, units ...models.Unit) ([][]int64, error) {
	var ids []int64
	for _, u := range units {
		if countsSubtree(u.Level) {
			ids = append(ids, models.PathIDs(u.Path)...)
		}
	}
	levels, err := unitLevels(tx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]int64, len(units))
	for i, u := range units {
		if !countsSubtree(u.Level) {
			out[i] = []int64{u.ID}
			continue
		}
		for _, id := range models.PathIDs(u.Path) {
			if countsSubtree(levels[id]) {
				out[i] = append(out[i], id)
			}
		}
		if !slices.Contains(out[i], u.ID) {
			out[i] = append(out[i], u.ID)
		}
	}
	return out, nil
}

// unitLevels reads the level of each unit in ids.
func unitLevels(tx *gorm.DB, ids []int64) (map[int64]models.Level, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[int64]models.Level, len(ids))
	for _, chunk := range chunks(ids, 5000) {
		var rows []struct {
			ID    int64
			Level models.Level
		}
		if err := tx.Model(&models.Unit{}).Select("id", "level").Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, dbErr("representation: unit levels", err)
		}
		for _, r := range rows {
			out[r.ID] = r.Level
		}
	}
	return out, nil
}

// apply writes the collected changes: each counts row by addition in ascending (unit, level)
// order, then the birth-year rows of those pairs in the same order. A missing counts row is an
// error: every unit has its rows from the moment it exists.
func (d *repDelta) apply(tx *gorm.DB) error {
	keys := make([]repKey, 0, len(d.counts))
	for k, v := range d.counts {
		if v != (repVec{}) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b repKey) int {
		if a.unit != b.unit {
			return cmpInt64(a.unit, b.unit)
		}
		return strings.Compare(string(a.level), string(b.level))
	})
	set := make([]string, len(repColumns))
	for i, c := range repColumns {
		set[i] = c + " = " + c + " + ?"
	}
	stmt := "UPDATE representation_counts SET " + strings.Join(set, ", ") + " WHERE unit_id = ? AND level = ?"
	for _, k := range keys {
		v := d.counts[k]
		args := make([]any, 0, repWidth+2)
		for _, n := range v {
			args = append(args, n)
		}
		res := tx.Exec(stmt, append(args, k.unit, k.level)...)
		if res.Error != nil {
			return dbErr("representation rollup", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("representation rollup: no row for unit %d level %s", k.unit, k.level)
		}
	}
	ages := make([]repAgeKey, 0, len(d.ages))
	for k, n := range d.ages {
		if n != 0 {
			ages = append(ages, k)
		}
	}
	if len(ages) == 0 {
		return nil
	}
	slices.SortFunc(ages, func(a, b repAgeKey) int {
		switch {
		case a.unit != b.unit:
			return cmpInt64(a.unit, b.unit)
		case a.level != b.level:
			return strings.Compare(string(a.level), string(b.level))
		}
		return a.year - b.year
	})
	for _, chunk := range chunks(ages, 1000) {
		vals := make([]string, len(chunk))
		args := make([]any, 0, 4*len(chunk))
		for i, k := range chunk {
			vals[i] = "(?, ?, ?, ?)"
			args = append(args, k.unit, k.level, k.year, d.ages[k])
		}
		// Rows are inserted, and so locked, in the order given.
		if err := tx.Exec("INSERT INTO representation_ages (unit_id, level, birth_year, seats) VALUES "+strings.Join(vals, ", ")+
			" ON CONFLICT (unit_id, level, birth_year) DO UPDATE SET seats = representation_ages.seats + excluded.seats", args...).Error; err != nil {
			return dbErr("representation rollup: ages", err)
		}
	}
	return nil
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// seatChanged counts one seat taken (sign 1) or ended (-1) by h on committee c, whose lock the
// caller holds, with the holder's row held FOR SHARE (lockHolder).
func seatChanged(tx *gorm.DB, c models.Unit, h holder, sign int64) error {
	t, err := repTargets(tx, c)
	if err != nil {
		return err
	}
	d := newRepDelta()
	d.seat(t[0], c, h, sign)
	return d.apply(tx)
}

// lockHolder holds a seat holder's row until the transaction ends, against a change of the
// person's category, gender, religion or birth year in between (see the top of the file).
func lockHolder(tx *gorm.DB, personID int64) error {
	return lockRow(tx, "people", personID, lockShare)
}

// personSeatUnits lists the units on whose committees a person holds a current seat.
func personSeatUnits(tx *gorm.DB, personID int64) ([]int64, error) {
	var ids []int64
	if err := tx.Model(&models.Seat{}).Where("person_id = ? AND ended_at IS NULL", personID).Order("unit_id").Pluck("unit_id", &ids).Error; err != nil {
		return nil, dbErr("read seats", err)
	}
	return ids, nil
}

// holderChanged moves the person's current seats from what before counted to what after counts,
// when a counted field changed. The caller holds the person's row and key-share locks on the
// units of their seats (lockPersonSeats).
func holderChanged(tx *gorm.DB, personID int64, before, after holder) error {
	if before.vec() == after.vec() && sameValue(before.BirthYear, after.BirthYear) {
		return nil
	}
	ids, err := personSeatUnits(tx, personID)
	if err != nil || len(ids) == 0 {
		return err
	}
	var us []models.Unit
	if err := tx.Select("id", "level", "path").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return dbErr("read seat units", err)
	}
	t, err := repTargets(tx, us...)
	if err != nil {
		return err
	}
	d := newRepDelta()
	for i, u := range us {
		d.seat(t[i], u, before, -1)
		d.seat(t[i], u, after, 1)
	}
	return d.apply(tx)
}

// lockPersonSeats takes key-share locks on the units of a person's current seats, in id order,
// before the person's own row is locked: a move of one of those units waits, or has finished.
func lockPersonSeats(tx *gorm.DB, personID int64) error {
	ids, err := personSeatUnits(tx, personID)
	if err != nil {
		return err
	}
	return lockUnitsShared(tx, ids)
}

// representationMoved moves the representation counts of u, read under the move's locks before
// its path changed, from the rows of the units above its old place to those above its new place
// under a parent with newParentPath (district level and below: above it nothing is stored).
func representationMoved(tx *gorm.DB, u models.Unit, newParentPath string) error {
	if !countsSubtree(u.Level) {
		return nil
	}
	old := models.PathIDs(u.Path)
	oldAbove, newAbove := old[:len(old)-1], models.PathIDs(newParentPath)
	levels, err := unitLevels(tx, slices.Concat(oldAbove, newAbove))
	if err != nil {
		return err
	}
	var from, to []int64
	for _, id := range oldAbove {
		if countsSubtree(levels[id]) {
			from = append(from, id)
		}
	}
	for _, id := range newAbove {
		if countsSubtree(levels[id]) {
			to = append(to, id)
		}
	}
	if len(from)+len(to) == 0 {
		return nil
	}
	rows, ages, err := readRepRows(tx, u.ID)
	if err != nil {
		return err
	}
	d := newRepDelta()
	for level, v := range rows {
		d.addRow(from, level, v, ages[level], -1)
		d.addRow(to, level, v, ages[level], 1)
	}
	return d.apply(tx)
}

// readRepRows reads the representation rows of one unit: counts and birth years per level.
func readRepRows(tx *gorm.DB, unitID int64) (map[models.Level]repVec, map[models.Level]map[int]int64, error) {
	rows, err := tx.Raw("SELECT level, "+strings.Join(repColumns, ", ")+" FROM representation_counts WHERE unit_id = ?", unitID).Rows()
	if err != nil {
		return nil, nil, dbErr("read representation", err)
	}
	defer rows.Close()
	out := map[models.Level]repVec{}
	for rows.Next() {
		var level models.Level
		var v repVec
		dest := []any{&level}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, dbErr("read representation", err)
		}
		out[level] = v
	}
	if err := rows.Err(); err != nil {
		return nil, nil, dbErr("read representation", err)
	}
	var as []struct {
		Level     models.Level
		BirthYear int
		Seats     int64
	}
	if err := tx.Raw("SELECT level, birth_year, seats FROM representation_ages WHERE unit_id = ? AND seats <> 0", unitID).Scan(&as).Error; err != nil {
		return nil, nil, dbErr("read representation", err)
	}
	ages := map[models.Level]map[int]int64{}
	for _, a := range as {
		if ages[a.Level] == nil {
			ages[a.Level] = map[int]int64{}
		}
		ages[a.Level][a.BirthYear] = a.Seats
	}
	return out, ages, nil
}

// representationRows makes the (empty) representation rows of the units that cond selects,
// which have just been inserted and hold no seats yet.
func representationRows(tx *gorm.DB, cond string, args ...any) error {
	if err := tx.Exec("INSERT INTO representation_counts (unit_id, level) SELECT u.id, l.level FROM units u "+
		"JOIN representation_levels l ON l.unit_level = u.level WHERE "+cond+" ORDER BY u.id, l.level", args...).Error; err != nil {
		return dbErr("representation rows", err)
	}
	return nil
}

// seatCounts is the set-based counterpart of repDelta: the SELECT that counts, per unit and
// committee level, the seats that src lists — a query with the columns unit_id, sign, category,
// gender, religion and birth_year, one row per seat (sign 1 to add it, -1 to take it out) —
// in every row that counts them, with the columns of repColumns.
func seatCounts(tx *gorm.DB, src string) string {
	join, anc := pathIDsJoin(tx, "c.path")
	sums := []string{"sum(d.sign)"}
	for _, cond := range []string{"d.category = 'SC'", "d.category = 'ST'", "d.category = 'OBC'", "d.category = 'GEN'",
		minoritySQL, "d.religion IS NULL", "d.category <> 'GEN' OR " + minoritySQL,
		"d.gender = 'male'", "d.gender = 'female'", "d.gender = 'other'", "d.birth_year IS NULL"} {
		sums = append(sums, "sum(CASE WHEN "+cond+" THEN d.sign ELSE 0 END)")
	}
	for i := range sums {
		sums[i] += " AS " + repColumns[i]
	}
	return "SELECT a.id AS unit_id, c.level AS level, " + strings.Join(sums, ", ") + repFrom(join, anc, src) + " GROUP BY a.id, c.level"
}

// seatAges is seatCounts by birth year.
func seatAges(tx *gorm.DB, src string) string {
	join, anc := pathIDsJoin(tx, "c.path")
	return "SELECT a.id AS unit_id, c.level AS level, d.birth_year AS birth_year, sum(d.sign) AS seats" + repFrom(join, anc, src) +
		" AND d.birth_year IS NOT NULL GROUP BY a.id, c.level, d.birth_year"
}

const minoritySQL = "d.religion NOT IN ('hindu', 'none')"

func repFrom(join, anc, src string) string {
	return " FROM (" + src + ") d JOIN units c ON c.id = d.unit_id " + join + " JOIN units a ON a.id = " + anc +
		" JOIN representation_levels l ON l.unit_level = a.level AND l.level = c.level WHERE 1 = 1"
}

// currentSeats is the seat source of seatCounts for every current seat.
const currentSeats = "SELECT s.unit_id AS unit_id, 1 AS sign, p.category AS category, p.gender AS gender, " +
	"p.religion AS religion, p.birth_year AS birth_year FROM seats s JOIN people p ON p.id = s.person_id WHERE s.ended_at IS NULL"

// applyRepresentationBulk adds the seats that src lists (see seatCounts) to the representation
// rows, set-based, for a change of thousands of seats (a people import). The caller holds the
// locks of the committees and people involved; the counts rows are locked here, in the lock
// order, and last.
func applyRepresentationBulk(tx *gorm.DB, src string, args ...any) error {
	dropC, err := stagingTable(tx, "rep_delta", "unit_id BIGINT NOT NULL, level TEXT NOT NULL, "+
		strings.Join(repColumns, " BIGINT NOT NULL, ")+" BIGINT NOT NULL")
	if err != nil {
		return err
	}
	dropA, err := stagingTable(tx, "rep_delta_ages", "unit_id BIGINT NOT NULL, level TEXT NOT NULL, birth_year INTEGER NOT NULL, seats BIGINT NOT NULL")
	if err != nil {
		return err
	}
	if err := tx.Exec("INSERT INTO rep_delta (unit_id, level, "+strings.Join(repColumns, ", ")+") "+seatCounts(tx, src), args...).Error; err != nil {
		return dbErr("representation rollup", err)
	}
	if err := tx.Exec("INSERT INTO rep_delta_ages (unit_id, level, birth_year, seats) "+seatAges(tx, src), args...).Error; err != nil {
		return dbErr("representation rollup", err)
	}
	if isPostgres(tx) {
		if err := tx.Exec("SELECT 1 FROM representation_counts r JOIN rep_delta d ON d.unit_id = r.unit_id AND d.level = r.level " +
			"ORDER BY r.unit_id, r.level FOR NO KEY UPDATE OF r").Error; err != nil {
			return dbErr("representation rollup: lock", err)
		}
	}
	set := make([]string, len(repColumns))
	for i, c := range repColumns {
		set[i] = c + " = representation_counts." + c + " + d." + c
	}
	if err := tx.Exec("UPDATE representation_counts SET " + strings.Join(set, ", ") + " FROM rep_delta d " +
		"WHERE representation_counts.unit_id = d.unit_id AND representation_counts.level = d.level").Error; err != nil {
		return dbErr("representation rollup", err)
	}
	if err := tx.Exec("INSERT INTO representation_ages (unit_id, level, birth_year, seats) " +
		"SELECT unit_id, level, birth_year, seats FROM rep_delta_ages WHERE seats <> 0 ORDER BY unit_id, level, birth_year " +
		"ON CONFLICT (unit_id, level, birth_year) DO UPDATE SET seats = representation_ages.seats + excluded.seats").Error; err != nil {
		return dbErr("representation rollup: ages", err)
	}
	if err := dropA(); err != nil {
		return err
	}
	return dropC()
}

// rebuildRepresentation counts every representation row from scratch: for the seed, which
// writes seats in bulk, and verify's repair. The caller holds every writer off.
func rebuildRepresentation(tx *gorm.DB) error {
	if err := tx.Exec("DELETE FROM representation_ages").Error; err != nil {
		return dbErr("rebuild representation", err)
	}
	if err := tx.Exec("DELETE FROM representation_counts").Error; err != nil {
		return dbErr("rebuild representation", err)
	}
	if err := representationRows(tx, "1 = 1"); err != nil {
		return err
	}
	return applyRepresentationBulk(tx, currentSeats)
}
