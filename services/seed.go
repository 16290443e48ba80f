package services

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/models"
)

// Seeder writes a generated state (`sangathan seed`): the units, committee members and seats
// that demodata.Seed plans, by bulk load (COPY on PostgreSQL) in one transaction, with every
// rollup computed as the rows are written and checked by a full recount before the commit.
type Seeder struct {
	db    *gorm.DB
	now   Clock
	users *Users
	units *Units
}

// NewSeeder returns the seeder; users and units create the accounts of Accounts.
func NewSeeder(db *gorm.DB, now Clock, users *Users, units *Units) *Seeder {
	return &Seeder{db: db, now: now, users: users, units: units}
}

// SeedResult counts what a seed wrote.
type SeedResult struct {
	Districts []string
	Units     int // inserted, the skeleton included (units already there are not counted)
	People    int
	Seats     int
}

// Rows is the total of rows written.
func (r SeedResult) Rows() int { return r.Units + r.People + r.Seats }

// seedBatch is how many rows one bulk load carries: small enough to keep memory flat and the
// progress moving, large enough that a COPY's start costs nothing.
const seedBatch = 25_000

// Seed writes plan into the database in one transaction: the skeleton units (state, districts,
// constituencies) that are missing, then district by district the sectors and booths, the people
// and their seats, then the state committee; then the skeleton's rollups. Every rollup is
// computed from the rows written, and a full recount (as `sangathan verify` does) must find no
// difference before the transaction commits. Statistics are refreshed afterwards (ANALYZE).
// progress, when not nil, is called with the rows written so far.
//
// The database must hold no people or seats, and no units but those of the skeleton (matching
// its codes, levels and parents): a seed never mixes with other data. Returns Forbidden unless
// the actor's scope is the installation, Conflict when the database holds other data.
func (s *Seeder) Seed(ctx context.Context, actor Actor, plan *demodata.Seed, progress func(rows int)) (SeedResult, error) {
	if !actor.Everywhere() {
		return SeedResult{}, Errorf(EForbidden, "only an administrator may seed the database")
	}
	if progress == nil {
		progress = func(int) {}
	}
	var res SeedResult
	err := bulkTx(ctx, s.db, func(tx *gorm.DB, copyRows copyFunc) error {
		w := &seedWriter{tx: tx, copyRows: copyRows, plan: plan, now: s.now(), actor: actor, progress: progress}
		if err := w.run(ctx); err != nil {
			return err
		}
		res = w.res
		return nil
	})
	if err != nil {
		return SeedResult{}, err
	}
	// Fresh statistics, or the planner guesses from an empty table (ANALYZE runs on both databases).
	for _, t := range []string{"units", "people", "seats", "audit_log"} {
		if err := s.db.WithContext(ctx).Exec("ANALYZE " + t).Error; err != nil {
			return res, dbErr("seed: analyze "+t, err)
		}
	}
	return res, nil
}

// Check reports, without writing, whether Seed would accept the database: Conflict when it
// holds people, seats or units other than the skeleton's (see Seed), Forbidden unless the
// actor's scope is the installation.
func (s *Seeder) Check(ctx context.Context, actor Actor, plan *demodata.Seed) error {
	if !actor.Everywhere() {
		return Errorf(EForbidden, "only an administrator may seed the database")
	}
	return snapshotTx(ctx, s.db, func(tx *gorm.DB) error {
		return (&seedWriter{tx: tx, plan: plan}).checkEmpty()
	})
}

// seedWriter is one attempt of a seed inside its transaction.
type seedWriter struct {
	tx       *gorm.DB
	copyRows copyFunc
	plan     *demodata.Seed
	now      time.Time
	actor    Actor
	progress func(int)
	res      SeedResult
	written  int

	norms map[models.Level]models.CommitteeNorm
	// By index in the plan's numbering of units.
	ids      []int64
	paths    []string
	depths   []int
	levels   []models.Level
	parent   []int // -1 for the root
	pc       []int // the Lok Sabha seat of an assembly, -1 for none
	byPos    [][maxPositions]int32
	booths   []int64
	complete []int64
	stored   map[int]models.Unit // skeleton units that were already there
}

// seedPositions numbers the positions for the counters of seedWriter.byPos; maxPositions bounds
// their number.
var seedPositions = models.Positions

const maxPositions = 16

