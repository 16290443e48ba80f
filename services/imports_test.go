package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// hdr is the header of the CSV files these tests write: a subset of services.UnitColumns in another order.
const hdr = "level,code,name,name_hi,parent_code,number,reserved,parliamentary_code,electors,population_total"

// csvUnit is one row under hdr.
type csvUnit struct {
	level, code, name, nameHi, parent, number, reserved, parl, electors, pop string
}

func (u csvUnit) String() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{u.level, u.code, u.name, u.nameHi, u.parent, u.number, u.reserved, u.parl, u.electors, u.pop})
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// baseCodes are the codes of the tree importBase stores.
type baseCodes struct {
	S, PC, D1, D2, A1, A2, SEC, B1, B2 string
}

// importBase stores, through the importer, a state with two districts, a Lok Sabha seat and
// an assembly in each district.
func (e *env) importBase(t *testing.T) baseCodes {
	t.Helper()
	p := uniq("BASE")
	b := baseCodes{S: p + "-S", PC: p + "-PC", D1: p + "-D1", D2: p + "-D2", A1: p + "-A1", A2: p + "-A2", SEC: p + "-SEC", B1: p + "-B1", B2: p + "-B2"}
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "state", code: b.S, name: "Uttar Pradesh", nameHi: "उत्तर प्रदेश"}.String(),
		csvUnit{level: "parliamentary", code: b.PC, name: "Lucknow", nameHi: "लखनऊ", parent: b.S, number: "35"}.String(),
		csvUnit{level: "district", code: b.D1, name: "Lucknow", nameHi: "लखनऊ", parent: b.S, pop: "4589838"}.String(),
		csvUnit{level: "district", code: b.D2, name: "Barabanki", parent: b.S}.String(),
		csvUnit{level: "assembly", code: b.A1, name: "Lucknow West", parent: b.D1, number: "171", parl: b.PC}.String(),
		csvUnit{level: "assembly", code: b.A2, name: "Zaidpur", parent: b.D2, number: "269", reserved: "SC", parl: b.PC}.String(),
		csvUnit{level: "sector", code: b.SEC, name: "Sector 1", parent: b.A1}.String(),
		csvUnit{level: "booth", code: b.B1, name: "Primary School, Room 1", parent: b.SEC, number: "1", electors: "912"}.String(),
		csvUnit{level: "booth", code: b.B2, name: "Booth 2", parent: b.A2, number: "1"}.String(),
	))
	if res.Inserted != 9 || len(res.Errors) != 0 {
		t.Fatalf("base import: %+v", res)
	}
	return b
}

func TestImportUnitsGoodFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := uniq("G")
	c := func(s string) string { return p + "-" + s }
	body := csvFile(hdr,
		csvUnit{level: "state", code: c("S"), name: "Uttar Pradesh", nameHi: "उत्तर प्रदेश"}.String(),
		csvUnit{level: "district", code: c("D"), name: "Lucknow", nameHi: "लखनऊ", parent: c("S"), number: "162", pop: "4,589,838"}.String(),
		csvUnit{level: "parliamentary", code: c("PC"), name: "Mohanlalganj", nameHi: "मोहनलालगंज", parent: c("S"), number: "35", reserved: "SC"}.String(),
		csvUnit{level: "assembly", code: c("AC"), name: "Malihabad", nameHi: "मलिहाबाद", parent: c("D"), number: "168", reserved: "sc", parl: c("PC")}.String(),
		csvUnit{level: "sector", code: c("SEC"), name: "Sector 1", parent: c("AC")}.String(),
		csvUnit{level: "booth", code: c("B1"), name: "Primary School, Room \"A\"", parent: c("SEC"), number: "1", electors: "900"}.String(),
		csvUnit{level: "booth", code: c("B2"), name: "प्राथमिक विद्यालय", parent: c("AC"), number: "2"}.String(),
	)
	res, err := e.imports.Units(ctx, services.System, strings.NewReader(body), "")
	noErr(t, err)
	if d := cmp.Diff(services.ImportResult{Inserted: 7, Errors: []services.FieldError{}}, res); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	checkTree(t, e.db)

	s, d, pc, ac, sec, b1, b2 := unitByCode(t, e.db, c("S")), unitByCode(t, e.db, c("D")), unitByCode(t, e.db, c("PC")),
		unitByCode(t, e.db, c("AC")), unitByCode(t, e.db, c("SEC")), unitByCode(t, e.db, c("B1")), unitByCode(t, e.db, c("B2"))
	for _, pair := range []struct{ child, parent models.Unit }{{d, s}, {pc, s}, {ac, d}, {sec, ac}, {b1, sec}, {b2, ac}} {
		if pair.child.ParentID == nil || *pair.child.ParentID != pair.parent.ID {
			t.Errorf("%s: parent %v, want %s (%d)", pair.child.Code, pair.child.ParentID, pair.parent.Code, pair.parent.ID)
		}
	}
	if s.ParentID != nil || s.NameHi != "उत्तर प्रदेश" || s.Level != models.LevelState {
		t.Errorf("state stored as %+v", s)
	}
	if d.PopulationTotal == nil || *d.PopulationTotal != 4589838 || d.Number == nil || *d.Number != 162 {
		t.Errorf("district population %v number %v", d.PopulationTotal, d.Number)
	}
	if ac.ParliamentaryID == nil || *ac.ParliamentaryID != pc.ID || ac.Reserved != "SC" || pc.Reserved != "SC" {
		t.Errorf("assembly parliamentary %v reserved %q, seat reserved %q", ac.ParliamentaryID, ac.Reserved, pc.Reserved)
	}
	if b1.Name != `Primary School, Room "A"` || b1.Electors == nil || *b1.Electors != 900 || b2.Electors != nil || b2.Name != "प्राथमिक विद्यालय" {
		t.Errorf("booths stored as %q %v and %q %v", b1.Name, b1.Electors, b2.Name, b2.Electors)
	}
	// Imported units are found like any other: q in Devanagari, coverage through the seat.
	if got := listAll(t, e, services.System, services.UnitFilter{Q: "मलिहाबाद"}); !cmp.Equal(got, []int64{ac.ID}) {
		t.Errorf("q=मलिहाबाद found %v", got)
	}
	seat, err := e.units.Get(ctx, services.System, pc.ID)
	noErr(t, err)
	if seat.Coverage.Booths != 2 {
		t.Errorf("seat covers %d booths, want 2", seat.Coverage.Booths)
	}
	if !d.CreatedAt.Equal(e.clock.Now()) || !d.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("timestamps %v %v, want the service clock %v", d.CreatedAt, d.UpdatedAt, e.clock.Now())
	}

	// Importing again matches every row to its unit in place.
	e.clock.Advance(time.Hour)
	before := snapshot(t, e.db)
	mark := e.auditMark(t)
	body = strings.Replace(body, "Malihabad", "Malihabad (SC)", 1)
	body = strings.Replace(body, ",900,", ",1200,", 1)
	res, err = e.imports.Units(ctx, services.System, strings.NewReader(body), services.AllOrNothing)
	noErr(t, err)
	if d := cmp.Diff(services.ImportResult{Updated: 7, Errors: []services.FieldError{}}, res); d != "" {
		t.Errorf("re-import result (-want +got):\n%s", d)
	}
	after := snapshot(t, e.db)
	if d := cmp.Diff(ids(before), ids(after)); d != "" {
		t.Errorf("re-import changed ids (-before +after):\n%s", d)
	}
	// The rows that changed something are written, with the new time and version, and are the
	// ones the audit lists; the others are left as they were.
	var listed []string
	for _, en := range importAudit(t, e.auditSince(t, mark)) {
		listed = append(listed, en.Kind+" "+en.Code)
	}
	if d := cmp.Diff([]string{"updated " + c("AC"), "updated " + c("B1")}, listed); d != "" {
		t.Errorf("audit of the re-import (-want +got):\n%s", d)
	}
	for i, u := range after {
		changed := u.Code == c("AC") || u.Code == c("B1")
		if want := map[bool]time.Time{true: e.clock.Now(), false: before[i].UpdatedAt}[changed]; !u.UpdatedAt.Equal(want) {
			t.Errorf("%s: updated_at %v, want %v", u.Code, u.UpdatedAt, want)
		}
		if want := before[i].Version + int64(boolInt(changed)); u.Version != want {
			t.Errorf("%s: version %d, want %d", u.Code, u.Version, want)
		}
	}
	if got := unitByCode(t, e.db, c("AC")); got.Name != "Malihabad (SC)" || got.ParliamentaryID == nil || *got.ParliamentaryID != pc.ID {
		t.Errorf("re-imported assembly: %q parliamentary %v", got.Name, got.ParliamentaryID)
	}
	if got := unitByCode(t, e.db, c("B1")); got.Electors == nil || *got.Electors != 1200 {
		t.Errorf("re-imported booth electors %v", got.Electors)
	}
	if got := listAll(t, e, services.System, services.UnitFilter{Q: "(sc)"}); !cmp.Equal(got, []int64{ac.ID}) {
		t.Errorf("search text not updated by the import: q=(sc) found %v", got)
	}
	checkTree(t, e.db)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestImportUnitsUpsertColumns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	pc := unitByCode(t, e.db, b.PC)

	// Columns a file leaves out keep their stored values, and search still finds the kept Hindi name.
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,parent_code",
		"assembly,"+b.A2+",Zaidpur Renamed,"+b.D2,
		"district,"+b.D1+",Lucknow City,"+b.S))
	if res.Updated != 2 || res.Inserted != 0 {
		t.Fatalf("result %+v", res)
	}
	a2, d1 := unitByCode(t, e.db, b.A2), unitByCode(t, e.db, b.D1)
	if a2.Name != "Zaidpur Renamed" || a2.Number == nil || *a2.Number != 269 || a2.Reserved != "SC" || a2.ParliamentaryID == nil || *a2.ParliamentaryID != pc.ID {
		t.Errorf("A2 after a short file: name %q number %v reserved %q parliamentary %v", a2.Name, a2.Number, a2.Reserved, a2.ParliamentaryID)
	}
	if d1.Name != "Lucknow City" || d1.NameHi != "लखनऊ" || d1.PopulationTotal == nil || *d1.PopulationTotal != 4589838 {
		t.Errorf("D1 after a short file: %q %q population %v", d1.Name, d1.NameHi, d1.PopulationTotal)
	}
	for _, q := range []string{"लखनऊ", "lucknow city"} {
		if got := listAll(t, e, services.System, services.UnitFilter{Q: q, Level: models.LevelDistrict}); !cmp.Equal(got, []int64{d1.ID}) {
			t.Errorf("q=%q found %v, want D1 %d", q, got, d1.ID)
		}
	}

	// A column that is present but empty clears the field.
	res = e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "assembly", code: b.A2, name: "Zaidpur", parent: b.D2}.String()))
	if res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("result %+v", res)
	}
	a2 = unitByCode(t, e.db, b.A2)
	if a2.Number != nil || a2.Reserved != "" || a2.ParliamentaryID != nil {
		t.Errorf("A2 after empty cells: number %v reserved %q parliamentary %v", a2.Number, a2.Reserved, a2.ParliamentaryID)
	}
}

func TestImportUnitsParentsLaterInFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := uniq("R")
	c := func(s string) string { return p + "-" + s }
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "booth", code: c("B"), name: "Booth", parent: c("SEC")}.String(),
		csvUnit{level: "sector", code: c("SEC"), name: "Sector", parent: c("AC")}.String(),
		csvUnit{level: "assembly", code: c("AC"), name: "Assembly", parent: c("D"), parl: c("PC")}.String(),
		csvUnit{level: "district", code: c("D"), name: "District", parent: c("S")}.String(),
		csvUnit{level: "parliamentary", code: c("PC"), name: "Seat", parent: c("S")}.String(),
		csvUnit{level: "state", code: c("S"), name: "State"}.String(),
	))
	if res.Inserted != 6 || len(res.Errors) != 0 {
		t.Fatalf("result %+v", res)
	}
	checkTree(t, e.db)
	b, ac, pc := unitByCode(t, e.db, c("B")), unitByCode(t, e.db, c("AC")), unitByCode(t, e.db, c("PC"))
	if b.Depth != 4 || !strings.HasPrefix(b.Path, ac.Path) {
		t.Errorf("booth path %q depth %d, assembly path %q", b.Path, b.Depth, ac.Path)
	}
	if ac.ParliamentaryID == nil || *ac.ParliamentaryID != pc.ID {
		t.Errorf("assembly parliamentary %v, want %d", ac.ParliamentaryID, pc.ID)
	}
}

func TestImportUnitsRowErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	n := func(s string) string { return b.S + "-NEW-" + s }
	before := snapshot(t, e.db)

	cases := []struct {
		name   string
		body   string
		want   []lineField
		inText string // a message must mention this
	}{
		{"bad level", csvFile(hdr, csvUnit{level: "county", code: n("1"), name: "x", parent: b.S}.String()),
			[]lineField{{2, "level"}}, ""},
		{"missing parent", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x"}.String()),
			[]lineField{{2, "parent_code"}}, ""},
		{"unknown parent", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: "NO-SUCH-CODE"}.String()),
			[]lineField{{2, "parent_code"}}, ""},
		{"stored parent of wrong level", csvFile(hdr, csvUnit{level: "assembly", code: n("1"), name: "x", parent: b.S}.String()),
			[]lineField{{2, "parent_code"}}, ""},
		{"parent in file of wrong level", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			csvUnit{level: "booth", code: n("2"), name: "x", parent: n("1")}.String()),
			[]lineField{{3, "parent_code"}}, ""},
		{"national with a parent", csvFile(hdr, csvUnit{level: "national", code: n("1"), name: "x", parent: b.S}.String()),
			[]lineField{{2, "parent_code"}}, ""},
		{"duplicate code in the file", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			csvUnit{level: "district", code: n("2"), name: "y", parent: b.S}.String(),
			csvUnit{level: "district", code: n("1"), name: "z", parent: b.S}.String()),
			[]lineField{{4, "code"}}, "line 2"},
		{"bad code", csvFile(hdr, csvUnit{level: "district", code: "has space", name: "x", parent: b.S}.String()),
			[]lineField{{2, "code"}}, ""},
		{"missing name", csvFile(hdr, csvUnit{level: "district", code: n("1"), parent: b.S}.String()),
			[]lineField{{2, "name"}}, ""},
		{"too few fields", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			"district,"+n("2")+",x"),
			[]lineField{{3, "row"}}, ""},
		{"too many fields", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String()+",extra"),
			[]lineField{{2, "row"}}, ""},
		{"not CSV", csvFile(hdr, `district,"`+n("1")+`"x,name,,`+b.S+`,,,,,`),
			[]lineField{{2, "row"}}, ""},
		{"bare quote in the first field", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			`dis"trict,`+n("2")+`,name,,`+b.S+`,,,,,`),
			[]lineField{{3, "row"}}, ""},
		{"unterminated quote", csvFile(hdr, `"district,`+n("1")+`,name,,`+b.S+`,,,,,`),
			[]lineField{{2, "row"}}, ""},
		{"non-numeric number", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: b.S, number: "12a"}.String()),
			[]lineField{{2, "number"}}, ""},
		{"non-numeric electors and population", csvFile(hdr, csvUnit{level: "booth", code: n("1"), name: "x", parent: b.A1, electors: "many", pop: "1.5"}.String()),
			[]lineField{{2, "electors"}, {2, "population_total"}}, ""},
		{"negative number", csvFile(hdr, csvUnit{level: "booth", code: n("1"), name: "x", parent: b.A1, number: "-3"}.String()),
			[]lineField{{2, "number"}}, ""},
		{"reserved on a district", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: b.S, reserved: "SC"}.String()),
			[]lineField{{2, "reserved"}}, ""},
		{"unknown reservation", csvFile(hdr, csvUnit{level: "assembly", code: n("1"), name: "x", parent: b.D1, reserved: "OBC"}.String()),
			[]lineField{{2, "reserved"}}, ""},
		{"parliamentary code names a stored district", csvFile(hdr, csvUnit{level: "assembly", code: n("1"), name: "x", parent: b.D1, parl: b.D2}.String()),
			[]lineField{{2, "parliamentary_code"}}, ""},
		{"parliamentary code names a district in the file", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			csvUnit{level: "assembly", code: n("2"), name: "x", parent: b.D1, parl: n("1")}.String()),
			[]lineField{{3, "parliamentary_code"}}, ""},
		{"parliamentary code unknown", csvFile(hdr, csvUnit{level: "assembly", code: n("1"), name: "x", parent: b.D1, parl: "NO-SUCH-CODE"}.String()),
			[]lineField{{2, "parliamentary_code"}}, ""},
		{"parliamentary code on a district", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: b.S, parl: b.PC}.String()),
			[]lineField{{2, "parliamentary_code"}}, ""},
		{"children of a bad row", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S, reserved: "SC"}.String(),
			csvUnit{level: "assembly", code: n("2"), name: "x", parent: n("1")}.String(),
			csvUnit{level: "booth", code: n("3"), name: "x", parent: n("2")}.String()),
			[]lineField{{2, "reserved"}, {3, "parent_code"}, {4, "parent_code"}}, "line 2"},
		{"children of a bad row above them", csvFile(hdr,
			csvUnit{level: "booth", code: n("3"), name: "x", parent: n("2")}.String(),
			csvUnit{level: "assembly", code: n("2"), name: "x", parent: n("1")}.String(),
			csvUnit{level: "district", code: n("1"), name: "x", parent: "NO-SUCH-CODE"}.String()),
			[]lineField{{2, "parent_code"}, {3, "parent_code"}, {4, "parent_code"}}, ""},
		{"assembly of a bad seat further down", csvFile(hdr,
			csvUnit{level: "assembly", code: n("1"), name: "x", parent: b.D1, parl: n("2")}.String(),
			csvUnit{level: "parliamentary", code: n("2"), name: "x", parent: "NO-SUCH-CODE"}.String()),
			[]lineField{{2, "parliamentary_code"}, {3, "parent_code"}}, ""},
		{"a loop of two", csvFile(hdr,
			csvUnit{level: "assembly", code: n("1"), name: "x", parent: n("2")}.String(),
			csvUnit{level: "assembly", code: n("2"), name: "x", parent: n("1")}.String()),
			[]lineField{{2, "parent_code"}, {3, "parent_code"}}, "loop"},
		{"a loop of three", csvFile(hdr,
			csvUnit{level: "sector", code: n("1"), name: "x", parent: n("3")}.String(),
			csvUnit{level: "sector", code: n("2"), name: "x", parent: n("1")}.String(),
			csvUnit{level: "sector", code: n("3"), name: "x", parent: n("2")}.String()),
			[]lineField{{2, "parent_code"}, {3, "parent_code"}, {4, "parent_code"}}, "loop"},
		{"own parent", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: n("1")}.String()),
			[]lineField{{2, "parent_code"}}, "loop"},
		{"level of a stored unit", csvFile(hdr, csvUnit{level: "assembly", code: b.D1, name: "x", parent: b.D2}.String()),
			[]lineField{{2, "level"}}, ""},
		{"stored unit under a new unit", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "x", parent: b.S}.String(),
			csvUnit{level: "assembly", code: b.A1, name: "x", parent: n("1")}.String()),
			[]lineField{{3, "parent_code"}}, ""},
		{"stored assembly without parent code", csvFile(hdr, csvUnit{level: "state", code: b.S, name: "x"}.String(),
			csvUnit{level: "assembly", code: b.A1, name: "x"}.String()),
			[]lineField{{3, "parent_code"}}, ""},
		{"line numbers count quoted line breaks (and a name may not hold one)", csvFile(hdr,
			csvUnit{level: "district", code: n("1"), name: "two\nlines", parent: b.S}.String(),
			csvUnit{level: "district", code: n("2"), name: "x", parent: b.S, number: "x"}.String()),
			[]lineField{{2, "name"}, {4, "number"}}, ""},
		{"a NUL byte", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "nul\x00here", parent: b.S}.String()),
			[]lineField{{2, "name"}}, ""},
		{"bytes that are not UTF-8", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "Lucknow", nameHi: "\xe0\xa4", parent: b.S}.String()),
			[]lineField{{2, "name_hi"}}, ""},
		{"a number past 32 bits", csvFile(hdr, csvUnit{level: "district", code: n("1"), name: "x", parent: b.S, number: "2147483648"}.String()),
			[]lineField{{2, "number"}}, ""},
		{"errors in line order", csvFile(hdr,
			csvUnit{level: "booth", code: n("1"), name: "x", parent: "NO-SUCH-CODE"}.String(),
			csvUnit{level: "booth", code: n("2"), name: "x", parent: b.A1, number: "x"}.String()),
			[]lineField{{2, "parent_code"}, {3, "number"}}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.clock.Advance(time.Minute) // a write now would show in updated_at
			res, err := e.imports.Units(context.Background(), services.System, strings.NewReader(c.body), services.AllOrNothing)
			ierr := wantErr(t, err, services.EInvalid)
			// One row may break one rule twice over (a national unit with a parent); count it once.
			if d := cmp.Diff(c.want, slices.Compact(lineFields(ierr.Fields))); d != "" {
				t.Errorf("error fields (-want +got):\n%s\nerror: %v", d, err)
			}
			if d := cmp.Diff(ierr.Fields, res.Errors); d != "" {
				t.Errorf("result errors differ from the error's fields (-error +result):\n%s", d)
			}
			if data, ok := ierr.Data.(services.ImportResult); !ok || data.Inserted != 0 || data.Updated != 0 || len(data.Errors) != len(ierr.Fields) {
				t.Errorf("error data %#v, want the result with no writes", ierr.Data)
			}
			if c.inText != "" && !slices.ContainsFunc(ierr.Fields, func(f services.FieldError) bool { return strings.Contains(f.Message, c.inText) }) {
				t.Errorf("no message mentions %q: %+v", c.inText, ierr.Fields)
			}
			if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
				t.Fatalf("a refused import wrote (-before +after):\n%s", d)
			}
		})
	}
}

func TestImportUnitsHeaderErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	before := snapshot(t, e.db)
	for _, c := range []struct {
		name string
		body string
		want []lineField
	}{
		{"unknown column", csvFile("level,code,name,colour,parent_code", "district,X-1,x,red,"+b.S), []lineField{{1, "colour"}}},
		{"missing name column", csvFile("level,code,parent_code", "district,X-1,"+b.S), []lineField{{1, "name"}}},
		{"column twice", csvFile("level,code,name,code,parent_code", "district,X-1,x,X-1,"+b.S), []lineField{{1, "code"}}},
		{"empty file", "", []lineField{{1, "header"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.imports.Units(context.Background(), services.System, strings.NewReader(c.body), services.ValidRows)
			ierr := wantErr(t, err, services.EInvalid)
			if d := cmp.Diff(c.want, lineFields(ierr.Fields)); d != "" {
				t.Errorf("error fields (-want +got):\n%s", d)
			}
			if res.Inserted != 0 || res.Updated != 0 {
				t.Errorf("result %+v", res)
			}
		})
	}
	// Header names are matched case-insensitively and a UTF-8 byte order mark is ignored.
	res := e.importUnits(t, services.System, services.AllOrNothing, "\ufeffLevel, Code ,NAME,Parent_Code\ndistrict,"+b.S+"-BOM,x,"+b.S+"\n")
	if res.Inserted != 1 {
		t.Errorf("header with BOM and odd case: %+v", res)
	}
	if len(snapshot(t, e.db)) != len(before)+1 {
		t.Error("the good file was not written")
	}
	_, err := e.imports.Units(context.Background(), services.System, strings.NewReader(csvFile(hdr)), "sometimes")
	wantErr(t, err, services.EInvalid, "mode")
}

func TestImportUnitsAllOrNothingWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	before := snapshot(t, e.db)
	exportBefore := e.exportUnits(t, services.System, nil)
	e.clock.Advance(time.Hour)

	// Renames, a move, a changed seat and new units, then one bad row at the very end.
	body := csvFile(hdr,
		csvUnit{level: "district", code: b.D1, name: "Renamed", parent: b.S}.String(),
		csvUnit{level: "assembly", code: b.A1, name: "Moved", parent: b.D2, parl: ""}.String(),
		csvUnit{level: "district", code: b.S + "-NEW-D", name: "New", parent: b.S}.String(),
		csvUnit{level: "assembly", code: b.S + "-NEW-A", name: "New", parent: b.S + "-NEW-D", parl: b.PC}.String(),
		csvUnit{level: "booth", code: b.S + "-NEW-B", name: "New", parent: b.A2}.String(),
		csvUnit{level: "booth", code: b.S + "-BAD", name: "Bad", parent: b.A2, electors: "lots"}.String(),
	)
	res, err := e.imports.Units(context.Background(), services.System, strings.NewReader(body), services.AllOrNothing)
	ierr := wantErr(t, err, services.EInvalid)
	if d := cmp.Diff([]lineField{{7, "electors"}}, lineFields(ierr.Fields)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if res.Inserted != 0 || res.Updated != 0 {
		t.Errorf("a failed import reports %d inserted, %d updated", res.Inserted, res.Updated)
	}
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("units changed (-before +after):\n%s", d)
	}
	if d := cmp.Diff(exportBefore, e.exportUnits(t, services.System, nil)); d != "" {
		t.Errorf("export changed (-before +after):\n%s", d)
	}

	// The same file without its bad row goes in whole.
	good := strings.Join(strings.Split(strings.TrimSuffix(body, "\n"), "\n")[:6], "\n") + "\n"
	res = e.importUnits(t, services.System, services.AllOrNothing, good)
	if res.Inserted != 3 || res.Updated != 2 {
		t.Errorf("good part: %+v", res)
	}
	checkTree(t, e.db)
}

