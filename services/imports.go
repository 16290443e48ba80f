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

// MaxImportErrors is how many row errors an import reports; past it, one more entry says how
// many more there are. Imports have no limit on rows: files stream.
const MaxImportErrors = 10_000

// ImportResult is what an import did.
type ImportResult struct {
	Inserted int
	Updated  int
	Seated   int // people imports: seats taken on committees
	Errors   []FieldError
}

// Imports loads CSV files.
type Imports struct {
	db      *gorm.DB
	now     Clock
	units   *Units
	onPhase func(string) // tests only: called as an import reaches each step
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

// The units import streams the file's field values into a staging table (as the people import
// does; see people_import.go) and keeps in memory only what placing units in the tree needs:
// each row's line, level and three codes. Rows may name parents that come later in the file,
// so the tree is resolved once every row has been read, then written with INSERT … SELECT and
// UPDATE … FROM from the staging table, in one transaction that can run again from the staged
// rows.

// importUnitsStage is the staging table of the units CSV: the values of each row that passed
// the row checks.
const importUnitsStage = `line INTEGER PRIMARY KEY, level TEXT NOT NULL, code TEXT NOT NULL, name TEXT NOT NULL,
	name_hi TEXT NOT NULL, search_text TEXT NOT NULL, number INTEGER, reserved TEXT NOT NULL, electors INTEGER,
	population_total BIGINT, population_sc BIGINT, population_st BIGINT, population_muslim BIGINT, population_minority BIGINT`

var importUnitsCols = []string{"line", "level", "code", "name", "name_hi", "search_text", "number", "reserved", "electors",
	"population_total", "population_sc", "population_st", "population_muslim", "population_minority"}

// unitRow is what the import keeps of one row of a units file.
type unitRow struct {
	line       int
	level      models.Level
	code       string
	parentCode string
	parlCode   string
	parseBad   bool // failed the row checks
	bad        bool

	existing *storedUnit // the stored unit with this code, if any
	id       int64
	path     string
	depth    int
	parentID *int64
}

// storedUnit is what placing rows needs of a stored unit.
type storedUnit struct {
	ID              int64
	Level           models.Level
	ParentID        *int64
	Path            string
	Depth           int
	ParliamentaryID *int64
}

func (u storedUnit) unit() models.Unit {
	return models.Unit{ID: u.ID, Level: u.Level, ParentID: u.ParentID, Path: u.Path, Depth: u.Depth, ParliamentaryID: u.ParliamentaryID}
}

// unitFile is a units file as read: its rows and their codes.
type unitFile struct {
	rows   []*unitRow
	byCode map[string]*unitRow // the first row with each code
	codes  map[string]string   // every code the file names, interned
}

func (f *unitFile) intern(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := f.codes[s]; ok {
		return v
	}
	v := strings.Clone(s) // not a slice of the reader's line
	f.codes[v] = v
	return v
}

func csvMessage(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return "not valid CSV: " + pe.Err.Error()
	}
	return "not valid CSV: " + err.Error()
}

func optInt(field, s string, fail func(field, code string, params map[string]any, msg string)) *int {
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	if err != nil {
		fail(field, "wrong_type", map[string]any{"type": "integer"}, "must be a whole number")
		return nil
	}
	return &n
}

func optInt64(field, s string, fail func(field, code string, params map[string]any, msg string)) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
	if err != nil {
		fail(field, "wrong_type", map[string]any{"type": "integer"}, "must be a whole number")
		return nil
	}
	return &n
}

