package api

import (
	"database/sql"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func TestCreateAPIToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	now := s.clock.Now()

	t.Run("201 with the secret, shown only this once", func(t *testing.T) {
		rec := s.do(t, http.MethodPost, "/api/v1/tokens", dc.Token, map[string]any{"name": "  Census sync  ", "expires_in_days": 30})
		wantStatus(t, rec, http.StatusCreated)
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", cc)
		}
		raw := rawFields(t, rec)
		wantJSONString(t, raw, "id", "token")
		for _, k := range []string{"id", "name", "token", "expires_at"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("answer lacks %q: %s", k, rec.Body)
			}
		}
		got := decode[tokenJSON](t, rec)
		if !strings.HasPrefix(got.Token, "sgt_") || len(got.Token) < 40 {
			t.Errorf("token = %q, want sgt_ and a long secret", got.Token)
		}
		want := tokenJSON{ID: got.ID, Name: "Census sync", Token: got.Token, ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedAt: now}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("created token (-want +got):\n%s", diff)
		}

		list := s.do(t, http.MethodGet, "/api/v1/tokens", dc.Token, nil)
		wantStatus(t, list, http.StatusOK)
		if strings.Contains(list.Body.String(), got.Token) || strings.Contains(list.Body.String(), `"token"`) {
			t.Errorf("GET /tokens shows the secret: %s", list.Body)
		}
		l := decode[tokenList](t, list)
		want.Token = ""
		if diff := cmp.Diff([]tokenJSON{want}, l.Items); diff != "" {
			t.Errorf("listed tokens (-want +got):\n%s", diff)
		}
	})

	t.Run("expires_in_days: 0 or absent means 90, 1 and 365 are the bounds", func(t *testing.T) {
		for _, tc := range []struct {
			body map[string]any
			days int
		}{
			{map[string]any{"name": "default"}, 90},
			{map[string]any{"name": "zero", "expires_in_days": 0}, 90},
			{map[string]any{"name": "null", "expires_in_days": nil}, 90},
			{map[string]any{"name": "one", "expires_in_days": 1}, 1},
			{map[string]any{"name": "a year", "expires_in_days": 365}, 365},
		} {
			rec := s.do(t, http.MethodPost, "/api/v1/tokens", dc.Token, tc.body)
			wantStatus(t, rec, http.StatusCreated)
			if got := decode[tokenJSON](t, rec).ExpiresAt; !got.Equal(now.Add(time.Duration(tc.days) * 24 * time.Hour)) {
				t.Errorf("%v: expires_at %v, want %d days on", tc.body, got, tc.days)
			}
		}
	})

	before := len(decode[tokenList](t, s.do(t, http.MethodGet, "/api/v1/tokens?limit=500", dc.Token, nil)).Items)
	const post, path = http.MethodPost, "/api/v1/tokens"
	runCases(t, s, map[string]string{"dc": dc.Token}, []apiCase{
		{name: "422 366 days", method: post, path: path, actor: "dc", body: map[string]any{"name": "long", "expires_in_days": 366}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"expires_in_days"}},
		{name: "422 negative days", method: post, path: path, actor: "dc", body: map[string]any{"name": "past", "expires_in_days": -1}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"expires_in_days"}},
		{name: "422 days not a number", method: post, path: path, actor: "dc", body: map[string]any{"name": "words", "expires_in_days": "ten"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"expires_in_days"}},
		{name: "422 fractional days", method: post, path: path, actor: "dc", body: `{"name": "half", "expires_in_days": 1.5}`, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"expires_in_days"}},
		{name: "422 no name", method: post, path: path, actor: "dc", body: map[string]any{"expires_in_days": 10}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 blank name", method: post, path: path, actor: "dc", body: map[string]any{"name": "   "}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 name of 101 characters", method: post, path: path, actor: "dc", body: map[string]any{"name": strings.Repeat("क", 101)}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 name with a control character", method: post, path: path, actor: "dc", body: map[string]any{"name": "line\nbreak"}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name"}},
		{name: "422 name and days both wrong", method: post, path: path, actor: "dc", body: map[string]any{"name": "", "expires_in_days": 400}, wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"name", "expires_in_days"}},
		{name: "400 malformed JSON", method: post, path: path, actor: "dc", body: `{"name":`, wantStatus: http.StatusBadRequest},
		{name: "201 name of 100 Devanagari characters", method: post, path: path, actor: "dc", body: map[string]any{"name": strings.Repeat("क", 100)}, wantStatus: http.StatusCreated},
	})
	if after := len(decode[tokenList](t, s.do(t, http.MethodGet, "/api/v1/tokens?limit=500", dc.Token, nil)).Items); after != before+1 {
		t.Errorf("%d tokens after the table, want %d (only the 201 row)", after, before+1)
	}
}

