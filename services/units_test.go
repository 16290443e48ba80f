package services_test

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

func TestUnitsCreateAtEachLevel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	national := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelNational, Code: uniq("IN"), Name: "India", NameHi: "भारत"})
	state := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelState, ParentID: &national.ID, Code: uniq("UP"), Name: "Uttar Pradesh", NameHi: "उत्तर प्रदेश"})
	pc := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelParliamentary, ParentID: &state.ID, Code: uniq("PC"), Name: "Lucknow", Reserved: "SC"})
	district := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &state.ID, Code: uniq("D"), Name: "Lucknow",
		Population: &services.Population{Total: ptr[int64](4589838), SC: ptr[int64](945461)}})
	assembly := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &district.ID, Code: uniq("AC"), Name: "Lucknow West",
		Number: ptr(171), Reserved: "st", ParliamentaryID: &pc.ID})
	sector := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelSector, ParentID: &assembly.ID, Code: uniq("SEC"), Name: "Sector 1"})
	boothInSector := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &sector.ID, Code: uniq("PS"), Name: "Booth 1", Electors: ptr(900)})
	boothInAssembly := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &assembly.ID, Code: uniq("PS"), Name: "Booth 2"})
	rootState := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelState, Code: uniq("BR"), Name: "Bihar"})

	if national.Path != models.ChildPath("", national.ID) || national.Depth != 0 || national.ParentID != nil {
		t.Errorf("national: path %q depth %d parent %v", national.Path, national.Depth, national.ParentID)
	}
	if rootState.Path != models.ChildPath("", rootState.ID) || rootState.Depth != 0 || rootState.ParentID != nil {
		t.Errorf("root state: path %q depth %d parent %v", rootState.Path, rootState.Depth, rootState.ParentID)
	}
	for _, c := range []struct{ child, parent models.Unit }{
		{state, national}, {pc, state}, {district, state}, {assembly, district}, {sector, assembly},
		{boothInSector, sector}, {boothInAssembly, assembly},
	} {
		if c.child.ParentID == nil || *c.child.ParentID != c.parent.ID {
			t.Errorf("%s: parent %v, want %d", c.child.Code, c.child.ParentID, c.parent.ID)
		}
		if want := c.parent.Path + formatID(c.child.ID) + "/"; c.child.Path != want {
			t.Errorf("%s: path %q, want %q", c.child.Code, c.child.Path, want)
		}
		if c.child.Depth != c.parent.Depth+1 {
			t.Errorf("%s: depth %d, want %d", c.child.Code, c.child.Depth, c.parent.Depth+1)
		}
		// What Create returned is what it stored, stamped by the service clock.
		stored := loadUnit(t, e.db, c.child.ID)
		if stored.Path != c.child.Path || stored.Depth != c.child.Depth || stored.Code != c.child.Code {
			t.Errorf("%s: stored path %q depth %d, returned %q %d", c.child.Code, stored.Path, stored.Depth, c.child.Path, c.child.Depth)
		}
		if !stored.CreatedAt.Equal(e.clock.Now()) || !stored.UpdatedAt.Equal(e.clock.Now()) {
			t.Errorf("%s: created %v updated %v, want the service clock %v", c.child.Code, stored.CreatedAt, stored.UpdatedAt, e.clock.Now())
		}
	}
	got := loadUnit(t, e.db, assembly.ID)
	if got.Reserved != "ST" || got.ParliamentaryID == nil || *got.ParliamentaryID != pc.ID || got.Number == nil || *got.Number != 171 {
		t.Errorf("assembly stored as reserved %q parliamentary %v number %v", got.Reserved, got.ParliamentaryID, got.Number)
	}
	if got := loadUnit(t, e.db, district.ID); got.PopulationTotal == nil || *got.PopulationTotal != 4589838 || *got.PopulationSC != 945461 {
		t.Errorf("district population stored as %v/%v", got.PopulationTotal, got.PopulationSC)
	}
	if got := loadUnit(t, e.db, state.ID); got.NameHi != "उत्तर प्रदेश" {
		t.Errorf("name_hi stored as %q", got.NameHi)
	}
	if n := countUnits(t, e.db); n != 9 {
		t.Errorf("%d units stored, want 9", n)
	}
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