func TestImportUnitsValidRows(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	n := func(s string) string { return b.S + "-NEW-" + s }
	before := countUnits(t, e.db)
	body := csvFile(hdr,
		csvUnit{level: "district", code: n("D"), name: "Good district", parent: b.S}.String(),
		csvUnit{level: "district", code: n("BAD"), name: "Reserved district", parent: b.S, reserved: "SC"}.String(),
		csvUnit{level: "assembly", code: n("A"), name: "Good assembly", parent: n("D"), parl: b.PC}.String(),
		csvUnit{level: "assembly", code: n("ORPHAN"), name: "Child of a bad row", parent: n("BAD")}.String(),
		csvUnit{level: "district", code: b.D1, name: "Lucknow renamed", parent: b.S}.String(),
		csvUnit{level: "booth", code: n("B"), name: "Booth", parent: b.A1, electors: "x"}.String(),
	)
	res, err := e.imports.Units(context.Background(), services.System, strings.NewReader(body), services.ValidRows)
	noErr(t, err)
	if res.Inserted != 2 || res.Updated != 1 {
		t.Errorf("inserted %d updated %d, want 2 and 1", res.Inserted, res.Updated)
	}
	if d := cmp.Diff([]lineField{{3, "reserved"}, {5, "parent_code"}, {7, "electors"}}, lineFields(res.Errors)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	for code, want := range map[string]bool{n("D"): true, n("A"): true, n("BAD"): false, n("ORPHAN"): false, n("B"): false} {
		if got := unitExists(t, e.db, code); got != want {
			t.Errorf("%s stored = %v, want %v", code, got, want)
		}
	}
	if got := countUnits(t, e.db); got != before+2 {
		t.Errorf("%d units, want %d", got, before+2)
	}
	if got := unitByCode(t, e.db, b.D1); got.Name != "Lucknow renamed" {
		t.Errorf("D1 name %q", got.Name)
	}
	a, pc := unitByCode(t, e.db, n("A")), unitByCode(t, e.db, b.PC)
	if a.ParliamentaryID == nil || *a.ParliamentaryID != pc.ID {
		t.Errorf("new assembly parliamentary %v, want %d", a.ParliamentaryID, pc.ID)
	}
	checkTree(t, e.db)

	// A file with nothing but bad rows writes nothing and is not an error in this mode.
	res, err = e.imports.Units(context.Background(), services.System, strings.NewReader(csvFile(hdr,
		csvUnit{level: "county", code: n("X"), name: "x", parent: b.S}.String())), services.ValidRows)
	noErr(t, err)
	if res.Inserted != 0 || res.Updated != 0 || len(res.Errors) != 1 {
		t.Errorf("all-bad file: %+v", res)
	}
}

// An assembly whose seat comes later in the file and turns out bad must be reported, not
// linked to a unit that is never written.
func TestImportUnitsValidRowsSeatBadFurtherDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	n := func(s string) string { return b.S + "-NEW-" + s }
	res, err := e.imports.Units(context.Background(), services.System, strings.NewReader(csvFile(hdr,
		csvUnit{level: "assembly", code: n("A"), name: "x", parent: b.D1, parl: n("PC")}.String(),
		csvUnit{level: "booth", code: n("B"), name: "x", parent: n("A")}.String(),
		csvUnit{level: "parliamentary", code: n("PC"), name: "x", parent: "NO-SUCH-CODE"}.String(),
		csvUnit{level: "booth", code: n("OK"), name: "x", parent: b.A1}.String(),
	)), services.ValidRows)
	noErr(t, err)
	if d := cmp.Diff([]lineField{{2, "parliamentary_code"}, {3, "parent_code"}, {4, "parent_code"}}, lineFields(res.Errors)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if res.Inserted != 1 || !unitExists(t, e.db, n("OK")) || unitExists(t, e.db, n("A")) {
		t.Errorf("result %+v; only the last booth should be stored", res)
	}
	checkTree(t, e.db)
}

func TestImportUnitsMoveStoredUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	e.clock.Advance(time.Hour)
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "assembly", code: b.A1, name: "Lucknow West", parent: b.D2, number: "171", parl: b.PC}.String()))
	if res.Updated != 1 || res.Inserted != 0 {
		t.Fatalf("result %+v", res)
	}
	a1, d2, b1 := unitByCode(t, e.db, b.A1), unitByCode(t, e.db, b.D2), unitByCode(t, e.db, b.B1)
	if a1.ParentID == nil || *a1.ParentID != d2.ID {
		t.Errorf("A1 parent_id %v, want D2 %d", a1.ParentID, d2.ID)
	}
	if a1.Path != models.ChildPath(d2.Path, a1.ID) || !strings.HasPrefix(b1.Path, a1.Path) {
		t.Errorf("A1 path %q, booth path %q, D2 path %q", a1.Path, b1.Path, d2.Path)
	}
	checkTree(t, e.db)
	d1, err := e.units.Get(context.Background(), services.System, unitByCode(t, e.db, b.D1).ID)
	noErr(t, err)
	if d1.Coverage.Booths != 0 || d1.ChildrenCount != 0 {
		t.Errorf("D1 after the move: %d booths, %d children", d1.Coverage.Booths, d1.ChildrenCount)
	}
}

