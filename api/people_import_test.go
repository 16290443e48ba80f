package api

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// contractPeopleColumns is the people CSV header as API.md fixes it.
var contractPeopleColumns = []string{"name", "name_hi", "gender", "birth_year", "phone", "voter_id", "category", "religion", "caste",
	"home_unit_code", "committee_unit_code", "position"}

var peopleHeader = strings.Join(contractPeopleColumns, ",")

// peopleRow is one row of a people CSV under peopleHeader.
type peopleRow struct {
	name, nameHi, gender, birth, phone, voter, category, religion, caste, home, comm, position string
}

func (p peopleRow) String() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{p.name, p.nameHi, p.gender, p.birth, p.phone, p.voter, p.category, p.religion, p.caste, p.home, p.comm, p.position})
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

var rowSeq atomic.Int64

// freshRow is a valid row for a new person at the unit with code home, with a unique name and
// voter ID; seat, when given, is committee code and position.
func freshRow(home string, seat ...string) peopleRow {
	p := peopleRow{name: fmt.Sprintf("CSV Karyakarta %d", rowSeq.Add(1)), gender: "male", category: "GEN", voter: newVoterID(), home: home}
	if len(seat) == 2 {
		p.comm, p.position = seat[0], seat[1]
	}
	return p
}

// peopleCSV is a people CSV of rows (peopleRow or raw lines) under peopleHeader.
func peopleCSV(rows ...any) string {
	var b strings.Builder
	b.WriteString(peopleHeader + "\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "%v\n", r)
	}
	return b.String()
}

type peopleImportJSON struct {
	Inserted int                   `json:"inserted"`
	Updated  int                   `json:"updated"`
	Seated   int                   `json:"seated"`
	Errors   []services.FieldError `json:"errors"`
}

// importPeopleCSV posts a people CSV as the token's user.
func (s *testServer) importPeopleCSV(t *testing.T, token, query, body string) *httptest.ResponseRecorder {
	t.Helper()
	return s.do(t, http.MethodPost, "/api/v1/imports/people"+query, token, csvText(body))
}

// wantPeopleImported checks a 200 people import answer against the counts and returns it.
func wantPeopleImported(t *testing.T, rec *httptest.ResponseRecorder, inserted, updated, seated int) peopleImportJSON {
	t.Helper()
	wantStatus(t, rec, http.StatusOK)
	for _, key := range []string{`"inserted":`, `"updated":`, `"seated":`, `"errors":[`} {
		if !strings.Contains(rec.Body.String(), key) {
			t.Errorf("people import answer lacks %s: %s", key, rec.Body)
		}
	}
	res := decode[peopleImportJSON](t, rec)
	if res.Inserted != inserted || res.Updated != updated || res.Seated != seated {
		t.Errorf("import: inserted %d updated %d seated %d, want %d, %d, %d; errors %v", res.Inserted, res.Updated, res.Seated,
			inserted, updated, seated, res.Errors)
	}
	return res
}

// exportPeopleRows gets the people CSV as the token's user and returns its data rows, checking
// the header and the headers of the answer.
func (s *testServer) exportPeopleRows(t *testing.T, token, query string) [][]string {
	t.Helper()
	rec := s.do(t, http.MethodGet, "/api/v1/exports/people.csv"+query, token, nil)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q: personal data must not be cached", cc)
	}
	recs, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("export is not CSV (%v): %s", err, rec.Body)
	}
	if d := cmp.Diff(contractPeopleColumns, recs[0]); d != "" {
		t.Errorf("export header (-want +got):\n%s", d)
	}
	return recs[1:]
}

// byName keys people CSV rows by name.
func byName(rows [][]string) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows {
		out[r[0]] = r
	}
	return out
}

// joinedSorted is rows as sorted lines, for comparing exports whose ids differ.
func joinedSorted(rows [][]string) []string {
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, strings.Join(r, "\x1f"))
	}
	slices.Sort(out)
	return out
}

