package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// sensitiveKeys are the fields of a person that only some roles see.
var sensitiveKeys = []string{"phone", "voter_id", "caste", "religion"}

// wantKeys checks which of the sensitive keys a person object carries: present ones may be null,
// absent ones must not be there at all.
func wantKeys(t *testing.T, where string, obj map[string]json.RawMessage, present ...string) {
	t.Helper()
	for _, k := range sensitiveKeys {
		_, has := obj[k]
		if want := slices.Contains(present, k); has != want {
			t.Errorf("%s: key %q present = %v, want %v (object keys %v)", where, k, has, want, objectKeys(obj))
		}
	}
}

func objectKeys(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// objects decodes {"items": [...]} into raw objects.
func objects(t *testing.T, body []byte) []map[string]json.RawMessage {
	t.Helper()
	var l struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		t.Fatalf("decode list: %v: %s", err, body)
	}
	return l.Items
}

func sub(t *testing.T, obj map[string]json.RawMessage, key string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj[key], &m); err != nil {
		t.Fatalf("%s is not an object: %v: %s", key, err, obj[key])
	}
	return m
}

// listPeople walks every page of a people list and returns the ids in order.
func (s *testServer) listPeople(t *testing.T, token, path string) []string {
	t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var ids []string
	next := path
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatalf("%s: more than 100 pages", path)
		}
		rec := s.do(t, http.MethodGet, next, token, nil)
		wantStatus(t, rec, http.StatusOK)
		l := decode[personList](t, rec)
		for _, p := range l.Items {
			ids = append(ids, p.ID)
		}
		if l.NextCursor == nil {
			break
		}
		next = path + sep + "cursor=" + url.QueryEscape(*l.NextCursor)
	}
	return ids
}

func TestCreatePerson(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, s.fx.id("LKO"))
	const name = "सुनीता बड\u093cा क्\u200dष" // a decomposed nukta and a zero-width joiner
	body := map[string]any{"name": "Sunita Verma", "name_hi": name, "gender": "female", "birth_year": 1985, "phone": "098765-43210",
		"voter_id": "abc1234567", "category": "SC", "religion": "buddhist", "caste": "जाटव", "home_unit_id": s.fx.id("LKOW-1"),
		"membership_no": "UP-42", "public_office": "local_body"}
	rec := s.do(t, http.MethodPost, "/api/v1/people", dc.Token, body)
	wantStatus(t, rec, http.StatusCreated)
	m := rawFields(t, rec)
	wantJSONString(t, m, "id", "home_unit_id", "unit_id")
	wantTimes(t, m, s.clock.Now(), s.clock.Now())
	p := decode[personJSON](t, rec)
	want := personJSON{ID: p.ID, Name: "Sunita Verma", NameHi: name, Gender: "female", BirthYear: ptr(1985),
		Phone: json.RawMessage(`"+919876543210"`), VoterID: json.RawMessage(`"ABC1234567"`), Category: "SC",
		Religion: json.RawMessage(`"buddhist"`), Caste: json.RawMessage(`"जाटव"`), HomeUnitID: ptr(s.fx.id("LKOW-1")), UnitID: s.fx.id("LKOW-1"),
		MembershipNo: "UP-42", PublicOffice: "local_body", CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("created person (-want +got):\n%s", d)
	}
	// Read back, the Devanagari is the same bytes.
	rec = s.do(t, http.MethodGet, "/api/v1/people/"+p.ID, dc.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	got := decode[personJSON](t, rec)
	if got.NameHi != name || jsonString(t, got.Caste) != "जाटव" {
		t.Errorf("read back name_hi %q caste %s, want %q and जाटव byte for byte", got.NameHi, got.Caste, name)
	}
	if !strings.Contains(rec.Body.String(), name) {
		t.Errorf("the answer does not carry the name_hi bytes as sent: %s", rec.Body)
	}

	// Optional fields left out are null, and the person is looked after by the caller's district.
	rec = s.do(t, http.MethodPost, "/api/v1/people", dc.Token, map[string]any{"name": "Minimal", "gender": "other", "category": "GEN"})
	wantStatus(t, rec, http.StatusCreated)
	m = rawFields(t, rec)
	for _, k := range []string{"phone", "voter_id", "religion", "birth_year", "home_unit_id"} {
		if string(m[k]) != "null" {
			t.Errorf("%s = %s, want null", k, m[k])
		}
	}
	if string(m["unit_id"]) != `"`+s.fx.id("LKO")+`"` {
		t.Errorf("unit_id = %s, want the coordinator's district %s", m["unit_id"], s.fx.id("LKO"))
	}
}

