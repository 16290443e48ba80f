package services_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// testSecret signs access tokens in tests; it is never written to.
var testSecret = []byte("sangathan-test-secret-0123456789abcdef")

// clock is a fixed clock that a test moves by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)} }

// Now is the services.Clock of the test.
func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is one test's services over its own fresh database.
type env struct {
	db      *database.DB
	clock   *clock
	units   *services.Units
	imports *services.Imports
	exports *services.Exports
	auth    *services.Auth
	users   *services.Users
	set     *services.Set
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := dbtest.New(t)
	c := newClock()
	set, err := services.NewSet(db.DB, c.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return &env{db: db, clock: c, set: set, units: set.Units, imports: set.Imports, exports: set.Exports, auth: set.Auth, users: set.Users}
}

var seq atomic.Int64

// uniq returns a code no other call returns, usable as a unit code or (lower-cased) a username.
func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// scoped is an actor of role whose scope is u.
func scoped(role models.Role, u models.Unit) services.Actor {
	id := u.ID
	return services.Actor{UserID: seq.Add(1) + 1_000_000, Username: uniq("actor"), Role: role, ScopeUnitID: &id, ScopePath: u.Path}
}

func ptr[T any](v T) *T { return &v }

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr fails unless err has code; with fields it also requires exactly those field names.
func wantErr(t *testing.T, err error, code services.Code, fields ...string) *services.Error {
	t.Helper()
	if got := services.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	var e *services.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *services.Error", err)
	}
	if fields != nil {
		got := make([]string, 0, len(e.Fields))
		for _, f := range e.Fields {
			got = append(got, f.Field)
		}
		slices.Sort(got)
		want := slices.Clone(fields)
		slices.Sort(want)
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("error fields (-want +got):\n%s\nerror: %v", d, err)
		}
	}
	return e
}

// mustCreate creates a unit through the service.
func (e *env) mustCreate(t *testing.T, actor services.Actor, in services.UnitInput) models.Unit {
	t.Helper()
	u, err := e.units.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create %s %s: %v", in.Level, in.Code, err)
	}
	return u
}

// newRoot creates a state with a unique code as the installation.
func (e *env) newRoot(t *testing.T) models.Unit {
	t.Helper()
	code := uniq("ST")
	return e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelState, Code: code, Name: "State " + code})
}

// newChild creates a unit of level under parent with a unique code.
func (e *env) newChild(t *testing.T, level models.Level, parent models.Unit) models.Unit {
	t.Helper()
	code := uniq(strings.ToUpper(string(level[:2])))
	return e.mustCreate(t, services.System, services.UnitInput{Level: level, ParentID: &parent.ID, Code: code, Name: "Unit " + code})
}

// tree is a small organisation: a Lok Sabha seat whose two assemblies lie in two districts.
//
//	state
//	├── pc (parliamentary)
//	├── d1 ── a1 (pc) ── s1 ── b1, b2
//	│          └── b3
//	└── d2 ── a2 (pc) ── b4
type tree struct {
	state, pc, d1, d2, a1, a2, s1, b1, b2, b3, b4 models.Unit
}

func (e *env) newTree(t *testing.T) tree {
	t.Helper()
	var tr tree
	tr.state = e.newRoot(t)
	tr.pc = e.newChild(t, models.LevelParliamentary, tr.state)
	tr.d1 = e.newChild(t, models.LevelDistrict, tr.state)
	tr.d2 = e.newChild(t, models.LevelDistrict, tr.state)
	assembly := func(d models.Unit) models.Unit {
		code := uniq("AC")
		return e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &d.ID, Code: code,
			Name: "Assembly " + code, ParliamentaryID: &tr.pc.ID})
	}
	tr.a1 = assembly(tr.d1)
	tr.a2 = assembly(tr.d2)
	tr.s1 = e.newChild(t, models.LevelSector, tr.a1)
	tr.b1 = e.newChild(t, models.LevelBooth, tr.s1)
	tr.b2 = e.newChild(t, models.LevelBooth, tr.s1)
	tr.b3 = e.newChild(t, models.LevelBooth, tr.a1)
	tr.b4 = e.newChild(t, models.LevelBooth, tr.a2)
	return tr
}

