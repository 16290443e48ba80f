package services

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// ImportMode says what an import does with bad rows.
type ImportMode string

// The import modes.
const (
	AllOrNothing ImportMode = "all_or_nothing" // any bad row: write nothing
	ValidRows    ImportMode = "valid_rows"     // write the good rows, report the bad ones
)

// Limits of one import.
const (
	MaxImportRows   = 1_000_000
	MaxImportErrors = 10_000 // beyond this an import stops reading and reports what it has
)

// ImportResult is what an import did.
type ImportResult struct {
	Inserted int
	Updated  int
	Seated   int // people imports: seats taken on committees
	Errors   []FieldError
}

// Imports loads CSV files.
type Imports struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewImports returns the import service.
func NewImports(db *gorm.DB, now Clock, units *Units) *Imports {
	return &Imports{db: db, now: now, units: units}
}

// UnitColumns are the columns of the units CSV, in the order exports write them.
var UnitColumns = []string{"level", "code", "name", "name_hi", "parent_code", "number", "reserved", "parliamentary_code",
	"electors", "population_total", "population_sc", "population_st", "population_muslim", "population_minority"}

// unitFieldColumn maps a validation field name to its CSV column.
var unitFieldColumn = map[string]string{
	"parent_id": "parent_code", "parliamentary_id": "parliamentary_code",
	"population.total": "population_total", "population.sc": "population_sc", "population.st": "population_st",
	"population.muslim": "population_muslim", "population.minority": "population_minority",
}

type unitRow struct {
	line       int
	f          unitFields
	parentCode string
	parlCode   string
	bad        bool

	existing *models.Unit // the stored unit with this code, if any
	id       int64
	path     string
	depth    int
	parentID *int64
	parlID   *int64
}

// csvTable is a parsed CSV: its columns and rows, with row errors collected as it reads.
type csvTable struct {
	col    map[string]int
	width  int
	rows   [][]string
	lines  []int
	errors []FieldError
}

// get is the named cell of row, trimmed, with the apostrophe an export puts before a formula
// character taken off (see exportCell).
func (t *csvTable) get(row []string, name string) string {
	if i, ok := t.col[name]; ok {
		return importCell(strings.TrimSpace(row[i]))
	}
	return ""
}

// readCSV reads a CSV with a header naming some of allowed; required columns must be present.
// Header problems are returned as an Invalid error; row problems are collected in the table.
func readCSV(r io.Reader, allowed, required []string) (*csvTable, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &Error{Code: EInvalid, Message: "the file is empty", Fields: []FieldError{{Line: 1, Field: "header", Message: "a header row is required"}}}
	}
	if err != nil {
		return nil, &Error{Code: EInvalid, Message: "the header row cannot be read", Fields: []FieldError{{Line: 1, Field: "header", Message: csvMessage(err)}}}
	}
	known := map[string]bool{}
	for _, c := range allowed {
		known[c] = true
	}
	t := &csvTable{col: map[string]int{}, width: len(header)}
	var bad []FieldError
	for i, h := range header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		h = strings.ToLower(strings.TrimSpace(h))
		if !known[h] {
			bad = append(bad, FieldError{Line: 1, Field: h, Message: "unknown column; expected some of: " + strings.Join(allowed, ", ")})
		} else if _, dup := t.col[h]; dup {
			bad = append(bad, FieldError{Line: 1, Field: h, Message: "column appears twice"})
		} else {
			t.col[h] = i
		}
	}
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			bad = append(bad, FieldError{Line: 1, Field: c, Message: "required column is missing"})
		}
	}
	if len(bad) > 0 {
		return nil, &Error{Code: EInvalid, Message: "the header row is not valid", Fields: bad}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var line int
		if err == nil {
			line, _ = cr.FieldPos(0) // FieldPos panics after a parse error
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read csv: %w", err) // the body itself failed (too large, cut off)
			}
			line = pe.Line
			t.errors = append(t.errors, FieldError{Line: line, Field: "row", Message: csvMessage(err)})
		} else if len(rec) != t.width {
			t.errors = append(t.errors, FieldError{Line: line, Field: "row", Message: fmt.Sprintf("has %d fields; the header has %d", len(rec), t.width)})
		} else if i := badText(rec); i >= 0 {
			t.errors = append(t.errors, FieldError{Line: line, Field: strings.ToLower(strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))), Message: "is not UTF-8 text (save the file as CSV UTF-8)"})
		} else {
			t.rows = append(t.rows, rec)
			t.lines = append(t.lines, line)
		}
		if len(t.rows)+len(t.errors) > MaxImportRows {
			return nil, &Error{Code: EInvalid, Message: "the file is too long", Fields: []FieldError{{Line: line, Field: "row", Message: fmt.Sprintf("at most %d rows per import", MaxImportRows)}}}
		}
		if len(t.errors) >= MaxImportErrors {
			return nil, &Error{Code: EInvalid, Message: "too many bad rows; fix the file and try again", Fields: t.errors}
		}
	}
	return t, nil
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not valid CSV: " + pe.Err.Error()
	}
	return "not valid CSV: " + err.Error()
}