// unitRows feeds the staging table from the file, checking each row's fields and keeping the
// row's place in the tree in f.
func unitRows(st *csvStream, f *unitFile) rowSource {
	return func() ([]any, bool, error) {
		for {
			rec, line, err := st.next()
			if err == io.EOF {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, err
			}
			ur := &unitRow{line: line, parentCode: f.intern(st.get(rec, "parent_code")), parlCode: f.intern(st.get(rec, "parliamentary_code"))}
			fail := func(field, code string, params map[string]any, msg string) {
				st.errs.add(line, field, code, params, msg)
				ur.parseBad = true
			}
			uf := unitFields{Level: models.Level(strings.ToLower(st.get(rec, "level"))), Code: st.get(rec, "code"), Name: st.get(rec, "name"),
				NameHi: st.get(rec, "name_hi"), Reserved: st.get(rec, "reserved"), HasParl: ur.parlCode != "",
				Number:   optInt("number", st.get(rec, "number"), fail),
				Electors: optInt("electors", st.get(rec, "electors"), fail),
			}
			pop := Population{
				Total:    optInt64("population_total", st.get(rec, "population_total"), fail),
				SC:       optInt64("population_sc", st.get(rec, "population_sc"), fail),
				ST:       optInt64("population_st", st.get(rec, "population_st"), fail),
				Muslim:   optInt64("population_muslim", st.get(rec, "population_muslim"), fail),
				Minority: optInt64("population_minority", st.get(rec, "population_minority"), fail),
			}
			if pop != (Population{}) {
				uf.Population = &pop
			}
			uf.normalise()
			for _, fe := range uf.validate() {
				if c, ok := unitFieldColumn[fe.Field]; ok {
					fe.Field = c
				}
				fail(fe.Field, fe.Code, fe.Params, fe.Message)
			}
			if uf.Level.Valid() {
				if ur.parentCode == "" && !uf.Level.ParentOptional() {
					fail("parent_code", "required", nil, "is required for a "+string(uf.Level))
				}
				if ur.parentCode != "" && uf.Level == models.LevelNational {
					fail("parent_code", "parent_invalid", map[string]any{"level": models.LevelNational}, "a national unit has no parent")
				}
				ur.level = uf.Level
			} else {
				ur.level = models.Level(strings.Clone(string(uf.Level)))
			}
			if uf.Code != "" {
				ur.code = f.intern(uf.Code)
				if prev, dup := f.byCode[ur.code]; dup {
					fail("code", "duplicate_in_file", map[string]any{"line": prev.line}, fmt.Sprintf("duplicates the code on line %d", prev.line))
				} else {
					f.byCode[ur.code] = ur
				}
			}
			ur.bad = ur.parseBad
			f.rows = append(f.rows, ur)
			if ur.parseBad {
				continue
			}
			var p Population
			if uf.Population != nil {
				p = *uf.Population
			}
			return []any{line, string(uf.Level), uf.Code, uf.Name, uf.NameHi, stagedSearchText(st, uf.Name, uf.NameHi), uf.Number, uf.Reserved,
				uf.Electors, p.Total, p.SC, p.ST, p.Muslim, p.Minority}, true, nil
		}
	}
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
		return ImportResult{}, invalid("mode", "one_of", map[string]any{"allowed": []string{"all_or_nothing", "valid_rows"}}, "must be all_or_nothing or valid_rows")
	}
	st, err := openCSV(r, UnitColumns, []string{"level", "code", "name"})
	if err != nil {
		return ImportResult{}, err
	}
	f := &unitFile{byCode: map[string]*unitRow{}, codes: map[string]string{}}
	var res ImportResult
	var written int64
	err = withImportConn(ctx, s.db, func(c *importConn) error {
		if err := c.stage("imp_units", importUnitsStage); err != nil {
			return err
		}
		if _, err := c.load("imp_units", importUnitsCols, unitRows(st, f)); err != nil {
			return err
		}
		if err := c.analyzeStaged("imp_units"); err != nil {
			return err
		}
		s.phase("staged")
		return c.inTx(func(tx *gorm.DB, _ int) error {
			for _, ur := range f.rows {
				ur.bad, ur.existing, ur.id, ur.path, ur.depth, ur.parentID = ur.parseBad, nil, 0, "", 0, nil
			}
			res = ImportResult{}
			stored, err := loadStoredUnits(c, tx, f)
			if err != nil {
				return err
			}
			more := s.resolve(actor, f, stored)
			bad := st.errs.badLines + countLines(more)
			res.Errors = st.errs.merged(more[:min(len(more), MaxImportErrors)], len(more))
			if bad > 0 && mode == AllOrNothing {
				return importFailedLines(res, bad)
			}
			ins, upd, w, err := s.writeUnits(c, tx, actor, f, stored, st)
			res.Inserted, res.Updated, written = ins, upd, w
			return err
		})
	})
	if err != nil {
		return ImportResult{Errors: res.Errors}, err
	}
	if err := s.analyzeAfter(ctx, written, "units"); err != nil {
		return res, err
	}
	return res, nil
}