func TestUnitsCreateWrongParentLevel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	before := countUnits(t, e.db)
	cases := []struct {
		level  models.Level
		parent models.Unit
	}{
		{models.LevelDistrict, tr.d1},
		{models.LevelDistrict, tr.pc},
		{models.LevelParliamentary, tr.d1},
		{models.LevelAssembly, tr.state},
		{models.LevelAssembly, tr.pc},
		{models.LevelSector, tr.d1},
		{models.LevelSector, tr.s1},
		{models.LevelBooth, tr.d1},
		{models.LevelBooth, tr.b1},
		{models.LevelState, tr.state},
		{models.LevelNational, tr.state},
	}
	for _, c := range cases {
		t.Run(string(c.level)+"_under_"+string(c.parent.Level), func(t *testing.T) {
			_, err := e.units.Create(context.Background(), services.System, services.UnitInput{
				Level: c.level, ParentID: &c.parent.ID, Code: uniq("X"), Name: "x"})
			wantErr(t, err, services.EInvalid, "parent_id")
		})
	}
	if n := countUnits(t, e.db); n != before {
		t.Errorf("%d units after refused creates, want %d", n, before)
	}
}

func TestUnitsCreateMissingParent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for _, level := range []models.Level{models.LevelDistrict, models.LevelParliamentary, models.LevelAssembly, models.LevelSector, models.LevelBooth} {
		_, err := e.units.Create(ctx, services.System, services.UnitInput{Level: level, Code: uniq("X"), Name: "x"})
		wantErr(t, err, services.EInvalid, "parent_id")
	}
	_, err := e.units.Create(ctx, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: ptr[int64](99999), Code: uniq("X"), Name: "x"})
	wantErr(t, err, services.EInvalid, "parent_id")
	if n := countUnits(t, e.db); n != 0 {
		t.Errorf("%d units stored, want 0", n)
	}
}

func TestUnitsCreateDuplicateCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	_, err := e.units.Create(context.Background(), services.System, services.UnitInput{
		Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: tr.d1.Code, Name: "Another"})
	wantErr(t, err, services.EConflict, "code")
	// Surrounding spaces do not make a code new.
	_, err = e.units.Create(context.Background(), services.System, services.UnitInput{
		Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: " " + tr.d1.Code + " ", Name: "Another"})
	wantErr(t, err, services.EConflict, "code")
}

func TestUnitsCreateValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	cases := []struct {
		name  string
		in    services.UnitInput
		field string
	}{
		{"bad level", services.UnitInput{Level: "county", ParentID: &tr.state.ID, Code: uniq("X"), Name: "x"}, "level"},
		{"no code", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Name: "x"}, "code"},
		{"bad code", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: "-bad code", Name: "x"}, "code"},
		{"blank name", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("X"), Name: "  "}, "name"},
		{"long name", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("X"), Name: strings.Repeat("न", 201)}, "name"},
		{"reserved district", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("X"), Name: "x", Reserved: "SC"}, "reserved"},
		{"reserved booth", services.UnitInput{Level: models.LevelBooth, ParentID: &tr.a1.ID, Code: uniq("X"), Name: "x", Reserved: "SC"}, "reserved"},
		{"reserved unknown", services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d1.ID, Code: uniq("X"), Name: "x", Reserved: "OBC"}, "reserved"},
		{"parliamentary on district", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("X"), Name: "x", ParliamentaryID: &tr.pc.ID}, "parliamentary_id"},
		{"parliamentary is a district", services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d1.ID, Code: uniq("X"), Name: "x", ParliamentaryID: &tr.d2.ID}, "parliamentary_id"},
		{"parliamentary missing", services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d1.ID, Code: uniq("X"), Name: "x", ParliamentaryID: ptr[int64](99999)}, "parliamentary_id"},
		{"negative number", services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d1.ID, Code: uniq("X"), Name: "x", Number: ptr(-1)}, "number"},
		{"negative electors", services.UnitInput{Level: models.LevelBooth, ParentID: &tr.a1.ID, Code: uniq("X"), Name: "x", Electors: ptr(-5)}, "electors"},
		{"sc above total", services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("X"), Name: "x",
			Population: &services.Population{Total: ptr[int64](10), SC: ptr[int64](11)}}, "population.sc"},
	}
	before := snapshot(t, e.db)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.units.Create(context.Background(), services.System, c.in)
			wantErr(t, err, services.EInvalid, c.field)
		})
	}
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("refused creates changed the units (-before +after):\n%s", d)
	}
}

func TestUnitsGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)

	d, err := e.units.Get(ctx, services.System, tr.b1.ID)
	noErr(t, err)
	if d.Unit.ID != tr.b1.ID || d.Unit.Code != tr.b1.Code {
		t.Errorf("Get returned unit %d %s, want %d %s", d.Unit.ID, d.Unit.Code, tr.b1.ID, tr.b1.Code)
	}
	if diff := cmp.Diff([]int64{tr.state.ID, tr.d1.ID, tr.a1.ID, tr.s1.ID}, ids(d.Ancestors)); diff != "" {
		t.Errorf("ancestors, root first (-want +got):\n%s", diff)
	}

	root, err := e.units.Get(ctx, services.System, tr.state.ID)
	noErr(t, err)
	if len(root.Ancestors) != 0 {
		t.Errorf("a root has ancestors %v", ids(root.Ancestors))
	}

	cases := []struct {
		unit     models.Unit
		children int64
		booths   int64
	}{
		{tr.state, 3, 4},
		{tr.pc, 0, 4}, // through its assemblies a1 and a2, across two districts
		{tr.d1, 1, 3},
		{tr.d2, 1, 1},
		{tr.a1, 2, 3},
		{tr.s1, 2, 2},
		{tr.b1, 0, 1},
	}
	for _, c := range cases {
		got, err := e.units.Get(ctx, services.System, c.unit.ID)
		noErr(t, err)
		if got.ChildrenCount != c.children {
			t.Errorf("%s %s: children_count %d, want %d", c.unit.Level, c.unit.Code, got.ChildrenCount, c.children)
		}
		if got.Coverage.Booths != c.booths || got.Coverage.Complete != 0 || got.Coverage.Share() != 0 {
			t.Errorf("%s %s: coverage %+v, want %d booths none complete", c.unit.Level, c.unit.Code, got.Coverage, c.booths)
		}
	}

	_, err = e.units.Get(ctx, services.System, 99999)
	wantErr(t, err, services.ENotFound)
}

func TestUnitsGetParliamentaryCoverageFollowsAssemblies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	// An assembly of another seat in d1 must not count towards pc.
	other := e.newChild(t, models.LevelParliamentary, tr.state)
	a3 := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d1.ID, Code: uniq("AC"), Name: "Other seat", ParliamentaryID: &other.ID})
	e.newChild(t, models.LevelBooth, a3)
	e.newChild(t, models.LevelBooth, a3)

	for _, c := range []struct {
		unit   models.Unit
		booths int64
	}{{tr.pc, 4}, {other, 2}, {tr.d1, 5}, {tr.state, 6}} {
		got, err := e.units.Get(ctx, services.System, c.unit.ID)
		noErr(t, err)
		if got.Coverage.Booths != c.booths {
			t.Errorf("%s: %d booths, want %d", c.unit.Code, got.Coverage.Booths, c.booths)
		}
	}

	// Children answers each child with its own coverage.
	page, err := e.units.Children(ctx, services.System, tr.state.ID, services.PageRequest{})
	noErr(t, err)
	got := map[int64]int64{}
	for _, c := range page.Items {
		got[c.Unit.ID] = c.Coverage.Booths
	}
	want := map[int64]int64{tr.pc.ID: 4, other.ID: 2, tr.d1.ID: 5, tr.d2.ID: 1}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("children coverage (-want +got):\n%s", d)
	}
}

// listAll walks every page of a list and returns the ids.
func listAll(t *testing.T, e *env, actor services.Actor, f services.UnitFilter) []int64 {
	t.Helper()
	var out []int64
	for range 1000 {
		page, err := e.units.List(context.Background(), actor, f)
		noErr(t, err)
		out = append(out, ids(page.Items)...)
		if page.NextCursor == "" {
			return out
		}
		f.Page.Cursor = page.NextCursor
	}
	t.Fatal("list did not end")
	return nil
}

func TestUnitsListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	all := func(f services.UnitFilter) []int64 { return listAll(t, e, services.System, f) }

	if d := cmp.Diff(inTreeOrder(tr.d1, tr.d2), all(services.UnitFilter{Level: models.LevelDistrict})); d != "" {
		t.Errorf("level=district (-want +got):\n%s", d)
	}
	if d := cmp.Diff(inTreeOrder(tr.b1, tr.b2, tr.b3, tr.b4), all(services.UnitFilter{Level: models.LevelBooth})); d != "" {
		t.Errorf("level=booth (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{tr.s1.ID, tr.b3.ID}, all(services.UnitFilter{ParentID: &tr.a1.ID})); d != "" {
		t.Errorf("parent_id=a1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff(inTreeOrder(tr.d1, tr.a1, tr.s1, tr.b1, tr.b2, tr.b3), all(services.UnitFilter{Under: &tr.d1.ID})); d != "" {
		t.Errorf("under=d1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff(inTreeOrder(tr.b1, tr.b2, tr.b3), all(services.UnitFilter{Under: &tr.d1.ID, Level: models.LevelBooth})); d != "" {
		t.Errorf("under=d1&level=booth (-want +got):\n%s", d)
	}

	ctx := context.Background()
	_, err := e.units.List(ctx, services.System, services.UnitFilter{Level: "county"})
	wantErr(t, err, services.EInvalid, "level")
	_, err = e.units.List(ctx, services.System, services.UnitFilter{Under: ptr[int64](99999)})
	wantErr(t, err, services.ENotFound)
	_, err = e.units.List(ctx, services.System, services.UnitFilter{ParentID: ptr[int64](99999)})
	wantErr(t, err, services.ENotFound)
	_, err = e.units.List(ctx, services.System, services.UnitFilter{Q: strings.Repeat("a", 101)})
	wantErr(t, err, services.EInvalid, "q")
}

func TestUnitsListUnderExcludesSiblingsWithPrefixIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	state := e.newRoot(t)
	short, long := e.twinDistricts(t, state)
	inShort := e.newChild(t, models.LevelAssembly, short)
	inLong := e.newChild(t, models.LevelAssembly, long)

	got := listAll(t, e, services.System, services.UnitFilter{Under: &short.ID})
	if d := cmp.Diff([]int64{short.ID, inShort.ID}, got); d != "" {
		t.Errorf("under %s (path %s) beside %s (path %s) (-want +got):\n%s", short.Code, short.Path, long.Code, long.Path, d)
	}
	if slices.Contains(got, inLong.ID) {
		t.Errorf("under=%d leaked %s", short.ID, inLong.Path)
	}
}

func TestUnitsListSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	state := e.newRoot(t)
	mk := func(name, nameHi string) models.Unit {
		return e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelDistrict, ParentID: &state.ID, Code: uniq("D"), Name: name, NameHi: nameHi})
	}
	lucknow := mk("Lucknow", "लखनऊ")
	cantt := mk("Lucknow Cantt.", "लखनऊ कैंट")
	kanpur := mk("Kanpur Nagar", "कानपुर नगर")
	percent := mk("100% Booths", "")
	underscore := mk("Ward_7", "")
	mk("Ward 77", "") // what an unescaped '_' would also match
	backslash := mk(`Gate\2`, "")

	cases := []struct {
		q    string
		want []int64
	}{
		{"LUCKNOW", []int64{lucknow.ID, cantt.ID}},
		{"  lucknow  ", []int64{lucknow.ID, cantt.ID}},
		{"kNoW cA", []int64{cantt.ID}},
		{"लखनऊ", []int64{lucknow.ID, cantt.ID}},
		{"कैंट", []int64{cantt.ID}},
		{"कानपुर", []int64{kanpur.ID}},
		{"%", []int64{percent.ID}},
		{"0%", []int64{percent.ID}},
		{"_", []int64{underscore.ID}},
		{"ward_", []int64{underscore.ID}},
		{`\`, []int64{backslash.ID}},
		{`e\2`, []int64{backslash.ID}},
		{"Agra", nil},
	}
	for _, c := range cases {
		got := listAll(t, e, services.System, services.UnitFilter{Q: c.q})
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("q=%q (-want +got):\n%s", c.q, d)
		}
	}
}

func TestUnitsListPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	state := e.newRoot(t)
	var want []int64
	for range 7 {
		want = append(want, e.newChild(t, models.LevelDistrict, state).ID)
	}
	ctx := context.Background()
	f := services.UnitFilter{Level: models.LevelDistrict, Page: services.PageRequest{Limit: 3}}

	var sizes []int
	var got []int64
	for range 10 {
		page, err := e.units.List(ctx, services.System, f)
		noErr(t, err)
		sizes = append(sizes, len(page.Items))
		got = append(got, ids(page.Items)...)
		if page.NextCursor == "" {
			break
		}
		f.Page.Cursor = page.NextCursor
	}
	if d := cmp.Diff([]int{3, 3, 1}, sizes); d != "" {
		t.Errorf("page sizes (-want +got):\n%s", d)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("every row exactly once, in id order (-want +got):\n%s", d)
	}

	// A list that ends exactly on a page boundary has no next cursor on its last page.
	e.newChild(t, models.LevelDistrict, state)
	e.newChild(t, models.LevelDistrict, state)
	if got := listAll(t, e, services.System, services.UnitFilter{Level: models.LevelDistrict, Page: services.PageRequest{Limit: 3}}); len(got) != 9 {
		t.Errorf("9 districts in pages of 3 listed as %d", len(got))
	}
	page, err := e.units.List(ctx, services.System, services.UnitFilter{Level: models.LevelDistrict, Page: services.PageRequest{Limit: 9}})
	noErr(t, err)
	if len(page.Items) != 9 || page.NextCursor != "" {
		t.Errorf("limit 9 over 9 rows: %d items, next cursor %q", len(page.Items), page.NextCursor)
	}
	page, err = e.units.List(ctx, services.System, services.UnitFilter{})
	noErr(t, err)
	if len(page.Items) != 10 || page.NextCursor != "" {
		t.Errorf("default limit: %d items, next cursor %q", len(page.Items), page.NextCursor)
	}

	for _, c := range []struct {
		name  string
		page  services.PageRequest
		field string
	}{
		{"negative limit", services.PageRequest{Limit: -1}, "limit"},
		{"limit above max", services.PageRequest{Limit: services.MaxLimit + 1}, "limit"},
		{"not base64", services.PageRequest{Cursor: "***"}, "cursor"},
		{"not a number", services.PageRequest{Cursor: base64.RawURLEncoding.EncodeToString([]byte("abc"))}, "cursor"},
		{"negative id", services.PageRequest{Cursor: base64.RawURLEncoding.EncodeToString([]byte("-4"))}, "cursor"},
	} {
		_, err := e.units.List(ctx, services.System, services.UnitFilter{Page: c.page})
		wantErr(t, err, services.EInvalid, c.field)
	}
	_, err = e.units.List(ctx, services.System, services.UnitFilter{Page: services.PageRequest{Limit: services.MaxLimit}})
	noErr(t, err)
}

func TestUnitsUpdateRename(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	e.clock.Advance(time.Hour)
	code := uniq("UP-PRAYAGRAJ")

	u, err := e.units.Update(ctx, services.System, tr.d1.ID, services.UnitPatch{Name: ptr(" Prayagraj "), NameHi: ptr("प्रयागराज"), Code: ptr(code)})
	noErr(t, err)
	stored := loadUnit(t, e.db, tr.d1.ID)
	if stored.Name != "Prayagraj" || stored.NameHi != "प्रयागराज" || stored.Code != code {
		t.Errorf("stored %q %q %q after rename", stored.Name, stored.NameHi, stored.Code)
	}
	if !stored.UpdatedAt.Equal(e.clock.Now()) || !stored.CreatedAt.Equal(tr.d1.CreatedAt) {
		t.Errorf("timestamps created %v updated %v; want created kept %v, updated %v", stored.CreatedAt, stored.UpdatedAt, tr.d1.CreatedAt, e.clock.Now())
	}
	if stored.Path != tr.d1.Path || u.Path != tr.d1.Path {
		t.Errorf("a rename changed the path to %q", stored.Path)
	}
	// Search follows the new names, and the old name is gone.
	if got := listAll(t, e, services.System, services.UnitFilter{Q: "prayag"}); !slices.Equal(got, []int64{tr.d1.ID}) {
		t.Errorf("q=prayag found %v", got)
	}
	if got := listAll(t, e, services.System, services.UnitFilter{Q: "प्रयागराज"}); !slices.Equal(got, []int64{tr.d1.ID}) {
		t.Errorf("q=प्रयागराज found %v", got)
	}
	if got := listAll(t, e, services.System, services.UnitFilter{Q: tr.d1.Name}); len(got) != 0 {
		t.Errorf("old name still found: %v", got)
	}

	_, err = e.units.Update(ctx, services.System, tr.d2.ID, services.UnitPatch{Code: ptr(code)})
	wantErr(t, err, services.EConflict, "code")
	_, err = e.units.Update(ctx, services.System, tr.d2.ID, services.UnitPatch{Name: ptr("")})
	wantErr(t, err, services.EInvalid, "name")
	_, err = e.units.Update(ctx, services.System, 99999, services.UnitPatch{Name: ptr("x")})
	wantErr(t, err, services.ENotFound)
	if got := loadUnit(t, e.db, tr.d2.ID); got.Code != tr.d2.Code || got.Name != tr.d2.Name {
		t.Errorf("refused updates changed d2 to %q %q", got.Code, got.Name)
	}
}

func TestUnitsUpdateMoveRewritesSubtree(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)

	// a1 with its sector and booths moves from d1 to d2.
	moved, err := e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{ParentID: &tr.d2.ID})
	noErr(t, err)
	if want := tr.d2.Path + formatID(tr.a1.ID) + "/"; moved.Path != want {
		t.Errorf("moved path %q, want %q", moved.Path, want)
	}
	a1 := loadUnit(t, e.db, tr.a1.ID)
	if a1.ParentID == nil || *a1.ParentID != tr.d2.ID || a1.Path != moved.Path {
		t.Errorf("stored a1: parent %v path %q", a1.ParentID, a1.Path)
	}
	b1 := loadUnit(t, e.db, tr.b1.ID)
	if want := tr.d2.Path + formatID(tr.a1.ID) + "/" + formatID(tr.s1.ID) + "/" + formatID(tr.b1.ID) + "/"; b1.Path != want || b1.Depth != 4 {
		t.Errorf("grandchild b1: path %q depth %d, want %q depth 4", b1.Path, b1.Depth, want)
	}
	checkTree(t, e.db)
	for _, c := range []struct {
		unit   models.Unit
		booths int64
	}{{tr.d1, 0}, {tr.d2, 4}} {
		got, err := e.units.Get(ctx, services.System, c.unit.ID)
		noErr(t, err)
		if got.Coverage.Booths != c.booths {
			t.Errorf("%s after the move: %d booths, want %d", c.unit.Code, got.Coverage.Booths, c.booths)
		}
	}

	// A whole state moves under a new national unit: every depth grows by one.
	national := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelNational, Code: uniq("IN"), Name: "India"})
	_, err = e.units.Update(ctx, services.System, tr.state.ID, services.UnitPatch{ParentID: &national.ID})
	noErr(t, err)
	checkTree(t, e.db)
	if b1 := loadUnit(t, e.db, tr.b1.ID); !strings.HasPrefix(b1.Path, national.Path) || b1.Depth != 5 {
		t.Errorf("b1 after the state moved: path %q depth %d", b1.Path, b1.Depth)
	}
	// And a booth climbs out of its sector: its depth shrinks.
	_, err = e.units.Update(ctx, services.System, tr.b2.ID, services.UnitPatch{ParentID: &tr.a1.ID})
	noErr(t, err)
	checkTree(t, e.db)
	if b2 := loadUnit(t, e.db, tr.b2.ID); b2.Depth != 4 {
		t.Errorf("b2 depth %d after leaving its sector, want 4", b2.Depth)
	}
}

func TestUnitsUpdateMoveRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	before := snapshot(t, e.db)
	for _, c := range []struct {
		name     string
		unit     models.Unit
		parentID int64
	}{
		{"under its own descendant", tr.d1, tr.a1.ID},
		{"under its own grandchild", tr.a1, tr.b1.ID},
		{"under itself", tr.s1, tr.s1.ID},
		{"wrong level", tr.a1, tr.state.ID},
		{"no such parent", tr.a1, 99999},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.units.Update(ctx, services.System, c.unit.ID, services.UnitPatch{ParentID: &c.parentID, Name: ptr("renamed")})
			wantErr(t, err, services.EInvalid, "parent_id")
		})
	}
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("refused moves changed the units (-before +after):\n%s", d)
	}
}

func TestUnitsUpdateReservedAndParliamentary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	other := e.newChild(t, models.LevelParliamentary, tr.state)

	_, err := e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{Reserved: ptr("sc")})
	noErr(t, err)
	_, err = e.units.Update(ctx, services.System, tr.pc.ID, services.UnitPatch{Reserved: ptr("ST")})
	noErr(t, err)
	if a1, pc := loadUnit(t, e.db, tr.a1.ID), loadUnit(t, e.db, tr.pc.ID); a1.Reserved != "SC" || pc.Reserved != "ST" {
		t.Errorf("reserved stored as %q and %q", a1.Reserved, pc.Reserved)
	}
	for _, u := range []models.Unit{tr.state, tr.d1, tr.s1, tr.b1} {
		_, err = e.units.Update(ctx, services.System, u.ID, services.UnitPatch{Reserved: ptr("SC")})
		wantErr(t, err, services.EInvalid, "reserved")
	}
	_, err = e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{Reserved: ptr("X")})
	wantErr(t, err, services.EInvalid, "reserved")

	_, err = e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: &other.ID}})
	noErr(t, err)
	if got := loadUnit(t, e.db, tr.a1.ID); got.ParliamentaryID == nil || *got.ParliamentaryID != other.ID {
		t.Errorf("parliamentary_id stored as %v, want %d", got.ParliamentaryID, other.ID)
	}
	for _, c := range []struct {
		name   string
		unit   models.Unit
		target int64
	}{
		{"on a district", tr.d1, other.ID},
		{"on a booth", tr.b1, other.ID},
		{"pointing at a district", tr.a1, tr.d2.ID},
		{"pointing at an assembly", tr.a1, tr.a2.ID},
		{"pointing nowhere", tr.a1, 99999},
	} {
		_, err = e.units.Update(ctx, services.System, c.unit.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: &c.target}})
		if services.ErrorCode(err) != services.EInvalid {
			t.Errorf("%s: error %v, want invalid", c.name, err)
			continue
		}
		wantErr(t, err, services.EInvalid, "parliamentary_id")
	}
	if got := loadUnit(t, e.db, tr.a1.ID); got.ParliamentaryID == nil || *got.ParliamentaryID != other.ID {
		t.Errorf("refused updates changed parliamentary_id to %v", got.ParliamentaryID)
	}
	_, err = e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true}})
	noErr(t, err)
	if got := loadUnit(t, e.db, tr.a1.ID); got.ParliamentaryID != nil {
		t.Errorf("cleared parliamentary_id stored as %d", *got.ParliamentaryID)
	}

	// Unset nullables leave fields alone; set-to-nil clears them.
	_, err = e.units.Update(ctx, services.System, tr.b1.ID, services.UnitPatch{Electors: services.Nullable[int]{Set: true, Value: ptr(750)}})
	noErr(t, err)
	_, err = e.units.Update(ctx, services.System, tr.b1.ID, services.UnitPatch{Name: ptr("Booth renamed")})
	noErr(t, err)
	if got := loadUnit(t, e.db, tr.b1.ID); got.Electors == nil || *got.Electors != 750 {
		t.Errorf("electors %v after an unrelated update, want 750", got.Electors)
	}
	_, err = e.units.Update(ctx, services.System, tr.b1.ID, services.UnitPatch{Electors: services.Nullable[int]{Set: true}})
	noErr(t, err)
	if got := loadUnit(t, e.db, tr.b1.ID); got.Electors != nil {
		t.Errorf("cleared electors stored as %d", *got.Electors)
	}
}

func TestUnitsDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)

	wantErr(t, e.units.Delete(ctx, services.System, tr.a1.ID), services.EConflict)
	wantErr(t, e.units.Delete(ctx, services.System, tr.state.ID), services.EConflict)
	// pc has no children, but assemblies point at it.
	wantErr(t, e.units.Delete(ctx, services.System, tr.pc.ID), services.EConflict)
	if !unitExists(t, e.db, tr.a1.Code) || !unitExists(t, e.db, tr.pc.Code) || !unitExists(t, e.db, tr.state.Code) {
		t.Fatal("a refused delete removed a unit")
	}

	noErr(t, e.units.Delete(ctx, services.System, tr.b1.ID))
	if unitExists(t, e.db, tr.b1.Code) {
		t.Error("deleted leaf is still stored")
	}
	_, err := e.units.Get(ctx, services.System, tr.b1.ID)
	wantErr(t, err, services.ENotFound)
	wantErr(t, e.units.Delete(ctx, services.System, tr.b1.ID), services.ENotFound)

	// Once nothing points at pc it may go.
	for _, a := range []models.Unit{tr.a1, tr.a2} {
		_, err := e.units.Update(ctx, services.System, a.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true}})
		noErr(t, err)
	}
	noErr(t, e.units.Delete(ctx, services.System, tr.pc.ID))
	if unitExists(t, e.db, tr.pc.Code) {
		t.Error("deleted constituency is still stored")
	}
}

func TestUnitsDeleteScopeUnitOfAUser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	_, err := e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("worker")), Password: "correct horse battery",
		Role: models.RoleBoothWorker, ScopeUnitID: &tr.b4.ID})
	noErr(t, err)
	wantErr(t, e.units.Delete(ctx, services.System, tr.b4.ID), services.EConflict)
	if !unitExists(t, e.db, tr.b4.Code) {
		t.Error("a unit that is a user's scope was deleted")
	}
}

func TestUnitsDistrictScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	// d3 and d4 have ids whose digits extend d3's: a prefix match without the slash would leak d4.
	d3, d4 := e.twinDistricts(t, tr.state)
	a3 := e.newChild(t, models.LevelAssembly, d3)
	a4 := e.newChild(t, models.LevelAssembly, d4)
	dc := scoped(models.RoleDistrictCoordinator, d3)

	// Reads outside the district.
	for _, u := range []models.Unit{tr.state, tr.d1, tr.a1, tr.b1, d4, a4, tr.pc} {
		_, err := e.units.Get(ctx, dc, u.ID)
		wantErr(t, err, services.ENotFound)
	}
	got, err := e.units.Get(ctx, dc, a3.ID)
	noErr(t, err)
	if d := cmp.Diff([]int64{tr.state.ID, d3.ID}, ids(got.Ancestors)); d != "" {
		t.Errorf("breadcrumb of a3 (-want +got):\n%s", d)
	}

	if d := cmp.Diff([]int64{d3.ID, a3.ID}, listAll(t, e, dc, services.UnitFilter{})); d != "" {
		t.Errorf("unfiltered list of a district coordinator (-want +got):\n%s", d)
	}
	if got := listAll(t, e, dc, services.UnitFilter{Q: "unit"}); !slices.Equal(got, []int64{d3.ID, a3.ID}) {
		t.Errorf("q inside scope found %v", got)
	}
	for _, f := range []services.UnitFilter{{Under: &tr.d1.ID}, {Under: &d4.ID}, {ParentID: &tr.d1.ID}, {ParentID: &tr.state.ID}} {
		_, err := e.units.List(ctx, dc, f)
		wantErr(t, err, services.ENotFound)
	}
	if got := listAll(t, e, dc, services.UnitFilter{Level: models.LevelAssembly}); !slices.Equal(got, []int64{a3.ID}) {
		t.Errorf("level=assembly for the coordinator: %v", got)
	}

	// Writes outside the district.
	before := snapshot(t, e.db)
	_, err = e.units.Update(ctx, dc, a4.ID, services.UnitPatch{Name: ptr("taken over")})
	wantErr(t, err, services.ENotFound)
	_, err = e.units.Update(ctx, dc, tr.state.ID, services.UnitPatch{Name: ptr("taken over")})
	wantErr(t, err, services.ENotFound)
	wantErr(t, e.units.Delete(ctx, dc, tr.b1.ID), services.ENotFound)
	wantErr(t, e.units.Delete(ctx, dc, a4.ID), services.ENotFound)
	_, err = e.units.Create(ctx, dc, services.UnitInput{Level: models.LevelAssembly, ParentID: &d4.ID, Code: uniq("AC"), Name: "x"})
	wantErr(t, err, services.EInvalid, "parent_id")
	_, err = e.units.Create(ctx, dc, services.UnitInput{Level: models.LevelDistrict, ParentID: &tr.state.ID, Code: uniq("D"), Name: "x"})
	wantErr(t, err, services.EInvalid, "parent_id")
	_, err = e.units.Create(ctx, dc, services.UnitInput{Level: models.LevelState, Code: uniq("ST"), Name: "x"})
	wantErr(t, err, services.EForbidden)
	// Moving its own assembly into another district is refused.
	_, err = e.units.Update(ctx, dc, a3.ID, services.UnitPatch{ParentID: &d4.ID})
	wantErr(t, err, services.EInvalid, "parent_id")
	// Its own scope unit may not be deleted, even when empty.
	_, err = e.units.Update(ctx, services.System, a3.ID, services.UnitPatch{ParentID: &tr.d1.ID})
	noErr(t, err)
	wantErr(t, e.units.Delete(ctx, dc, d3.ID), services.EForbidden)
	_, err = e.units.Update(ctx, services.System, a3.ID, services.UnitPatch{ParentID: &d3.ID})
	noErr(t, err)
	for i := range before {
		if before[i].ID == a3.ID {
			before[i].Version += 2 // the installation's two moves
		}
	}
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("refused writes changed the units (-before +after):\n%s", d)
	}

	// Writes inside the district work, but not a change of Lok Sabha seat: seats lie outside it.
	s3, err := e.units.Create(ctx, dc, services.UnitInput{Level: models.LevelSector, ParentID: &a3.ID, Code: uniq("SEC"), Name: "Sector"})
	noErr(t, err)
	_, err = e.units.Update(ctx, dc, a3.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: &tr.pc.ID}})
	wantErr(t, err, services.EForbidden, "parliamentary_id")
	noErr(t, e.units.Delete(ctx, dc, s3.ID))
}

func TestUnitsReadOnlyRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	for _, actor := range []services.Actor{scoped(models.RoleViewer, tr.d1), scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.b1)} {
		t.Run(string(actor.Role), func(t *testing.T) {
			target := loadUnit(t, e.db, *actor.ScopeUnitID)
			_, err := e.units.Create(ctx, actor, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.a1.ID, Code: uniq("PS"), Name: "x"})
			wantErr(t, err, services.EForbidden)
			_, err = e.units.Update(ctx, actor, target.ID, services.UnitPatch{Name: ptr("x")})
			wantErr(t, err, services.EForbidden)
			wantErr(t, e.units.Delete(ctx, actor, tr.b1.ID), services.EForbidden)
			_, err = e.imports.Units(ctx, actor, strings.NewReader(csvFile("level,code,name,parent_code", "booth,"+uniq("PS")+",x,"+tr.a1.Code)), services.ValidRows)
			wantErr(t, err, services.EForbidden)
			// Reading inside the scope still works.
			got, err := e.units.Get(ctx, actor, target.ID)
			noErr(t, err)
			if got.Unit.Name != target.Name {
				t.Errorf("Get answered %q", got.Unit.Name)
			}
		})
	}
	if got := loadUnit(t, e.db, tr.b1.ID); got.Name != tr.b1.Name {
		t.Errorf("b1 renamed to %q by a read-only role", got.Name)
	}
	if n := countUnits(t, e.db); n != 11 {
		t.Errorf("%d units, want the 11 of the tree", n)
	}
}

// TestListUnderLokSabhaSeat: a Lok Sabha seat has no children in the tree, but under it lie its
// assemblies (in any district) and everything below them.
func TestListUnderLokSabhaSeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	other := e.newChild(t, models.LevelAssembly, tr.d1) // in d1 but not on the seat
	e.newChild(t, models.LevelBooth, other)

	page, err := e.units.List(context.Background(), services.System, services.UnitFilter{Under: &tr.pc.ID, Page: services.PageRequest{Limit: 500}})
	noErr(t, err)
	want := inTreeOrder(tr.pc, tr.a1, tr.a2, tr.s1, tr.b1, tr.b2, tr.b3, tr.b4)
	if d := cmp.Diff(want, ids(page.Items)); d != "" {
		t.Errorf("under the seat (-want +got):\n%s", d)
	}

	csv := e.exportUnits(t, services.System, &tr.pc.ID)
	if n := strings.Count(csv, "\n"); n != 1+len(want) {
		t.Errorf("export under the seat has %d lines, want %d:\n%s", n, 1+len(want), csv)
	}
	if strings.Contains(csv, other.Code) {
		t.Errorf("export under the seat holds an assembly of another seat:\n%s", csv)
	}
}