func optInt(field, s string, errs *[]FieldError, line int) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		*errs = append(*errs, FieldError{Line: line, Field: field, Message: "must be a whole number"})
		return nil
	}
	return &n
}

func optInt64(field, s string, errs *[]FieldError, line int) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		*errs = append(*errs, FieldError{Line: line, Field: field, Message: "must be a whole number"})
		return nil
	}
	return &n
}

// importFailed is the error of an all-or-nothing import with bad rows; the result rides along.
func importFailed(res ImportResult) error {
	return &Error{Code: EInvalid, Message: fmt.Sprintf("%d of the file's rows have errors; nothing was written", countLines(res.Errors)), Fields: res.Errors, Data: res}
}

func countLines(errs []FieldError) int {
	seen := map[int]bool{}
	for _, e := range errs {
		seen[e.Line] = true
	}
	return len(seen)
}

// Units upserts units by code from a units CSV (see UnitColumns). Parents may come later in the
// file than their children. In AllOrNothing mode any bad row fails the import with Invalid and
// nothing is written; in ValidRows mode good rows are written and bad ones reported. Returns
// Forbidden for roles that may not change units; rows outside the actor's scope are row errors.
func (s *Imports) Units(ctx context.Context, actor Actor, r io.Reader, mode ImportMode) (ImportResult, error) {
	if !actor.canManageUnits() {
		return ImportResult{}, Errorf(EForbidden, "your role may not change units")
	}
	if mode == "" {
		mode = AllOrNothing
	}
	if mode != AllOrNothing && mode != ValidRows {
		return ImportResult{}, invalid("mode", "must be all_or_nothing or valid_rows")
	}
	t, err := readCSV(r, UnitColumns, []string{"level", "code", "name"})
	if err != nil {
		return ImportResult{}, err
	}
	errs := t.errors
	rows := make([]*unitRow, 0, len(t.rows))
	byCode := make(map[string]*unitRow, len(t.rows))
	for i, rec := range t.rows {
		line := t.lines[i]
		before := len(errs)
		ur := &unitRow{line: line, parentCode: t.get(rec, "parent_code"), parlCode: t.get(rec, "parliamentary_code")}
		ur.f = unitFields{
			Level: models.Level(strings.ToLower(t.get(rec, "level"))), Code: t.get(rec, "code"), Name: t.get(rec, "name"),
			NameHi: t.get(rec, "name_hi"), Reserved: t.get(rec, "reserved"), HasParl: ur.parlCode != "",
			Number:   optInt("number", t.get(rec, "number"), &errs, line),
			Electors: optInt("electors", t.get(rec, "electors"), &errs, line),
		}
		pop := Population{
			Total:    optInt64("population_total", t.get(rec, "population_total"), &errs, line),
			SC:       optInt64("population_sc", t.get(rec, "population_sc"), &errs, line),
			ST:       optInt64("population_st", t.get(rec, "population_st"), &errs, line),
			Muslim:   optInt64("population_muslim", t.get(rec, "population_muslim"), &errs, line),
			Minority: optInt64("population_minority", t.get(rec, "population_minority"), &errs, line),
		}
		if pop != (Population{}) {
			ur.f.Population = &pop
		}
		ur.f.normalise()
		for _, fe := range ur.f.validate() {
			if c, ok := unitFieldColumn[fe.Field]; ok {
				fe.Field = c
			}
			fe.Line = line
			errs = append(errs, fe)
		}
		if ur.f.Level.Valid() {
			if ur.parentCode == "" && !ur.f.Level.ParentOptional() {
				errs = append(errs, FieldError{Line: line, Field: "parent_code", Message: "is required for a " + string(ur.f.Level)})
			}
			if ur.parentCode != "" && ur.f.Level == models.LevelNational {
				errs = append(errs, FieldError{Line: line, Field: "parent_code", Message: "a national unit has no parent"})
			}
		}
		if ur.f.Code != "" {
			if prev, dup := byCode[ur.f.Code]; dup {
				errs = append(errs, FieldError{Line: line, Field: "code", Message: fmt.Sprintf("duplicates the code on line %d", prev.line)})
				ur.bad = true
			} else {
				byCode[ur.f.Code] = ur
			}
		}
		if len(errs) > before {
			ur.bad = true
		}
		rows = append(rows, ur)
	}

	db := s.db.WithContext(ctx)
	stored, err := s.loadByCodes(db, rows)
	if err != nil {
		return ImportResult{}, err
	}
	errs = append(errs, s.resolve(actor, rows, byCode, stored)...)
	res := ImportResult{Errors: capErrors(sortErrors(errs))}
	if len(res.Errors) > 0 && mode == AllOrNothing {
		return res, importFailed(res)
	}
	var good []*unitRow
	for _, ur := range rows {
		if !ur.bad {
			good = append(good, ur)
		}
	}
	if len(good) == 0 {
		return res, nil
	}
	// bulkTx runs the writes again after a deadlock; each run starts from the units as read.
	initial := make(map[*unitRow]models.Unit, len(good))
	for _, ur := range good {
		if ur.existing != nil {
			initial[ur] = *ur.existing
		}
	}
	err = bulkTx(ctx, s.db, func(tx *gorm.DB, copyRows copyFunc) error {
		for _, ur := range good {
			ur.path, ur.depth, ur.parentID = "", 0, nil
			if ur.existing != nil {
				*ur.existing = initial[ur]
			}
		}
		ins, upd, werr := s.writeUnits(tx, copyRows, actor, good, byCode, stored, t.col)
		res.Inserted, res.Updated = ins, upd
		return werr
	})
	if err != nil {
		return ImportResult{Errors: res.Errors}, err
	}
	return res, nil
}