func positionIndex(p string) int {
	for i, v := range seedPositions {
		if string(v) == p {
			return i
		}
	}
	return -1
}

func (w *seedWriter) run(ctx context.Context) error {
	if err := holdWriters(w.tx); err != nil { // a second seed waits, then finds this one's rows
		return err
	}
	if err := w.checkEmpty(); err != nil {
		return err
	}
	var ns []models.CommitteeNorm
	if err := w.tx.Find(&ns).Error; err != nil {
		return dbErr("seed: read norms", err)
	}
	w.norms = map[models.Level]models.CommitteeNorm{}
	for _, n := range ns {
		w.norms[n.Level] = n
	}
	n := w.plan.UnitCount()
	w.ids, w.paths, w.depths = make([]int64, n), make([]string, n), make([]int, n)
	w.levels, w.parent, w.pc = make([]models.Level, n), make([]int, n), make([]int, n)
	w.byPos = make([][maxPositions]int32, n)
	w.booths, w.complete = make([]int64, n), make([]int64, n)
	if err := w.skeleton(); err != nil {
		return err
	}

	// The next district is generated while this one is written.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan *demodata.DistrictSeed, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(next)
		for i := range w.plan.Districts() {
			select {
			case next <- w.plan.District(i):
			case <-ctx.Done():
				return
			}
		}
	}()
	defer wg.Wait()
	defer cancel()
	committees := make([][]int64, 0, len(w.plan.Districts()))
	for d := range next {
		ids, err := w.district(d)
		if err != nil {
			return err
		}
		committees = append(committees, ids)
		w.res.Districts = append(w.res.Districts, d.Code)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.stateCommittee(committees); err != nil {
		return err
	}
	if err := w.skeletonRollups(); err != nil {
		return err
	}
	if err := rebuildRepresentation(w.tx); err != nil {
		return err
	}
	// The rollups were computed here, not by rollups.go: the recount of `sangathan verify` must
	// agree with every one of them, or nothing is kept.
	diffs, err := recount(w.tx)
	if err != nil {
		return err
	}
	if len(diffs) > 0 {
		return Errorf(EInternal, "seed: the recount after loading found %d differences, the first: %s", len(diffs), diffs[0])
	}
	return nil
}

// checkEmpty refuses a database that holds people, seats or units other than the skeleton's,
// and reads the skeleton units already there.
func (w *seedWriter) checkEmpty() error {
	for _, t := range []string{"people", "seats"} {
		var n int64
		if err := w.tx.Table(t).Count(&n).Error; err != nil {
			return dbErr("seed: count "+t, err)
		}
		if n > 0 {
			return Errorf(EConflict, "the database already holds %d %s: seed writes only into a database without people, seats or units other than the state's skeleton", n, t)
		}
	}
	skel := w.plan.Skeleton()
	var count int64
	if err := w.tx.Model(&models.Unit{}).Count(&count).Error; err != nil {
		return dbErr("seed: count units", err)
	}
	refuse := func(detail string) error {
		return Errorf(EConflict, "the database already holds units other than the state's skeleton (%s): seed writes only into an empty database or one holding nothing but the state, its districts and its Lok Sabha and assembly constituencies", detail)
	}
	if count > int64(len(skel)) {
		return refuse(fmt.Sprintf("%d units, the skeleton has %d", count, len(skel)))
	}
	var units []models.Unit
	if err := w.tx.Order("id").Find(&units).Error; err != nil {
		return dbErr("seed: read units", err)
	}
	index := make(map[string]int, len(skel))
	for i, u := range skel {
		index[u.Code] = i
	}
	codeOf := make(map[int64]string, len(units))
	for _, u := range units {
		codeOf[u.ID] = u.Code
	}
	w.stored = map[int]models.Unit{}
	for _, u := range units {
		i, ok := index[u.Code]
		if !ok || string(u.Level) != skel[i].Level {
			return refuse(fmt.Sprintf("%s %s", u.Level, u.Code))
		}
		parent := ""
		if u.ParentID != nil {
			parent = codeOf[*u.ParentID]
		}
		if want := ""; skel[i].Parent >= 0 {
			want = skel[skel[i].Parent].Code
			if parent != want {
				return refuse(fmt.Sprintf("%s %s is not under %s", u.Level, u.Code, want))
			}
		} else if parent != "" {
			return refuse(fmt.Sprintf("%s %s is under %s", u.Level, u.Code, parent))
		}
		if pc := skel[i].Parliamentary; pc >= 0 && (u.ParliamentaryID == nil || codeOf[*u.ParliamentaryID] != skel[pc].Code) {
			return refuse(fmt.Sprintf("%s %s does not belong to %s", u.Level, u.Code, skel[pc].Code))
		}
		w.stored[i] = u
	}
	return nil
}