func TestCreatePersonRefusals(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	tokens := map[string]string{"dc": s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO")).Token}
	person := func(kv ...any) map[string]any {
		b := map[string]any{"name": "Valid Name", "gender": "male", "category": "OBC", "home_unit_id": fx.id("LKOW-1")}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(b, kv[i].(string))
				continue
			}
			b[kv[i].(string)] = kv[i+1]
		}
		return b
	}
	const post, path = http.MethodPost, "/api/v1/people"
	cases := []apiCase{
		{name: "400 not JSON", body: "{name:", wantStatus: http.StatusBadRequest},
		{name: "422 no name", body: person("name", nil), wantStatus: s422, wantFields: []string{"name"}},
		{name: "422 no gender", body: person("gender", nil), wantStatus: s422, wantFields: []string{"gender"}},
		{name: "422 gender not in the list", body: person("gender", "transman"), wantStatus: s422, wantFields: []string{"gender"}},
		{name: "422 no category", body: person("category", nil), wantStatus: s422, wantFields: []string{"category"}},
		{name: "422 category not in the list", body: person("category", "EWS"), wantStatus: s422, wantFields: []string{"category"}},
		{name: "422 religion not in the list", body: person("religion", "pagan"), wantStatus: s422, wantFields: []string{"religion"}},
		{name: "422 landline", body: person("phone", "0522 2612345"), wantStatus: s422, wantFields: []string{"phone"}},
		{name: "422 short phone", body: person("phone", "98765 432"), wantStatus: s422, wantFields: []string{"phone"}},
		{name: "422 phone with letters", body: person("phone", "98765 ABCDE"), wantStatus: s422, wantFields: []string{"phone"}},
		{name: "422 phone as a number", body: person("phone", 9876543210), wantStatus: s422, wantFields: []string{"phone"}},
		{name: "422 voter ID of two letters", body: person("voter_id", "AB12345678"), wantStatus: s422, wantFields: []string{"voter_id"}},
		{name: "422 voter ID of six digits", body: person("voter_id", "ABC123456"), wantStatus: s422, wantFields: []string{"voter_id"}},
		{name: "422 voter ID of eight digits", body: person("voter_id", "ABC12345678"), wantStatus: s422, wantFields: []string{"voter_id"}},
		{name: "422 aged 17 by the server clock", body: person("birth_year", 2007), wantStatus: s422, wantFields: []string{"birth_year"}},
		{name: "422 aged 121", body: person("birth_year", 1903), wantStatus: s422, wantFields: []string{"birth_year"}},
		{name: "422 birth year as text", body: person("birth_year", "1980"), wantStatus: s422, wantFields: []string{"birth_year"}},
		{name: "422 home unit not an id", body: person("home_unit_id", "LKOW-1"), wantStatus: s422, wantFields: []string{"home_unit_id"}},
		{name: "422 home unit in another district", body: person("home_unit_id", fx.id("AGRC-1")), wantStatus: s422, wantFields: []string{"home_unit_id"}},
		{name: "422 several bad fields at once", body: person("gender", "x", "category", "y", "phone", "1"), wantStatus: s422, wantFields: []string{"gender", "category", "phone"}},
	}
	for i := range cases {
		cases[i].method, cases[i].path, cases[i].actor = post, path, "dc"
	}
	runCases(t, s, tokens, cases)
	if n := len(s.listPeople(t, s.admin.Token, "/api/v1/people")); n != 0 {
		t.Errorf("%d people stored by refused requests", n)
	}

	// The boundaries that pass, and the writings of one mobile number.
	for _, year := range []int{2006, 1904} {
		wantStatus(t, s.do(t, post, path, tokens["dc"], person("birth_year", year)), http.StatusCreated)
	}
	for _, phone := range []string{"98765 43210", "098765-43210", "+91 98765 43210", "919876543210"} {
		rec := s.do(t, post, path, tokens["dc"], person("phone", phone))
		wantStatus(t, rec, http.StatusCreated)
		if got := jsonString(t, decode[personJSON](t, rec).Phone); got != "+919876543210" {
			t.Errorf("phone %q answered as %q, want +919876543210", phone, got)
		}
	}
}

