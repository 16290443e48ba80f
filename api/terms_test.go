package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

type dueJSON struct {
	UnitID        string  `json:"unit_id"`
	Unit          unitRef `json:"unit"`
	TermStartedOn string  `json:"term_started_on"`
	TermEndsOn    string  `json:"term_ends_on"`
	DaysLeft      int     `json:"days_left"`
	Seats         int     `json:"seats"`
	Version       int64   `json:"version"`
}

// TestCommitteeTermsHTTP: from the outside, a full booth committee whose term has run out is
// listed as due with its term; within_days out of bounds or not a number is 422; a coordinator
// reconstitutes it with If-Match (412 when stale, 422 for a future day, 403 for a booth worker,
// 404 in another district); the answer is the empty committee with its new term, the old seats
// show as past in the person's seats and the history, coverage drops, the due list no longer
// holds it; a grace period set by the state office changes coverage, a coordinator may not set it.
func TestCommitteeTermsHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.id("LKOW-1")
	var president string
	for i := range 10 {
		p := s.mkPerson(t, booth)
		pos := models.PositionMember
		switch i {
		case 0:
			pos, president = models.PositionPresident, p
		case 1:
			pos = models.PositionBoothAgent
		}
		s.mkSeat(t, booth, p, pos)
	}
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	dcB := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	worker := s.mkUser(t, models.RoleBoothWorker, booth)
	office := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	start := s.coverageOf(t, fx.id("LKOW"))
	// advance moves the clock by days and logs everyone in again (access tokens expire).
	advance := func(days int) {
		s.clock.Advance(time.Hour * 24 * time.Duration(days))
		for _, u := range []*testUser{&dc, &dcB, &worker, &office, &s.admin} {
			u.Token = s.login(t, u.Username, u.Password)
		}
	}

	// Three years on, less 30 days: due within 90 days, not yet ended.
	advance(365*3 - 30)
	rec := s.do(t, http.MethodGet, "/api/v1/committees/due?under="+fx.id("LKO"), dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	list := decode[listResponse[dueJSON]](t, rec)
	if len(list.Items) != 1 || list.Items[0].UnitID != booth || list.Items[0].Seats != 10 || list.Items[0].DaysLeft != 30 ||
		list.Items[0].TermEndsOn != "2027-03-15" || list.Items[0].TermStartedOn != "2024-03-15" {
		t.Fatalf("due: %+v", list.Items)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/committees/due?within_days=29", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if l := decode[listResponse[dueJSON]](t, rec); len(l.Items) != 0 {
		t.Errorf("due within 29 days: %+v", l.Items)
	}
	for _, q := range []string{"within_days=-1", "within_days=1096", "within_days=ninety"} {
		p := wantProblem(t, s.do(t, http.MethodGet, "/api/v1/committees/due?"+q, dc.Token, nil), http.StatusUnprocessableEntity)
		if d := gocmp.Diff([]string{"within_days"}, problemFields(p)); d != "" {
			t.Errorf("%s: fields (-want +got):\n%s", q, d)
		}
	}
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/committees/due?under="+fx.id("LKO"), dcB.Token, nil), http.StatusNotFound)

	// Past the term and its 90 days' grace: coverage counts the booth incomplete.
	advance(121)
	today := "2027-06-14"
	c := s.coverageOf(t, fx.id("LKOW"))
	if c.Complete != start.Complete-1 || c.PastTerm != 1 {
		t.Errorf("coverage past term: %+v, before %+v", c, start)
	}

	path := "/api/v1/units/" + booth + "/committee/reconstitute"
	wantStatus(t, s.do(t, http.MethodPost, path, worker.Token, map[string]any{"on": today}), http.StatusForbidden)
	wantStatus(t, s.do(t, http.MethodPost, path, dcB.Token, map[string]any{"on": today}), http.StatusNotFound)
	p := wantProblem(t, s.do(t, http.MethodPost, path, dc.Token, map[string]any{"on": "2027-06-15"}), http.StatusUnprocessableEntity)
	if d := gocmp.Diff([]string{"on"}, problemFields(p)); d != "" {
		t.Errorf("future day: fields (-want +got):\n%s", d)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/units/"+booth, dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	version := decode[struct {
		Version       int64  `json:"version"`
		TermStartedOn string `json:"term_started_on"`
	}](t, rec)
	if version.TermStartedOn != "2024-03-15" {
		t.Errorf("unit term_started_on %q", version.TermStartedOn)
	}
	wantStatus(t, s.doIfMatch(t, http.MethodPost, path, dc.Token, `"v`+strconv.FormatInt(version.Version+1, 10)+`"`, map[string]any{"on": today}), http.StatusPreconditionFailed)

	rec = s.doIfMatch(t, http.MethodPost, path, dc.Token, `"v`+strconv.FormatInt(version.Version, 10)+`"`, map[string]any{"on": today})
	wantStatus(t, rec, http.StatusOK)
	got := decode[struct {
		UnitID   string            `json:"unit_id"`
		Complete bool              `json:"complete"`
		Seats    []json.RawMessage `json:"seats"`
		Term     termResponse      `json:"term"`
	}](t, rec)
	want := termResponse{StartedOn: today, EndsOn: "2030-06-14", Months: 36, DaysLeft: 1096, GraceDays: 90}
	if got.UnitID != booth || got.Complete || len(got.Seats) != 0 || got.Term != want {
		t.Errorf("new committee: %+v", got)
	}
	// The president's seat is past, in their seats and in the committee's history.
	rec = s.do(t, http.MethodGet, "/api/v1/people/"+president+"/seats", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	var seats struct {
		Items []struct {
			Until *string `json:"until"`
		} `json:"items"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &seats); err != nil {
		t.Fatal(err)
	}
	if len(seats.Items) != 1 || seats.Items[0].Until == nil {
		t.Errorf("president's seats: %s", rec.Body)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/units/"+booth+"/committee/history", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if h := decode[listResponse[seatResponse]](t, rec); len(h.Items) != 10 || h.Items[0].EndedAt == nil {
		t.Errorf("history: %d seats", len(h.Items))
	}
	if c := s.coverageOf(t, fx.id("LKOW")); c.Complete != start.Complete-1 || c.PastTerm != 0 {
		t.Errorf("coverage after reconstitution: %+v", c)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/committees/due", dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if l := decode[listResponse[dueJSON]](t, rec); len(l.Items) != 0 {
		t.Errorf("due after reconstitution: %+v", l.Items)
	}

	// The term per level: read by everyone, set by the state office only.
	body := map[string]any{"grace_days": 30, "term_months": 60}
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/committee-norms/booth", dc.Token, body), http.StatusForbidden)
	p = wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/committee-norms/booth", office.Token, map[string]any{"grace_days": 731}), http.StatusUnprocessableEntity)
	if d := gocmp.Diff([]string{"grace_days"}, problemFields(p)); d != "" {
		t.Errorf("grace out of range: fields (-want +got):\n%s", d)
	}
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/committee-norms/ward", office.Token, body), http.StatusNotFound)
	rec = s.do(t, http.MethodPatch, "/api/v1/committee-norms/booth", office.Token, body)
	wantStatus(t, rec, http.StatusOK)
	if n := decode[committeeNormResponse](t, rec); n.GraceDays != 30 || n.TermMonths != 60 || n.Level != "booth" {
		t.Errorf("norm: %+v", n)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/committee-norms", worker.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	norms := decode[listResponse[committeeNormResponse]](t, rec)
	if len(norms.Items) != 7 || norms.Items[6].Level != "booth" || norms.Items[6].TermMonths != 60 {
		t.Errorf("norms: %+v", norms.Items)
	}
}
