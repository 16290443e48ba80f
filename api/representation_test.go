package api

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

// TestRepresentationTargetsAPI: every role reads the targets; only admin and the state office
// change them (every other role 403, nothing changed); a bad body names each field; the answer
// is what a later read returns.
func TestRepresentationTargetsAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	users := map[models.Role]testUser{
		models.RoleStateOffice:         s.mkUser(t, models.RoleStateOffice, fx.id("UP")),
		models.RoleDistrictCoordinator: s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO")),
		models.RoleBoothWorker:         s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1")),
		models.RoleViewer:              s.mkUser(t, models.RoleViewer, fx.id("UP")),
	}
	const path = "/api/v1/representation/targets"
	for role, u := range users {
		got := decode[targetsJSON](t, s.do(t, http.MethodGet, path, u.Token, nil))
		if len(got.Levels) != len(models.Levels) || got.Levels[len(got.Levels)-1].Level != "booth" || len(got.Levels[6].Targets) != 4 {
			t.Errorf("%s reads %+v", role, got)
		}
	}
	wantProblem(t, s.do(t, http.MethodGet, path, "", nil), http.StatusUnauthorized)

	body := map[string]any{"levels": []any{map[string]any{"level": "booth", "targets": []any{
		map[string]any{"group": "women", "min_share": 0.4},
		map[string]any{"group": "SC", "census": true},
	}}}}
	for _, role := range []models.Role{models.RoleDistrictCoordinator, models.RoleBoothWorker, models.RoleViewer} {
		wantProblem(t, s.do(t, http.MethodPut, path, users[role].Token, body), http.StatusForbidden)
	}
	before := decode[targetsJSON](t, s.do(t, http.MethodGet, path, s.admin.Token, nil))
	if before.Levels[6].Targets[0].MinShare == nil || *before.Levels[6].Targets[0].MinShare != 0.33 {
		t.Fatalf("refused writes changed the booth targets: %+v", before.Levels[6])
	}

	for _, u := range []testUser{s.admin, users[models.RoleStateOffice]} {
		rec := s.do(t, http.MethodPut, path, u.Token, body)
		wantStatus(t, rec, http.StatusOK)
		got := decode[targetsJSON](t, rec)
		share := 0.4
		want := levelTargetsJSON{Level: "booth", Targets: []targetJSON{{Group: "women", MinShare: &share}, {Group: "SC", Census: true}}}
		if d := cmp.Diff(want, got.Levels[6]); d != "" {
			t.Errorf("booth after %s's change (-want +got):\n%s", u.Username, d)
		}
		if d := cmp.Diff(got, decode[targetsJSON](t, s.do(t, http.MethodGet, path, u.Token, nil))); d != "" {
			t.Errorf("a later read differs (-answer +read):\n%s", d)
		}
	}

	p := wantProblem(t, s.do(t, http.MethodPut, path, s.admin.Token, map[string]any{"levels": []any{
		map[string]any{"level": "booth", "targets": []any{map[string]any{"group": "women", "min_share": -0.1}, map[string]any{"group": "OBC", "census": true}}},
		map[string]any{"level": "ward"},
	}}), http.StatusUnprocessableEntity)
	if d := cmp.Diff([]string{"levels[0].targets[0].min_share", "levels[0].targets[1].census", "levels[1].level"}, problemFields(p)); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	wantProblem(t, s.do(t, http.MethodPut, path, s.admin.Token, []byte(`{"levels": [`)), http.StatusBadRequest)
}