// TestDuplicateVoterID: a second person with a voter ID is a 409 that names the holder only to a
// caller who may see them.
func TestDuplicateVoterID(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dcA := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	dcB := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR"))
	voter := newVoterID()
	holder := s.mkPerson(t, fx.id("LKOW-1"), func(in *services.PersonInput) { in.VoterID = voter })
	body := func(home string) map[string]any {
		return map[string]any{"name": "Twin", "gender": "male", "category": "GEN", "voter_id": strings.ToLower(voter), "home_unit_id": home}
	}
	text := func(p problem) string {
		out := p.Detail
		for _, e := range p.Errors {
			out += " | " + e.Message
		}
		return out
	}
	for name, c := range map[string]struct{ token, home string }{"admin": {s.admin.Token, fx.id("AGRC-1")}, "coordinator of A": {dcA.Token, fx.id("LKOW-2")}} {
		p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/people", c.token, body(c.home)), http.StatusConflict)
		if !strings.Contains(text(p), holder) || !slices.Contains(problemFields(p), "voter_id") {
			t.Errorf("%s: %q, want it to name person %s and voter_id", name, text(p), holder)
		}
	}
	p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/people", dcB.Token, body(fx.id("AGRC-1"))), http.StatusConflict)
	if strings.ContainsAny(text(p), "0123456789") || !slices.Contains(problemFields(p), "voter_id") {
		t.Errorf("coordinator of B: %q; want voter_id named and no id of A's person", text(p))
	}
	// The same through PATCH.
	mine := s.mkPerson(t, fx.id("AGRC-2"))
	p = wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/"+mine, dcB.Token, map[string]any{"voter_id": voter}), http.StatusConflict)
	if strings.ContainsAny(text(p), "0123456789") {
		t.Errorf("PATCH by the coordinator of B: %q names an id", text(p))
	}
}