// skeleton inserts the skeleton units that are missing and numbers them all.
func (w *seedWriter) skeleton() error {
	skel := w.plan.Skeleton()
	missing := len(skel) - len(w.stored)
	ids, err := reserveTableIDs(w.tx, "units", missing)
	if err != nil {
		return err
	}
	var rows [][]any
	for i, su := range skel {
		w.levels[i], w.parent[i], w.pc[i] = models.Level(su.Level), su.Parent, su.Parliamentary
		if u, ok := w.stored[i]; ok {
			w.ids[i], w.paths[i], w.depths[i] = u.ID, u.Path, u.Depth
			continue
		}
		w.place(i, su, ids[0])
		ids = ids[1:]
		rows = append(rows, w.unitRow(i, su))
	}
	if err := w.copy("units", unitSeedColumns, rows); err != nil {
		return err
	}
	w.res.Units += len(rows)
	if len(rows) > 0 {
		return w.auditRows("unit", 0, rows)
	}
	return nil
}

// place gives unit i its id, path and depth under its parent.
func (w *seedWriter) place(i int, su demodata.SeedUnit, id int64) {
	w.ids[i] = id
	if su.Parent < 0 {
		w.paths[i], w.depths[i] = models.ChildPath("", id), 0
		return
	}
	w.paths[i], w.depths[i] = models.ChildPath(w.paths[su.Parent], id), w.depths[su.Parent]+1
}

var unitSeedColumns = []string{"id", "level", "parent_id", "path", "depth", "code", "name", "name_hi", "search_text", "number",
	"reserved", "parliamentary_id", "electors", "population_total", "population_sc", "population_st", "population_muslim",
	"population_minority", "seats", "committee_complete", "booths", "booths_complete", "created_at", "updated_at"}

// unitRow is the row of unit i with the rollups counted so far.
func (w *seedWriter) unitRow(i int, su demodata.SeedUnit) []any {
	var parent, parl any
	if su.Parent >= 0 {
		parent = w.ids[su.Parent]
	}
	if su.Parliamentary >= 0 {
		parl = w.ids[su.Parliamentary]
	}
	var pop [5]any
	if c := su.Population; c != nil {
		pop = [5]any{c.Total, c.SC, c.ST, c.Muslim, c.Minority}
	}
	seats, complete := w.committee(i)
	return []any{w.ids[i], su.Level, parent, w.paths[i], w.depths[i], su.Code, su.Name, su.NameHi, models.SearchText(su.Name, su.NameHi),
		su.Number, su.Reserved, parl, su.Electors, pop[0], pop[1], pop[2], pop[3], pop[4],
		seats, complete, w.booths[i], w.complete[i], w.now, w.now}
}

// committee returns the seats of unit i's committee and whether they meet the norm of its level.
func (w *seedWriter) committee(i int) (int, bool) {
	by := map[models.Position]int{}
	seats := 0
	for k, n := range w.byPos[i] {
		if n > 0 {
			by[seedPositions[k]] = int(n)
			seats += int(n)
		}
	}
	return seats, meets(w.norms[w.levels[i]], by)
}

