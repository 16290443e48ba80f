package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// assignmentReadList is the matrix row of the assignment lists: every role but the booth
// worker reads inside its scope; outside it the unit of under= does not exist.
var assignmentReadList = byRole{
	"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
	"dc": {s200, s200, s404, s404}, "worker": {s403, s403, s403, s403}, "viewer": {s200, s200, s404, s404},
}

// assignment is a new open-ended assignment of a new person to the unit at loc.
func (m *matrix) assignment(loc string) string {
	return m.s.mkAssignment(m.t, m.person(loc), m.unit(loc), "Matrix", "2024-03-01")
}

// mkAssignment appoints a person (an API id) in charge of a unit as the installation; it
// returns the assignment's API id.
func (s *testServer) mkAssignment(t *testing.T, personID, unitID, purpose, startsOn string) string {
	t.Helper()
	p, err1 := strconv.ParseInt(personID, 10, 64)
	u, err2 := strconv.ParseInt(unitID, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("mkAssignment: %q %q", personID, unitID)
	}
	v, err := s.set.Assignments.Create(context.Background(), services.System, services.AssignmentInput{PersonID: &p, UnitID: &u, Purpose: purpose, StartsOn: startsOn})
	if err != nil {
		t.Fatalf("mkAssignment: %v", err)
	}
	return strconv.FormatInt(v.Assignment.ID, 10)
}

// assignmentJSON is an assignment as a client reads it.
type assignmentJSON struct {
	ID       string `json:"id"`
	PersonID string `json:"person_id"`
	Person   struct {
		ID                string `json:"id"`
		Name              string `json:"name"`
		PublicOffice      string `json:"public_office"`
		AssignmentsActive int    `json:"assignments_active"`
	} `json:"person"`
	UnitID   string  `json:"unit_id"`
	Unit     unitRef `json:"unit"`
	Purpose  string  `json:"purpose"`
	StartsOn string  `json:"starts_on"`
	EndsOn   *string `json:"ends_on"`
	Active   bool    `json:"active"`
	Version  int64   `json:"version"`
}

