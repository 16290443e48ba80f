package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// peopleHdr is the people CSV header, in the order the contract names the columns.
const peopleHdr = "name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position"

// csvPerson is one row under peopleHdr.
type csvPerson struct {
	name, nameHi, gender, birth, phone, voter, category, religion, caste, home, comm, position string
}

func (p csvPerson) String() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{p.name, p.nameHi, p.gender, p.birth, p.phone, p.voter, p.category, p.religion, p.caste, p.home, p.comm, p.position})
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// newRow is a valid row for a new person living at the unit with code home, with a unique name
// and voter ID.
func newRow(home string) csvPerson {
	return csvPerson{name: uniq("Karyakarta"), gender: "female", category: "OBC", voter: newVoterID(), home: home}
}

// seatedRow is newRow seated as position on the committee of u.
func seatedRow(home string, u models.Unit, position string) csvPerson {
	p := newRow(home)
	p.comm, p.position = u.Code, position
	return p
}

// peopleFile is a people CSV of rows under peopleHdr.
func peopleFile(rows ...csvPerson) string {
	lines := make([]string, 0, len(rows))
	for _, r := range rows {
		lines = append(lines, r.String())
	}
	return csvFile(peopleHdr, lines...)
}

func (e *env) importPeople(t *testing.T, actor services.Actor, mode services.ImportMode, body string) services.ImportResult {
	t.Helper()
	res, err := e.imports.People(context.Background(), actor, strings.NewReader(body), mode)
	if err != nil {
		t.Fatalf("import people: %v", err)
	}
	return res
}

// exportPeople exports the people under (nil: the actor's scope) as CSV text.
func (e *env) exportPeople(t *testing.T, actor services.Actor, under *int64) string {
	t.Helper()
	ctx := context.Background()
	sel, err := e.exports.CheckPeople(ctx, actor, under)
	if err != nil {
		t.Fatalf("check people export: %v", err)
	}
	var buf bytes.Buffer
	noErr(t, e.exports.People(ctx, actor, sel, &buf))
	return buf.String()
}

// personByVoter reads the person with a voter ID straight from the database.
func (e *env) personByVoter(t *testing.T, voter string) models.Person {
	t.Helper()
	var p models.Person
	if err := e.db.Where("voter_id = ?", voter).Take(&p).Error; err != nil {
		t.Fatalf("person with voter ID %s: %v", voter, err)
	}
	return p
}

// personNamed reads the person with a name straight from the database.
func (e *env) personNamed(t *testing.T, name string) (models.Person, bool) {
	t.Helper()
	var ps []models.Person
	noErr(t, e.db.Where("name = ?", name).Find(&ps).Error)
	if len(ps) > 1 {
		t.Fatalf("%d people named %q", len(ps), name)
	}
	if len(ps) == 0 {
		return models.Person{}, false
	}
	return ps[0], true
}

// currentSeats reads the current seats of u's committee, in id order.
func (e *env) currentSeats(t *testing.T, u models.Unit) []models.Seat {
	t.Helper()
	var out []models.Seat
	noErr(t, e.db.Where("unit_id = ? AND ended_at IS NULL", u.ID).Order("id").Find(&out).Error)
	return out
}

// readPeopleCSV parses a people CSV, checks that its header is services.PeopleColumns and
// returns the data rows.
func readPeopleCSV(t *testing.T, body string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, body)
	}
	if len(recs) == 0 {
		t.Fatal("export is empty; want at least the header")
	}
	if d := cmp.Diff(strings.Split(peopleHdr, ","), recs[0]); d != "" {
		t.Errorf("export header (-want +got):\n%s", d)
	}
	return recs[1:]
}

// sortedPeopleRows is the data rows of a people CSV as sorted lines, for comparing exports
// whose ids differ.
func sortedPeopleRows(t *testing.T, body string) []string {
	t.Helper()
	var out []string
	for _, r := range readPeopleCSV(t, body) {
		out = append(out, strings.Join(r, "\x1f"))
	}
	slices.Sort(out)
	return out
}

// noSensitiveValues fails when an audit row holds any of the values.
func noSensitiveValues(t *testing.T, rows []models.AuditEntry, values ...string) {
	t.Helper()
	for _, r := range rows {
		for _, js := range []*string{r.Before, r.After} {
			if js == nil {
				continue
			}
			for _, v := range values {
				if v != "" && strings.Contains(*js, v) {
					t.Errorf("audit row %d (%s %s) holds the sensitive value %q: %s", r.ID, r.Action, r.Entity, v, *js)
				}
			}
		}
	}
}

// importAuditEntry is one row of a file that an import's audit row lists.
type importAuditEntry struct {
	Entity, Kind string // person or seat (unit for units); created or updated
	ID, PersonID int64
	Position     string
	Code         string
	Line         int
	UnitID       int64 // the unit the audit row is filed under
}

// importAudit reads the entries of an import's audit rows, in the order of the rows and
// entries, sorted by entity, kind and line.
func importAudit(t *testing.T, rows []models.AuditEntry) []importAuditEntry {
	t.Helper()
	var out []importAuditEntry
	for _, r := range rows {
		if r.Action != "import" {
			continue
		}
		var after map[string][]struct {
			ID       int64  `json:"id"`
			PersonID int64  `json:"person_id"`
			Position string `json:"position"`
			Code     string `json:"code"`
			Line     int    `json:"line"`
		}
		noErr(t, json.Unmarshal([]byte(*r.After), &after))
		for kind, list := range after {
			for _, en := range list {
				out = append(out, importAuditEntry{Entity: r.Entity, Kind: kind, ID: en.ID, PersonID: en.PersonID, Position: en.Position,
					Code: en.Code, Line: en.Line, UnitID: *r.UnitID})
			}
		}
	}
	slices.SortFunc(out, func(a, b importAuditEntry) int {
		if c := strings.Compare(a.Entity, b.Entity); c != 0 {
			return c
		}
		if c := strings.Compare(b.Kind, a.Kind); c != 0 { // updated before created
			return c
		}
		return a.Line - b.Line
	})
	return out
}

func auditMap(t *testing.T, js *string) map[string]any {
	t.Helper()
	if js == nil {
		return nil
	}
	var m map[string]any
	noErr(t, json.Unmarshal([]byte(*js), &m))
	return m
}

func TestImportPeopleGoodFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	mark := e.auditMark(t)

	// Booth b1 gets a full committee (president, booth agent and eight members: complete), the
	// sector a president, and one person sits nowhere. Fields come in the ways people write them.
	rows := []csvPerson{
		{name: "Sunita Devi", nameHi: "सुनीता देवी", gender: "Female", birth: "1975", phone: "98765 43210", voter: " tst 9000001 ",
			category: "sc", religion: "Hindu", caste: "जाटव", home: tr.b1.Code, comm: tr.b1.Code, position: "President"},
		{name: "Ramesh Singh", nameHi: "रमेश सिंह", gender: "male", birth: "1980", phone: "098765-43211", voter: "TST9000002",
			category: "GEN", caste: "क्षत्रिय", home: tr.b1.Code, comm: tr.b1.Code, position: "booth_agent"},
		// A nukta written precomposed (U+095B, U+0959) and, below, decomposed (U+091C U+093C): both kept as sent.
		{name: "Zaid Khan", nameHi: "\u095bैद \u0959ान", gender: "male", birth: "1990", phone: "+91 (87654) 32109", voter: "tst9000003",
			category: "obc", religion: "muslim", caste: "अंसारी", home: tr.b1.Code, comm: tr.b1.Code, position: "member"},
		{name: "Zeenat Bano", nameHi: "\u091c\u093cीनत बानो", gender: "FEMALE", phone: "919876543212", category: "ST",
			home: tr.b1.Code, comm: tr.b1.Code, position: "member"},
	}
	for range 6 {
		rows = append(rows, seatedRow(tr.b1.Code, tr.b1, "member"))
	}
	rows = append(rows, seatedRow(tr.s1.Code, tr.s1, "president"), newRow(tr.a2.Code))
	res, err := e.imports.People(ctx, services.System, strings.NewReader(peopleFile(rows...)), "")
	noErr(t, err)
	if d := cmp.Diff(services.ImportResult{Inserted: 12, Seated: 11, Errors: []services.FieldError{}}, res); d != "" {
		t.Fatalf("result (-want +got):\n%s", d)
	}

	// What was stored, field by field; Devanagari byte for byte.
	type stored struct {
		Name, NameHi       []byte
		Gender             models.Gender
		Birth              *int
		Phone, Voter, Rel  *string
		Category           models.Category
		Caste              string
		HomeUnitID, UnitID int64
	}
	get := func(p models.Person) stored {
		home := int64(0)
		if p.HomeUnitID != nil {
			home = *p.HomeUnitID
		}
		return stored{[]byte(p.Name), []byte(p.NameHi), p.Gender, p.BirthYear, p.Phone, p.VoterID, p.Religion, p.Category, p.Caste, home, p.UnitID}
	}
	zeenat, ok := e.personNamed(t, "Zeenat Bano")
	if !ok {
		t.Fatal("the person without a voter ID was not stored")
	}
	for _, c := range []struct {
		got  models.Person
		want stored
	}{
		{e.personByVoter(t, "TST9000001"), stored{[]byte("Sunita Devi"), []byte("सुनीता देवी"), models.GenderFemale, ptr(1975),
			ptr("+919876543210"), ptr("TST9000001"), ptr("hindu"), models.CategorySC, "जाटव", tr.b1.ID, tr.b1.ID}},
		{e.personByVoter(t, "TST9000002"), stored{[]byte("Ramesh Singh"), []byte("रमेश सिंह"), models.GenderMale, ptr(1980),
			ptr("+919876543211"), ptr("TST9000002"), nil, models.CategoryGEN, "क्षत्रिय", tr.b1.ID, tr.b1.ID}},
		{e.personByVoter(t, "TST9000003"), stored{[]byte("Zaid Khan"), []byte("\u095bैद \u0959ान"), models.GenderMale, ptr(1990),
			ptr("+918765432109"), ptr("TST9000003"), ptr("muslim"), models.CategoryOBC, "अंसारी", tr.b1.ID, tr.b1.ID}},
		{zeenat, stored{[]byte("Zeenat Bano"), []byte("\u091c\u093cीनत बानो"), models.GenderFemale, nil,
			ptr("+919876543212"), nil, nil, models.CategoryST, "", tr.b1.ID, tr.b1.ID}},
	} {
		if d := cmp.Diff(c.want, get(c.got)); d != "" {
			t.Errorf("person %d stored (-want +got):\n%s", c.got.ID, d)
		}
		if !c.got.CreatedAt.Equal(e.clock.Now()) || !c.got.UpdatedAt.Equal(e.clock.Now()) {
			t.Errorf("person %d timestamps %v %v, want the service clock", c.got.ID, c.got.CreatedAt, c.got.UpdatedAt)
		}
	}
	// Found like any other person, in either script.
	if got := e.listAll(t, services.System, services.PersonFilter{Q: "सुनीता"}); !cmp.Equal(got, []int64{e.personByVoter(t, "TST9000001").ID}) {
		t.Errorf("q=सुनीता found %v", got)
	}

	// The committees.
	positions := map[models.Position]int{}
	for _, st := range e.currentSeats(t, tr.b1) {
		positions[st.Position]++
		if !st.Since.Equal(e.clock.Now()) || st.CreatedBy != nil {
			t.Errorf("seat %d since %v created by %v", st.ID, st.Since, st.CreatedBy)
		}
		if st.Position == models.PositionPresident && st.PersonID != e.personByVoter(t, "TST9000001").ID {
			t.Errorf("the president of b1 is person %d", st.PersonID)
		}
	}
	if d := cmp.Diff(map[models.Position]int{models.PositionPresident: 1, models.PositionBoothAgent: 1, models.PositionMember: 8}, positions); d != "" {
		t.Errorf("b1 seats by position (-want +got):\n%s", d)
	}
	if b1, s1 := loadUnit(t, e.db, tr.b1.ID), loadUnit(t, e.db, tr.s1.ID); b1.Seats != 10 || !b1.CommitteeComplete || s1.Seats != 1 || s1.CommitteeComplete {
		t.Errorf("b1 %d seats complete %v; s1 %d seats complete %v", b1.Seats, b1.CommitteeComplete, s1.Seats, s1.CommitteeComplete)
	}
	want := map[string]services.Coverage{
		tr.b1.Code: {Booths: 1, Complete: 1}, tr.b2.Code: {Booths: 1}, tr.s1.Code: {Booths: 2, Complete: 1},
		tr.a1.Code: {Booths: 3, Complete: 1}, tr.d1.Code: {Booths: 3, Complete: 1}, tr.a2.Code: {Booths: 1}, tr.d2.Code: {Booths: 1},
		tr.pc.Code: {Booths: 4, Complete: 1}, tr.state.Code: {Booths: 4, Complete: 1},
	}
	if d := cmp.Diff(want, e.coverages(t, tr.b1, tr.b2, tr.s1, tr.a1, tr.d1, tr.a2, tr.d2, tr.pc, tr.state)); d != "" {
		t.Errorf("coverage (-want +got):\n%s", d)
	}
	checkRollups(t, e.db)

	// Audit: per unit, one row listing the people created there and one listing the seats taken
	// on its committee, with their lines, in the transaction, without sensitive values.
	audit := e.auditSince(t, mark)
	var people []models.Person
	noErr(t, e.db.Find(&people).Error)
	personUnit := map[int64]int64{}
	for _, p := range people {
		personUnit[p.ID] = p.UnitID
	}
	var seats []models.Seat
	noErr(t, e.db.Find(&seats).Error)
	seatOf := map[int64]models.Seat{}
	for _, st := range seats {
		seatOf[st.ID] = st
	}
	for _, r := range audit {
		if r.ActorUsername != "system" || r.ActorID != nil || r.Before != nil || r.After == nil || r.UnitID == nil || r.UnitPath == nil ||
			r.Action != "import" || *r.UnitPath != loadUnit(t, e.db, *r.UnitID).Path {
			t.Errorf("audit row %+v", r)
		}
	}
	entries := importAudit(t, audit)
	lines := map[string][]int{}
	for _, en := range entries {
		lines[en.Entity+" "+en.Kind] = append(lines[en.Entity+" "+en.Kind], en.Line)
		switch en.Entity {
		case "person":
			if personUnit[en.ID] != en.UnitID {
				t.Errorf("person %d listed under unit %d; stored at %d", en.ID, en.UnitID, personUnit[en.ID])
			}
		case "seat":
			if st := seatOf[en.ID]; st.UnitID != en.UnitID || st.PersonID != en.PersonID || string(st.Position) != en.Position {
				t.Errorf("seat %+v listed as %+v", st, en)
			}
		}
	}
	for _, l := range lines {
		slices.Sort(l)
	}
	if d := cmp.Diff(map[string][]int{"person created": {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, "seat created": {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, lines); d != "" {
		t.Errorf("lines in the audit (-want +got):\n%s", d)
	}
	if p := e.personByVoter(t, "TST9000001"); !slices.Contains(entries, importAuditEntry{Entity: "person", Kind: "created", ID: p.ID, Line: 2, UnitID: tr.b1.ID}) {
		t.Errorf("the audit does not say that line 2 created person %d at b1: %+v", p.ID, entries)
	}
	noSensitiveValues(t, audit, "9876543210", "9876543211", "8765432109", "9876543212", "TST900000", "जाटव", "क्षत्रिय", "अंसारी", "hindu", "muslim")
}

func TestImportPeopleUpsertByVoterID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	v1, v2, v3 := newVoterID(), newVoterID(), newVoterID()
	res := e.importPeople(t, services.System, services.AllOrNothing, peopleFile(
		csvPerson{name: "Asha Verma", nameHi: "आशा वर्मा", gender: "female", birth: "1970", phone: "9876500001", voter: v1,
			category: "OBC", religion: "hindu", caste: "कुर्मी", home: tr.b1.Code, comm: tr.b1.Code, position: "president"},
		csvPerson{name: "Bharat Lal", nameHi: "भरत लाल", gender: "male", birth: "1965", phone: "9876500002", voter: v2,
			category: "SC", religion: "buddhist", caste: "पासी", home: tr.b1.Code},
		csvPerson{name: "Chanda Kol", nameHi: "चंदा कोल", gender: "female", birth: "1988", phone: "9876500003", voter: v3,
			category: "ST", religion: "other", caste: "कोल", home: tr.b2.Code},
	))
	if res.Inserted != 3 || res.Updated != 0 || res.Seated != 1 {
		t.Fatalf("first file: %+v", res)
	}
	asha, bharat, chanda := e.personByVoter(t, v1), e.personByVoter(t, v2), e.personByVoter(t, v3)
	created := e.clock.Now()
	e.clock.Advance(time.Hour)
	mark := e.auditMark(t)

	// The same voter IDs (one written in lower case with a space) update those people. The file
	// has no name_hi, birth_year, phone, religion or caste column: those keep their stored values.
	v2loose := strings.ToLower(v2[:3]) + " " + v2[3:]
	dinesh := newVoterID()
	res = e.importPeople(t, services.System, services.AllOrNothing, csvFile("voter_id,name,gender,category,home_unit_code,committee_unit_code,position",
		v1+",Asha Verma Renamed,female,OBC,"+tr.b1.Code+",,",
		v2loose+",Bharat Lal,other,GEN,"+tr.b2.Code+","+tr.s1.Code+",member",
		dinesh+",Dinesh New,male,GEN,"+tr.b3.Code+",,",
	))
	if d := cmp.Diff(services.ImportResult{Inserted: 1, Updated: 2, Seated: 1, Errors: []services.FieldError{}}, res); d != "" {
		t.Fatalf("second file (-want +got):\n%s", d)
	}
	gotAsha, gotBharat := e.personByVoter(t, v1), e.personByVoter(t, v2)
	if gotAsha.ID != asha.ID || gotBharat.ID != bharat.ID {
		t.Fatalf("upsert made new people: %d→%d, %d→%d", asha.ID, gotAsha.ID, bharat.ID, gotBharat.ID)
	}
	// Changed: what the file says.
	if gotAsha.Name != "Asha Verma Renamed" || gotBharat.Gender != models.GenderOther || gotBharat.Category != models.CategoryGEN {
		t.Errorf("updated fields: %q, %s, %s", gotAsha.Name, gotBharat.Gender, gotBharat.Category)
	}
	if gotBharat.HomeUnitID == nil || *gotBharat.HomeUnitID != tr.b2.ID || gotBharat.UnitID != tr.b2.ID {
		t.Errorf("Bharat moved to home %v unit %d, want b2 %d", gotBharat.HomeUnitID, gotBharat.UnitID, tr.b2.ID)
	}
	if !gotAsha.UpdatedAt.Equal(e.clock.Now()) || !gotAsha.CreatedAt.Equal(created) {
		t.Errorf("timestamps created %v updated %v", gotAsha.CreatedAt, gotAsha.UpdatedAt)
	}
	// Kept: the columns the file left out.
	keep := func(p models.Person) []any {
		return []any{p.NameHi, p.BirthYear, p.Phone, p.Religion, p.Caste, p.MembershipNo}
	}
	for _, c := range [][2]models.Person{{asha, gotAsha}, {bharat, gotBharat}} {
		if d := cmp.Diff(keep(c[0]), keep(c[1])); d != "" {
			t.Errorf("%s: fields absent from the file changed (-before +after):\n%s", c[0].Name, d)
		}
	}
	if chanda2 := e.personByVoter(t, v3); !cmp.Equal(chanda, chanda2) {
		t.Errorf("a person the file does not name changed:\n%s", cmp.Diff(chanda, chanda2))
	}
	// The kept Hindi name and the new Latin one both find the person.
	for _, q := range []string{"आशा", "renamed"} {
		if got := e.listAll(t, services.System, services.PersonFilter{Q: q}); !cmp.Equal(got, []int64{asha.ID}) {
			t.Errorf("q=%s found %v, want %d", q, got, asha.ID)
		}
	}
	// The stored person is seated by the row that names them; the president seat stays.
	if s1 := e.currentSeats(t, tr.s1); len(s1) != 1 || s1[0].PersonID != bharat.ID || s1[0].Position != models.PositionMember {
		t.Errorf("s1 seats %+v, want Bharat (%d) as member", s1, bharat.ID)
	}
	if b1 := e.currentSeats(t, tr.b1); len(b1) != 1 || b1[0].PersonID != asha.ID {
		t.Errorf("b1 seats %+v", b1)
	}
	checkRollups(t, e.db)

	// Audit: the people the file changed, by line, under the units that now look after them; the
	// new person; the seat. No values.
	audit := e.auditSince(t, mark)
	want := []importAuditEntry{
		{Entity: "person", Kind: "updated", ID: asha.ID, Line: 2, UnitID: tr.b1.ID},
		{Entity: "person", Kind: "updated", ID: bharat.ID, Line: 3, UnitID: tr.b2.ID},
		{Entity: "person", Kind: "created", ID: e.personByVoter(t, dinesh).ID, Line: 4, UnitID: tr.b3.ID},
		{Entity: "seat", Kind: "created", ID: e.currentSeats(t, tr.s1)[0].ID, PersonID: bharat.ID, Position: "member", Line: 3, UnitID: tr.s1.ID},
	}
	if d := cmp.Diff(want, importAudit(t, audit)); d != "" {
		t.Errorf("audit (-want +got):\n%s", d)
	}
	noSensitiveValues(t, audit, "9876500001", "9876500002", v1, v2, "कुर्मी", "पासी", "buddhist", "hindu")

	// A column that is present but empty clears the field.
	res = e.importPeople(t, services.System, services.AllOrNothing, csvFile("name,gender,category,voter_id,caste,religion,phone",
		"Chanda Kol,female,ST,"+v3+",,,"))
	if res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("third file: %+v", res)
	}
	if c := e.personByVoter(t, v3); c.Caste != "" || c.Religion != nil || c.Phone != nil || c.NameHi != "चंदा कोल" || c.BirthYear == nil {
		t.Errorf("after empty cells: caste %q religion %v phone %v name_hi %q birth %v", c.Caste, c.Religion, c.Phone, c.NameHi, c.BirthYear)
	}
	// Without a home_unit_code column the stored person stays where they live.
	if c := e.personByVoter(t, v3); c.HomeUnitID == nil || *c.HomeUnitID != tr.b2.ID || c.UnitID != tr.b2.ID {
		t.Errorf("after a file without homes: home %v unit %d, want b2 %d", c.HomeUnitID, c.UnitID, tr.b2.ID)
	}
}