// loadByCodes fetches the stored units named anywhere in the file, in chunks that fit any
// database's parameter limit.
func (s *Imports) loadByCodes(db *gorm.DB, rows []*unitRow) (map[string]*models.Unit, error) {
	set := map[string]bool{}
	for _, ur := range rows {
		for _, c := range []string{ur.f.Code, ur.parentCode, ur.parlCode} {
			if c != "" {
				set[c] = true
			}
		}
	}
	codes := make([]string, 0, len(set))
	for c := range set {
		codes = append(codes, c)
	}
	out := make(map[string]*models.Unit, len(codes))
	for start := 0; start < len(codes); start += 5000 {
		var batch []models.Unit
		if err := db.Where("code IN ?", codes[start:min(start+5000, len(codes))]).Find(&batch).Error; err != nil {
			return nil, dbErr("load units", err)
		}
		for i := range batch {
			out[batch[i].Code] = &batch[i]
		}
	}
	return out, nil
}

// resolve checks each row against its parent and constituency, in the file or stored, marking
// rows bad (and their descendants in the file, whose parent will not exist) as it goes.
func (s *Imports) resolve(actor Actor, rows []*unitRow, byCode map[string]*unitRow, stored map[string]*models.Unit) []FieldError {
	var errs []FieldError
	fail := func(ur *unitRow, field, msg string) {
		errs = append(errs, FieldError{Line: ur.line, Field: field, Message: msg})
		ur.bad = true
	}
	for _, ur := range rows {
		if ex := stored[ur.f.Code]; ex != nil && byCode[ur.f.Code] == ur {
			ur.existing = ex
			switch {
			case !actor.Sees(ex.Path):
				fail(ur, "code", "belongs to a unit outside your scope")
			case ex.Level != ur.f.Level && ur.f.Level.Valid():
				fail(ur, "level", fmt.Sprintf("the stored unit %s is a %s; a unit's level cannot change", ex.Code, ex.Level))
			}
		}
	}
	// state: 0 unvisited, 1 in progress, 2 done. A row is checked after its parent row.
	state := make(map[*unitRow]int, len(rows))
	var visit func(ur *unitRow)
	visit = func(ur *unitRow) {
		if state[ur] != 0 {
			if state[ur] == 1 {
				fail(ur, "parent_code", "the file's parent codes form a loop")
			}
			return
		}
		state[ur] = 1
		defer func() { state[ur] = 2 }()
		if ur.parentCode != "" {
			if p := byCode[ur.parentCode]; p != nil {
				visit(p)
				switch {
				case p.bad && !ur.bad:
					fail(ur, "parent_code", fmt.Sprintf("the parent on line %d has errors", p.line))
				case !p.bad && ur.f.Level.Valid() && !ur.f.Level.MayHaveParent(p.f.Level):
					fail(ur, "parent_code", fmt.Sprintf("a %s cannot be placed under a %s", ur.f.Level, p.f.Level))
				case ur.existing != nil && p.existing == nil && !p.bad:
					fail(ur, "parent_code", "an existing unit cannot move under a unit created in the same file; import the new parent first")
				}
			} else if ex := stored[ur.parentCode]; ex != nil {
				switch {
				case !actor.Sees(ex.Path):
					fail(ur, "parent_code", "no unit with this code in the file or the database")
				case ur.f.Level.Valid() && !ur.f.Level.MayHaveParent(ex.Level):
					fail(ur, "parent_code", fmt.Sprintf("a %s cannot be placed under a %s", ur.f.Level, ex.Level))
				case ur.existing != nil && strings.HasPrefix(ex.Path, ur.existing.Path):
					fail(ur, "parent_code", "a unit cannot be moved under itself")
				}
			} else {
				fail(ur, "parent_code", "no unit with this code in the file or the database")
			}
		} else if ur.f.Level.ParentOptional() && !actor.Everywhere() && !ur.bad {
			fail(ur, "parent_code", "only an administrator may create or change a top-level unit")
		} else if ur.existing != nil && ur.existing.ParentID != nil && !ur.bad {
			fail(ur, "parent_code", "is required: the stored unit has a parent")
		}
		if ur.parlCode != "" && !ur.bad {
			if p := byCode[ur.parlCode]; p != nil {
				if state[p] == 0 {
					visit(p) // the seat may come later in the file and turn out bad
				}
				if p.f.Level != models.LevelParliamentary {
					fail(ur, "parliamentary_code", "is not a parliamentary constituency")
				} else if p.bad {
					fail(ur, "parliamentary_code", fmt.Sprintf("the constituency on line %d has errors", p.line))
				}
			} else if ex := stored[ur.parlCode]; ex != nil {
				if ex.Level != models.LevelParliamentary {
					fail(ur, "parliamentary_code", "is not a parliamentary constituency")
				}
			} else {
				fail(ur, "parliamentary_code", "no unit with this code in the file or the database")
			}
		}
	}
	for _, ur := range rows {
		visit(ur)
	}
	return errs
}