// personByVoter reads a person straight from the database; ok is false when there is none.
func (s *testServer) personByVoter(t *testing.T, voter string) (models.Person, bool) {
	t.Helper()
	var ps []models.Person
	if err := s.db.Where("voter_id = ?", voter).Find(&ps).Error; err != nil {
		t.Fatalf("person %s: %v", voter, err)
	}
	if len(ps) == 0 {
		return models.Person{}, false
	}
	return ps[0], true
}

func TestImportPeopleCSV(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.code("LKOW-1")
	// A complete committee for booth LKOW-1: president, booth agent and eight members.
	sunita := peopleRow{name: "Sunita Devi", nameHi: "सुनीता देवी", gender: "female", birth: "1975", phone: "098765-43210",
		voter: "api 9100001", category: "sc", religion: "Hindu", caste: "जाटव", home: booth, comm: booth, position: "president"}
	rows := []any{sunita, peopleRow{name: "Zaid Khan", nameHi: "\u095bैद \u0959ान", gender: "male", phone: "+91 87654 32109",
		voter: newVoterID(), category: "OBC", religion: "muslim", home: booth, comm: booth, position: "booth_agent"}}
	for range 8 {
		rows = append(rows, freshRow(booth, booth, "member"))
	}
	rows = append(rows, freshRow(fx.code("AGRC-1")))
	body := peopleCSV(rows...)
	wantPeopleImported(t, s.importPeopleCSV(t, s.admin.Token, "", body), 11, 0, 10)

	// The person as the API answers: Devanagari byte for byte, phone and voter ID normalised.
	rec := s.do(t, http.MethodGet, "/api/v1/people?q="+url.QueryEscape("सुनीता"), s.admin.Token, nil)
	wantStatus(t, rec, http.StatusOK)
	got := decode[personList](t, rec)
	if len(got.Items) != 1 {
		t.Fatalf("q=सुनीता: %s", rec.Body)
	}
	p := got.Items[0]
	if !bytes.Equal([]byte(p.NameHi), []byte("सुनीता देवी")) || jsonString(t, p.Phone) != "+919876543210" || jsonString(t, p.VoterID) != "API9100001" ||
		p.Category != "SC" || jsonString(t, p.Religion) != "hindu" || jsonString(t, p.Caste) != "जाटव" || p.HomeUnitID == nil || *p.HomeUnitID != fx.id("LKOW-1") {
		t.Errorf("Sunita through the API: %+v", p)
	}
	// The precomposed nukta is found as written; nothing rewrote it.
	if zaid := s.listPeople(t, s.admin.Token, "/api/v1/people?q="+url.QueryEscape("\u0959ान")); len(zaid) != 1 {
		t.Errorf("q=\u0959ान found %v", zaid)
	}

	c := s.getCommittee(t, s.admin.Token, fx.id("LKOW-1"))
	if !c.Complete || len(c.Seats) != 10 || c.Seats[0].Position != "president" || c.Seats[0].Person.ID != p.ID {
		t.Errorf("committee of LKOW-1: complete %v, %d seats, first %+v", c.Complete, len(c.Seats), c.Seats[0])
	}
	for key, want := range map[string]coverageJSON{"LKOW-1": {Booths: 1, Complete: 1}, "LKOW": {Booths: 2, Complete: 1},
		"LKO": {Booths: 3, Complete: 1}, "PC": {Booths: 4, Complete: 1}, "UP": {Booths: 5, Complete: 1}, "AGR": {Booths: 2}} {
		if got := s.coverageOf(t, fx.id(key)); got.Booths != want.Booths || got.Complete != want.Complete {
			t.Errorf("%s coverage %+v, want %+v", key, got, want)
		}
	}

	// The same file again, without the seats: every person is updated in place.
	again := strings.ReplaceAll(body, ","+booth+",president", ",,")
	again = strings.ReplaceAll(again, ","+booth+",booth_agent", ",,")
	again = strings.ReplaceAll(again, ","+booth+",member", ",,")
	before := s.state(t)
	wantPeopleImported(t, s.importPeopleCSV(t, s.admin.Token, "?mode=valid_rows", again), 0, 11, 0)
	if after := s.state(t); len(after.People) != len(before.People) || len(after.Seats) != len(before.Seats) {
		t.Errorf("re-import: %d people, %d seats; before %d, %d", len(after.People), len(after.Seats), len(before.People), len(before.Seats))
	}

	// Not CSV, or an unknown mode.
	rec = s.do(t, http.MethodPost, "/api/v1/imports/people", s.admin.Token, body)
	wantProblem(t, rec, http.StatusUnsupportedMediaType)
	pr := wantProblem(t, s.importPeopleCSV(t, s.admin.Token, "?mode=sometimes", body), http.StatusUnprocessableEntity)
	if d := cmp.Diff([]string{"mode"}, problemFields(pr)); d != "" {
		t.Errorf("bad mode fields (-want +got):\n%s", d)
	}
}