// district writes one district and returns the ids of its district committee's members.
func (w *seedWriter) district(d *demodata.DistrictSeed) ([]int64, error) {
	ids, err := reserveTableIDs(w.tx, "units", len(d.Units))
	if err != nil {
		return nil, err
	}
	for k, su := range d.Units {
		i := d.Base + k
		w.levels[i], w.parent[i], w.pc[i] = models.Level(su.Level), su.Parent, -1
		w.place(i, su, ids[k])
	}
	// Committees first: a unit's row carries its rollups.
	for _, st := range d.Seats {
		w.byPos[st.Unit][positionIndex(st.Position)]++
	}
	for k := range d.Units {
		i := d.Base + k
		if w.levels[i] != models.LevelBooth {
			continue
		}
		_, complete := w.committee(i)
		w.countBooth(i, complete)
	}
	rows := make([][]any, 0, len(d.Units))
	for k, su := range d.Units {
		rows = append(rows, w.unitRow(d.Base+k, su))
	}
	if err := w.copy("units", unitSeedColumns, rows); err != nil {
		return nil, err
	}
	w.res.Units += len(rows)
	if err := w.auditRows("unit", d.Unit, rows); err != nil {
		return nil, err
	}

	personIDs, err := reserveTableIDs(w.tx, "people", len(d.People))
	if err != nil {
		return nil, err
	}
	rows = make([][]any, 0, min(len(d.People), seedBatch))
	var first, last int64
	for k, p := range d.People {
		rows = append(rows, []any{personIDs[k], p.Name, p.NameHi, models.SearchText(p.Name, p.NameHi), p.Gender, p.BirthYear,
			optString(p.Phone), optString(p.VoterID), p.Category, optString(p.Religion), p.Caste, w.ids[p.Unit], w.ids[p.Unit],
			w.paths[p.Unit], p.MembershipNo, p.PublicOffice, w.now, w.now})
		if len(rows) == seedBatch || k == len(d.People)-1 {
			if err := w.copy("people", personSeedColumns, rows); err != nil {
				return nil, err
			}
			rows = rows[:0]
		}
	}
	if len(personIDs) > 0 {
		first, last = personIDs[0], personIDs[len(personIDs)-1]
	}
	w.res.People += len(d.People)
	if err := w.auditRange("person", d.Unit, len(d.People), first, last); err != nil {
		return nil, err
	}

	seatIDs, err := reserveTableIDs(w.tx, "seats", len(d.Seats))
	if err != nil {
		return nil, err
	}
	rows = rows[:0]
	for k, st := range d.Seats {
		rows = append(rows, []any{seatIDs[k], w.ids[st.Unit], personIDs[st.Person], st.Position, w.now})
		if len(rows) == seedBatch || k == len(d.Seats)-1 {
			if err := w.copy("seats", seatSeedColumns, rows); err != nil {
				return nil, err
			}
			rows = rows[:0]
		}
	}
	first, last = 0, 0
	if len(seatIDs) > 0 {
		first, last = seatIDs[0], seatIDs[len(seatIDs)-1]
	}
	w.res.Seats += len(d.Seats)
	if err := w.auditRange("seat", d.Unit, len(d.Seats), first, last); err != nil {
		return nil, err
	}
	out := make([]int64, len(d.Committee))
	for k, p := range d.Committee {
		out[k] = personIDs[p]
	}
	return out, nil
}

var (
	personSeedColumns = []string{"id", "name", "name_hi", "search_text", "gender", "birth_year", "phone", "voter_id", "category",
		"religion", "caste", "home_unit_id", "unit_id", "path", "membership_no", "public_office", "created_at", "updated_at"}
	seatSeedColumns = []string{"id", "unit_id", "person_id", "position", "since"}
)

// countBooth counts booth i (complete or not) on itself and every unit above it, and on the Lok
// Sabha seat of its assembly.
func (w *seedWriter) countBooth(i int, complete bool) {
	add := func(j int) {
		w.booths[j]++
		if complete {
			w.complete[j]++
		}
	}
	for j := i; j >= 0; j = w.parent[j] {
		add(j)
		if w.levels[j] == models.LevelAssembly && w.pc[j] >= 0 {
			add(w.pc[j])
		}
	}
}

// stateCommittee seats the state committee, drawn from the district committees.
func (w *seedWriter) stateCommittee(committees [][]int64) error {
	seats := w.plan.StateCommittee()
	if len(seats) == 0 {
		return nil
	}
	state := 0 // the skeleton's root
	ids, err := reserveTableIDs(w.tx, "seats", len(seats))
	if err != nil {
		return err
	}
	rows := make([][]any, 0, len(seats))
	for k, st := range seats {
		rows = append(rows, []any{ids[k], w.ids[state], committees[st.District][st.Member], st.Position, w.now})
		w.byPos[state][positionIndex(st.Position)]++
	}
	if err := w.copy("seats", seatSeedColumns, rows); err != nil {
		return err
	}
	w.res.Seats += len(rows)
	return w.auditRange("seat", state, len(rows), ids[0], ids[len(ids)-1])
}