func TestAPITokenActsAsItsOwner(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	worker := s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1"))
	dcTok := s.mkAPIToken(t, dc.Token, "district sync").Token
	workerTok := s.mkAPIToken(t, worker.Token, "booth app").Token

	t.Run("GET /me is the owner", func(t *testing.T) {
		rec := s.do(t, http.MethodGet, "/api/v1/me", dcTok, nil)
		wantStatus(t, rec, http.StatusOK)
		if got := decode[userJSON](t, rec); got.ID != dc.ID || got.Role != "district_coordinator" || *got.ScopeUnitID != s.fx.id("LKO") {
			t.Errorf("the token acts as %+v, want %s", got, dc.Username)
		}
	})

	unit := func(key string) string { return "/api/v1/units/" + s.fx.id(key) }
	runCases(t, s, map[string]string{"dc": dcTok, "worker": workerTok}, []apiCase{
		{name: "200 coordinator's token reads district A", method: http.MethodGet, path: unit("LKO"), actor: "dc", wantStatus: http.StatusOK},
		{name: "201 coordinator's token writes in A", method: http.MethodPost, path: "/api/v1/units", actor: "dc", body: map[string]any{"level": "booth", "parent_id": s.fx.id("LKOW"), "code": "TOKEN-BOOTH-1", "name": "Made with a token"}, wantStatus: http.StatusCreated},
		{name: "200 coordinator's token reads the audit log", method: http.MethodGet, path: "/api/v1/audit", actor: "dc", wantStatus: http.StatusOK},
		{name: "404 coordinator's token outside A", method: http.MethodGet, path: unit("AGR"), actor: "dc", wantStatus: http.StatusNotFound},
		{name: "404 coordinator's token PATCH outside A", method: http.MethodPatch, path: unit("AGRC-1"), actor: "dc", body: map[string]any{"name": "x"}, wantStatus: http.StatusNotFound},
		{name: "404 coordinator's token exports outside A", method: http.MethodGet, path: "/api/v1/exports/units.csv?under=" + s.fx.id("AGR"), actor: "dc", wantStatus: http.StatusNotFound},
		{name: "200 worker's token reads its booth", method: http.MethodGet, path: unit("LKOW-1"), actor: "worker", wantStatus: http.StatusOK},
		{name: "404 worker's token reads the next booth", method: http.MethodGet, path: unit("LKOW-2"), actor: "worker", wantStatus: http.StatusNotFound},
		{name: "403 worker's token writes", method: http.MethodPatch, path: unit("LKOW-1"), actor: "worker", body: map[string]any{"name": "x"}, wantStatus: http.StatusForbidden},
		{name: "403 worker's token lists users", method: http.MethodGet, path: "/api/v1/users", actor: "worker", wantStatus: http.StatusForbidden},
		{name: "403 worker's token reads the audit log", method: http.MethodGet, path: "/api/v1/audit", actor: "worker", wantStatus: http.StatusForbidden},
	})

	t.Run("a role change of the owner holds for its token at once", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/users/"+worker.ID, s.admin.Token, map[string]any{"role": "viewer", "scope_unit_id": s.fx.id("AGR")}), http.StatusOK)
		wantStatus(t, s.do(t, http.MethodGet, unit("AGRC-2"), workerTok, nil), http.StatusOK)
		wantProblem(t, s.do(t, http.MethodGet, unit("LKOW-1"), workerTok, nil), http.StatusNotFound)
	})

	t.Run("a token that was never issued, or tampered with, is 401", func(t *testing.T) {
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", "sgt_never-issued", nil))
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", dcTok[:len(dcTok)-1], nil))
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", strings.TrimPrefix(dcTok, "sgt_"), nil))
	})
}