func TestImportPeopleCSVBadRows(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	b1, b2 := fx.code("LKOW-1"), fx.code("LKOW-2")
	// LKOW-2 has a president; a new booth has 20 of its 21 seats; someone sits on LKOC-1.
	s.mkSeat(t, fx.id("LKOW-2"), s.mkPerson(t, fx.id("LKOW-2")), models.PositionPresident)
	fullID, full := s.mkUnit(t, models.LevelBooth, fx.id("LKOW"))
	for i := range 20 {
		pos := models.PositionMember
		if i == 0 {
			pos = models.PositionBoothAgent
		}
		s.mkSeat(t, fullID, s.mkPerson(t, fullID), pos)
	}
	sittingVoter := newVoterID()
	s.mkSeat(t, fx.id("LKOC-1"), s.mkPerson(t, fx.id("LKOC-1"), func(in *services.PersonInput) { in.VoterID = sittingVoter }), models.PositionSecretary)

	first := freshRow(b1)
	edit := func(f func(*peopleRow)) peopleRow {
		p := freshRow(b1)
		f(&p)
		return p
	}
	rows := []any{
		first,           // 2
		"Too Few,,male", // 3
		edit(func(p *peopleRow) { p.gender = "m" }),                                                          // 4
		edit(func(p *peopleRow) { p.category = "BC" }),                                                       // 5
		edit(func(p *peopleRow) { p.religion = "pagan" }),                                                    // 6
		edit(func(p *peopleRow) { p.phone = "12345" }),                                                       // 7
		edit(func(p *peopleRow) { p.voter = "AB1234567" }),                                                   // 8
		edit(func(p *peopleRow) { p.birth = "abc" }),                                                         // 9
		edit(func(p *peopleRow) { p.birth = "2010" }),                                                        // 10
		edit(func(p *peopleRow) { p.position = "member" }),                                                   // 11
		edit(func(p *peopleRow) { p.comm = b1 }),                                                             // 12
		edit(func(p *peopleRow) { p.comm, p.position = b1, "chairman" }),                                     // 13
		edit(func(p *peopleRow) { p.home = "NO-SUCH-UNIT" }),                                                 // 14
		edit(func(p *peopleRow) { p.comm, p.position = "NO-SUCH-UNIT", "member" }),                           // 15
		edit(func(p *peopleRow) { p.voter = first.voter }),                                                   // 16
		freshRow(b1, b1, "president"),                                                                        // 17
		freshRow(b1, b1, "president"),                                                                        // 18
		freshRow(b2, b2, "president"),                                                                        // 19
		freshRow(b1, fx.code("LKOW"), "booth_agent"),                                                         // 20
		freshRow(b1, full, "member"),                                                                         // 21
		freshRow(b1, full, "member"),                                                                         // 22
		edit(func(p *peopleRow) { p.voter, p.comm, p.position = sittingVoter, fx.code("LKOC-1"), "member" }), // 23
		edit(func(p *peopleRow) { p.home = "" }),                                                             // 24
		freshRow(b1),                                                                                         // 25
		freshRow(b1).String() + ",extra",                                                                     // 26
	}
	body := peopleCSV(rows...)
	want := []string{"3 row", "4 gender", "5 category", "6 religion", "7 phone", "8 voter_id", "9 birth_year", "10 birth_year",
		"11 committee_unit_code", "12 position", "13 position", "14 home_unit_code", "15 committee_unit_code", "16 voter_id",
		"18 position", "19 position", "20 position", "22 committee_unit_code", "23 committee_unit_code", "24 home_unit_code", "26 row"}

	before := s.state(t)
	for _, q := range []string{"", "?mode=all_or_nothing"} {
		p := wantProblem(t, s.importPeopleCSV(t, s.admin.Token, q, body), http.StatusUnprocessableEntity)
		if d := cmp.Diff(want, lineFields(t, p.Errors)); d != "" {
			t.Errorf("%q: row errors (-want +got):\n%s", q, d)
		}
		if d := cmp.Diff(before, s.state(t)); d != "" {
			t.Fatalf("%q: a refused import wrote (-before +after):\n%s", q, d)
		}
	}

	res := wantPeopleImported(t, s.importPeopleCSV(t, s.admin.Token, "?mode=valid_rows", body), 4, 0, 2)
	if d := cmp.Diff(want, lineFields(t, res.Errors)); d != "" {
		t.Errorf("valid_rows row errors (-want +got):\n%s", d)
	}
	for i, r := range rows {
		pr, ok := r.(peopleRow)
		if !ok {
			continue
		}
		line := fmt.Sprint(i + 2)
		bad := slices.ContainsFunc(want, func(w string) bool { return strings.HasPrefix(w, line+" ") })
		var n int64
		if err := s.db.Model(&models.Person{}).Where("name = ?", pr.name).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		if (n == 1) == bad {
			t.Errorf("line %d (bad %v): %d people named %s", i+2, bad, n, pr.name)
		}
	}
	if c := s.getCommittee(t, s.admin.Token, fullID); len(c.Seats) != 21 {
		t.Errorf("the full booth has %d seats", len(c.Seats))
	}

	// A coordinator of Lucknow: units in Agra and unknown units get the same answer, and a voter
	// ID of a person in Agra is refused without saying whose it is.
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	agraVoter := newVoterID()
	agraID := s.mkPerson(t, fx.id("AGRC-1"), func(in *services.PersonInput) { in.VoterID, in.Name = agraVoter, "Agra Worker" })
	scoped := peopleCSV(
		freshRow(fx.code("AGRC-1")), freshRow("NO-SUCH-UNIT"),
		freshRow(b1, fx.code("AGRC-1"), "member"), freshRow(b1, "NO-SUCH-UNIT", "member"),
		peopleRow{name: "Claims Agra Voter", gender: "female", category: "SC", voter: agraVoter, home: b1},
		freshRow(b1))
	before = s.state(t)
	p := wantProblem(t, s.importPeopleCSV(t, dc.Token, "", scoped), http.StatusUnprocessableEntity)
	if d := cmp.Diff([]string{"2 home_unit_code", "3 home_unit_code", "4 committee_unit_code", "5 committee_unit_code", "6 voter_id"},
		lineFields(t, p.Errors)); d != "" {
		t.Fatalf("coordinator's row errors (-want +got):\n%s", d)
	}
	if p.Errors[0].Message != p.Errors[1].Message || p.Errors[2].Message != p.Errors[3].Message {
		t.Errorf("a unit outside the scope reads differently from an unknown one: %+v", p.Errors)
	}
	for _, leak := range []string{agraID, "Agra Worker", fx.code("AGRC-1"), fx.code("AGR")} {
		if strings.Contains(rec2str(p), leak) {
			t.Errorf("the answer reveals %q: %+v", leak, p)
		}
	}
	if d := cmp.Diff(before, s.state(t)); d != "" {
		t.Fatalf("a refused import wrote (-before +after):\n%s", d)
	}
	wantPeopleImported(t, s.importPeopleCSV(t, dc.Token, "?mode=valid_rows", scoped), 1, 0, 0)
	if p, _ := s.personByVoter(t, agraVoter); p.Name != "Agra Worker" {
		t.Errorf("the Agra person became %q", p.Name)
	}

	// Header problems fail the file in either mode.
	for _, q := range []string{"", "?mode=valid_rows"} {
		p := wantProblem(t, s.importPeopleCSV(t, s.admin.Token, q, "name,gender,category,colour\nX,male,GEN,red\n"), http.StatusUnprocessableEntity)
		if d := cmp.Diff([]string{"1 colour"}, lineFields(t, p.Errors)); d != "" {
			t.Errorf("unknown column (-want +got):\n%s", d)
		}
		p = wantProblem(t, s.importPeopleCSV(t, s.admin.Token, q, "name,home_unit_code\nX,"+b1+"\n"), http.StatusUnprocessableEntity)
		if d := cmp.Diff([]string{"1 gender", "1 category"}, lineFields(t, p.Errors)); d != "" {
			t.Errorf("missing columns (-want +got):\n%s", d)
		}
	}
}

