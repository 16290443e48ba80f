package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/sangathan/sangathan/models"
)

// auditRowJSON is an audit row as GET /api/v1/audit answers it.
type auditRowJSON struct {
	ID            string          `json:"id"`
	At            time.Time       `json:"at"`
	ActorID       *string         `json:"actor_id"`
	ActorUsername string          `json:"actor_username"`
	Action        string          `json:"action"`
	Entity        string          `json:"entity"`
	EntityID      string          `json:"entity_id"`
	UnitID        *string         `json:"unit_id"`
	RequestID     string          `json:"request_id"`
	Before        json.RawMessage `json:"before"`
	After         json.RawMessage `json:"after"`
}

type auditList struct {
	Items      []auditRowJSON `json:"items"`
	NextCursor *string        `json:"next_cursor"`
}

// auditKey is what identifies an audit row in the tests: who did what to which object where,
// in which request.
type auditKey struct {
	ActorID, Actor, Action, Entity, EntityID, UnitID, RequestID string
}

func keyOf(e models.AuditEntry) auditKey {
	k := auditKey{Actor: e.ActorUsername, Action: e.Action, Entity: e.Entity, EntityID: e.EntityID, RequestID: e.RequestID}
	if e.ActorID != nil {
		k.ActorID = strconv.FormatInt(*e.ActorID, 10)
	}
	if e.UnitID != nil {
		k.UnitID = strconv.FormatInt(*e.UnitID, 10)
	}
	return k
}

func keysOf(rows []models.AuditEntry) []auditKey {
	out := make([]auditKey, 0, len(rows))
	for _, e := range rows {
		out = append(out, keyOf(e))
	}
	return out
}

// jsonObject decodes a before/after column; nil for SQL NULL.
func jsonObject(t *testing.T, s *string) map[string]any {
	t.Helper()
	if s == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(*s), &m); err != nil {
		t.Fatalf("audit JSON %q: %v", *s, err)
	}
	return m
}

// wantAuditRows checks that exactly the rows want were written after mark, in order.
func (s *testServer) wantAuditRows(t *testing.T, mark int64, want ...auditKey) []models.AuditEntry {
	t.Helper()
	rows := s.auditSince(t, mark)
	if diff := cmp.Diff(want, keysOf(rows), cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("audit rows written (-want +got):\n%s", diff)
	}
	for _, e := range rows {
		if !e.At.Equal(s.clock.Now()) {
			t.Errorf("audit row %d at %v, want the service clock %v", e.ID, e.At, s.clock.Now())
		}
	}
	return rows
}

