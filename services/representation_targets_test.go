package services_test

import (
	"context"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// targetsOf finds one level's targets, as group → min share, or -1 for "census".
func targetsOf(t *testing.T, levels []services.LevelTargets, level models.Level) map[string]float64 {
	t.Helper()
	for _, lt := range levels {
		if lt.Level == level {
			out := map[string]float64{}
			for _, tg := range lt.Targets {
				switch {
				case tg.Census:
					out[tg.Group] = -1
				case tg.MinShare != nil:
					out[tg.Group] = *tg.MinShare
				}
			}
			return out
		}
	}
	t.Fatalf("no level %s in %+v", level, levels)
	return nil
}

// TestRepresentationTargetDefaults: every level starts with women ≥ 33 %, the four groups
// together ≥ 50 %, SC and ST at least their census share; every role may read them.
func TestRepresentationTargetDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	levels, err := e.set.Representation.Targets(context.Background(), scoped(models.RoleViewer, tr.b1))
	noErr(t, err)
	if len(levels) != len(models.Levels) {
		t.Fatalf("%d levels, want %d", len(levels), len(models.Levels))
	}
	want := map[string]float64{"women": 0.33, "SC": -1, "ST": -1, "sc_st_obc_minority": 0.5}
	for _, l := range models.Levels {
		if d := cmp.Diff(want, targetsOf(t, levels, l)); d != "" {
			t.Errorf("%s (-want +got):\n%s", l, d)
		}
	}
}

// TestSetRepresentationTargets: the state office replaces one level's targets (the others keep
// theirs), the change is audited with the level before and after, and a second change sees the
// first.
func TestSetRepresentationTargets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	office := scoped(models.RoleStateOffice, tr.state)
	mark := e.auditMark(t)
	levels, err := e.set.Representation.SetTargets(ctx, office, []services.LevelTargets{{Level: models.LevelBooth, Targets: []services.Target{
		{Group: "women", MinShare: ptr(0.5)}, {Group: "minority", Census: true}, {Group: "OBC", MinShare: ptr(0.27)}}}})
	noErr(t, err)
	if d := cmp.Diff(map[string]float64{"women": 0.5, "OBC": 0.27, "minority": -1}, targetsOf(t, levels, models.LevelBooth)); d != "" {
		t.Errorf("booth after the change (-want +got):\n%s", d)
	}
	if got := targetsOf(t, levels, models.LevelSector); got["women"] != 0.33 || len(got) != 4 {
		t.Errorf("sector changed with the booth: %v", got)
	}
	stored, err := e.set.Representation.Targets(ctx, services.System)
	noErr(t, err)
	if d := cmp.Diff(levels, stored); d != "" {
		t.Errorf("the answer is not what is stored (-answer +stored):\n%s", d)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "update" || rows[0].Entity != "representation_targets" || rows[0].UnitID == nil || *rows[0].UnitID != tr.state.ID {
		t.Fatalf("audit rows %+v, want one update of representation_targets filed under the state", rows)
	}
	if *rows[0].Before != `{"booth":{"SC":"census","ST":"census","sc_st_obc_minority":0.5,"women":0.33}}` ||
		*rows[0].After != `{"booth":{"OBC":0.27,"minority":"census","women":0.5}}` {
		t.Errorf("audit before %s, after %s", *rows[0].Before, *rows[0].After)
	}
	// A level listed with no targets has none.
	levels, err = e.set.Representation.SetTargets(ctx, services.System, []services.LevelTargets{{Level: models.LevelNational}})
	noErr(t, err)
	if got := targetsOf(t, levels, models.LevelNational); len(got) != 0 {
		t.Errorf("national after clearing: %v", got)
	}
}

// TestSetRepresentationTargetsRefusals: other roles are refused; every bad field is named, and
// nothing is written.
func TestSetRepresentationTargetsRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	ok := []services.LevelTargets{{Level: models.LevelBooth, Targets: []services.Target{{Group: "women", MinShare: ptr(0.4)}}}}
	for _, a := range []services.Actor{scoped(models.RoleDistrictCoordinator, tr.d1), scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.state)} {
		_, err := e.set.Representation.SetTargets(ctx, a, ok)
		wantErr(t, err, services.EForbidden)
	}
	mark := e.auditMark(t)
	_, err := e.set.Representation.SetTargets(ctx, services.System, []services.LevelTargets{
		{Level: "county"},
		{Level: models.LevelBooth, Targets: []services.Target{
			{Group: "women", MinShare: ptr(1.5)},
			{Group: "OBC", Census: true},
			{Group: "Brahmin", MinShare: ptr(0.1)},
			{Group: "SC"},
			{Group: "ST", MinShare: ptr(0.1), Census: true},
			{Group: "women", MinShare: ptr(0.3)},
		}},
		{Level: models.LevelBooth},
	})
	wantErr(t, err, services.EInvalid, "levels[0].level", "levels[1].targets[0].min_share", "levels[1].targets[1].census",
		"levels[1].targets[2].group", "levels[1].targets[3].min_share", "levels[1].targets[4]", "levels[1].targets[5].group", "levels[2].level")
	_, err = e.set.Representation.SetTargets(ctx, services.System, nil)
	wantErr(t, err, services.EInvalid, "levels")
	if n := len(e.auditSince(t, mark)); n != 0 {
		t.Errorf("%d audit rows after refused changes", n)
	}
	levels, err := e.set.Representation.Targets(ctx, services.System)
	noErr(t, err)
	if got := targetsOf(t, levels, models.LevelBooth); got["women"] != 0.33 || len(got) != 4 {
		t.Errorf("booth targets changed by refused changes: %v", got)
	}
}

// TestConcurrentTargetChanges: many changes of one level at once all apply, one after the
// other: every audit row's "before" is the "after" of another (or the defaults), none lost.
func TestConcurrentTargetChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.newTree(t)
	ctx := context.Background()
	mark := e.auditMark(t)
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			share := float64(i+1) / 100
			_, errs[i] = e.set.Representation.SetTargets(ctx, services.System, []services.LevelTargets{{Level: models.LevelBooth, Targets: []services.Target{{Group: "women", MinShare: &share}}}})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		noErr(t, err)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != n {
		t.Fatalf("%d audit rows, want %d", len(rows), n)
	}
	afters := map[string]int{}
	for _, r := range rows {
		afters[*r.After]++
	}
	chained := 0
	for _, r := range rows {
		if afters[*r.Before] > 0 {
			chained++
		}
	}
	if chained != n-1 {
		t.Errorf("%d of %d changes replaced another's result; want %d (each but the first)", chained, n, n-1)
	}
}