func TestAPITokenLastUsed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	tok := s.mkAPIToken(t, u.Token, "dashboard")
	lastUsed := func(t *testing.T) *time.Time {
		t.Helper()
		rec := s.do(t, http.MethodGet, "/api/v1/tokens", s.login(t, u.Username, u.Password), nil)
		wantStatus(t, rec, http.StatusOK)
		l := decode[tokenList](t, rec)
		if len(l.Items) != 1 {
			t.Fatalf("tokens %+v", l.Items)
		}
		return l.Items[0].LastUsedAt
	}
	if got := lastUsed(t); got != nil {
		t.Fatalf("last_used_at = %v before any use, want null", got)
	}
	s.clock.Advance(time.Hour)
	first := s.clock.Now()
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units", tok.Token, nil), http.StatusOK)
	if got := lastUsed(t); got == nil || !got.Equal(first) {
		t.Fatalf("last_used_at = %v after a use, want %v", got, first)
	}
	s.clock.Advance(10 * time.Second)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units", tok.Token, nil), http.StatusOK)
	if got := lastUsed(t); got == nil || !got.Equal(first) {
		t.Errorf("last_used_at = %v after a use 10 s later, want it left at %v (written at most once a minute)", got, first)
	}
	s.clock.Advance(time.Minute)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/units", tok.Token, nil), http.StatusOK)
	if got := lastUsed(t); got == nil || !got.Equal(s.clock.Now()) {
		t.Errorf("last_used_at = %v a minute later, want %v", got, s.clock.Now())
	}
}

func TestAPITokenExpires(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	rec := s.do(t, http.MethodPost, "/api/v1/tokens", u.Token, map[string]any{"name": "short-lived", "expires_in_days": 2})
	wantStatus(t, rec, http.StatusCreated)
	tok := decode[tokenJSON](t, rec)
	def := s.mkAPIToken(t, u.Token, "default lifetime")

	s.clock.Advance(2*24*time.Hour - time.Second)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", tok.Token, nil), http.StatusOK)
	s.clock.Advance(time.Second)
	wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", tok.Token, nil))

	s.clock.Advance(time.Duration(services.DefaultTokenDays-2)*24*time.Hour - time.Second)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", def.Token, nil), http.StatusOK)
	s.clock.Advance(time.Second)
	wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", def.Token, nil))
}

func TestRevokeAPIToken(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	other := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("AGR"))
	keep := s.mkAPIToken(t, u.Token, "keep")
	gone := s.mkAPIToken(t, u.Token, "revoke me")
	others := s.mkAPIToken(t, other.Token, "not yours")
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", gone.Token, nil), http.StatusOK)

	runCases(t, s, map[string]string{"u": u.Token, "admin": s.admin.Token, "viaToken": keep.Token}, []apiCase{
		{name: "404 another user's token", method: http.MethodDelete, path: "/api/v1/tokens/" + others.ID, actor: "u", wantStatus: http.StatusNotFound},
		{name: "404 another user's token, even for the admin", method: http.MethodDelete, path: "/api/v1/tokens/" + others.ID, actor: "admin", wantStatus: http.StatusNotFound},
		{name: "404 no such token", method: http.MethodDelete, path: "/api/v1/tokens/987654", actor: "u", wantStatus: http.StatusNotFound},
		{name: "404 an id that cannot exist", method: http.MethodDelete, path: "/api/v1/tokens/abc", actor: "u", wantStatus: http.StatusNotFound},
		{name: "204 own token", method: http.MethodDelete, path: "/api/v1/tokens/" + gone.ID, actor: "u", wantStatus: http.StatusNoContent},
		{name: "204 own token again", method: http.MethodDelete, path: "/api/v1/tokens/" + gone.ID, actor: "u", wantStatus: http.StatusNoContent},
	})

	t.Run("another user's token looks like one that does not exist", func(t *testing.T) {
		h := wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/tokens/"+others.ID, u.Token, nil), http.StatusNotFound)
		m := wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/tokens/987654", u.Token, nil), http.StatusNotFound)
		h.Instance, m.Instance = "", ""
		if diff := cmp.Diff(m, h); diff != "" {
			t.Errorf("other's vs missing token (-missing +other's):\n%s", diff)
		}
	})
	t.Run("the revoked token is refused at once; the others work", func(t *testing.T) {
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", gone.Token, nil))
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", keep.Token, nil), http.StatusOK)
		wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", others.Token, nil), http.StatusOK)
	})
	t.Run("the list shows it revoked, and shows only one's own", func(t *testing.T) {
		l := decode[tokenList](t, s.do(t, http.MethodGet, "/api/v1/tokens", u.Token, nil))
		var names []string
		for _, it := range l.Items {
			names = append(names, it.Name)
			if it.Name == "revoke me" && (it.RevokedAt == nil || !it.RevokedAt.Equal(s.clock.Now())) {
				t.Errorf("revoked token listed with revoked_at %v", it.RevokedAt)
			}
			if it.Name == "keep" && it.RevokedAt != nil {
				t.Errorf("kept token listed with revoked_at %v", it.RevokedAt)
			}
		}
		if diff := cmp.Diff([]string{"revoke me", "keep"}, names); diff != "" {
			t.Errorf("listed tokens, newest first (-want +got):\n%s", diff)
		}
	})
	t.Run("a token may revoke itself", func(t *testing.T) {
		wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/tokens/"+keep.ID, keep.Token, nil), http.StatusNoContent)
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", keep.Token, nil))
	})
}