// twinDistricts creates districts under state until one's id is a decimal prefix of
// another's ("/1/2/" and "/1/23/"), the case where a careless prefix match leaks a sibling.
func (e *env) twinDistricts(t *testing.T, state models.Unit) (short, long models.Unit) {
	t.Helper()
	var made []models.Unit
	for range 200 {
		d := e.newChild(t, models.LevelDistrict, state)
		for _, m := range made {
			if strings.HasPrefix(d.Path, strings.TrimSuffix(m.Path, "/")) {
				return m, d
			}
		}
		made = append(made, d)
	}
	t.Fatal("no two districts with prefix ids after 200 inserts")
	return
}

// loadUnit reads a unit straight from the database, bypassing the service.
func loadUnit(t *testing.T, db *database.DB, id int64) models.Unit {
	t.Helper()
	var u models.Unit
	if err := db.Where("id = ?", id).Take(&u).Error; err != nil {
		t.Fatalf("load unit %d: %v", id, err)
	}
	return u
}

func unitByCode(t *testing.T, db *database.DB, code string) models.Unit {
	t.Helper()
	var u models.Unit
	if err := db.Where("code = ?", code).Take(&u).Error; err != nil {
		t.Fatalf("load unit %s: %v", code, err)
	}
	return u
}

func unitExists(t *testing.T, db *database.DB, code string) bool {
	t.Helper()
	var n int64
	if err := db.Model(&models.Unit{}).Where("code = ?", code).Count(&n).Error; err != nil {
		t.Fatalf("count units: %v", err)
	}
	return n > 0
}

func countUnits(t *testing.T, db *database.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&models.Unit{}).Count(&n).Error; err != nil {
		t.Fatalf("count units: %v", err)
	}
	return n
}

// snapshot is every stored unit, every column, in id order: equal snapshots mean nothing was written.
func snapshot(t *testing.T, db *database.DB) []models.Unit {
	t.Helper()
	var us []models.Unit
	if err := db.Order("id").Find(&us).Error; err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return us
}

// checkTree verifies the materialised paths of every stored unit against its parent.
func checkTree(t *testing.T, db *database.DB) {
	t.Helper()
	byID := map[int64]models.Unit{}
	for _, u := range snapshot(t, db) {
		byID[u.ID] = u
	}
	for _, u := range byID {
		if u.ParentID == nil {
			if u.Path != models.ChildPath("", u.ID) || u.Depth != 0 {
				t.Errorf("root %s: path %q depth %d", u.Code, u.Path, u.Depth)
			}
			continue
		}
		p, ok := byID[*u.ParentID]
		if !ok {
			t.Errorf("%s: parent %d missing", u.Code, *u.ParentID)
			continue
		}
		if !u.Level.MayHaveParent(p.Level) {
			t.Errorf("%s: a %s under a %s", u.Code, u.Level, p.Level)
		}
		if u.Path != models.ChildPath(p.Path, u.ID) || u.Depth != p.Depth+1 {
			t.Errorf("%s: path %q depth %d; parent %s has path %q depth %d", u.Code, u.Path, u.Depth, p.Code, p.Path, p.Depth)
		}
	}
	// The path kept on each person is the path of their unit.
	var stale []struct {
		ID       int64
		Path     string
		UnitPath string
	}
	noErr(t, db.Raw("SELECT p.id, p.path, u.path AS unit_path FROM people p JOIN units u ON u.id = p.unit_id WHERE p.path <> u.path LIMIT 5").Scan(&stale).Error)
	for _, p := range stale {
		t.Errorf("person %d: path %q, their unit's is %q", p.ID, p.Path, p.UnitPath)
	}
}

// csvFile joins a header and rows into a CSV body.
func csvFile(header string, rows ...string) string {
	return strings.Join(append([]string{header}, rows...), "\n") + "\n"
}

