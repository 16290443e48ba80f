package services

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Verifier recounts what the tree and the rollups store from the raw rows (`sangathan verify`):
// every unit's path and depth from the parent links, and its committee's seats and completeness,
// its booths and complete booths from the seats and the tree (from the district down: above it
// and for a Lok Sabha seat nothing is stored), and the representation rows.
type Verifier struct {
	db  *gorm.DB
	now Clock
}

// NewVerifier returns the verifier.
func NewVerifier(db *gorm.DB, now Clock) *Verifier { return &Verifier{db: db, now: now} }

// Difference is one stored value that the recount does not confirm.
type Difference struct {
	UnitID    int64
	Code      string
	Field     string // path, depth, seats, committee_complete, booths, booths_complete, people.path, incidents.path, programs.path, seat_shares.path, assignments.path, incident <id>, program <id>, seat share <id> …
	Stored    string
	Recounted string
	value     any // the recounted value, for the fix; nil when it cannot be fixed
}

// String is the difference as `sangathan verify` prints it.
func (d Difference) String() string {
	return fmt.Sprintf("unit %d %s %s: stored %s, recounted %s", d.UnitID, d.Code, d.Field, d.Stored, d.Recounted)
}

// Fixable reports whether Fix repairs the difference (a unit outside the tree needs a parent).
func (d Difference) Fixable() bool { return d.value != nil }

// Check recounts and returns every difference, ordered by unit id. It reads one consistent
// snapshot and writes nothing. Returns Forbidden unless the actor's scope is the installation.
func (v *Verifier) Check(ctx context.Context, actor Actor) ([]Difference, error) {
	if !actor.Everywhere() {
		return nil, Errorf(EForbidden, "only an administrator may verify the whole tree")
	}
	var out []Difference
	err := snapshotTx(ctx, v.db, func(tx *gorm.DB) error {
		var err error
		if out, err = recount(tx); err != nil {
			return err
		}
		terms, err := verifyTerms(tx, todayIST(v.now))
		out = append(out, terms...)
		if err != nil {
			return err
		}
		sessions, err := verifySessions(tx)
		out = append(out, sessions...)
		return err
	})
	return out, err
}

