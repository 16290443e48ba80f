package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func ptr[T any](v T) *T { return &v }

// refreshCookieOf returns the refresh cookie an answer sets, or nil.
func refreshCookieOf(rec *httptest.ResponseRecorder) *http.Cookie {
	return cookieOf(rec, refreshCookie)
}

// cookieOf returns the cookie called name that an answer sets, or nil.
func cookieOf(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// wantUnauthenticated checks a 401 problem that tells the client how to authenticate.
func wantUnauthenticated(t *testing.T, rec *httptest.ResponseRecorder) problem {
	t.Helper()
	p := wantProblem(t, rec, http.StatusUnauthorized)
	if h := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
		t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", h)
	}
	return p
}

func TestLogin(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))

	t.Run("200 with a session, the user and a HttpOnly SameSite=Strict refresh cookie", func(t *testing.T) {
		rec := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": dc.Username, "password": dc.Password})
		wantStatus(t, rec, http.StatusOK)
		var raw struct {
			User map[string]json.RawMessage `json:"user"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"id", "username", "role", "scope_unit_id", "person_id"} {
			if _, ok := raw.User[k]; !ok {
				t.Errorf("user has no %q: %s", k, rec.Body)
			}
		}
		if id := string(raw.User["id"]); !strings.HasPrefix(id, `"`) {
			t.Errorf("user.id = %s, want a JSON string", id)
		}
		ses := decode[sessionJSON](t, rec)
		wantUser := userJSON{ID: dc.ID, Username: dc.Username, Role: "district_coordinator", ScopeUnitID: ptr(s.fx.id("LKO"))}
		if diff := cmp.Diff(wantUser, ses.User); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		if ses.TokenType != "Bearer" || ses.ExpiresIn != int(services.AccessTokenTTL.Seconds()) {
			t.Errorf("token_type %q, expires_in %d; want Bearer, %d", ses.TokenType, ses.ExpiresIn, int(services.AccessTokenTTL.Seconds()))
		}
		if strings.Count(ses.AccessToken, ".") != 2 || ses.RefreshToken == "" || ses.RefreshToken == ses.AccessToken {
			t.Errorf("access_token %q, refresh_token %q: want a JWT and a separate refresh token", ses.AccessToken, ses.RefreshToken)
		}
		ck := refreshCookieOf(rec)
		if ck == nil {
			t.Fatalf("no %s cookie; Set-Cookie: %q", refreshCookie, rec.Header().Values("Set-Cookie"))
		}
		if ck.Value != ses.RefreshToken || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.MaxAge <= 0 || !strings.HasPrefix("/api/v1/auth/refresh", ck.Path) {
			t.Errorf("refresh cookie = %+v; want the refresh token, HttpOnly, SameSite=Strict, a Max-Age and a path covering /api/v1/auth/refresh", ck)
		}
		// The web UI reads the marker to know a refresh is worth trying; it carries no secret.
		if mk := cookieOf(rec, sessionCookie); mk == nil || mk.Value != "1" || mk.HttpOnly || mk.Path != "/" || mk.MaxAge != ck.MaxAge || mk.SameSite != http.SameSiteStrictMode {
			t.Errorf("session marker cookie = %+v; want 1, readable by scripts, path /, the refresh cookie's Max-Age, SameSite=Strict", mk)
		}
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", ses.AccessToken, nil), http.StatusOK)
	})

	t.Run("the username is not case-sensitive", func(t *testing.T) {
		rec := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": " " + strings.ToUpper(dc.Username) + " ", "password": dc.Password})
		wantStatus(t, rec, http.StatusOK)
	})

	runCases(t, s, nil, []apiCase{
		// 401: wrong credentials.
		{name: "401 wrong password", method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"username": dc.Username, "password": "not-the-password"}, wantStatus: http.StatusUnauthorized},
		{name: "401 unknown user", method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"username": "nobody-at-all", "password": dc.Password}, wantStatus: http.StatusUnauthorized},
		// 422: fields missing or of the wrong type.
		{name: "422 empty body object", method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"username", "password"}},
		{name: "422 password missing", method: http.MethodPost, path: "/api/v1/auth/login", body: map[string]string{"username": dc.Username}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 username not a string", method: http.MethodPost, path: "/api/v1/auth/login", body: `{"username": 42, "password": "x"}`, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"username"}},
		// 400: not JSON.
		{name: "400 malformed JSON", method: http.MethodPost, path: "/api/v1/auth/login", body: `{"username": "a",`, wantStatus: http.StatusBadRequest},
		{name: "400 no body", method: http.MethodPost, path: "/api/v1/auth/login", body: "", wantStatus: http.StatusBadRequest},
	})

	t.Run("a wrong password and an unknown user get the same answer and no cookie", func(t *testing.T) {
		wrong := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": dc.Username, "password": "still-not-the-password"})
		unknown := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": "no-such-user", "password": "still-not-the-password"})
		pw, pu := wantUnauthenticated(t, wrong), wantUnauthenticated(t, unknown)
		if pw.Detail == "" || pw.Detail != pu.Detail || pw.Type != pu.Type {
			t.Errorf("wrong password: %+v; unknown user: %+v; want the same type and detail", pw, pu)
		}
		if refreshCookieOf(wrong) != nil || refreshCookieOf(unknown) != nil {
			t.Error("a failed login set the refresh cookie")
		}
	})
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("UP"))
	other := s.mkUser(t, models.RoleViewer, s.fx.id("UP"))
	wrong := map[string]string{"username": u.Username, "password": "a-wrong-password"}
	right := map[string]string{"username": u.Username, "password": u.Password}

	for i := 1; i <= 5; i++ {
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", wrong))
	}
	for _, tc := range []struct {
		name string
		body map[string]string
	}{
		{"429 on the 6th failure", wrong},
		{"429 even with the right password while limited", right},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, http.MethodPost, "/api/v1/auth/login", "", tc.body)
			wantProblem(t, rec, http.StatusTooManyRequests)
			ra, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || ra <= 0 || ra > int((15*time.Minute).Seconds())+1 {
				t.Errorf("Retry-After = %q, want seconds within the 15-minute window", rec.Header().Get("Retry-After"))
			}
		})
	}
	t.Run("another user from the same address may still log in", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": other.Username, "password": other.Password}), http.StatusOK)
	})
	t.Run("200 once the window has passed", func(t *testing.T) {
		s.clock.Advance(15*time.Minute + time.Second)
		wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", right), http.StatusOK)
	})
}

