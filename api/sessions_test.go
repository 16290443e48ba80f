package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
)

type sessionListJSON struct {
	Items []struct {
		ID      string `json:"id"`
		Device  string `json:"device"`
		Current bool   `json:"current"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// TestSessionsOverHTTP: the own list holds only the caller's open sessions with the current one
// marked; another user's session id answers 404; logout and "log out everywhere" refuse the
// access tokens already issued at once; a wrong password is audited without the password.
func TestSessionsOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	other := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	second := s.loginSession(t, u.Username, testPassword)
	theirSid, theirToken := s.sessionOf(t, other.Username)

	list := decode[sessionListJSON](t, s.do(t, http.MethodGet, "/api/v1/me/sessions", u.Token, nil))
	if len(list.Items) != 2 || !list.Items[1].Current || list.Items[0].Current {
		t.Fatalf("sessions %+v, want the two of %s, the older one current", list.Items, u.Username)
	}
	for _, it := range list.Items {
		if it.ID == theirSid {
			t.Errorf("another user's session %s in the list", theirSid)
		}
	}
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/me/sessions/"+theirSid, u.Token, nil), http.StatusNotFound)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", theirToken, nil), http.StatusOK)

	// Logout refuses that login's access token at once, and only that one.
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/auth/logout", "", map[string]string{"refresh_token": second.RefreshToken}), http.StatusNoContent)
	wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", second.AccessToken, nil))
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil), http.StatusOK)

	// Log out everywhere: 204, every session of the caller refused, the cookie cleared.
	third := s.login(t, u.Username, testPassword)
	rec := s.do(t, http.MethodDelete, "/api/v1/me/sessions", u.Token, nil)
	wantStatus(t, rec, http.StatusNoContent)
	if c := rec.Header().Values("Set-Cookie"); len(c) != 2 || !strings.Contains(c[0], "Max-Age=0") {
		t.Errorf("Set-Cookie %q, want both cookies cleared", c)
	}
	for _, tok := range []string{u.Token, third} {
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", tok, nil))
	}
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", theirToken, nil), http.StatusOK)

	mark := s.auditMark(t)
	wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "Never-Stored-Secret"}))
	rows := s.securitySince(t, mark)
	if len(rows) != 1 || rows[0].Action != "login_failed" || rows[0].RequestID == "" {
		t.Fatalf("rows %+v, want one login_failed with the request id", rows)
	}
	if rows[0].After == nil || strings.Contains(*rows[0].After, "Never-Stored-Secret") || !strings.Contains(*rows[0].After, u.Username) {
		t.Errorf("after = %v: want the username and never the password", rows[0].After)
	}
}
