package services

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// PeopleColumns are the columns of the people CSV, in the order exports write them.
var PeopleColumns = []string{"name", "name_hi", "gender", "birth_year", "phone", "voter_id", "category", "religion", "caste",
	"home_unit_code", "committee_unit_code", "position"}

// The people import runs in three steps, so that neither memory nor locks grow with the file:
//
//  1. The file streams through the row checks (PersonInput.validate, as for the API) into a
//     temporary table on the import's own connection (COPY on PostgreSQL), outside any
//     transaction: the longest step holds no lock at all, and only one row is in memory.
//  2. One transaction checks the rows against each other and the database set-based: voter IDs
//     twice in the file or held outside the actor's scope, unknown units, and every seat under
//     checkSeat's rules in checkSeat's order; it locks the committees the file writes (ascending
//     id, the lock order of rollups.go) before it reads their seats.
//  3. The same transaction writes people, seats and the committees' counts with INSERT … SELECT
//     and UPDATE … FROM, one audit row per unit and batch, and — last, for a moment — the booth
//     counts of the units above the booths whose committees became complete (or incomplete).
//
// Those shared rows (the state, districts, Lok Sabha seats) are locked out of order at the very
// end, and only for as long as a lock is normally held; if one is not free within
// finalLockWait, some transaction holding it probably waits for one of the import's committees,
// and the transaction runs again from the staged rows, this time taking every lock up front in
// order (wide). Statistics are refreshed after a large load (analyzeAfter).

// importPeopleStage is the staging table of the people CSV: one row per line that passed the
// row checks, values normalised, empty optional cells NULL.
const importPeopleStage = `line INTEGER PRIMARY KEY, name TEXT NOT NULL, name_hi TEXT NOT NULL, search_text TEXT NOT NULL,
	gender TEXT NOT NULL, birth_year INTEGER, phone TEXT, voter_id TEXT, category TEXT NOT NULL, religion TEXT,
	caste TEXT NOT NULL, home_code TEXT, comm_code TEXT, position TEXT`

var importPeopleCols = []string{"line", "name", "name_hi", "search_text", "gender", "birth_year", "phone", "voter_id",
	"category", "religion", "caste", "home_code", "comm_code", "position"}

// finalLockWait bounds the wait for each of the locks an import takes out of order at its end.
const finalLockWait = "2s"

// The reasons a staged person row fails before its seat is looked at, in the order they are
// checked; a row fails on the first.
const (
	personDupVoter     = 1 // the voter ID appears on an earlier line
	personVoterOutside = 2 // a person outside the actor's scope holds the voter ID
	personHomeUnknown  = 3
	personHomeRequired = 4
	personCommUnknown  = 5
)

// seatAlreadyHeld marks a row whose person already holds that very position on that committee:
// nothing to do. Rows checkSeat refuses are marked 1.
const seatAlreadyHeld = -1

// People upserts people by voter ID from a people CSV (see PeopleColumns) and, where a row
// names committee_unit_code and position, seats the person on that committee under the same
// rules as the API (checkSeat: a taken single-holder position, a person already on the committee
// or a full committee is a row error). A row whose person already holds exactly that position
// on that committee leaves the seat as it is, so that a file can be imported again. The file
// streams: it may have any number of rows. AllOrNothing writes nothing when any row is bad;
// ValidRows writes the good rows. Returns Forbidden for roles that may not manage people.
func (s *Imports) People(ctx context.Context, actor Actor, r io.Reader, mode ImportMode) (ImportResult, error) {
	if !actor.canManageUnits() {
		return ImportResult{}, Errorf(EForbidden, "your role may not change people")
	}
	if mode == "" {
		mode = AllOrNothing
	}
	if mode != AllOrNothing && mode != ValidRows {
		return ImportResult{}, invalid("mode", "one_of", map[string]any{"allowed": []string{"all_or_nothing", "valid_rows"}}, "must be all_or_nothing or valid_rows")
	}
	st, err := openCSV(r, PeopleColumns, []string{"name", "gender", "category"})
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	written := int64(0)
	err = withImportConn(ctx, s.db, func(c *importConn) error {
		if err := c.stage("imp_people", importPeopleStage); err != nil {
			return err
		}
		if _, err := c.load("imp_people", importPeopleCols, personRows(st, s.now().Year())); err != nil {
			return err
		}
		if err := c.analyzeStaged("imp_people"); err != nil {
			return err
		}
		s.phase("staged")
		return c.inTx(func(tx *gorm.DB, attempt int) error {
			res, written = ImportResult{}, 0
			p := &peopleTx{imports: s, c: c, tx: tx, actor: actor, st: st, wide: attempt > 0, now: s.now()}
			var err error
			res, written, err = p.run(mode)
			return err
		})
	})
	if err != nil {
		return ImportResult{Errors: res.Errors}, err
	}
	if err := s.analyzeAfter(ctx, written, "people", "seats"); err != nil {
		return res, err
	}
	return res, nil
}

