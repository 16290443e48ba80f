package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// loginFrom is a login request from the client address addr.
func loginFrom(t *testing.T, addr, username, password string) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]string{"username": username, "password": password})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = addr + ":40000"
	return req
}

// parallelWrongLogins sends n wrong passwords for username from addr at once, spread over the
// given routers, and returns the answers.
func parallelWrongLogins(t *testing.T, routers []http.Handler, n int, username, addr string) []*httptest.ResponseRecorder {
	t.Helper()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = loginFrom(t, addr, username, "a-wrong-password")
	}
	recs := make([]*httptest.ResponseRecorder, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			recs[i] = httptest.NewRecorder()
			routers[i%len(routers)].ServeHTTP(recs[i], reqs[i])
		}()
	}
	close(start)
	wg.Wait()
	return recs
}

// wantLimited checks that exactly checked answers are 401 and the rest 429 problems with a
// Retry-After within the window.
func wantLimited(t *testing.T, recs []*httptest.ResponseRecorder, checked int) {
	t.Helper()
	var n401, n429 int
	for _, rec := range recs {
		switch rec.Code {
		case http.StatusUnauthorized:
			n401++
			wantUnauthenticated(t, rec)
		case http.StatusTooManyRequests:
			n429++
			wantProblem(t, rec, http.StatusTooManyRequests)
			ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if max := int(services.DefaultLoginLimits.Window.Seconds()) + 1; err != nil || ra <= 0 || ra > max {
				t.Errorf("Retry-After = %q, want 1..%d seconds", rec.Header().Get("Retry-After"), max)
			}
		default:
			t.Errorf("status %d: %s", rec.Code, rec.Body)
		}
	}
	t.Logf("%d parallel wrong passwords: %d checked (401), %d refused (429)", len(recs), n401, n429)
	if n401 != checked || n429 != len(recs)-checked {
		t.Errorf("%d answers of 401 and %d of 429, want %d and %d", n401, n429, checked, len(recs)-checked)
	}
}

// TestLoginLimitsParallelOverHTTP: 60 wrong passwords at once for one user from one address get
// only the limit checked, the rest 429 with Retry-After; the right password is then refused from
// that address and accepted from another.
func TestLoginLimitsParallelOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleAdmin, "")
	wantLimited(t, parallelWrongLogins(t, []http.Handler{s}, 60, u.Username, "203.0.113.5"), services.DefaultLoginLimits.PerUserAddress)

	rec := s.send(loginFrom(t, "203.0.113.5", u.Username, u.Password))
	wantProblem(t, rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	wantStatus(t, s.send(loginFrom(t, "198.51.100.20", u.Username, u.Password)), http.StatusOK)
}

// TestLoginLimitsAcrossReplicas: two servers on one database (two replicas behind a balancer)
// share the counts: 150 wrong passwords spread over both get only the limit checked, and the
// right password is then refused from that address by both.
func TestLoginLimitsAcrossReplicas(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleAdmin, "")
	set, err := services.NewSet(s.db.DB, s.clock.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	replica, err := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: s.db, Set: set})
	if err != nil {
		t.Fatal(err)
	}
	routers := []http.Handler{s, replica}
	wantLimited(t, parallelWrongLogins(t, routers, 150, u.Username, "203.0.113.6"), services.DefaultLoginLimits.PerUserAddress)
	for i, r := range routers {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, loginFrom(t, "203.0.113.6", u.Username, u.Password))
		if rec.Code != http.StatusTooManyRequests {
			t.Errorf("replica %d: the right password from the limited address: %d, want 429", i, rec.Code)
		}
	}
}
