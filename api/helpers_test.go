package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"golang.org/x/crypto/bcrypt"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// testSecret is the HS256 key of every test server (the service wants at least 32 bytes).
var testSecret = []byte("sangathan-api-tests-hs256-key-0123456789")

// testPassword is the password of every account mkUser creates.
const testPassword = "booth-level-organisation-2024"

// testClock is the clock injected into the services: fixed until a test advances it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// testServer is the real router over real services on a fresh database.
type testServer struct {
	*Server
	db      *database.DB
	clock   *testClock
	auth    *services.Auth
	units   *services.Units
	imports *services.Imports
	exports *services.Exports
	users   *services.Users
	set     *services.Set
	// fx is the little tree every server starts with (empty for newEmptyServer).
	fx fixture
	// admin is an administrator without a scope unit, logged in through the API.
	admin testUser
	// twoStep holds, per username, the TOTP secret the helpers enrolled with (see secondStep).
	twoStepMu sync.Mutex
	twoStep   map[string]*twoStepUser
}

// twoStepUser is an account the helpers enrolled in two-step verification: its secret and the
// last time step whose code they used.
type twoStepUser struct {
	secret string
	last   int64
}

// testUser is an account and an access token minted by the real login.
type testUser struct {
	ID       string
	Username string
	Password string
	Token    string
	Refresh  string
}

type serverOptions struct {
	log     *slog.Logger
	fixture bool
}

// newTestServer returns a server on a fresh database holding the fixture tree and an admin.
func newTestServer(t *testing.T) *testServer {
	t.Helper()
	return startServer(t, serverOptions{fixture: true})
}

// newEmptyServer returns a server whose database holds only the admin account.
func newEmptyServer(t *testing.T) *testServer {
	t.Helper()
	return startServer(t, serverOptions{})
}