// writeUnits stores the good rows: moves and updates of stored units first, then the new units
// in one bulk load with ids taken up front so that paths can be computed before the insert.
// Columns missing from the file's header leave those fields of stored units as they are; a
// column that is present but empty clears the field.
func (s *Imports) writeUnits(tx *gorm.DB, copyRows copyFunc, actor Actor, good []*unitRow, byCode map[string]*unitRow, stored map[string]*models.Unit, header map[string]int) (inserted, updated int, err error) {
	now := s.now()
	var fresh []*unitRow
	for _, ur := range good {
		if ur.existing == nil {
			fresh = append(fresh, ur)
		}
	}
	ids, err := reserveIDs(tx, len(fresh))
	if err != nil {
		return 0, 0, err
	}
	for i, ur := range fresh {
		ur.id = ids[i]
	}
	// What the audit log keeps of each stored unit, read before anything changes it.
	before := make(map[*unitRow]map[string]any)
	for _, ur := range good {
		if ur.existing != nil {
			before[ur] = unitAudit(*ur.existing)
		}
	}
	// Stored units move before anything is placed under them.
	for _, ur := range good {
		if ur.existing == nil || ur.parentCode == "" {
			continue
		}
		if p := byCode[ur.parentCode]; p == nil || p.existing != nil {
			parent := stored[ur.parentCode] // ids do not change, so the copy read before the transaction serves
			if ur.existing.ParentID == nil || *ur.existing.ParentID != parent.ID {
				if err := s.units.move(tx, actor, ur.existing, parent.ID); err != nil {
					return 0, 0, fmt.Errorf("line %d: %w", ur.line, err)
				}
				if err := tx.Exec("UPDATE units SET version = version + 1 WHERE id = ?", ur.existing.ID).Error; err != nil {
					return 0, 0, dbErr("import units: move", err)
				}
			}
		}
	}
	// Paths of stored parents and constituencies, read after the moves.
	need := map[string]bool{}
	for _, ur := range good {
		if ur.parentCode != "" && (byCode[ur.parentCode] == nil || byCode[ur.parentCode].existing != nil) {
			need[ur.parentCode] = true
		}
		if ur.parlCode != "" && (byCode[ur.parlCode] == nil || byCode[ur.parlCode].existing != nil) {
			need[ur.parlCode] = true
		}
	}
	storedNow := map[string]models.Unit{}
	codes := make([]string, 0, len(need))
	var parentIDs []int64
	for c := range need {
		codes = append(codes, c)
		if st := stored[c]; st != nil {
			parentIDs = append(parentIDs, st.ID)
		}
	}
	// Under their locks a concurrent move of a parent has committed or waits (see rollups.go).
	if err := lockUnits(tx, parentIDs); err != nil {
		return 0, 0, err
	}
	for start := 0; start < len(codes); start += 5000 {
		var batch []models.Unit
		if err := tx.Select("id", "code", "path", "depth", "level").Where("code IN ?", codes[start:min(start+5000, len(codes))]).Find(&batch).Error; err != nil {
			return 0, 0, dbErr("import units", err)
		}
		for _, u := range batch {
			storedNow[u.Code] = u
		}
	}
	var place func(ur *unitRow)
	place = func(ur *unitRow) {
		if ur.path != "" {
			return
		}
		parentPath, depth := "", 0
		if ur.parentCode != "" {
			if p := byCode[ur.parentCode]; p != nil && p.existing == nil {
				place(p)
				parentPath, depth = p.path, p.depth+1
				ur.parentID = &p.id
			} else {
				st := storedNow[ur.parentCode]
				id := st.ID
				parentPath, depth = st.Path, st.Depth+1
				ur.parentID = &id
			}
		}
		ur.path, ur.depth = models.ChildPath(parentPath, ur.id), depth
	}
	parlID := func(ur *unitRow) *int64 {
		if ur.parlCode == "" {
			return nil
		}
		if p := byCode[ur.parlCode]; p != nil && p.existing == nil {
			return &p.id
		}
		id := storedNow[ur.parlCode].ID
		return &id
	}
	// Updates of stored units go through a staging table and one set-based UPDATE.
	// The parliamentary link may name a unit inserted below; it is set after the inserts.
	var staged [][]any
	for _, ur := range good {
		if ur.existing == nil {
			continue
		}
		var pop Population
		if ur.f.Population != nil {
			pop = *ur.f.Population
		}
		nameHi := ur.f.NameHi
		if _, present := header["name_hi"]; !present {
			nameHi = ur.existing.NameHi // kept as stored, so search must keep finding it
		}
		staged = append(staged, []any{ur.existing.ID, ur.f.Name, ur.f.NameHi, models.SearchText(ur.f.Name, nameHi), ur.f.Number,
			ur.f.Reserved, ur.f.Electors, pop.Total, pop.SC, pop.ST, pop.Muslim, pop.Minority})
	}
	if len(staged) > 0 {
		if err := updateFromStaging(tx, copyRows, staged, header, now); err != nil {
			return 0, 0, err
		}
		updated = len(staged)
	}
	cols := []string{"id", "level", "parent_id", "path", "depth", "code", "name", "name_hi", "search_text", "number", "reserved",
		"parliamentary_id", "electors", "population_total", "population_sc", "population_st", "population_muslim", "population_minority",
		"created_at", "updated_at", "booths"}
	data := make([][]any, 0, len(fresh))
	for _, ur := range fresh {
		place(ur)
	}
	// Parents first, so that the foreign key holds row by row on databases that check it per row.
	sortByDepth(fresh)
	for _, ur := range fresh {
		var pop Population
		if ur.f.Population != nil {
			pop = *ur.f.Population
		}
		data = append(data, []any{ur.id, string(ur.f.Level), ur.parentID, ur.path, ur.depth, ur.f.Code, ur.f.Name, ur.f.NameHi,
			models.SearchText(ur.f.Name, ur.f.NameHi), ur.f.Number, ur.f.Reserved, nil, ur.f.Electors,
			pop.Total, pop.SC, pop.ST, pop.Muslim, pop.Minority, now, now, boolInt(ur.f.Level == models.LevelBooth)})
	}
	if err := copyRows("units", cols, data); err != nil {
		return 0, 0, err
	}
	// Constituency links, set now that every unit exists.
	for _, ur := range good {
		id := parlID(ur)
		var current *int64
		if ur.existing != nil {
			if _, present := header["parliamentary_code"]; !present {
				continue
			}
			current = ur.existing.ParliamentaryID
		}
		if (id == nil && current == nil) || (id != nil && current != nil && *id == *current) {
			continue
		}
		target := ur.id
		if ur.existing != nil {
			target = ur.existing.ID
		}
		if err := tx.Exec("UPDATE units SET parliamentary_id = ?, version = version + ? WHERE id = ?", id, boolInt(ur.existing != nil), target).Error; err != nil {
			return 0, 0, dbErr("import units: link constituency", err)
		}
	}
	// Booth rollups of every unit above a written one (moves recounted their own already).
	above := map[int64]bool{}
	for _, ur := range good {
		path := ur.path
		if ur.existing != nil {
			path = ur.existing.Path
		}
		ids := models.PathIDs(path)
		for _, id := range ids[:max(len(ids)-1, 0)] {
			above[id] = true
		}
		if ur.f.Level != models.LevelBooth && len(ids) > 0 {
			above[ids[len(ids)-1]] = true
		}
	}
	aboveIDs := make([]int64, 0, len(above))
	for id := range above {
		aboveIDs = append(aboveIDs, id)
	}
	if err := recountBooths(tx, aboveIDs); err != nil {
		return 0, 0, err
	}
	if err := s.auditUnits(tx, copyRows, now, actor, good, before, header, parlID); err != nil {
		return 0, 0, err
	}
	return len(fresh), updated, nil
}