func countLines(errs []FieldError) int {
	seen := map[int]bool{}
	for _, e := range errs {
		seen[e.Line] = true
	}
	return len(seen)
}

// loadStoredUnits reads the stored units named anywhere in the file: the codes go into a
// temporary table and come back joined with units, in one statement.
func loadStoredUnits(c *importConn, tx *gorm.DB, f *unitFile) (map[string]*storedUnit, error) {
	if err := c.tempTableCols(tx, "imp_unit_codes", "code TEXT PRIMARY KEY"); err != nil {
		return nil, err
	}
	codes := make([]string, 0, len(f.codes))
	for code := range f.codes {
		codes = append(codes, code)
	}
	i := 0
	if _, err := c.loadInTx(tx, "imp_unit_codes", []string{"code"}, func() ([]any, bool, error) {
		if i == len(codes) {
			return nil, false, nil
		}
		i++
		return []any{codes[i-1]}, true, nil
	}); err != nil {
		return nil, err
	}
	rows, err := tx.Raw(`SELECT u.id, u.code, u.level, u.parent_id, u.path, u.depth, u.parliamentary_id
		FROM units u JOIN imp_unit_codes k ON k.code = u.code`).Rows()
	if err != nil {
		return nil, dbErr("load units", err)
	}
	defer rows.Close()
	out := make(map[string]*storedUnit, len(codes))
	for rows.Next() {
		var u storedUnit
		var code string
		if err := rows.Scan(&u.ID, &code, &u.Level, &u.ParentID, &u.Path, &u.Depth, &u.ParliamentaryID); err != nil {
			return nil, dbErr("load units", err)
		}
		out[f.intern(code)] = &u
	}
	return out, dbErr("load units", rows.Err())
}

