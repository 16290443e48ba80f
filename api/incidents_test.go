package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// incidentStepAuthz is the matrix row of every investigation step: the state office and admin
// inside their scope; nobody else anywhere.
var incidentStepAuthz = byRole{
	"admin": {s200, s200, s200}, "state": {s200, s200, s404},
	"dc": {s403, s403, s403}, "worker": {s403, s403, s403}, "viewer": {s403, s403, s403},
}

// incident is a new incident at the unit at loc, taken by the installation to status.
func (m *matrix) incident(loc string, status models.IncidentStatus) string {
	return m.s.mkIncident(m.t, m.unit(loc), status)
}

// mkIncident logs an incident at the unit unitID (an API id) through the service as the
// installation and takes it to status (formed 2024-03-02, visited and reported 03-03, forwarded 03-04); it returns the incident's API id.
func (s *testServer) mkIncident(t *testing.T, unitID string, status models.IncidentStatus) string {
	t.Helper()
	ctx := context.Background()
	u, err := strconv.ParseInt(unitID, 10, 64)
	if err != nil {
		t.Fatalf("mkIncident: unit %q", unitID)
	}
	v, err := s.set.Incidents.Create(ctx, services.System, services.IncidentInput{UnitID: &u, OccurredOn: "2024-03-01", Place: "Village",
		Title: "Incident", Kind: "violence", AffectedGroups: []string{"SC"}})
	if err != nil {
		t.Fatalf("mkIncident: %v", err)
	}
	id := v.Incident.ID
	steps := []func() error{
		func() error {
			p, _ := strconv.ParseInt(s.mkPerson(t, unitID), 10, 64)
			_, err := s.set.Incidents.FormCommittee(ctx, services.System, id, services.CommitteeInput{MemberIDs: []int64{p}, ConvenerID: &p, FormedOn: "2024-03-02"})
			return err
		},
		func() error {
			_, err := s.set.Incidents.SubmitReport(ctx, services.System, id, services.ReportInput{VisitedOn: "2024-03-03", SubmittedOn: "2024-03-03", Findings: "Findings"})
			return err
		},
		func() error {
			_, err := s.set.Incidents.Forward(ctx, services.System, id, services.ForwardInput{To: []string{"governor"}, ForwardedOn: "2024-03-04"})
			return err
		},
		func() error {
			_, err := s.set.Incidents.Close(ctx, services.System, id, services.CloseInput{Outcome: "Closed"})
			return err
		},
	}
	for i, st := range models.IncidentStatuses[1:] {
		if slices.Index(models.IncidentStatuses, status) <= i {
			break
		}
		if err := steps[i](); err != nil {
			t.Fatalf("mkIncident: step to %s: %v", st, err)
		}
	}
	return strconv.FormatInt(id, 10)
}

// incidentJSON is an incident as a client reads it.
type incidentJSON struct {
	ID             string   `json:"id"`
	UnitID         string   `json:"unit_id"`
	Unit           unitRef  `json:"unit"`
	OccurredOn     string   `json:"occurred_on"`
	Title          string   `json:"title"`
	Description    string   `json:"description"`
	Kind           string   `json:"kind"`
	AffectedGroups []string `json:"affected_groups"`
	Victims        *int     `json:"victims"`
	Status         string   `json:"status"`
	Overdue        bool     `json:"overdue"`
	Version        int64    `json:"version"`
	CreatedBy      string   `json:"created_by"`
	UpdatedBy      string   `json:"updated_by"`
	Committee      *struct {
		FormedOn   string `json:"formed_on"`
		ConvenerID string `json:"convener_id"`
		Members    []struct {
			PersonID string `json:"person_id"`
			Name     string `json:"name"`
			Convener bool   `json:"convener"`
		} `json:"members"`
		By string `json:"by"`
	} `json:"committee"`
	Report *struct {
		VisitedOn   string `json:"visited_on"`
		SubmittedOn string `json:"submitted_on"`
		Findings    string `json:"findings"`
		By          string `json:"by"`
	} `json:"report"`
	Forward *struct {
		To          []string `json:"to"`
		ForwardedOn string   `json:"forwarded_on"`
		LetterRef   string   `json:"letter_ref"`
	} `json:"forward"`
	Closure *struct {
		Outcome  string `json:"outcome"`
		ClosedOn string `json:"closed_on"`
	} `json:"closure"`
}

