package services

// Rollups and the lock order.
//
// Every unit stores rollups that dashboards read instead of counting: its committee's seats and
// completeness, and the booths below it and how many of those have a complete committee (for a
// Lok Sabha seat: below its assemblies). Every change that moves them — a seat taken or ended,
// a people import, a unit created, deleted or moved, an assembly given another Lok Sabha seat, a
// units import — goes through the functions of this file, in the transaction of the change.
//
// The lock order. A writer locks the unit rows it will read paths or counts from, or write
// rollups to, BEFORE it reads them: all of them at once, collected up front, in ascending id
// order (lockUnits), and checked again once held (lockSettled), since a move that committed
// between the unlocked read and the lock may have changed the set. One order for everybody
// means no two writers each hold a row the other waits for. Who locks what:
//
//   - a seat change: the committee's unit alone. Only when it flips a booth's completeness does
//     it lock the booth's whole lock set (boothLockSet: every unit on the booth's path and the
//     Lok Sabha seat of its assembly) — and it takes those first, running again from the start
//     if it finds the flip only under the single lock (errWiden). A plain seat change never
//     waits on an ancestor; flips do serialise on the state row, whose count they all change.
//   - a new booth, a deleted booth: its lock set. A new unit of another level: its parent; a
//     deleted one: itself.
//   - a move: the moved unit and its whole subtree, the lock sets of its old and new places
//     (moveLockSet). Because a move holds every row whose path it rewrites, anyone who derives a
//     path from a unit (a new child, a moved child) needs only that unit's lock to know the
//     path is final; and a rename of the unit or of a child waits for the move or goes first.
//   - a Lok Sabha change: the assembly and both seats.
//   - any other change of a unit: the unit alone.
//
// Rollups change by adding: a unit's counts are exact under its lock, so a move or a Lok Sabha
// change subtracts the moved counts on one side and adds them on the other, and nobody rescans
// a subtree except the bulk units import (recountBooths), which sets counts under the same locks.

