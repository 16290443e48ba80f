package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type districtSummaryRow struct {
	UnitID             string `json:"unit_id"`
	Code               string `json:"code"`
	Name               string `json:"name"`
	NameHi             string `json:"name_hi"`
	Open               int64  `json:"open"`
	Overdue            int64  `json:"overdue"`
	ForwardedThisMonth int64  `json:"forwarded_this_month"`
	Reported           int64  `json:"reported"`
	CommitteeFormed    int64  `json:"committee_formed"`
	ReportSubmitted    int64  `json:"report_submitted"`
	Forwarded          int64  `json:"forwarded"`
	Closed             int64  `json:"closed"`
}

// TestIncidentSummaryOverHTTP: GET /incidents/summary answers a row per district of the caller's
// scope, one page, districts without incidents as zeros; a coordinator sees their own district;
// roles below a district are refused, as are other districts and levels below a district.
func TestIncidentSummaryOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	empty, emptyCode := s.mkUnit(t, models.LevelDistrict, fx.id("UP"))
	s.mkIncident(t, fx.id("LKOW-1"), models.IncidentReported)
	s.mkIncident(t, fx.id("LKO"), models.IncidentForwarded) // forwarded 2024-03-04; the clock says 2024-03-15
	s.mkIncident(t, fx.id("LKOC-1"), models.IncidentClosed)
	s.mkIncident(t, fx.id("AGRC-2"), models.IncidentCommitteeFormed)
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	summary := func(token, query string) []districtSummaryRow {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/incidents/summary"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil || string(raw["next_cursor"]) != "null" {
			t.Fatalf("summary answer %s (%v)", rec.Body.String(), err)
		}
		var rows []districtSummaryRow
		if err := json.Unmarshal(raw["items"], &rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	lko := districtSummaryRow{UnitID: fx.id("LKO"), Code: fx.code("LKO"), Name: "Lucknow", NameHi: "लखनऊ",
		Open: 2, ForwardedThisMonth: 2, Reported: 1, Forwarded: 1, Closed: 1}
	agr := districtSummaryRow{UnitID: fx.id("AGR"), Code: fx.code("AGR"), Name: "Agra", NameHi: "आगरा", Open: 1, CommitteeFormed: 1}
	none := districtSummaryRow{UnitID: empty, Code: emptyCode} // where nothing was logged: zeros
	got := summary(state.Token, "")
	for _, g := range got {
		if g.UnitID == empty {
			none.Name, none.NameHi = g.Name, g.NameHi // mkUnit's naming is not the point
		}
	}
	want := []districtSummaryRow{lko, agr, none}
	slices.SortFunc(want, func(a, b districtSummaryRow) int { return strings.Compare(a.Code, b.Code) })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("state office (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, summary(s.admin.Token, "?under="+fx.id("UP"))); d != "" {
		t.Errorf("admin under the state (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]districtSummaryRow{agr}, summary(state.Token, "?under="+fx.id("AGR"))); d != "" {
		t.Errorf("state office under Agra (-want +got):\n%s", d)
	}
	for _, q := range []string{"", "?under=" + fx.id("LKO")} {
		if d := cmp.Diff([]districtSummaryRow{lko}, summary(dc.Token, q)); d != "" {
			t.Errorf("coordinator %q (-want +got):\n%s", q, d)
		}
	}
	for _, q := range []string{"?under=" + fx.id("AGR"), "?under=" + fx.id("UP")} {
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/summary"+q, dc.Token, nil), http.StatusNotFound)
	}
	for _, q := range []string{"?under=" + fx.id("LKOW"), "?under=" + fx.id("PC"), "?under=x"} {
		p := wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/summary"+q, state.Token, nil), http.StatusUnprocessableEntity)
		if f := problemFields(p); len(f) != 1 || f[0] != "under" {
			t.Errorf("%s: errors %v", q, f)
		}
	}
	for _, role := range []models.Role{models.RoleBoothWorker, models.RoleViewer} {
		u := s.mkUser(t, role, fx.id("LKOW-1"))
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/summary", u.Token, nil), http.StatusForbidden)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incidents/summary", "", nil), http.StatusUnauthorized)
}

// TestIncidentExportOverHTTP: GET /exports/incidents.csv streams what the list shows to the
// caller, formula cells neutralised, and is audited; refusals answer problem+json before any row.
func TestIncidentExportOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	ctx := context.Background()
	titles := []string{`=HYPERLINK("http://evil.example","x")`, "+1", "@x", "-2"}
	for _, title := range titles {
		u, _ := strconv.ParseInt(fx.id("LKOC-1"), 10, 64)
		if _, err := s.set.Incidents.Create(ctx, services.System, services.IncidentInput{UnitID: &u, OccurredOn: "2024-03-01", Place: "Place",
			Title: title, Kind: "other"}); err != nil {
			t.Fatal(err)
		}
	}
	fw := s.mkIncident(t, fx.id("LKOW-1"), models.IncidentForwarded)
	agra := s.mkIncident(t, fx.id("AGRC-1"), models.IncidentCommitteeFormed)
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	export := func(token, query string) [][]string {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/exports/incidents.csv"+query, token, nil)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || rec.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", rec.Header())
		}
		rows, err := csv.NewReader(rec.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(services.IncidentColumns, rows[0]); d != "" {
			t.Fatalf("header (-want +got):\n%s", d)
		}
		return rows[1:]
	}
	mark := s.auditMark(t)
	rows := export(dc.Token, "")
	if len(rows) != 5 {
		t.Fatalf("the coordinator's export: %d rows, want 5: %v", len(rows), rows)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r[1] != fx.code("LKO") || r[0] == agra {
			t.Errorf("the coordinator of Lucknow exports %v", r)
		}
		seen[r[5]] = true
		if r[0] == fw && (r[9] != "forwarded" || r[13] != "governor" || r[14] != "2024-03-04" || r[2] != fx.code("LKOW-1")) {
			t.Errorf("forwarded row %v", r)
		}
	}
	for _, title := range titles {
		if !seen["'"+title] {
			t.Errorf("title %q is not neutralised: %v", title, seen)
		}
	}
	audit := s.auditSince(t, mark)
	if len(audit) != 1 || audit[0].Action != "export" || audit[0].Entity != "incidents" || audit[0].ActorUsername != dc.Username {
		t.Fatalf("audit rows %+v", audit)
	}
	if !strings.Contains(*audit[0].After, `"rows":5`) {
		t.Errorf("audit after %s", *audit[0].After)
	}
	if got := export(state.Token, "?under="+fx.id("AGR")); len(got) != 1 || got[0][0] != agra || got[0][1] != fx.code("AGR") {
		t.Errorf("state office under Agra: %v", got)
	}
	if got := export(state.Token, "?status=forwarded&kind=violence"); len(got) != 1 || got[0][0] != fw {
		t.Errorf("state office, forwarded: %v", got)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/incidents.csv?under="+fx.id("AGR"), dc.Token, nil), http.StatusNotFound)
	p := wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/incidents.csv?kind=riot", dc.Token, nil), http.StatusUnprocessableEntity)
	if f := problemFields(p); len(f) != 1 || f[0] != "kind" {
		t.Errorf("kind=riot: errors %v", f)
	}
	for _, role := range []models.Role{models.RoleBoothWorker, models.RoleViewer} {
		u := s.mkUser(t, role, fx.id("LKOW-1"))
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/incidents.csv", u.Token, nil), http.StatusForbidden)
	}
}