// newLoggedServer returns a server with the fixture whose log goes to buf.
func newLoggedServer(t *testing.T, buf *syncBuffer) *testServer {
	t.Helper()
	return startServer(t, serverOptions{fixture: true, log: slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
}

func startServer(t *testing.T, o serverOptions) *testServer {
	t.Helper()
	db := dbtest.New(t)
	clock := &testClock{now: time.Date(2024, 3, 15, 10, 30, 0, 0, time.UTC)}
	set, err := services.NewSet(db.DB, clock.Now, services.AuthConfig{Secret: testSecret, BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	s := &testServer{
		db: db, clock: clock, set: set, auth: set.Auth, units: set.Units,
		imports: set.Imports, exports: set.Exports, users: set.Users,
	}
	log := o.log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.Server, err = New(Deps{Log: log, DB: db, Set: set})
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	if o.fixture {
		s.fx = loadFixture(t, s)
	}
	s.admin = s.mkUser(t, models.RoleAdmin, "")
	return s
}

// do sends one request through the router. body is JSON-encoded unless it is a string or
// []byte (sent as is, labelled JSON) or csvText (labelled text/csv); nil sends no body.
func (s *testServer) do(t *testing.T, method, path, token string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
		contentType = ""
	case csvText:
		r, contentType = strings.NewReader(string(b)), "text/csv; charset=utf-8"
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		r = bytes.NewReader(enc)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.send(req)
}

// send serves a prepared request.
func (s *testServer) send(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

// csvText is a request body sent as text/csv.
type csvText string

var userSeq atomic.Int64

// mkUser creates an account through the users service as the installation itself and logs it
// in through POST /api/v1/auth/login. scopeUnitID is an API id, "" for none.
func (s *testServer) mkUser(t *testing.T, role models.Role, scopeUnitID string) testUser {
	t.Helper()
	in := services.UserInput{Username: fmt.Sprintf("%s-%d", strings.ReplaceAll(string(role), "_", "-"), userSeq.Add(1)), Password: testPassword, Role: role}
	if scopeUnitID != "" {
		id, err := strconv.ParseInt(scopeUnitID, 10, 64)
		if err != nil {
			t.Fatalf("mkUser: scope %q: %v", scopeUnitID, err)
		}
		in.ScopeUnitID = &id
	}
	u, err := s.users.Create(context.Background(), services.System, in)
	if err != nil {
		t.Fatalf("mkUser(%s): %v", role, err)
	}
	ses := s.loginSession(t, in.Username, testPassword)
	return testUser{ID: strconv.FormatInt(u.User.ID, 10), Username: in.Username, Password: testPassword, Token: ses.AccessToken, Refresh: ses.RefreshToken}
}

// login logs in through the API and returns the access token.
func (s *testServer) login(t *testing.T, username, password string) string {
	t.Helper()
	return s.loginSession(t, username, password).AccessToken
}

func (s *testServer) loginSession(t *testing.T, username, password string) sessionJSON {
	t.Helper()
	rec := s.do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"username": username, "password": password})
	if rec.Code != http.StatusOK {
		t.Fatalf("login %s = %d, want 200: %s", username, rec.Code, rec.Body)
	}
	var ch challengeJSON
	if err := json.Unmarshal(rec.Body.Bytes(), &ch); err != nil || ch.SecondFactor == "" {
		return decode[sessionJSON](t, rec)
	}
	return s.secondStep(t, username, ch)
}

// challengeJSON is the answer to a right password of an account that needs a second step.
type challengeJSON struct {
	SecondFactor string   `json:"second_factor"`
	Challenge    string   `json:"challenge"`
	ExpiresIn    int      `json:"expires_in"`
	User         userJSON `json:"user"`
	AccessToken  string   `json:"access_token"`
}

// enrolmentJSON is a new TOTP secret.
type enrolmentJSON struct {
	Secret     string `json:"secret"`
	OtpauthURI string `json:"otpauth_uri"`
	QR         string `json:"qr"`
}

// secondStep finishes a login that asks for two-step verification, as a user with an
// authenticator app would: it enrols when asked to (remembering the secret) and answers a code
// of the test clock. Every login of admin and state office accounts goes through here.
func (s *testServer) secondStep(t *testing.T, username string, ch challengeJSON) sessionJSON {
	t.Helper()
	if ch.SecondFactor == "enrol" {
		rec := s.do(t, http.MethodPost, "/api/v1/auth/login/enrol", "", map[string]string{"challenge": ch.Challenge})
		if rec.Code != http.StatusOK {
			t.Fatalf("enrol %s = %d, want 200: %s", username, rec.Code, rec.Body)
		}
		s.rememberSecret(username, decode[enrolmentJSON](t, rec).Secret)
	}
	rec := s.do(t, http.MethodPost, "/api/v1/auth/login/second-factor", "", map[string]string{"challenge": ch.Challenge, "code": s.totpCode(t, username)})
	if rec.Code != http.StatusOK {
		t.Fatalf("second step of %s = %d, want 200: %s", username, rec.Code, rec.Body)
	}
	return decode[sessionJSON](t, rec)
}

func (s *testServer) rememberSecret(username, secret string) {
	s.twoStepMu.Lock()
	defer s.twoStepMu.Unlock()
	if s.twoStep == nil {
		s.twoStep = map[string]*twoStepUser{}
	}
	s.twoStep[username] = &twoStepUser{secret: secret, last: -1}
}

// totpCode is a code of username's secret for a time step not used before and accepted now
// (the clock's step or one either side). A user logs in up to three times per step of the test
// clock; a fourth time moves the clock on by a step.
func (s *testServer) totpCode(t *testing.T, username string) string {
	t.Helper()
	s.twoStepMu.Lock()
	defer s.twoStepMu.Unlock()
	u := s.twoStep[username]
	if u == nil {
		t.Fatalf("%s has two-step verification on, but not by the test helpers", username)
	}
	cur := s.clock.Now().Unix() / 30
	step := max(cur-1, u.last+1)
	if step > cur+1 {
		s.clock.Advance(time.Duration(step-cur-1) * 30 * time.Second)
	}
	u.last = step
	code, err := totp.GenerateCode(u.secret, time.Unix(step*30, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// sessionJSON is the answer to login and refresh as a client reads it.
type sessionJSON struct {
	AccessToken  string   `json:"access_token"`
	TokenType    string   `json:"token_type"`
	ExpiresIn    int      `json:"expires_in"`
	RefreshToken string   `json:"refresh_token"`
	User         userJSON `json:"user"`
}

type userJSON struct {
	ID          string  `json:"id"`
	Username    string  `json:"username"`
	Role        string  `json:"role"`
	ScopeUnitID *string `json:"scope_unit_id"`
	PersonID    *string `json:"person_id"`
}

// unitJSON is a unit as a client reads it; the detail and child fields are empty elsewhere.
type unitJSON struct {
	ID              string          `json:"id"`
	Level           string          `json:"level"`
	ParentID        *string         `json:"parent_id"`
	Code            string          `json:"code"`
	Name            string          `json:"name"`
	NameHi          string          `json:"name_hi"`
	Number          *int            `json:"number"`
	Reserved        string          `json:"reserved"`
	ParliamentaryID *string         `json:"parliamentary_id"`
	Electors        *int            `json:"electors"`
	Population      *populationJSON `json:"population"`
	Depth           int             `json:"depth"`
	Ancestors       []unitRef       `json:"ancestors"`
	ChildrenCount   int64           `json:"children_count"`
	Coverage        *coverageJSON   `json:"coverage"`
}

type unitList struct {
	Items      []unitJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

type importJSON struct {
	Inserted int                   `json:"inserted"`
	Updated  int                   `json:"updated"`
	Errors   []services.FieldError `json:"errors"`
}

// decode reads a JSON answer into T.
func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decode %T: %v\nbody: %s", v, err, rec.Body)
	}
	return v
}

// wantStatus fails the test unless rec has the status.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body: %s", rec.Code, status, rec.Body)
	}
}

// wantProblem checks that rec is an RFC 9457 problem with the status and returns it.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int) problem {
	t.Helper()
	wantStatus(t, rec, status)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type = %q, want application/problem+json; body: %s", ct, rec.Body)
	}
	var p problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, rec.Body)
	}
	if p.Status != status || p.Type == "" || p.Title == "" {
		t.Fatalf("problem = %+v, want status %d with type and title", p, status)
	}
	return p
}

