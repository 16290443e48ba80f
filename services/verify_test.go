package services_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// verifier is the verify service of the test's database.
func (e *env) verifier() *services.Verifier { return services.NewVerifier(e.db.DB, e.clock.Now) }

// differences runs verify and returns its lines.
func (e *env) differences(t *testing.T) []string {
	t.Helper()
	diffs, err := e.verifier().Check(context.Background(), services.System)
	noErr(t, err)
	out := make([]string, 0, len(diffs))
	for _, d := range diffs {
		out = append(out, d.String())
	}
	return out
}

// TestVerifyFindsAndFixesEachCorruption: rows corrupted straight in SQL — a path, a depth, a
// seat count, a completeness, booth counts on an assembly, the state and a Lok Sabha seat, the
// path kept on a sector's people — are
// each reported once with the stored and recounted values; --fix repairs them all in one
// transaction with one audit row, and verify then finds nothing.
func TestVerifyFindsAndFixesEachCorruption(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 10) // complete
	e.fillCommittee(t, tr.s1, 3)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("differences on an untouched tree: %v", d)
	}

	exec := func(q string, args ...any) { t.Helper(); noErr(t, e.db.Exec(q, args...).Error) }
	wrongPath := models.ChildPath(tr.a2.Path, tr.b2.ID) // the same depth, another assembly
	exec("UPDATE units SET path = ? WHERE id = ?", wrongPath, tr.b2.ID)
	exec("UPDATE units SET depth = 9 WHERE id = ?", tr.b3.ID)
	exec("UPDATE units SET seats = seats + 3 WHERE id = ?", tr.s1.ID)
	exec("UPDATE units SET committee_complete = ? WHERE id = ?", false, tr.b1.ID)
	exec("UPDATE units SET booths = 99 WHERE id = ?", tr.a1.ID)
	exec("UPDATE units SET booths_complete = booths_complete - 1 WHERE id = ?", tr.state.ID)
	exec("UPDATE units SET booths = booths + 1, booths_complete = booths_complete + 1 WHERE id = ?", tr.pc.ID)
	exec("UPDATE people SET path = ? WHERE unit_id = ?", tr.b4.Path, tr.s1.ID)
	line := func(u models.Unit, field string, stored, recounted any) string {
		return fmt.Sprintf("unit %d %s %s: stored %v, recounted %v", u.ID, u.Code, field, stored, recounted)
	}
	want := []string{ // in unit id order, which is the order the tree was made in
		line(tr.state, "booths_complete", -1, 0), // above the district nothing is stored (summed when read)
		line(tr.pc, "booths", 1, 0),
		line(tr.pc, "booths_complete", 1, 0),
		line(tr.a1, "booths", 99, 3),
		line(tr.s1, "seats", 6, 3),
		line(tr.s1, "people.path", tr.b4.Path+" on 3 people", tr.s1.Path),
		line(tr.b1, "committee_complete", false, true),
		line(tr.b2, "path", wrongPath, tr.b2.Path),
		line(tr.b3, "depth", 9, 3),
	}
	if d := cmp.Diff(want, e.differences(t)); d != "" {
		t.Fatalf("verify (-want +got):\n%s", d)
	}

	mark := e.auditMark(t)
	fixed, err := e.verifier().Fix(ctx, services.System)
	noErr(t, err)
	if len(fixed) != len(want) {
		t.Errorf("fixed %d differences, want %d: %v", len(fixed), len(want), fixed)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "verify_fix" || rows[0].Entity != "rollups" || rows[0].After == nil || *rows[0].After != fmt.Sprint(len(want)) {
		t.Errorf("audit rows %+v, want one verify_fix of rollups with after %d", rows, len(want))
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("differences after the fix: %v", d)
	}
	checkTree(t, e.db)
	checkRollups(t, e.db)

	// A second fix finds nothing and writes nothing.
	mark = e.auditMark(t)
	fixed, err = e.verifier().Fix(ctx, services.System)
	noErr(t, err)
	if len(fixed) != 0 || len(e.auditSince(t, mark)) != 0 {
		t.Errorf("a fix of a sound tree: %v, %d audit rows", fixed, len(e.auditSince(t, mark)))
	}
}

// TestVerifyRewritesAMovedSubtree: a subtree whose stored paths still point at its old place
// (the corrupted tree of the issue) is reported unit by unit and put back under its parent, with
// the counts above both places.
func TestVerifyRewritesAMovedSubtree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	e.fillCommittee(t, tr.b1, 10)
	// s1 moved to a2 in parent_id only, as a lost race would leave it.
	noErr(t, e.db.Exec("UPDATE units SET parent_id = ? WHERE id = ?", tr.a2.ID, tr.s1.ID).Error)
	got := e.differences(t)
	for _, u := range []models.Unit{tr.s1, tr.b1, tr.b2} {
		if !strings.Contains(strings.Join(got, "\n"), fmt.Sprintf("unit %d %s path: stored %s, recounted ", u.ID, u.Code, u.Path)) {
			t.Errorf("no path difference for %s in %v", u.Code, got)
		}
	}
	_, err := e.verifier().Fix(context.Background(), services.System)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("differences after the fix: %v", d)
	}
	checkTree(t, e.db)
	checkRollups(t, e.db)
	if c := e.coverageOf(t, tr.a2); c != (services.Coverage{Booths: 3, Complete: 1}) {
		t.Errorf("a2 coverage %+v after the fix, want 3 booths, 1 complete", c)
	}
}

// TestVerifyUnitsOutsideTheTree: a loop of parents cannot be given a path; verify says so and
// --fix leaves those paths alone.
func TestVerifyUnitsOutsideTheTree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	noErr(t, e.db.Exec("UPDATE units SET parent_id = ? WHERE id = ?", tr.b1.ID, tr.s1.ID).Error)
	fixed, err := e.verifier().Fix(context.Background(), services.System)
	noErr(t, err)
	unfixable := 0
	for _, d := range fixed {
		if !d.Fixable() {
			unfixable++
			if d.Field != "path" || !strings.Contains(d.Recounted, "not in the tree") {
				t.Errorf("unfixable difference %v", d)
			}
		}
	}
	if unfixable != 3 { // s1, b1, b2
		t.Errorf("%d units outside the tree, want 3: %v", unfixable, fixed)
	}
	if s1 := loadUnit(t, e.db, tr.s1.ID); s1.Path != tr.s1.Path {
		t.Errorf("s1 path %q changed", s1.Path)
	}
}

func TestVerifyOnlyAdmins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	for _, a := range []services.Actor{scoped(models.RoleStateOffice, tr.state), scoped(models.RoleDistrictCoordinator, tr.d1)} {
		_, err := e.verifier().Check(context.Background(), a)
		wantErr(t, err, services.EForbidden)
		_, err = e.verifier().Fix(context.Background(), a)
		wantErr(t, err, services.EForbidden)
	}
}