// TestPersonalDataByRole: what each role reads of a person, from the JSON: viewers get no phone,
// voter_id, caste or religion keys at all, booth workers no caste or religion and only the people
// of their booth, coordinators only their district's people.
func TestPersonalDataByRole(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	full := func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion, in.NameHi = "98765 43210", newVoterID(), "Pasi", "hindu", "राम"
	}
	atBooth := s.mkPerson(t, fx.id("LKOW-1"), full)
	noPhone := s.mkPerson(t, fx.id("LKOW-1"))
	otherBooth := s.mkPerson(t, fx.id("LKOW-2"), full)
	inAgra := s.mkPerson(t, fx.id("AGRC-1"), full)
	s.mkSeat(t, fx.id("LKOW-1"), atBooth, models.PositionPresident)
	users := map[string]testUser{
		"admin":  s.admin,
		"state":  s.mkUser(t, models.RoleStateOffice, fx.id("UP")),
		"dc":     s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO")),
		"dcB":    s.mkUser(t, models.RoleDistrictCoordinator, fx.id("AGR")),
		"worker": s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1")),
		"viewer": s.mkUser(t, models.RoleViewer, fx.id("LKO")),
	}
	cases := []struct {
		role    string
		keys    []string // sensitive keys the role reads
		sees    []string // people the role lists, in id order
		notSeen []string // people that answer 404
	}{
		{"admin", sensitiveKeys, []string{atBooth, noPhone, otherBooth, inAgra}, nil},
		{"state", sensitiveKeys, []string{atBooth, noPhone, otherBooth, inAgra}, nil},
		{"dc", sensitiveKeys, []string{atBooth, noPhone, otherBooth}, []string{inAgra}},
		{"dcB", sensitiveKeys, []string{inAgra}, []string{atBooth, noPhone, otherBooth}},
		{"worker", []string{"phone", "voter_id"}, []string{atBooth, noPhone}, []string{otherBooth, inAgra}},
		// Viewers read no people at all; their committee rosters are TestViewerRosterNamesAndPositions.
	}
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			tok := users[c.role].Token
			for _, id := range c.sees {
				rec := s.do(t, http.MethodGet, "/api/v1/people/"+id, tok, nil)
				wantStatus(t, rec, http.StatusOK)
				wantKeys(t, "GET person "+id, rawFields(t, rec), c.keys...)
			}
			for _, id := range c.notSeen {
				wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people/"+id, tok, nil), http.StatusNotFound)
			}
			rec := s.do(t, http.MethodGet, "/api/v1/people", tok, nil)
			wantStatus(t, rec, http.StatusOK)
			var listed []string
			for _, obj := range objects(t, rec.Body.Bytes()) {
				wantKeys(t, "list item", obj, c.keys...)
				listed = append(listed, jsonString(t, obj["id"]))
			}
			if d := cmp.Diff(c.sees, listed); d != "" {
				t.Errorf("list (-want +got):\n%s", d)
			}
			// The same person inside a committee and its history.
			if slices.Contains(c.sees, atBooth) {
				rec = s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-1")+"/committee", tok, nil)
				wantStatus(t, rec, http.StatusOK)
				var cm struct {
					Seats []map[string]json.RawMessage `json:"seats"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &cm); err != nil || len(cm.Seats) != 1 {
					t.Fatalf("committee: %v: %s", err, rec.Body)
				}
				wantKeys(t, "committee seat", sub(t, cm.Seats[0], "person"), c.keys...)
				rec = s.do(t, http.MethodGet, "/api/v1/units/"+fx.id("LKOW-1")+"/committee/history", tok, nil)
				wantStatus(t, rec, http.StatusOK)
				items := objects(t, rec.Body.Bytes())
				if len(items) != 1 {
					t.Fatalf("history: %d items: %s", len(items), rec.Body)
				}
				wantKeys(t, "history seat", sub(t, items[0], "person"), c.keys...)
			}
		})
	}
	// A field the caller may see but that is not known is null, not left out.
	m := rawFields(t, s.do(t, http.MethodGet, "/api/v1/people/"+noPhone, users["worker"].Token, nil))
	if string(m["phone"]) != "null" || string(m["voter_id"]) != "null" {
		t.Errorf("unknown phone %s voter_id %s for a booth worker, want null", m["phone"], m["voter_id"])
	}
	// Values, where shown, are the stored ones.
	m = rawFields(t, s.do(t, http.MethodGet, "/api/v1/people/"+atBooth, users["worker"].Token, nil))
	if jsonString(t, m["phone"]) != "+919876543210" {
		t.Errorf("booth worker reads phone %s", m["phone"])
	}
	m = rawFields(t, s.do(t, http.MethodGet, "/api/v1/people/"+atBooth, users["dc"].Token, nil))
	if jsonString(t, m["caste"]) != "Pasi" || jsonString(t, m["religion"]) != "hindu" {
		t.Errorf("coordinator reads caste %s religion %s", m["caste"], m["religion"])
	}

	// Booth workers and viewers write nothing, even in their own booth.
	for _, role := range []string{"worker", "viewer"} {
		tok := users[role].Token
		wantProblem(t, s.do(t, http.MethodPost, "/api/v1/people", tok, map[string]any{"name": "X", "gender": "male", "category": "GEN", "home_unit_id": fx.id("LKOW-1")}), http.StatusForbidden)
		wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/"+atBooth, tok, map[string]any{"name": "Changed"}), http.StatusForbidden)
		wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/people/"+noPhone, tok, nil), http.StatusForbidden)
	}
	// A coordinator does not reach another district's person.
	wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/"+inAgra, users["dc"].Token, map[string]any{"name": "Changed"}), http.StatusNotFound)
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/people/"+inAgra, users["dc"].Token, nil), http.StatusNotFound)
	rec := s.do(t, http.MethodGet, "/api/v1/people/"+inAgra, s.admin.Token, nil)
	if p := decode[personJSON](t, rec); !strings.HasPrefix(p.Name, "Karyakarta") {
		t.Errorf("B's person renamed to %q by refused writes", p.Name)
	}
}

func TestListPeople(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	mk := func(home, name, hi string, c models.Category, g models.Gender) string {
		return s.mkPerson(t, home, func(in *services.PersonInput) { in.Name, in.NameHi, in.Category, in.Gender = name, hi, c, g })
	}
	ram := mk(fx.id("LKOW-1"), "Ram Kumar", "राम कुमार", models.CategorySC, models.GenderMale)
	sita := mk(fx.id("LKOW-2"), "Sita RAMAN", "सीता रमन", models.CategoryOBC, models.GenderFemale)
	gita := mk(fx.id("LKOC-1"), "Gita Devi", "गीता देवी", models.CategorySC, models.GenderFemale)
	irfan := mk(fx.id("AGRC-2"), "Mohammad Irfan", "मोहम्मद इरफ़ान", models.CategoryOBC, models.GenderMale)
	lko := mk(fx.id("LKO"), "District Office", "", models.CategoryGEN, models.GenderOther)
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	q := url.QueryEscape
	cases := []struct {
		path  string
		token string
		want  []string
	}{
		// In tree order: the district office's person (at the district) before its booths'.
		{"/api/v1/people", s.admin.Token, []string{lko, ram, sita, gita, irfan}},
		{"/api/v1/people?q=ram", s.admin.Token, []string{ram, sita}},
		{"/api/v1/people?q=RAM", s.admin.Token, []string{ram, sita}},
		{"/api/v1/people?q=" + q("राम"), s.admin.Token, []string{ram, sita}}, // as ram: रमन shares Ram's key
		{"/api/v1/people?q=" + q("इरफ़ान"), s.admin.Token, []string{irfan}},
		{"/api/v1/people?q=" + q("इरफ़ान"), dc.Token, nil},
		{"/api/v1/people?category=SC", s.admin.Token, []string{ram, gita}},
		{"/api/v1/people?gender=female", s.admin.Token, []string{sita, gita}},
		{"/api/v1/people?category=OBC&gender=male", s.admin.Token, []string{irfan}},
		{"/api/v1/people?under=" + fx.id("LKOW"), s.admin.Token, []string{ram, sita}},
		{"/api/v1/people?under=" + fx.id("LKO"), s.admin.Token, []string{lko, ram, sita, gita}},
		{"/api/v1/people?under=" + fx.id("PC"), s.admin.Token, []string{ram, sita, irfan}},
		{"/api/v1/people?under=" + fx.id("AGR") + "&gender=male", s.admin.Token, []string{irfan}},
		{"/api/v1/people?home_unit_id=" + fx.id("LKOW-2"), s.admin.Token, []string{sita}},
		{"/api/v1/people?limit=2", s.admin.Token, []string{lko, ram, sita, gita, irfan}},
		{"/api/v1/people?limit=1&category=SC", dc.Token, []string{ram, gita}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			if d := cmp.Diff(c.want, s.listPeople(t, c.token, c.path)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	// One page of two, with a cursor to the next.
	l := decode[personList](t, s.do(t, http.MethodGet, "/api/v1/people?limit=2", s.admin.Token, nil))
	if len(l.Items) != 2 || l.NextCursor == nil {
		t.Errorf("first page of 2: %d items, next %v", len(l.Items), l.NextCursor)
	}
	tokens := map[string]string{"admin": s.admin.Token, "dc": dc.Token}
	get := http.MethodGet
	runCases(t, s, tokens, []apiCase{
		{name: "422 unknown category", method: get, path: "/api/v1/people?category=EWS", actor: "admin", wantStatus: s422, wantFields: []string{"category"}},
		{name: "422 unknown gender", method: get, path: "/api/v1/people?gender=f", actor: "admin", wantStatus: s422, wantFields: []string{"gender"}},
		{name: "422 limit 0", method: get, path: "/api/v1/people?limit=0", actor: "admin", wantStatus: s422, wantFields: []string{"limit"}},
		{name: "422 limit 501", method: get, path: "/api/v1/people?limit=501", actor: "admin", wantStatus: s422, wantFields: []string{"limit"}},
		{name: "422 a cursor not ours", method: get, path: "/api/v1/people?cursor=zzz!", actor: "admin", wantStatus: s422, wantFields: []string{"cursor"}},
		{name: "422 under not an id", method: get, path: "/api/v1/people?under=LKO", actor: "admin", wantStatus: s422, wantFields: []string{"under"}},
		{name: "404 under another district", method: get, path: "/api/v1/people?under=" + fx.id("AGR"), actor: "dc", wantStatus: s404},
		{name: "404 home unit in another district", method: get, path: "/api/v1/people?home_unit_id=" + fx.id("AGRC-2"), actor: "dc", wantStatus: s404},
	})
}

func TestUpdatePerson(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	id := s.mkPerson(t, fx.id("LKOW-1"), func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion, in.BirthYear = "98765 43210", newVoterID(), "Pasi", "hindu", ptr(1970)
	})
	before := decode[personJSON](t, s.do(t, http.MethodGet, "/api/v1/people/"+id, dc.Token, nil))
	s.clock.Advance(time.Minute) // well inside the access token's life

	rec := s.do(t, http.MethodPatch, "/api/v1/people/"+id, dc.Token, map[string]any{"phone": "+91 70000 00001", "name_hi": "नया नाम", "caste": nil})
	wantStatus(t, rec, http.StatusOK)
	got := decode[personJSON](t, rec)
	if jsonString(t, got.Phone) != "+917000000001" || got.NameHi != "नया नाम" || jsonString(t, got.Caste) != "" {
		t.Errorf("after PATCH: phone %s name_hi %q caste %s", got.Phone, got.NameHi, got.Caste)
	}
	if got.Name != before.Name || string(got.VoterID) != string(before.VoterID) || string(got.Religion) != string(before.Religion) || *got.BirthYear != 1970 {
		t.Errorf("fields the PATCH did not name changed: %+v, before %+v", got, before)
	}
	if !got.UpdatedAt.Equal(s.clock.Now()) || !got.CreatedAt.Equal(before.CreatedAt) {
		t.Errorf("created %v updated %v, want %v and %v", got.CreatedAt, got.UpdatedAt, before.CreatedAt, s.clock.Now())
	}
	// Null clears an optional field.
	got = decode[personJSON](t, s.do(t, http.MethodPatch, "/api/v1/people/"+id, dc.Token, map[string]any{"phone": nil, "birth_year": nil}))
	if string(got.Phone) != "null" || got.BirthYear != nil {
		t.Errorf("cleared phone %s birth_year %v, want null", got.Phone, got.BirthYear)
	}
	// A refused PATCH changes nothing.
	stored := s.do(t, http.MethodGet, "/api/v1/people/"+id, dc.Token, nil).Body.String()
	wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/"+id, dc.Token, map[string]any{"name": "Renamed", "voter_id": "X1"}), s422)
	wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/"+id, dc.Token, map[string]any{"name": "Renamed", "home_unit_id": fx.id("AGRC-1")}), s422)
	if again := s.do(t, http.MethodGet, "/api/v1/people/"+id, dc.Token, nil).Body.String(); again != stored {
		t.Errorf("a refused PATCH changed the person:\n%s\n%s", stored, again)
	}
	wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/987654321", dc.Token, map[string]any{"name": "X"}), s404)
	wantProblem(t, s.do(t, http.MethodPatch, "/api/v1/people/abc", dc.Token, map[string]any{"name": "X"}), s404)
	// A new home inside the district moves the person there.
	got = decode[personJSON](t, s.do(t, http.MethodPatch, "/api/v1/people/"+id, dc.Token, map[string]any{"home_unit_id": fx.id("LKOC-1")}))
	if got.UnitID != fx.id("LKOC-1") || got.HomeUnitID == nil || *got.HomeUnitID != fx.id("LKOC-1") {
		t.Errorf("after the move: unit %s home %v", got.UnitID, got.HomeUnitID)
	}
}

func TestDeletePerson(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	free := s.mkPerson(t, fx.id("LKOW-1"))
	seated := s.mkPerson(t, fx.id("LKOW-1"))
	s.mkSeat(t, fx.id("LKOW-1"), seated, models.PositionMember)

	mark := s.auditMark(t)
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/people/"+seated, dc.Token, nil), http.StatusConflict)
	wantStatus(t, s.do(t, http.MethodGet, "/api/v1/people/"+seated, dc.Token, nil), http.StatusOK)

	rec := s.do(t, http.MethodDelete, "/api/v1/people/"+free, dc.Token, nil)
	wantStatus(t, rec, http.StatusNoContent)
	if rec.Body.Len() != 0 {
		t.Errorf("204 with a body: %s", rec.Body)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/people/"+free, dc.Token, nil), http.StatusNotFound)
	wantProblem(t, s.do(t, http.MethodDelete, "/api/v1/people/"+free, dc.Token, nil), http.StatusNotFound)
	rows := s.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "delete" || rows[0].Entity != "person" || rows[0].EntityID != free || rows[0].ActorUsername != dc.Username {
		t.Errorf("audit rows %+v, want one person delete of %s by %s", rows, free, dc.Username)
	}
}

// TestPeopleListTellsNamesakesApart: two people of one name, at two booths, one of them on a
// committee: each list item names the unit that looks after the person and their current seats.
func TestPeopleListTellsNamesakesApart(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	const name = "Ramesh Namesake"
	a := s.mkPerson(t, fx.id("LKOW-1"), func(in *services.PersonInput) { in.Name = name })
	b := s.mkPerson(t, fx.id("LKOW-2"), func(in *services.PersonInput) { in.Name = name })
	s.mkSeat(t, fx.id("LKOW-2"), b, models.PositionPresident)
	rec := s.do(t, http.MethodGet, "/api/v1/people?q=ramesh+namesake", s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	type namesakes struct {
		Items []struct {
			ID       string `json:"id"`
			HomeUnit *struct {
				Code string `json:"code"`
			} `json:"home_unit"`
			CurrentSeats *[]struct {
				Unit struct {
					Code string `json:"code"`
				} `json:"unit"`
				Position string `json:"position"`
			} `json:"current_seats"`
		} `json:"items"`
	}
	list := decode[namesakes](t, rec)
	if len(list.Items) != 2 {
		t.Fatalf("%d namesakes listed, want 2", len(list.Items))
	}
	for _, it := range list.Items {
		if it.HomeUnit == nil || it.CurrentSeats == nil {
			t.Fatalf("item %s without home_unit or current_seats", it.ID)
		}
		switch it.ID {
		case a:
			if it.HomeUnit.Code != fx.code("LKOW-1") || len(*it.CurrentSeats) != 0 {
				t.Errorf("first namesake: home %s, seats %+v", it.HomeUnit.Code, *it.CurrentSeats)
			}
		case b:
			if it.HomeUnit.Code != fx.code("LKOW-2") || len(*it.CurrentSeats) != 1 || (*it.CurrentSeats)[0].Position != "president" ||
				(*it.CurrentSeats)[0].Unit.Code != fx.code("LKOW-2") {
				t.Errorf("second namesake: home %s, seats %+v", it.HomeUnit.Code, *it.CurrentSeats)
			}
		}
	}
}