// resolve checks each row against its parent and constituency, in the file or stored, marking
// rows bad (and their descendants in the file, whose parent will not exist) as it goes.
func (s *Imports) resolve(actor Actor, f *unitFile, stored map[string]*storedUnit) []FieldError {
	var errs []FieldError
	fail := func(ur *unitRow, field, code string, params map[string]any, msg string) {
		errs = append(errs, FieldError{Line: ur.line, Field: field, Message: msg, Code: code, Params: params})
		ur.bad = true
	}
	byCode := f.byCode
	for _, ur := range f.rows {
		if ex := stored[ur.code]; ex != nil && ur.code != "" && byCode[ur.code] == ur {
			ur.existing = ex
			switch {
			case !actor.Sees(ex.Path):
				fail(ur, "code", "unit_not_in_scope", nil, "belongs to a unit outside your scope")
			case ex.Level != ur.level && ur.level.Valid():
				fail(ur, "level", "level_fixed", map[string]any{"level": ex.Level}, fmt.Sprintf("the stored unit %s is a %s; a unit's level cannot change", ur.code, ex.Level))
			}
		}
	}
	// state: 0 unvisited, 1 in progress, 2 done. A row is checked after its parent row.
	state := make(map[*unitRow]int, len(f.rows))
	var visit func(ur *unitRow)
	visit = func(ur *unitRow) {
		if state[ur] != 0 {
			if state[ur] == 1 {
				fail(ur, "parent_code", "parent_loop", nil, "the file's parent codes form a loop")
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
					fail(ur, "parent_code", "line_has_errors", map[string]any{"line": p.line}, fmt.Sprintf("the parent on line %d has errors", p.line))
				case !p.bad && ur.level.Valid() && !ur.level.MayHaveParent(p.level):
					fail(ur, "parent_code", "parent_invalid", map[string]any{"level": ur.level, "parent_level": p.level}, fmt.Sprintf("a %s cannot be placed under a %s", ur.level, p.level))
				case ur.existing != nil && p.existing == nil && !p.bad:
					fail(ur, "parent_code", "parent_new", nil, "an existing unit cannot move under a unit created in the same file; import the new parent first")
				}
			} else if ex := stored[ur.parentCode]; ex != nil {
				switch {
				case !actor.Sees(ex.Path):
					fail(ur, "parent_code", "unit_not_in_scope", nil, "no unit with this code in the file or the database")
				case ur.level.Valid() && !ur.level.MayHaveParent(ex.Level):
					fail(ur, "parent_code", "parent_invalid", map[string]any{"level": ur.level, "parent_level": ex.Level}, fmt.Sprintf("a %s cannot be placed under a %s", ur.level, ex.Level))
				case ur.existing != nil && strings.HasPrefix(ex.Path, ur.existing.Path):
					fail(ur, "parent_code", "parent_self", nil, "a unit cannot be moved under itself")
				}
			} else {
				fail(ur, "parent_code", "unit_not_in_scope", nil, "no unit with this code in the file or the database")
			}
		} else if ur.level.ParentOptional() && !actor.Everywhere() && !ur.bad {
			fail(ur, "parent_code", "top_level_admin", nil, "only an administrator may create or change a top-level unit")
		} else if ur.existing != nil && ur.existing.ParentID != nil && !ur.bad {
			fail(ur, "parent_code", "required", nil, "is required: the stored unit has a parent")
		}
		if ur.parlCode != "" && !ur.bad {
			if p := byCode[ur.parlCode]; p != nil {
				if state[p] == 0 {
					visit(p) // the seat may come later in the file and turn out bad
				}
				if p.level != models.LevelParliamentary {
					fail(ur, "parliamentary_code", "parliamentary_invalid", nil, "is not a parliamentary constituency")
				} else if p.bad {
					fail(ur, "parliamentary_code", "line_has_errors", map[string]any{"line": p.line}, fmt.Sprintf("the constituency on line %d has errors", p.line))
				}
			} else if ex := stored[ur.parlCode]; ex != nil {
				if ex.Level != models.LevelParliamentary {
					fail(ur, "parliamentary_code", "parliamentary_invalid", nil, "is not a parliamentary constituency")
				}
			} else {
				fail(ur, "parliamentary_code", "unit_not_in_scope", nil, "no unit with this code in the file or the database")
			}
		}
	}
	for _, ur := range f.rows {
		visit(ur)
	}
	return sortErrors(errs)
}

// unitPlaceCols are the columns of imp_units_place: where each good row goes.
var unitPlaceCols = []string{"line", "id", "is_new", "parent_id", "path", "depth", "parl_id", "parl_set", "audit_unit", "changed"}