func TestAuditUnitWrites(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	by := func(reqID string) auditKey {
		return auditKey{ActorID: dc.ID, Actor: dc.Username, Entity: "unit", RequestID: reqID}
	}
	with := func(k auditKey, action, id string) auditKey {
		k.Action, k.EntityID, k.UnitID = action, id, id
		return k
	}

	var boothID string
	t.Run("create: one row with the new unit after", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodPost, "/api/v1/units", dc.Token, "req-unit-create-1",
			map[string]any{"level": "booth", "parent_id": fx.id("LKOW"), "code": "AUD-1", "name": "Audit booth", "name_hi": "लेखा बूथ", "electors": 800})
		wantStatus(t, rec, http.StatusCreated)
		if rec.Header().Get(headerReqID) != "req-unit-create-1" {
			t.Fatalf("X-Request-ID = %q", rec.Header().Get(headerReqID))
		}
		boothID = decode[unitJSON](t, rec).ID
		rows := s.wantAuditRows(t, mark, with(by("req-unit-create-1"), "create", boothID))
		if rows[0].Before != nil {
			t.Errorf("before = %s, want null", *rows[0].Before)
		}
		after := jsonObject(t, rows[0].After)
		for k, v := range map[string]any{"code": "AUD-1", "name": "Audit booth", "name_hi": "लेखा बूथ", "level": "booth", "electors": float64(800)} {
			if after[k] != v {
				t.Errorf("after[%s] = %v, want %v (after %v)", k, after[k], v, after)
			}
		}
	})

	t.Run("update: one row with before and after", func(t *testing.T) {
		mark := s.auditMark(t)
		s.clock.Advance(time.Minute)
		rec := s.do(t, http.MethodPatch, "/api/v1/units/"+boothID, dc.Token, map[string]any{"name": "Renamed booth"})
		wantStatus(t, rec, http.StatusOK)
		rows := s.wantAuditRows(t, mark, with(by(rec.Header().Get(headerReqID)), "update", boothID))
		if rows[0].RequestID == "" {
			t.Error("a server-made request id was not recorded")
		}
		before, after := jsonObject(t, rows[0].Before), jsonObject(t, rows[0].After)
		if before["name"] != "Audit booth" || after["name"] != "Renamed booth" || before["code"] != "AUD-1" || after["code"] != "AUD-1" {
			t.Errorf("before %v, after %v", before, after)
		}
	})

	t.Run("delete: one row with the unit before", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodDelete, "/api/v1/units/"+boothID, dc.Token, "req-unit-delete-1", nil)
		wantStatus(t, rec, http.StatusNoContent)
		rows := s.wantAuditRows(t, mark, with(by("req-unit-delete-1"), "delete", boothID))
		if rows[0].After != nil || jsonObject(t, rows[0].Before)["name"] != "Renamed booth" {
			t.Errorf("delete row before %v after %v", rows[0].Before, rows[0].After)
		}
	})

	// An import writes one row per parent unit (and batch), listing by id, code and line the
	// units it created and updated there.
	importRow := func(reqID, parentID string) auditKey {
		k := by(reqID)
		k.Action, k.UnitID = "import", parentID
		return k
	}
	type listed struct {
		ID   int64  `json:"id"`
		Code string `json:"code"`
		Line int    `json:"line"`
	}
	listing := func(t *testing.T, js *string) map[string][]listed {
		t.Helper()
		var m map[string][]listed
		if js == nil || json.Unmarshal([]byte(*js), &m) != nil {
			t.Fatalf("audit after %v is not a listing", js)
		}
		return m
	}
	t.Run("import: one row per parent unit, listing what was created or updated there", func(t *testing.T) {
		mark := s.auditMark(t)
		body := csvText("level,code,name,parent_code\n" +
			"booth,AUD-CSV-2,CSV booth two,AUD-CSV-S\n" +
			"sector,AUD-CSV-S,CSV sector," + fx.code("LKOW") + "\n" +
			"booth," + fx.code("LKOW-2") + ",Renamed by import," + fx.code("LKOW") + "\n")
		rec := s.doWithRequestID(t, http.MethodPost, "/api/v1/imports/units", dc.Token, "req-import-1", body)
		wantImported(t, rec, 2, 1)
		booth, _ := s.unitByCode(t, "AUD-CSV-2")
		sector, _ := s.unitByCode(t, "AUD-CSV-S")
		rows := s.wantAuditRows(t, mark, importRow("req-import-1", fx.id("LKOW")), importRow("req-import-1", sector.ID))
		want := []map[string][]listed{
			{"created": {{int64(mustAtoi(t, sector.ID)), "AUD-CSV-S", 3}}, "updated": {{int64(mustAtoi(t, fx.id("LKOW-2"))), fx.code("LKOW-2"), 4}}},
			{"created": {{int64(mustAtoi(t, booth.ID)), "AUD-CSV-2", 2}}, "updated": {}},
		}
		for i, r := range rows {
			if r.Before != nil {
				t.Errorf("row %d before = %s, want null", i, *r.Before)
			}
			if d := cmp.Diff(want[i], listing(t, r.After), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("row %d lists (-want +got):\n%s", i, d)
			}
		}
	})

	t.Run("valid_rows: rows only for what was written", func(t *testing.T) {
		mark := s.auditMark(t)
		body := csvText("level,code,name,parent_code\n" +
			"booth,AUD-CSV-3,Good booth," + fx.code("LKOW") + "\n" +
			"booth,AUD-CSV-4,Bad booth," + fx.code("AGRC") + "\n")
		rec := s.doWithRequestID(t, http.MethodPost, "/api/v1/imports/units?mode=valid_rows", dc.Token, "req-import-2", body)
		wantImported(t, rec, 1, 0)
		good, _ := s.unitByCode(t, "AUD-CSV-3")
		rows := s.wantAuditRows(t, mark, importRow("req-import-2", fx.id("LKOW")))
		if d := cmp.Diff(map[string][]listed{"created": {{int64(mustAtoi(t, good.ID)), "AUD-CSV-3", 2}}, "updated": {}}, listing(t, rows[0].After), cmpopts.EquateEmpty()); d != "" {
			t.Errorf("the row lists (-want +got):\n%s", d)
		}
	})

	t.Run("refused and failed writes, and reads, write no rows", func(t *testing.T) {
		viewer := s.mkUser(t, models.RoleViewer, fx.id("LKO"))
		mark := s.auditMark(t) // after the viewer's account row
		failedImport := csvText("level,code,name,parent_code\n" +
			"booth,AUD-CSV-5,Good booth," + fx.code("LKOW") + "\n" +
			"booth," + fx.code("LKOW-1") + ",Renamed," + fx.code("LKOW") + "\n" +
			"booth,AUD-CSV-6,Bad booth,NO-SUCH-PARENT\n")
		runCases(t, s, map[string]string{"dc": dc.Token, "viewer": viewer.Token}, []apiCase{
			{name: "422 all-or-nothing import with one bad row", method: http.MethodPost, path: "/api/v1/imports/units", actor: "dc", body: failedImport, wantStatus: http.StatusUnprocessableEntity},
			{name: "403 viewer import", method: http.MethodPost, path: "/api/v1/imports/units", actor: "viewer", body: failedImport, wantStatus: http.StatusForbidden},
			{name: "403 viewer create", method: http.MethodPost, path: "/api/v1/units", actor: "viewer", body: map[string]any{"level": "booth", "parent_id": fx.id("LKOW"), "code": "AUD-X", "name": "x"}, wantStatus: http.StatusForbidden},
			{name: "404 dc PATCH outside", method: http.MethodPatch, path: "/api/v1/units/" + fx.id("AGRC-1"), actor: "dc", body: map[string]any{"name": "x"}, wantStatus: http.StatusNotFound},
			{name: "409 dc DELETE a unit with children", method: http.MethodDelete, path: "/api/v1/units/" + fx.id("LKOW"), actor: "dc", wantStatus: http.StatusConflict},
			{name: "409 dc create a taken code", method: http.MethodPost, path: "/api/v1/units", actor: "dc", body: map[string]any{"level": "booth", "parent_id": fx.id("LKOW"), "code": fx.code("LKOW-1"), "name": "x"}, wantStatus: http.StatusConflict},
			{name: "422 dc PATCH a bad name", method: http.MethodPatch, path: "/api/v1/units/" + fx.id("LKOW-1"), actor: "dc", body: map[string]any{"name": ""}, wantStatus: http.StatusUnprocessableEntity},
			{name: "200 reads", method: http.MethodGet, path: "/api/v1/units/" + fx.id("LKOW-1"), actor: "dc", wantStatus: http.StatusOK},
			{name: "200 export", method: http.MethodGet, path: "/api/v1/exports/units.csv", actor: "dc", wantStatus: http.StatusOK},
			{name: "200 audit", method: http.MethodGet, path: "/api/v1/audit", actor: "dc", wantStatus: http.StatusOK},
		})
		s.wantAuditRows(t, mark)
		if _, ok := s.unitByCode(t, "AUD-CSV-5"); ok {
			t.Error("the failed import wrote its good row")
		}
	})
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAuditAccountAndTokenWrites(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	by := func(reqID, action, entity, id, unit string) auditKey {
		return auditKey{ActorID: dc.ID, Actor: dc.Username, Action: action, Entity: entity, EntityID: id, UnitID: unit, RequestID: reqID}
	}
	passwords := []string{testPassword, "first-password-of-sita", "second-password-of-sita", "coordinator-own-new-pw"}
	var secrets []string

	var sita accountJSON
	t.Run("user create", func(t *testing.T) {
		mark := s.auditMark(t)
		body := map[string]any{"username": "sita", "password": passwords[1], "role": "booth_worker", "scope_unit_id": fx.id("LKOW-1")}
		rec := s.doWithRequestID(t, http.MethodPost, "/api/v1/users", dc.Token, "req-user-create", body)
		wantStatus(t, rec, http.StatusCreated)
		sita = decode[accountJSON](t, rec)
		rows := s.wantAuditRows(t, mark, by("req-user-create", "create", "user", sita.ID, fx.id("LKOW-1")))
		after := jsonObject(t, rows[0].After)
		var keys []string
		for k := range after {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"active", "id", "person_id", "role", "scope_unit_id", "username"}, keys); diff != "" {
			t.Errorf("what the log keeps of an account (-want +got):\n%s", diff)
		}
		if after["username"] != "sita" || after["role"] != "booth_worker" || after["active"] != true {
			t.Errorf("after = %v", after)
		}
	})

	t.Run("user update: role, then password", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodPatch, "/api/v1/users/"+sita.ID, dc.Token, "req-user-role", map[string]any{"role": "viewer"})
		wantStatus(t, rec, http.StatusOK)
		rows := s.wantAuditRows(t, mark, by("req-user-role", "update", "user", sita.ID, fx.id("LKOW-1")))
		if b, a := jsonObject(t, rows[0].Before), jsonObject(t, rows[0].After); b["role"] != "booth_worker" || a["role"] != "viewer" {
			t.Errorf("before %v, after %v", b, a)
		}

		mark = s.auditMark(t)
		rec = s.doWithRequestID(t, http.MethodPatch, "/api/v1/users/"+sita.ID, dc.Token, "req-user-password", map[string]any{"password": passwords[2]})
		wantStatus(t, rec, http.StatusOK)
		rows = s.wantAuditRows(t, mark, by("req-user-password", "update", "user", sita.ID, fx.id("LKOW-1")))
		if a := jsonObject(t, rows[0].After); a["password_changed"] != true {
			t.Errorf("after = %v, want password_changed", a)
		}
	})

	t.Run("one's own password, by the coordinator", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodPatch, "/api/v1/users/"+dc.ID, dc.Token, "req-own-password", map[string]any{"password": passwords[3], "current_password": testPassword})
		wantStatus(t, rec, http.StatusOK)
		s.wantAuditRows(t, mark, by("req-own-password", "update", "user", dc.ID, fx.id("LKO")))
		// A password change ends every session, the coordinator's own too: log in again.
		wantUnauthenticated(t, s.do(t, http.MethodGet, "/api/v1/me", dc.Token, nil))
		dc.Token = s.login(t, dc.Username, passwords[3])
	})

	t.Run("user deactivate, then re-activate", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodDelete, "/api/v1/users/"+sita.ID, dc.Token, "req-user-off", nil)
		wantStatus(t, rec, http.StatusNoContent)
		rows := s.wantAuditRows(t, mark, by("req-user-off", "deactivate", "user", sita.ID, fx.id("LKOW-1")))
		if b, a := jsonObject(t, rows[0].Before), jsonObject(t, rows[0].After); b["active"] != true || a["active"] != false {
			t.Errorf("before %v, after %v", b, a)
		}
		mark = s.auditMark(t)
		rec = s.doWithRequestID(t, http.MethodPatch, "/api/v1/users/"+sita.ID, dc.Token, "req-user-on", map[string]any{"active": true})
		wantStatus(t, rec, http.StatusOK)
		s.wantAuditRows(t, mark, by("req-user-on", "update", "user", sita.ID, fx.id("LKOW-1")))
	})

	t.Run("token create and revoke, filed at the owner's scope", func(t *testing.T) {
		mark := s.auditMark(t)
		rec := s.doWithRequestID(t, http.MethodPost, "/api/v1/tokens", dc.Token, "req-token-create", map[string]any{"name": "district sync"})
		wantStatus(t, rec, http.StatusCreated)
		tok := decode[tokenJSON](t, rec)
		secrets = append(secrets, tok.Token)
		rows := s.wantAuditRows(t, mark, by("req-token-create", "create", "api_token", tok.ID, fx.id("LKO")))
		if a := jsonObject(t, rows[0].After); a["name"] != "district sync" {
			t.Errorf("after = %v", a)
		}

		// A token may not mint another (a leaked one would outlive its revocation); nothing is logged.
		mark = s.auditMark(t)
		rec = s.doWithRequestID(t, http.MethodPost, "/api/v1/tokens", tok.Token, "req-token-by-token", map[string]any{"name": "made by a token"})
		wantStatus(t, rec, http.StatusForbidden)
		s.wantAuditRows(t, mark)

		mark = s.auditMark(t)
		wantStatus(t, s.doWithRequestID(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, dc.Token, "req-token-revoke", nil), http.StatusNoContent)
		s.wantAuditRows(t, mark, by("req-token-revoke", "revoke", "api_token", tok.ID, fx.id("LKO")))

		mark = s.auditMark(t)
		wantStatus(t, s.do(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, dc.Token, nil), http.StatusNoContent)
		wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/tokens/"+tok.ID, s.admin.Token, nil), http.StatusNotFound)
		s.wantAuditRows(t, mark) // revoking twice, or another's token, writes nothing
	})

	t.Run("refused account changes write no rows", func(t *testing.T) {
		mark := s.auditMark(t)
		for _, c := range []struct {
			method, path string
			body         any
			status       int
		}{
			{http.MethodPost, "/api/v1/users", map[string]any{"username": "sita", "password": testPassword, "role": "viewer", "scope_unit_id": fx.id("LKO")}, http.StatusConflict},
			{http.MethodPost, "/api/v1/users", map[string]any{"username": "weak", "password": "short", "role": "viewer", "scope_unit_id": fx.id("LKO")}, http.StatusUnprocessableEntity},
			{http.MethodPatch, "/api/v1/users/" + sita.ID, map[string]any{"role": "district_coordinator", "scope_unit_id": fx.id("LKO")}, http.StatusForbidden},
			{http.MethodPatch, "/api/v1/users/" + dc.ID, map[string]any{"role": "viewer"}, http.StatusForbidden},
			{http.MethodDelete, "/api/v1/users/" + dc.ID, nil, http.StatusForbidden},
			{http.MethodPost, "/api/v1/tokens", map[string]any{"name": ""}, http.StatusUnprocessableEntity},
		} {
			wantProblem(t, s.do(t, c.method, c.path, dc.Token, c.body), c.status)
		}
		s.wantAuditRows(t, mark)
	})

	t.Run("no password, hash or secret in any audit row", func(t *testing.T) {
		// Every session secret the server handed out in this test, and every stored hash.
		ses := s.loginSession(t, "sita", passwords[2])
		secrets = append(secrets, ses.AccessToken, ses.RefreshToken, dc.Token, dc.Refresh, s.admin.Token)
		var hashes []string
		if err := s.db.Raw("SELECT password_hash FROM users").Scan(&hashes).Error; err != nil {
			t.Fatal(err)
		}
		var tokenHashes []string
		if err := s.db.Raw("SELECT token_hash FROM api_tokens UNION ALL SELECT token_hash FROM refresh_tokens").Scan(&tokenHashes).Error; err != nil {
			t.Fatal(err)
		}
		needles := slices.Concat(passwords, secrets, hashes, tokenHashes, []string{"$2a$", "$2b$", "sgt_", "sgr_", "password_hash", "token_hash"})
		rows := s.auditSince(t, 0)
		if len(rows) < 10 {
			t.Fatalf("only %d audit rows to scan", len(rows))
		}
		for _, e := range rows {
			for _, cell := range []*string{e.Before, e.After, &e.ActorUsername, &e.EntityID, &e.RequestID} {
				if cell == nil {
					continue
				}
				for _, n := range needles {
					if n != "" && strings.Contains(*cell, n) {
						t.Errorf("audit row %d (%s %s) holds %q: %s", e.ID, e.Action, e.Entity, n, *cell)
					}
				}
			}
		}
	})
}