// TestIncidentInvestigationOverHTTP: a coordinator logs an incident at a booth of their district;
// the state office runs the investigation through the API, each step with the ETag of the last
// answer; a step out of order answers 409 naming the status, a stale ETag 412, and neither
// writes; every step leaves one audit row.
func TestIncidentInvestigationOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	convener := s.mkPerson(t, fx.id("LKO"), func(in *services.PersonInput) {
		in.Name, in.NameHi = "Ram Prasad Verma", "राम प्रसाद वर्मा"
	})
	member := s.mkPerson(t, fx.id("AGR"))

	rec := s.do(t, http.MethodPost, "/api/v1/incidents", dc.Token, map[string]any{"unit_id": fx.id("LKOW-1"), "occurred_on": "2024-03-10",
		"place": "गाँव रामपुर", "title": "दलित परिवारों के घर जलाए गए", "description": "Three houses burnt.\nThree injured.", "kind": "atrocity",
		"affected_groups": []string{"women", "SC"}, "victims": 3})
	wantStatus(t, rec, http.StatusCreated)
	inc := decode[incidentJSON](t, rec)
	if inc.Status != "reported" || inc.Version != 1 || rec.Header().Get("ETag") != `"v1"` || inc.Unit.Code != fx.code("LKOW-1") ||
		inc.Title != "दलित परिवारों के घर जलाए गए" || inc.CreatedBy != dc.Username || inc.Committee != nil || inc.Overdue {
		t.Fatalf("created: %s", rec.Body)
	}
	if d := cmp.Diff([]string{"SC", "women"}, inc.AffectedGroups); d != "" {
		t.Errorf("affected groups (-want +got):\n%s", d)
	}
	base := "/api/v1/incidents/" + inc.ID
	etag := rec.Header().Get("ETag")

	// The coordinator may not take a step.
	wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/committee", dc.Token, "", map[string]any{"member_ids": []string{convener}, "convener_id": convener}), http.StatusForbidden)

	steps := []struct {
		path, status string
		body         map[string]any
	}{
		{"/committee", "committee_formed", map[string]any{"member_ids": []string{member, convener}, "convener_id": convener, "formed_on": "2024-03-11"}},
		{"/report", "report_submitted", map[string]any{"visited_on": "2024-03-12", "findings": "The police refused the FIR.", "recommendations": "Arrest the accused."}},
		{"/forward", "forwarded", map[string]any{"to": []string{"administration", "governor"}, "forwarded_on": "2024-03-15", "letter_ref": "SO/2024/117"}},
		{"/close", "closed", map[string]any{"outcome": "Accused arrested."}},
	}
	for i, st := range steps {
		mark := s.auditMark(t)
		// Every later step is out of order: 409 naming the status, nothing written.
		for _, later := range steps[i+1:] {
			p := wantProblem(t, s.doIfMatch(t, http.MethodPost, base+later.path, state.Token, etag, later.body), http.StatusConflict)
			if !strings.Contains(p.Detail, "the incident is "+map[bool]string{true: "reported", false: steps[max(i-1, 0)].status}[i == 0]) {
				t.Errorf("409 for %s at step %d: %q", later.path, i, p.Detail)
			}
		}
		// A stale ETag: 412 naming the version.
		p := wantProblem(t, s.doIfMatch(t, http.MethodPost, base+st.path, state.Token, `"v99"`, st.body), http.StatusPreconditionFailed)
		if len(p.Errors) != 1 || p.Errors[0].Code != "version_mismatch" {
			t.Errorf("412: %+v", p)
		}
		if got := s.auditSince(t, mark); len(got) != 0 {
			t.Fatalf("refused steps wrote %d audit rows", len(got))
		}
		rec := s.doIfMatch(t, http.MethodPost, base+st.path, state.Token, etag, st.body)
		wantStatus(t, rec, http.StatusOK)
		inc = decode[incidentJSON](t, rec)
		if inc.Status != st.status || inc.Version != int64(i+2) || rec.Header().Get("ETag") != `"v`+strconv.Itoa(i+2)+`"` || inc.UpdatedBy != state.Username {
			t.Fatalf("after %s: %s", st.path, rec.Body)
		}
		etag = rec.Header().Get("ETag")
		if got := s.auditSince(t, mark); len(got) != 1 || got[0].Entity != "incident" || got[0].EntityID != inc.ID || got[0].ActorUsername != state.Username {
			t.Errorf("audit after %s: %+v", st.path, got)
		}
	}
	// The coordinator reads the whole case.
	inc = decode[incidentJSON](t, s.do(t, http.MethodGet, base, dc.Token, nil))
	if inc.Committee == nil || inc.Committee.ConvenerID != convener || len(inc.Committee.Members) != 2 || inc.Committee.By != state.Username ||
		inc.Report == nil || inc.Report.Findings != "The police refused the FIR." || inc.Report.SubmittedOn != "2024-03-15" ||
		inc.Forward == nil || !cmp.Equal(inc.Forward.To, []string{"administration", "governor"}) || inc.Forward.LetterRef != "SO/2024/117" ||
		inc.Closure == nil || inc.Closure.ClosedOn != "2024-03-15" {
		t.Fatalf("closed case: %+v", inc)
	}
	for _, m := range inc.Committee.Members {
		if m.Convener != (m.PersonID == convener) {
			t.Errorf("member %+v", m)
		}
	}
	// A malformed If-Match is 400; a closed case takes no step.
	wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/close", state.Token, "v5", steps[3].body), http.StatusBadRequest)
	wantProblem(t, s.doIfMatch(t, http.MethodPost, base+"/close", state.Token, "", steps[3].body), http.StatusConflict)
}