// TestAssignmentsOverHTTP: the state office appoints an MLA in charge of the Lok Sabha seat;
// an overlap answers 409 naming the other assignment's dates, an end before the start 422;
// the vacancy list loses the seat; the person's load shows on the person and in the candidates
// list filtered by public office; DELETE ends the assignment (204, If-Match honoured) and the
// seat is vacant again.
func TestAssignmentsOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	so := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	mla := s.mkPerson(t, fx.id("LKOW-1"), func(in *services.PersonInput) { in.PublicOffice = "mla" })
	s.mkPerson(t, fx.id("LKOW-1")) // no public office: not a candidate

	vacancies := func(tok string) []string {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/assignments/vacancies?level=parliamentary&purpose="+url.QueryEscape("Lok Sabha 2029"), tok, nil)
		wantStatus(t, rec, http.StatusOK)
		l := decode[struct {
			Items      []unitRef `json:"items"`
			NextCursor *string   `json:"next_cursor"`
		}](t, rec)
		out := []string{}
		for _, u := range l.Items {
			out = append(out, u.ID)
		}
		return out
	}
	if v := vacancies(so.Token); len(v) != 1 || v[0] != fx.id("PC") {
		t.Fatalf("vacancies before: %v", v)
	}
	body := map[string]any{"person_id": mla, "unit_id": fx.id("PC"), "purpose": "Lok Sabha 2029", "starts_on": "2024-03-01", "ends_on": "2024-02-01"}
	p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/assignments", so.Token, body), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "ends_on", "ends_before_start")
	delete(body, "ends_on")
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/assignments", dc.Token, body), http.StatusForbidden)
	mark := s.auditMark(t)
	rec := s.do(t, http.MethodPost, "/api/v1/assignments", so.Token, body)
	wantStatus(t, rec, http.StatusCreated)
	a := decode[assignmentJSON](t, rec)
	if a.Person.ID != mla || a.Person.AssignmentsActive != 1 || a.Person.PublicOffice != "mla" || a.Unit.Code != fx.code("PC") || !a.Active ||
		a.EndsOn != nil || a.StartsOn != "2024-03-01" || rec.Header().Get("ETag") != `"v1"` {
		t.Fatalf("created: %s", rec.Body)
	}
	body["starts_on"] = "2024-05-01"
	p = wantProblem(t, s.do(t, http.MethodPost, "/api/v1/assignments", so.Token, body), http.StatusConflict)
	wantFieldCode(t, p, "starts_on", "assignment_overlaps")
	if p.Errors[0].Params["starts_on"] != "2024-03-01" || p.Errors[0].Params["assignment_id"] != a.ID {
		t.Fatalf("overlap params: %+v", p.Errors[0])
	}
	if v := vacancies(so.Token); len(v) != 0 {
		t.Fatalf("vacancies after: %v", v)
	}
	// The load on the person and in the candidates list.
	rec = s.do(t, http.MethodGet, "/api/v1/people/"+mla, so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decode[map[string]any](t, rec)["assignments_active"]; got != float64(1) {
		t.Fatalf("assignments_active on the person: %v", got)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/people?public_office=mla,mp&under="+fx.id("LKOW-1"), so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	people := decode[struct {
		Items []map[string]any `json:"items"`
	}](t, rec)
	if len(people.Items) != 1 || people.Items[0]["id"] != mla || people.Items[0]["assignments_active"] != float64(1) {
		t.Fatalf("candidates: %s", rec.Body)
	}
	p = wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people?public_office=sarpanch", so.Token, nil), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "public_office", "one_of")
	// The coordinator does not see the Lok Sabha seat's assignment, which lies above the district.
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/assignments/"+a.ID, dc.Token, nil), http.StatusNotFound)
	// List filters.
	rec = s.do(t, http.MethodGet, "/api/v1/assignments?active=true&level=parliamentary&purpose="+url.QueryEscape("Lok Sabha 2029"), so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if l := decode[struct {
		Items []assignmentJSON `json:"items"`
	}](t, rec); len(l.Items) != 1 || l.Items[0].ID != a.ID {
		t.Fatalf("list: %s", rec.Body)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/assignments?on=2024-02-29", so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if l := decode[struct {
		Items []assignmentJSON `json:"items"`
	}](t, rec); len(l.Items) != 0 {
		t.Fatalf("list before the start: %s", rec.Body)
	}
	// End it: a stale If-Match is refused; then 204, and the seat is vacant again.
	base := "/api/v1/assignments/" + a.ID
	p = wantProblem(t, s.doIfMatch(t, http.MethodDelete, base, so.Token, `"v9"`, nil), http.StatusPreconditionFailed)
	wantFieldCode(t, p, "version", "version_mismatch")
	p = wantProblem(t, s.do(t, http.MethodDelete, base+"?on=2024-02-01", so.Token, nil), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "on", "ends_before_start")
	wantStatus(t, s.doIfMatch(t, http.MethodDelete, base, so.Token, `"v1"`, map[string]any{"on": "2024-03-15"}), http.StatusNoContent)
	rec = s.do(t, http.MethodGet, base, so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if got := decode[assignmentJSON](t, rec); got.EndsOn == nil || *got.EndsOn != "2024-03-15" || got.Version != 2 || got.Active {
		t.Fatalf("ended: %s", rec.Body)
	}
	wantProblem(t, s.do(t, http.MethodDelete, base, so.Token, nil), http.StatusConflict)
	if v := vacancies(so.Token); len(v) != 1 {
		t.Fatalf("vacancies after the end: %v", v)
	}
	if got := s.auditSince(t, mark); len(got) != 2 || got[0].Action != "create" || got[1].Action != "end" || got[1].EntityID != a.ID {
		t.Errorf("audit: %+v", got)
	}
	// The CSV export.
	rec = s.do(t, http.MethodGet, "/api/v1/exports/assignments.csv?purpose="+url.QueryEscape("Lok Sabha 2029"), so.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.HasPrefix(rec.Body.String(), "id,unit_code,") || !strings.Contains(rec.Body.String(), ",2024-03-01,2024-03-15,no,0") {
		t.Fatalf("export: %s", rec.Body)
	}
}
