package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Fuzzing request bodies and query parameters through the real router (issue 13, item 5). Each
// fuzz process makes one database (SQLite unless SANGATHAN_TEST_DATABASE_URL is set), migrated
// once, with a small tree, a person, an administrator and a district coordinator logged in
// through the API; every input is one request against whatever earlier inputs left. For every
// answer: never a 5xx (a panic in a handler is a 500 too, through recoverProblem), every 4xx
// is problem+json whose status is the answer's, and every 2xx with a body is JSON.

// fuzzServer is the router over real services, for one fuzz process.
type fuzzServer struct {
	*Server
	ids         map[string]string // unit code → API id
	person      string            // a person's API id
	admin, dist string            // access tokens
}

func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	ctx := context.Background()
	db := dbtest.New(tb)
	clock := &testClock{now: time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)}
	// Without the second login step: the fuzzer drives requests, not logins.
	set, err := services.NewSet(db.DB, clock.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost, SecondFactorRoles: []models.Role{}})
	if err != nil {
		tb.Fatalf("NewSet: %v", err)
	}
	// The public intake's limits would turn every later report into a 429.
	set.Intake.Limits = services.IntakeLimits{Window: time.Hour, Submissions: 1 << 30, AllSubmissions: 1 << 30, Lookups: 1 << 30}
	srv, err := New(Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DB: db, Set: set})
	if err != nil {
		tb.Fatalf("api.New: %v", err)
	}
	s := &fuzzServer{Server: srv, ids: map[string]string{}}
	units := map[string]models.Unit{}
	mk := func(level models.Level, code, parent, parl string) {
		in := services.UnitInput{Level: level, Code: code, Name: "Unit " + code}
		if parent != "" {
			id := units[parent].ID
			in.ParentID = &id
		}
		if parl != "" {
			id := units[parl].ID
			in.ParliamentaryID = &id
		}
		u, err := set.Units.Create(ctx, services.System, in)
		if err != nil {
			tb.Fatalf("create %s: %v", code, err)
		}
		units[code] = u
		s.ids[code] = strconv.FormatInt(u.ID, 10)
	}
	mk(models.LevelState, "UP", "", "")
	mk(models.LevelDistrict, "LKO", "UP", "")
	mk(models.LevelDistrict, "PTN", "UP", "")
	mk(models.LevelParliamentary, "PC35", "UP", "")
	mk(models.LevelAssembly, "AC170", "LKO", "PC35")
	mk(models.LevelSector, "SEC1", "AC170", "")
	mk(models.LevelBooth, "B001", "SEC1", "")
	home := units["B001"].ID
	p, err := set.People.Create(ctx, services.System, services.PersonInput{Name: "Ramesh Kumar", NameHi: "रमेश कुमार",
		Gender: models.GenderMale, Category: models.CategoryOBC, HomeUnitID: &home})
	if err != nil {
		tb.Fatalf("create person: %v", err)
	}
	s.person = strconv.FormatInt(p.Person.ID, 10)
	login := func(role models.Role, scope *int64) string {
		name := "fuzz-" + strings.ReplaceAll(string(role), "_", "-")
		if _, err := set.Users.Create(ctx, services.System, services.UserInput{Username: name, Password: testPassword, Role: role, ScopeUnitID: scope}); err != nil {
			tb.Fatalf("create user: %v", err)
		}
		body, _ := json.Marshal(map[string]string{"username": name, "password": testPassword})
		req := httptest.NewRequest(http.MethodPost, "/api/v1/auth/login", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		var ses struct {
			AccessToken string `json:"access_token"`
		}
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &ses) != nil || ses.AccessToken == "" {
			tb.Fatalf("login %s: %d %s", name, rec.Code, rec.Body)
		}
		return ses.AccessToken
	}
	s.admin = login(models.RoleAdmin, nil)
	lko := units["LKO"].ID
	s.dist = login(models.RoleDistrictCoordinator, &lko)
	return s
}

