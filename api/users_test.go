package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
)

// newAccount is the body of POST /api/v1/users.
func newAccount(username, role, scope string) map[string]any {
	b := map[string]any{"username": username, "password": testPassword, "role": role}
	if scope != "" {
		b["scope_unit_id"] = scope
	}
	return b
}

// usernames lists the usernames of a page of accounts, sorted.
func usernames(items []accountJSON) []string {
	out := make([]string, 0, len(items))
	for _, a := range items {
		out = append(out, a.Username)
	}
	slices.Sort(out)
	return out
}

func (s *testServer) countAccounts(t *testing.T) int64 {
	t.Helper()
	n, err := s.users.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))

	t.Run("201 with the account and its scope", func(t *testing.T) {
		rec := s.do(t, http.MethodPost, "/api/v1/users", dc.Token, newAccount(" Ramesh.Kumar ", "booth_worker", s.fx.id("LKOW-2")))
		wantStatus(t, rec, http.StatusCreated)
		raw := rawFields(t, rec)
		var keys []string
		for k := range raw {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		wantKeys := []string{"active", "created_at", "id", "person_id", "role", "scope", "scope_unit_id", "updated_at", "username", "version"}
		if diff := cmp.Diff(wantKeys, keys); diff != "" {
			t.Errorf("account fields (-want +got):\n%s", diff)
		}
		wantJSONString(t, raw, "id", "scope_unit_id")
		got := decode[accountJSON](t, rec)
		want := accountJSON{ID: got.ID, Username: "ramesh.kumar", Role: "booth_worker", ScopeUnitID: ptr(s.fx.id("LKOW-2")),
			Scope:  &unitRef{ID: s.fx.id("LKOW-2"), Level: "booth", Code: s.fx.code("LKOW-2"), Name: "Girls Inter College Room 2", NameHi: "बालिका इंटर कॉलेज कक्ष 2"},
			Active: true, CreatedAt: s.clock.Now(), UpdatedAt: s.clock.Now()}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("created account (-want +got):\n%s", diff)
		}
		if strings.Contains(strings.ToLower(rec.Body.String()), "password") || strings.Contains(rec.Body.String(), "$2a$") {
			t.Errorf("the answer carries the password or its hash: %s", rec.Body)
		}
		again := s.do(t, http.MethodGet, "/api/v1/users/"+got.ID, dc.Token, nil)
		wantStatus(t, again, http.StatusOK)
		if diff := cmp.Diff(got, decode[accountJSON](t, again)); diff != "" {
			t.Errorf("GET after POST (-post +get):\n%s", diff)
		}
		ses := s.loginSession(t, "ramesh.kumar", testPassword)
		if ses.User.ID != got.ID || ses.User.Role != "booth_worker" {
			t.Errorf("the new account logs in as %+v", ses.User)
		}
	})

	t.Run("403 naming role when an admin makes another admin", func(t *testing.T) {
		p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/users", s.admin.Token, newAccount("second-admin", "admin", "")), http.StatusForbidden)
		if diff := cmp.Diff([]string{"role"}, problemFields(p)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
	})

	before := s.countAccounts(t)
	const post, path = http.MethodPost, "/api/v1/users"
	tokens := map[string]string{"admin": s.admin.Token, "dc": dc.Token}
	runCases(t, s, tokens, []apiCase{
		// 409: the username is taken, whatever its case.
		{name: "409 taken username", method: post, path: path, actor: "dc", body: newAccount("ramesh.kumar", "viewer", s.fx.id("LKO")), wantStatus: http.StatusConflict, wantFields: []string{"username"}},
		{name: "409 taken username in capitals", method: post, path: path, actor: "admin", body: newAccount("RAMESH.KUMAR", "viewer", s.fx.id("UP")), wantStatus: http.StatusConflict, wantFields: []string{"username"}},
		{name: "409 an existing account's username", method: post, path: path, actor: "admin", body: newAccount(dc.Username, "viewer", s.fx.id("UP")), wantStatus: http.StatusConflict, wantFields: []string{"username"}},

		// 422: weak or overlong passwords, bad usernames, roles and scopes.
		{name: "422 password under 10 characters", method: post, path: path, actor: "dc", body: map[string]any{"username": "weak-one", "password": "123456789", "role": "viewer", "scope_unit_id": s.fx.id("LKO")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 no password", method: post, path: path, actor: "dc", body: map[string]any{"username": "weak-two", "role": "viewer", "scope_unit_id": s.fx.id("LKO")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 password over 72 bytes", method: post, path: path, actor: "dc", body: map[string]any{"username": "weak-three", "password": strings.Repeat("पासवर्ड", 4), "role": "viewer", "scope_unit_id": s.fx.id("LKO")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 username with a space", method: post, path: path, actor: "dc", body: newAccount("ram lal", "viewer", s.fx.id("LKO")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"username"}},
		{name: "422 username of two letters", method: post, path: path, actor: "dc", body: newAccount("rl", "viewer", s.fx.id("LKO")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"username"}},
		{name: "422 unknown role", method: post, path: path, actor: "dc", body: newAccount("role-less", "organiser", s.fx.id("LKO")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"role"}},
		{name: "422 role not a string", method: post, path: path, actor: "dc", body: `{"username":"role-num","password":"booth-level-organisation-2024","role":3,"scope_unit_id":"1"}`, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"role"}},
		{name: "422 scope not an id", method: post, path: path, actor: "dc", body: newAccount("scope-word", "viewer", "lucknow"), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 no scope", method: post, path: path, actor: "admin", body: newAccount("scope-none", "viewer", ""), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 booth worker of an assembly", method: post, path: path, actor: "admin", body: newAccount("level-one", "booth_worker", s.fx.id("LKOW")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator of a booth", method: post, path: path, actor: "admin", body: newAccount("level-two", "district_coordinator", s.fx.id("LKOW-1")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 coordinator of a Lok Sabha seat", method: post, path: path, actor: "admin", body: newAccount("level-three", "district_coordinator", s.fx.id("PC")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 state office of a district", method: post, path: path, actor: "admin", body: newAccount("level-four", "state_office", s.fx.id("LKO")), wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},

		// 400: not JSON.
		{name: "400 malformed JSON", method: post, path: path, actor: "dc", body: `{"username":`, wantStatus: http.StatusBadRequest},
	})
	if after := s.countAccounts(t); after != before {
		t.Errorf("%d accounts after refused creates, want %d", after, before)
	}
}

func TestListUsers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dcA := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	mk := func(name, role, scope string) accountJSON {
		t.Helper()
		rec := s.do(t, http.MethodPost, "/api/v1/users", s.admin.Token, newAccount(name, role, scope))
		wantStatus(t, rec, http.StatusCreated)
		return decode[accountJSON](t, rec)
	}
	mk("ramesh", "booth_worker", fx.id("LKOW-1"))
	mk("ramlal", "booth_worker", fx.id("AGRC-1"))
	sita := mk("sita", "viewer", fx.id("LKOC"))
	mk("gita", "district_coordinator", fx.id("AGR"))
	mk("mohan", "state_office", fx.id("UP"))
	mk("hari_1", "viewer", fx.id("LKO"))
	mk("harix1", "viewer", fx.id("AGRC-2"))
	wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/users/"+sita.ID, s.admin.Token, nil), http.StatusNoContent)

	// list walks every page of path as token with the given page size and returns the usernames.
	list := func(t *testing.T, token, path string) []string {
		t.Helper()
		var got []string
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next := path
		for i := 0; ; i++ {
			if i > 50 {
				t.Fatalf("%s: more than 50 pages", path)
			}
			rec := s.do(t, http.MethodGet, next, token, nil)
			wantStatus(t, rec, http.StatusOK)
			l := decode[accountList](t, rec)
			for _, a := range l.Items {
				if slices.Contains(got, a.Username) {
					t.Fatalf("%s lists %s twice", path, a.Username)
				}
				got = append(got, a.Username)
			}
			if l.NextCursor == nil {
				break
			}
			next = path + sep + "cursor=" + *l.NextCursor
		}
		slices.Sort(got)
		return got
	}
	sorted := func(names ...string) []string { slices.Sort(names); return names }
	everyone := sorted(s.admin.Username, dcA.Username, "ramesh", "ramlal", "sita", "gita", "mohan", "hari_1", "harix1")
	inA := sorted(dcA.Username, "ramesh", "sita", "hari_1")

	for _, tc := range []struct {
		name, token, path string
		want              []string
	}{
		{"admin, everyone", s.admin.Token, "/api/v1/users", everyone},
		{"admin, pages of one", s.admin.Token, "/api/v1/users?limit=1", everyone},
		{"admin, pages of three", s.admin.Token, "/api/v1/users?limit=3", everyone},
		{"role", s.admin.Token, "/api/v1/users?role=booth_worker", sorted("ramesh", "ramlal")},
		{"inactive", s.admin.Token, "/api/v1/users?active=false", sorted("sita")},
		{"active", s.admin.Token, "/api/v1/users?active=true&role=viewer", sorted("hari_1", "harix1")},
		{"q, part of the username in any case", s.admin.Token, "/api/v1/users?q=RAM", sorted("ramesh", "ramlal")},
		{"q with a LIKE wildcard taken literally", s.admin.Token, "/api/v1/users?q=i_1", sorted("hari_1")},
		{"q with a percent sign", s.admin.Token, "/api/v1/users?q=h%25i", sorted()},
		{"q matching nobody", s.admin.Token, "/api/v1/users?q=zzz", sorted()},
		{"under district A", s.admin.Token, "/api/v1/users?under=" + fx.id("LKO"), inA},
		{"under district B", s.admin.Token, "/api/v1/users?under=" + fx.id("AGR"), sorted("ramlal", "gita", "harix1")},
		{"under a booth", s.admin.Token, "/api/v1/users?under=" + fx.id("LKOW-1"), sorted("ramesh")},
		{"under the state", s.admin.Token, "/api/v1/users?under=" + fx.id("UP"), sorted(dcA.Username, "ramesh", "ramlal", "sita", "gita", "mohan", "hari_1", "harix1")},
		{"filters together", s.admin.Token, "/api/v1/users?under=" + fx.id("UP") + "&role=booth_worker&q=ramesh&active=true", sorted("ramesh")},
		{"coordinator of A sees only A", dcA.Token, "/api/v1/users", inA},
		{"coordinator of A, pages of one", dcA.Token, "/api/v1/users?limit=1", inA},
		{"coordinator of A, role above it", dcA.Token, "/api/v1/users?role=state_office", sorted()},
		{"coordinator of A, q reaching B", dcA.Token, "/api/v1/users?q=ramlal", sorted()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, list(t, tc.token, tc.path)); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tc.path, diff)
			}
		})
	}

	t.Run("items carry the full account", func(t *testing.T) {
		l := decode[accountList](t, s.do(t, http.MethodGet, "/api/v1/users?q=sita", s.admin.Token, nil))
		if len(l.Items) != 1 {
			t.Fatalf("items %+v", l.Items)
		}
		want := sita
		want.Active = false
		want.UpdatedAt = s.clock.Now()
		if diff := cmp.Diff(want, l.Items[0]); diff != "" {
			t.Errorf("listed account (-want +got):\n%s", diff)
		}
	})

	tokens := map[string]string{"admin": s.admin.Token, "dcA": dcA.Token}
	const get = http.MethodGet
	runCases(t, s, tokens, []apiCase{
		{name: "404 coordinator under district B", method: get, path: "/api/v1/users?under=" + fx.id("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 coordinator under the state", method: get, path: "/api/v1/users?under=" + fx.id("UP"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 under no such unit", method: get, path: "/api/v1/users?under=987654", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "422 unknown role", method: get, path: "/api/v1/users?role=organiser", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"role"}},
		{name: "422 active not a boolean", method: get, path: "/api/v1/users?active=maybe", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"active"}},
		{name: "422 under not an id", method: get, path: "/api/v1/users?under=lucknow", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"under"}},
		{name: "422 limit 0", method: get, path: "/api/v1/users?limit=0", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 limit 501", method: get, path: "/api/v1/users?limit=501", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 a cursor this server did not issue", method: get, path: "/api/v1/users?cursor=!!", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"cursor"}},
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	otherDC := s.mkAccount(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	state := s.mkAccount(t, models.RoleStateOffice, fx.id("UP"))
	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-2"))
	patch := func(t *testing.T, token, id string, body any) *httptest.ResponseRecorder {
		t.Helper()
		return s.do(t, http.MethodPatch, "/api/v1/users/"+id, token, body)
	}

	t.Run("200 role and scope, each checked against the other", func(t *testing.T) {
		s.clock.Advance(time.Minute)
		rec := patch(t, dc.Token, worker.ID, map[string]any{"role": "viewer"})
		wantStatus(t, rec, http.StatusOK)
		got := decode[accountJSON](t, rec)
		if got.Role != "viewer" || *got.ScopeUnitID != fx.id("LKOW-2") || !got.UpdatedAt.Equal(s.clock.Now()) || got.Scope == nil || got.Scope.Code != fx.code("LKOW-2") {
			t.Errorf("after the role change: %+v", got)
		}
		rec = patch(t, dc.Token, worker.ID, map[string]any{"scope_unit_id": fx.id("LKOC")})
		wantStatus(t, rec, http.StatusOK)
		if got := decode[accountJSON](t, rec); *got.ScopeUnitID != fx.id("LKOC") || got.Scope.Code != fx.code("LKOC") {
			t.Errorf("after the scope change: %+v", got)
		}
		// A booth worker's scope is a booth: the role alone cannot go back while the scope is an assembly.
		p := wantProblem(t, patch(t, dc.Token, worker.ID, map[string]any{"role": "booth_worker"}), http.StatusUnprocessableEntity)
		if diff := cmp.Diff([]string{"scope_unit_id"}, problemFields(p)); diff != "" {
			t.Errorf("fields (-want +got):\n%s", diff)
		}
		rec = patch(t, dc.Token, worker.ID, map[string]any{"role": "booth_worker", "scope_unit_id": fx.id("LKOW-2")})
		wantStatus(t, rec, http.StatusOK)
		if got := decode[accountJSON](t, rec); got.Role != "booth_worker" || *got.ScopeUnitID != fx.id("LKOW-2") {
			t.Errorf("after role and scope together: %+v", got)
		}
		// A role or scope change ends the account's sessions: the old access token is refused,
		// and a new login acts as a booth worker of LKOW-2.
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-2"), worker.Token, nil))
		worker.Token = s.login(t, worker.Username, testPassword)
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-2"), worker.Token, nil), http.StatusOK)
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOC"), worker.Token, nil), http.StatusNotFound)
	})

	tokens := map[string]string{"dc": dc.Token, "worker": worker.Token, "admin": s.admin.Token}
	runCases(t, s, tokens, []apiCase{
		// 403: roles not below the actor's, before or after; one's own role, scope and active flag.
		{name: "403 coordinator promotes a worker to coordinator", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "dc", body: map[string]any{"role": "district_coordinator", "scope_unit_id": fx.id("LKO")}, wantStatus: http.StatusForbidden, wantFields: []string{"role"}},
		{name: "403 coordinator changes another coordinator of A", method: http.MethodPatch, path: "/api/v1/users/" + otherDC, actor: "dc", body: map[string]any{"role": "viewer"}, wantStatus: http.StatusForbidden},
		{name: "403 coordinator deactivates another coordinator of A", method: http.MethodDelete, path: "/api/v1/users/" + otherDC, actor: "dc", wantStatus: http.StatusForbidden},
		{name: "403 coordinator changes own role", method: http.MethodPatch, path: "/api/v1/users/" + dc.ID, actor: "dc", body: map[string]any{"role": "viewer"}, wantStatus: http.StatusForbidden},
		{name: "403 coordinator changes own scope", method: http.MethodPatch, path: "/api/v1/users/" + dc.ID, actor: "dc", body: map[string]any{"scope_unit_id": fx.id("AGR")}, wantStatus: http.StatusForbidden},
		{name: "403 coordinator deactivates itself by PATCH", method: http.MethodPatch, path: "/api/v1/users/" + dc.ID, actor: "dc", body: map[string]any{"active": false}, wantStatus: http.StatusForbidden},
		{name: "403 coordinator deactivates itself by DELETE", method: http.MethodDelete, path: "/api/v1/users/" + dc.ID, actor: "dc", wantStatus: http.StatusForbidden},
		{name: "403 admin deactivates itself", method: http.MethodDelete, path: "/api/v1/users/" + s.admin.ID, actor: "admin", wantStatus: http.StatusForbidden},
		{name: "403 admin changes own role", method: http.MethodPatch, path: "/api/v1/users/" + s.admin.ID, actor: "admin", body: map[string]any{"role": "viewer"}, wantStatus: http.StatusForbidden},
		{name: "403 worker sets own password and role", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "worker", body: map[string]any{"password": "a-new-password-1", "role": "viewer"}, wantStatus: http.StatusForbidden},

		// 404: outside the scope, or no such account.
		{name: "404 coordinator changes the state office", method: http.MethodPatch, path: "/api/v1/users/" + state, actor: "dc", body: map[string]any{"active": false}, wantStatus: http.StatusNotFound},
		{name: "404 coordinator changes the admin", method: http.MethodPatch, path: "/api/v1/users/" + s.admin.ID, actor: "dc", body: map[string]any{"active": false}, wantStatus: http.StatusNotFound},
		{name: "404 no such account", method: http.MethodPatch, path: "/api/v1/users/987654", actor: "admin", body: map[string]any{"active": false}, wantStatus: http.StatusNotFound},
		{name: "404 an id that cannot exist", method: http.MethodPatch, path: "/api/v1/users/abc", actor: "admin", body: map[string]any{"active": false}, wantStatus: http.StatusNotFound},

		// 422: bad values.
		{name: "422 scope moved into district B", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "dc", body: map[string]any{"scope_unit_id": fx.id("AGRC-1")}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"scope_unit_id"}},
		{name: "422 unknown role", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "dc", body: map[string]any{"role": "organiser"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"role"}},
		{name: "422 weak password", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "dc", body: map[string]any{"password": "short"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 own weak password", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "worker", body: map[string]any{"password": "short", "current_password": testPassword}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"password"}},
		{name: "422 own password without the current one", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "worker", body: map[string]any{"password": "a-fine-new-password"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"current_password"}},
		{name: "422 active not a boolean", method: http.MethodPatch, path: "/api/v1/users/" + worker.ID, actor: "dc", body: map[string]any{"active": "no"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"active"}},
	})

	t.Run("the refused changes changed nothing", func(t *testing.T) {
		for _, id := range []string{worker.ID, otherDC, dc.ID, state} {
			got := decode[accountJSON](t, s.do(t, http.MethodGet, "/api/v1/users/"+id, s.admin.Token, nil))
			if !got.Active {
				t.Errorf("account %s (%s) was deactivated", id, got.Username)
			}
		}
		if got := decode[accountJSON](t, s.do(t, http.MethodGet, "/api/v1/users/"+worker.ID, s.admin.Token, nil)); got.Role != "booth_worker" {
			t.Errorf("worker's role is %s", got.Role)
		}
		s.login(t, worker.Username, testPassword)
	})

	t.Run("a password change ends the account's refresh sessions", func(t *testing.T) {
		ses := s.loginSession(t, worker.Username, testPassword)
		wantStatus(t, patch(t, dc.Token, worker.ID, map[string]any{"password": "set-by-the-coordinator"}), http.StatusOK)
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ses.RefreshToken}))
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": worker.Username, "password": testPassword}))
		ses = s.loginSession(t, worker.Username, "set-by-the-coordinator")

		// One's own password: with nothing else in the body, any role may change it.
		// Without the current password it is refused.
		wantStatus(t, patch(t, ses.AccessToken, worker.ID, map[string]any{"password": "chosen-by-the-worker"}), http.StatusUnprocessableEntity)
		wantStatus(t, patch(t, ses.AccessToken, worker.ID, map[string]any{"password": "chosen-by-the-worker", "current_password": "not-the-password"}), http.StatusUnprocessableEntity)
		wantStatus(t, patch(t, ses.AccessToken, worker.ID, map[string]any{"password": "chosen-by-the-worker", "current_password": "set-by-the-coordinator"}), http.StatusOK)
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": ses.RefreshToken}))
		// The access token in hand ends with its session (issue 13).
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", ses.AccessToken, nil))
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": worker.Username, "password": "set-by-the-coordinator"}))
		s.login(t, worker.Username, "chosen-by-the-worker")
	})
}

func TestDeactivateUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	u := s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1"))
	apiToken := s.mkAPIToken(t, u.Token, "field app").Token
	for _, tok := range []string{u.Token, apiToken} {
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", tok, nil), http.StatusOK)
	}

	rec := s.do(t, http.MethodDelete, "/api/v1/users/"+u.ID, dc.Token, nil)
	wantStatus(t, rec, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("204 with a body: %s", rec.Body)
	}

	t.Run("every credential is refused at once", func(t *testing.T) {
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", u.Token, nil))
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/units/"+s.fx.id("LKOW-1"), u.Token, nil))
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", apiToken, nil))
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.Refresh}))
		p := wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": testPassword}))
		pw := wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": "a-wrong-password"}))
		if p.Detail != pw.Detail {
			t.Errorf("login of a deactivated account says %q, a wrong password %q; want the same", p.Detail, pw.Detail)
		}
	})

	t.Run("the account stays, inactive", func(t *testing.T) {
		got := decode[accountJSON](t, s.do(t, http.MethodGet, "/api/v1/users/"+u.ID, dc.Token, nil))
		if got.Active || got.Username != u.Username {
			t.Errorf("after DELETE: %+v", got)
		}
		l := decode[accountList](t, s.do(t, http.MethodGet, "/api/v1/users?active=false", dc.Token, nil))
		if diff := cmp.Diff([]string{u.Username}, usernames(l.Items)); diff != "" {
			t.Errorf("inactive accounts (-want +got):\n%s", diff)
		}
	})

	t.Run("PATCH active:true lets the account log in again; old credentials stay dead", func(t *testing.T) {
		rec := s.do(t, http.MethodPatch, "/api/v1/users/"+u.ID, dc.Token, map[string]any{"active": true})
		wantStatus(t, rec, http.StatusOK)
		if !decode[accountJSON](t, rec).Active {
			t.Errorf("after re-activation: %s", rec.Body)
		}
		fresh := s.login(t, u.Username, testPassword)
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units/"+s.fx.id("LKOW-1"), fresh, nil), http.StatusOK)
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", apiToken, nil))
		wantUnauthenticated(t, s.do(t, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": u.Refresh}))
	})

	t.Run("PATCH active:false is a deactivation too", func(t *testing.T) {
		tok := s.login(t, u.Username, testPassword)
		wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/users/"+u.ID, dc.Token, map[string]any{"active": false}), http.StatusOK)
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", tok, nil))
	})
}

// TestHiddenUserReadsAsMissing: an account outside the scope answers exactly as an id that
// does not exist, so a coordinator cannot probe which ids are taken.
func TestHiddenUserReadsAsMissing(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	hidden := s.mkAccount(t, models.RoleBoothWorker, s.fx.id("AGRC-1"))
	for _, tc := range []struct {
		method string
		body   any
	}{
		{http.MethodGet, nil},
		{http.MethodPatch, map[string]any{"active": true}},
		{http.MethodDelete, nil},
	} {
		t.Run(tc.method, func(t *testing.T) {
			h := wantProblem(t, s.do(t, tc.method, "/api/v1/users/"+hidden, dc.Token, tc.body), http.StatusNotFound)
			m := wantProblem(t, s.do(t, tc.method, "/api/v1/users/987654", dc.Token, tc.body), http.StatusNotFound)
			h.Instance, m.Instance = "", ""
			if diff := cmp.Diff(m, h); diff != "" {
				t.Errorf("hidden vs missing account (-missing +hidden):\n%s", diff)
			}
		})
	}
	// And nothing was changed.
	got := decode[accountJSON](t, s.do(t, http.MethodGet, "/api/v1/users/"+hidden, s.admin.Token, nil))
	if !got.Active {
		t.Errorf("the hidden account was deactivated: %+v", got)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(s.do(t, http.MethodGet, "/api/v1/users/"+hidden, s.admin.Token, nil).Body.Bytes(), &raw)
	if _, ok := raw["password_hash"]; ok {
		t.Error("the account answer carries password_hash")
	}
}