// rec2str is a problem as one string, for looking for what it must not say.
func rec2str(p problem) string {
	var b strings.Builder
	b.WriteString(p.Title + " " + p.Detail)
	for _, e := range p.Errors {
		b.WriteString(" " + e.Field + " " + e.Message)
	}
	return b.String()
}

func TestPeopleCSVRoles(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	lko := peopleRow{name: "Lucknow Worker", nameHi: "लखनऊ कार्यकर्ता", gender: "female", birth: "1980", phone: "9876500011", voter: newVoterID(),
		category: "OBC", religion: "sikh", caste: "Saini", home: fx.code("LKOW-1"), comm: fx.code("LKOW-1"), position: "president"}
	agr := peopleRow{name: "Agra Worker", gender: "male", phone: "9876500012", voter: newVoterID(), category: "SC", religion: "buddhist",
		caste: "Jatav", home: fx.code("AGRC-1")}
	wantPeopleImported(t, s.importPeopleCSV(t, s.admin.Token, "", peopleCSV(lko, agr)), 2, 0, 1)

	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1"))
	viewer := s.mkUser(t, models.RoleViewer, fx.id("UP"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	state := s.mkUser(t, models.RoleStateOffice, fx.id("UP"))

	before := s.state(t)
	for _, u := range []testUser{worker, viewer} {
		wantProblem(t, s.importPeopleCSV(t, u.Token, "?mode=valid_rows", peopleCSV(freshRow(fx.code("LKOW-1")))), http.StatusForbidden)
	}
	if d := cmp.Diff(before, s.state(t)); d != "" {
		t.Errorf("a forbidden import wrote (-before +after):\n%s", d)
	}
	// Booth workers and viewers export no people, not even their own booth's.
	for _, u := range []testUser{worker, viewer} {
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/people.csv", u.Token, nil), http.StatusForbidden)
		wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/people.csv?under="+fx.id("LKOW-1"), u.Token, nil), http.StatusForbidden)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/people.csv", "", nil), http.StatusUnauthorized)

	// A coordinator: only their district's people, with everything; Agra is not found. The phone
	// carries the apostrophe that keeps spreadsheets from reading + as a formula.
	rows := byName(s.exportPeopleRows(t, dc.Token, ""))
	want := []string{lko.name, lko.nameHi, "female", "1980", "'+919876500011", lko.voter, "OBC", "sikh", "Saini", lko.home, lko.comm, "president"}
	if d := cmp.Diff(map[string][]string{lko.name: want}, rows); d != "" {
		t.Errorf("coordinator's export (-want +got):\n%s", d)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/exports/people.csv?under="+fx.id("AGR"), dc.Token, nil), http.StatusNotFound)
	// The state office and the admin see both districts; under narrows.
	if rows := byName(s.exportPeopleRows(t, state.Token, "")); len(rows) != 2 || rows[agr.name][8] != "Jatav" {
		t.Errorf("state office's export: %v", rows)
	}
	if rows := byName(s.exportPeopleRows(t, s.admin.Token, "?under="+fx.id("AGR"))); len(rows) != 1 || rows[agr.name] == nil {
		t.Errorf("admin's export under Agra: %v", rows)
	}
	// Managers below the admin may import inside their scope.
	wantPeopleImported(t, s.importPeopleCSV(t, dc.Token, "", peopleCSV(freshRow(fx.code("LKOC-1")))), 1, 0, 0)
	wantPeopleImported(t, s.importPeopleCSV(t, state.Token, "", peopleCSV(freshRow(fx.code("AGRC-2")))), 1, 0, 0)
}

// An export imported into a fresh database with the same units gives back the same people and
// their most senior seats.
func TestPeopleCSVRoundTrip(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	b := fx.code("LKOW-1")
	rows := []any{
		peopleRow{name: "Sunita Devi", nameHi: "सुनीता देवी", gender: "female", birth: "1975", phone: "9876543210", voter: newVoterID(),
			category: "SC", religion: "hindu", caste: "जाटव", home: b, comm: b, position: "president"},
		freshRow(b, b, "booth_agent"), freshRow(fx.code("AGRC-2"), fx.code("AGRC-S1"), "president"),
		freshRow(fx.code("AGRC-1"), fx.code("AGRC"), "treasurer"), freshRow(fx.code("LKOC-1")),
	}
	for range 8 {
		rows = append(rows, freshRow(b, b, "member"))
	}
	wantPeopleImported(t, s.importPeopleCSV(t, s.admin.Token, "", peopleCSV(rows...)), 13, 0, 12)
	// Sunita also sits on the assembly committee: a junior seat the export leaves out.
	sunita, _ := s.personByVoter(t, rows[0].(peopleRow).voter)
	s.postSeat(t, s.admin.Token, fx.id("LKOW"), fmt.Sprint(sunita.ID), "member")
	// A coordinator enters a person without a home unit.
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	wantStatus(t, s.do(t, http.MethodPost, "/api/v1/people", dc.Token, map[string]any{"name": "No Home", "gender": "other", "category": "ST"}), http.StatusCreated)

	units := s.do(t, http.MethodGet, "/api/v1/exports/units.csv", s.admin.Token, nil)
	wantStatus(t, units, http.StatusOK)
	exported := s.exportPeopleRows(t, s.admin.Token, "")
	if r := byName(exported)["Sunita Devi"]; r[10] != b || r[11] != "president" {
		t.Errorf("Sunita exported with %q %q, want her president seat", r[10], r[11])
	}
	var people bytes.Buffer
	w := csv.NewWriter(&people)
	_ = w.Write(contractPeopleColumns)
	_ = w.WriteAll(exported)

	fresh := newEmptyServer(t)
	wantImported(t, fresh.importCSV(t, fresh.admin.Token, "", units.Body.String()), len(fixtureKeys), 0)
	wantPeopleImported(t, fresh.importPeopleCSV(t, fresh.admin.Token, "", people.String()), 14, 0, 12)
	if d := cmp.Diff(joinedSorted(exported), joinedSorted(fresh.exportPeopleRows(t, fresh.admin.Token, ""))); d != "" {
		t.Errorf("the fresh database exports differently (-first +fresh):\n%s", d)
	}
	for _, key := range []string{"LKOW-1", "LKOW", "AGRC", "AGRC-S1"} {
		u1, _ := s.unitByCode(t, fx.code(key))
		u2, _ := fresh.unitByCode(t, fx.code(key))
		c1, c2 := s.getCommittee(t, s.admin.Token, u1.ID), fresh.getCommittee(t, fresh.admin.Token, u2.ID)
		positions := func(c committeeJSON) []string {
			var out []string
			for _, st := range c.Seats {
				if st.Person.Name != "Sunita Devi" || st.Position == "president" {
					out = append(out, st.Person.Name+" "+st.Position)
				}
			}
			slices.Sort(out)
			return out
		}
		if d := cmp.Diff(positions(c1), positions(c2)); d != "" || c1.Complete != c2.Complete {
			t.Errorf("%s: committee differs (complete %v, %v) (-first +fresh):\n%s", key, c1.Complete, c2.Complete, d)
		}
	}
	if got := fresh.coverageOf(t, fresh.fxID(t, fx.code("UP"))); got.Booths != 5 || got.Complete != 1 {
		t.Errorf("coverage of the fresh state %+v", got)
	}
}

// fxID is the API id of the unit with code.
func (s *testServer) fxID(t *testing.T, code string) string {
	t.Helper()
	u, ok := s.unitByCode(t, code)
	if !ok {
		t.Fatalf("no unit %s", code)
	}
	return u.ID
}

// Two imports at once seating different presidents on the same booth: one answers 200, the other
// 422 naming the row (or 409), and the booth has one president.
func TestImportPeopleCSVConcurrentPresidents(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	const booths = 3
	var ids, codes []string
	for range booths {
		id, code := s.mkUnit(t, models.LevelBooth, fx.id("LKOW"))
		s.mkSeat(t, id, s.mkPerson(t, id), models.PositionBoothAgent)
		for range 8 {
			s.mkSeat(t, id, s.mkPerson(t, id), models.PositionMember)
		}
		ids, codes = append(ids, id), append(codes, code)
	}
	tokens := []string{s.admin.Token, dc.Token}
	status := make([][2]int, booths)
	answers := make([][2]string, booths)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range booths {
		for j := range 2 {
			body := peopleCSV(freshRow(codes[i], codes[i], "president"))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				rec := s.importPeopleCSV(t, tokens[j], "", body)
				status[i][j], answers[i][j] = rec.Code, rec.Body.String()
			}()
		}
	}
	close(start)
	wg.Wait()
	for i := range booths {
		codes := []int{status[i][0], status[i][1]}
		slices.Sort(codes)
		if codes[0] != http.StatusOK || (codes[1] != http.StatusUnprocessableEntity && codes[1] != http.StatusConflict) {
			t.Errorf("booth %d: statuses %v, want one 200 and one 422 or 409: %q", i, codes, answers[i])
		}
		for j := range 2 {
			if status[i][j] == http.StatusUnprocessableEntity && !strings.Contains(answers[i][j], `"line":2,"field":"position"`) {
				t.Errorf("booth %d: the loser's answer does not name the row: %s", i, answers[i][j])
			}
		}
		c := s.getCommittee(t, s.admin.Token, ids[i])
		presidents := 0
		for _, st := range c.Seats {
			if st.Position == "president" {
				presidents++
			}
		}
		if presidents != 1 || len(c.Seats) != 10 || !c.Complete {
			t.Errorf("booth %d: %d presidents, %d seats, complete %v", i, presidents, len(c.Seats), c.Complete)
		}
	}
	if got := s.coverageOf(t, fx.id("LKOW")); got.Booths != 2+booths || got.Complete != booths {
		t.Errorf("LKOW coverage %+v, want %d of %d", got, booths, 2+booths)
	}
	if got := s.coverageOf(t, fx.id("PC")); got.Booths != 4+booths || got.Complete != booths {
		t.Errorf("PC coverage %+v, want %d of %d", got, booths, 4+booths)
	}
}

// gzipped compresses b.
func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// importRequest is a POST of body to an import route with the given headers, as the token's user.
func importRequest(path, token string, body io.Reader, length int64, headers ...string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, path, body)
	req.ContentLength = length
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

// TestImportCompressedAndLargeBodies: imports take gzip bodies (Content-Encoding: gzip, or an
// application/gzip body), read as they arrive; a body past the configured import limit, or a
// small gzip body that decompresses past it (a zip bomb), is refused with 413 problem+json
// and writes nothing; a damaged gzip body is 400.
func TestImportCompressedAndLargeBodies(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	booth := fx.code("LKOW-2")
	people := []byte(peopleCSV(freshRow(booth, booth, "president"), freshRow(booth, booth, "member"), freshRow(booth)))

	t.Run("Content-Encoding gzip", func(t *testing.T) {
		rec := s.send(importRequest("/api/v1/imports/people", s.admin.Token, bytes.NewReader(gzipped(t, people)), -1,
			"Content-Type", "text/csv; charset=utf-8", "Content-Encoding", "gzip"))
		wantPeopleImported(t, rec, 3, 0, 2)
	})
	t.Run("application/gzip", func(t *testing.T) {
		units := "level,code,name,parent_code\nbooth,GZ-1,Gzip booth," + fx.code("LKOW") + "\n"
		rec := s.send(importRequest("/api/v1/imports/units", s.admin.Token, bytes.NewReader(gzipped(t, []byte(units))), -1,
			"Content-Type", "application/gzip"))
		wantImported(t, rec, 1, 0)
	})

	// A limit of 64 KiB, for the rest: over it, with and without a Content-Length, compressed or not.
	const limit = 64 << 10
	s.Server.ImportLimit = limit
	var big bytes.Buffer
	big.WriteString(peopleHeader + "\n")
	for big.Len() <= limit {
		fmt.Fprintf(&big, "%v\n", freshRow(booth))
	}
	var bomb bytes.Buffer
	bomb.WriteString(peopleHeader + "\n")
	for bomb.Len() <= 40*limit {
		bomb.WriteString("Same Person,,male,,,,GEN,,," + booth + ",,\n")
	}
	small := gzipped(t, bomb.Bytes())
	if len(small) >= limit {
		t.Fatalf("the bomb is %d bytes compressed; want under the limit", len(small))
	}
	before := s.state(t)
	for _, c := range []struct {
		name    string
		body    []byte
		length  int64
		headers []string
		inText  string
	}{
		{"Content-Length over the limit", big.Bytes(), int64(big.Len()), []string{"Content-Type", "text/csv"}, "import limit of 65536 bytes"},
		{"streamed past the limit", big.Bytes(), -1, []string{"Content-Type", "text/csv"}, "import limit of 65536 bytes"},
		{"gzip that decompresses past the limit", small, int64(len(small)), []string{"Content-Type", "text/csv", "Content-Encoding", "gzip"},
			"larger than 65536 bytes after decompression"},
		{"application/gzip that decompresses past the limit", small, -1, []string{"Content-Type", "application/gzip"},
			"larger than 65536 bytes after decompression"},
	} {
		t.Run("413 "+c.name, func(t *testing.T) {
			p := wantProblem(t, s.send(importRequest("/api/v1/imports/people", s.admin.Token, bytes.NewReader(c.body), c.length, c.headers...)),
				http.StatusRequestEntityTooLarge)
			if !strings.Contains(p.Detail, c.inText) {
				t.Errorf("detail %q, want it to say %q", p.Detail, c.inText)
			}
			if d := cmp.Diff(before, s.state(t)); d != "" {
				t.Errorf("a refused import wrote (-before +after):\n%s", d)
			}
		})
	}
	t.Run("400 damaged gzip", func(t *testing.T) {
		gz := gzipped(t, people)
		gz[len(gz)-6] ^= 0xff // the CRC
		wantProblem(t, s.send(importRequest("/api/v1/imports/people", s.admin.Token, bytes.NewReader(gz), -1,
			"Content-Type", "text/csv", "Content-Encoding", "gzip")), http.StatusBadRequest)
		wantProblem(t, s.send(importRequest("/api/v1/imports/people", s.admin.Token, strings.NewReader("not gzip at all"), -1,
			"Content-Type", "application/gzip")), http.StatusBadRequest)
		if d := cmp.Diff(before, s.state(t)); d != "" {
			t.Errorf("a refused import wrote (-before +after):\n%s", d)
		}
	})
	t.Run("415 another encoding", func(t *testing.T) {
		wantProblem(t, s.send(importRequest("/api/v1/imports/people", s.admin.Token, bytes.NewReader(people), -1,
			"Content-Type", "text/csv", "Content-Encoding", "br")), http.StatusUnsupportedMediaType)
	})
	t.Run("under the limit still imports", func(t *testing.T) {
		rec := s.send(importRequest("/api/v1/imports/people", s.admin.Token, bytes.NewReader(gzipped(t, []byte(peopleCSV(freshRow(booth))))), -1,
			"Content-Type", "application/gzip"))
		wantPeopleImported(t, rec, 1, 0, 0)
	})
}