func TestLoginLimitPerAddressIgnoresForwardedFor(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("UP"))
	// Each attempt claims another address; with no trusted proxies the server must not believe it.
	attempt := func(i int, username, password string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]string{"username": username, "password": password})
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		req.Header.Set("X-Real-IP", fmt.Sprintf("198.51.100.%d", i))
		return s.send(req)
	}
	for i := 0; i < services.DefaultLoginLimits.PerAddress; i++ {
		wantUnauthenticated(t, attempt(i, fmt.Sprintf("guess-%d", i), "wrong-password"))
	}
	rec := attempt(250, u.Username, u.Password)
	wantProblem(t, rec, http.StatusTooManyRequests)
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1"))
	refresh := func(t *testing.T, tok string) *httptest.ResponseRecorder {
		t.Helper()
		return s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": tok})
	}

	t.Run("200 with a new pair; the old refresh token then 401", func(t *testing.T) {
		first := s.loginSession(t, u.Username, u.Password)
		rec := refresh(t, first.RefreshToken)
		wantStatus(t, rec, http.StatusOK)
		next := decode[sessionJSON](t, rec)
		if next.RefreshToken == "" || next.RefreshToken == first.RefreshToken || next.AccessToken == "" || next.AccessToken == first.AccessToken {
			t.Fatalf("refresh gave %+v; want a new access and refresh token", next)
		}
		if diff := cmp.Diff(first.User, next.User); diff != "" || next.TokenType != "Bearer" {
			t.Errorf("refreshed session user (-login +refresh):\n%s token_type %q", diff, next.TokenType)
		}
		if ck := refreshCookieOf(rec); ck == nil || ck.Value != next.RefreshToken || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
			t.Errorf("refresh cookie = %+v, want the new refresh token, HttpOnly, SameSite=Strict", ck)
		}
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", next.AccessToken, nil), http.StatusOK)

		wantUnauthenticated(t, refresh(t, first.RefreshToken))
		// Presenting a used token after the grace means a copy is loose: the whole login is revoked.
		s.clock.Advance(services.ReuseGrace)
		wantUnauthenticated(t, refresh(t, first.RefreshToken))
		wantUnauthenticated(t, refresh(t, next.RefreshToken))
	})

	t.Run("200 with only the cookie, rotating it each time", func(t *testing.T) {
		tok := s.loginSession(t, u.Username, u.Password).RefreshToken
		for i := 0; i < 2; i++ {
			req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/refresh", nil)
			req.AddCookie(&http.Cookie{Name: refreshCookie, Value: tok})
			rec := s.send(req)
			wantStatus(t, rec, http.StatusOK)
			ses := decode[sessionJSON](t, rec)
			ck := refreshCookieOf(rec)
			if ck == nil || ck.Value != ses.RefreshToken || ses.RefreshToken == tok {
				t.Fatalf("cookie refresh %d: cookie %+v, session refresh token %q; want a new token in both", i, ck, ses.RefreshToken)
			}
			tok = ck.Value
		}
	})

	t.Run("401 without a valid refresh token", func(t *testing.T) {
		for name, rec := range map[string]*httptest.ResponseRecorder{
			"no body, no cookie": s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", nil),
			"empty token":        refresh(t, ""),
			"unknown token":      refresh(t, "sgr_this-token-was-never-issued"),
			"an access token":    refresh(t, u.Token),
		} {
			t.Run(name, func(t *testing.T) { wantUnauthenticated(t, rec) })
		}
	})

	t.Run("400 for a malformed body", func(t *testing.T) {
		wantProblem(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", `{"refresh_token":`), http.StatusBadRequest)
	})

	t.Run("401 once the refresh token has expired", func(t *testing.T) {
		tok := s.loginSession(t, u.Username, u.Password).RefreshToken
		s.clock.Advance(services.RefreshTokenTTL + time.Second)
		wantUnauthenticated(t, refresh(t, tok))
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))

	t.Run("204 with the token in the body; the refresh token then 401", func(t *testing.T) {
		ses := s.loginSession(t, u.Username, u.Password)
		rec := s.do(t, http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": ses.RefreshToken})
		wantStatus(t, rec, http.StatusNoContent)
		if rec.Body.Len() != 0 {
			t.Errorf("204 with a body: %q", rec.Body)
		}
		if ck := refreshCookieOf(rec); ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
			t.Errorf("logout cookie = %+v, want the refresh cookie cleared", ck)
		}
		if mk := cookieOf(rec, sessionCookie); mk == nil || mk.MaxAge >= 0 || mk.Value != "" || mk.Path != "/" {
			t.Errorf("logout marker cookie = %+v, want the session marker cleared", mk)
		}
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ses.RefreshToken}))
	})

	t.Run("204 with only the cookie; the refresh token then 401", func(t *testing.T) {
		ses := s.loginSession(t, u.Username, u.Password)
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/logout", nil)
		req.AddCookie(&http.Cookie{Name: refreshCookie, Value: ses.RefreshToken})
		wantStatus(t, s.send(req), http.StatusNoContent)
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ses.RefreshToken}))
	})

	t.Run("204 for a token that does not exist", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": "sgr_unknown"}), http.StatusNoContent)
	})
}