// TestIncidentListOverHTTP: the filters as query parameters, overdue by the server's clock, and
// 422 naming each bad filter.
func TestIncidentListOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	reported := s.mkIncident(t, fx.id("LKOW-1"), models.IncidentReported)
	formed := s.mkIncident(t, fx.id("AGRC-1"), models.IncidentCommitteeFormed) // formed 2024-03-02; the clock says 2024-03-15
	forwarded := s.mkIncident(t, fx.id("LKO"), models.IncidentForwarded)
	token := state.Token
	ids := func(path string) []string {
		t.Helper()
		rec := s.do(t, http.MethodGet, path, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var l struct {
			Items []incidentJSON `json:"items"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, i := range l.Items {
			out = append(out, i.ID)
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{forwarded, formed, reported}},
		{"?under=" + fx.id("LKO"), []string{forwarded, reported}},
		{"?under=" + fx.id("PC"), []string{formed, reported}}, // a Lok Sabha seat: through its assemblies
		{"?status=committee_formed", []string{formed}},
		{"?kind=violence&affected_group=SC", []string{forwarded, formed, reported}},
		{"?affected_group=women", []string{}},
		{"?from=2024-03-01&to=2024-03-01", []string{forwarded, formed, reported}},
		{"?from=2024-03-02", []string{}},
		{"?overdue=true", []string{}},
	} {
		if d := cmp.Diff(tc.want, ids("/api/v1/incidents"+tc.query)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, d)
		}
	}
	s.clock.Advance(31 * 24 * time.Hour)
	token = s.login(t, state.Username, testPassword) // the old access token has expired
	if d := cmp.Diff([]string{formed}, ids("/api/v1/incidents?overdue=true")); d != "" {
		t.Errorf("overdue after 31 days (-want +got):\n%s", d)
	}
	if !decode[incidentJSON](t, s.do(t, http.MethodGet, "/api/v1/incidents/"+formed, token, nil)).Overdue {
		t.Error("the formed incident is not overdue after 31 days")
	}
	for _, bad := range []string{"status=open", "kind=riot", "affected_group=dalit", "from=03-2024", "to=x", "overdue=maybe", "under=x", "limit=0"} {
		field, _, _ := strings.Cut(bad, "=")
		p := wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents?"+bad, token, nil), http.StatusUnprocessableEntity)
		if got := problemFields(p); len(got) != 1 || got[0] != field {
			t.Errorf("%s: errors name %v", bad, got)
		}
	}
}

// TestIncidentValidationOverHTTP: bad bodies answer 422 with every bad field and its code, and
// ids that are not ids are named too.
func TestIncidentValidationOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incidents", state.Token, map[string]any{"unit_id": fx.id("UP"),
		"occurred_on": "2099-01-01", "place": "", "title": "T", "kind": "riot", "affected_groups": []string{"SC", "SC"}}), http.StatusUnprocessableEntity)
	codes := map[string]string{}
	for _, f := range p.Errors {
		codes[f.Field] = f.Code
	}
	if d := cmp.Diff(map[string]string{"unit_id": "level_not_allowed", "occurred_on": "date_future", "place": "required", "kind": "one_of",
		"affected_groups[1]": "duplicate"}, codes); d != "" {
		t.Errorf("create (-want +got):\n%s", d)
	}
	id := s.mkIncident(t, fx.id("LKOW-1"), models.IncidentReported)
	p = wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incidents/"+id+"/committee", state.Token, map[string]any{"member_ids": []string{"x", "12"}, "convener_id": "y"}), http.StatusUnprocessableEntity)
	if d := cmp.Diff([]string{"convener_id", "member_ids[0]"}, problemFields(p)); d != "" {
		t.Errorf("committee ids (-want +got):\n%s", d)
	}
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incidents/"+id+"/committee", state.Token, nil), http.StatusBadRequest)
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/987654321", state.Token, nil), http.StatusNotFound)
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/abc", state.Token, nil), http.StatusNotFound)
}

// TestOpenAPIIncidentEnums: the incident lists the document publishes are the models'.
func TestOpenAPIIncidentEnums(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Enum []string `json:"enum"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]string{
		"IncidentKind":   stringsOf(models.IncidentKinds),
		"IncidentStatus": stringsOf(models.IncidentStatuses),
		"AffectedGroup":  models.AffectedGroups,
		"ForwardTarget":  models.ForwardTargets,
	} {
		if d := cmp.Diff(want, doc.Components.Schemas[name].Enum); d != "" {
			t.Errorf("%s (-models +document):\n%s", name, d)
		}
	}
}
