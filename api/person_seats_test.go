package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

type personSeatsJSON struct {
	Items []struct {
		ID       string      `json:"id"`
		Unit     unitRefJSON `json:"unit"`
		Position string      `json:"position"`
		Since    time.Time   `json:"since"`
		Until    *time.Time  `json:"until"`
	} `json:"items"`
}

type unitRefJSON struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi"`
}

// TestPersonSeatsAPI: GET /people/{id}/seats lists current and ended seats newest first, each
// with its unit; a seat on a committee outside the reader's scope is left out and its unit's id
// appears nowhere in the answer.
func TestPersonSeatsAPI(t *testing.T) {
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	person := s.mkPerson(t, s.fx.id("LKOW-1"))

	booth := s.mkSeat(t, s.fx.id("LKOW-1"), person, models.PositionMember)
	s.clock.Advance(time.Minute)
	wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/units/"+s.fx.id("LKOW-1")+"/committee/seats/"+booth, s.admin.Token, nil), http.StatusNoContent)
	s.clock.Advance(time.Minute)
	s.mkSeat(t, s.fx.id("LKOW"), person, models.PositionPresident)
	s.clock.Advance(time.Minute)
	s.mkSeat(t, s.fx.id("PC"), person, models.PositionMember)     // a Lok Sabha committee: outside the district
	s.mkSeat(t, s.fx.id("AGRC-1"), person, models.PositionMember) // another district's booth

	path := "/api/v1/people/" + person + "/seats"
	rec := s.do(t, http.MethodGet, path, dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	got := decode[personSeatsJSON](t, rec)
	var short []string
	for _, it := range got.Items {
		short = append(short, it.Unit.Code+" "+it.Position+" "+map[bool]string{true: "ended", false: "current"}[it.Until != nil])
	}
	want := []string{s.fx.code("LKOW") + " president current", s.fx.code("LKOW-1") + " member ended"}
	if d := cmp.Diff(want, short); d != "" {
		t.Errorf("coordinator's seats (-want +got):\n%s", d)
	}
	if len(got.Items) == 2 {
		ended := got.Items[1]
		if ended.Unit.ID != s.fx.id("LKOW-1") || ended.Unit.Level != "booth" || ended.Unit.NameHi != "प्राथमिक विद्यालय अमीनाबाद" ||
			ended.Until == nil || !ended.Until.After(ended.Since) || ended.ID != booth {
			t.Errorf("ended seat = %+v", ended)
		}
	}
	for _, hidden := range []string{"PC", "AGRC-1"} {
		if strings.Contains(rec.Body.String(), `"`+s.fx.id(hidden)+`"`) || strings.Contains(rec.Body.String(), s.fx.code(hidden)) {
			t.Errorf("answer names %s, outside the coordinator's scope: %s", hidden, rec.Body)
		}
	}

	all := decode[personSeatsJSON](t, s.do(t, http.MethodGet, path, s.admin.Token, nil))
	if len(all.Items) != 4 || all.Items[0].Unit.Code != s.fx.code("AGRC-1") && all.Items[0].Unit.Code != s.fx.code("PC") {
		t.Errorf("admin reads %+v, want all four seats, the latest first", all.Items)
	}

	agra := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("AGR"))
	viewer := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	runCases(t, s, map[string]string{"agra": agra.Token, "viewer": viewer.Token, "admin": s.admin.Token}, []apiCase{
		{name: "person outside scope", method: http.MethodGet, path: path, actor: "agra", wantStatus: http.StatusNotFound},
		{name: "viewer", method: http.MethodGet, path: path, actor: "viewer", wantStatus: http.StatusForbidden},
		{name: "no such person", method: http.MethodGet, path: "/api/v1/people/99999999/seats", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "bad id", method: http.MethodGet, path: "/api/v1/people/x/seats", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "no token", method: http.MethodGet, path: path, wantStatus: http.StatusUnauthorized},
	})
}