// A district coordinator's rows without a home are placed in the coordinator's district.
func TestImportPeopleHomeDefaultsToTheScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	v := newVoterID()
	res := e.importPeople(t, dc, services.AllOrNothing, csvFile("name,gender,category,voter_id", "Scoped One,male,SC,"+v))
	if res.Inserted != 1 {
		t.Fatalf("result %+v", res)
	}
	p := e.personByVoter(t, v)
	if p.UnitID != tr.d1.ID || p.HomeUnitID != nil {
		t.Errorf("placed at unit %d home %v, want the district %d and no home", p.UnitID, p.HomeUnitID, tr.d1.ID)
	}
	if got := e.listAll(t, dc, services.PersonFilter{}); !cmp.Equal(got, []int64{p.ID}) {
		t.Errorf("the coordinator lists %v", got)
	}
	audit := e.auditSince(t, 0)
	if last := audit[len(audit)-1]; last.Entity != "person" || last.ActorUsername != dc.Username || last.ActorID == nil || *last.ActorID != dc.UserID ||
		last.UnitID == nil || *last.UnitID != tr.d1.ID {
		t.Errorf("audit row %+v", last)
	}
}

func TestImportPeopleRowErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	// In the other district, a person whose voter ID a coordinator's file names.
	outsider := e.mustPerson(t, services.System, tr.b4, func(in *services.PersonInput) { in.Name, in.VoterID = "Outsider Hidden", newVoterID() })
	// A booth whose president sits already, one with 20 of its 21 seats taken, a fresh booth for
	// two presidents in one file, and a person sitting on b3's committee.
	presBooth := e.newChild(t, models.LevelBooth, tr.a1)
	e.fillCommittee(t, presBooth, 1)
	fullBooth := e.newChild(t, models.LevelBooth, tr.a1)
	e.fillCommittee(t, fullBooth, 20)
	twoPres := e.newChild(t, models.LevelBooth, tr.a1)
	sitting := e.mustPerson(t, services.System, tr.b3, func(in *services.PersonInput) { in.VoterID = newVoterID() })
	e.mustSeat(t, services.System, tr.b3, sitting, models.PositionSecretary)

	b1 := tr.b1.Code
	ok := func() string { return newRow(b1).String() }
	with := func(edit func(*csvPerson)) string {
		p := newRow(b1)
		edit(&p)
		return p.String()
	}
	seat := func(u models.Unit, pos string) string { return seatedRow(b1, u, pos).String() }
	dup := newRow(b1)
	sameMessages := func(pairs ...[2]int) func(*testing.T, []services.FieldError) {
		return func(t *testing.T, errs []services.FieldError) {
			for _, p := range pairs {
				if errs[p[0]].Message != errs[p[1]].Message {
					t.Errorf("messages differ, so they tell the units apart: %q and %q", errs[p[0]].Message, errs[p[1]].Message)
				}
			}
			for _, fe := range errs {
				if strings.Contains(fe.Message, tr.b4.Code) || strings.Contains(fe.Message, tr.d2.Code) {
					t.Errorf("message names a unit outside the scope: %q", fe.Message)
				}
			}
		}
	}

	cases := []struct {
		name   string
		actor  services.Actor // zero: the installation
		header string         // empty: peopleHdr
		rows   []string
		want   []lineField
		inText string
		check  func(*testing.T, []services.FieldError)
	}{
		{name: "too few fields", rows: []string{"Short Row,,female", ok()}, want: []lineField{{2, "row"}}},
		{name: "too many fields", rows: []string{ok(), ok() + ",extra"}, want: []lineField{{3, "row"}}},
		{name: "bad gender", rows: []string{with(func(p *csvPerson) { p.gender = "m" }), ok()}, want: []lineField{{2, "gender"}}},
		{name: "bad category", rows: []string{ok(), with(func(p *csvPerson) { p.category = "BC" })}, want: []lineField{{3, "category"}}},
		{name: "bad religion", rows: []string{with(func(p *csvPerson) { p.religion = "pagan" }), ok()}, want: []lineField{{2, "religion"}}},
		{name: "bad phone", rows: []string{with(func(p *csvPerson) { p.phone = "12345" }), with(func(p *csvPerson) { p.phone = "58765 43210" }), ok()},
			want: []lineField{{2, "phone"}, {3, "phone"}}},
		{name: "bad voter ID", rows: []string{with(func(p *csvPerson) { p.voter = "AB1234567" }), with(func(p *csvPerson) { p.voter = "ABCD123456" }), ok()},
			want: []lineField{{2, "voter_id"}, {3, "voter_id"}}},
		{name: "birth year not a number", rows: []string{with(func(p *csvPerson) { p.birth = "19x5" }), ok()}, want: []lineField{{2, "birth_year"}}, inText: "whole number"},
		{name: "birth year outside ages 18 to 120", rows: []string{
			with(func(p *csvPerson) { p.birth = "2007" }), with(func(p *csvPerson) { p.birth = "1903" }),
			with(func(p *csvPerson) { p.birth = "2006" }), with(func(p *csvPerson) { p.birth = "1904" })},
			want: []lineField{{2, "birth_year"}, {3, "birth_year"}}},
		{name: "position without committee", rows: []string{with(func(p *csvPerson) { p.position = "member" }), ok()}, want: []lineField{{2, "committee_unit_code"}}},
		{name: "committee without position", rows: []string{with(func(p *csvPerson) { p.comm = b1 }), ok()}, want: []lineField{{2, "position"}}},
		{name: "unknown position", rows: []string{seat(tr.b1, "chairman"), ok()}, want: []lineField{{2, "position"}}},
		{name: "unknown home unit", rows: []string{with(func(p *csvPerson) { p.home = "NO-SUCH-UNIT" }), ok()}, want: []lineField{{2, "home_unit_code"}}},
		{name: "unknown committee unit", rows: []string{with(func(p *csvPerson) { p.comm, p.position = "NO-SUCH-UNIT", "member" }), ok()},
			want: []lineField{{2, "committee_unit_code"}}},
		{name: "units outside the coordinator's district read as unknown", actor: dc, rows: []string{
			with(func(p *csvPerson) { p.home = "NO-SUCH-UNIT" }), with(func(p *csvPerson) { p.home = tr.b4.Code }),
			with(func(p *csvPerson) { p.comm, p.position = "NO-SUCH-UNIT", "member" }), with(func(p *csvPerson) { p.comm, p.position = tr.b4.Code, "member" }),
			with(func(p *csvPerson) { p.comm, p.position = tr.d2.Code, "member" }), ok()},
			want:  []lineField{{2, "home_unit_code"}, {3, "home_unit_code"}, {4, "committee_unit_code"}, {5, "committee_unit_code"}, {6, "committee_unit_code"}},
			check: sameMessages([2]int{0, 1}, [2]int{2, 3}, [2]int{2, 4})},
		{name: "duplicate voter ID in the file", rows: []string{dup.String(), ok(),
			with(func(p *csvPerson) { p.voter = strings.ToLower(dup.voter[:3]) + " " + dup.voter[3:] })},
			want: []lineField{{4, "voter_id"}}, inText: "line 2"},
		{name: "two presidents for one booth in the file", rows: []string{seat(twoPres, "president"), ok(), seat(twoPres, "President")},
			want: []lineField{{4, "position"}}},
		{name: "president of a booth whose president sits already", rows: []string{seat(presBooth, "president"), seat(presBooth, "member")},
			want: []lineField{{2, "position"}}, inText: "already held"},
		{name: "booth agent on an assembly", rows: []string{seat(tr.a1, "booth_agent"), seat(tr.a1, "treasurer")}, want: []lineField{{2, "position"}}},
		{name: "committee past its 21 seats", rows: []string{seat(fullBooth, "member"), seat(fullBooth, "member")},
			want: []lineField{{3, "committee_unit_code"}}, inText: "21"},
		{name: "stored person already on the committee", rows: []string{
			with(func(p *csvPerson) { p.voter, p.comm, p.position = *sitting.VoterID, tr.b3.Code, "member" }), ok()},
			want: []lineField{{2, "committee_unit_code"}}, inText: "already sits"},
		{name: "voter ID of a person outside the coordinator's scope", actor: dc, rows: []string{
			with(func(p *csvPerson) { p.voter = *outsider.VoterID }), ok()},
			want: []lineField{{2, "voter_id"}},
			check: func(t *testing.T, errs []services.FieldError) {
				for _, leak := range []string{strconv.FormatInt(outsider.ID, 10), outsider.Name, tr.b4.Code, tr.d2.Code} {
					if strings.Contains(errs[0].Message, leak) {
						t.Errorf("message %q reveals %q", errs[0].Message, leak)
					}
				}
			}},
		{name: "no home unit from an admin without a scope", rows: []string{with(func(p *csvPerson) { p.home = "" }), ok()},
			want: []lineField{{2, "home_unit_code"}}},
		{name: "no home unit column from an admin without a scope", header: "name,gender,category,voter_id",
			rows: []string{"Homeless One,female,SC," + newVoterID(), "Homeless Two,male,GEN,"},
			want: []lineField{{2, "home_unit_code"}, {3, "home_unit_code"}}},
		{name: "errors in line order, every one reported", rows: []string{
			with(func(p *csvPerson) { p.home = "NO-SUCH-UNIT" }), with(func(p *csvPerson) { p.gender = "x" }), ok(),
			seat(tr.a1, "booth_agent"), with(func(p *csvPerson) { p.phone = "1" })},
			want: []lineField{{2, "home_unit_code"}, {3, "gender"}, {5, "position"}, {6, "phone"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			actor := c.actor
			if actor.Role == "" {
				actor = services.System
			}
			header := c.header
			if header == "" {
				header = peopleHdr
			}
			body := csvFile(header, c.rows...)
			e.clock.Advance(time.Minute) // a write now would show in updated_at

			// all_or_nothing: every bad row named, nothing written.
			before := e.state(t)
			res, err := e.imports.People(ctx, actor, strings.NewReader(body), services.AllOrNothing)
			ierr := wantErr(t, err, services.EInvalid)
			if d := cmp.Diff(c.want, lineFields(ierr.Fields)); d != "" {
				t.Errorf("error fields (-want +got):\n%s\nerror: %v", d, err)
			}
			if d := cmp.Diff(ierr.Fields, res.Errors); d != "" {
				t.Errorf("result errors differ from the error's fields (-error +result):\n%s", d)
			}
			if data, ok := ierr.Data.(services.ImportResult); !ok || data.Inserted != 0 || data.Updated != 0 || data.Seated != 0 || len(data.Errors) != len(ierr.Fields) {
				t.Errorf("error data %#v, want the result with no writes", ierr.Data)
			}
			for _, fe := range ierr.Fields {
				if fe.Message == "" {
					t.Errorf("row error %+v has no message", fe)
				}
			}
			if c.inText != "" && !slices.ContainsFunc(ierr.Fields, func(f services.FieldError) bool { return strings.Contains(f.Message, c.inText) }) {
				t.Errorf("no message mentions %q: %+v", c.inText, ierr.Fields)
			}
			if c.check != nil && len(ierr.Fields) == len(c.want) {
				c.check(t, ierr.Fields)
			}
			if d := cmp.Diff(before, e.state(t)); d != "" {
				t.Fatalf("a refused import wrote (-before +after):\n%s", d)
			}

			// valid_rows: the same errors, and exactly the good rows written.
			res, err = e.imports.People(ctx, actor, strings.NewReader(body), services.ValidRows)
			noErr(t, err)
			if d := cmp.Diff(c.want, lineFields(res.Errors)); d != "" {
				t.Errorf("valid_rows errors (-want +got):\n%s", d)
			}
			bad := map[int]bool{}
			for _, w := range c.want {
				bad[w.Line] = true
			}
			cr := csv.NewReader(strings.NewReader(body))
			cr.FieldsPerRecord = -1
			recs, err := cr.ReadAll()
			noErr(t, err)
			cols := map[string]int{}
			for i, h := range recs[0] {
				cols[h] = i
			}
			good, seated := 0, 0
			for i, rec := range recs[1:] {
				line := i + 2
				name := strings.TrimSpace(rec[cols["name"]])
				p, stored := e.personNamed(t, name)
				switch {
				case bad[line] && stored:
					t.Errorf("line %d (%s) is bad but was stored as person %d", line, name, p.ID)
				case !bad[line] && !stored:
					t.Errorf("line %d (%s) is good but was not stored", line, name)
				case !bad[line]:
					good++
					if ci, ok := cols["committee_unit_code"]; ok && rec[ci] != "" {
						seated++
						var n int64
						noErr(t, e.db.Model(&models.Seat{}).Where("person_id = ? AND ended_at IS NULL", p.ID).Count(&n).Error)
						if n != 1 {
							t.Errorf("line %d: %d seats, want 1", line, n)
						}
					}
				}
			}
			if res.Inserted != good || res.Updated != 0 || res.Seated != seated {
				t.Errorf("valid_rows result %+v, want %d inserted, %d seated", res, good, seated)
			}
		})
	}
	// The bad rows moved none of the stored people.
	if got := e.personByVoter(t, *outsider.VoterID); !cmp.Equal(outsider, got) {
		t.Errorf("the outsider changed:\n%s", cmp.Diff(outsider, got))
	}
	if got := e.personByVoter(t, *sitting.VoterID); !cmp.Equal(sitting, got) {
		t.Errorf("the sitting member changed:\n%s", cmp.Diff(sitting, got))
	}
	var presidents int64
	noErr(t, e.db.Model(&models.Seat{}).Where("unit_id IN ? AND position = 'president' AND ended_at IS NULL", []int64{presBooth.ID, twoPres.ID}).Count(&presidents).Error)
	if presidents != 2 {
		t.Errorf("%d presidents on the two contested booths, want one each", presidents)
	}
	if got := len(e.currentSeats(t, fullBooth)); got != 21 {
		t.Errorf("the full booth has %d seats, want 21", got)
	}
	checkRollups(t, e.db)
}

func TestImportPeopleHeaderErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	row := newRow(tr.b1.Code)
	for _, c := range []struct {
		name string
		body string
		want []lineField
	}{
		{"unknown column", csvFile(peopleHdr+",colour", row.String()+",red"), []lineField{{1, "colour"}}},
		{"missing name column", csvFile("gender,category,home_unit_code", "female,SC,"+tr.b1.Code), []lineField{{1, "name"}}},
		{"missing gender and category columns", csvFile("name,home_unit_code", "x,"+tr.b1.Code), []lineField{{1, "gender"}, {1, "category"}}},
		{"column twice", csvFile("name,gender,category,caste,caste", "x,female,SC,a,b"), []lineField{{1, "caste"}}},
		{"empty file", "", []lineField{{1, "header"}}},
	} {
		for _, mode := range []services.ImportMode{services.AllOrNothing, services.ValidRows} {
			t.Run(c.name+" "+string(mode), func(t *testing.T) {
				before := e.state(t)
				res, err := e.imports.People(ctx, services.System, strings.NewReader(c.body), mode)
				ierr := wantErr(t, err, services.EInvalid)
				if d := cmp.Diff(c.want, lineFields(ierr.Fields)); d != "" {
					t.Errorf("error fields (-want +got):\n%s", d)
				}
				if res.Inserted != 0 || res.Updated != 0 || res.Seated != 0 {
					t.Errorf("result %+v", res)
				}
				if d := cmp.Diff(before, e.state(t)); d != "" {
					t.Errorf("a refused file wrote (-before +after):\n%s", d)
				}
			})
		}
	}
	_, err := e.imports.People(ctx, services.System, strings.NewReader(peopleFile(row)), "sometimes")
	wantErr(t, err, services.EInvalid, "mode")
}

func TestImportPeopleRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	body := peopleFile(newRow(tr.b1.Code))
	before := e.state(t)
	for _, actor := range []services.Actor{scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.state), scoped(models.RoleViewer, tr.b1)} {
		_, err := e.imports.People(context.Background(), actor, strings.NewReader(body), services.ValidRows)
		wantErr(t, err, services.EForbidden)
	}
	if d := cmp.Diff(before, e.state(t)); d != "" {
		t.Errorf("a forbidden import wrote (-before +after):\n%s", d)
	}
	for _, actor := range []services.Actor{scoped(models.RoleStateOffice, tr.state), scoped(models.RoleDistrictCoordinator, tr.d1)} {
		if res := e.importPeople(t, actor, services.AllOrNothing, peopleFile(newRow(tr.b1.Code))); res.Inserted != 1 {
			t.Errorf("%s: %+v", actor.Role, res)
		}
	}
}

func TestImportPeopleAllOrNothingWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	stored1, stored2 := newRow(tr.b1.Code), seatedRow(tr.b1.Code, tr.b1, "president")
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(stored1, stored2))
	exportBefore := e.exportPeople(t, services.System, nil)
	before := e.state(t) // after the export, which writes an audit row of its own
	e.clock.Advance(time.Hour)

	// A move, a seat for a stored person, nine new people who complete booth b1's committee, a
	// person elsewhere, then one bad row at the very end.
	moved := stored1
	moved.name, moved.home = "Moved Away", tr.b2.Code
	seatedStored := stored2
	seatedStored.comm, seatedStored.position = tr.s1.Code, "member"
	rows := []csvPerson{moved, seatedStored, seatedRow(tr.b1.Code, tr.b1, "booth_agent")}
	for range 8 {
		rows = append(rows, seatedRow(tr.b1.Code, tr.b1, "member"))
	}
	rows = append(rows, newRow(tr.a2.Code))
	badRow := newRow(tr.b4.Code)
	badRow.phone = "not a phone"
	body := peopleFile(append(rows, badRow)...)
	res, err := e.imports.People(context.Background(), services.System, strings.NewReader(body), services.AllOrNothing)
	ierr := wantErr(t, err, services.EInvalid)
	if d := cmp.Diff([]lineField{{len(rows) + 2, "phone"}}, lineFields(ierr.Fields)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if res.Inserted != 0 || res.Updated != 0 || res.Seated != 0 {
		t.Errorf("a failed import reports %+v", res)
	}
	if d := cmp.Diff(before, e.state(t)); d != "" {
		t.Errorf("people, seats, units or audit changed (-before +after):\n%s", d)
	}
	if d := cmp.Diff(exportBefore, e.exportPeople(t, services.System, nil)); d != "" {
		t.Errorf("export changed (-before +after):\n%s", d)
	}

	// The same file without its bad row goes in whole.
	res = e.importPeople(t, services.System, services.AllOrNothing, peopleFile(rows...))
	if d := cmp.Diff(services.ImportResult{Inserted: 10, Updated: 2, Seated: 10, Errors: []services.FieldError{}}, res); d != "" {
		t.Errorf("good part (-want +got):\n%s", d)
	}
	if b1 := loadUnit(t, e.db, tr.b1.ID); b1.Seats != 10 || !b1.CommitteeComplete {
		t.Errorf("b1: %d seats, complete %v", b1.Seats, b1.CommitteeComplete)
	}
	if got := e.coverageOf(t, tr.state); got != (services.Coverage{Booths: 4, Complete: 1}) {
		t.Errorf("state coverage %+v", got)
	}
	if p := e.personByVoter(t, stored1.voter); p.Name != "Moved Away" || p.UnitID != tr.b2.ID {
		t.Errorf("moved person: %q at %d", p.Name, p.UnitID)
	}
	checkRollups(t, e.db)
}