// skeletonRollups stores the rollups of the skeleton units, which every district added to.
func (w *seedWriter) skeletonRollups() error {
	for i := range w.plan.Skeleton() {
		seats, complete := w.committee(i)
		old := w.stored[i] // zero for the units inserted by the seed
		if old.Seats == seats && old.CommitteeComplete == complete && old.Booths == w.booths[i] && old.BoothsComplete == w.complete[i] {
			continue
		}
		if err := w.tx.Model(&models.Unit{}).Where("id = ?", w.ids[i]).UpdateColumns(map[string]any{
			"seats": seats, "committee_complete": complete, "booths": w.booths[i], "booths_complete": w.complete[i]}).Error; err != nil {
			return dbErr("seed: rollups", err)
		}
	}
	return nil
}

// copy bulk-loads rows and moves the progress on.
func (w *seedWriter) copy(table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if err := w.copyRows(table, columns, rows); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	w.written += len(rows)
	w.progress(w.written)
	return nil
}

// auditRows writes the one audit row of a batch of units (rows in unitSeedColumns, id first).
func (w *seedWriter) auditRows(entity string, unit int, rows [][]any) error {
	return w.auditRange(entity, unit, len(rows), rows[0][0].(int64), rows[len(rows)-1][0].(int64))
}

// auditRange writes the one audit row that says the seed wrote n rows of entity, with ids
// first to last, in the district (or state) with index unit.
func (w *seedWriter) auditRange(entity string, unit, n int, first, last int64) error {
	u := models.Unit{ID: w.ids[unit], Path: w.paths[unit]}
	return record(w.tx, w.now, w.actor, change{Action: "seed", Entity: entity, Unit: &u,
		After: map[string]any{"seed": w.plan.SeedNumber(), "unit": w.plan.Skeleton()[unit].Code, "rows": n, "first_id": first, "last_id": last}})
}

// SeedAccount is an account that a seed makes for trying and load-testing the seeded state.
type SeedAccount struct {
	Username string
	Role     models.Role
	Scope    string // code of the scope unit
	Created  bool   // false: the username was taken already, and the account was left alone
}

// SeedAccounts lists the accounts of a seed (a contract the load tool relies on): up.office
// (state_office) and up.viewer (viewer) scoped to the state, and for every seeded district UP-XYZ
// the coordinator xyz.coord, scoped to the district, and the booth worker xyz.booth, scoped to
// the district's first booth.
func SeedAccounts(plan *demodata.Seed) []SeedAccount {
	out := []SeedAccount{{Username: "up.office", Role: models.RoleStateOffice, Scope: "UP"}, {Username: "up.viewer", Role: models.RoleViewer, Scope: "UP"}}
	for i, code := range plan.Districts() {
		name := strings.ToLower(strings.TrimPrefix(code, "UP-"))
		out = append(out, SeedAccount{Username: name + ".coord", Role: models.RoleDistrictCoordinator, Scope: code},
			SeedAccount{Username: name + ".booth", Role: models.RoleBoothWorker, Scope: plan.FirstBooth(i)})
	}
	return out
}

// Accounts creates the accounts of SeedAccounts with one password, through Users.Create (so
// hashed with bcrypt, each with its audit row), two at a time. An account whose username is
// taken is left alone. Returns Invalid for a password too short or too long, NotFound when a
// scope unit is missing (the seed has not run).
func (s *Seeder) Accounts(ctx context.Context, actor Actor, plan *demodata.Seed, password string) ([]SeedAccount, error) {
	if err := ValidatePassword("password", password); err != nil {
		return nil, err
	}
	accounts := SeedAccounts(plan)
	errs := make([]error, len(accounts))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 2 { // bcrypt is the cost; the machine has two cores
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = s.account(ctx, actor, &accounts[i], password)
			}
		}()
	}
	for i := range accounts {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return accounts, fmt.Errorf("seed: account %s: %w", accounts[i].Username, err)
		}
	}
	return accounts, nil
}

func (s *Seeder) account(ctx context.Context, actor Actor, a *SeedAccount, password string) error {
	u, err := s.units.UnitByCode(ctx, actor, a.Scope)
	if err != nil {
		return err
	}
	_, err = s.users.Create(ctx, actor, UserInput{Username: a.Username, Password: password, Role: a.Role, ScopeUnitID: &u.ID})
	switch {
	case err == nil:
		a.Created = true
	case ErrorCode(err) == EConflict:
	default:
		return err
	}
	return nil
}
