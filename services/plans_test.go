package services_test

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestHotQueryPlans runs EXPLAIN ANALYZE on every statement the hot operations issue — a
// coordinator's and the state office's unit pages, children, booth lists, committee pages,
// people lists and searches, a seat taken and ended — against the whole state's booths with the
// committees of two real districts (Agra's people entered before Lucknow's), once with the plan PostgreSQL makes for the values (custom) and once
// with the plan a cached prepared statement switches to after five executions (generic). It
// fails on a sequential scan of units, people or seats, and on a scan of them that reads more
// rows than a page and its lookups need: such a plan grows with the district or the state.
// (PostgreSQL: SQLite has no plan cache, and its plans are measured by the benchmarks.)
func TestHotQueryPlans(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("query plans are checked on PostgreSQL (set SANGATHAN_TEST_DATABASE_URL)")
	}
	ctx := context.Background()
	seedDistricts(t, e, "UP-AGRA", "UP-LUCKNOW")
	noErr(t, e.db.Exec("ANALYZE").Error)

	unit := func(code string) models.Unit {
		u, err := e.units.UnitByCode(ctx, services.System, code)
		noErr(t, err)
		return u
	}
	state, lucknow := unit("UP"), unit("UP-LUCKNOW")
	var assembly, booth models.Unit
	noErr(t, e.db.Where("level = 'assembly' AND path >= ? AND path < ?", lucknow.Path, lucknow.Path[:len(lucknow.Path)-1]+"0").Order("id DESC").Take(&assembly).Error)
	noErr(t, e.db.Where("level = 'booth' AND parent_id = ? AND seats > 0", assembly.ID).Order("id DESC").Take(&booth).Error)
	var member models.Person
	noErr(t, e.db.Where("unit_id = ?", booth.ID).Order("id").Take(&member).Error)
	dc := scoped(models.RoleDistrictCoordinator, lucknow)
	office := scoped(models.RoleStateOffice, state)

	rec := &statements{}
	noErr(t, rec.register(e.db.DB))
	page := services.PageRequest{}
	// A name search reads a window of the range in order (4,000 people, 1,000 units), then, for
	// a word rare there, the matches through the trigram index or the range in order, as the
	// planner judges the word: never more than the district, never the state.
	var districtPeople int64
	noErr(t, e.db.Model(&models.Person{}).Where("path >= ? AND path < ?", lucknow.Path, lucknow.Path[:len(lucknow.Path)-1]+"0").Count(&districtPeople).Error)
	var districtBooths int64
	noErr(t, e.db.Model(&models.Unit{}).Where("level = 'booth' AND path >= ? AND path < ?", lucknow.Path, lucknow.Path[:len(lucknow.Path)-1]+"0").Count(&districtBooths).Error)
	ops := []struct {
		name   string
		run    func() error
		budget float64 // rows one scan may read, when not scanBudget's
	}{
		{"unit page", func() error { _, err := e.units.Get(ctx, dc, booth.ID); return err }, 0},
		{"district's children", func() error { _, err := e.units.Children(ctx, dc, lucknow.ID, page); return err }, 0},
		{"assembly's children", func() error { _, err := e.units.Children(ctx, dc, assembly.ID, page); return err }, 0},
		{"state's children", func() error { _, err := e.units.Children(ctx, office, state.ID, page); return err }, 0},
		{"district's booths", func() error {
			_, err := e.units.List(ctx, dc, services.UnitFilter{Under: &lucknow.ID, Level: models.LevelBooth})
			return err
		}, 0},
		{"committee page", func() error { _, err := e.set.Committees.Get(ctx, dc, booth.ID); return err }, 0},
		{"people under the district", func() error {
			_, err := e.set.People.List(ctx, dc, services.PersonFilter{Under: &lucknow.ID})
			return err
		}, 0},
		{"people under a booth", func() error {
			_, err := e.set.People.List(ctx, dc, services.PersonFilter{Under: &booth.ID})
			return err
		}, 0},
		{"the coordinator's people", func() error { _, err := e.set.People.List(ctx, dc, services.PersonFilter{}); return err }, 0},
		{"the state office's people", func() error { _, err := e.set.People.List(ctx, office, services.PersonFilter{}); return err }, 0},
		{"people search, Latin", func() error {
			_, err := e.set.People.List(ctx, dc, services.PersonFilter{Q: "ramesh yadav"})
			return err
		}, float64(districtPeople) + 100},
		{"people search, Devanagari, state office", func() error {
			_, err := e.set.People.List(ctx, office, services.PersonFilter{Q: "सलमा अंसारी"})
			return err
		}, float64(districtPeople) / 2},
		// A word's matches inside other words (after those at a word start, issue 10) may be read
		// by walking the district's booths in order: never more than the district.
		{"booth search", func() error {
			_, err := e.units.List(ctx, dc, services.UnitFilter{Q: "gudamba", Level: models.LevelBooth})
			return err
		}, float64(districtBooths) + 100},
		{"unit search, state office", func() error {
			_, err := e.units.List(ctx, office, services.UnitFilter{Q: "gomti"})
			return err
		}, 1000},
		{"a person", func() error { _, err := e.set.People.Get(ctx, dc, member.ID); return err }, 0},
		{"seat and unseat", func() error {
			p := e.mustPerson(t, dc, booth)
			v, err := e.set.Committees.Seat(ctx, dc, booth.ID, p.ID, models.PositionMember)
			if err != nil {
				return err
			}
			return e.set.Committees.EndSeat(ctx, dc, booth.ID, v.Seat.ID)
		}, 0},
	}
	budgets := map[string]float64{}
	for _, op := range ops {
		budgets[op.name] = op.budget
		rec.start(op.name)
		if err := op.run(); err != nil {
			t.Fatalf("%s: %v", op.name, err)
		}
	}
	rec.stop()
	if len(rec.list) < len(ops) {
		t.Fatalf("recorded %d statements for %d operations: the recorder is broken", len(rec.list), len(ops))
	}
	checked := 0
	for _, st := range rec.list {
		for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
			if st.custom() && mode == "force_generic_plan" {
				continue
			}
			plan, err := explain(e.db.DB, st, mode)
			if err != nil {
				t.Errorf("%s: explain %s (%s): %v", st.op, st.sql, mode, err)
				continue
			}
			for _, bad := range plan.badScans(budgets[st.op]) {
				t.Errorf("%s, %s plan: %s\n  statement: %s", st.op, strings.TrimPrefix(mode, "force_"), bad, st.sql)
			}
			checked++
		}
	}
	t.Logf("checked %d plans of %d statements", checked, len(rec.list))
}

