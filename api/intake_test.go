package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// addrSeq gives each report made by mkReport an address of its own, so that fixtures never meet
// the per-address limits that the tests of the limits count on.
var addrSeq atomic.Int64

// mkReport files a report from the public at the district districtID (an API id) through the
// service, from an address of its own, and returns its API id and tracking code.
func (s *testServer) mkReport(t *testing.T, districtID string) (id, code string) {
	t.Helper()
	var dcode string
	if err := s.db.Raw("SELECT code FROM units WHERE id = ?", districtID).Scan(&dcode).Error; err != nil || dcode == "" {
		t.Fatalf("mkReport: district %s: %v", districtID, err)
	}
	n := int(addrSeq.Add(1))
	code, err := s.set.Intake.Submit(context.Background(), "10.9."+strconv.Itoa(n/250)+"."+strconv.Itoa(n%250),
		services.PublicReportInput{DistrictCode: dcode, Place: "Village", OccurredOn: "2024-03-10", Description: "What happened.", Contact: "9876543210"})
	if err != nil {
		t.Fatalf("mkReport: %v", err)
	}
	var rid int64
	if err := s.db.Raw("SELECT id FROM public_reports WHERE tracking_code = ?", strings.ReplaceAll(code, "-", "")).Scan(&rid).Error; err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(rid, 10), code
}

// report is the accept or dismiss path of a new report at the district around loc.
func (m *matrix) report(loc, action string) string {
	id, _ := m.s.mkReport(m.t, m.district(loc))
	return "/api/v1/incident-reports/" + id + "/" + action
}

type trackingJSON struct {
	TrackingCode string `json:"tracking_code"`
	Status       string `json:"status"`
	District     struct {
		Code   string `json:"code"`
		Name   string `json:"name"`
		NameHi string `json:"name_hi"`
	} `json:"district"`
	OccurredOn string `json:"occurred_on"`
	Timeline   []struct {
		Status string `json:"status"`
		On     string `json:"on"`
	} `json:"timeline"`
}

type publicReportJSON struct {
	ID           string  `json:"id"`
	TrackingCode string  `json:"tracking_code"`
	Contact      *string `json:"contact"`
	Description  string  `json:"description"`
	Status       string  `json:"status"`
	IncidentID   *string `json:"incident_id"`
	Version      int64   `json:"version"`
	District     struct {
		ID string `json:"id"`
	} `json:"district"`
}

