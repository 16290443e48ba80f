package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
)

// seriesCount counts the sangathan_http_requests_total series in a metrics answer.
func seriesCount(body string) int {
	n := 0
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "sangathan_http_requests_total{") {
			n++
		}
	}
	return n
}

// TestJunkMethodsShareOneMetricsLabel: made-up HTTP methods add at most one series between them.
func TestJunkMethodsShareOneMetricsLabel(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	metrics := func() string {
		rec := s.do(t, http.MethodGet, "/metrics", s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		return rec.Body.String()
	}
	before := seriesCount(metrics())
	for i := range 40 {
		s.do(t, fmt.Sprintf("JUNK%d", i), "/api/v1/units", "", nil)
	}
	after := metrics()
	// The first scrape itself adds the GET /metrics series.
	if added := seriesCount(after) - before - 1; added > 1 {
		t.Errorf("40 junk-method requests added %d series, want at most 1", added)
	}
	if !strings.Contains(after, `method="OTHER"`) || strings.Contains(after, "JUNK") {
		t.Errorf("junk methods are not counted as OTHER:\n%s", after)
	}
}

// TestMetricsNeedAnAdmin: on the main router /metrics answers only to an administrator's token.
func TestMetricsNeedAnAdmin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	wantProblem(t, s.do(t, http.MethodGet, "/metrics", "", nil), http.StatusUnauthorized)
	wantProblem(t, s.do(t, http.MethodGet, "/metrics", "not-a-token", nil), http.StatusUnauthorized)
	for _, role := range []models.Role{models.RoleStateOffice, models.RoleDistrictCoordinator, models.RoleViewer} {
		scope := s.fx.id("LKO")
		if role == models.RoleStateOffice {
			scope = s.fx.id("UP")
		}
		u := s.mkUser(t, role, scope)
		wantProblem(t, s.do(t, http.MethodGet, "/metrics", u.Token, nil), http.StatusForbidden)
	}
	rec := s.do(t, http.MethodGet, "/metrics", s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "sangathan_http_requests_total") {
		t.Errorf("the admin's scrape has no request counts:\n%.300s", rec.Body)
	}
}

// TestMetricsElsewhere: with the metrics on a listener of their own, the router does not serve
// /metrics at all, and Server.Metrics serves them without a token.
func TestMetricsElsewhere(t *testing.T) {
	t.Parallel()
	base := newEmptyServer(t)
	s, err := New(Deps{Log: base.Log, DB: base.db, Set: base.set, MetricsElsewhere: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"", base.admin.Token} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("/metrics on the router (token %t): %d, want 404", token != "", rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	s.Metrics().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `route="unmatched",status="404"`) {
		t.Errorf("Server.Metrics: %d\n%.300s", rec.Code, rec.Body)
	}
}

// TestAPIAnswersAreNotStored: every /api answer, errors and unknown routes included, carries
// Cache-Control: no-store.
func TestAPIAnswersAreNotStored(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, c := range []struct {
		method, path, token string
		body                any
	}{
		{http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": s.admin.Username, "password": testPassword}},
		{http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": s.admin.Username, "password": "wrong-password"}},
		{http.MethodGet, "/api/v1/me", s.admin.Token, nil},
		{http.MethodGet, "/api/v1/me", "", nil},
		{http.MethodGet, "/api/v1/units/" + s.fx.id("LKO"), s.admin.Token, nil},
		{http.MethodGet, "/api/v1/units/987654", s.admin.Token, nil},
		{http.MethodPost, "/api/v1/units", s.admin.Token, `{"name":`},
		{http.MethodPost, "/api/v1/units", s.admin.Token, map[string]any{"level": "booth"}},
		{http.MethodGet, "/api/v1/exports/units.csv", s.admin.Token, nil},
		{http.MethodGet, "/api/v1/openapi.json", "", nil},
		{http.MethodGet, "/api/v1/no/such/route", "", nil},
		{http.MethodGet, "/api/nothing", "", nil},
		{http.MethodPut, "/api/v1/units", s.admin.Token, nil},
	} {
		rec := s.do(t, c.method, c.path, c.token, c.body)
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s %s → %d: Cache-Control %q, want no-store", c.method, c.path, rec.Code, got)
		}
	}
}

// TestInvalidUTF8BodyIsRefused: a JSON body with bytes that are not UTF-8 is a 400 and nothing
// is stored (the decoder would have replaced them with U+FFFD).
func TestInvalidUTF8BodyIsRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, c := range []struct{ path, body string }{
		{"/api/v1/units", `{"level":"booth","parent_id":"` + s.fx.id("LKOW") + `","code":"UTF8-BAD","name":"Booth ` + "\xff\xfe" + `"}`},
		{"/api/v1/people", `{"name":"Bad ` + "\xc3\x28" + ` Name","gender":"female","category":"SC","home_unit_id":"` + s.fx.id("LKOW-1") + `"}`},
	} {
		p := wantProblem(t, s.do(t, http.MethodPost, c.path, s.admin.Token, []byte(c.body)), http.StatusBadRequest)
		if !strings.Contains(p.Detail, "UTF-8") {
			t.Errorf("POST %s: detail %q does not say UTF-8", c.path, p.Detail)
		}
	}
	for _, export := range []string{"/api/v1/exports/units.csv", "/api/v1/exports/people.csv"} {
		rec := s.do(t, http.MethodGet, export, s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		if b := rec.Body.String(); strings.Contains(b, "UTF8-BAD") || strings.Contains(b, "Bad ") || strings.Contains(b, "\uFFFD") || strings.Contains(b, "\ufffd") || strings.ContainsRune(b, 0xfffd) {
			t.Errorf("%s shows a refused row:\n%s", export, b)
		}
	}
}
