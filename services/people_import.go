package services

import (
	"context"
	"fmt"
	"io"
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
const importPeopleStage = `line INTEGER PRIMARY KEY, name TEXT NOT NULL, name_hi TEXT NOT NULL, name_lower TEXT NOT NULL,
	gender TEXT NOT NULL, birth_year INTEGER, phone TEXT, voter_id TEXT, category TEXT NOT NULL, religion TEXT,
	caste TEXT NOT NULL, home_code TEXT, comm_code TEXT, position TEXT`

var importPeopleCols = []string{"line", "name", "name_hi", "name_lower", "gender", "birth_year", "phone", "voter_id",
	"category", "religion", "caste", "home_code", "comm_code", "position"}

// finalLockWait bounds the wait for each of the locks an import takes out of order at its end.
const finalLockWait = "2s"

// The reasons a staged person row fails, in the order they are checked; a row fails on the first.
const (
	personDupVoter     = 1 // the voter ID appears on an earlier line
	personVoterOutside = 2 // a person outside the actor's scope holds the voter ID
	personHomeUnknown  = 3
	personHomeRequired = 4
	personCommUnknown  = 5
	seatAgentOffBooth  = 6 // checkSeat's refusals, in checkSeat's order
	seatAlreadySits    = 7
	seatPositionHeld   = 8
	seatCommitteeFull  = 9
	seatAlreadyHeld    = -1 // the person already holds this very position there: nothing to do
)

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
		return ImportResult{}, invalid("mode", "must be all_or_nothing or valid_rows")
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
			fail := func(field, msg string) {
				st.errs.add(line, field, msg)
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
					fail("birth_year", "must be a whole number")
				} else {
					in.BirthYear = &n
				}
			}
			in.normalise()
			for _, fe := range in.validate(year) {
				fail(fe.Field, fe.Message)
			}
			switch {
			case comm == "" && position != "":
				fail("committee_unit_code", "is required with a position")
			case comm != "" && position == "":
				fail("position", "is required with a committee")
			case position != "" && !position.Valid():
				fail("position", mustBePosition)
			}
			if bad {
				continue
			}
			return []any{line, in.Name, in.NameHi, strings.ToLower(in.Name), string(in.Gender), in.BirthYear, optString(in.Phone),
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
}