// Fix recounts with every writer held off and stores each recounted value, in one transaction
// with one audit row (action verify_fix, entity rollups, after: the number of fixes). It returns
// the differences it fixed; a unit outside the tree (its parent missing or a loop of parents)
// is reported but its path cannot be fixed. Returns Forbidden unless the actor's scope is the
// installation.
func (v *Verifier) Fix(ctx context.Context, actor Actor) ([]Difference, error) {
	if !actor.Everywhere() {
		return nil, Errorf(EForbidden, "only an administrator may repair the tree")
	}
	var out []Difference
	err := runTx(ctx, v.db, func(tx *gorm.DB) error {
		if err := holdWriters(tx); err != nil {
			return err
		}
		diffs, err := recount(tx)
		if err != nil {
			return err
		}
		out = diffs
		byUnit := map[int64]map[string]any{}
		var ids []int64
		fixes := 0
		rebuild := false
		for _, d := range diffs {
			if _, ok := d.value.(rebuildRep); ok {
				rebuild = true
				fixes++
				continue
			}
			if d.value == nil {
				continue
			}
			rebuild = rebuild || d.Field == "path" // the representation rows follow the paths
			if byUnit[d.UnitID] == nil {
				byUnit[d.UnitID] = map[string]any{}
				ids = append(ids, d.UnitID)
			}
			byUnit[d.UnitID][d.Field] = d.value
			fixes++
		}
		if fixes == 0 {
			return nil
		}

		// Paths are unique: move the wrong ones out of the way first, so that no corrected path
		// meets a stale copy of itself on another unit.
		for _, id := range ids {
			if _, ok := byUnit[id]["path"]; ok {
				if err := tx.Model(&models.Unit{}).Where("id = ?", id).UpdateColumn("path", "/verify/"+strconv.FormatInt(id, 10)+"/").Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
		}
		for _, id := range ids {
			if path, ok := byUnit[id]["incidents.path"]; ok {
				delete(byUnit[id], "incidents.path")
				if err := tx.Model(&models.Incident{}).Where("unit_id = ?", id).UpdateColumn("path", path).Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
			if path, ok := byUnit[id]["assignments.path"]; ok {
				delete(byUnit[id], "assignments.path")
				if err := tx.Model(&models.Assignment{}).Where("unit_id = ?", id).UpdateColumn("path", path).Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
			if path, ok := byUnit[id]["programs.path"]; ok {
				delete(byUnit[id], "programs.path")
				if err := tx.Model(&models.Program{}).Where("unit_id = ?", id).UpdateColumn("path", path).Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
			if path, ok := byUnit[id]["seat_shares.path"]; ok {
				delete(byUnit[id], "seat_shares.path")
				if err := tx.Model(&models.SeatShare{}).Where("unit_id = ?", id).UpdateColumn("path", path).Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
			if path, ok := byUnit[id]["people.path"]; ok {
				delete(byUnit[id], "people.path")
				if err := tx.Model(&models.Person{}).Where("unit_id = ?", id).UpdateColumn("path", path).Error; err != nil {
					return dbErr("verify: fix", err)
				}
			}
			if len(byUnit[id]) == 0 {
				continue
			}
			if err := tx.Model(&models.Unit{}).Where("id = ?", id).UpdateColumns(byUnit[id]).Error; err != nil {
				return dbErr("verify: fix", err)
			}
		}
		if rebuild {
			if err := rebuildRepresentation(tx); err != nil {
				return err
			}
		}
		return record(tx, v.now(), actor, change{Action: "verify_fix", Entity: "rollups", After: fixes})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// verifyUnit is a unit as stored, and as recounted.
type verifyUnit struct {
	ID                int64
	ParentID          *int64
	Level             models.Level
	Code              string
	Path              string
	Depth             int
	ParliamentaryID   *int64
	Seats             int
	CommitteeComplete bool
	Booths            int64
	BoothsComplete    int64

	path     string // "" when the unit is not in the tree
	depth    int
	seats    int
	complete bool
	booths   int64
	bcomp    int64
}

// peoplePath is how many people of a unit carry one stored path.
type peoplePath struct {
	path string
	n    int64
}

// recount reads every unit and the current seats and returns the differences.
func recount(tx *gorm.DB) ([]Difference, error) {
	var units []*verifyUnit
	rows, err := tx.Model(&models.Unit{}).Select("id", "parent_id", "level", "code", "path", "depth", "parliamentary_id",
		"seats", "committee_complete", "booths", "booths_complete").Order("id").Rows()
	if err != nil {
		return nil, dbErr("verify: read units", err)
	}
	for rows.Next() {
		u := &verifyUnit{}
		if err := rows.Scan(&u.ID, &u.ParentID, &u.Level, &u.Code, &u.Path, &u.Depth, &u.ParliamentaryID, &u.Seats,
			&u.CommitteeComplete, &u.Booths, &u.BoothsComplete); err != nil {
			rows.Close()
			return nil, dbErr("verify: read units", err)
		}
		units = append(units, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, dbErr("verify: read units", err)
	}
	byID := make(map[int64]*verifyUnit, len(units))
	for _, u := range units {
		byID[u.ID] = u
	}

	// Paths and depths from the parent links. A unit whose chain of parents ends nowhere or
	// runs in a loop is not in the tree.
	state := make(map[int64]int8, len(units)) // 1: on the current chain, 2: done
	var place func(u *verifyUnit)
	place = func(u *verifyUnit) {
		if state[u.ID] != 0 {
			return
		}
		state[u.ID] = 1
		defer func() { state[u.ID] = 2 }()
		if u.ParentID == nil {
			u.path, u.depth = models.ChildPath("", u.ID), 0
			return
		}
		p := byID[*u.ParentID]
		if p == nil || state[p.ID] == 1 {
			return
		}
		place(p)
		if p.path != "" {
			u.path, u.depth = models.ChildPath(p.path, u.ID), p.depth+1
		}
	}
	for _, u := range units {
		place(u)
	}

	// Committees from the current seats and the norms.
	var ns []models.CommitteeNorm
	if err := tx.Find(&ns).Error; err != nil {
		return nil, dbErr("verify: read norms", err)
	}
	norms := map[models.Level]models.CommitteeNorm{}
	for _, n := range ns {
		norms[n.Level] = n
	}
	byPos := map[int64]map[models.Position]int{}
	srows, err := tx.Model(&models.Seat{}).Select("unit_id, position, count(*)").Where("ended_at IS NULL").Group("unit_id, position").Rows()
	if err != nil {
		return nil, dbErr("verify: read seats", err)
	}
	for srows.Next() {
		var id int64
		var pos models.Position
		var n int
		if err := srows.Scan(&id, &pos, &n); err != nil {
			srows.Close()
			return nil, dbErr("verify: read seats", err)
		}
		if byPos[id] == nil {
			byPos[id] = map[models.Position]int{}
		}
		byPos[id][pos] = n
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return nil, dbErr("verify: read seats", err)
	}
	for _, u := range units {
		for _, n := range byPos[u.ID] {
			u.seats += n
		}
		u.complete = meets(norms[u.Level], byPos[u.ID])
	}

	// Booths: each booth in the tree counts on itself and every unit above it from the district
	// down; the state, the national unit and Lok Sabha seats store none (summed when read).
	for _, b := range units {
		if b.Level != models.LevelBooth || b.path == "" {
			continue
		}
		for _, id := range models.PathIDs(b.path) {
			a := byID[id]
			if !countsSubtree(a.Level) {
				continue
			}
			a.booths++
			if b.complete {
				a.bcomp++
			}
		}
	}

	// The path kept on people: their unit's path.
	peoplePaths := map[int64][]peoplePath{}
	prows, err := tx.Model(&models.Person{}).Select("unit_id, path, count(*)").Group("unit_id, path").Rows()
	if err != nil {
		return nil, dbErr("verify: read people", err)
	}
	for prows.Next() {
		var id int64
		var pp peoplePath
		if err := prows.Scan(&id, &pp.path, &pp.n); err != nil {
			prows.Close()
			return nil, dbErr("verify: read people", err)
		}
		peoplePaths[id] = append(peoplePaths[id], pp)
	}
	prows.Close()
	if err := prows.Err(); err != nil {
		return nil, dbErr("verify: read people", err)
	}

	var out []Difference
	for _, u := range units {
		add := func(field string, stored, recounted, value any) {
			out = append(out, Difference{UnitID: u.ID, Code: u.Code, Field: field, Stored: fmt.Sprint(stored), Recounted: fmt.Sprint(recounted), value: value})
		}
		if u.path == "" {
			add("path", u.Path, "none (not in the tree: its parents end nowhere or loop)", nil)
		} else {
			if u.Path != u.path {
				add("path", u.Path, u.path, u.path)
			}
			if u.Depth != u.depth {
				add("depth", u.Depth, u.depth, u.depth)
			}
		}
		if u.Seats != u.seats {
			add("seats", u.Seats, u.seats, u.seats)
		}
		if u.CommitteeComplete != u.complete {
			add("committee_complete", u.CommitteeComplete, u.complete, u.complete)
		}
		if u.Booths != u.booths {
			add("booths", u.Booths, u.booths, u.booths)
		}
		if u.BoothsComplete != u.bcomp {
			add("booths_complete", u.BoothsComplete, u.bcomp, u.bcomp)
		}
		for _, pp := range peoplePaths[u.ID] {
			if u.path != "" && pp.path != u.path {
				add("people.path", fmt.Sprintf("%s on %d people", pp.path, pp.n), u.path, u.path)
			}
		}
	}
	rep, err := verifyRepresentation(tx)
	if err != nil {
		return nil, err
	}
	out = append(out, rep...)
	unitOf := func(id int64) (string, string, bool) {
		if u := byID[id]; u != nil {
			return u.path, u.Code, true
		}
		return "", "", false
	}
	inc, err := verifyIncidents(tx, unitOf)
	if err != nil {
		return nil, err
	}
	out = append(out, inc...)
	intake, err := verifyIntake(tx, unitOf)
	if err != nil {
		return nil, err
	}
	out = append(out, intake...)
	prog, err := verifyPrograms(tx, unitOf)
	if err != nil {
		return nil, err
	}
	out = append(out, prog...)
	shares, err := verifySeatShares(tx, unitOf)
	if err != nil {
		return nil, err
	}
	out = append(out, shares...)
	asg, err := verifyAssignments(tx, unitOf)
	if err != nil {
		return nil, err
	}
	out = append(out, asg...)
	slices.SortStableFunc(out, func(a, b Difference) int { return cmpInt64(a.UnitID, b.UnitID) })
	return out, nil
}

// rebuildRep is the value of a representation difference: Fix counts every representation row
// again (rebuildRepresentation) rather than setting one value.
type rebuildRep struct{}

// verifyRepresentation recounts the representation rows (representation_rollup.go) from the
// current seats and their holders, and returns every row that differs, is missing or should not
// be there, and every birth-year count that differs.
func verifyRepresentation(tx *gorm.DB) ([]Difference, error) {
	var out []Difference
	diff := func(id int64, code, field string, stored, recounted any) {
		out = append(out, Difference{UnitID: id, Code: code, Field: field, Stored: fmt.Sprint(stored), Recounted: fmt.Sprint(recounted), value: rebuildRep{}})
	}
	var missing []struct {
		ID    int64
		Code  string
		Level string
	}
	if err := tx.Raw(`SELECT u.id, u.code, l.level FROM units u JOIN representation_levels l ON l.unit_level = u.level
		LEFT JOIN representation_counts r ON r.unit_id = u.id AND r.level = l.level WHERE r.unit_id IS NULL`).Scan(&missing).Error; err != nil {
		return nil, dbErr("verify: representation", err)
	}
	for _, m := range missing {
		diff(m.ID, m.Code, "representation."+m.Level, "no row", "a row")
	}
	var extra []struct {
		UnitID int64
		Level  string
	}
	if err := tx.Raw(`SELECT r.unit_id, r.level FROM representation_counts r JOIN units u ON u.id = r.unit_id
		LEFT JOIN representation_levels l ON l.unit_level = u.level AND l.level = r.level WHERE l.level IS NULL`).Scan(&extra).Error; err != nil {
		return nil, dbErr("verify: representation", err)
	}
	for _, x := range extra {
		diff(x.UnitID, "", "representation."+x.Level, "a row", "no row")
	}
	stored, counted := make([]string, len(repColumns)), make([]string, len(repColumns))
	differs := make([]string, len(repColumns))
	for i, c := range repColumns {
		stored[i] = "r." + c
		counted[i] = "COALESCE(x." + c + ", 0)"
		differs[i] = stored[i] + " <> " + counted[i]
	}
	rows, err := tx.Raw(`SELECT r.unit_id, u.code, r.level, ` + strings.Join(stored, ", ") + `, ` + strings.Join(counted, ", ") + `
		FROM representation_counts r JOIN units u ON u.id = r.unit_id LEFT JOIN (` + seatCounts(tx, currentSeats) + `) x
			ON x.unit_id = r.unit_id AND x.level = r.level
		WHERE ` + strings.Join(differs, " OR ")).Rows()
	if err != nil {
		return nil, dbErr("verify: representation", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code, level string
		var a, b repVec
		dest := []any{&id, &code, &level}
		for i := range a {
			dest = append(dest, &a[i])
		}
		for i := range b {
			dest = append(dest, &b[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, dbErr("verify: representation", err)
		}
		for i := range a {
			if a[i] != b[i] {
				diff(id, code, "representation."+level+"."+repColumns[i], a[i], b[i])
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("verify: representation", err)
	}
	var ages []struct {
		UnitID    int64
		Level     string
		BirthYear int
		Stored    int64
		Counted   int64
	}
	q := seatAges(tx, currentSeats)
	if err := tx.Raw(`SELECT r.unit_id, r.level, r.birth_year, r.seats AS stored, COALESCE(x.seats, 0) AS counted
		FROM representation_ages r LEFT JOIN (` + q + `) x ON x.unit_id = r.unit_id AND x.level = r.level AND x.birth_year = r.birth_year
		WHERE r.seats <> COALESCE(x.seats, 0)
		UNION ALL
		SELECT x.unit_id, x.level, x.birth_year, 0, x.seats FROM (` + q + `) x LEFT JOIN representation_ages r
			ON x.unit_id = r.unit_id AND x.level = r.level AND x.birth_year = r.birth_year
		WHERE r.unit_id IS NULL AND x.seats <> 0`).Scan(&ages).Error; err != nil {
		return nil, dbErr("verify: representation", err)
	}
	for _, a := range ages {
		diff(a.UnitID, "", fmt.Sprintf("representation.%s.born_%d", a.Level, a.BirthYear), a.Stored, a.Counted)
	}
	return out, nil
}