// problemFields lists the fields a problem names, sorted.
func problemFields(p problem) []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// apiCase is one row of a table of requests.
type apiCase struct {
	name       string
	method     string
	path       string
	actor      string // a key of the tokens map; "" sends no token
	body       any
	wantStatus int
	// wantFields, for 4xx answers, are fields the problem's errors[] must name.
	wantFields []string
	// then, when set, runs after the request (a case that ends its actor's sessions logs the
	// actor in again, for the cases after it).
	then func()
}

// runCases sends each case as its actor and checks the status; error answers must be problems.
func runCases(t *testing.T, s *testServer, tokens map[string]string, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, ok := tokens[tc.actor]
			if tc.actor != "" && !ok {
				t.Fatalf("no token for actor %q", tc.actor)
			}
			rec := s.do(t, tc.method, tc.path, tok, tc.body)
			if tc.then != nil {
				defer tc.then()
			}
			if tc.wantStatus < 400 {
				wantStatus(t, rec, tc.wantStatus)
				return
			}
			p := wantProblem(t, rec, tc.wantStatus)
			got := problemFields(p)
			for _, f := range tc.wantFields {
				if !slices.Contains(got, f) {
					t.Errorf("errors[] names %v, want it to name %q; body: %s", got, f, rec.Body)
				}
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The fixture tree, by key (its code is the fixture prefix, "-" and the key):
//
//	UP  state
//	├── LKO  district Lucknow
//	│   ├── LKOW  assembly Lucknow West (in Lok Sabha seat PC) ── booths LKOW-1, LKOW-2
//	│   └── LKOC  assembly Lucknow Cantt, SC                   ── booth LKOC-1
//	├── AGR  district Agra
//	│   └── AGRC  assembly Agra Cantt (in PC, across district lines)
//	│       ├── booth AGRC-1
//	│       └── AGRC-S1  sector ── booth AGRC-2
//	└── PC  parliamentary Lucknow
//
// Booths: LKO 3, AGR 2, PC 4 (through its assemblies), UP 5.
const fixtureCSV = `level,code,name,name_hi,parent_code,number,reserved,parliamentary_code,electors,population_total,population_sc,population_st,population_muslim,population_minority
booth,{p}-LKOW-1,Primary School Aminabad,प्राथमिक विद्यालय अमीनाबाद,{p}-LKOW,1,,,1012,,,,,
booth,{p}-LKOW-2,Girls Inter College Room 2,बालिका इंटर कॉलेज कक्ष 2,{p}-LKOW,2,,,987,,,,,
state,{p}-UP,Uttar Pradesh,उत्तर प्रदेश,,9,,,,199812341,41357608,1134273,38483967,39917065
district,{p}-LKO,Lucknow,लखनऊ,{p}-UP,162,,,,4589838,645413,10451,1197230,1239411
district,{p}-AGR,Agra,आगरा,{p}-UP,118,,,,4418797,991325,7255,411313,459387
parliamentary,{p}-PC,Lucknow,लखनऊ,{p}-UP,35,,,,,,,,
assembly,{p}-LKOW,Lucknow West,लखनऊ पश्चिम,{p}-LKO,172,,{p}-PC,1999,,,,,
assembly,{p}-LKOC,Lucknow Cantt,लखनऊ कैंट,{p}-LKO,175,SC,,640,,,,,
assembly,{p}-AGRC,Agra Cantt,आगरा कैंट,{p}-AGR,87,SC,{p}-PC,1350,,,,,
booth,{p}-LKOC-1,Cantonment Board School,छावनी परिषद विद्यालय,{p}-LKOC,1,,,640,,,,,
booth,{p}-AGRC-1,Sadar Bazar Primary School,सदर बाज़ार प्राथमिक विद्यालय,{p}-AGRC,1,,,700,,,,,
sector,{p}-AGRC-S1,Sector 1,सेक्टर 1,{p}-AGRC,1,,,,,,,,
booth,{p}-AGRC-2,Rajpur Chungi Community Hall,राजपुर चुंगी सामुदायिक भवन,{p}-AGRC-S1,2,,,650,,,,,
`

// fixtureKeys are the keys of the fixture's units.
var fixtureKeys = []string{"UP", "LKO", "AGR", "PC", "LKOW", "LKOC", "AGRC", "AGRC-S1", "LKOW-1", "LKOW-2", "LKOC-1", "AGRC-1", "AGRC-2"}

// fixture knows the ids and codes of the fixture tree.
type fixture struct {
	prefix string
	ids    map[string]string
}

// id returns the API id of the fixture unit with key.
func (f fixture) id(key string) string {
	id, ok := f.ids[key]
	if !ok {
		panic("no fixture unit " + key)
	}
	return id
}

// code returns the code of the fixture unit with key.
func (f fixture) code(key string) string { return f.prefix + "-" + key }

// codes returns the codes of the keys, sorted.
func (f fixture) codes(keys ...string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, f.code(k))
	}
	slices.Sort(out)
	return out
}