// auditColumns are written for every unit an import creates or changes, in one bulk load.
var auditColumns = []string{"at", "actor_id", "actor_username", "action", "entity", "entity_id", "unit_id", "unit_path", "before", "after", "request_id"}

// auditUnits appends one audit row per unit the import wrote, with the stored values before
// and the values after, in the same transaction.
func (s *Imports) auditUnits(tx *gorm.DB, copyRows copyFunc, now time.Time, actor Actor, good []*unitRow,
	before map[*unitRow]map[string]any, header map[string]int, parlID func(*unitRow) *int64) error {
	var actorID *int64
	if actor.UserID != 0 {
		id := actor.UserID
		actorID = &id
	}
	name := actor.Username
	if name == "" {
		name = "system"
	}
	has := func(c string) bool { _, ok := header[c]; return ok }
	rows := make([][]any, 0, len(good))
	for _, ur := range good {
		var u models.Unit
		action := "create"
		var prev *string
		if ur.existing != nil {
			action = "update"
			u = *ur.existing // after any move
			b, err := auditJSON(before[ur])
			if err != nil {
				return err
			}
			prev = b
		} else {
			u = models.Unit{ID: ur.id, Level: ur.f.Level, Code: ur.f.Code, ParentID: ur.parentID, Path: ur.path}
		}
		u.Name = ur.f.Name
		if has("name_hi") || ur.existing == nil {
			u.NameHi = ur.f.NameHi
		}
		if has("number") || ur.existing == nil {
			u.Number = ur.f.Number
		}
		if has("reserved") || ur.existing == nil {
			u.Reserved = ur.f.Reserved
		}
		if has("electors") || ur.existing == nil {
			u.Electors = ur.f.Electors
		}
		if has("parliamentary_code") || ur.existing == nil {
			u.ParliamentaryID = parlID(ur)
		}
		var pop Population
		if ur.f.Population != nil {
			pop = *ur.f.Population
		}
		pick := func(col string, v, cur *int64) *int64 {
			if has(col) || ur.existing == nil {
				return v
			}
			return cur
		}
		u.PopulationTotal = pick("population_total", pop.Total, u.PopulationTotal)
		u.PopulationSC = pick("population_sc", pop.SC, u.PopulationSC)
		u.PopulationST = pick("population_st", pop.ST, u.PopulationST)
		u.PopulationMuslim = pick("population_muslim", pop.Muslim, u.PopulationMuslim)
		u.PopulationMinority = pick("population_minority", pop.Minority, u.PopulationMinority)
		after, err := auditJSON(unitAudit(u))
		if err != nil {
			return err
		}
		id, path := u.ID, u.Path
		rows = append(rows, []any{now, actorID, name, action, "unit", strconv.FormatInt(u.ID, 10), &id, &path, prev, after, actor.RequestID})
	}
	return copyRows("audit_log", auditColumns, rows)
}