func TestListAudit(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	x := s.mkElsewhere(t)
	dcA := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	dcB := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))
	rename := func(token, key, name string) {
		t.Helper()
		wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+fx.id(key), token, map[string]any{"name": name}), http.StatusOK)
	}

	// relogin gives each actor a fresh access token after the clock has moved.
	relogin := func() {
		t.Helper()
		for _, u := range []*testUser{&dcA, &dcB, &state, &s.admin} {
			u.Token = s.login(t, u.Username, u.Password)
		}
	}
	s.clock.Advance(time.Hour) // 11:30: everything before is set-up
	relogin()
	since := s.clock.Now()
	rename(dcA.Token, "LKOW-1", "A by dcA")
	rename(dcB.Token, "AGRC-1", "B by dcB")
	rename(state.Token, "LKOC", "A by state")
	rename(s.admin.Token, "AGRC-2", "B by admin")
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+x.booth, s.admin.Token, map[string]any{"name": "elsewhere by admin"}), http.StatusOK)
	adminTok := s.mkAPIToken(t, s.admin.Token, "admin's own") // filed under no unit
	dcTok := s.mkAPIToken(t, dcA.Token, "dcA's own")          // filed under district A
	s.clock.Advance(24 * time.Hour)
	relogin()
	rename(dcA.Token, "LKOW-2", "A by dcA next day")

	// list walks every page of path and returns the rows, newest first.
	list := func(t *testing.T, token, path string) []auditRowJSON {
		t.Helper()
		var out []auditRowJSON
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		next := path
		for i := 0; ; i++ {
			if i > 100 {
				t.Fatalf("%s: more than 100 pages", path)
			}
			rec := s.do(t, http.MethodGet, next, token, nil)
			wantStatus(t, rec, http.StatusOK)
			l := decode[auditList](t, rec)
			out = append(out, l.Items...)
			if l.NextCursor == nil {
				break
			}
			next = path + sep + "cursor=" + *l.NextCursor
		}
		return out
	}
	// what summarises rows as "action entity entity_id by actor", newest first.
	what := func(rows []auditRowJSON) []string {
		out := make([]string, 0, len(rows))
		for _, r := range rows {
			if r.Entity == "session" || r.Entity == "login" { // the test's own logins (see services TestSessionsAuditVisibility)
				continue
			}
			out = append(out, r.Action+" "+r.Entity+" "+r.EntityID+" by "+r.ActorUsername)
		}
		return out
	}
	upd := func(unit, actor string) string { return "update unit " + unit + " by " + actor }
	tokenRow := func(id, actor string) string { return "create api_token " + id + " by " + actor }
	afterSetUp := "?since=" + since.Format(time.RFC3339)

	all := list(t, s.admin.Token, "/api/v1/audit")
	t.Run("newest first, with unique ids, and every field", func(t *testing.T) {
		var last int64 = 1 << 62
		for _, r := range all {
			id := int64(mustAtoi(t, r.ID))
			if id >= last {
				t.Fatalf("ids not strictly descending: %d after %d", id, last)
			}
			last = id
		}
		if n := len(s.auditSince(t, 0)) + len(s.securitySince(t, 0)); n != len(all) {
			t.Errorf("the admin lists %d rows of %d", len(all), n)
		}
		rec := s.do(t, http.MethodGet, "/api/v1/audit?limit=1", s.admin.Token, nil)
		raw := decode[struct {
			Items []map[string]json.RawMessage `json:"items"`
		}](t, rec)
		var keys []string
		for k := range raw.Items[0] {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if diff := cmp.Diff([]string{"action", "actor", "actor_id", "actor_username", "after", "at", "before", "changes", "entity", "entity_id", "id", "request_id", "target", "unit_id"}, keys); diff != "" {
			t.Errorf("audit row fields (-want +got):\n%s", diff)
		}
		newest := all[0]
		want := auditRowJSON{ID: newest.ID, At: s.clock.Now(), ActorID: ptr(dcA.ID), ActorUsername: dcA.Username, Action: "update", Entity: "unit",
			EntityID: fx.id("LKOW-2"), UnitID: ptr(fx.id("LKOW-2")), RequestID: newest.RequestID}
		got := newest
		got.Before, got.After = nil, nil
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("newest row (-want +got):\n%s", diff)
		}
		var before, after map[string]any
		if json.Unmarshal(newest.Before, &before) != nil || json.Unmarshal(newest.After, &after) != nil || before["name"] != "Girls Inter College Room 2" || after["name"] != "A by dcA next day" {
			t.Errorf("before %s, after %s: want JSON objects with the old and new name", newest.Before, newest.After)
		}
	})

	for _, tc := range []struct {
		name, token, path string
		want              []string
	}{
		{"admin since the set-up", s.admin.Token, "/api/v1/audit" + afterSetUp, []string{
			upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), tokenRow(adminTok.ID, s.admin.Username), upd(x.booth, s.admin.Username),
			upd(fx.id("AGRC-2"), s.admin.Username), upd(fx.id("LKOC"), state.Username), upd(fx.id("AGRC-1"), dcB.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
		{"admin since the set-up, pages of two", s.admin.Token, "/api/v1/audit?limit=2&since=" + since.Format(time.RFC3339), []string{
			upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), tokenRow(adminTok.ID, s.admin.Username), upd(x.booth, s.admin.Username),
			upd(fx.id("AGRC-2"), s.admin.Username), upd(fx.id("LKOC"), state.Username), upd(fx.id("AGRC-1"), dcB.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
		{"since a date", s.admin.Token, "/api/v1/audit?since=" + s.clock.Now().Format(time.DateOnly), []string{upd(fx.id("LKOW-2"), dcA.Username)}},
		{"since a time with an offset", s.admin.Token, "/api/v1/audit?since=" + url.QueryEscape(s.clock.Now().In(time.FixedZone("IST", 19800)).Format(time.RFC3339)), []string{upd(fx.id("LKOW-2"), dcA.Username)}},
		{"since the exact time of a row includes it", s.admin.Token, "/api/v1/audit?since=" + s.clock.Now().Format(time.RFC3339Nano), []string{upd(fx.id("LKOW-2"), dcA.Username)}},
		{"since a second after the last row", s.admin.Token, "/api/v1/audit?since=" + s.clock.Now().Add(time.Second).Format(time.RFC3339), []string{}},
		{"actor", s.admin.Token, "/api/v1/audit?actor=" + dcA.ID, []string{upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
		{"under district B", s.admin.Token, "/api/v1/audit?under=" + fx.id("AGR") + "&" + afterSetUp[1:], []string{upd(fx.id("AGRC-2"), s.admin.Username), upd(fx.id("AGRC-1"), dcB.Username)}},
		{"under a booth", s.admin.Token, "/api/v1/audit?under=" + fx.id("LKOW-1") + "&" + afterSetUp[1:], []string{upd(fx.id("LKOW-1"), dcA.Username)}},
		{"under and actor", s.admin.Token, "/api/v1/audit?under=" + fx.id("UP") + "&actor=" + s.admin.ID, []string{upd(fx.id("AGRC-2"), s.admin.Username)}},
		{"coordinator of A: only A, its own token included", dcA.Token, "/api/v1/audit" + afterSetUp, []string{
			upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), upd(fx.id("LKOC"), state.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
		{"coordinator of A, pages of one", dcA.Token, "/api/v1/audit?limit=1&" + afterSetUp[1:], []string{
			upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), upd(fx.id("LKOC"), state.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
		{"coordinator of A asks for B's coordinator", dcA.Token, "/api/v1/audit?actor=" + dcB.ID, []string{}},
		{"coordinator of A asks for the admin", dcA.Token, "/api/v1/audit?actor=" + s.admin.ID, []string{}},
		{"coordinator of B: only B", dcB.Token, "/api/v1/audit" + afterSetUp, []string{upd(fx.id("AGRC-2"), s.admin.Username), upd(fx.id("AGRC-1"), dcB.Username)}},
		{"state office: the state, not the admin's token nor the other state", state.Token, "/api/v1/audit" + afterSetUp, []string{
			upd(fx.id("LKOW-2"), dcA.Username), tokenRow(dcTok.ID, dcA.Username), upd(fx.id("AGRC-2"), s.admin.Username),
			upd(fx.id("LKOC"), state.Username), upd(fx.id("AGRC-1"), dcB.Username), upd(fx.id("LKOW-1"), dcA.Username)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, what(list(t, tc.token, tc.path))); diff != "" {
				t.Errorf("GET %s (-want +got):\n%s", tc.path, diff)
			}
		})
	}

	t.Run("a coordinator never sees a row of another district, whatever the filter", func(t *testing.T) {
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit?limit=1", "/api/v1/audit?under=" + fx.id("LKO")} {
			for _, r := range list(t, dcA.Token, path) {
				if r.UnitID == nil {
					t.Errorf("%s: row %s (%s %s) has no unit", path, r.ID, r.Action, r.Entity)
					continue
				}
				if !slices.Contains([]string{fx.id("LKO"), fx.id("LKOW"), fx.id("LKOC"), fx.id("LKOW-1"), fx.id("LKOW-2"), fx.id("LKOC-1")}, *r.UnitID) {
					t.Errorf("%s: row %s (%s %s) is about unit %s, outside district A", path, r.ID, r.Action, r.Entity, *r.UnitID)
				}
			}
		}
	})

	runCases(t, s, map[string]string{"dcA": dcA.Token, "state": state.Token, "admin": s.admin.Token}, []apiCase{
		{name: "404 coordinator under district B", method: http.MethodGet, path: "/api/v1/audit?under=" + fx.id("AGR"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 coordinator under the state", method: http.MethodGet, path: "/api/v1/audit?under=" + fx.id("UP"), actor: "dcA", wantStatus: http.StatusNotFound},
		{name: "404 state office under another state", method: http.MethodGet, path: "/api/v1/audit?under=" + x.state, actor: "state", wantStatus: http.StatusNotFound},
		{name: "404 under no such unit", method: http.MethodGet, path: "/api/v1/audit?under=987654", actor: "admin", wantStatus: http.StatusNotFound},
		{name: "422 since not a time", method: http.MethodGet, path: "/api/v1/audit?since=yesterday", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"since"}},
		{name: "422 actor not an id", method: http.MethodGet, path: "/api/v1/audit?actor=ram", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"actor"}},
		{name: "422 under not an id", method: http.MethodGet, path: "/api/v1/audit?under=up", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"under"}},
		{name: "422 limit 0", method: http.MethodGet, path: "/api/v1/audit?limit=0", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"limit"}},
		{name: "422 a cursor this server did not issue", method: http.MethodGet, path: "/api/v1/audit?cursor=%25%25", actor: "admin", wantStatus: http.StatusUnprocessableEntity, wantFields: []string{"cursor"}},
	})
}