// When a file moves a unit and, further down, one of its descendants elsewhere, both moves land.
func TestImportUnitsMoveUnitAndDescendant(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	s2 := b.S + "-S2"
	e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr, csvUnit{level: "state", code: s2, name: "Uttarakhand"}.String()))
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "district", code: b.D1, name: "Lucknow", parent: s2}.String(),
		csvUnit{level: "assembly", code: b.A1, name: "Lucknow West", parent: b.D2}.String(),
	))
	if res.Updated != 2 {
		t.Fatalf("result %+v", res)
	}
	checkTree(t, e.db)
	d1, a1, d2, st2 := unitByCode(t, e.db, b.D1), unitByCode(t, e.db, b.A1), unitByCode(t, e.db, b.D2), unitByCode(t, e.db, s2)
	if d1.ParentID == nil || *d1.ParentID != st2.ID || a1.ParentID == nil || *a1.ParentID != d2.ID {
		t.Errorf("D1 parent %v (want %d), A1 parent %v (want %d)", d1.ParentID, st2.ID, a1.ParentID, d2.ID)
	}
	if b1 := unitByCode(t, e.db, b.B1); !strings.HasPrefix(b1.Path, d2.Path) {
		t.Errorf("booth of A1 at %q, not under D2 %q", b1.Path, d2.Path)
	}
}

func TestImportUnitsDistrictScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.importBase(t)
	n := func(s string) string { return b.S + "-NEW-" + s }
	dc := scoped(models.RoleDistrictCoordinator, unitByCode(t, e.db, b.D1))
	body := csvFile(hdr,
		csvUnit{level: "assembly", code: n("OWN"), name: "Inside", parent: b.D1, parl: b.PC}.String(),
		csvUnit{level: "assembly", code: n("OTHER"), name: "Outside", parent: b.D2}.String(),
		csvUnit{level: "assembly", code: b.A2, name: "Taken over", parent: b.D2}.String(),
		csvUnit{level: "district", code: n("D"), name: "New district", parent: b.S}.String(),
		csvUnit{level: "state", code: n("S"), name: "New state"}.String(),
		csvUnit{level: "assembly", code: b.A1, name: "Lucknow West", parent: b.D2}.String(),
	)
	before := snapshot(t, e.db)
	_, err := e.imports.Units(context.Background(), dc, strings.NewReader(body), services.AllOrNothing)
	ierr := wantErr(t, err, services.EInvalid)
	want := []lineField{{3, "parent_code"}, {4, "code"}, {4, "parent_code"}, {5, "parent_code"}, {6, "parent_code"}, {7, "parent_code"}}
	if d := cmp.Diff(want, lineFields(ierr.Fields)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Fatalf("refused import wrote (-before +after):\n%s", d)
	}

	res, err := e.imports.Units(context.Background(), dc, strings.NewReader(body), services.ValidRows)
	noErr(t, err)
	if res.Inserted != 1 || res.Updated != 0 || len(res.Errors) != len(want) {
		t.Errorf("valid_rows result %+v", res)
	}
	if !unitExists(t, e.db, n("OWN")) || unitExists(t, e.db, n("OTHER")) || unitExists(t, e.db, n("D")) || unitExists(t, e.db, n("S")) {
		t.Error("rows outside the district were written")
	}
	if got := unitByCode(t, e.db, b.A2); got.Name != "Zaidpur" {
		t.Errorf("A2 in the other district renamed to %q", got.Name)
	}
	if got, d1 := unitByCode(t, e.db, b.A1), unitByCode(t, e.db, b.D1); got.ParentID == nil || *got.ParentID != d1.ID {
		t.Errorf("A1 moved out of the district to %v", got.ParentID)
	}
}

// readCodes returns the code column of a units CSV.
func readCodes(t *testing.T, r io.Reader) []string {
	t.Helper()
	recs, err := csv.NewReader(r).ReadAll()
	noErr(t, err)
	out := make([]string, 0, len(recs))
	for _, rec := range recs[1:] {
		out = append(out, rec[1])
	}
	return out
}