// reserveIDs takes n ids for new units before inserting them. On PostgreSQL they come from the
// sequence; on SQLite the write lock held by the transaction makes max(id)+1.. safe.
func reserveIDs(tx *gorm.DB, n int) ([]int64, error) { return reserveTableIDs(tx, "units", n) }

// stagedColumns are the unit fields an import may change on a stored unit.
var stagedColumns = []string{"id", "name", "name_hi", "search_text", "number", "reserved", "electors",
	"population_total", "population_sc", "population_st", "population_muslim", "population_minority"}

// updateFromStaging loads new values into a temporary table and applies them in one UPDATE.
func updateFromStaging(tx *gorm.DB, copyRows copyFunc, rows [][]any, header map[string]int, now time.Time) error {
	drop, err := stagingTable(tx, "import_units", `id BIGINT PRIMARY KEY, name TEXT, name_hi TEXT, search_text TEXT,
		number INTEGER, reserved TEXT, electors INTEGER, population_total BIGINT, population_sc BIGINT,
		population_st BIGINT, population_muslim BIGINT, population_minority BIGINT`)
	if err != nil {
		return err
	}
	if err := copyRows("import_units", stagedColumns, rows); err != nil {
		return err
	}
	set := make([]string, 0, len(stagedColumns))
	for _, c := range stagedColumns[1:] {
		_, present := header[c]
		if c == "search_text" {
			_, n := header["name"]
			_, h := header["name_hi"]
			present = n || h
		}
		if present {
			set = append(set, c+" = s."+c)
		}
	}
	if err := tx.Exec("UPDATE units SET "+strings.Join(set, ", ")+", "+bumpIfChanged("units", set)+", updated_at = ? FROM import_units s WHERE units.id = s.id", now).Error; err != nil {
		return dbErr("import units: update", err)
	}
	return drop()
}

// capErrors keeps an answer readable: past MaxImportErrors, one last entry says how many more.
func capErrors(errs []FieldError) []FieldError {
	if len(errs) <= MaxImportErrors {
		return errs
	}
	more := len(errs) - MaxImportErrors
	return append(errs[:MaxImportErrors:MaxImportErrors], FieldError{Field: "file", Message: fmt.Sprintf("%d more errors not shown; fix these and import again", more)})
}

// badText returns the index of the first field that is not valid UTF-8 or holds a NUL, or -1.
func badText(rec []string) int {
	for i, v := range rec {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return i
		}
	}
	return -1
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
