package api

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withDeps builds a second router over s's database and services with changed Deps.
func (s *testServer) withDeps(t *testing.T, edit func(*Deps)) *Server {
	t.Helper()
	d := Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: s.db, Set: s.set}
	edit(&d)
	srv, err := New(d)
	require.NoError(t, err)
	return srv
}

func serve(srv http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

// TestCORSClosedByDefault: with no allow-list a page on another origin gets 403 problem+json —
// for a read, a write and a preflight — and no CORS header, while the server's own pages (same
// Host, as browsers send Origin on their own POSTs) and clients that send no Origin are served.
func TestCORSClosedByDefault(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/api/v1/units"},
		{http.MethodPost, "/api/v1/auth/login"},
		{http.MethodOptions, "/api/v1/units"},
		{http.MethodGet, "/api/v1/public/districts"},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(`{"username":"admin","password":"x"}`))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Authorization", "Bearer "+s.admin.Token)
		req.Header.Set("Access-Control-Request-Method", http.MethodGet)
		rec := s.send(req)
		p := wantProblem(t, rec, http.StatusForbidden)
		assert.Contains(t, p.Detail, "Origin", "%s %s: the refusal names the header", tc.method, tc.path)
		assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "%s %s", tc.method, tc.path)
	}

	// The UI's own origin: httptest requests go to Host example.com.
	for _, origin := range []string{"http://example.com", "https://example.com", "HTTPS://EXAMPLE.COM"} {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/units", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Authorization", "Bearer "+s.admin.Token)
		wantStatus(t, s.send(req), http.StatusOK)
	}
	// No Origin at all: an integration calling from a server.
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units", s.admin.Token, nil), http.StatusOK)
	// A look-alike of the own origin is not it.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/units", nil)
	req.Header.Set("Origin", "https://example.com.evil.example")
	wantProblem(t, s.send(req), http.StatusForbidden)
}

// TestCORSAllowList: an origin in SANGATHAN_CORS_ORIGINS gets a preflight answer naming the
// methods and headers the API takes, and reads with ETag exposed; any other origin is still
// refused, and credentials are never allowed cross-origin.
func TestCORSAllowList(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	origins, err := ParseOrigins(" https://dashboard.party.example , http://localhost:5173")
	require.NoError(t, err)
	srv := s.withDeps(t, func(d *Deps) { d.CORSOrigins = origins })

	pre := httptest.NewRequest(http.MethodOptions, "/api/v1/units/1", nil)
	pre.Header.Set("Origin", "https://dashboard.party.example")
	pre.Header.Set("Access-Control-Request-Method", http.MethodPatch)
	pre.Header.Set("Access-Control-Request-Headers", "authorization, content-type, if-match")
	rec := serve(srv, pre)
	assert.Less(t, rec.Code, 300, "preflight answered: %d %s", rec.Code, rec.Body)
	assert.Equal(t, "https://dashboard.party.example", rec.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, rec.Header().Get("Access-Control-Allow-Methods"), http.MethodPatch)
	assert.Contains(t, strings.ToLower(rec.Header().Get("Access-Control-Allow-Headers")), "if-match")
	assert.Empty(t, rec.Header().Get("Access-Control-Allow-Credentials"))

	get := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	get.Header.Set("Origin", "http://localhost:5173")
	get.Header.Set("Authorization", "Bearer "+s.admin.Token)
	rec = serve(srv, get)
	wantStatus(t, rec, http.StatusOK)
	assert.Equal(t, "http://localhost:5173", rec.Header().Get("Access-Control-Allow-Origin"))
	assert.Contains(t, rec.Header().Get("Access-Control-Expose-Headers"), "Etag")

	other := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	other.Header.Set("Origin", "https://dashboard.party.example.evil.example")
	other.Header.Set("Authorization", "Bearer "+s.admin.Token)
	rec = serve(srv, other)
	wantProblem(t, rec, http.StatusForbidden)
	assert.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))
}

// TestParseOriginsRefusesWildcardsAndPaths: the allow-list holds origins only.
func TestParseOriginsRefusesWildcardsAndPaths(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"*", "https://*.party.example", "https://party.example/app", "ftp://party.example",
		"party.example", "https://user@party.example", "https://party.example?x=1", "null"} {
		_, err := ParseOrigins(bad)
		assert.Error(t, err, bad)
	}
	got, err := ParseOrigins("https://Party.Example:8443/,,http://127.0.0.1:3000")
	require.NoError(t, err)
	assert.Equal(t, []string{"https://party.example:8443", "http://127.0.0.1:3000"}, got)
}

// TestHSTSOnlyOverTLS: Strict-Transport-Security is sent over TLS (served directly, or through a
// trusted proxy that says X-Forwarded-Proto: https) and never over plain HTTP, nor when an
// untrusted client forges the proxy's header.
func TestHSTSOnlyOverTLS(t *testing.T) {
	t.Parallel()
	s := newEmptyServer(t)
	srv := s.withDeps(t, func(d *Deps) { d.TrustedProxies = []string{"10.0.0.0/8"} })

	plain := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	assert.Empty(t, serve(srv, plain).Header().Get("Strict-Transport-Security"), "plain HTTP")

	direct := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	direct.TLS = &tls.ConnectionState{HandshakeComplete: true}
	assert.Equal(t, HSTSHeader, serve(srv, direct).Header().Get("Strict-Transport-Security"), "served over TLS")

	proxied := httptest.NewRequest(http.MethodGet, "/api/v1/public/districts", nil)
	proxied.RemoteAddr = "10.1.2.3:5555"
	proxied.Header.Set("X-Forwarded-Proto", "https")
	assert.Equal(t, HSTSHeader, serve(srv, proxied).Header().Get("Strict-Transport-Security"), "TLS ended at a trusted proxy")

	forged := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	forged.RemoteAddr = "203.0.113.9:5555"
	forged.Header.Set("X-Forwarded-Proto", "https")
	assert.Empty(t, serve(srv, forged).Header().Get("Strict-Transport-Security"), "an untrusted client's header")

	// A real TLS listener, end to end.
	ts := httptest.NewTLSServer(srv)
	defer ts.Close()
	resp, err := ts.Client().Get(ts.URL + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, HSTSHeader, resp.Header.Get("Strict-Transport-Security"))
}