// TestPublicIntakeHTTP: without a token, a member of the public files a report (201 with a code
// grouped 5-5) and tracks it (200, no names); the state office finds it in the queue with the
// contact and accepts it (201, the incident, audited), after which the tracking says
// under_review; unknown codes are 404; the districts list answers without a login and may be
// cached.
func TestPublicIntakeHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	state := s.mkUser(t, models.RoleStateOffice, s.fx.id("UP"))
	body := map[string]any{"district_code": s.fx.code("LKO"), "place": "Rampur", "occurred_on": "2024-03-14",
		"description": "Families beaten at the well.", "contact": "98765 43210"}
	rec := s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", body)
	wantStatus(t, rec, http.StatusCreated)
	code := decode[map[string]string](t, rec)["tracking_code"]
	if !regexp.MustCompile(`^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$`).MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}
	rec = s.do(t, http.MethodGet, "/api/v1/public/incident-reports/"+strings.ToLower(code), "", nil)
	wantStatus(t, rec, http.StatusOK)
	tr := decode[trackingJSON](t, rec)
	if tr.Status != "received" || tr.District.Code != s.fx.code("LKO") || tr.OccurredOn != "2024-03-14" || len(tr.Timeline) != 1 {
		t.Errorf("tracking: %+v", tr)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/public/incident-reports/ABCDE-FGHJK", "", nil), http.StatusNotFound)

	rec = s.do(t, http.MethodGet, "/api/v1/incident-reports", state.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	list := decode[struct {
		Items []publicReportJSON `json:"items"`
	}](t, rec)
	if len(list.Items) != 1 || list.Items[0].TrackingCode != code || list.Items[0].Contact == nil || *list.Items[0].Contact != "98765 43210" ||
		list.Items[0].District.ID != s.fx.id("LKO") || list.Items[0].Version != 1 {
		t.Fatalf("queue: %+v", list.Items)
	}
	id := list.Items[0].ID
	req := map[string]any{"title": "Beating at the well", "kind": "atrocity", "affected_groups": []string{"SC"}}
	wantProblem(t, s.doIfMatch(t, http.MethodPost, "/api/v1/incident-reports/"+id+"/accept", state.Token, `"v9"`, req), http.StatusPreconditionFailed)
	rec = s.doIfMatch(t, http.MethodPost, "/api/v1/incident-reports/"+id+"/accept", state.Token, `"v1"`, req)
	wantStatus(t, rec, http.StatusCreated)
	inc := decode[map[string]any](t, rec)
	if inc["status"] != "reported" || inc["place"] != "Rampur" || inc["unit_id"] != s.fx.id("LKO") || rec.Header().Get("ETag") != `"v1"` {
		t.Errorf("incident: %v", inc)
	}
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/"+id+"/accept", state.Token, req), http.StatusConflict)
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/"+id+"/dismiss", state.Token, map[string]string{"reason": "x"}), http.StatusConflict)
	rec = s.do(t, http.MethodGet, "/api/v1/public/incident-reports/"+code, "", nil)
	wantStatus(t, rec, http.StatusOK)
	if tr := decode[trackingJSON](t, rec); tr.Status != "under_review" || strings.Contains(rec.Body.String(), state.Username) ||
		strings.Contains(rec.Body.String(), `"id"`) || strings.Contains(rec.Body.String(), "Beating") {
		t.Errorf("tracking after accept: %s", rec.Body)
	}
	// Dismissal: 200 with the report and its ETag.
	rid, _ := s.mkReport(t, s.fx.id("AGR"))
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/"+rid+"/dismiss", state.Token, map[string]string{"reason": ""}), http.StatusUnprocessableEntity)
	rec = s.do(t, http.MethodPost, "/api/v1/incident-reports/"+rid+"/dismiss", state.Token, map[string]string{"reason": "Not an incident."})
	wantStatus(t, rec, http.StatusOK)
	if r := decode[publicReportJSON](t, rec); r.Status != "dismissed" || r.Version != 2 || rec.Header().Get("ETag") != `"v2"` {
		t.Errorf("dismissed: %s", rec.Body)
	}
	actions := map[string]bool{}
	for _, e := range s.auditSince(t, 0) {
		if e.Entity == "public_report" {
			actions[e.Action] = true
		}
	}
	if !actions["submit"] || !actions["accept"] || !actions["dismiss"] {
		t.Errorf("audited public_report actions: %v", actions)
	}

	rec = s.do(t, http.MethodGet, "/api/v1/public/districts", "", nil)
	wantStatus(t, rec, http.StatusOK)
	ds := decode[struct {
		Items []map[string]string `json:"items"`
	}](t, rec)
	if len(ds.Items) < 2 || rec.Header().Get("Cache-Control") != "public, max-age=300" {
		t.Errorf("districts: %s (Cache-Control %q)", rec.Body, rec.Header().Get("Cache-Control"))
	}
	for _, d := range ds.Items {
		if _, ok := d["id"]; ok || d["code"] == "" {
			t.Errorf("district entry %v", d)
		}
	}
}

// TestPublicIntakeAbuseLimits: the queue needs a token (401) and a reviewing role (403); a body
// over 32 KiB is 413; each field limit is a 422 naming the field; the sixth report in an hour
// from one address, and the lookups past the limit, are 429 with Retry-After; a client behind
// a trusted proxy is counted by its forwarded address.
func TestPublicIntakeAbuseLimits(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, path := range []string{"/api/v1/incident-reports"} {
		wantProblem(t, s.do(t, http.MethodGet, path, "", nil), http.StatusUnauthorized)
	}
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/1/accept", "", map[string]string{}), http.StatusUnauthorized)
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/incident-reports/1/dismiss", "", map[string]string{}), http.StatusUnauthorized)
	for role, scope := range map[models.Role]string{models.RoleDistrictCoordinator: "LKO", models.RoleBoothWorker: "LKOW-1", models.RoleViewer: "UP"} {
		u := s.mkUser(t, role, s.fx.id(scope))
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/incident-reports", u.Token, nil), http.StatusForbidden)
	}

	ok := func() map[string]any {
		return map[string]any{"district_code": s.fx.code("LKO"), "place": "Rampur", "occurred_on": "2024-03-14", "description": "What happened."}
	}
	big := ok()
	big["description"] = strings.Repeat("x", 40<<10)
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", big), http.StatusRequestEntityTooLarge)
	for field, value := range map[string]any{"description": strings.Repeat("घ", 4001), "place": strings.Repeat("p", 201), "contact": strings.Repeat("9", 201),
		"district_code": "NO-SUCH", "occurred_on": "2024-03-17"} {
		b := ok()
		b[field] = value
		p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", b), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Field != field {
			t.Errorf("%s: errors %+v", field, p.Errors)
		}
	}
	// Honeypot: 201 and a code, nothing stored.
	hp := ok()
	hp["website"] = "https://spam.example/"
	rec := s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", hp)
	wantStatus(t, rec, http.StatusCreated)
	hcode := decode[map[string]string](t, rec)["tracking_code"]
	var n int64
	s.db.Raw("SELECT count(*) FROM public_reports").Scan(&n)
	if n != 0 || hcode == "" {
		t.Errorf("honeypot: code %q, %d reports stored", hcode, n)
	}
	for range 4 {
		wantStatus(t, s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", ok()), http.StatusCreated)
	}
	rec = s.do(t, http.MethodPost, "/api/v1/public/incident-reports", "", ok())
	wantProblem(t, rec, http.StatusTooManyRequests)
	if ra, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || ra < 3500 || ra > 3601 {
		t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
	}

	s.set.Intake.Limits = services.IntakeLimits{Lookups: 2}
	for range 2 {
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/public/incident-reports/"+hcode, "", nil), http.StatusNotFound)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/public/incident-reports/"+hcode, "", nil), http.StatusTooManyRequests)
}

