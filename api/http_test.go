package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
)

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tokens := map[string]string{"admin": s.admin.Token}
	unit := "/api/v1/units/" + s.fx.id("LKO")
	runCases(t, s, tokens, []apiCase{
		// 404: no such route, with or without a token.
		{name: "404 outside the API", method: http.MethodGet, path: "/no/such/page", wantStatus: http.StatusNotFound},
		{name: "404 unknown API path", method: http.MethodGet, path: "/api/v1/nothing-here", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 another API version", method: http.MethodGet, path: "/api/v2/units", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 below a unit", method: http.MethodGet, path: unit + "/nothing", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 trailing slash", method: http.MethodGet, path: "/api/v1/units/", actor: "admin", wantStatus: http.StatusNotFound},
		// 405: the path exists, the method does not.
		{name: "405 PUT a unit", method: http.MethodPut, path: unit, actor: "admin", body: map[string]string{"name": "X"}, wantStatus: http.StatusMethodNotAllowed},
		{name: "405 PATCH the unit list", method: http.MethodPatch, path: "/api/v1/units", actor: "admin", wantStatus: http.StatusMethodNotAllowed},
		{name: "405 GET login", method: http.MethodGet, path: "/api/v1/auth/login", wantStatus: http.StatusMethodNotAllowed},
		{name: "405 DELETE healthz", method: http.MethodDelete, path: "/healthz", wantStatus: http.StatusMethodNotAllowed},
		{name: "405 POST the export", method: http.MethodPost, path: "/api/v1/exports/units.csv", actor: "admin", wantStatus: http.StatusMethodNotAllowed},
	})

	t.Run("405 names the allowed methods", func(t *testing.T) {
		rec := s.do(t, http.MethodPut, unit, s.admin.Token, nil)
		wantProblem(t, rec, http.StatusMethodNotAllowed)
		allow := rec.Header().Get("Allow")
		for _, m := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			if !strings.Contains(allow, m) {
				t.Errorf("Allow = %q, want it to list %s", allow, m)
			}
		}
	})
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tok := s.admin.Token
	seen := map[string]bool{}
	for _, tc := range []struct {
		name         string
		method, path string
		token        string
		body         any
		wantStatus   int
	}{
		{"200 health", http.MethodGet, "/healthz", "", nil, http.StatusOK},
		{"200 API", http.MethodGet, "/api/v1/me", tok, nil, http.StatusOK},
		{"201 create", http.MethodPost, "/api/v1/units", tok, map[string]any{"level": "booth", "parent_id": s.fx.id("LKOW"), "code": "RID-1", "name": "Request id booth"}, http.StatusCreated},
		{"200 export", http.MethodGet, "/api/v1/exports/units.csv", tok, nil, http.StatusOK},
		{"401 no token", http.MethodGet, "/api/v1/me", "", nil, http.StatusUnauthorized},
		{"404 no route", http.MethodGet, "/api/v1/nowhere", "", nil, http.StatusNotFound},
		{"405 wrong method", http.MethodPut, "/api/v1/me", "", nil, http.StatusMethodNotAllowed},
		{"413 too large", http.MethodPost, "/api/v1/units", tok, map[string]string{"name": strings.Repeat("x", MaxJSONBody)}, http.StatusRequestEntityTooLarge},
		{"422 invalid", http.MethodGet, "/api/v1/units?limit=0", tok, nil, http.StatusUnprocessableEntity},
		{"429 rate limited", http.MethodPost, "/api/v1/auth/login", "", nil, 0}, // filled in below
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rec *httptest.ResponseRecorder
			if tc.wantStatus == 0 {
				body := map[string]string{"username": "rid-user", "password": "wrong-password"}
				for i := 0; i < 5; i++ {
					s.do(t, tc.method, tc.path, "", body)
				}
				rec, tc.wantStatus = s.do(t, tc.method, tc.path, "", body), http.StatusTooManyRequests
			} else {
				rec = s.do(t, tc.method, tc.path, tc.token, tc.body)
			}
			wantStatus(t, rec, tc.wantStatus)
			id := rec.Header().Get("X-Request-ID")
			if !requestIDPattern.MatchString(id) {
				t.Fatalf("X-Request-ID = %q, want 8 to 64 of [A-Za-z0-9._-]", id)
			}
			if seen[id] {
				t.Errorf("X-Request-ID %q was given to two requests", id)
			}
			seen[id] = true
		})
	}

	for _, tc := range []struct {
		name, sent string
		echoed     bool
	}{
		{"a valid id is echoed", "lb-7f3a2c.req_0001", true},
		{"64 characters are echoed", strings.Repeat("a", 64), true},
		{"too short is replaced", "abc", false},
		{"65 characters are replaced", strings.Repeat("a", 65), false},
		{"spaces are replaced", "request id 12345", false},
		{"markup is replaced", "<script>alert(1)</script>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
			req.Header.Set("X-Request-ID", tc.sent)
			got := s.send(req).Header().Get("X-Request-ID")
			if (got == tc.sent) != tc.echoed || !requestIDPattern.MatchString(got) {
				t.Errorf("sent %q, got back %q; want echoed=%v and a valid id", tc.sent, got, tc.echoed)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	for _, path := range []string{"/healthz", "/readyz"} {
		t.Run("200 "+path, func(t *testing.T) {
			rec := s.do(t, http.MethodGet, path, "", nil)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
	t.Run("security headers on every answer", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/healthz", "", nil)
		for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := rec.Header().Get(h); got != want {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
	})
}

func TestDatabaseDown(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := newLoggedServer(t, logs)
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("503 problem from /readyz", func(t *testing.T) {
		wantProblem(t, s.do(t, http.MethodGet, "/readyz", "", nil), http.StatusServiceUnavailable)
	})
	t.Run("200 from /healthz: the process still runs", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodGet, "/healthz", "", nil), http.StatusOK)
	})
	t.Run("503 problem for an API request, without internals; the cause goes to the server's log", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/api/v1/units", s.admin.Token, nil)
		wantProblem(t, rec, http.StatusServiceUnavailable)
		if strings.Contains(strings.ToLower(rec.Body.String()), "sql") || strings.Contains(rec.Body.String(), "closed") {
			t.Errorf("the answer leaks the database error: %s", rec.Body)
		}
		id := rec.Header().Get("X-Request-ID")
		var found bool
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			if strings.Contains(line, `"request_id":"`+id+`"`) && strings.Contains(line, "database is closed") {
				found = true
			}
		}
		if !found {
			t.Errorf("no line of the server's log gives request %s its cause; log:\n%s", id, logs)
		}
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	wantStatus(t, s.do(t, http.MethodGet, "/healthz", "", nil), http.StatusOK)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units/"+s.fx.id("LKO"), s.admin.Token, nil), http.StatusOK)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units/987654", s.admin.Token, nil), http.StatusNotFound)
	wantStatus(t, s.do(t, http.MethodGet, "/no/such/route/4711", "", nil), http.StatusNotFound)

	rec := s.do(t, http.MethodGet, "/metrics", s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type = %q, want the Prometheus text format", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`# TYPE sangathan_http_requests_total counter`,
		`sangathan_http_requests_total{method="GET",route="/healthz",status="200"} 1`,
		`sangathan_http_requests_total{method="GET",route="/api/v1/units/:id",status="200"} 1`,
		`sangathan_http_requests_total{method="GET",route="/api/v1/units/:id",status="404"} 1`,
		`sangathan_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`sangathan_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// As a path fragment in a label: the numbers alone may well occur in a sample's value (a
	// process's memory in bytes).
	for _, leak := range []string{"/987654", "/4711"} {
		if strings.Contains(body, leak) {
			t.Errorf("metrics carry the raw path fragment %s: one series per id", leak)
		}
	}
}

func TestLogsCarryNoSecrets(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := newLoggedServer(t, logs)
	u := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))

	secrets := []string{testPassword, s.admin.Token, s.admin.Refresh, u.Token, u.Refresh}
	ses := s.loginSession(t, u.Username, u.Password)
	secrets = append(secrets, ses.AccessToken, ses.RefreshToken)
	rec := s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ses.RefreshToken})
	wantStatus(t, rec, http.StatusOK)
	next := decode[sessionJSON](t, rec)
	secrets = append(secrets, next.AccessToken, next.RefreshToken)
	const wrongPassword = "my-other-secret-password"
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": wrongPassword}), http.StatusUnauthorized)
	secrets = append(secrets, wrongPassword)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", next.AccessToken, nil), http.StatusOK)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", "forged."+wrongPassword, nil), http.StatusUnauthorized)
	const searched = "secret-search-term"
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units?q="+searched, next.AccessToken, nil), http.StatusOK)
	secrets = append(secrets, searched)
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": next.RefreshToken}), http.StatusNoContent)

	out := logs.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 8 {
		t.Fatalf("the server logged %d lines for 8+ requests; log:\n%s", len(lines), out)
	}
	for _, sec := range secrets {
		if sec == "" {
			t.Fatal("a secret under test is empty")
		}
		if strings.Contains(out, sec) {
			t.Errorf("the log contains a secret (%.12s…)", sec)
		}
		// A JWT's signature alone is as good as a leak of the token.
		if parts := strings.Split(sec, "."); len(parts) == 3 && strings.Contains(out, parts[2]) {
			t.Errorf("the log contains a token signature (%.12s…)", parts[2])
		}
	}
	for _, line := range lines {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if entry["msg"] == "request" && entry["request_id"] == "" {
			t.Errorf("request log line without a request id: %s", line)
		}
	}
	if !strings.Contains(out, `"user_id":`+u.ID) {
		t.Errorf("no request line names the authenticated user %s; log:\n%s", u.ID, out)
	}
}
