package services

import (
	"context"
	"fmt"
	"io"
	"maps"
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

type personRow struct {
	line     int
	in       PersonInput
	homeCode string
	commCode string
	position models.Position
	bad      bool

	existing *models.Person
	owner    models.Unit
	id       int64
	commID   int64 // the unit whose committee the row seats the person on
	seatID   int64
}

// People upserts people by voter ID from a people CSV (see PeopleColumns) and, where a row
// names committee_unit_code and position, seats the person on that committee under the same
// rules as the API (a taken single-holder position, a person already on the committee or a
// full committee is a row error). On PostgreSQL people, seats and audit rows are loaded with
// COPY and checked with set-based queries. AllOrNothing writes nothing when any row is bad;
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
	t, err := readCSV(r, PeopleColumns, []string{"name", "gender", "category"})
	if err != nil {
		return ImportResult{}, err
	}
	year := s.now().Year()
	errs := t.errors
	fail := func(pr *personRow, field, msg string) {
		errs = append(errs, FieldError{Line: pr.line, Field: field, Message: msg})
		pr.bad = true
	}
	rows := make([]*personRow, 0, len(t.rows))
	byVoter := map[string]*personRow{}
	for i, rec := range t.rows {
		pr := &personRow{line: t.lines[i], homeCode: t.get(rec, "home_unit_code"), commCode: t.get(rec, "committee_unit_code"),
			position: models.Position(strings.ToLower(t.get(rec, "position")))}
		pr.in = PersonInput{Name: t.get(rec, "name"), NameHi: t.get(rec, "name_hi"), Gender: models.Gender(t.get(rec, "gender")),
			Phone: t.get(rec, "phone"), VoterID: t.get(rec, "voter_id"), Category: models.Category(t.get(rec, "category")),
			Religion: t.get(rec, "religion"), Caste: t.get(rec, "caste")}
		if by := t.get(rec, "birth_year"); by != "" {
			n, err := strconv.Atoi(by)
			if err != nil {
				fail(pr, "birth_year", "must be a whole number")
			} else {
				pr.in.BirthYear = &n
			}
		}
		pr.in.normalise()
		for _, fe := range pr.in.validate(year) {
			fail(pr, fe.Field, fe.Message)
		}
		switch {
		case pr.commCode == "" && pr.position != "":
			fail(pr, "committee_unit_code", "is required with a position")
		case pr.commCode != "" && pr.position == "":
			fail(pr, "position", "is required with a committee")
		case pr.position != "" && !pr.position.Valid():
			fail(pr, "position", mustBePosition)
		}
		if v := pr.in.VoterID; v != "" && !pr.bad {
			if prev, dup := byVoter[v]; dup {
				fail(pr, "voter_id", fmt.Sprintf("duplicates the voter ID on line %d", prev.line))
			} else {
				byVoter[v] = pr
			}
		}
		rows = append(rows, pr)
	}

	res := ImportResult{}
	// bulkTx runs the transaction again after a deadlock; each run starts from the rows as parsed.
	parsed, parsedBad := slices.Clone(errs), make([]bool, len(rows))
	for i, pr := range rows {
		parsedBad[i] = pr.bad
	}
	wide := false // lock the booths' lock sets too: some row flips a booth's completeness
	err = bulkTx(ctx, s.db, func(tx *gorm.DB, copyRows copyFunc) error {
		errs, res = slices.Clone(parsed), ImportResult{}
		for i, pr := range rows {
			pr.bad, pr.existing, pr.owner, pr.id, pr.commID, pr.seatID, pr.in.HomeUnitID = parsedBad[i], nil, models.Unit{}, 0, 0, 0, nil
		}
		comm, err := s.resolvePeople(tx, actor, rows, fail, wide)
		if err != nil {
			return err
		}
		res.Errors = capErrors(sortErrors(errs))
		if len(res.Errors) > 0 && mode == AllOrNothing {
			return importFailed(res)
		}
		if !wide && slices.ContainsFunc(slices.Collect(maps.Values(comm)), flipsBooth) {
			wide = true
			return errWiden
		}
		return s.writePeople(tx, copyRows, actor, rows, t.col, comm, &res)
	})
	if err != nil {
		return ImportResult{Errors: res.Errors}, err
	}
	return res, nil
}

// flipsBooth reports whether the seats an import takes change a booth's completeness.
func flipsBooth(c *committeeState) bool {
	return c.unit.Level == models.LevelBooth && c.change().complete != c.unit.CommitteeComplete
}

