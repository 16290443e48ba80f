package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sangathan/sangathan/models"
)

// doIfMatch sends a request like do, with an If-Match header ("" sends none).
func (s *testServer) doIfMatch(t *testing.T, method, path, token, ifMatch string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		enc, err := json.Marshal(body)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		r = bytes.NewReader(enc)
	} else {
		r = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	return s.send(req)
}

// versionOf reads the version of a JSON object answer and checks that the ETag names it.
func versionOf(t *testing.T, rec *httptest.ResponseRecorder) int64 {
	t.Helper()
	var v struct {
		Version *int64 `json:"version"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Version == nil {
		t.Fatalf("answer has no version (%v): %s", err, rec.Body)
	}
	if got, want := rec.Header().Get("ETag"), fmt.Sprintf(`"v%d"`, *v.Version); got != want {
		t.Fatalf("ETag = %q, want %q (the version in the body)", got, want)
	}
	return *v.Version
}

// race sends a and b at the same moment and returns their answers.
func race(a, b func() *httptest.ResponseRecorder) (ra, rb *httptest.ResponseRecorder) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); <-start; ra = a() }()
	go func() { defer wg.Done(); <-start; rb = b() }()
	close(start)
	wg.Wait()
	return ra, rb
}

// Two PATCHes of different fields of one person, sent at the same moment, are both answered 200
// and both stay: neither writes back the other's field as it read it.
func TestConcurrentPersonPatchesKeepBothChanges(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const pairs = 20
	lost := 0
	for i := range pairs {
		id := s.mkPerson(t, s.fx.id("LKOW-1"))
		path := "/api/v1/people/" + id
		name, caste := fmt.Sprintf("Renamed %d", i), fmt.Sprintf("Caste %d", i)
		ra, rb := race(
			func() *httptest.ResponseRecorder {
				return s.do(t, http.MethodPatch, path, s.admin.Token, map[string]any{"name": name})
			},
			func() *httptest.ResponseRecorder {
				return s.do(t, http.MethodPatch, path, s.admin.Token, map[string]any{"caste": caste})
			})
		wantStatus(t, ra, http.StatusOK)
		wantStatus(t, rb, http.StatusOK)
		rec := s.do(t, http.MethodGet, path, s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		p := decode[personJSON](t, rec)
		if p.Name != name || jsonString(t, p.Caste) != caste {
			lost++
			t.Logf("pair %d: name %q, caste %q; want %q and %q", i, p.Name, jsonString(t, p.Caste), name, caste)
		}
		var v struct{ Version int64 }
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil || v.Version != 3 {
			t.Errorf("pair %d: version %d after two changes, want 3 (%v)", i, v.Version, err)
		}
	}
	if lost != 0 {
		t.Errorf("pairs tried %d, lost %d; want 0 lost", pairs, lost)
	}
}

// The same for units: a rename and a change of electors of one booth, at the same moment.
func TestConcurrentUnitPatchesKeepBothChanges(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const pairs = 20
	lost := 0
	for i := range pairs {
		id, _ := s.mkUnit(t, models.LevelBooth, s.fx.id("LKOW"))
		path := "/api/v1/units/" + id
		name, electors := fmt.Sprintf("Booth renamed %d", i), 500+i
		ra, rb := race(
			func() *httptest.ResponseRecorder {
				return s.do(t, http.MethodPatch, path, s.admin.Token, map[string]any{"name": name})
			},
			func() *httptest.ResponseRecorder {
				return s.do(t, http.MethodPatch, path, s.admin.Token, map[string]any{"electors": electors})
			})
		wantStatus(t, ra, http.StatusOK)
		wantStatus(t, rb, http.StatusOK)
		rec := s.do(t, http.MethodGet, path, s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		u := decode[unitJSON](t, rec)
		if u.Name != name || u.Electors == nil || *u.Electors != electors {
			lost++
			t.Logf("pair %d: name %q, electors %s; want %q and %d", i, u.Name, rawFields(t, rec)["electors"], name, electors)
		}
	}
	if lost != 0 {
		t.Errorf("pairs tried %d, lost %d; want 0 lost", pairs, lost)
	}
}

// An administrator deactivates an account while its user changes their own password: whichever
// runs first, the account ends inactive and the new password does not log in.
func TestDeactivationRacingOwnPasswordChange(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	const tries = 10
	lost := 0
	for i := range tries {
		u := s.mkUser(t, models.RoleBoothWorker, s.fx.id("LKOW-1"))
		path := "/api/v1/users/" + u.ID
		newPassword := fmt.Sprintf("a fresh password number %d", i)
		del, patch := race(
			func() *httptest.ResponseRecorder { return s.do(t, http.MethodDelete, path, s.admin.Token, nil) },
			func() *httptest.ResponseRecorder {
				return s.do(t, http.MethodPatch, path, u.Token, map[string]any{"password": newPassword, "current_password": u.Password})
			})
		wantStatus(t, del, http.StatusNoContent)
		if patch.Code != http.StatusOK && patch.Code != http.StatusUnauthorized {
			t.Errorf("try %d: own password change = %d, want 200 (before the deactivation) or 401 (after): %s", i, patch.Code, patch.Body)
		}
		rec := s.do(t, http.MethodGet, path, s.admin.Token, nil)
		wantStatus(t, rec, http.StatusOK)
		active := decode[accountJSON](t, rec).Active
		login := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": u.Username, "password": newPassword})
		if active || login.Code == http.StatusOK {
			lost++
			t.Logf("try %d: active %v, login with the new password %d", i, active, login.Code)
		}
	}
	if lost != 0 {
		t.Errorf("deactivation races tried %d, lost %d; want 0 lost", tries, lost)
	}
}

// versioned is one kind of versioned object: how to make one and a change of it.
type versioned struct {
	kind   string
	create func(t *testing.T, s *testServer) string // returns the object's path
	change func(i int) map[string]any
	// gone tells from a GET after DELETE whether the delete took effect.
	gone func(t *testing.T, rec *httptest.ResponseRecorder) bool
}

var versionedKinds = []versioned{
	{kind: "unit",
		create: func(t *testing.T, s *testServer) string {
			id, _ := s.mkUnit(t, models.LevelBooth, s.fx.id("LKOC"))
			return "/api/v1/units/" + id
		},
		change: func(i int) map[string]any { return map[string]any{"name": fmt.Sprintf("Booth %d", i)} },
		gone:   func(t *testing.T, rec *httptest.ResponseRecorder) bool { return rec.Code == http.StatusNotFound }},
	{kind: "person",
		create: func(t *testing.T, s *testServer) string { return "/api/v1/people/" + s.mkPerson(t, s.fx.id("LKOC-1")) },
		change: func(i int) map[string]any { return map[string]any{"caste": fmt.Sprintf("Caste %d", i)} },
		gone:   func(t *testing.T, rec *httptest.ResponseRecorder) bool { return rec.Code == http.StatusNotFound }},
	{kind: "user",
		create: func(t *testing.T, s *testServer) string {
			return "/api/v1/users/" + s.mkAccount(t, models.RoleViewer, s.fx.id("LKOC"))
		},
		change: func(i int) map[string]any { return map[string]any{"password": fmt.Sprintf("another password %d", i)} },
		gone: func(t *testing.T, rec *httptest.ResponseRecorder) bool {
			wantStatus(t, rec, http.StatusOK)
			return !decode[accountJSON](t, rec).Active
		}},
}

func TestIfMatch(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tok := s.admin.Token
	for _, k := range versionedKinds {
		t.Run(k.kind, func(t *testing.T) {
			path := k.create(t, s)
			rec := s.do(t, http.MethodGet, path, tok, nil)
			wantStatus(t, rec, http.StatusOK)
			if v := versionOf(t, rec); v != 1 {
				t.Fatalf("a new %s has version %d, want 1", k.kind, v)
			}

			// The version read: the change applies and the version goes up.
			rec = s.doIfMatch(t, http.MethodPatch, path, tok, `"v1"`, k.change(1))
			wantStatus(t, rec, http.StatusOK)
			if v := versionOf(t, rec); v != 2 {
				t.Fatalf("version after a change = %d, want 2", v)
			}

			// A stale version: 412 naming the current one, and nothing changes.
			before := s.do(t, http.MethodGet, path, tok, nil).Body.String()
			rec = s.doIfMatch(t, http.MethodPatch, path, tok, `"v1"`, k.change(2))
			p := wantProblem(t, rec, http.StatusPreconditionFailed)
			if !strings.Contains(p.Detail, "current version is 2") || len(p.Errors) != 1 || p.Errors[0].Field != "version" ||
				!strings.Contains(p.Errors[0].Message, "2") {
				t.Errorf("412 problem = %+v, want it to name the current version 2 on field version", p)
			}
			if after := s.do(t, http.MethodGet, path, tok, nil).Body.String(); after != before {
				t.Errorf("a stale PATCH changed the %s:\nbefore %s\nafter  %s", k.kind, before, after)
			}

			// No If-Match, a weak ETag and * all apply.
			for i, h := range []string{"", `W/"v3"`, "*"} {
				rec = s.doIfMatch(t, http.MethodPatch, path, tok, h, k.change(3+i))
				wantStatus(t, rec, http.StatusOK)
				if v := versionOf(t, rec); v != int64(3+i) {
					t.Fatalf("If-Match %q: version %d, want %d", h, v, 3+i)
				}
			}

			// Malformed: 400 for PATCH and DELETE alike, nothing changes.
			for _, h := range []string{"v5", `"5"`, `"v0"`, `"v-5"`, `"vx"`, `"v5", "v6"`, `"v05"`, `W/v5`} {
				wantProblem(t, s.doIfMatch(t, http.MethodPatch, path, tok, h, k.change(9)), http.StatusBadRequest)
				wantProblem(t, s.doIfMatch(t, http.MethodDelete, path, tok, h, nil), http.StatusBadRequest)
			}

			// DELETE with a stale version: 412 and still there; with the current one it goes.
			p = wantProblem(t, s.doIfMatch(t, http.MethodDelete, path, tok, `"v4"`, nil), http.StatusPreconditionFailed)
			if !strings.Contains(p.Detail, "current version is 5") {
				t.Errorf("412 detail = %q, want it to name version 5", p.Detail)
			}
			if k.gone(t, s.do(t, http.MethodGet, path, tok, nil)) {
				t.Fatalf("a DELETE with a stale If-Match removed the %s", k.kind)
			}
			rec = s.doIfMatch(t, http.MethodDelete, path, tok, `"v5"`, nil)
			wantStatus(t, rec, http.StatusNoContent)
			if !k.gone(t, s.do(t, http.MethodGet, path, tok, nil)) {
				t.Fatalf("a DELETE with the current If-Match left the %s", k.kind)
			}
		})
	}
}

// Creating answers carry version 1 and its ETag; lists carry the version of every item.
func TestVersionInAnswers(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	tok := s.admin.Token
	for _, c := range []struct {
		path string
		body any
	}{
		{"/api/v1/units", map[string]any{"level": "booth", "parent_id": s.fx.id("LKOC"), "code": s.fx.prefix + "-V1", "name": "Versioned"}},
		{"/api/v1/people", map[string]any{"name": "Versioned Person", "gender": "male", "category": "GEN", "home_unit_id": s.fx.id("LKOC-1")}},
		{"/api/v1/users", newAccount("versioned.user", "viewer", s.fx.id("LKOC"))},
	} {
		rec := s.do(t, http.MethodPost, c.path, tok, c.body)
		wantStatus(t, rec, http.StatusCreated)
		if v := versionOf(t, rec); v != 1 {
			t.Errorf("POST %s: version %d, want 1", c.path, v)
		}
		list := s.do(t, http.MethodGet, c.path, tok, nil)
		wantStatus(t, list, http.StatusOK)
		for _, it := range objects(t, list.Body.Bytes()) {
			if _, ok := it["version"]; !ok {
				t.Errorf("GET %s: an item without version: %v", c.path, objectKeys(it))
			}
		}
	}
}

// A user's person_id must name a person the creator may see: a person looked after in another
// district reads exactly as one that does not exist.
func TestUserPersonMustBeInScope(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	mine := s.mkPerson(t, s.fx.id("LKOW-1"))
	theirs := s.mkPerson(t, s.fx.id("AGRC-1"))

	body := func(person string) map[string]any {
		b := newAccount(fmt.Sprintf("linked.%s.%d", person, userSeq.Add(1)), "booth_worker", s.fx.id("LKOW-2"))
		b["person_id"] = person
		return b
	}
	outside := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/users", dc.Token, body(theirs)), http.StatusUnprocessableEntity)
	missing := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/users", dc.Token, body("987654321")), http.StatusUnprocessableEntity)
	for _, p := range []problem{outside, missing} {
		if len(p.Errors) != 1 || p.Errors[0].Field != "person_id" {
			t.Fatalf("errors = %+v, want one on person_id", p.Errors)
		}
	}
	if outside.Errors[0].Message != missing.Errors[0].Message {
		t.Errorf("a person outside scope reads %q, a missing one %q: want the same words", outside.Errors[0].Message, missing.Errors[0].Message)
	}
	rec := s.do(t, http.MethodPost, "/api/v1/users", dc.Token, body(mine))
	wantStatus(t, rec, http.StatusCreated)
	acct := decode[accountJSON](t, rec)
	if acct.PersonID == nil || *acct.PersonID != mine {
		t.Errorf("person_id = %v, want %s", acct.PersonID, mine)
	}

	// PATCH: the same rule; null unlinks.
	path := "/api/v1/users/" + acct.ID
	p := wantProblem(t, s.do(t, http.MethodPatch, path, dc.Token, map[string]any{"person_id": theirs}), http.StatusUnprocessableEntity)
	if len(p.Errors) != 1 || p.Errors[0].Field != "person_id" {
		t.Errorf("errors = %+v, want one on person_id", p.Errors)
	}
	rec = s.do(t, http.MethodPatch, path, dc.Token, map[string]any{"person_id": nil})
	wantStatus(t, rec, http.StatusOK)
	if got := decode[accountJSON](t, rec).PersonID; got != nil {
		t.Errorf("person_id after null = %v, want null", *got)
	}
	rec = s.do(t, http.MethodPatch, path, s.admin.Token, map[string]any{"person_id": theirs})
	wantStatus(t, rec, http.StatusOK)
}

// Changing an assembly's Lok Sabha seat changes the booth counts of two seats, which lie under
// the state: a district coordinator may not, the state office may.
func TestLokSabhaChangeNeedsBothSeatsInScope(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	so := s.mkUser(t, models.RoleStateOffice, s.fx.id("UP"))
	before := s.coverageOf(t, s.fx.id("PC"))

	// LKOC has no seat: pointing it at PC is refused.
	p := wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/units/"+s.fx.id("LKOC"), dc.Token, map[string]any{"parliamentary_id": s.fx.id("PC")}), http.StatusForbidden)
	if got := problemFields(p); len(got) != 1 || got[0] != "parliamentary_id" {
		t.Errorf("403 names %v, want parliamentary_id", got)
	}
	// Clearing LKOW's seat (PC) is refused too.
	p = wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/units/"+s.fx.id("LKOW"), dc.Token, map[string]any{"parliamentary_id": nil}), http.StatusForbidden)
	if got := problemFields(p); len(got) != 1 || got[0] != "parliamentary_id" {
		t.Errorf("403 names %v, want parliamentary_id", got)
	}
	if after := s.coverageOf(t, s.fx.id("PC")); after != before {
		t.Errorf("refused changes moved PC's coverage from %+v to %+v", before, after)
	}
	// Other fields of its own assembly stay the coordinator's to change.
	wantStatus(t, s.do(t, http.MethodPatch, "/api/v1/units/"+s.fx.id("LKOC"), dc.Token, map[string]any{"electors": 650}), http.StatusOK)

	rec := s.do(t, http.MethodPatch, "/api/v1/units/"+s.fx.id("LKOC"), so.Token, map[string]any{"parliamentary_id": s.fx.id("PC")})
	wantStatus(t, rec, http.StatusOK)
	if got := s.coverageOf(t, s.fx.id("PC")); got.Booths != before.Booths+1 {
		t.Errorf("PC booths after LKOC joined = %d, want %d", got.Booths, before.Booths+1)
	}
}