// TestPublicIntakeTrustedProxy: behind a trusted proxy each client is counted by the address the
// proxy forwards, as the login limits do; an untrusted sender's X-Forwarded-For is ignored.
func TestPublicIntakeTrustedProxy(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	srv, err := New(Deps{Log: s.Log, DB: s.db, Set: s.set, TrustedProxies: []string{"192.0.2.1"}})
	if err != nil {
		t.Fatal(err)
	}
	s.set.Intake.Limits = services.IntakeLimits{Lookups: 1}
	look := func(h http.Handler, forwarded string) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/public/incident-reports/ABCDE-FGHJK", nil)
		req.Header.Set("X-Forwarded-For", forwarded)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	// Trusted: two clients, one lookup each.
	if a, b := look(srv, "203.0.113.1"), look(srv, "203.0.113.2"); a != http.StatusNotFound || b != http.StatusNotFound {
		t.Errorf("behind the trusted proxy: %d, %d; want 404 for both", a, b)
	}
	// Untrusted (the default server trusts no proxy): both are the sender, the second is refused.
	if a, b := look(s, "203.0.113.3"), look(s, "203.0.113.4"); a != http.StatusNotFound || b != http.StatusTooManyRequests {
		t.Errorf("without a trusted proxy: %d, %d; want 404 then 429", a, b)
	}
}
