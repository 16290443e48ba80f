package api

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
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

// TestRepresentationFiguresAPI: a seat taken through the API shows in the figures of the booth,
// the district and the state at once; a viewer reads figures and gaps without a person's name in
// them; bad input names its field; a large answer is gzip-compressed for a client that asks.
func TestRepresentationFiguresAPI(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth, district, state := fx.id("LKOW-1"), fx.id("LKO"), fx.id("UP")
	figures := func(token, unit, query string) figuresJSON {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/units/"+unit+"/representation"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		return decode[figuresJSON](t, rec)
	}
	before := map[string]figuresJSON{}
	for _, u := range []string{booth, district, state} {
		before[u] = figures(s.admin.Token, u, "?level=booth")
	}
	const name = "Savitri Jatav Representation"
	person := s.mkPerson(t, booth, func(in *services.PersonInput) {
		in.Name, in.Category, in.Gender, in.Religion, in.BirthYear = name, models.CategorySC, models.GenderFemale, "buddhist", ptr(1990)
	})
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/units/"+booth+"/committee/seats", s.admin.Token,
		map[string]any{"person_id": person, "position": "member"}), http.StatusCreated)
	for _, u := range []string{booth, district, state} {
		got, was := figures(s.admin.Token, u, "?level=booth"), before[u]
		if got.Seats != was.Seats+1 || got.ByCategory["SC"] != was.ByCategory["SC"]+1 || got.ByGender["female"] != was.ByGender["female"]+1 ||
			got.Minority != was.Minority+1 {
			t.Errorf("unit %s after the seat: %+v, before %+v", u, got, was)
		}
	}

	viewer := s.mkUser(t, models.RoleViewer, state)
	for _, path := range []string{"/api/v1/units/" + state + "/representation", "/api/v1/units/" + district + "/representation/gaps",
		"/api/v1/units/" + state + "/representation/breakdown?by=district&sort=-gap.women",
		"/api/v1/exports/representation.csv?under=" + district + "&by=assembly"} {
		rec := s.do(t, http.MethodGet, path, viewer.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		if strings.Contains(rec.Body.String(), name) {
			t.Errorf("%s names a person to a viewer", path)
		}
	}

	for _, c := range []struct{ path, field string }{
		{"/api/v1/units/" + state + "/representation?level=ward", "level"},
		{"/api/v1/units/" + state + "/representation/breakdown?by=booth", "by"},
		{"/api/v1/units/" + district + "/representation/breakdown?by=district", "by"},
		{"/api/v1/units/" + state + "/representation/breakdown?by=district&sort=shares.nobody", "sort"},
		{"/api/v1/units/" + state + "/representation/breakdown?by=district&limit=501", "limit"},
		{"/api/v1/units/" + state + "/representation/gaps?cursor=junk", "cursor"},
		{"/api/v1/exports/representation.csv", "under"},
	} {
		p := wantProblem(t, s.do(t, http.MethodGet, c.path, s.admin.Token, nil), http.StatusUnprocessableEntity)
		if got := problemFields(p); len(got) != 1 || got[0] != c.field {
			t.Errorf("%s: fields %v, want %s", c.path, got, c.field)
		}
	}

	req := httptest.NewRequest(http.MethodGet, "/api/v1/units/"+state+"/representation/breakdown?by=assembly&limit=500", nil)
	req.Header.Set("Authorization", "Bearer "+s.admin.Token)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := s.send(req)
	wantStatus(t, rec, http.StatusOK)
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("breakdown of %d bytes not compressed", rec.Body.Len())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []figuresJSON }
	if err := json.Unmarshal(plain, &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("decompressed breakdown: %v, %d items", err, len(list.Items))
	}
}