var fixtureSeq atomic.Int64

// loadFixture imports the fixture tree through the CSV import service, with codes unique to
// this server.
func loadFixture(t *testing.T, s *testServer) fixture {
	t.Helper()
	fx := fixture{prefix: fmt.Sprintf("T%d", fixtureSeq.Add(1)), ids: map[string]string{}}
	ctx := context.Background()
	res, err := s.imports.Units(ctx, services.System, strings.NewReader(strings.ReplaceAll(fixtureCSV, "{p}", fx.prefix)), services.AllOrNothing)
	if err != nil {
		t.Fatalf("import fixture: %v", err)
	}
	if res.Inserted != len(fixtureKeys) {
		t.Fatalf("import fixture: inserted %d units, want %d (errors %v)", res.Inserted, len(fixtureKeys), res.Errors)
	}
	for _, k := range fixtureKeys {
		u, err := s.units.UnitByCode(ctx, services.System, fx.code(k))
		if err != nil {
			t.Fatalf("fixture unit %s: %v", k, err)
		}
		fx.ids[k] = strconv.FormatInt(u.ID, 10)
	}
	return fx
}

// listCodes walks every page of a unit list and returns the codes, sorted.
func (s *testServer) listCodes(t *testing.T, token, path string) []string {
	t.Helper()
	var codes []string
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := path
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("%s: more than 100 pages", path)
		}
		rec := s.do(t, http.MethodGet, next, token, nil)
		wantStatus(t, rec, http.StatusOK)
		l := decode[unitList](t, rec)
		for _, u := range l.Items {
			codes = append(codes, u.Code)
		}
		if l.NextCursor == nil {
			break
		}
		next = path + sep + "cursor=" + *l.NextCursor
	}
	slices.Sort(codes)
	return codes
}