// seedDistricts loads the state — its skeleton and all 138,771 real booths, so that units have
// the size they have in production — and generated committees on the booths of the districts,
// through the imports.
func seedDistricts(t *testing.T, e *env, districts ...string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	noErr(t, err)
	booths, err := demodata.Booths()
	noErr(t, err)
	defer booths.Close()
	_, err = e.imports.Units(ctx, services.System, booths, services.AllOrNothing)
	noErr(t, err)
	people, err := demodata.Committees(0.6, 7, districts...)
	noErr(t, err)
	_, err = e.imports.People(ctx, services.System, people, services.AllOrNothing)
	noErr(t, err)
}

// statement is one SQL statement an operation issued, with its arguments. settings are the
// SET LOCALs of its transaction (services' customPlanned); when they force custom plans, the
// statement never runs with a generic plan, and only its custom plan is checked.
type statement struct {
	op       string
	sql      string
	vars     []any
	settings []string
}

func (st statement) custom() bool {
	return slices.Contains(st.settings, "SET LOCAL plan_cache_mode = force_custom_plan")
}

// statements records what the services send to the database while an operation runs.
type statements struct {
	mu       sync.Mutex
	op       string
	seen     map[string]bool
	list     []statement
	settings map[gorm.ConnPool][]string // the SET LOCALs of each transaction
}

func (r *statements) start(op string) { r.mu.Lock(); r.op = op; r.mu.Unlock() }
func (r *statements) stop()           { r.start("") }

func (r *statements) register(db *gorm.DB) error {
	record := func(tx *gorm.DB) {
		r.mu.Lock()
		defer r.mu.Unlock()
		q := strings.TrimSpace(tx.Statement.SQL.String())
		// A subquery is built by running the callbacks without executing (DryRun): not a statement.
		if r.op == "" || tx.Error != nil || tx.DryRun || r.seen[r.op+q] {
			return
		}
		if strings.HasPrefix(q, "SET LOCAL ") {
			if r.settings == nil {
				r.settings = map[gorm.ConnPool][]string{}
			}
			r.settings[tx.Statement.ConnPool] = append(r.settings[tx.Statement.ConnPool], q)
			return
		}
		verb := strings.ToUpper(strings.Fields(q + " x")[0])
		if verb != "SELECT" && verb != "UPDATE" && verb != "DELETE" && verb != "INSERT" && verb != "WITH" {
			return
		}
		if r.seen == nil {
			r.seen = map[string]bool{}
		}
		r.seen[r.op+q] = true
		r.list = append(r.list, statement{op: r.op, sql: q, vars: append([]any(nil), tx.Statement.Vars...), settings: slices.Clone(r.settings[tx.Statement.ConnPool])})
	}
	c := db.Callback()
	for name, err := range map[string]error{
		"query":  c.Query().After("gorm:query").Register("plans:query", record),
		"row":    c.Row().After("gorm:row").Register("plans:row", record),
		"raw":    c.Raw().After("gorm:raw").Register("plans:raw", record),
		"create": c.Create().After("gorm:create").Register("plans:create", record),
		"update": c.Update().After("gorm:update").Register("plans:update", record),
		"delete": c.Delete().After("gorm:delete").Register("plans:delete", record),
	} {
		if err != nil {
			return fmt.Errorf("register %s: %w", name, err)
		}
	}
	return nil
}