// resolvePeople checks rows against the database inside the import's transaction: units by
// code and scope, stored people by voter ID, and each seat by checkSeat against the committee's
// current seats and the rows before it (locked on PostgreSQL so that no concurrent change slips
// between the check and the write). It returns the committees with the seats the rows take.
func (s *Imports) resolvePeople(tx *gorm.DB, actor Actor, rows []*personRow, fail func(*personRow, string, string), wide bool) (map[int64]*committeeState, error) {
	var codes []string
	var voters []string
	for _, pr := range rows {
		for _, c := range []string{pr.homeCode, pr.commCode} {
			if c != "" {
				codes = append(codes, c)
			}
		}
		if pr.in.VoterID != "" && !pr.bad {
			voters = append(voters, pr.in.VoterID)
		}
	}
	units := map[string]models.Unit{}
	for _, chunk := range chunks(dedupe(codes), 5000) {
		var batch []models.Unit
		if err := tx.Where("code IN ?", chunk).Find(&batch).Error; err != nil {
			return nil, dbErr("import people: read units", err)
		}
		for _, u := range batch {
			if actor.Sees(u.Path) {
				units[u.Code] = u
			}
		}
	}
	stored := map[string]models.Person{}
	owners := map[int64]string{} // person unit id → path
	for _, chunk := range chunks(voters, 5000) {
		var batch []models.Person
		if err := tx.Where("voter_id IN ?", chunk).Find(&batch).Error; err != nil {
			return nil, dbErr("import people: read people", err)
		}
		for _, p := range batch {
			stored[*p.VoterID] = p
			owners[p.UnitID] = ""
		}
	}
	if len(owners) > 0 {
		ids := make([]int64, 0, len(owners))
		for id := range owners {
			ids = append(ids, id)
		}
		var us []models.Unit
		if err := tx.Select("id", "path").Where("id IN ?", ids).Find(&us).Error; err != nil {
			return nil, dbErr("import people: read units", err)
		}
		for _, u := range us {
			owners[u.ID] = u.Path
		}
	}
	var scopeUnit *models.Unit
	if actor.ScopeUnitID != nil {
		var u models.Unit
		if err := tx.Where("id = ?", *actor.ScopeUnitID).Take(&u).Error; err == nil {
			scopeUnit = &u
		}
	}
	// The committees named, locked in id order (no deadlock between two imports), after the
	// lock sets of their booths when the seats flip a booth's completeness (wide; see rollups.go).
	// Row locks are NO KEY UPDATE: they serialise seat changes but let foreign-key checks through
	// (another import placing people at a unit this one locked as a committee).
	var commIDs []int64
	for _, pr := range rows {
		if u, ok := units[pr.commCode]; ok {
			commIDs = append(commIDs, u.ID)
		}
	}
	slices.Sort(commIDs)
	commIDs = slices.Compact(commIDs)
	if err := lockSettled(tx, func() (lockList, error) {
		if !wide {
			return lockList{ids: commIDs}, nil
		}
		var paths [][]int64
		for _, chunk := range chunks(commIDs, 5000) {
			var us []models.Unit
			if err := tx.Select("id", "path").Where("id IN ?", chunk).Find(&us).Error; err != nil {
				return lockList{}, dbErr("import people: lock committees", err)
			}
			for _, u := range us {
				paths = append(paths, models.PathIDs(u.Path))
			}
		}
		targets, err := rollupTargets(tx, paths...)
		return lockList{ids: slices.Concat(append(targets, commIDs)...)}, err
	}); err != nil {
		return nil, err
	}
	comm, err := loadCommittees(tx, commIDs)
	if err != nil {
		return nil, err
	}
	for _, pr := range rows {
		if pr.bad {
			continue
		}
		if p, ok := stored[pr.in.VoterID]; ok && pr.in.VoterID != "" {
			if !actor.Sees(owners[p.UnitID]) {
				fail(pr, "voter_id", "another person already has this voter ID")
				continue
			}
			pp := p
			pr.existing = &pp
		}
		switch {
		case pr.homeCode != "":
			u, ok := units[pr.homeCode]
			if !ok {
				fail(pr, "home_unit_code", "no unit with this code in your scope")
				continue
			}
			pr.owner = u
			id := u.ID
			pr.in.HomeUnitID = &id
		case pr.existing != nil:
			pr.in.HomeUnitID = pr.existing.HomeUnitID
			pr.owner = models.Unit{ID: pr.existing.UnitID, Path: owners[pr.existing.UnitID]}
		case scopeUnit != nil:
			pr.owner = *scopeUnit
		default:
			fail(pr, "home_unit_code", "is required: it places the person in the tree")
			continue
		}
		if pr.commCode == "" {
			continue
		}
		u, ok := units[pr.commCode]
		if !ok {
			fail(pr, "committee_unit_code", "no unit with this code in your scope")
			continue
		}
		c := comm[u.ID]
		var personID int64 // 0: created by this row, sits nowhere yet
		if pr.existing != nil {
			personID = pr.existing.ID
		}
		// Every person a row names is visible: a stored one outside scope failed on voter_id.
		if r := checkSeat(c, pr.position, personID, true); r != nil {
			fail(pr, r.column, r.row)
			continue
		}
		c.take(pr.position, personID)
		pr.commID = u.ID
	}
	return comm, nil
}