func TestImportUnitsDemoData(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("imports 3,719 real units")
	}
	e := newEnv(t)
	ctx := context.Background()
	res, err := e.imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	noErr(t, err)
	if res.Inserted != 559 || res.Updated != 0 || len(res.Errors) != 0 {
		t.Fatalf("units: %+v", res)
	}
	booths, err := demodata.BoothsOf("UP-LUCKNOW")
	noErr(t, err)
	var boothCSV bytes.Buffer
	res, err = e.imports.Units(ctx, services.System, io.TeeReader(booths, &boothCSV), services.AllOrNothing)
	noErr(t, err)
	if res.Inserted != 3160 || res.Updated != 0 || len(res.Errors) != 0 {
		t.Fatalf("Lucknow booths: inserted %d updated %d, %d errors", res.Inserted, res.Updated, len(res.Errors))
	}
	if n := countUnits(t, e.db); n != 559+3160 {
		t.Errorf("%d units stored, want %d", n, 559+3160)
	}
	checkTree(t, e.db)

	all := snapshot(t, e.db)
	byID := make(map[int64]models.Unit, len(all))
	levels := map[models.Level]int{}
	for _, u := range all {
		byID[u.ID] = u
		levels[u.Level]++
	}
	if d := cmp.Diff(map[models.Level]int{models.LevelState: 1, models.LevelDistrict: 75, models.LevelParliamentary: 80, models.LevelAssembly: 403, models.LevelBooth: 3160}, levels); d != "" {
		t.Errorf("units per level (-want +got):\n%s", d)
	}
	lucknow := unitByCode(t, e.db, "UP-LUCKNOW")
	// Every booth hangs under a Lucknow assembly, and each seat covers exactly the booths of its assemblies.
	wantSeat := map[int64]int64{}
	var electors int64
	for _, u := range all {
		if u.Level == models.LevelAssembly && u.ParliamentaryID == nil {
			t.Errorf("assembly %s has no Lok Sabha seat", u.Code)
		}
		if u.Level != models.LevelBooth {
			continue
		}
		ac := byID[*u.ParentID]
		if ac.Level != models.LevelAssembly || !strings.HasPrefix(u.Path, ac.Path) || !strings.HasPrefix(u.Path, lucknow.Path) {
			t.Fatalf("booth %s at %q under %s %s at %q", u.Code, u.Path, ac.Level, ac.Code, ac.Path)
		}
		wantSeat[*ac.ParliamentaryID]++
		if u.Electors != nil {
			electors += int64(*u.Electors)
		}
	}
	d, err := e.units.Get(ctx, services.System, lucknow.ID)
	noErr(t, err)
	if d.Coverage.Booths != 3160 || d.ChildrenCount != 9 || lucknow.NameHi != "लखनऊ" {
		t.Errorf("Lucknow: %d booths, %d assemblies, name_hi %q; want 3160, 9, लखनऊ", d.Coverage.Booths, d.ChildrenCount, lucknow.NameHi)
	}
	// The district's electors column is the sum of its booths in the source data.
	if lucknow.Electors == nil || int64(*lucknow.Electors) != electors {
		t.Errorf("Lucknow electors %v, booths sum to %d", lucknow.Electors, electors)
	}
	for seat, n := range wantSeat {
		got, err := e.units.Get(ctx, services.System, seat)
		noErr(t, err)
		if got.Coverage.Booths != n {
			t.Errorf("seat %s covers %d booths, want %d", got.Unit.Code, got.Coverage.Booths, n)
		}
	}
	state, err := e.units.Get(ctx, services.System, unitByCode(t, e.db, "UP").ID)
	noErr(t, err)
	if state.Coverage.Booths != 3160 || state.ChildrenCount != 155 {
		t.Errorf("UP: %d booths, %d children; want 3160, 155", state.Coverage.Booths, state.ChildrenCount)
	}
	if got := listAll(t, e, services.System, services.UnitFilter{Q: "लखनऊ", Level: models.LevelDistrict}); !cmp.Equal(got, []int64{lucknow.ID}) {
		t.Errorf("q=लखनऊ&level=district found %v", got)
	}

	// Exporting Lucknow gives back the district, its assemblies and exactly the imported booths.
	codes := readCodes(t, strings.NewReader(e.exportUnits(t, services.System, &lucknow.ID)))
	boothCodes := readCodes(t, &boothCSV)
	if len(codes) != 1+9+3160 || codes[0] != "UP-LUCKNOW" {
		t.Errorf("Lucknow export has %d rows starting with %v", len(codes), codes[:1])
	}
	inExport := map[string]bool{}
	for _, c := range codes {
		inExport[c] = true
	}
	for _, c := range boothCodes {
		if !inExport[c] {
			t.Fatalf("booth %s missing from the export", c)
		}
	}

	// Importing the same units again changes nothing but updates every row.
	res, err = e.imports.Units(ctx, services.System, demodata.Units(), services.AllOrNothing)
	noErr(t, err)
	if res.Inserted != 0 || res.Updated != 559 {
		t.Errorf("re-import: %+v", res)
	}
	checkTree(t, e.db)
}