func TestMe(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("AGR"))
	for _, tc := range []struct {
		name string
		tok  string
		want userJSON
	}{
		{"admin without a scope", s.admin.Token, userJSON{ID: s.admin.ID, Username: s.admin.Username, Role: "admin"}},
		{"district coordinator", dc.Token, userJSON{ID: dc.ID, Username: dc.Username, Role: "district_coordinator", ScopeUnitID: ptr(s.fx.id("AGR"))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.do(t, http.MethodGet, "/api/v1/me", tc.tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if diff := cmp.Diff(tc.want, decode[userJSON](t, rec)); diff != "" {
				t.Errorf("GET /me (-want +got):\n%s", diff)
			}
			for _, k := range []string{`"scope_unit_id":`, `"person_id":null`} {
				if !strings.Contains(rec.Body.String(), k) {
					t.Errorf("GET /me body %s lacks %s", rec.Body, k)
				}
			}
		})
	}
}

// jwtParts splits a compact JWT and decodes its payload.
func jwtParts(t *testing.T, tok string) (header, payload, sig string, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a compact JWT", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload: %v", err)
	}
	if err := json.Unmarshal(raw, &claims); err != nil {
		t.Fatalf("payload: %v", err)
	}
	return parts[0], parts[1], parts[2], claims
}

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func TestBadTokensAre401(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	now := s.clock.Now()

	// A token from the real login code of an installation with another key.
	other, err := services.NewAuth(s.db.DB, s.clock.Now, services.AuthConfig{Secret: []byte("another-installation-key-0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	otherSes, err := other.Login(context.Background(), u.Username, u.Password, "198.51.100.7")
	if err != nil {
		t.Fatal(err)
	}

	// Forgeries built from the real token.
	header, payload, sig, claims := jwtParts(t, u.Token)
	sid, _ := claims["sid"].(string)
	algNone := b64JSON(t, map[string]string{"alg": "none", "typ": "JWT"}) + "." + payload + "."
	claims["role"] = "admin"
	claims["sub"] = s.admin.ID
	tampered := header + "." + b64JSON(t, claims) + "." + sig

	// Tokens signed with the right key but breaking one rule each; the first is the control.
	mint := func(m jwt.SigningMethod, edit func(*services.Claims)) string {
		c := services.Claims{RegisteredClaims: jwt.RegisteredClaims{
			Issuer: services.Issuer, Subject: u.ID, Audience: jwt.ClaimStrings{services.Audience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		}, Role: models.RoleDistrictCoordinator, SessionID: sid}
		if edit != nil {
			edit(&c)
		}
		tok, err := jwt.NewWithClaims(m, c).SignedString(testSecret)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	control := mint(jwt.SigningMethodHS256, nil)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", control, nil), http.StatusOK)

	for _, tc := range []struct{ name, authorization string }{
		{"no Authorization header", ""},
		{"scheme without a token", "Bearer"},
		{"blank token", "Bearer    "},
		{"Basic credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username+":"+u.Password))},
		{"token without a scheme", u.Token},
		{"not a JWT", "Bearer not.a.jwt"},
		{"refresh token as access token", "Bearer " + u.Refresh},
		{"signed with another key", "Bearer " + otherSes.AccessToken},
		{"alg none", "Bearer " + algNone},
		{"payload changed to an admin, signature kept", "Bearer " + tampered},
		{"HS512 with the right key", "Bearer " + mint(jwt.SigningMethodHS512, nil)},
		{"another issuer", "Bearer " + mint(jwt.SigningMethodHS256, func(c *services.Claims) { c.Issuer = "someone-else" })},
		{"another audience", "Bearer " + mint(jwt.SigningMethodHS256, func(c *services.Claims) { c.Audience = jwt.ClaimStrings{"other-api"} })},
		{"no expiry", "Bearer " + mint(jwt.SigningMethodHS256, func(c *services.Claims) { c.ExpiresAt = nil })},
		{"issued in the future", "Bearer " + mint(jwt.SigningMethodHS256, func(c *services.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour)) })},
		{"subject of no user", "Bearer " + mint(jwt.SigningMethodHS256, func(c *services.Claims) { c.Subject = "987654" })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
			if tc.authorization != "" {
				req.Header.Set("Authorization", tc.authorization)
			}
			rec := s.send(req)
			wantUnauthenticated(t, rec)
			if strings.Contains(rec.Body.String(), u.Username) {
				t.Errorf("401 body names the user: %s", rec.Body)
			}
		})
	}

	t.Run("expired after the access token lifetime", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil), http.StatusOK)
		s.clock.Advance(services.AccessTokenTTL + time.Second)
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil))
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", s.login(t, u.Username, u.Password), nil), http.StatusOK)
	})
}

