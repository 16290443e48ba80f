package services_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// pausedImport runs a people import that stops at each phase named in pauses (the first time
// it gets there) until the test lets it go on.
type pausedImport struct {
	reached chan string
	goOn    chan struct{}
	done    chan error
	res     services.ImportResult
	mu      sync.Mutex
	seen    map[string]int
}

func startPausedImport(t *testing.T, e *env, body string, pauses ...string) *pausedImport {
	t.Helper()
	p := &pausedImport{reached: make(chan string), goOn: make(chan struct{}), done: make(chan error, 1), seen: map[string]int{}}
	stop := map[string]bool{}
	for _, ph := range pauses {
		stop[ph] = true
	}
	services.SetImportPhaseHook(e.imports, func(phase string) {
		p.mu.Lock()
		p.seen[phase]++
		first := p.seen[phase] == 1
		p.mu.Unlock()
		if first && stop[phase] {
			p.reached <- phase
			<-p.goOn
		}
	})
	go func() {
		var err error
		p.res, err = e.imports.People(context.Background(), services.System, strings.NewReader(body), services.AllOrNothing)
		p.done <- err
	}()
	t.Cleanup(func() {
		select {
		case p.goOn <- struct{}{}: // never leave it paused
		default:
		}
	})
	return p
}

// waitPhase waits until the import is paused at phase.
func (p *pausedImport) waitPhase(t *testing.T, phase string) {
	t.Helper()
	select {
	case got := <-p.reached:
		if got != phase {
			t.Fatalf("the import paused at %q, want %q", got, phase)
		}
	case err := <-p.done:
		t.Fatalf("the import ended before %q: %v", phase, err)
	}
}

// lockWaiters counts the lock requests in the test's database that wait for another transaction.
func (e *env) lockWaiters(t *testing.T) int {
	t.Helper()
	var n int
	noErr(t, e.db.Raw(`SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE NOT l.granted AND a.datname = current_database()`).Scan(&n).Error)
	return n
}

// finishesWithoutWaiting runs write while the import is paused and fails the test if write
// waits for a lock: with the import standing still, any lock it waits for is one the import
// holds. Progress, not time, decides.
func (e *env) finishesWithoutWaiting(t *testing.T, what string, write func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- write() }()
	for {
		select {
		case err := <-done:
			noErr(t, err)
			return
		case <-time.After(10 * time.Millisecond):
			if e.lockWaiters(t) > 0 {
				t.Fatalf("%s waits for a lock the paused import holds", what)
			}
		}
	}
}

// importCommittees makes n booths under parent and a people file that gives each a complete
// committee (president, booth agent, eight members), so that every one of them flips.
func importCommittees(t *testing.T, e *env, parent models.Unit, n int) ([]models.Unit, string) {
	t.Helper()
	var units []string
	codes := make([]string, n)
	for i := range n {
		codes[i] = uniq("LB")
		units = append(units, fmt.Sprintf("booth,%s,Booth %d,%s", codes[i], i, parent.Code))
	}
	e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,parent_code", units...))
	var booths []models.Unit
	var rows []csvPerson
	for _, code := range codes {
		b := unitByCode(t, e.db, code)
		booths = append(booths, b)
		for i, pos := range []string{"president", "booth_agent", "member", "member", "member", "member", "member", "member", "member", "member"} {
			r := seatedRow(code, b, pos)
			r.name = fmt.Sprintf("Member %s %d", code, i)
			rows = append(rows, r)
		}
	}
	return booths, peopleFile(rows...)
}