// writePeople stores the good rows: new people by bulk load with ids taken first, stored
// people through a staging table, seats by bulk load, then the committees' rollups and one
// audit row per person and per seat.
func (s *Imports) writePeople(tx *gorm.DB, copyRows copyFunc, actor Actor, rows []*personRow, header map[string]int,
	comm map[int64]*committeeState, res *ImportResult) error {
	now := s.now()
	var fresh, update, seated []*personRow
	for _, pr := range rows {
		if pr.bad {
			continue
		}
		if pr.existing == nil {
			fresh = append(fresh, pr)
		} else {
			update = append(update, pr)
		}
		if pr.commCode != "" {
			seated = append(seated, pr)
		}
	}
	ids, err := reserveTableIDs(tx, "people", len(fresh))
	if err != nil {
		return err
	}
	cols := []string{"id", "name", "name_hi", "search_text", "gender", "birth_year", "phone", "voter_id", "category", "religion",
		"caste", "home_unit_id", "unit_id", "path", "membership_no", "public_office", "created_at", "updated_at"}
	data := make([][]any, 0, len(fresh))
	for i, pr := range fresh {
		pr.id = ids[i]
		in := pr.in
		data = append(data, []any{pr.id, in.Name, in.NameHi, models.SearchText(in.Name, in.NameHi), string(in.Gender), in.BirthYear,
			optString(in.Phone), optString(in.VoterID), string(in.Category), optString(in.Religion), in.Caste, in.HomeUnitID,
			pr.owner.ID, pr.owner.Path, "", "", now, now})
	}
	if err := copyRows("people", cols, data); err != nil {
		return err
	}
	if len(update) > 0 {
		if err := updatePeopleFromStaging(tx, copyRows, update, header, now); err != nil {
			return err
		}
	}
	// Seats.
	var actorID *int64
	if actor.UserID != 0 {
		id := actor.UserID
		actorID = &id
	}
	seatIDs, err := reserveTableIDs(tx, "seats", len(seated))
	if err != nil {
		return err
	}
	seatRows := make([][]any, 0, len(seated))
	touched := map[int64]bool{}
	for i, pr := range seated {
		if pr.existing != nil {
			pr.id = pr.existing.ID
		}
		pr.seatID = seatIDs[i]
		touched[pr.commID] = true
		seatRows = append(seatRows, []any{pr.seatID, pr.commID, pr.id, string(pr.position), now, actorID})
	}
	if err := copyRows("seats", []string{"id", "unit_id", "person_id", "position", "since", "created_by"}, seatRows); err != nil {
		return err
	}
	changes := make([]committeeChange, 0, len(touched))
	for id := range touched {
		changes = append(changes, comm[id].change())
	}
	if err := committeesChanged(tx, copyRows, changes); err != nil {
		return err
	}
	// Audit: one row per person written and per seat taken.
	name := actor.Username
	if name == "" {
		name = "system"
	}
	audit := make([][]any, 0, len(fresh)+len(update)+len(seated))
	add := func(action, entity string, id int64, unit models.Unit, before, after any) error {
		b, err := auditJSON(before)
		if err != nil {
			return err
		}
		a, err := auditJSON(after)
		if err != nil {
			return err
		}
		uid, path := unit.ID, unit.Path
		var up *string
		if path != "" {
			up = &path
		}
		audit = append(audit, []any{now, actorID, name, action, entity, strconv.FormatInt(id, 10), &uid, up, b, a, actor.RequestID})
		return nil
	}
	for _, pr := range fresh {
		p := models.Person{ID: pr.id, UnitID: pr.owner.ID}
		pr.in.apply(&p)
		if err := add("create", "person", pr.id, pr.owner, nil, personAudit(p)); err != nil {
			return err
		}
	}
	for _, pr := range update {
		before := personAudit(*pr.existing)
		p := *pr.existing
		pr.in.apply(&p)
		keepAbsentColumns(&p, *pr.existing, header)
		p.UnitID = pr.owner.ID
		if err := add("update", "person", p.ID, pr.owner, before, personAudit(p)); err != nil {
			return err
		}
	}
	for _, pr := range seated {
		if err := add("create", "seat", pr.seatID, comm[pr.commID].unit, nil,
			map[string]any{"id": pr.seatID, "unit_id": pr.commID, "person_id": pr.id, "position": pr.position}); err != nil {
			return err
		}
	}
	if err := copyRows("audit_log", auditColumns, audit); err != nil {
		return err
	}
	res.Inserted, res.Updated, res.Seated = len(fresh), len(update), len(seated)
	return nil
}