// accountJSON is an account as the /users routes answer it.
type accountJSON struct {
	ID          string    `json:"id"`
	Username    string    `json:"username"`
	Role        string    `json:"role"`
	ScopeUnitID *string   `json:"scope_unit_id"`
	PersonID    *string   `json:"person_id"`
	Scope       *unitRef  `json:"scope"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type accountList struct {
	Items      []accountJSON `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

// tokenJSON is an API token as the /tokens routes answer it; Token is set only on creation.
type tokenJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

type tokenList struct {
	Items      []tokenJSON `json:"items"`
	NextCursor *string     `json:"next_cursor"`
}

// mkAccount creates an account through the users service as the installation, without logging
// it in, and returns its API id. scopeUnitID is an API id, "" for none.
func (s *testServer) mkAccount(t *testing.T, role models.Role, scopeUnitID string) string {
	t.Helper()
	in := services.UserInput{Username: fmt.Sprintf("acct-%d", userSeq.Add(1)), Password: testPassword, Role: role}
	if scopeUnitID != "" {
		id, err := strconv.ParseInt(scopeUnitID, 10, 64)
		if err != nil {
			t.Fatalf("mkAccount: scope %q: %v", scopeUnitID, err)
		}
		in.ScopeUnitID = &id
	}
	v, err := s.users.Create(context.Background(), services.System, in)
	if err != nil {
		t.Fatalf("mkAccount(%s): %v", role, err)
	}
	return strconv.FormatInt(v.User.ID, 10)
}

var boothSeq atomic.Int64

// mkUnit creates a unit of level under parent (an API id) as the installation and returns its
// API id and code.
func (s *testServer) mkUnit(t *testing.T, level models.Level, parentID string) (id, code string) {
	t.Helper()
	in := services.UnitInput{Level: level, Code: fmt.Sprintf("%s-MK%d", s.fx.prefix, boothSeq.Add(1)), Name: "Made by a test"}
	if parentID != "" {
		p, err := strconv.ParseInt(parentID, 10, 64)
		if err != nil {
			t.Fatalf("mkUnit: parent %q: %v", parentID, err)
		}
		in.ParentID = &p
	}
	u, err := s.units.Create(context.Background(), services.System, in)
	if err != nil {
		t.Fatalf("mkUnit(%s under %s): %v", level, parentID, err)
	}
	return strconv.FormatInt(u.ID, 10), u.Code
}

// elsewhere is a second state, outside the fixture's: state ── district ── assembly ── booth.
type elsewhere struct {
	state, district, assembly, booth string // API ids
	assemblyCode                     string
}

func (s *testServer) mkElsewhere(t *testing.T) elsewhere {
	t.Helper()
	var e elsewhere
	e.state, _ = s.mkUnit(t, models.LevelState, "")
	e.district, _ = s.mkUnit(t, models.LevelDistrict, e.state)
	e.assembly, e.assemblyCode = s.mkUnit(t, models.LevelAssembly, e.district)
	e.booth, _ = s.mkUnit(t, models.LevelBooth, e.assembly)
	return e
}

// mkAPIToken creates an API token through POST /api/v1/tokens with the caller's token.
func (s *testServer) mkAPIToken(t *testing.T, token, name string) tokenJSON {
	t.Helper()
	rec := s.do(t, http.MethodPost, "/api/v1/tokens", token, map[string]any{"name": name})
	wantStatus(t, rec, http.StatusCreated)
	return decode[tokenJSON](t, rec)
}

// auditMark is the id of the newest audit row (0 when there is none): rows after it are new.
func (s *testServer) auditMark(t *testing.T) int64 {
	t.Helper()
	var id *int64
	if err := s.db.Raw("SELECT max(id) FROM audit_log").Scan(&id).Error; err != nil {
		t.Fatalf("audit mark: %v", err)
	}
	if id == nil {
		return 0
	}
	return *id
}

// auditSince reads the audit rows of changes written after mark straight from the database,
// oldest first: without the security events (sign-ins, sign-outs, lockouts) of the tests' own
// logins, which securitySince reads.
func (s *testServer) auditSince(t *testing.T, mark int64) []models.AuditEntry {
	t.Helper()
	var rows []models.AuditEntry
	if err := s.db.Where("id > ? AND entity NOT IN ('session', 'login')", mark).Order("id").Find(&rows).Error; err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	return rows
}

// securitySince reads the security events written after mark, oldest first.
func (s *testServer) securitySince(t *testing.T, mark int64) []models.AuditEntry {
	t.Helper()
	var rows []models.AuditEntry
	if err := s.db.Where("id > ? AND entity IN ('session', 'login')", mark).Order("id").Find(&rows).Error; err != nil {
		t.Fatalf("read audit log: %v", err)
	}
	return rows
}

// doWithRequestID sends a request like do, with a chosen X-Request-ID.
func (s *testServer) doWithRequestID(t *testing.T, method, path, token, requestID string, body any) *httptest.ResponseRecorder {
	t.Helper()
	var r io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
		contentType = ""
	case csvText:
		r, contentType = strings.NewReader(string(b)), "text/csv; charset=utf-8"
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encode request body: %v", err)
		}
		r = bytes.NewReader(enc)
	}
	req := httptest.NewRequest(method, path, r)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set(headerReqID, requestID)
	return s.send(req)
}