// TestImportPeopleLeavesOtherDistrictsFree: while a people import runs — paused after staging
// its file, with its committees locked, and with its people and seats written — seat changes in
// another district go through without waiting for it, even those that complete or un-complete a
// booth and so move the counts of the state and of the Lok Sabha seat the import's booths also
// count toward. A seat change on one of the import's own committees waits for it. Afterwards
// `verify` finds nothing to fix.
func TestImportPeopleLeavesOtherDistrictsFree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("row locks: on SQLite one writer runs at a time")
	}
	ctx := context.Background()
	tr := e.newTree(t)
	booths, body := importCommittees(t, e, tr.s1, 120)
	elsewhere := e.fillCommittee(t, tr.b4, 10) // complete: president, booth agent, eight members

	p := startPausedImport(t, e, body, "staged", "locked", "written")
	own := make(chan error, 1)
	for i, phase := range []string{"staged", "locked", "written"} {
		p.waitPhase(t, phase)
		// b4 drops to nine seats (incomplete), gets a tenth again (complete), and its assembly a member.
		e.finishesWithoutWaiting(t, "ending a seat in the other district at "+phase, func() error {
			return e.set.Committees.EndSeat(ctx, services.System, tr.b4.ID, elsewhere[2+i].ID)
		})
		e.finishesWithoutWaiting(t, "a seat in the other district at "+phase, func() error {
			_, err := e.set.Committees.Seat(ctx, services.System, tr.b4.ID, e.mustPerson(t, services.System, tr.b4).ID, models.PositionMember)
			return err
		})
		e.finishesWithoutWaiting(t, "a seat on the other district's assembly at "+phase, func() error {
			_, err := e.set.Committees.Seat(ctx, services.System, tr.a2.ID, e.mustPerson(t, services.System, tr.a2).ID, models.PositionMember)
			return err
		})
		if phase != "written" {
			p.goOn <- struct{}{}
			continue
		}
		// Last, a seat on one of the import's committees: it waits for the import.
		person := e.mustPerson(t, services.System, booths[0])
		go func() {
			_, err := e.set.Committees.Seat(ctx, services.System, booths[0].ID, person.ID, models.PositionMember)
			own <- err
		}()
		for e.lockWaiters(t) == 0 {
			select {
			case err := <-own:
				p.goOn <- struct{}{}
				t.Fatalf("a seat on a committee the import has locked went through (%v)", err)
			case <-time.After(10 * time.Millisecond):
			}
		}
		p.goOn <- struct{}{}
	}
	if err := <-p.done; err != nil {
		t.Fatalf("import: %v", err)
	}
	if p.res.Inserted != 1200 || p.res.Seated != 1200 {
		t.Errorf("import result %+v", p.res)
	}
	if err := <-own; err != nil {
		t.Errorf("the seat on the import's committee, after the import: %v", err)
	}
	if got := len(e.currentSeats(t, booths[0])); got != 11 {
		t.Errorf("%s has %d seats, want the import's ten and one more", booths[0].Code, got)
	}
	if got := e.coverageOf(t, tr.b4); got != (services.Coverage{Booths: 1, Complete: 1}) {
		t.Errorf("b4 coverage %+v, want complete again", got)
	}
	if got := e.coverageOf(t, tr.pc); got != (services.Coverage{Booths: 4 + 120, Complete: 1 + 120}) {
		t.Errorf("the Lok Sabha seat's coverage %+v", got)
	}
	diffs, err := e.verifier().Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Errorf("verify found %d differences: %v", len(diffs), diffs)
	}
	checkRollups(t, e.db)
}

// TestImportPeopleGivesWayAtItsLastLocks: a change that takes the state's and the district's
// locks in order and then waits for a committee the import holds (a booth created under a
// sector whose committee the import seats people on) would deadlock with the import's last
// step, which locks those shared rows out of order. The import does not wait for long: it (or
// the other change) gives way and runs again, taking its locks in order, and both land, with
// nothing for `verify` to fix.
//
// Which side gives way depends on which waited first past PostgreSQL's deadlock_timeout (1 s):
// the booth when the import reaches its last step at once, the import when the booth's own
// check has already passed (the second case, where the import runs again).
func TestImportPeopleGivesWayAtItsLastLocks(t *testing.T) {
	t.Parallel()
	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("import reaches its last step late: %v", late), func(t *testing.T) {
			t.Parallel()
			importGivesWay(t, late)
		})
	}
}

func importGivesWay(t *testing.T, late bool) {
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("row locks: on SQLite one writer runs at a time")
	}
	ctx := context.Background()
	tr := e.newTree(t)
	_, body := importCommittees(t, e, tr.s1, 30)
	body += seatedRow(tr.s1.Code, tr.s1, "president").String() + "\n" // s1's committee too

	p := startPausedImport(t, e, body, "written")
	p.waitPhase(t, "written")
	created := make(chan error, 1)
	go func() {
		_, err := e.units.Create(ctx, services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.s1.ID, Code: uniq("NB"), Name: "New booth"})
		created <- err
	}()
	for e.lockWaiters(t) == 0 { // the new booth holds the state's lock and waits for s1
		select {
		case err := <-created:
			t.Fatalf("a booth under a sector the import holds was created at once (%v)", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if late {
		time.Sleep(1500 * time.Millisecond) // the booth's deadlock check has run, and found none yet
	}
	p.goOn <- struct{}{}
	if err := <-p.done; err != nil {
		t.Fatalf("import: %v", err)
	}
	if err := <-created; err != nil {
		t.Fatalf("create booth: %v", err)
	}
	if p.res.Inserted != 301 || p.res.Seated != 301 {
		t.Errorf("import result %+v", p.res)
	}
	p.mu.Lock()
	t.Logf("the import's transaction ran %d times", p.seen["locked"])
	p.mu.Unlock()
	diffs, err := e.verifier().Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Errorf("verify found %d differences: %v", len(diffs), diffs)
	}
	checkRollups(t, e.db)
}