// check fails on a 5xx, a 4xx that is not problem+json of its own status, and a 2xx body that is
// not JSON.
func checkAnswer(t *testing.T, req string, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.Bytes()
	switch {
	case rec.Code >= 500:
		t.Fatalf("%s: %d %s", req, rec.Code, body)
	case rec.Code >= 400:
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Fatalf("%s: %d with Content-Type %q: %s", req, rec.Code, ct, body)
		}
		var p struct {
			Status int `json:"status"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.Status != rec.Code {
			t.Fatalf("%s: %d, problem %s (%v)", req, rec.Code, body, err)
		}
		for _, e := range p.Errors {
			if e.Field == "" {
				t.Fatalf("%s: %d, a field error without a field: %s", req, rec.Code, body)
			}
		}
	case len(body) > 0 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json"):
		if !json.Valid(body) {
			t.Fatalf("%s: %d, body is not JSON: %s", req, rec.Code, body)
		}
	}
}

// jsonEndpoints are the write endpoints FuzzJSONBodies sends bodies to; the fuzzer's byte picks
// one (low bits) and the caller (0x8: the district coordinator, 0x10: no Content-Type).
var jsonEndpoints = []struct{ method, path string }{
	{http.MethodPost, "/api/v1/units"},
	{http.MethodPost, "/api/v1/people"},
	{http.MethodPatch, "/api/v1/people/{person}"},
	{http.MethodPost, "/api/v1/incidents"},
	{http.MethodPost, "/api/v1/public/incident-reports"},
}

// FuzzJSONBodies fuzzes JSON request bodies (bindJSON, the optional[T] and jsonID decoders and
// the services' validation behind them) through the router.
func FuzzJSONBodies(f *testing.F) {
	s := newFuzzServer(f)
	id := func(code string) string { return s.ids[code] }
	seeds := map[uint8][]string{
		0: {
			fmt.Sprintf(`{"level":"booth","parent_id":%q,"code":"B002","name":"Prathmik Vidyalaya Gudamba","name_hi":"प्राथमिक विद्यालय गुडम्बा","number":2,"electors":1043}`, id("SEC1")),
			fmt.Sprintf(`{"level":"assembly","parent_id":%q,"code":"AC9","name":"İa","parliamentary_id":%q,"reserved":"SC","population":{"total":100,"sc":20}}`, id("LKO"), id("PC35")),
			fmt.Sprintf(`{"level":"booth","parent_id":%q,"code":"B003","name":"PATNA Ⱥ"}`, id("SEC1")), // hung ToDevanagari once
			`{"level":"booth","parent_id":"99999999999999999999","code":"X","name":"x"}`,
			`{"level":"booth","number":1e400,"code":"X","name":"x"}`,
			`{"level":"booth","number":-9223372036854775809}`,
			`{"code":"A","code":"B"}`,
			`{"name":"\u0000"}`,
			`{"name":"\ud800"}`,
			`[]`, `null`, `""`, `{}{}`, `{"level":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`,
		},
		1: {
			fmt.Sprintf(`{"name":"Sunita Devi","name_hi":"सुनीता देवी","gender":"female","birth_year":1975,"phone":"+91 98765 43211","voter_id":"XYZ7654321","category":"SC","caste":"Pasi","home_unit_id":%q}`, id("B001")),
			`{"name":"A","gender":"male","category":"GEN","birth_year":null,"phone":null,"home_unit_id":null}`,
			`{"name":"A","gender":"male","category":"GEN","birth_year":"1980"}`,
			`{"name":"A","gender":"male","category":"GEN","birth_year":99999999999999999999}`,
			`{"name":"A","gender":"male","category":"GEN","home_unit_id":1}`,
			`{"name":"A","gender":"male","category":"GEN","home_unit_id":"-1"}`,
			`{"name":"=cmd|' /C calc'!A0","gender":"male","category":"GEN","membership_no":"` + strings.Repeat("9", 300) + `"}`,
		},
		2: {
			`{"name":"Ramesh K."}`, `{"phone":null}`, `{"home_unit_id":null}`, `{"gender":"other","caste":"\u202e"}`, `{"birth_year":{}}`,
			`{"voter_id":"abc1234567"}`, `{"name":null}`,
		},
		3: {
			fmt.Sprintf(`{"unit_id":%q,"occurred_on":"2024-03-10","place":"गाँव रामपुर","title":"दलित परिवारों के घर जलाए गए","description":"Three houses burnt.\nThree injured.","kind":"atrocity","affected_groups":["women","SC"],"victims":3}`, id("AC170")),
			`{"occurred_on":"2024-02-30","kind":"riot","affected_groups":["SC","SC"],"victims":-1}`,
			`{"occurred_on":"99999-01-01T00:00:00Z","kind":"riot"}`,
			fmt.Sprintf(`{"unit_id":%q,"occurred_on":"0000-01-01","place":"x","title":"x","kind":"riot"}`, id("AC170")),
			`{"affected_groups":[` + strings.Repeat(`"SC",`, 1000) + `"SC"]}`,
		},
		4: {
			`{"district_code":"LKO","place":"Rampur","occurred_on":"2024-03-14","description":"What happened.","contact":"9876543210"}`,
			`{"district_code":"LKO","place":"Rampur","occurred_on":"2024-03-14","description":"x","website":"http://spam"}`,
			`{"district_code":"NO-SUCH","occurred_on":"2024-03-17"}`,
			`{"district_code":"LKO","occurred_on":"0000-00-00"}`,
			`{"district_code":"LKO","place":"Rampur","occurred_on":"0000-01-01","description":"x"}`,
		},
	}
	for ep, bodies := range seeds {
		for i, b := range bodies {
			f.Add(ep, []byte(b))
			if i == 0 { // and as the district coordinator
				f.Add(ep|0x8, []byte(b))
			}
		}
	}
	f.Add(uint8(0x10), []byte(`{"level":"booth"}`))
	f.Add(uint8(1), []byte("\xff\xfe{}"))
	f.Add(uint8(2), []byte("\ufeff{}"))
	f.Fuzz(func(t *testing.T, sel uint8, body []byte) {
		ep := jsonEndpoints[int(sel&0x7)%len(jsonEndpoints)]
		path := strings.ReplaceAll(ep.path, "{person}", s.person)
		req := httptest.NewRequest(ep.method, path, bytes.NewReader(body))
		if sel&0x10 == 0 {
			req.Header.Set("Content-Type", "application/json")
		}
		token := s.admin
		if sel&0x8 != 0 {
			token = s.dist
		}
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		checkAnswer(t, ep.method+" "+path, rec)
	})
}

// queryEndpoints are the lists FuzzQueryParams reads; {x} is replaced by the id of unit x.
var queryEndpoints = []string{
	"/api/v1/people", "/api/v1/units", "/api/v1/audit", "/api/v1/incidents", "/api/v1/programs",
	"/api/v1/committees/due", "/api/v1/assignments", "/api/v1/units/{LKO}/children", "/api/v1/units/{AC170}/representation/gaps",
	"/api/v1/seat-shares/seats", "/api/v1/incident-reports", "/api/v1/programs/calendar", "/api/v1/users",
	"/api/v1/units/{B001}/committee/history", "/api/v1/exports/people.csv",
}

// FuzzQueryParams fuzzes the query parameters of the lists (limit, cursor, filters, sort, q, dates)
// through the router.
func FuzzQueryParams(f *testing.F) {
	s := newFuzzServer(f)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	// Cursors at the edges of what each shape can say, on the lists that read that shape (4: programs,
	// 5: due committees, 6: assignments, by path): times past what the database stores.
	for _, c := range []struct {
		ep     uint8
		cursor string
	}{{4, "9223372036854775807|1"}, {4, "-9223372036854775808|1"}, {4, "253402300800|1"}, {5, "9999-12-31|1"}, {5, "0000-01-01|1"},
		{6, "/" + strings.Repeat("9", 19) + "/|1"}} {
		f.Add(c.ep, "cursor="+b64(c.cursor))
	}
	for i := range queryEndpoints { // year 0, which PostgreSQL's date and timestamp refuse
		f.Add(uint8(i), "from=0000-01-01&to=0000-12-31&on=0000-06-01&since=0000-01-01T00:00:00Z")
	}
	// Each endpoint once without a query and once with the district coordinator; the queries
	// below spread over the endpoints (in fuzzing mode every seed costs a run of its own).
	for i := range queryEndpoints {
		f.Add(uint8(i), "")
		f.Add(uint8(i)|0x80, "limit=2")
	}
	{
		for i, q := range []string{
			"limit=1", "limit=0", "limit=-1", "limit=501", "limit=99999999999999999999", "limit=1e3", "limit=%00",
			"cursor=" + b64("1"), "cursor=" + b64("-1"), "cursor=" + b64("/1/2/|3"), "cursor=" + b64("9223372036854775807|1"),
			"cursor=" + b64("-9223372036854775808|1"), "cursor=" + b64("2024-03-01|1"), "cursor=" + b64(`{"v":1,"p":"/1/"}`),
			"cursor=" + b64("5#1"), "cursor=%ff%fe", "cursor=====",
			"under=" + s.ids["LKO"], "under=0", "under=-1", "under=abc", "under=99999999999999999999",
			"q=रमेश", "q=%25%5F", "q=" + strings.Repeat("a", 500), "q=%00", "q=%ff",
			"sort=name", "sort=-name", "sort=bogus", "level=booth", "level=BOOTH", "gender=female&category=SC",
			"from=2024-01-01&to=2023-01-01", "from=0001-01-01", "from=0000-01-01", "to=0000-12-31T00:00:00Z", "on=0000-02-29", "since=0000-01-01",
			"from=-0001-01-01", "to=10000-01-01", "to=9999-12-31T23:59:59Z", "since=2024-02-30", "on=99999-01-01",
			"status=reported&kind=riot", "active=maybe", "within_days=-1", "within_days=99999999999", "days=1e9", "limit=1&limit=2",
			"near=26.8,80.9", "near=NaN,Inf", "election=Lok%20Sabha%202029", "lang=hi", "actor=admin&action=x",
		} {
			f.Add(uint8(i*7%len(queryEndpoints)), q)
		}
	}
	f.Fuzz(func(t *testing.T, sel uint8, query string) {
		path := queryEndpoints[int(sel&0x7f)%len(queryEndpoints)]
		for code, id := range s.ids {
			path = strings.ReplaceAll(path, "{"+code+"}", id)
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.URL.RawQuery = query
		token := s.admin
		if sel&0x80 != 0 {
			token = s.dist
		}
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		checkAnswer(t, "GET "+path+"?"+query, rec)
	})
}