func (p *peopleTx) run(mode ImportMode) (ImportResult, int64, error) {
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
// (inside the actor's scope) and the first failing rule among those that need no committee.
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
		c.id AS comm_id, c.level AS comm_level, c.code AS comm_code
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

// lock takes the row locks the writes need, before the seats are read: the committees the
// file seats people on (and, wide, every unit whose booth counts a seat could move), and a
// key-share lock on the units the people will be looked after by, whose paths are copied.
func (p *peopleTx) lock() error {
	if err := p.c.lockUnitsIn(p.tx, "KEY SHARE", "SELECT owner_id FROM imp_people_res WHERE err = 0"); err != nil {
		return err
	}
	const committees = "SELECT comm_id FROM imp_people_res WHERE err = 0 AND comm_id IS NOT NULL"
	if !p.wide {
		return p.c.lockUnitsIn(p.tx, lockChange, committees)
	}
	return lockSettled(p.tx, func() (lockList, error) {
		var us []models.Unit
		if err := p.tx.Select("id", "level", "path").Where("id IN (" + committees + ")").Find(&us).Error; err != nil {
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

// checkSeats applies checkSeat's rules to every row that seats someone, as if the rows were
// seated one after the other in line order, against the committees' seats as read under their
// locks: a booth agent off a booth; a person already on the committee (nothing to do when in the
// same position); a single-holder position held already or by an earlier row; a committee at
// its maximum. Within a committee with room for k more seats, the first k rows that pass the
// other rules take seats and the rest find it full; a later row for a single-holder position is
// refused as held when the first row for it took a seat, and as full when it did not.
func (p *peopleTx) checkSeats() error {
	var singles []string
	for _, pos := range models.Positions {
		if pos.SingleHolder() {
			singles = append(singles, string(pos))
		}
	}
	single := func(col string) string { return col + " IN ('" + strings.Join(singles, "','") + "')" }
	q := `WITH cand AS (
		SELECT r.line AS line, r.comm_id AS comm_id, s.position AS position,
			CASE
				WHEN s.position = 'booth_agent' AND r.comm_level <> 'booth' THEN ` + strconv.Itoa(seatAgentOffBooth) + `
				WHEN st.position = s.position THEN ` + strconv.Itoa(seatAlreadyHeld) + `
				WHEN st.position IS NOT NULL THEN ` + strconv.Itoa(seatAlreadySits) + `
				WHEN ` + single("s.position") + ` AND EXISTS (SELECT 1 FROM seats h WHERE h.unit_id = r.comm_id
					AND h.position = s.position AND h.ended_at IS NULL) THEN ` + strconv.Itoa(seatPositionHeld) + `
				ELSE 0 END AS pre
		FROM imp_people_res r
		JOIN imp_people s ON s.line = r.line
		LEFT JOIN seats st ON st.unit_id = r.comm_id AND st.person_id = r.stored_id AND st.ended_at IS NULL
		WHERE r.err = 0 AND r.comm_id IS NOT NULL
	), ranked AS (
		SELECT line, comm_id, position,
			CASE WHEN ` + single("position") + ` THEN row_number() OVER (PARTITION BY comm_id, position ORDER BY line) ELSE 1 END AS rn
		FROM cand WHERE pre = 0
	), elig AS (
		SELECT line, comm_id, position, row_number() OVER (PARTITION BY comm_id ORDER BY line) AS rank
		FROM ranked WHERE rn = 1
	), room AS (
		SELECT u.id AS id, n.max_seats AS max_seats,
			n.max_seats - (SELECT count(*) FROM seats x WHERE x.unit_id = u.id AND x.ended_at IS NULL) AS k
		FROM units u JOIN committee_norms n ON n.level = u.level
		WHERE u.id IN (SELECT comm_id FROM elig)
	), firsts AS (
		SELECT e.comm_id AS comm_id, e.position AS position, CASE WHEN e.rank <= r.k THEN 1 ELSE 0 END AS took
		FROM elig e JOIN room r ON r.id = e.comm_id WHERE ` + single("e.position") + `
	)
	SELECT line, position, pre AS outcome, CAST(NULL AS INTEGER) AS max_seats FROM cand WHERE pre <> 0
	UNION ALL
	SELECT e.line, e.position, CASE WHEN e.rank <= r.k THEN 0 ELSE ` + strconv.Itoa(seatCommitteeFull) + ` END, r.max_seats
	FROM elig e JOIN room r ON r.id = e.comm_id
	UNION ALL
	SELECT x.line, x.position, CASE WHEN f.took = 1 THEN ` + strconv.Itoa(seatPositionHeld) + ` ELSE ` + strconv.Itoa(seatCommitteeFull) + ` END, r.max_seats
	FROM ranked x JOIN firsts f ON f.comm_id = x.comm_id AND f.position = x.position JOIN room r ON r.id = x.comm_id
	WHERE x.rn > 1`
	return p.c.tempTable(p.tx, "imp_people_seat", q)
}

// rowErrors returns the errors of the file in line order (the row checks' and the set-based
// ones', capped) and how many rows have errors.
func (p *peopleTx) rowErrors() ([]FieldError, int, error) {
	var total int64
	if err := p.tx.Raw(`SELECT (SELECT count(*) FROM imp_people_res WHERE err > 0) + (SELECT count(*) FROM imp_people_seat WHERE outcome > 0)`).
		Scan(&total).Error; err != nil {
		return nil, 0, dbErr("import people: errors", err)
	}
	var found []struct {
		Line      int
		Err       int
		FirstLine *int
		CommCode  *string
		Position  *string
		MaxSeats  *int
	}
	if total > 0 {
		if err := p.tx.Raw(`SELECT line, err, first_line, comm_code, position, max_seats FROM (
			SELECT r.line AS line, r.err AS err, r.first_line AS first_line, r.comm_code AS comm_code,
				CAST(NULL AS TEXT) AS position, CAST(NULL AS INTEGER) AS max_seats
			FROM imp_people_res r WHERE r.err > 0
			UNION ALL
			SELECT x.line, x.outcome, NULL, r.comm_code, x.position, x.max_seats
			FROM imp_people_seat x JOIN imp_people_res r ON r.line = x.line WHERE x.outcome > 0
		) e ORDER BY line LIMIT ?`, MaxImportErrors).Scan(&found).Error; err != nil {
			return nil, 0, dbErr("import people: errors", err)
		}
	}
	more := make([]FieldError, 0, len(found))
	for _, f := range found {
		fe := FieldError{Line: f.Line}
		switch f.Err {
		case personDupVoter:
			fe.Field, fe.Message = "voter_id", fmt.Sprintf("duplicates the voter ID on line %d", orZero(f.FirstLine))
		case personVoterOutside:
			fe.Field, fe.Message = "voter_id", "another person already has this voter ID"
		case personHomeUnknown:
			fe.Field, fe.Message = "home_unit_code", "no unit with this code in your scope"
		case personHomeRequired:
			fe.Field, fe.Message = "home_unit_code", "is required: it places the person in the tree"
		case personCommUnknown:
			fe.Field, fe.Message = "committee_unit_code", "no unit with this code in your scope"
		default:
			r := seatRowRefusal(f.Err, models.Position(deref(f.Position)), deref(f.CommCode), orZero(f.MaxSeats))
			fe.Field, fe.Message = r.column, r.row
		}
		more = append(more, fe)
	}
	return p.st.errs.merged(more, int(total)), p.st.errs.badLines + int(total), nil
}

// seatRowRefusal is checkSeat's own refusal (column and message) for a seat the set-based check
// refused with outcome, so that the import words its row errors as the API does.
func seatRowRefusal(outcome int, position models.Position, code string, maxSeats int) *seatRefusal {
	c := &committeeState{unit: models.Unit{Code: code, Level: models.LevelBooth}, norm: models.CommitteeNorm{MaxSeats: max(maxSeats, 1)},
		byPos: map[models.Position]int{}, people: map[int64]bool{}}
	var personID int64
	switch outcome {
	case seatAgentOffBooth:
		c.unit.Level = models.LevelAssembly
	case seatAlreadySits:
		personID = 1
		c.people[personID] = true
	case seatPositionHeld:
		c.byPos[position] = 1
	case seatCommitteeFull:
		c.count = c.norm.MaxSeats
		position = models.PositionMember
	}
	if r := checkSeat(c, position, personID, true); r != nil {
		return r
	}
	return &seatRefusal{column: "committee_unit_code", row: "cannot take this seat"}
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
	seatID, sa, err := c.newIDExpr(tx, "seats", "PARTITION BY x.outcome = 0 ORDER BY r.line")
	if err != nil {
		return 0, err
	}
	has := p.st.has
	nameHi := "p.name_hi"
	if has("name_hi") {
		nameHi = "s.name_hi"
	}
	changed := []string{"p.name IS DISTINCT FROM s.name", "p.search_text IS DISTINCT FROM s.name_lower || ' ' || " + nameHi,
		"p.gender IS DISTINCT FROM s.gender", "p.category IS DISTINCT FROM s.category",
		"p.home_unit_id IS DISTINCT FROM r.home_id", "p.unit_id IS DISTINCT FROM r.owner_id"}
	for _, col := range []string{"name_hi", "birth_year", "phone", "voter_id", "religion", "caste"} {
		if has(col) {
			changed = append(changed, "p."+col+" IS DISTINCT FROM s."+col)
		}
	}
	q := `SELECT r.line AS line, r.stored_id AS stored_id, COALESCE(r.stored_id, ` + personID + `) AS person_id,
		r.owner_id AS owner_id, r.home_id AS home_id,
		CASE WHEN x.outcome = 0 THEN r.comm_id END AS comm_id,
		CASE WHEN x.outcome = 0 THEN ` + seatID + ` END AS seat_id,
		CASE WHEN r.stored_id IS NOT NULL AND (` + strings.Join(changed, " OR ") + `) THEN 1 ELSE 0 END AS changed
	FROM imp_people_res r
	JOIN imp_people s ON s.line = r.line
	LEFT JOIN imp_people_seat x ON x.line = r.line
	LEFT JOIN people p ON p.id = r.stored_id
	WHERE r.err = 0 AND (x.outcome IS NULL OR x.outcome <= 0)
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

	if counts.Inserted > 0 {
		if err := tx.Exec(`INSERT INTO people (id, name, name_hi, search_text, gender, birth_year, phone, voter_id, category,
			religion, caste, home_unit_id, unit_id, membership_no, public_office, created_at, updated_at)
		SELECT o.person_id, s.name, s.name_hi, s.name_lower || ' ' || s.name_hi, s.gender, s.birth_year, s.phone, s.voter_id,
			s.category, s.religion, s.caste, o.home_id, o.owner_id, '', '', `+ts+`, `+ts+`
		FROM imp_people_ok o JOIN imp_people s ON s.line = o.line
		WHERE o.stored_id IS NULL ORDER BY o.person_id`, p.now, p.now).Error; err != nil {
			return 0, dbErr("import people: insert", err)
		}
	}
	if counts.Changed > 0 {
		// Columns the file leaves out keep their stored values; an unchanged person is not written.
		setHi := "people.name_hi"
		if has("name_hi") {
			setHi = "x.name_hi"
		}
		set := []string{"name = x.name", "search_text = x.name_lower || ' ' || " + setHi,
			"gender = x.gender", "category = x.category", "home_unit_id = x.home_id", "unit_id = x.owner_id"}
		for _, col := range []string{"name_hi", "birth_year", "phone", "voter_id", "religion", "caste"} {
			if has(col) {
				set = append(set, col+" = x."+col)
			}
		}
		if err := tx.Exec(`UPDATE people SET `+strings.Join(set, ", ")+`, version = version + 1, updated_at = `+ts+`
		FROM (SELECT o.person_id AS person_id, o.home_id AS home_id, o.owner_id AS owner_id, s.name AS name, s.name_hi AS name_hi,
			s.name_lower AS name_lower, s.gender AS gender, s.birth_year AS birth_year, s.phone AS phone, s.voter_id AS voter_id,
			s.category AS category, s.religion AS religion, s.caste AS caste
			FROM imp_people_ok o JOIN imp_people s ON s.line = o.line WHERE o.changed = 1) x
		WHERE people.id = x.person_id`, p.now).Error; err != nil {
			return 0, dbErr("import people: update", err)
		}
	}
	if counts.Seated > 0 {
		if err := tx.Exec(`INSERT INTO seats (id, unit_id, person_id, position, since, created_by)
		SELECT o.seat_id, o.comm_id, o.person_id, s.position, `+ts+`, `+id+`
		FROM imp_people_ok o JOIN imp_people s ON s.line = o.line
		WHERE o.seat_id IS NOT NULL ORDER BY o.seat_id`, p.now, actorID).Error; err != nil {
			return 0, dbErr("import people: seats", err)
		}
	}
	p.imports.phase("written")
	flips, err := p.committees()
	if err != nil {
		return 0, err
	}
	if err := p.audit(ts, id, text, actorID); err != nil {
		return 0, err
	}
	if err := p.flip(flips); err != nil {
		return 0, err
	}
	return counts.Inserted + counts.Changed + counts.Seated, nil
}

// committees stores the seat counts and completeness of the committees the import seated
// people on (under the locks taken before their seats were read) and returns, for each booth
// whose completeness flipped, +1 or -1 by the booth's path.
func (p *peopleTx) committees() (map[string]int64, error) {
	var ns []models.CommitteeNorm
	if err := p.tx.Find(&ns).Error; err != nil {
		return nil, dbErr("load committee norms", err)
	}
	norms := map[models.Level]models.CommitteeNorm{}
	for _, n := range ns {
		norms[n.Level] = n
	}
	rows, err := p.tx.Raw(`SELECT u.id, u.level, u.path, u.seats, u.committee_complete, x.position, x.n
	FROM (SELECT unit_id, position, count(*) AS n FROM seats
		WHERE ended_at IS NULL AND unit_id IN (SELECT comm_id FROM imp_people_ok WHERE seat_id IS NOT NULL)
		GROUP BY unit_id, position) x
	JOIN units u ON u.id = x.unit_id ORDER BY u.id`).Rows()
	if err != nil {
		return nil, dbErr("import people: committees", err)
	}
	var changes []committeeChange
	flips := map[string]int64{}
	var cur *committeeChange
	byPos := map[models.Position]int{}
	done := func() {
		if cur == nil {
			return
		}
		cur.complete = meets(norms[cur.unit.Level], byPos)
		if cur.seats != cur.unit.Seats || cur.complete != cur.unit.CommitteeComplete {
			changes = append(changes, *cur)
		}
		if cur.unit.Level == models.LevelBooth && cur.complete != cur.unit.CommitteeComplete {
			flips[cur.unit.Path] = 1
			if !cur.complete {
				flips[cur.unit.Path] = -1
			}
		}
		clear(byPos)
	}
	for rows.Next() {
		var u models.Unit
		var pos models.Position
		var n int
		if err := rows.Scan(&u.ID, &u.Level, &u.Path, &u.Seats, &u.CommitteeComplete, &pos, &n); err != nil {
			rows.Close()
			return nil, dbErr("import people: committees", err)
		}
		if cur == nil || cur.unit.ID != u.ID {
			done()
			cur = &committeeChange{unit: u}
		}
		cur.seats += n
		byPos[pos] += n
	}
	done()
	if err := rows.Close(); err != nil {
		return nil, dbErr("import people: committees", err)
	}
	if err := rows.Err(); err != nil {
		return nil, dbErr("import people: committees", err)
	}
	if len(changes) == 0 {
		return flips, nil
	}
	if err := p.c.tempTableCols(p.tx, "imp_committees", "id BIGINT PRIMARY KEY, seats INTEGER NOT NULL, complete BOOLEAN NOT NULL"); err != nil {
		return nil, err
	}
	i := 0
	if _, err := p.c.loadInTx(p.tx, "imp_committees", []string{"id", "seats", "complete"}, func() ([]any, bool, error) {
		if i == len(changes) {
			return nil, false, nil
		}
		ch := changes[i]
		i++
		return []any{ch.unit.ID, ch.seats, ch.complete}, true, nil
	}); err != nil {
		return nil, err
	}
	if err := p.tx.Exec(`UPDATE units SET seats = x.seats, committee_complete = x.complete FROM imp_committees x WHERE units.id = x.id`).Error; err != nil {
		return nil, dbErr("import people: committee rollup", err)
	}
	return flips, nil
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

// audit writes who changed what: per unit and batch of up to 1000 rows, one row for the people
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
	FROM (SELECT r.unit_id AS unit_id, r.chunk AS chunk, %s AS after FROM (%s) r GROUP BY r.unit_id, r.chunk) g
	JOIN units u ON u.id = g.unit_id ORDER BY g.unit_id, g.chunk`
	batches := []struct{ entity, after, rows string }{
		{"person", people, `SELECT o.owner_id AS unit_id, o.person_id AS person_id, o.line AS line,
			CASE WHEN o.stored_id IS NULL THEN 1 ELSE 0 END AS kind,
			(row_number() OVER (PARTITION BY o.owner_id ORDER BY o.line) - 1) / 1000 AS chunk
			FROM imp_people_ok o WHERE o.stored_id IS NULL OR o.changed = 1`},
		{"seat", seats, `SELECT o.comm_id AS unit_id, o.seat_id AS seat_id, o.person_id AS person_id, s.position AS position, o.line AS line,
			(row_number() OVER (PARTITION BY o.comm_id ORDER BY o.line) - 1) / 1000 AS chunk
			FROM imp_people_ok o JOIN imp_people s ON s.line = o.line WHERE o.seat_id IS NOT NULL`},
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