// An export imported back into the same database changes nothing: its people are matched by
// voter ID and are as stored, and each seat it names is one its person already holds, so the
// same file can be imported twice. A row that names another position on a committee its person
// already sits on is still refused as "already sits on this committee".
func TestImportPeopleExportIntoTheSameDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	president := seatedRow(tr.b1.Code, tr.b1, "president")
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(
		president, seatedRow(tr.b1.Code, tr.b1, "booth_agent"),
		seatedRow(tr.s1.Code, tr.s1, "member"), newRow(tr.a2.Code)))
	out := e.exportPeople(t, services.System, nil)
	before := e.state(t)
	e.clock.Advance(time.Hour) // a write now would show in updated_at

	for _, mode := range []services.ImportMode{services.AllOrNothing, services.ValidRows} {
		res := e.importPeople(t, services.System, mode, out)
		if d := cmp.Diff(services.ImportResult{Updated: 4, Errors: []services.FieldError{}}, res); d != "" {
			t.Errorf("%s: result (-want +got):\n%s", mode, d)
		}
		if d := cmp.Diff(before, e.state(t)); d != "" {
			t.Errorf("%s: importing what is stored wrote (-before +after):\n%s", mode, d)
		}
	}

	// The president named again as a member of the same committee.
	again := president
	again.position = "member"
	_, err := e.imports.People(context.Background(), services.System, strings.NewReader(peopleFile(again)), services.AllOrNothing)
	ierr := wantErr(t, err, services.EInvalid)
	if d := cmp.Diff([]lineField{{2, "committee_unit_code"}}, lineFields(ierr.Fields)); d != "" || !strings.Contains(ierr.Fields[0].Message, "already sits on this committee") {
		t.Errorf("errors %+v (-want +got):\n%s", ierr.Fields, d)
	}
	if d := cmp.Diff(before, e.state(t)); d != "" {
		t.Errorf("refused import wrote (-before +after):\n%s", d)
	}
	checkRollups(t, e.db)
}

func TestExportPeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	lead, other, quiet := newRow(tr.b1.Code), newRow(tr.b4.Code), newRow(tr.b1.Code)
	lead.nameHi, lead.phone, lead.religion, lead.caste, lead.birth = "नेता जी", "+919000000001", "sikh", "जट", "1960"
	lead.comm, lead.position = tr.a1.Code, "member"
	other.caste, other.religion = "ब्राह्मण", "hindu"
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(lead, other, quiet))
	// The later seat is the more senior: the export names it.
	e.mustSeat(t, services.System, tr.b1, e.personByVoter(t, lead.voter), models.PositionPresident)

	rows := func(actor services.Actor, under *int64) map[string][]string {
		out := map[string][]string{}
		for _, r := range readPeopleCSV(t, e.exportPeople(t, actor, under)) {
			out[r[0]] = r
		}
		return out
	}
	all := rows(services.System, nil)
	if len(all) != 3 {
		t.Fatalf("export of everything: %v", all)
	}
	// The phone is written with the apostrophe that keeps a spreadsheet from reading it as a formula.
	want := []string{lead.name, "नेता जी", "female", "1960", "'+919000000001", lead.voter, "OBC", "sikh", "जट", tr.b1.Code, tr.b1.Code, "president"}
	if d := cmp.Diff(want, all[lead.name]); d != "" {
		t.Errorf("lead's row (-want +got):\n%s", d)
	}
	if r := all[quiet.name]; r[10] != "" || r[11] != "" {
		t.Errorf("a person without a seat exported with %q %q", r[10], r[11])
	}
	// A coordinator gets their district; under narrows; outside the scope is not found.
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	if got := rows(dc, nil); len(got) != 2 || got[other.name] != nil {
		t.Errorf("coordinator of d1 exports %v", got)
	}
	if got := rows(services.System, &tr.d2.ID); len(got) != 1 || got[other.name] == nil {
		t.Errorf("under d2 exports %v", got)
	}
	_, err := e.exports.CheckPeople(ctx, dc, &tr.b4.ID)
	wantErr(t, err, services.ENotFound)
	// Booth workers and viewers export nothing.
	for _, actor := range []services.Actor{scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.state)} {
		_, err = e.exports.CheckPeople(ctx, actor, nil)
		wantErr(t, err, services.EForbidden)
	}
}

// An export imported into a fresh database with the same units gives back the same people and
// their most senior seats, even people entered without a home unit.
func TestExportPeopleRoundTripsIntoAFreshDatabase(t *testing.T) {
	t.Parallel()
	e1 := newEnv(t)
	tr := e1.newTree(t)
	rows := []csvPerson{
		{name: "Sunita Devi", nameHi: "सुनीता देवी", gender: "female", birth: "1975", phone: "9876543210", voter: newVoterID(),
			category: "SC", religion: "hindu", caste: "जाटव", home: tr.b1.Code, comm: tr.b1.Code, position: "president"},
		seatedRow(tr.b1.Code, tr.b1, "booth_agent"), seatedRow(tr.s1.Code, tr.s1, "president"),
		seatedRow(tr.b4.Code, tr.a2, "general_secretary"), newRow(tr.b2.Code),
		{name: "No Voter ID", nameHi: "बिना पहचान", gender: "other", category: "GEN", home: tr.b3.Code, comm: tr.b3.Code, position: "member"},
	}
	for range 8 {
		rows = append(rows, seatedRow(tr.b1.Code, tr.b1, "member"))
	}
	e1.importPeople(t, services.System, services.AllOrNothing, peopleFile(rows...))
	// Sunita also sits on the assembly (a junior seat the export leaves out); a coordinator
	// enters a person with no home unit, placed in the district.
	sunita := e1.personByVoter(t, rows[0].voter)
	e1.mustSeat(t, services.System, tr.a1, sunita, models.PositionMember)
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	e1.mustPerson(t, dc, tr.d1, func(in *services.PersonInput) { in.HomeUnitID, in.Name = nil, "Entered Without Home" })

	units, people := e1.exportUnits(t, services.System, nil), e1.exportPeople(t, services.System, nil)
	e2 := newEnv(t)
	e2.importUnits(t, services.System, services.AllOrNothing, units)
	res := e2.importPeople(t, services.System, services.AllOrNothing, people)
	if d := cmp.Diff(services.ImportResult{Inserted: 15, Seated: 13, Errors: []services.FieldError{}}, res); d != "" {
		t.Errorf("import into the fresh database (-want +got):\n%s", d)
	}
	if d := cmp.Diff(sortedPeopleRows(t, people), sortedPeopleRows(t, e2.exportPeople(t, services.System, nil))); d != "" {
		t.Errorf("export of the fresh database differs (-first +second):\n%s", d)
	}
	// The committees: the senior seats, not Sunita's assembly seat; the same completeness.
	for _, u := range []models.Unit{tr.b1, tr.s1, tr.a1, tr.a2, tr.b3} {
		u1, u2 := loadUnit(t, e1.db, u.ID), unitByCode(t, e2.db, u.Code)
		wantSeats := u1.Seats
		if u.ID == tr.a1.ID {
			wantSeats--
		}
		if u2.Seats != wantSeats || u2.CommitteeComplete != u1.CommitteeComplete {
			t.Errorf("%s: %d seats complete %v, want %d %v", u.Code, u2.Seats, u2.CommitteeComplete, wantSeats, u1.CommitteeComplete)
		}
	}
	p := e2.personByVoter(t, rows[0].voter)
	if p.Name != "Sunita Devi" || p.NameHi != "सुनीता देवी" || p.Caste != "जाटव" || p.Phone == nil || *p.Phone != "+919876543210" {
		t.Errorf("Sunita in the fresh database: %+v", p)
	}
	if p, ok := e2.personNamed(t, "Entered Without Home"); !ok || p.UnitID != unitByCode(t, e2.db, tr.d1.Code).ID {
		t.Errorf("the person without a home: %+v (found %v)", p, ok)
	}
	checkRollups(t, e2.db)
}