// personRows feeds the staging table: each row through the same checks as the API's, bad rows
// recorded in st's errors and left out.
func personRows(st *csvStream, year int) rowSource {
	return func() ([]any, bool, error) {
		for {
			rec, line, err := st.next()
			if err == io.EOF {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			bad := false
			fail := func(field, code string, params map[string]any, msg string) {
				st.errs.add(line, field, code, params, msg)
				bad = true
			}
			home, comm := st.get(rec, "home_unit_code"), st.get(rec, "committee_unit_code")
			position := models.Position(strings.ToLower(st.get(rec, "position")))
			in := PersonInput{Name: st.get(rec, "name"), NameHi: st.get(rec, "name_hi"), Gender: models.Gender(st.get(rec, "gender")),
				Phone: st.get(rec, "phone"), VoterID: st.get(rec, "voter_id"), Category: models.Category(st.get(rec, "category")),
				Religion: st.get(rec, "religion"), Caste: st.get(rec, "caste")}
			if by := st.get(rec, "birth_year"); by != "" {
				n, err := strconv.Atoi(by)
				if err != nil {
					fail("birth_year", "wrong_type", map[string]any{"type": "integer"}, "must be a whole number")
				} else {
					in.BirthYear = &n
				}
			}
			in.normalise()
			for _, fe := range in.validate(year) {
				fail(fe.Field, fe.Code, fe.Params, fe.Message)
			}
			switch {
			case comm == "" && position != "":
				fail("committee_unit_code", "required", nil, "is required with a position")
			case comm != "" && position == "":
				fail("position", "required", nil, "is required with a committee")
			case position != "" && !position.Valid():
				fail("position", "one_of", map[string]any{"allowed": models.Positions}, mustBePosition)
			}
			if bad {
				continue
			}
			return []any{line, in.Name, in.NameHi, stagedSearchText(st, in.Name, in.NameHi), string(in.Gender), in.BirthYear, optString(in.Phone),
				optString(in.VoterID), string(in.Category), optString(in.Religion), in.Caste, optString(home), optString(comm),
				optString(string(position))}, true, nil
		}
	}
}

// peopleTx is one run of the people import's transaction over the staged rows.
type peopleTx struct {
	imports *Imports
	c       *importConn
	tx      *gorm.DB
	actor   Actor
	st      *csvStream
	wide    bool // take every lock up front, in order (after a run that could not take its last locks)
	now     time.Time

	seatErrs lineErrors       // rows checkSeat refused
	changes  []committeeCount // the committees whose counts the seats change
	flips    map[string]int64 // booths whose completeness flips, by path: +1 or -1
}

func (p *peopleTx) run(mode ImportMode) (ImportResult, int64, error) {
	if err := p.c.roomy(p.tx); err != nil {
		return ImportResult{}, 0, err
	}
	if err := p.resolve(); err != nil {
		return ImportResult{}, 0, err
	}
	if err := p.lock(); err != nil {
		return ImportResult{}, 0, err
	}
	p.imports.phase("locked")
	if err := p.checkSeats(); err != nil {
		return ImportResult{}, 0, err
	}
	errs, bad, err := p.rowErrors()
	if err != nil {
		return ImportResult{}, 0, err
	}
	res := ImportResult{Errors: errs}
	if bad > 0 && mode == AllOrNothing {
		return res, 0, importFailedLines(res, bad)
	}
	written, err := p.write(&res)
	if err != nil {
		return ImportResult{Errors: errs}, 0, err
	}
	return res, written, nil
}

// resolve finds, for every staged row, the stored person with its voter ID, the units it names
// (inside the actor's scope), the first failing rule among those that need no committee, and
// whether the row changes a stored person.
func (p *peopleTx) resolve() error {
	var scopeID *int64
	if p.actor.ScopeUnitID != nil {
		var ids []int64
		if err := p.tx.Model(&models.Unit{}).Where("id = ?", *p.actor.ScopeUnitID).Pluck("id", &ids).Error; err != nil {
			return dbErr("import people: read scope", err)
		}
		if len(ids) == 1 {
			scopeID = &ids[0]
		}
	}
	stored, sa := scopeCond(p.actor, "pu.path")
	home, ha := scopeCond(p.actor, "h.path")
	comm, ca := scopeCond(p.actor, "c.path")
	// A stored person changes when a column the file has differs, or the file moves them.
	has := p.st.has
	changed := []string{"p.name IS DISTINCT FROM s.name", "p.search_text IS DISTINCT FROM " + searchTextExpr(p.c.pg, p.st, "s.search_text", "p.search_text"),
		"p.gender IS DISTINCT FROM s.gender", "p.category IS DISTINCT FROM s.category",
		"(s.home_code IS NOT NULL AND (p.home_unit_id IS DISTINCT FROM h.id OR p.unit_id IS DISTINCT FROM h.id))"}
	for _, col := range []string{"name_hi", "birth_year", "phone", "voter_id", "religion", "caste"} {
		if has(col) {
			changed = append(changed, "p."+col+" IS DISTINCT FROM s."+col)
		}
	}
	q := `SELECT s.line AS line, p.id AS stored_id, d.first_line AS first_line,
		CASE
			WHEN d.first_line < s.line THEN ` + strconv.Itoa(personDupVoter) + `
			WHEN p.id IS NOT NULL AND NOT (` + stored + `) THEN ` + strconv.Itoa(personVoterOutside) + `
			WHEN s.home_code IS NOT NULL AND h.id IS NULL THEN ` + strconv.Itoa(personHomeUnknown) + `
			WHEN s.home_code IS NULL AND p.id IS NULL AND CAST(? AS BIGINT) IS NULL THEN ` + strconv.Itoa(personHomeRequired) + `
			WHEN s.comm_code IS NOT NULL AND c.id IS NULL THEN ` + strconv.Itoa(personCommUnknown) + `
			ELSE 0 END AS err,
		CASE WHEN s.home_code IS NOT NULL THEN h.id WHEN p.id IS NOT NULL THEN p.unit_id ELSE CAST(? AS BIGINT) END AS owner_id,
		CASE WHEN s.home_code IS NOT NULL THEN h.id WHEN p.id IS NOT NULL THEN p.home_unit_id END AS home_id,
		c.id AS comm_id, c.code AS comm_code, s.position AS position,
		CASE WHEN p.id IS NOT NULL AND (` + strings.Join(changed, " OR ") + `) THEN 1 ELSE 0 END AS changed
	FROM imp_people s
	LEFT JOIN (SELECT voter_id, min(line) AS first_line FROM imp_people WHERE voter_id IS NOT NULL
		GROUP BY voter_id HAVING count(*) > 1) d ON d.voter_id = s.voter_id
	LEFT JOIN people p ON p.voter_id = s.voter_id
	LEFT JOIN units pu ON pu.id = p.unit_id
	LEFT JOIN units h ON h.code = s.home_code AND ` + home + `
	LEFT JOIN units c ON c.code = s.comm_code AND ` + comm
	args := append(append(append(append([]any{}, sa...), scopeID, scopeID), ha...), ca...)
	return p.c.tempTable(p.tx, "imp_people_res", q, args...)
}

// committeesNamed selects the committees the good rows seat people on.
const committeesNamed = "SELECT comm_id FROM imp_people_res WHERE err = 0 AND comm_id IS NOT NULL"

// lock takes the row locks the writes need, before the seats are read: the committees the
// file seats people on (and, wide, every unit whose booth counts a seat could move), and a
// key-share lock on the units the people will be looked after by, whose paths are copied.
func (p *peopleTx) lock() error {
	// Owners that are also committees get the stronger lock below, which also keeps moves out.
	if err := p.c.lockUnitsIn(p.tx, "KEY SHARE", "SELECT owner_id FROM imp_people_res WHERE err = 0 AND owner_id NOT IN ("+committeesNamed+")"); err != nil {
		return err
	}
	if !p.wide {
		return p.c.lockUnitsIn(p.tx, lockChange, committeesNamed)
	}
	return lockSettled(p.tx, func() (lockList, error) {
		var us []models.Unit
		if err := p.tx.Select("id", "level", "path").Where("id IN (" + committeesNamed + ")").Find(&us).Error; err != nil {
			return lockList{}, dbErr("import people: lock committees", err)
		}
		var ids []int64
		var paths [][]int64
		for _, u := range us {
			ids = append(ids, u.ID)
			if u.Level == models.LevelBooth {
				paths = append(paths, models.PathIDs(u.Path))
			}
		}
		targets, err := rollupTargets(p.tx, paths...)
		for _, t := range targets {
			ids = append(ids, t...)
		}
		return lockList{ids: ids}, err
	})
}

// checkSeats puts every row that seats someone through checkSeat — the API's own rule — one
// committee at a time, in line order, against the committee's seats as read under its lock and
// the seats the rows before took: the seats stream past once, sorted by committee, and only one
// committee is in memory at a time. A row whose stored person already holds exactly that
// position there leaves the seat as it is. It records the refusals and which rows take no seat
// (imp_people_seat), and the new counts of each committee and the booths that flip.
func (p *peopleTx) checkSeats() error {
	var ns []models.CommitteeNorm
	if err := p.tx.Find(&ns).Error; err != nil {
		return dbErr("load committee norms", err)
	}
	norms := map[models.Level]models.CommitteeNorm{}
	for _, n := range ns {
		norms[n.Level] = n
	}
	// The committees as stored, one small entry each (a state has some 140,000).
	units := map[int64]committeeUnit{}
	urows, err := p.tx.Raw("SELECT id, level, code, path, seats, committee_complete FROM units WHERE id IN (" + committeesNamed + ")").Rows()
	if err != nil {
		return dbErr("import people: read committees", err)
	}
	for urows.Next() {
		var id int64
		var u committeeUnit
		if err := urows.Scan(&id, &u.level, &u.code, &u.path, &u.seats, &u.complete); err != nil {
			urows.Close()
			return dbErr("import people: read committees", err)
		}
		units[id] = u
	}
	if err := errors.Join(urows.Err(), urows.Close()); err != nil {
		return dbErr("import people: read committees", err)
	}
	rows, err := p.tx.Raw(`SELECT x.comm_id, x.kind, x.line, x.position, x.person_id FROM (
		SELECT st.unit_id AS comm_id, 0 AS kind, 0 AS line, st.position AS position, st.person_id AS person_id
		FROM seats st WHERE st.ended_at IS NULL AND st.unit_id IN (` + committeesNamed + `)
		UNION ALL
		SELECT r.comm_id, 1, r.line, r.position, r.stored_id
		FROM imp_people_res r WHERE r.err = 0 AND r.comm_id IS NOT NULL
	) x ORDER BY x.comm_id, x.kind, x.line`).Rows()
	if err != nil {
		return dbErr("import people: read seats", err)
	}
	defer rows.Close()
	p.flips = map[string]int64{}
	var none []int32 // rows that take no seat: refused, or holding it already
	var noneWhy []int8
	var c *committeeState
	held := map[int64]models.Position{} // the committee's current seats, by person
	finish := func() {
		if c == nil {
			return
		}
		ch := c.change()
		if ch.seats != c.unit.Seats || ch.complete != c.unit.CommitteeComplete {
			p.changes = append(p.changes, committeeCount{id: c.unit.ID, seats: ch.seats, complete: ch.complete})
		}
		if c.unit.Level == models.LevelBooth && ch.complete != c.unit.CommitteeComplete {
			p.flips[c.unit.Path] = 1
			if !ch.complete {
				p.flips[c.unit.Path] = -1
			}
		}
	}
	for rows.Next() {
		var commID int64
		var kind, line int
		var position models.Position
		var personID *int64
		if err := rows.Scan(&commID, &kind, &line, &position, &personID); err != nil {
			return dbErr("import people: read seats", err)
		}
		if c == nil || c.unit.ID != commID {
			finish()
			cu := units[commID]
			u := models.Unit{ID: commID, Level: cu.level, Code: cu.code, Path: cu.path, Seats: cu.seats, CommitteeComplete: cu.complete}
			c = &committeeState{unit: u, norm: norms[u.Level], byPos: map[models.Position]int{}, people: map[int64]bool{}}
			clear(held)
		}
		var pid int64
		if personID != nil {
			pid = *personID
		}
		if kind == 0 {
			c.take(position, pid)
			held[pid] = position
			continue
		}
		if pid != 0 && c.people[pid] && held[pid] == position {
			none, noneWhy = append(none, int32(line)), append(noneWhy, seatAlreadyHeld)
			continue
		}
		if r := checkSeat(c, position, pid, true); r != nil {
			none, noneWhy = append(none, int32(line)), append(noneWhy, 1)
			p.seatErrs.add(FieldError{Line: line, Field: r.column, Message: r.row, Code: r.rule, Params: r.params})
			continue
		}
		c.take(position, pid)
	}
	finish()
	if err := rows.Err(); err != nil {
		return dbErr("import people: read seats", err)
	}
	rows.Close()
	if err := p.c.tempTableCols(p.tx, "imp_people_seat", "line INTEGER PRIMARY KEY, outcome INTEGER NOT NULL"); err != nil {
		return err
	}
	i := 0
	if _, err := p.c.loadInTx(p.tx, "imp_people_seat", []string{"line", "outcome"}, func() ([]any, bool, error) {
		if i == len(none) {
			return nil, false, nil
		}
		i++
		return []any{int(none[i-1]), int(noneWhy[i-1])}, true, nil
	}); err != nil {
		return err
	}
	return p.c.analyzeStaged("imp_people_seat")
}

// committeeUnit is what checkSeats needs of a stored committee's unit.
type committeeUnit struct {
	level      models.Level
	code, path string
	seats      int
	complete   bool
}

// committeeCount is a committee's new seat count and completeness.
type committeeCount struct {
	id       int64
	seats    int
	complete bool
}

// lineErrors keeps the first MaxImportErrors errors by line of a set that arrives out of line
// order, and counts them all.
type lineErrors struct {
	list []FieldError
	n    int
}

func (l *lineErrors) add(fe FieldError) {
	l.n++
	l.list = append(l.list, fe)
	if len(l.list) >= 2*MaxImportErrors {
		l.first()
	}
}

// first returns the kept errors in line order.
func (l *lineErrors) first() []FieldError {
	slices.SortStableFunc(l.list, func(a, b FieldError) int { return a.Line - b.Line })
	l.list = l.list[:min(len(l.list), MaxImportErrors)]
	return l.list
}

// rowErrors returns the errors of the file in line order (the row checks', the set-based
// ones' and checkSeat's, capped) and how many rows have errors.
func (p *peopleTx) rowErrors() ([]FieldError, int, error) {
	var total int64
	if err := p.tx.Raw(`SELECT count(*) FROM imp_people_res WHERE err > 0`).Scan(&total).Error; err != nil {
		return nil, 0, dbErr("import people: errors", err)
	}
	var found []struct {
		Line      int
		Err       int
		FirstLine *int
	}
	if total > 0 {
		if err := p.tx.Raw(`SELECT line, err, first_line FROM imp_people_res WHERE err > 0 ORDER BY line LIMIT ?`, MaxImportErrors).
			Scan(&found).Error; err != nil {
			return nil, 0, dbErr("import people: errors", err)
		}
	}
	more := slices.Clone(p.seatErrs.first())
	for _, f := range found {
		fe := FieldError{Line: f.Line}
		switch f.Err {
		case personDupVoter:
			fe.Field, fe.Code, fe.Params, fe.Message = "voter_id", "duplicate_in_file", map[string]any{"line": orZero(f.FirstLine)}, fmt.Sprintf("duplicates the voter ID on line %d", orZero(f.FirstLine))
		case personVoterOutside:
			fe.Field, fe.Code, fe.Message = "voter_id", "voter_id_taken", "another person already has this voter ID"
		case personHomeUnknown:
			fe.Field, fe.Code, fe.Message = "home_unit_code", "unit_not_in_scope", "no unit with this code in your scope"
		case personHomeRequired:
			fe.Field, fe.Code, fe.Message = "home_unit_code", "required", "is required: it places the person in the tree"
		case personCommUnknown:
			fe.Field, fe.Code, fe.Message = "committee_unit_code", "unit_not_in_scope", "no unit with this code in your scope"
		}
		more = append(more, fe)
	}
	slices.SortStableFunc(more, func(a, b FieldError) int { return a.Line - b.Line })
	n := int(total) + p.seatErrs.n
	return p.st.errs.merged(more[:min(len(more), MaxImportErrors)], n), p.st.errs.badLines + n, nil
}

func orZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// write stores the good rows: new people, changed stored people, new seats, the committees'
// counts, the audit rows and, last, the booth counts above booths that flipped. It fills in the
// counts of res and returns how many rows it wrote.
func (p *peopleTx) write(res *ImportResult) (int64, error) {
	tx, c := p.tx, p.c
	personID, pa, err := c.newIDExpr(tx, "people", "PARTITION BY r.stored_id IS NULL ORDER BY r.line")
	if err != nil {
		return 0, err
	}
	const takes = "r.comm_id IS NOT NULL AND x.line IS NULL"
	seatID, sa, err := c.newIDExpr(tx, "seats", "PARTITION BY ("+takes+") ORDER BY r.line")
	if err != nil {
		return 0, err
	}
	q := `SELECT r.line AS line, r.stored_id AS stored_id, COALESCE(r.stored_id, ` + personID + `) AS person_id,
		r.owner_id AS owner_id, r.home_id AS home_id,
		CASE WHEN ` + takes + ` THEN r.comm_id END AS comm_id,
		CASE WHEN ` + takes + ` THEN ` + seatID + ` END AS seat_id, r.position AS position,
		r.changed AS changed
	FROM imp_people_res r LEFT JOIN imp_people_seat x ON x.line = r.line
	WHERE r.err = 0 AND (x.outcome IS NULL OR x.outcome = ` + strconv.Itoa(seatAlreadyHeld) + `)
	ORDER BY r.line` // new ids in the file's order: PostgreSQL calls nextval after sorting
	if err := c.tempTable(tx, "imp_people_ok", q, append(pa, sa...)...); err != nil {
		return 0, err
	}
	var counts struct{ Inserted, Updated, Changed, Seated int64 }
	if err := tx.Raw(`SELECT count(*) - count(stored_id) AS inserted, count(stored_id) AS updated,
		COALESCE(sum(changed), 0) AS changed, count(seat_id) AS seated FROM imp_people_ok`).Scan(&counts).Error; err != nil {
		return 0, dbErr("import people: count", err)
	}
	res.Inserted, res.Updated, res.Seated = int(counts.Inserted), int(counts.Updated), int(counts.Seated)
	ts, id, text := c.typed("timestamptz"), c.typed("bigint"), c.typed("text")
	var actorID *int64
	if p.actor.UserID != 0 {
		actorID = &p.actor.UserID
	}
	has := p.st.has

	if counts.Inserted > 0 {
		// The path of the unit that looks after the person, read under the key-share lock lock took.
		if err := tx.Exec(`INSERT INTO people (id, name, name_hi, search_text, gender, birth_year, phone, voter_id, category,
			religion, caste, home_unit_id, unit_id, path, membership_no, public_office, created_at, updated_at)
		SELECT o.person_id, s.name, s.name_hi, `+searchTextExpr(p.c.pg, p.st, "s.search_text", "")+`, s.gender, s.birth_year, s.phone, s.voter_id,
			s.category, s.religion, s.caste, o.home_id, o.owner_id, u.path, '', '', `+ts+`, `+ts+`
		FROM imp_people_ok o JOIN imp_people s ON s.line = o.line JOIN units u ON u.id = o.owner_id
		WHERE o.stored_id IS NULL ORDER BY o.person_id`, p.now, p.now).Error; err != nil {
			return 0, dbErr("import people: insert", err)
		}
	}
	// Representation: the current seats of the stored people the file changes are counted out
	// with their old values here and in again with the new ones below, with the new seats.
	var repSeats func() error
	if counts.Changed > 0 || counts.Seated > 0 {
		if repSeats, err = p.representationBefore(counts.Changed > 0); err != nil {
			return 0, err
		}
	}
	if counts.Changed > 0 {
		// Columns the file leaves out keep their stored values; an unchanged person is not written.
		set := []string{"name = x.name", "search_text = " + searchTextExpr(p.c.pg, p.st, "x.search_text", "people.search_text"),
			"gender = x.gender", "category = x.category", "home_unit_id = x.home_id", "unit_id = x.owner_id", "path = x.path"}
		for _, col := range []string{"name_hi", "birth_year", "phone", "voter_id", "religion", "caste"} {
			if has(col) {
				set = append(set, col+" = x."+col)
			}
		}
		if err := tx.Exec(`UPDATE people SET `+strings.Join(set, ", ")+`, version = version + 1, updated_at = `+ts+`
		FROM (SELECT o.person_id AS person_id, o.home_id AS home_id, o.owner_id AS owner_id, s.name AS name, s.name_hi AS name_hi,
			s.search_text AS search_text, s.gender AS gender, s.birth_year AS birth_year, s.phone AS phone, s.voter_id AS voter_id,
			s.category AS category, s.religion AS religion, s.caste AS caste, u.path AS path
			FROM imp_people_ok o JOIN imp_people s ON s.line = o.line JOIN units u ON u.id = o.owner_id WHERE o.changed = 1) x
		WHERE people.id = x.person_id`, p.now).Error; err != nil {
			return 0, dbErr("import people: update", err)
		}
	}
	if counts.Seated > 0 {
		if err := tx.Exec(`INSERT INTO seats (id, unit_id, person_id, position, since, created_by)
		SELECT o.seat_id, o.comm_id, o.person_id, o.position, `+ts+`, `+id+`
		FROM imp_people_ok o WHERE o.seat_id IS NOT NULL ORDER BY o.seat_id`, p.now, actorID).Error; err != nil {
			return 0, dbErr("import people: seats", err)
		}
	}
	if repSeats != nil {
		if err := tx.Exec(`INSERT INTO imp_rep_seats (unit_id, sign, category, gender, religion, birth_year)
		SELECT s.unit_id, 1, p.category, p.gender, p.religion, p.birth_year FROM seats s JOIN people p ON p.id = s.person_id
		WHERE s.ended_at IS NULL AND (s.person_id IN (SELECT person_id FROM imp_people_ok WHERE changed = 1)
			OR s.id IN (SELECT seat_id FROM imp_people_ok WHERE seat_id IS NOT NULL))`).Error; err != nil {
			return 0, dbErr("import people: representation", err)
		}
	}
	p.imports.phase("written")
	if err := p.committees(); err != nil {
		return 0, err
	}
	if err := p.audit(ts, id, text, actorID); err != nil {
		return 0, err
	}
	if err := p.flip(p.flips); err != nil {
		return 0, err
	}
	if repSeats != nil {
		if err := applyRepresentationBulk(tx, "SELECT unit_id, sign, category, gender, religion, birth_year FROM imp_rep_seats"); err != nil {
			return 0, err
		}
		if err := repSeats(); err != nil {
			return 0, err
		}
	}
	return counts.Inserted + counts.Changed + counts.Seated, nil
}

// representationBefore makes the table of seats whose representation counts the import changes
// (imp_rep_seats, see seatCounts) and, when stored people change, locks the units of their current
// seats (key share, against moves), then the people themselves, and counts those seats out with
// the values stored now. It returns the function that drops the table.
func (p *peopleTx) representationBefore(changed bool) (func() error, error) {
	tx := p.tx
	drop, err := stagingTable(tx, "imp_rep_seats", "unit_id BIGINT NOT NULL, sign INTEGER NOT NULL, category TEXT NOT NULL, "+
		"gender TEXT NOT NULL, religion TEXT, birth_year INTEGER")
	if err != nil || !changed {
		return drop, err
	}
	const seatUnits = `SELECT s.unit_id FROM seats s JOIN imp_people_ok o ON o.person_id = s.person_id WHERE o.changed = 1 AND s.ended_at IS NULL`
	if err := p.c.lockUnitsIn(tx, lockKeyShare, seatUnits); err != nil {
		return nil, err
	}
	if p.c.pg {
		var n int64
		if err := tx.Raw(`SELECT count(*) FROM (SELECT id FROM people WHERE id IN (SELECT person_id FROM imp_people_ok WHERE changed = 1)
			ORDER BY id FOR NO KEY UPDATE) l`).Scan(&n).Error; err != nil {
			return nil, dbErr("import people: lock people", err)
		}
		// Seats taken before the people were locked, on units the first statement did not lock.
		if err := p.c.lockUnitsIn(tx, lockKeyShare, seatUnits); err != nil {
			return nil, err
		}
	}
	if err := tx.Exec(`INSERT INTO imp_rep_seats (unit_id, sign, category, gender, religion, birth_year)
		SELECT s.unit_id, -1, p.category, p.gender, p.religion, p.birth_year FROM seats s JOIN people p ON p.id = s.person_id
		WHERE s.ended_at IS NULL AND s.person_id IN (SELECT person_id FROM imp_people_ok WHERE changed = 1)`).Error; err != nil {
		return nil, dbErr("import people: representation", err)
	}
	return drop, nil
}

// committees stores the seat counts and completeness that checkSeats worked out for the
// committees the import seats people on, under the locks taken before their seats were read.
func (p *peopleTx) committees() error {
	if len(p.changes) == 0 {
		return nil
	}
	if err := p.c.tempTableCols(p.tx, "imp_committees", "id BIGINT PRIMARY KEY, seats INTEGER NOT NULL, complete BOOLEAN NOT NULL"); err != nil {
		return err
	}
	i := 0
	if _, err := p.c.loadInTx(p.tx, "imp_committees", []string{"id", "seats", "complete"}, func() ([]any, bool, error) {
		if i == len(p.changes) {
			return nil, false, nil
		}
		ch := p.changes[i]
		i++
		return []any{ch.id, ch.seats, ch.complete}, true, nil
	}); err != nil {
		return err
	}
	if err := p.tx.Exec(`UPDATE units SET seats = x.seats, committee_complete = x.complete FROM imp_committees x WHERE units.id = x.id`).Error; err != nil {
		return dbErr("import people: committee rollup", err)
	}
	return nil
}

// flip moves booths_complete above every booth whose completeness flipped (flipBooths, the one
// rollup path). Those rows are shared with every writer in the state, so they are locked only now,
// for this last step; the wait for each is bounded (see People).
func (p *peopleTx) flip(flips map[string]int64) error {
	if len(flips) == 0 {
		return nil
	}
	if !p.wide {
		paths := make([][]int64, 0, len(flips))
		for path := range flips {
			paths = append(paths, models.PathIDs(path))
		}
		if err := p.c.boundedWait(p.tx, finalLockWait, func() error {
			return lockSettled(p.tx, func() (lockList, error) {
				targets, err := rollupTargets(p.tx, paths...)
				var ids []int64
				for _, t := range targets {
					ids = append(ids, t...)
				}
				return lockList{ids: ids}, err
			})
		}); err != nil {
			return err
		}
	}
	p.imports.phase("final")
	return flipBooths(p.tx, flips)
}

// audit writes who changed what: per unit and block of 1000 lines of the file, one row for the people
// looked after there that the import created or changed ({"created": [{"id", "line"}…],
// "updated": […]}) and one for the seats it took on the unit's committee ({"created": [{"id",
// "person_id", "position", "line"}…]}). No personal values: ids, positions and line numbers.
func (p *peopleTx) audit(ts, id, text string, actorID *int64) error {
	c := p.c
	name := p.actor.Username
	if name == "" {
		name = "system"
	}
	person := c.jsonObject("id", "r.person_id", "line", "r.line")
	people := c.jsonObject("created", c.jsonArray(person, "r.kind = 1", "r.line"), "updated", c.jsonArray(person, "r.kind = 0", "r.line"))
	seat := c.jsonObject("id", "r.seat_id", "person_id", "r.person_id", "position", "r.position", "line", "r.line")
	seats := c.jsonObject("created", c.jsonArray(seat, "1 = 1", "r.line"))
	insert := `INSERT INTO audit_log (at, actor_id, actor_username, action, entity, entity_id, unit_id, unit_path, before, after, request_id)
	SELECT ` + ts + `, ` + id + `, ` + text + `, 'import', ?, '', g.unit_id, u.path, NULL, CAST(g.after AS TEXT), ` + text + `
	FROM (SELECT r.unit_id AS unit_id, r.line / 1000 AS chunk, %s AS after FROM (%s) r GROUP BY r.unit_id, r.line / 1000) g
	JOIN units u ON u.id = g.unit_id ORDER BY g.unit_id, g.chunk`
	batches := []struct{ entity, after, rows string }{
		{"person", people, `SELECT o.owner_id AS unit_id, o.person_id AS person_id, o.line AS line,
			CASE WHEN o.stored_id IS NULL THEN 1 ELSE 0 END AS kind
			FROM imp_people_ok o WHERE o.stored_id IS NULL OR o.changed = 1`},
		{"seat", seats, `SELECT o.comm_id AS unit_id, o.seat_id AS seat_id, o.person_id AS person_id, o.position AS position, o.line AS line
			FROM imp_people_ok o WHERE o.seat_id IS NOT NULL`},
	}
	for _, b := range batches {
		if err := p.tx.Exec(fmt.Sprintf(insert, b.after, b.rows), p.now, actorID, name, b.entity, p.actor.RequestID).Error; err != nil {
			return dbErr("import people: audit", err)
		}
	}
	return nil
}

// importFailedLines is the error of an all-or-nothing import with bad rows, n of them.
func importFailedLines(res ImportResult, n int) error {
	return &Error{Code: EInvalid, Message: fmt.Sprintf("%d of the file's rows have errors; nothing was written", n), Fields: res.Errors, Data: res}
}

// analyzeAfter refreshes the statistics of tables after an import that wrote n rows, when that
// is many: more than 10,000 rows, or more than a tenth of what the first table held. Plans made
// without them can be a thousand times slower (a district's children: 138 ms against 0.18 ms).
func (s *Imports) analyzeAfter(ctx context.Context, n int64, tables ...string) error {
	if n == 0 {
		return nil
	}
	if n <= 10_000 {
		rows, err := tableRows(ctx, s.db, tables[0])
		if err != nil {
			return err
		}
		if n*10 <= rows {
			return nil
		}
	}
	return analyzeTables(ctx, s.db, tables...)
}

// phase tells a test where an import has got to (see export_test.go); nil outside tests.
func (s *Imports) phase(name string) {
	if s.onPhase != nil {
		s.onPhase(name)
	}
}

func chunks[T any](xs []T, n int) [][]T {
	var out [][]T
	for start := 0; start < len(xs); start += n {
		out = append(out, xs[start:min(start+n, len(xs))])
	}
	return out
}