func TestListAPITokensPages(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	var want []string
	for i := 0; i < 5; i++ {
		want = append([]string{fmt.Sprintf("token %d", i)}, want...) // newest first
		s.mkAPIToken(t, u.Token, fmt.Sprintf("token %d", i))
	}
	s.mkAPIToken(t, s.admin.Token, "the admin's")
	var got []string
	next := "/api/v1/tokens?limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		l := decode[tokenList](t, s.do(t, http.MethodGet, next, u.Token, nil))
		if len(l.Items) > 2 {
			t.Fatalf("a page of %d items with limit=2", len(l.Items))
		}
		for _, it := range l.Items {
			got = append(got, it.Name)
		}
		if l.NextCursor == nil {
			break
		}
		next = "/api/v1/tokens?limit=2&cursor=" + *l.NextCursor
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokens over pages (-want +got):\n%s", diff)
	}
}

func TestAPITokenLimitPerUser(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleViewer, s.fx.id("LKO"))
	var first tokenJSON
	for i := 0; i < services.MaxTokensPerUser; i++ {
		tok := s.mkAPIToken(t, u.Token, fmt.Sprintf("t%d", i))
		if i == 0 {
			first = tok
		}
	}
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/tokens", u.Token, map[string]any{"name": "one too many"}), http.StatusConflict)
	// Another user is not affected; a revoked token frees a place.
	s.mkAPIToken(t, s.admin.Token, "the admin's")
	wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/tokens/"+first.ID, u.Token, nil), http.StatusNoContent)
	s.mkAPIToken(t, u.Token, "in the freed place")
}

// TestAPITokensHashedAtRest: the database holds a hash of each secret, and no column of any
// row holds the secret itself.
func TestAPITokensHashedAtRest(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	u := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	var secrets []string
	for i := 0; i < 3; i++ {
		secrets = append(secrets, s.mkAPIToken(t, u.Token, fmt.Sprintf("t%d", i)).Token)
	}
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/me", secrets[0], nil), http.StatusOK)

	var hashes []string
	if err := s.db.Raw("SELECT token_hash FROM api_tokens ORDER BY id").Scan(&hashes).Error; err != nil {
		t.Fatal(err)
	}
	if len(hashes) != len(secrets) {
		t.Fatalf("%d stored tokens, want %d", len(hashes), len(secrets))
	}
	for i, h := range hashes {
		if h == "" || h == secrets[i] || strings.Contains(h, strings.TrimPrefix(secrets[i], "sgt_")) {
			t.Errorf("token_hash %q for secret %q", h, secrets[i])
		}
	}
	if distinct := slices.Compact(slices.Sorted(slices.Values(hashes))); len(distinct) != len(hashes) {
		t.Errorf("two tokens share a hash: %v", hashes)
	}
	for _, table := range []string{"api_tokens", "audit_log", "users", "refresh_tokens"} {
		for _, cell := range allCells(t, s, table) {
			for _, sec := range secrets {
				if strings.Contains(cell, strings.TrimPrefix(sec, "sgt_")) {
					t.Errorf("table %s holds the secret %s: %q", table, sec, cell)
				}
			}
		}
	}
}

// allCells reads every column of every row of table as text.
func allCells(t *testing.T, s *testServer, table string) []string {
	t.Helper()
	rows, err := s.db.Raw("SELECT * FROM " + table).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		for _, v := range vals {
			if v.Valid {
				out = append(out, v.String)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