import (
	"slices"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// boothCounts is a change of a unit's booth rollups.
type boothCounts struct{ booths, complete int64 }

// rollupTargets returns, for each path (a unit's ids, root first), the units whose booth rollups
// count what lies at its end: every unit on the path and the Lok Sabha seat of the assembly on
// it, if any. One query however many paths.
func rollupTargets(tx *gorm.DB, paths ...[]int64) ([][]int64, error) {
	var all []int64
	for _, p := range paths {
		all = append(all, p...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	seatOf := map[int64]int64{}
	for _, chunk := range chunks(all, 5000) {
		var rows []struct {
			ID              int64
			ParliamentaryID int64
		}
		if err := tx.Model(&models.Unit{}).Select("id", "parliamentary_id").
			Where("id IN ? AND level = ? AND parliamentary_id IS NOT NULL", chunk, models.LevelAssembly).Scan(&rows).Error; err != nil {
			return nil, dbErr("rollup targets", err)
		}
		for _, r := range rows {
			seatOf[r.ID] = r.ParliamentaryID
		}
	}
	out := make([][]int64, len(paths))
	for i, p := range paths {
		out[i] = slices.Clone(p)
		for _, id := range p {
			if pc, ok := seatOf[id]; ok {
				out[i] = append(out[i], pc)
			}
		}
	}
	return out, nil
}

// unitPath reads the stored path of a unit, "" when there is none.
func unitPath(tx *gorm.DB, id int64) (string, error) {
	var paths []string
	if err := tx.Model(&models.Unit{}).Where("id = ?", id).Pluck("path", &paths).Error; err != nil {
		return "", dbErr("read path", err)
	}
	if len(paths) == 0 {
		return "", nil
	}
	return paths[0], nil
}

// boothLockSet returns the lock set of a booth whose counts change: every unit on its path
// (itself included) and the Lok Sabha seat of its assembly.
func boothLockSet(tx *gorm.DB, boothID int64) ([]int64, error) {
	path, err := unitPath(tx, boothID)
	if err != nil || path == "" {
		return []int64{boothID}, err
	}
	t, err := rollupTargets(tx, models.PathIDs(path))
	if err != nil {
		return nil, err
	}
	return t[0], nil
}

// moveLockSet returns the lock set of moving unit id under parentID: the unit and its whole
// subtree, whose paths it rewrites, then everything above its old place, and the parent and
// everything above it, with the Lok Sabha seats of the assemblies on both sides.
func moveLockSet(tx *gorm.DB, id, parentID int64) (lockList, error) {
	path, err := unitPath(tx, id)
	if err != nil || path == "" {
		return lockList{ids: []int64{parentID}, rewrites: []int64{id}}, err
	}
	var l lockList
	lo, hi := models.SubtreeRange(path)
	if err := tx.Model(&models.Unit{}).Where("path >= ? AND path < ?", lo, hi).Pluck("id", &l.rewrites).Error; err != nil {
		return l, dbErr("move: read subtree", err)
	}
	parentPath, err := unitPath(tx, parentID)
	if err != nil {
		return l, err
	}
	old := models.PathIDs(path)
	t, err := rollupTargets(tx, old[:len(old)-1], models.PathIDs(parentPath))
	if err != nil {
		return l, err
	}
	l.ids = append(append(append(l.ids, parentID), t[0]...), t[1]...)
	return l, nil
}

// lockUnitChange takes every lock that the change p of unit id needs, before Units.Update reads
// the unit: the unit alone for a rename or other field, the move's lock set for a new parent,
// and both Lok Sabha seats for a new seat.
func lockUnitChange(tx *gorm.DB, id int64, p UnitPatch) error {
	return lockSettled(tx, func() (lockList, error) {
		l := lockList{ids: []int64{id}}
		var cur []models.Unit
		if err := tx.Select("id", "parent_id", "parliamentary_id").Where("id = ?", id).Find(&cur).Error; err != nil {
			return l, dbErr("lock unit", err)
		}
		if len(cur) == 0 {
			return l, nil // not found: Update says so
		}
		if p.ParentID != nil && (cur[0].ParentID == nil || *cur[0].ParentID != *p.ParentID) {
			m, err := moveLockSet(tx, id, *p.ParentID)
			if err != nil {
				return l, err
			}
			l.ids, l.rewrites = append(l.ids, m.ids...), m.rewrites
		}
		if p.ParliamentaryID.Set {
			for _, pc := range []*int64{cur[0].ParliamentaryID, p.ParliamentaryID.Value} {
				if pc != nil {
					l.ids = append(l.ids, *pc)
				}
			}
		}
		return l, nil
	})
}

// lockNewUnit takes the locks a new unit under parentID needs before Create reads the parent:
// the parent (whose path the unit's is built from), and for a booth the lock set of the booth's
// place, whose counts it joins. Taken before the insert, whose foreign-key check holds a key-share
// lock on the parent that a move of the parent would otherwise wait for behind our back.
func lockNewUnit(tx *gorm.DB, level models.Level, parentID int64) error {
	return lockSettled(tx, func() (lockList, error) {
		if level != models.LevelBooth {
			return lockList{ids: []int64{parentID}}, nil
		}
		ids, err := boothLockSet(tx, parentID)
		return lockList{ids: ids}, err
	})
}

// lockUnitDelete takes the locks the deletion of unit id needs before Units.Delete reads it:
// for a booth its lock set, whose counts it leaves; the row itself as a key change.
func lockUnitDelete(tx *gorm.DB, id int64) error {
	return lockSettled(tx, func() (lockList, error) {
		var levels []models.Level
		if err := tx.Model(&models.Unit{}).Where("id = ?", id).Pluck("level", &levels).Error; err != nil {
			return lockList{}, dbErr("lock unit", err)
		}
		l := lockList{rewrites: []int64{id}}
		if len(levels) == 1 && levels[0] == models.LevelBooth {
			ids, err := boothLockSet(tx, id)
			l.ids = slices.DeleteFunc(ids, func(x int64) bool { return x == id })
			return l, err
		}
		return l, nil
	})
}

// addBooths adds to the booth rollups of the units in d. The caller holds their locks.
func addBooths(tx *gorm.DB, d map[int64]boothCounts) error {
	byChange := map[boothCounts][]int64{}
	for id, c := range d {
		if c != (boothCounts{}) {
			byChange[c] = append(byChange[c], id)
		}
	}
	for c, ids := range byChange {
		slices.Sort(ids)
		for _, chunk := range chunks(ids, 5000) {
			if err := tx.Model(&models.Unit{}).Where("id IN ?", chunk).UpdateColumns(map[string]any{
				"booths":          gorm.Expr("booths + ?", c.booths),
				"booths_complete": gorm.Expr("booths_complete + ?", c.complete),
			}).Error; err != nil {
				return dbErr("booth rollup", err)
			}
		}
	}
	return nil
}

// flipBooths moves booths_complete by delta (+1 or -1) for each booth path given, on the booth,
// every unit above it and its Lok Sabha seat. The caller holds each booth's lock set.
func flipBooths(tx *gorm.DB, flips map[string]int64) error {
	if len(flips) == 0 {
		return nil
	}
	paths := make([][]int64, 0, len(flips))
	deltas := make([]int64, 0, len(flips))
	for p, delta := range flips {
		paths = append(paths, models.PathIDs(p))
		deltas = append(deltas, delta)
	}
	targets, err := rollupTargets(tx, paths...)
	if err != nil {
		return err
	}
	d := map[int64]boothCounts{}
	for i, ids := range targets {
		for _, id := range ids {
			c := d[id]
			c.complete += deltas[i]
			d[id] = c
		}
	}
	return addBooths(tx, d)
}

// committeeChange is the new state of one committee after seats were taken or ended.
type committeeChange struct {
	unit     models.Unit // as read under its lock: level, path and the stored completeness
	seats    int
	complete bool
}

// committeesChanged stores the seat counts and completeness of committees after seat changes
// and, for each booth whose completeness flips, moves booths_complete on the booth's lock set,
// which the caller holds (a plain change needs only the committee's own lock). One committee is
// one UPDATE; many (a people import) go through a staging table.
func committeesChanged(tx *gorm.DB, copyRows copyFunc, changes []committeeChange) error {
	flips := map[string]int64{}
	for _, c := range changes {
		if c.unit.Level == models.LevelBooth && c.complete != c.unit.CommitteeComplete {
			flips[c.unit.Path] = 1
			if !c.complete {
				flips[c.unit.Path] = -1
			}
		}
	}
	switch {
	case len(changes) == 0:
		return nil
	case len(changes) == 1 || copyRows == nil:
		for _, c := range changes {
			if err := tx.Model(&models.Unit{}).Where("id = ?", c.unit.ID).
				UpdateColumns(map[string]any{"seats": c.seats, "committee_complete": c.complete}).Error; err != nil {
				return dbErr("committee rollup", err)
			}
		}
	default:
		drop, err := stagingTable(tx, "committee_rollups", "id BIGINT PRIMARY KEY, seats INTEGER, complete BOOLEAN")
		if err != nil {
			return err
		}
		data := make([][]any, 0, len(changes))
		for _, c := range changes {
			data = append(data, []any{c.unit.ID, c.seats, c.complete})
		}
		if err := copyRows("committee_rollups", []string{"id", "seats", "complete"}, data); err != nil {
			return err
		}
		if err := tx.Exec("UPDATE units SET seats = s.seats, committee_complete = s.complete FROM committee_rollups s WHERE units.id = s.id").Error; err != nil {
			return dbErr("committee rollup", err)
		}
		if err := drop(); err != nil {
			return err
		}
	}
	return flipBooths(tx, flips)
}

// unitCreated adds a booth that Create has just inserted, under the locks of lockNewUnit, to the
// counts of every unit above it and of its Lok Sabha seat. Other levels start with no booths.
func unitCreated(tx *gorm.DB, u *models.Unit) error {
	if err := representationRows(tx, "u.id = ?", u.ID); err != nil {
		return err
	}
	if u.Level != models.LevelBooth {
		return nil
	}
	t, err := rollupTargets(tx, models.PathIDs(u.Path))
	if err != nil {
		return err
	}
	d := map[int64]boothCounts{}
	for _, id := range t[0] {
		d[id] = boothCounts{booths: 1}
	}
	if err := addBooths(tx, d); err != nil {
		return err
	}
	u.Booths = 1
	return nil
}

// unitDeleted takes a booth about to be deleted out of the counts of every unit above it and
// of its Lok Sabha seat, under the booth's lock set. Other levels have nothing to take out: a
// unit with children cannot be deleted.
func unitDeleted(tx *gorm.DB, id int64) error {
	var levels []models.Level
	if err := tx.Model(&models.Unit{}).Where("id = ?", id).Pluck("level", &levels).Error; err != nil {
		return dbErr("delete unit", err)
	}
	if len(levels) == 0 || levels[0] != models.LevelBooth {
		return nil
	}
	if err := lockSettled(tx, func() (lockList, error) {
		ids, err := boothLockSet(tx, id)
		return lockList{ids: ids}, err
	}); err != nil {
		return err
	}
	var b models.Unit
	if err := tx.Select("id", "path", "committee_complete").Where("id = ?", id).Take(&b).Error; err != nil {
		return dbErr("delete unit", err)
	}
	t, err := rollupTargets(tx, models.PathIDs(b.Path))
	if err != nil {
		return err
	}
	c := boothCounts{booths: -1}
	if b.CommitteeComplete {
		c.complete = -1
	}
	d := map[int64]boothCounts{}
	for _, id := range t[0] {
		d[id] = c
	}
	return addBooths(tx, d)
}

// unitMoved moves the booth counts of u, read under the move's locks before its path changed,
// from every unit above its old place (and the Lok Sabha seat of an assembly there) to every unit
// above its new place under a parent with newParentPath. Units above both places are left alone.
func unitMoved(tx *gorm.DB, u models.Unit, newParentPath string) error {
	if err := representationMoved(tx, u, newParentPath); err != nil {
		return err
	}
	if u.Booths == 0 && u.BoothsComplete == 0 {
		return nil
	}
	old := models.PathIDs(u.Path)
	t, err := rollupTargets(tx, old[:len(old)-1], models.PathIDs(newParentPath))
	if err != nil {
		return err
	}
	d := map[int64]boothCounts{}
	for side, sign := range []int64{-1, 1} {
		for _, id := range t[side] {
			c := d[id]
			c.booths += sign * u.Booths
			c.complete += sign * u.BoothsComplete
			d[id] = c
		}
	}
	return addBooths(tx, d)
}

// parliamentaryChanged moves an assembly's booth counts from the Lok Sabha seat it left to the
// one it joined (either may be none). Units.Update holds the locks (lockUnitChange).
func parliamentaryChanged(tx *gorm.DB, assemblyID int64, from, to *int64) error {
	if (from == nil && to == nil) || (from != nil && to != nil && *from == *to) {
		return nil
	}
	var a models.Unit
	if err := tx.Select("id", "booths", "booths_complete").Where("id = ?", assemblyID).Take(&a).Error; err != nil {
		return dbErr("lok sabha rollup", err)
	}
	d := map[int64]boothCounts{}
	if from != nil {
		d[*from] = boothCounts{-a.Booths, -a.BoothsComplete}
	}
	if to != nil {
		d[*to] = boothCounts{a.Booths, a.BoothsComplete}
	}
	return addBooths(tx, d)
}

// recountBooths recomputes the booth rollups of the given units (not booths) from the tree, for
// the units import, which places and moves many booths at once, then every Lok Sabha
// constituency from its assemblies (a few hundred rows even for all of India). Each unit costs
// one index range scan.
func recountBooths(tx *gorm.DB, ids []int64) error {
	if err := lockForRecount(tx, ids); err != nil {
		return err
	}
	const under = "b.level = 'booth' AND b.path >= units.path AND b.path < substr(units.path, 1, length(units.path) - 1) || '0'"
	for _, chunk := range chunks(ids, 5000) {
		if err := tx.Exec("UPDATE units SET booths = (SELECT count(*) FROM units b WHERE "+under+"), "+
			"booths_complete = (SELECT count(*) FROM units b WHERE "+under+" AND b.committee_complete) "+
			"WHERE id IN ? AND level NOT IN ('parliamentary', 'booth')", chunk).Error; err != nil {
			return dbErr("recount booths", err)
		}
	}
	if err := tx.Exec("UPDATE units SET booths = COALESCE((SELECT sum(a.booths) FROM units a WHERE a.parliamentary_id = units.id), 0), " +
		"booths_complete = COALESCE((SELECT sum(a.booths_complete) FROM units a WHERE a.parliamentary_id = units.id), 0) " +
		"WHERE level = 'parliamentary'").Error; err != nil {
		return dbErr("recount constituencies", err)
	}
	return nil
}

// lockForRecount locks the units a recount rewrites, and every Lok Sabha constituency, in id
// order, before the recount reads anything. A recount sets counts rather than adding to them: on
// PostgreSQL its UPDATE counts with a snapshot taken when the statement starts, so a change that
// commits while the UPDATE waits for a row would be counted from stale rows and lost. Taking
// the locks first makes the counting statement start after every transaction that held one of
// these rows has committed; those that come later wait and add on top.
func lockForRecount(tx *gorm.DB, ids []int64) error {
	var pcs []int64
	if err := tx.Model(&models.Unit{}).Where("level = ?", models.LevelParliamentary).Pluck("id", &pcs).Error; err != nil {
		return dbErr("lock units", err)
	}
	return lockUnits(tx, append(slices.Clone(ids), pcs...))
}