// writeUnits stores the good rows: moves of stored units first, then the updates of stored units
// and the new units, from the staging table, with ids taken up front so that paths can be
// computed before the insert. Columns missing from the file's header leave those fields of
// stored units as they are; a column that is present but empty clears the field.
func (s *Imports) writeUnits(c *importConn, tx *gorm.DB, actor Actor, f *unitFile, stored map[string]*storedUnit, st *csvStream) (inserted, updated int, written int64, err error) {
	now := s.now()
	byCode := f.byCode
	var good, fresh []*unitRow
	for _, ur := range f.rows {
		if ur.bad {
			continue
		}
		good = append(good, ur)
		if ur.existing == nil {
			fresh = append(fresh, ur)
		}
	}
	if len(good) == 0 {
		return 0, 0, 0, nil
	}
	ids, err := reserveIDs(tx, len(fresh))
	if err != nil {
		return 0, 0, 0, err
	}
	for i, ur := range fresh {
		ur.id = ids[i]
	}
	// Stored units move before anything is placed under them.
	moved := map[*unitRow]bool{}
	for _, ur := range good {
		if ur.existing == nil || ur.parentCode == "" {
			continue
		}
		if p := byCode[ur.parentCode]; p == nil || p.existing != nil {
			parent := stored[ur.parentCode] // ids do not change, so the copy read before serves
			if ur.existing.ParentID == nil || *ur.existing.ParentID != parent.ID {
				u := ur.existing.unit()
				if err := s.units.move(tx, actor, &u, parent.ID); err != nil {
					return 0, 0, 0, fmt.Errorf("line %d: %w", ur.line, err)
				}
				ur.existing.ParentID, ur.existing.Path, ur.existing.Depth = u.ParentID, u.Path, u.Depth
				moved[ur] = true
				if err := tx.Exec("UPDATE units SET version = version + 1 WHERE id = ?", ur.existing.ID).Error; err != nil {
					return 0, 0, 0, dbErr("import units: move", err)
				}
			}
		}
	}
	// Paths of stored parents and constituencies, read after the moves.
	need := map[string]bool{}
	for _, ur := range good {
		for _, code := range []string{ur.parentCode, ur.parlCode} {
			if code != "" && (byCode[code] == nil || byCode[code].existing != nil) {
				need[code] = true
			}
		}
	}
	codes := make([]string, 0, len(need))
	var parentIDs []int64
	for code := range need {
		codes = append(codes, code)
		if su := stored[code]; su != nil {
			parentIDs = append(parentIDs, su.ID)
		}
	}
	// Under their locks a concurrent move of a parent has committed or waits (see rollups.go).
	if err := lockUnits(tx, parentIDs); err != nil {
		return 0, 0, 0, err
	}
	storedNow := make(map[string]storedUnit, len(codes))
	for _, chunk := range chunks(codes, 5000) {
		var batch []models.Unit
		if err := tx.Select("id", "code", "path", "depth", "level").Where("code IN ?", chunk).Find(&batch).Error; err != nil {
			return 0, 0, 0, dbErr("import units", err)
		}
		for _, u := range batch {
			storedNow[u.Code] = storedUnit{ID: u.ID, Level: u.Level, Path: u.Path, Depth: u.Depth}
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
				su := storedNow[ur.parentCode]
				id := su.ID
				parentPath, depth = su.Path, su.Depth+1
				ur.parentID = &id
			}
		}
		ur.path, ur.depth = models.ChildPath(parentPath, ur.id), depth
	}
	for _, ur := range fresh {
		place(ur)
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
	hasParl := st.has("parliamentary_code")
	// Where each good row goes, the unit its audit row is filed under (its parent, or itself
	// when it has none), and whether it changes a stored unit: moved it, or (found below) changes
	// its fields (fields) or its constituency.
	if err := c.tempTableCols(tx, "imp_units_place", `line INTEGER PRIMARY KEY, id BIGINT NOT NULL, is_new INTEGER NOT NULL,
		parent_id BIGINT, path TEXT, depth INTEGER, parl_id BIGINT, parl_set INTEGER NOT NULL, audit_unit BIGINT NOT NULL,
		changed INTEGER NOT NULL, fields INTEGER NOT NULL DEFAULT 0`); err != nil {
		return 0, 0, 0, err
	}
	i := 0
	if _, err := c.loadInTx(tx, "imp_units_place", unitPlaceCols, func() ([]any, bool, error) {
		if i == len(good) {
			return nil, false, nil
		}
		ur := good[i]
		i++
		id, isNew, parentID, path, depth, set := ur.id, 1, ur.parentID, ur.path, ur.depth, ur.parlCode != ""
		if ur.existing != nil {
			id, isNew, parentID, path, depth, set = ur.existing.ID, 0, ur.existing.ParentID, ur.existing.Path, ur.existing.Depth, hasParl
		}
		auditUnit := id
		if parentID != nil {
			auditUnit = *parentID
		}
		return []any{ur.line, id, isNew, parentID, path, depth, parlID(ur), boolInt(set), auditUnit, boolInt(moved[ur])}, true, nil
	}); err != nil {
		return 0, 0, 0, err
	}
	if c.pg {
		if err := tx.Exec("ANALYZE imp_units_place").Error; err != nil {
			return 0, 0, 0, dbErr("import units: analyze", err)
		}
	}
	ts := c.typed("timestamptz")
	// Updates of stored units. The parliamentary link may name a unit inserted below; it is set
	// after the inserts.
	if updated = len(good) - len(fresh); updated > 0 {
		var set []string
		for _, col := range []string{"name", "name_hi", "number", "reserved", "electors", "population_total", "population_sc",
			"population_st", "population_muslim", "population_minority"} {
			if st.has(col) {
				set = append(set, col+" = x."+col)
			}
		}
		set = append(set, "search_text = "+searchTextExpr(c.pg, st, "x.search_text", "units.search_text"))
		changed := make([]string, 0, len(set))
		for _, a := range set {
			col, expr, _ := strings.Cut(a, " = ")
			changed = append(changed, "units."+col+" IS DISTINCT FROM "+expr)
		}
		// A unit the row leaves as it is, is not written: rewriting it would only add a copy of
		// the row to every index (re-importing the state's booths took 5 s for nothing).
		if err := tx.Exec(`UPDATE imp_units_place SET fields = 1 WHERE is_new = 0 AND EXISTS (SELECT 1 FROM units
			JOIN imp_units x ON x.line = imp_units_place.line WHERE units.id = imp_units_place.id AND (` + strings.Join(changed, " OR ") + `))`).Error; err != nil {
			return 0, 0, 0, dbErr("import units: compare", err)
		}
		if err := tx.Exec(`UPDATE imp_units_place SET changed = 1 WHERE is_new = 0 AND (fields = 1 OR parl_set = 1 AND EXISTS
			(SELECT 1 FROM units WHERE units.id = imp_units_place.id AND units.parliamentary_id IS DISTINCT FROM imp_units_place.parl_id))`).Error; err != nil {
			return 0, 0, 0, dbErr("import units: compare", err)
		}
		if err := tx.Exec(`UPDATE units SET `+strings.Join(set, ", ")+`, version = version + 1, updated_at = `+ts+`
		FROM (SELECT p.id AS id, s.* FROM imp_units_place p JOIN imp_units s ON s.line = p.line WHERE p.fields = 1) x
		WHERE units.id = x.id`, now).Error; err != nil {
			return 0, 0, 0, dbErr("import units: update", err)
		}
	}
	// New units, parents first, so that the foreign key holds row by row on databases that check
	// it per row.
	if len(fresh) > 0 {
		if err := tx.Exec(`INSERT INTO units (id, level, parent_id, path, depth, code, name, name_hi, search_text, number, reserved,
			parliamentary_id, electors, population_total, population_sc, population_st, population_muslim, population_minority,
			created_at, updated_at, booths, term_started_on)
		SELECT p.id, s.level, p.parent_id, p.path, p.depth, s.code, s.name, s.name_hi, `+searchTextExpr(c.pg, st, "s.search_text", "")+`, s.number,
			s.reserved, NULL, s.electors, s.population_total, s.population_sc, s.population_st, s.population_muslim,
			s.population_minority, `+ts+`, `+ts+`, CASE WHEN s.level = 'booth' THEN 1 ELSE 0 END, `+c.typed("date")+`
		FROM imp_units_place p JOIN imp_units s ON s.line = p.line WHERE p.is_new = 1 ORDER BY p.depth, p.id`, now, now, models.DateOf(now.In(IST))).Error; err != nil {
			return 0, 0, 0, dbErr("import units: insert", err)
		}
		if err := representationRows(tx, "u.id IN (SELECT id FROM imp_units_place WHERE is_new = 1)"); err != nil {
			return 0, 0, 0, err
		}
	}
	// Constituency links, set now that every unit exists.
	res := tx.Exec(`UPDATE units SET parliamentary_id = x.parl_id, version = version + 1 - x.is_new
		FROM imp_units_place x WHERE units.id = x.id AND x.parl_set = 1 AND units.parliamentary_id IS DISTINCT FROM x.parl_id`)
	if res.Error != nil {
		return 0, 0, 0, dbErr("import units: link constituency", res.Error)
	}
	s.phase("written")
	// Booth rollups of every unit above a new one (a Lok Sabha seat sums its assemblies when
	// read). Moves moved their own counts already; other changes move none, so that a re-import
	// that only renames takes none of the shared rollup rows' locks.
	above := map[int64]bool{}
	for _, ur := range fresh {
		ids := models.PathIDs(ur.path)
		for _, id := range ids[:max(len(ids)-1, 0)] {
			above[id] = true
		}
		if ur.level != models.LevelBooth && len(ids) > 0 {
			above[ids[len(ids)-1]] = true
		}
	}
	if len(above) > 0 {
		aboveIDs := make([]int64, 0, len(above))
		for id := range above {
			aboveIDs = append(aboveIDs, id)
		}
		if err := recountBooths(tx, aboveIDs); err != nil {
			return 0, 0, 0, err
		}
	}
	if err := s.auditUnits(c, tx, now, actor); err != nil {
		return 0, 0, 0, err
	}
	var changed int64
	if err := tx.Raw("SELECT count(*) FROM imp_units_place WHERE is_new = 0 AND changed = 1").Scan(&changed).Error; err != nil {
		return 0, 0, 0, dbErr("import units: count", err)
	}
	return len(fresh), updated, int64(len(fresh)) + changed, nil
}