func (e *env) importUnits(t *testing.T, actor services.Actor, mode services.ImportMode, body string) services.ImportResult {
	t.Helper()
	res, err := e.imports.Units(context.Background(), actor, strings.NewReader(body), mode)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// exportUnits exports the subtree under (nil: the actor's scope) as CSV text.
func (e *env) exportUnits(t *testing.T, actor services.Actor, under *int64) string {
	t.Helper()
	ctx := context.Background()
	sel, err := e.exports.CheckUnits(ctx, actor, under)
	if err != nil {
		t.Fatalf("check export: %v", err)
	}
	var buf bytes.Buffer
	if err := e.exports.Units(ctx, sel, &buf); err != nil {
		t.Fatalf("export: %v", err)
	}
	return buf.String()
}

// lineField is an import error without its wording.
type lineField struct {
	Line  int
	Field string
}

func lineFields(errs []services.FieldError) []lineField {
	out := make([]lineField, 0, len(errs))
	for _, e := range errs {
		out = append(out, lineField{e.Line, e.Field})
	}
	return out
}

// inTreeOrder gives the ids of units in the order of unit lists other than children: by path.
func inTreeOrder(us ...models.Unit) []int64 {
	us = slices.Clone(us)
	slices.SortFunc(us, func(a, b models.Unit) int { return strings.Compare(a.Path, b.Path) })
	return ids(us)
}

func ids(us []models.Unit) []int64 {
	out := make([]int64, 0, len(us))
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

// actorOf logs u in and authenticates the access token: the actor the API would act as.
func (e *env) actorOf(t *testing.T, u models.User) services.Actor {
	t.Helper()
	a, err := e.auth.Authenticate(context.Background(), e.login(t, u.Username).AccessToken)
	if err != nil {
		t.Fatalf("authenticate %s: %v", u.Username, err)
	}
	return a
}

// auditMark is the id of the newest audit row, 0 when there is none.
func (e *env) auditMark(t *testing.T) int64 {
	t.Helper()
	var id *int64
	noErr(t, e.db.Raw("SELECT max(id) FROM audit_log").Scan(&id).Error)
	if id == nil {
		return 0
	}
	return *id
}

// auditSince reads the audit rows of changes after mark straight from the database, oldest
// first: without the security events (sign-ins, sign-outs, lockouts) that tests' own logins
// write; securitySince reads those.
func (e *env) auditSince(t *testing.T, mark int64) []models.AuditEntry {
	t.Helper()
	var rows []models.AuditEntry
	noErr(t, e.db.Where("id > ? AND entity NOT IN ('session', 'login')", mark).Order("id").Find(&rows).Error)
	return rows
}

// securitySince reads the security events after mark, oldest first.
func (e *env) securitySince(t *testing.T, mark int64) []models.AuditEntry {
	t.Helper()
	var rows []models.AuditEntry
	noErr(t, e.db.Where("id > ? AND entity IN ('session', 'login')", mark).Order("id").Find(&rows).Error)
	return rows
}

// isPostgres reports whether the test database is PostgreSQL.
func (e *env) isPostgres() bool { return e.db.Dialector.Name() == "postgres" }

var voterSeq atomic.Int64

// newVoterID returns a voter ID (EPIC: three letters, seven digits) no other call returns.
func newVoterID() string { return fmt.Sprintf("TST%07d", voterSeq.Add(1)) }

// mustPerson creates a person at home through the people service as actor, with a unique name;
// edits change the input before it is sent.
func (e *env) mustPerson(t *testing.T, actor services.Actor, home models.Unit, edits ...func(*services.PersonInput)) models.Person {
	t.Helper()
	in := services.PersonInput{Name: uniq("Person"), Gender: models.GenderFemale, Category: models.CategoryOBC, HomeUnitID: &home.ID}
	for _, edit := range edits {
		edit(&in)
	}
	v, err := e.set.People.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create person at %s: %v", home.Code, err)
	}
	return v.Person
}

// mustSeat places person on u's committee as actor.
func (e *env) mustSeat(t *testing.T, actor services.Actor, u models.Unit, p models.Person, pos models.Position) models.Seat {
	t.Helper()
	v, err := e.set.Committees.Seat(context.Background(), actor, u.ID, p.ID, pos)
	if err != nil {
		t.Fatalf("seat person %d as %s on %s: %v", p.ID, pos, u.Code, err)
	}
	return v.Seat
}

// fillCommittee seats n new people on u as the installation: a president first, then a booth
// agent on a booth, then members.
func (e *env) fillCommittee(t *testing.T, u models.Unit, n int) []models.Seat {
	t.Helper()
	positions := []models.Position{models.PositionPresident}
	if u.Level == models.LevelBooth {
		positions = append(positions, models.PositionBoothAgent)
	}
	var out []models.Seat
	for i := range n {
		pos := models.PositionMember
		if i < len(positions) {
			pos = positions[i]
		}
		out = append(out, e.mustSeat(t, services.System, u, e.mustPerson(t, services.System, u), pos))
	}
	return out
}

// coverageOf reads a unit's booth coverage through the units service, as the installation.
func (e *env) coverageOf(t *testing.T, u models.Unit) services.Coverage {
	t.Helper()
	d, err := e.units.Get(context.Background(), services.System, u.ID)
	if err != nil {
		t.Fatalf("get %s: %v", u.Code, err)
	}
	return d.Coverage
}

// coverages reads the coverage of each unit, keyed by code.
func (e *env) coverages(t *testing.T, us ...models.Unit) map[string]services.Coverage {
	t.Helper()
	out := map[string]services.Coverage{}
	for _, u := range us {
		out[u.Code] = e.coverageOf(t, u)
	}
	return out
}

// checkRollups compares the rollups on every unit with a count from scratch: booths and complete
// booths by path range in SQL (through the assemblies for a Lok Sabha seat), and each committee's
// seat count and completeness from its current seats and the norms.
func checkRollups(t *testing.T, db *database.DB) {
	t.Helper()
	// The booths in the subtree of the unit aliased x.
	under := func(x string) string {
		return fmt.Sprintf("b.level = 'booth' AND b.path >= %[1]s.path AND b.path < substr(%[1]s.path, 1, length(%[1]s.path) - 1) || '0'", x)
	}
	type row struct {
		Code                     string
		Booths, BoothsComplete   int64
		WantBooths, WantComplete int64
	}
	var rows []row
	// Stored from the district down; the state, the national unit and Lok Sabha seats store none.
	q := `SELECT u.code, u.booths, u.booths_complete,
		(SELECT count(*) FROM units b WHERE ` + under("u") + `) AS want_booths,
		(SELECT count(*) FROM units b WHERE ` + under("u") + ` AND b.committee_complete) AS want_complete
		FROM units u WHERE u.level NOT IN ('parliamentary', 'state', 'national')
		UNION ALL
		SELECT u.code, u.booths, u.booths_complete, 0, 0 FROM units u WHERE u.level IN ('parliamentary', 'state', 'national')`
	noErr(t, db.Raw(q).Scan(&rows).Error)
	if len(rows) == 0 {
		t.Fatal("checkRollups: no units")
	}
	for _, r := range rows {
		if r.Booths != r.WantBooths || r.BoothsComplete != r.WantComplete {
			t.Errorf("%s: rollup %d booths, %d complete; counted %d, %d", r.Code, r.Booths, r.BoothsComplete, r.WantBooths, r.WantComplete)
		}
	}

	var norms []models.CommitteeNorm
	noErr(t, db.Find(&norms).Error)
	normOf := map[models.Level]models.CommitteeNorm{}
	for _, n := range norms {
		normOf[n.Level] = n
	}
	var seats []models.Seat
	noErr(t, db.Where("ended_at IS NULL").Find(&seats).Error)
	byUnit := map[int64]map[models.Position]int{}
	for _, s := range seats {
		if byUnit[s.UnitID] == nil {
			byUnit[s.UnitID] = map[models.Position]int{}
		}
		byUnit[s.UnitID][s.Position]++
	}
	for _, u := range snapshot(t, db) {
		n, total := normOf[u.Level], 0
		for _, c := range byUnit[u.ID] {
			total += c
		}
		complete := total >= n.MinSeats && total <= n.MaxSeats
		for _, p := range strings.Split(n.RequiredPositions, ",") {
			if p != "" && byUnit[u.ID][models.Position(p)] == 0 {
				complete = false
			}
		}
		if u.Seats != total || u.CommitteeComplete != complete {
			t.Errorf("%s: rollup %d seats, complete %v; counted %d, %v", u.Code, u.Seats, u.CommitteeComplete, total, complete)
		}
	}
}

// dbState is everything a people import may write: units with their rollups, people, seats and
// the audit log, every column, in id order. Equal states mean nothing was written.
type dbState struct {
	Units  []models.Unit
	People []models.Person
	Seats  []models.Seat
	Audit  []models.AuditEntry
}

func (e *env) state(t *testing.T) dbState {
	t.Helper()
	var s dbState
	s.Units = snapshot(t, e.db)
	noErr(t, e.db.Order("id").Find(&s.People).Error)
	noErr(t, e.db.Order("id").Find(&s.Seats).Error)
	noErr(t, e.db.Order("id").Find(&s.Audit).Error)
	return s
}