var voterSeq atomic.Int64

// newVoterID returns a voter ID (EPIC) no other call returns.
func newVoterID() string { return fmt.Sprintf("API%07d", voterSeq.Add(1)) }

// mkPerson creates a person whose home is the unit homeID (an API id) through the people service
// as the installation, with a unique name; edits change the input first. It returns the API id.
func (s *testServer) mkPerson(t *testing.T, homeID string, edits ...func(*services.PersonInput)) string {
	t.Helper()
	home, err := strconv.ParseInt(homeID, 10, 64)
	if err != nil {
		t.Fatalf("mkPerson: home %q: %v", homeID, err)
	}
	in := services.PersonInput{Name: fmt.Sprintf("Karyakarta %d", userSeq.Add(1)), Gender: models.GenderFemale, Category: models.CategoryOBC, HomeUnitID: &home}
	for _, edit := range edits {
		edit(&in)
	}
	v, err := s.set.People.Create(context.Background(), services.System, in)
	if err != nil {
		t.Fatalf("mkPerson at %s: %v", homeID, err)
	}
	return strconv.FormatInt(v.Person.ID, 10)
}

// mkSeat seats a person (API id) on the committee of a unit (API id) through the committees
// service as the installation and returns the seat's API id.
func (s *testServer) mkSeat(t *testing.T, unitID, personID string, pos models.Position) string {
	t.Helper()
	u, err1 := strconv.ParseInt(unitID, 10, 64)
	p, err2 := strconv.ParseInt(personID, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("mkSeat: ids %q, %q", unitID, personID)
	}
	v, err := s.set.Committees.Seat(context.Background(), services.System, u, p, pos)
	if err != nil {
		t.Fatalf("mkSeat(%s as %s on %s): %v", personID, pos, unitID, err)
	}
	return strconv.FormatInt(v.Seat.ID, 10)
}