// auditUnits writes who changed what: per parent unit and block of 1000 lines, one audit
// row listing the units the import created and changed there, {"created": [{"id", "code",
// "line"}…], "updated": […]}, filed under the parent (a unit without one under itself).
func (s *Imports) auditUnits(c *importConn, tx *gorm.DB, now time.Time, actor Actor) error {
	var actorID *int64
	if actor.UserID != 0 {
		actorID = &actor.UserID
	}
	name := actor.Username
	if name == "" {
		name = "system"
	}
	unit := c.jsonObject("id", "r.id", "code", "r.code", "line", "r.line")
	after := c.jsonObject("created", c.jsonArray(unit, "r.is_new = 1", "r.line"), "updated", c.jsonArray(unit, "r.is_new = 0", "r.line"))
	err := tx.Exec(`INSERT INTO audit_log (at, actor_id, actor_username, action, entity, entity_id, unit_id, unit_path, before, after, request_id)
	SELECT `+c.typed("timestamptz")+`, `+c.typed("bigint")+`, `+c.typed("text")+`, 'import', 'unit', '', g.unit_id, u.path, NULL,
		CAST(g.after AS TEXT), `+c.typed("text")+`
	FROM (SELECT r.unit_id AS unit_id, r.line / 1000 AS chunk, `+after+` AS after
		FROM (SELECT p.audit_unit AS unit_id, p.id AS id, s.code AS code, p.line AS line, p.is_new AS is_new
			FROM imp_units_place p JOIN imp_units s ON s.line = p.line WHERE p.is_new = 1 OR p.changed = 1) r
		GROUP BY r.unit_id, r.line / 1000) g
	JOIN units u ON u.id = g.unit_id ORDER BY g.unit_id, g.chunk`, now, actorID, name, actor.RequestID).Error
	return dbErr("import units: audit", err)
}

// reserveIDs takes n ids for new units before inserting them. On PostgreSQL they come from the
// sequence; on SQLite the write lock held by the transaction makes max(id)+1.. safe.
func reserveIDs(tx *gorm.DB, n int) ([]int64, error) { return reserveTableIDs(tx, "units", n) }

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