func TestDeactivatedUserIs401AtOnce(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil), http.StatusOK)

	if err := s.db.Exec("UPDATE users SET active = ? WHERE id = ?", false, u.ID).Error; err != nil {
		t.Fatal(err)
	}
	t.Run("the access token", func(t *testing.T) {
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil))
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/units/"+s.fx.id("LKO"), u.Token, nil))
	})
	t.Run("the refresh token", func(t *testing.T) {
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.Refresh}))
	})
	t.Run("a new login, with the answer of a wrong password", func(t *testing.T) {
		p := wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}))
		pw := wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "a-wrong-password"}))
		if p.Detail != pw.Detail {
			t.Errorf("deactivated login detail %q, wrong password detail %q; want the same", p.Detail, pw.Detail)
		}
	})
}

// routeParam matches a gin path parameter.
var routeParam = regexp.MustCompile(`:[A-Za-z_][A-Za-z0-9_]*`)

func TestEveryAPIRouteNeedsAToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	public := map[string]bool{
		"POST /api/v1/auth/login": true, "POST /api/v1/auth/refresh": true, "POST /api/v1/auth/logout": true,
		"GET /api/v1/openapi.json": true,
		// The second step of a login presents its challenge, not a token.
		"POST /api/v1/auth/login/second-factor": true, "POST /api/v1/auth/login/enrol": true,
		// The public intake (issue 11): anyone reports an incident and tracks it.
		"POST /api/v1/public/incident-reports": true, "GET /api/v1/public/incident-reports/:tracking_code": true,
		"GET /api/v1/public/districts": true,
	}
	checked := 0
	for _, r := range s.Routes() {
		key := r.Method + " " + r.Path
		if !strings.HasPrefix(r.Path, "/api/v1/") || public[key] {
			continue
		}
		checked++
		path := routeParam.ReplaceAllString(r.Path, s.fx.id("LKOW-1"))
		t.Run(key, func(t *testing.T) {
			for _, tok := range []string{"", "not-a-token"} {
				wantUnauthenticated(t, s.do(t, r.Method, path, tok, nil))
			}
		})
	}
	if checked < 9 {
		t.Fatalf("checked %d routes; the router lists fewer API routes than it has", checked)
	}
}

func TestRefreshOneTokenConcurrently(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("UP"))
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.Refresh}).Code
		}()
	}
	wg.Wait()
	won := 0
	for _, st := range statuses {
		switch st {
		case http.StatusOK:
			won++
		case http.StatusUnauthorized:
		default:
			t.Errorf("a concurrent refresh answered %d, want 200 or 401", st)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent refreshes of one token won, want exactly 1 (statuses %v)", won, n, statuses)
	}
}