// planNode is the part of EXPLAIN (FORMAT JSON) the check reads.
type planNode struct {
	NodeType       string     `json:"Node Type"`
	Relation       string     `json:"Relation Name"`
	Index          string     `json:"Index Name"`
	ActualRows     float64    `json:"Actual Rows"`
	ActualLoops    float64    `json:"Actual Loops"`
	RemovedFilter  float64    `json:"Rows Removed by Filter"`
	RemovedRecheck float64    `json:"Rows Removed by Index Recheck"`
	PlanRows       float64    `json:"Plan Rows"`
	Plans          []planNode `json:"Plans"`
	analyzed       bool
}

// scanBudget is the most rows one scan of a table may read for a hot operation: a page (at most
// 51 rows, the limit and one more), a committee (at most 301 seats) and their lookups, with room
// for a search that skips non-matching rows of a booth range. A district has thousands of units
// and tens of thousands of people and seats; reading that many is a plan that grows with it.
var scanBudget = map[string]float64{"units": 400, "seats": 400, "people": 400}

// table is the table a scan node reads: its relation, or for a bitmap index scan the table its
// index belongs to (index names start with the table's).
func (n planNode) table() string {
	if n.Relation != "" {
		return n.Relation
	}
	for t := range scanBudget {
		if strings.HasPrefix(n.Index, t+"_") {
			return t
		}
	}
	return ""
}

// badScans lists the scans of n that are sequential or read more than their budget; override,
// when not 0, is the budget of every table.
func (n planNode) badScans(override float64) []string {
	var out []string
	var walk func(n planNode)
	walk = func(n planNode) {
		t := n.table()
		budget, ok := scanBudget[t]
		if override > 0 {
			budget = override
		}
		if ok && strings.Contains(n.NodeType, "Scan") {
			switch {
			case n.NodeType == "Seq Scan":
				out = append(out, "sequential scan of "+t)
			case n.analyzed:
				loops := max(n.ActualLoops, 1)
				if read := (n.ActualRows + n.RemovedFilter + n.RemovedRecheck) * loops; read > budget {
					out = append(out, fmt.Sprintf("%s on %s %s reads %.0f rows (budget %.0f)", n.NodeType, t, n.Index, read, budget))
				}
			}
		}
		for _, c := range n.Plans {
			c.analyzed = n.analyzed
			walk(c)
		}
	}
	walk(n)
	return out
}

// explain runs EXPLAIN on the statement as a prepared statement under the plan cache mode, in a
// transaction that is rolled back. Reads are run (ANALYZE), so that the rows each scan really
// reads are known; writes are only planned.
func explain(db *gorm.DB, st statement, mode string) (planNode, error) {
	var root planNode
	args := make([]string, len(st.vars))
	for i, v := range st.vars {
		lit, err := literal(v)
		if err != nil {
			return root, err
		}
		args[i] = lit
	}
	analyze := strings.HasPrefix(strings.ToUpper(st.sql), "SELECT")
	err := db.Transaction(func(tx *gorm.DB) error {
		for _, set := range st.settings {
			if err := tx.Exec(set).Error; err != nil {
				return err
			}
		}
		if err := tx.Exec("SET LOCAL plan_cache_mode = " + mode).Error; err != nil {
			return err
		}
		name := fmt.Sprintf("plan_check_%d", time.Now().UnixNano())
		if err := tx.Exec("PREPARE " + name + " AS " + st.sql).Error; err != nil {
			return err
		}
		opts := "FORMAT JSON"
		if analyze {
			opts = "ANALYZE, FORMAT JSON"
		}
		q := "EXPLAIN (" + opts + ") EXECUTE " + name
		if len(args) > 0 {
			q += "(" + strings.Join(args, ", ") + ")"
		}
		var out string
		if err := tx.Raw(q).Row().Scan(&out); err != nil {
			return err
		}
		var doc []struct {
			Plan planNode `json:"Plan"`
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc) != 1 {
			return fmt.Errorf("explain output %q: %v", out, err)
		}
		root = doc[0].Plan
		root.analyzed = analyze
		return errRollback
	})
	if err == errRollback {
		err = nil
	}
	return root, err
}

var errRollback = fmt.Errorf("rolled back on purpose")

// literal writes a bound value as an SQL literal for EXECUTE.
func literal(v any) (string, error) {
	if vl, ok := v.(driver.Valuer); ok {
		val, err := vl.Value()
		if err != nil {
			return "", err
		}
		v = val
	}
	if v == nil {
		return "NULL", nil
	}
	if tm, ok := v.(time.Time); ok {
		return quote(tm.Format(time.RFC3339Nano)), nil
	}
	r := reflect.ValueOf(v)
	for r.Kind() == reflect.Pointer {
		if r.IsNil() {
			return "NULL", nil
		}
		r = r.Elem()
		if tm, ok := r.Interface().(time.Time); ok {
			return quote(tm.Format(time.RFC3339Nano)), nil
		}
	}
	switch r.Kind() {
	case reflect.String:
		return quote(r.String()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(r.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(r.Uint(), 10), nil
	case reflect.Bool:
		return strconv.FormatBool(r.Bool()), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(r.Float(), 'g', -1, 64), nil
	}
	return "", fmt.Errorf("no literal for %T", v)
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