// keepAbsentColumns puts back into p, a stored person with a row's values applied, the stored
// values of the optional columns missing from the file's header and of the fields the file cannot
// set: the import leaves those alone (see updatePeopleFromStaging), so the audit row must too.
func keepAbsentColumns(p *models.Person, stored models.Person, header map[string]int) {
	has := func(c string) bool { _, ok := header[c]; return ok }
	if !has("name_hi") {
		p.NameHi = stored.NameHi
		p.SearchText = models.SearchText(p.Name, p.NameHi)
	}
	if !has("birth_year") {
		p.BirthYear = stored.BirthYear
	}
	if !has("phone") {
		p.Phone = stored.Phone
	}
	if !has("religion") {
		p.Religion = stored.Religion
	}
	if !has("caste") {
		p.Caste = stored.Caste
	}
	p.MembershipNo, p.PublicOffice = stored.MembershipNo, stored.PublicOffice
}

// updatePeopleFromStaging loads the new values of stored people into a temporary table and
// applies them in one UPDATE. Optional columns missing from the file's header stay as stored.
func updatePeopleFromStaging(tx *gorm.DB, copyRows copyFunc, rows []*personRow, header map[string]int, now time.Time) error {
	drop, err := stagingTable(tx, "import_people", `id BIGINT PRIMARY KEY, name TEXT, name_hi TEXT, search_text TEXT, gender TEXT,
		birth_year INTEGER, phone TEXT, voter_id TEXT, category TEXT, religion TEXT, caste TEXT, home_unit_id BIGINT, unit_id BIGINT, path TEXT`)
	if err != nil {
		return err
	}
	has := func(c string) bool { _, ok := header[c]; return ok }
	data := make([][]any, 0, len(rows))
	for _, pr := range rows {
		in, p := pr.in, pr.existing
		nameHi := in.NameHi
		if !has("name_hi") {
			nameHi = p.NameHi
		}
		data = append(data, []any{p.ID, in.Name, in.NameHi, models.SearchText(in.Name, nameHi), string(in.Gender), in.BirthYear,
			optString(in.Phone), optString(in.VoterID), string(in.Category), optString(in.Religion), in.Caste, in.HomeUnitID, pr.owner.ID, pr.owner.Path})
	}
	if err := copyRows("import_people", []string{"id", "name", "name_hi", "search_text", "gender", "birth_year", "phone", "voter_id",
		"category", "religion", "caste", "home_unit_id", "unit_id", "path"}, data); err != nil {
		return err
	}
	set := []string{"name = s.name", "search_text = s.search_text", "gender = s.gender", "category = s.category",
		"home_unit_id = s.home_unit_id", "unit_id = s.unit_id", "path = s.path"}
	for _, c := range []string{"name_hi", "birth_year", "phone", "voter_id", "religion", "caste"} {
		if has(c) {
			set = append(set, c+" = s."+c)
		}
	}
	if err := tx.Exec("UPDATE people SET "+strings.Join(set, ", ")+", "+bumpIfChanged("people", set)+", updated_at = ? FROM import_people s WHERE people.id = s.id", now).Error; err != nil {
		return dbErr("import people: update", err)
	}
	return drop()
}

func chunks[T any](xs []T, n int) [][]T {
	var out [][]T
	for start := 0; start < len(xs); start += n {
		out = append(out, xs[start:min(start+n, len(xs))])
	}
	return out
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
