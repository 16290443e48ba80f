package services_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// importRich stores base plus units that exercise the format: more than ten siblings (so ids
// cross a digit boundary), quotes, commas, line breaks, Devanagari, census figures, a reserved seat.
func (e *env) importRich(t *testing.T) baseCodes {
	t.Helper()
	b := e.importBase(t)
	rows := []string{
		csvUnit{level: "district", code: b.D1, name: "Lucknow", nameHi: "लखनऊ", parent: b.S, number: "162", pop: "4589838"}.String(),
	}
	for i := range 14 {
		rows = append(rows, csvUnit{level: "booth", code: fmt.Sprintf("%s-PS-%03d", b.A1, i+1), name: fmt.Sprintf(`Booth %d, "Room" %d`, i+1, i),
			nameHi: "मतदान केंद्र", parent: b.A1, number: fmt.Sprint(i + 1), electors: fmt.Sprint(800 + i)}.String())
	}
	rows = append(rows,
		csvUnit{level: "booth", code: b.A1 + "-PS-NL", name: `Two, "quoted"`, parent: b.SEC}.String(),
		csvUnit{level: "assembly", code: b.A1 + "-SC", name: "Mohanlalganj", nameHi: "मोहनलालगंज", parent: b.D1, reserved: "SC", parl: b.PC, number: "176"}.String(),
	)
	res := e.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr, rows...))
	if len(res.Errors) != 0 {
		t.Fatalf("rich import: %+v", res.Errors)
	}
	return b
}

func TestExportUnitsSubtreeRoundTrips(t *testing.T) {
	t.Parallel()
	src := newEnv(t)
	b := src.importRich(t)
	d1 := unitByCode(t, src.db, b.D1)
	first := src.exportUnits(t, services.System, &d1.ID)
	// D1, two assemblies, a sector and 16 booths.
	if n := len(readCodes(t, strings.NewReader(first))); n != 20 {
		t.Fatalf("export of D1 has %d rows, want 20:\n%s", n, first)
	}

	// A fresh database with the same state and seat (the rows outside the subtree that it names).
	dst := newEnv(t)
	dst.importUnits(t, services.System, services.AllOrNothing, csvFile(hdr,
		csvUnit{level: "state", code: b.S, name: "Uttar Pradesh"}.String(),
		csvUnit{level: "parliamentary", code: b.PC, name: "Lucknow", parent: b.S}.String()))
	res := dst.importUnits(t, services.System, services.AllOrNothing, first)
	if res.Inserted != 20 || res.Updated != 0 {
		t.Fatalf("import of the export: %+v", res)
	}
	checkTree(t, dst.db)
	again := dst.exportUnits(t, services.System, ptr(unitByCode(t, dst.db, b.D1).ID))
	if d := cmp.Diff(first, again); d != "" {
		t.Errorf("export → import → export differs (-first +again):\n%s", d)
	}
}

func TestExportUnitsWholeTreeRoundTrips(t *testing.T) {
	t.Parallel()
	src := newEnv(t)
	src.importRich(t)
	first := src.exportUnits(t, services.System, nil)
	dst := newEnv(t)
	res := dst.importUnits(t, services.System, services.AllOrNothing, first)
	if res.Inserted != len(snapshot(t, src.db)) {
		t.Fatalf("import of the export: %+v", res)
	}
	if d := cmp.Diff(first, dst.exportUnits(t, services.System, nil)); d != "" {
		t.Errorf("export → import → export differs (-first +again):\n%s", d)
	}
	// Re-importing an export into the database it came from changes nothing.
	before := snapshot(t, src.db)
	res = src.importUnits(t, services.System, services.AllOrNothing, first)
	if res.Inserted != 0 || res.Updated != len(before) {
		t.Errorf("re-import of own export: %+v", res)
	}
	if d := cmp.Diff(before, snapshot(t, src.db)); d != "" {
		t.Errorf("re-import of own export changed units (-before +after):\n%s", d)
	}
}

func TestExportUnitsParentsBeforeChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.importRich(t)
	// A district created after its future children: moving them under it gives parents higher ids.
	late := e.newChild(t, models.LevelDistrict, unitByCode(t, e.db, b.S))
	for _, code := range []string{b.A1, b.A2} {
		_, err := e.units.Update(ctx, services.System, unitByCode(t, e.db, code).ID, services.UnitPatch{ParentID: &late.ID})
		noErr(t, err)
	}
	recs, err := csv.NewReader(strings.NewReader(e.exportUnits(t, services.System, nil))).ReadAll()
	noErr(t, err)
	if d := cmp.Diff(services.UnitColumns, recs[0]); d != "" {
		t.Errorf("header (-want +got):\n%s", d)
	}
	seen := map[string]bool{}
	for i, rec := range recs[1:] {
		if parent := rec[4]; parent != "" && !seen[parent] {
			t.Errorf("line %d: %s comes before its parent %s", i+2, rec[1], parent)
		}
		seen[rec[1]] = true
	}
	if len(seen) != len(snapshot(t, e.db)) {
		t.Errorf("export has %d units, database %d", len(seen), len(snapshot(t, e.db)))
	}
}

func TestExportUnitsUnder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	short, long := e.twinDistricts(t, tr.state)
	inShort := e.newChild(t, models.LevelAssembly, short)
	e.newChild(t, models.LevelAssembly, long)

	codes := func(actor services.Actor, under *int64) []string {
		got := readCodes(t, strings.NewReader(e.exportUnits(t, actor, under)))
		slices.Sort(got)
		return got
	}
	sorted := func(us ...models.Unit) []string {
		out := make([]string, 0, len(us))
		for _, u := range us {
			out = append(out, u.Code)
		}
		slices.Sort(out)
		return out
	}
	if d := cmp.Diff(sorted(tr.d1, tr.a1, tr.s1, tr.b1, tr.b2, tr.b3), codes(services.System, &tr.d1.ID)); d != "" {
		t.Errorf("under=d1 (-want +got):\n%s", d)
	}
	if d := cmp.Diff(sorted(short, inShort), codes(services.System, &short.ID)); d != "" {
		t.Errorf("under=%s beside %s (-want +got):\n%s", short.Path, long.Path, d)
	}
	if d := cmp.Diff(sorted(tr.b4), codes(services.System, &tr.b4.ID)); d != "" {
		t.Errorf("under a booth (-want +got):\n%s", d)
	}
	if got := codes(services.System, nil); len(got) != len(snapshot(t, e.db)) {
		t.Errorf("whole export has %d rows, database %d units", len(got), len(snapshot(t, e.db)))
	}

	// A district coordinator exports its district only, and cannot name another.
	dc := scoped(models.RoleDistrictCoordinator, short)
	if d := cmp.Diff(sorted(short, inShort), codes(dc, nil)); d != "" {
		t.Errorf("coordinator's export (-want +got):\n%s", d)
	}
	for _, under := range []int64{long.ID, tr.d1.ID, tr.state.ID, 99999} {
		_, err := e.exports.CheckUnits(ctx, dc, &under)
		wantErr(t, err, services.ENotFound)
	}
}