// Two imports at once seating different presidents on the same booth: exactly one wins, the
// other reports the row (or a conflict), and the booth has one president with exact rollups.
func TestImportPeopleConcurrentPresidents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	const booths = 4
	var units []models.Unit
	for range booths {
		// Nine seats without a president: the winner completes the committee.
		b := e.newChild(t, models.LevelBooth, tr.s1)
		e.mustSeat(t, services.System, b, e.mustPerson(t, services.System, b), models.PositionBoothAgent)
		for range 8 {
			e.mustSeat(t, services.System, b, e.mustPerson(t, services.System, b), models.PositionMember)
		}
		units = append(units, b)
	}
	actors := []services.Actor{services.System, scoped(models.RoleDistrictCoordinator, tr.d1)}
	type attempt struct {
		booth int
		voter string
		err   error
	}
	attempts := make([]*attempt, 0, 2*booths)
	bodies := map[*attempt]string{}
	for i, b := range units {
		for range 2 {
			row := seatedRow(b.Code, b, "president")
			a := &attempt{booth: i, voter: row.voter}
			attempts = append(attempts, a)
			bodies[a] = peopleFile(row)
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, a.err = e.imports.People(context.Background(), actors[i%2], strings.NewReader(bodies[a]), services.AllOrNothing)
		}()
	}
	close(start)
	wg.Wait()

	wins := 0
	for i, b := range units {
		won := 0
		for _, a := range attempts {
			if a.booth != i {
				continue
			}
			var n int64
			noErr(t, e.db.Model(&models.Person{}).Where("voter_id = ?", a.voter).Count(&n).Error)
			switch code := services.ErrorCode(a.err); code {
			case "":
				won++
				if n != 1 {
					t.Errorf("booth %s: the winner's person is not stored", b.Code)
				}
			case services.EInvalid, services.EConflict:
				var se *services.Error
				if code == services.EInvalid && (!errors.As(a.err, &se) || !cmp.Equal([]lineField{{2, "position"}}, lineFields(se.Fields))) {
					t.Errorf("booth %s: loser's error %v, want a row error on line 2, position", b.Code, a.err)
				}
				if n != 0 {
					t.Errorf("booth %s: the loser's person was stored", b.Code)
				}
			default:
				t.Errorf("booth %s: import failed with %v", b.Code, a.err)
			}
		}
		if won != 1 {
			t.Errorf("booth %s: %d imports won, want exactly 1", b.Code, won)
		}
		wins += won
		var presidents int64
		noErr(t, e.db.Model(&models.Seat{}).Where("unit_id = ? AND position = 'president' AND ended_at IS NULL", b.ID).Count(&presidents).Error)
		if u := loadUnit(t, e.db, b.ID); presidents != 1 || u.Seats != 10 || !u.CommitteeComplete {
			t.Errorf("booth %s: %d presidents, %d seats, complete %v", b.Code, presidents, u.Seats, u.CommitteeComplete)
		}
	}
	if wins != booths {
		t.Errorf("%d imports won, want %d", wins, booths)
	}
	if got := e.coverageOf(t, tr.a1); got != (services.Coverage{Booths: 3 + booths, Complete: booths}) {
		t.Errorf("assembly coverage %+v", got)
	}
	checkRollups(t, e.db)
}

// Two imports at once, each seating people on a committee where the other places its people: on
// PostgreSQL each locks its committee while the other's rows point at it, and neither may wait
// for the other (a deadlock fails one of them).
func TestImportPeopleCrossedImportsBothSucceed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	for round := range 10 {
		booth, sector := e.newChild(t, models.LevelBooth, tr.a1), e.newChild(t, models.LevelSector, tr.a1)
		bodies := []string{
			peopleFile(seatedRow(sector.Code, booth, "member"), newRow(sector.Code)),
			peopleFile(seatedRow(booth.Code, sector, "member"), newRow(booth.Code)),
		}
		errs := make([]error, len(bodies))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, body := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = e.imports.People(context.Background(), services.System, strings.NewReader(body), services.AllOrNothing)
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, import %d: %v", round, i, err)
			}
		}
		if b, s := loadUnit(t, e.db, booth.ID), loadUnit(t, e.db, sector.ID); b.Seats != 1 || s.Seats != 1 {
			t.Errorf("round %d: booth %d seats, sector %d seats; want 1 and 1", round, b.Seats, s.Seats)
		}
	}
	checkRollups(t, e.db)
}

// The seat limit has no index behind it: two imports at once, each taking the 21st and last seat
// of the same booth, must still run one after the other, so that exactly one wins.
func TestImportPeopleConcurrentLastSeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	const booths = 3
	var units []models.Unit
	for range booths {
		b := e.newChild(t, models.LevelBooth, tr.a2)
		e.fillCommittee(t, b, 20)
		units = append(units, b)
	}
	errs := make([][2]error, booths)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, b := range units {
		for j := range 2 {
			body := peopleFile(seatedRow(b.Code, b, "member"))
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i][j] = e.imports.People(context.Background(), services.System, strings.NewReader(body), services.AllOrNothing)
			}()
		}
	}
	close(start)
	wg.Wait()
	for i, b := range units {
		codes := []services.Code{services.ErrorCode(errs[i][0]), services.ErrorCode(errs[i][1])}
		slices.Sort(codes)
		if !cmp.Equal([]services.Code{"", services.EInvalid}, codes) {
			t.Errorf("booth %s: errors %v, want one success and one row error", b.Code, errs[i])
		}
		if got := len(e.currentSeats(t, b)); got != 21 {
			t.Errorf("booth %s has %d seats, want 21", b.Code, got)
		}
	}
	checkRollups(t, e.db)
}

// TestExportPeopleNamesOnlySeatsInScope: a seat an administrator gave one of a coordinator's
// people in another district is not named in the coordinator's export.
func TestExportPeopleNamesOnlySeatsInScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	p, err := e.set.People.Create(ctx, services.System, services.PersonInput{Name: "Crossing Person", Gender: models.GenderFemale,
		Category: models.CategorySC, HomeUnitID: &tr.b3.ID})
	noErr(t, err)
	_, err = e.set.Committees.Seat(ctx, services.System, tr.b4.ID, p.Person.ID, models.PositionPresident)
	noErr(t, err)

	all := e.exportPeople(t, services.System, nil)
	if !strings.Contains(all, tr.b4.Code+",president") {
		t.Fatalf("the admin's export lacks the seat:\n%s", all)
	}
	coord := e.exportPeople(t, scoped(models.RoleDistrictCoordinator, tr.d1), nil)
	if !strings.Contains(coord, "Crossing Person") || strings.Contains(coord, tr.b4.Code) {
		t.Errorf("the coordinator of d1 sees the person but must not see the seat in d2:\n%s", coord)
	}
}
