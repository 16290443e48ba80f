package services_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// TestPeoplePathFollowsMoves: the unit path kept on people follows every way a person's unit or
// its place in the tree changes — a person entered, moved to another home unit, their sector
// moved to another district — so that the district's people list finds them where they are.
func TestPeoplePathFollowsMoves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p1 := e.mustPerson(t, services.System, tr.b1)
	p2 := e.mustPerson(t, services.System, tr.b4)
	if p1.Path != tr.b1.Path {
		t.Fatalf("new person's path %q, want their booth's %q", p1.Path, tr.b1.Path)
	}
	_, err := e.set.People.Update(ctx, services.System, p2.ID, func(in *services.PersonInput) error {
		in.HomeUnitID = &tr.b2.ID
		return nil
	})
	noErr(t, err)
	// s1 (with b1 and b2) moves from district 1 to district 2.
	a3 := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d2.ID, Code: uniq("AC"), Name: "Assembly"})
	_, err = e.units.Update(ctx, services.System, tr.s1.ID, services.UnitPatch{ParentID: &a3.ID})
	noErr(t, err)
	checkTree(t, e.db)
	if got, want := e.listAll(t, services.System, services.PersonFilter{Under: &tr.d2.ID}), listed(e.loadPerson(t, p1.ID), e.loadPerson(t, p2.ID)); !slices.Equal(got, want) {
		t.Errorf("people under district 2 after the move: %v, want %v", got, want)
	}
	if got := e.listAll(t, scoped(models.RoleDistrictCoordinator, tr.d1), services.PersonFilter{}); len(got) != 0 {
		t.Errorf("district 1's coordinator still lists %v after their sector moved away", got)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestPersonEnteredWhileTheirBoothMoves: a person entered at a booth while the booth's sector is
// being moved (the move holds the subtree's rows) gets the booth's path after the move, not the
// one read before it: the entry reads the unit only once it holds the lock a move waits for.
// (PostgreSQL: SQLite writers run one at a time.)
func TestPersonEnteredWhileTheirBoothMoves(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("row locks are PostgreSQL's")
	}
	tr := e.newTree(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A move of s1 under a2, done by hand so that it can be held open: the subtree's rows locked
	// as Units.move locks them, paths rewritten, then held until the entry is waiting.
	move := e.db.Begin()
	defer move.Rollback()
	noErr(t, move.Exec("SELECT id FROM units WHERE path >= ? AND path < ? ORDER BY id FOR UPDATE", tr.s1.Path, tr.s1.Path[:len(tr.s1.Path)-1]+"0").Error)
	newPath := models.ChildPath(tr.a2.Path, tr.s1.ID)
	noErr(t, move.Exec("UPDATE units SET path = ? || substr(path, ?), parent_id = CASE WHEN id = ? THEN ? ELSE parent_id END WHERE path >= ? AND path < ?",
		newPath, len(tr.s1.Path)+1, tr.s1.ID, tr.a2.ID, tr.s1.Path, tr.s1.Path[:len(tr.s1.Path)-1]+"0").Error)
	noErr(t, move.Exec("UPDATE people SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?",
		newPath, len(tr.s1.Path)+1, tr.s1.Path, tr.s1.Path[:len(tr.s1.Path)-1]+"0").Error)

	done := make(chan services.PersonView, 1)
	go func() {
		v, err := e.set.People.Create(ctx, services.System, services.PersonInput{Name: "Late Entry", Gender: models.GenderFemale,
			Category: models.CategorySC, HomeUnitID: &tr.b1.ID})
		if err != nil {
			t.Errorf("create: %v", err)
		}
		done <- v
	}()
	// Wait until the entry waits for a lock the move holds (no time is asserted).
	for {
		var waiting int
		noErr(t, e.db.Raw("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'").Scan(&waiting).Error)
		if waiting > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the entry never waited for the move")
		case <-time.After(5 * time.Millisecond):
		}
	}
	noErr(t, move.Commit().Error)
	v := <-done
	if want := models.ChildPath(newPath, tr.b1.ID); v.Person.Path != want || e.loadPerson(t, v.Person.ID).Path != want {
		t.Errorf("person entered during the move has path %q (stored %q), want the booth's new %q", v.Person.Path, e.loadPerson(t, v.Person.ID).Path, want)
	}
	checkTree(t, e.db)
}