// personJSON is a person as a client reads it; the sensitive fields are raw so that a test can
// tell an absent key from a null.
type personJSON struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	NameHi       string          `json:"name_hi"`
	Gender       string          `json:"gender"`
	BirthYear    *int            `json:"birth_year"`
	Phone        json.RawMessage `json:"phone"`
	VoterID      json.RawMessage `json:"voter_id"`
	Category     string          `json:"category"`
	Religion     json.RawMessage `json:"religion"`
	Caste        json.RawMessage `json:"caste"`
	HomeUnitID   *string         `json:"home_unit_id"`
	UnitID       string          `json:"unit_id"`
	MembershipNo string          `json:"membership_no"`
	PublicOffice string          `json:"public_office"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
}

type personList struct {
	Items      []personJSON `json:"items"`
	NextCursor *string      `json:"next_cursor"`
}

// seatJSON is a committee seat as a client reads it.
type seatJSON struct {
	ID       string     `json:"id"`
	UnitID   string     `json:"unit_id"`
	Person   personJSON `json:"person"`
	Position string     `json:"position"`
	Since    time.Time  `json:"since"`
	EndedAt  *time.Time `json:"ended_at"`
	EndedBy  *string    `json:"ended_by"`
}

type seatList struct {
	Items      []seatJSON `json:"items"`
	NextCursor *string    `json:"next_cursor"`
}

// committeeJSON is a unit's committee as a client reads it.
type committeeJSON struct {
	UnitID   string     `json:"unit_id"`
	Complete bool       `json:"complete"`
	Seats    []seatJSON `json:"seats"`
	Norm     struct {
		MinSeats          int      `json:"min_seats"`
		MaxSeats          int      `json:"max_seats"`
		RequiredPositions []string `json:"required_positions"`
	} `json:"norm"`
	Composition struct {
		Seats      int            `json:"seats"`
		ByCategory map[string]int `json:"by_category"`
		ByGender   map[string]int `json:"by_gender"`
		Minority   int            `json:"minority"`
	} `json:"composition"`
}

// jsonString decodes a raw JSON string value; "" for null or absent.
func jsonString(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatalf("%s is not a JSON string: %v", raw, err)
	}
	return s
}

// coverageOf reads GET /api/v1/units/{id} as the admin and returns its coverage.
func (s *testServer) coverageOf(t *testing.T, unitID string) coverageJSON {
	t.Helper()
	rec := s.do(t, http.MethodGet, "/api/v1/units/"+unitID, s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	u := decode[unitJSON](t, rec)
	if u.Coverage == nil {
		t.Fatalf("unit %s answered without coverage: %s", unitID, rec.Body)
	}
	return *u.Coverage
}

// person is a new person whose home is the matrix booth at loc, so that no two cells share one.
func (m *matrix) person(loc string) string { return m.s.mkPerson(m.t, m.unit(loc)) }

// dbState is everything a people import may write: units with their rollups, people, seats and
// the audit log, every column, in id order. Equal states mean nothing was written.
type dbState struct {
	Units  []models.Unit
	People []models.Person
	Seats  []models.Seat
	Audit  []models.AuditEntry
}

// state reads the dbState straight from the database.
func (s *testServer) state(t *testing.T) dbState {
	t.Helper()
	var st dbState
	for _, q := range []struct {
		dest any
		what string
	}{{&st.Units, "units"}, {&st.People, "people"}, {&st.Seats, "seats"}, {&st.Audit, "audit log"}} {
		if err := s.db.Order("id").Find(q.dest).Error; err != nil {
			t.Fatalf("read %s: %v", q.what, err)
		}
	}
	return st
}

// sessionOf logs username in and returns the API id of the new session.
func (s *testServer) sessionOf(t *testing.T, username string) (sid, token string) {
	t.Helper()
	token = s.login(t, username, testPassword)
	list := decode[struct {
		Items []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"items"`
	}](t, s.do(t, http.MethodGet, "/api/v1/me/sessions", token, nil))
	for _, it := range list.Items {
		if it.Current {
			return it.ID, token
		}
	}
	t.Fatalf("no current session among %+v", list.Items)
	return "", ""
}

// usernameOf reads the username of the account with API id id.
func (s *testServer) usernameOf(t *testing.T, id string) string {
	t.Helper()
	var name string
	if err := s.db.DB.Raw("SELECT username FROM users WHERE id = ?", id).Scan(&name).Error; err != nil || name == "" {
		t.Fatalf("username of %s: %q, %v", id, name, err)
	}
	return name
}
