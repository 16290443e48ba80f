package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// repWorld is the tree of newTree with census figures on the state and the first district, five
// people of different communities and seats on committees at every level.
type repWorld struct {
	tr                    tree
	pA, pB, pC, pD, pE    models.Person
	endedSeat             models.Seat
	d1Census, stateCensus [4]int64 // total, SC, ST, minority
}

func newRepWorld(t *testing.T, e *env) *repWorld {
	t.Helper()
	w := &repWorld{tr: e.newTree(t), stateCensus: [4]int64{1000, 200, 10, 150}, d1Census: [4]int64{100, 30, 5, 20}}
	tr := w.tr
	noErr(t, e.db.Exec("UPDATE units SET population_total = ?, population_sc = ?, population_st = ?, population_minority = ? WHERE id = ?",
		w.stateCensus[0], w.stateCensus[1], w.stateCensus[2], w.stateCensus[3], tr.state.ID).Error)
	// The district's minority share comes from its Muslim population when no minority figure is given.
	noErr(t, e.db.Exec("UPDATE units SET population_total = ?, population_sc = ?, population_st = ?, population_muslim = ? WHERE id = ?",
		w.d1Census[0], w.d1Census[1], w.d1Census[2], w.d1Census[3], tr.d1.ID).Error)
	person := func(cat models.Category, g models.Gender, religion string, born int) models.Person {
		return e.mustPerson(t, services.System, tr.state, func(in *services.PersonInput) {
			in.Category, in.Gender, in.Religion = cat, g, religion
			if born != 0 {
				in.BirthYear = ptr(born)
			}
		})
	}
	// The clock says 2024: 34, 54, 74, unknown and 61 years old.
	w.pA = person(models.CategorySC, models.GenderFemale, "hindu", 1990)
	w.pB = person(models.CategoryST, models.GenderMale, "muslim", 1970)
	w.pC = person(models.CategoryOBC, models.GenderOther, "christian", 1950)
	w.pD = person(models.CategoryGEN, models.GenderFemale, "", 0)
	w.pE = person(models.CategoryGEN, models.GenderMale, "hindu", 1963)
	e.mustSeat(t, services.System, tr.b1, w.pA, models.PositionPresident)
	e.mustSeat(t, services.System, tr.b1, w.pB, models.PositionMember)
	e.mustSeat(t, services.System, tr.b1, w.pD, models.PositionMember)
	e.mustSeat(t, services.System, tr.b2, w.pA, models.PositionMember) // a second committee: counted once per seat
	w.endedSeat = e.mustSeat(t, services.System, tr.b2, w.pC, models.PositionMember)
	noErr(t, e.set.Committees.EndSeat(context.Background(), services.System, tr.b2.ID, w.endedSeat.ID))
	e.mustSeat(t, services.System, tr.s1, w.pE, models.PositionPresident)
	e.mustSeat(t, services.System, tr.a1, w.pB, models.PositionPresident)
	e.mustSeat(t, services.System, tr.d1, w.pC, models.PositionPresident)
	e.mustSeat(t, services.System, tr.state, w.pD, models.PositionPresident)
	e.mustSeat(t, services.System, tr.b4, w.pE, models.PositionMember)
	return w
}

func (e *env) figures(t *testing.T, actor services.Actor, u models.Unit, level models.Level) services.Figures {
	t.Helper()
	var lp *models.Level
	if level != "" {
		lp = &level
	}
	f, err := e.set.Representation.Figures(context.Background(), actor, u.ID, lp)
	noErr(t, err)
	return f
}

// counted is the part of figures a test states by hand.
type counted struct {
	seats, sc, st, obc, gen, minority, religionUnknown, male, female, other, young, middle, old, ageUnknown int64
}

func countedOf(f services.Figures) counted {
	return counted{f.Seats, f.ByCategory["SC"], f.ByCategory["ST"], f.ByCategory["OBC"], f.ByCategory["GEN"], f.Minority,
		f.ReligionUnknown, f.ByGender["male"], f.ByGender["female"], f.ByGender["other"],
		f.ByAge["18_35"], f.ByAge["36_60"], f.ByAge["60_plus"], f.ByAge["unknown"]}
}

// bruteForce counts the figures of the committees of level ("" every level) whose units lie
// in the subtree of u (for a Lok Sabha seat: its own committee and its assemblies' subtrees) from
// the current seats and their holders, row by row, as of 2024.
func (e *env) bruteForce(t *testing.T, u models.Unit, level models.Level) counted {
	t.Helper()
	var rows []struct {
		Path      string
		Level     models.Level
		Category  models.Category
		Gender    models.Gender
		Religion  *string
		BirthYear *int
	}
	noErr(t, e.db.Raw(`SELECT c.path, c.level, p.category, p.gender, p.religion, p.birth_year FROM seats s
		JOIN units c ON c.id = s.unit_id JOIN people p ON p.id = s.person_id WHERE s.ended_at IS NULL`).Scan(&rows).Error)
	prefixes := []string{u.Path}
	if u.Level == models.LevelParliamentary {
		var paths []string
		noErr(t, e.db.Model(&models.Unit{}).Where("parliamentary_id = ?", u.ID).Pluck("path", &paths).Error)
		prefixes = append(paths, u.Path)
	}
	var c counted
	for _, r := range rows {
		in := false
		for _, p := range prefixes {
			in = in || strings.HasPrefix(r.Path, p)
		}
		if !in || (level != "" && r.Level != level) {
			continue
		}
		c.seats++
		switch r.Category {
		case models.CategorySC:
			c.sc++
		case models.CategoryST:
			c.st++
		case models.CategoryOBC:
			c.obc++
		default:
			c.gen++
		}
		switch {
		case r.Religion == nil:
			c.religionUnknown++
		case models.Minority(*r.Religion):
			c.minority++
		}
		switch r.Gender {
		case models.GenderMale:
			c.male++
		case models.GenderFemale:
			c.female++
		default:
			c.other++
		}
		switch {
		case r.BirthYear == nil:
			c.ageUnknown++
		case 2024-*r.BirthYear <= 35:
			c.young++
		case 2024-*r.BirthYear <= 60:
			c.middle++
		default:
			c.old++
		}
	}
	return c
}

var repLevels = []models.Level{"", models.LevelState, models.LevelDistrict, models.LevelAssembly, models.LevelSector, models.LevelBooth}

// checkAgainstBruteForce compares the figures of every unit of the tree at every level with the
// brute-force count.
func (e *env) checkAgainstBruteForce(t *testing.T, tr tree) {
	t.Helper()
	for _, u := range []models.Unit{tr.state, tr.pc, tr.d1, tr.d2, tr.a1, tr.a2, tr.s1, tr.b1, tr.b2, tr.b3, tr.b4} {
		u = loadUnit(t, e.db, u.ID)
		for _, l := range repLevels {
			if got, want := countedOf(e.figures(t, services.System, u, l)), e.bruteForce(t, u, l); got != want {
				t.Errorf("%s %s level %q: figures %+v, counted row by row %+v", u.Level, u.Code, l, got, want)
			}
		}
	}
}

func TestRepresentationFiguresAreExact(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	tr := w.tr

	// By hand: the first booth holds pA (SC woman, 34), pB (ST Muslim man, 54), pD (GEN woman,
	// no religion or birth year recorded).
	b1 := e.figures(t, services.System, tr.b1, "")
	want := counted{seats: 3, sc: 1, st: 1, gen: 1, minority: 1, religionUnknown: 1, male: 1, female: 2, young: 1, middle: 1, ageUnknown: 1}
	if got := countedOf(b1); got != want {
		t.Errorf("booth 1: %+v, want %+v", got, want)
	}
	if math.Abs(b1.Shares["women"]-2.0/3) > 1e-9 || math.Abs(b1.Shares["sc_st_obc_minority"]-2.0/3) > 1e-9 {
		t.Errorf("booth 1 shares: %v", b1.Shares)
	}
	// The district's booth committees: pA twice (two booths), pB, pD; pC's ended seat is not counted.
	d1 := e.figures(t, services.System, tr.d1, models.LevelBooth)
	if got := countedOf(d1); got != (counted{seats: 4, sc: 2, st: 1, gen: 1, minority: 1, religionUnknown: 1, male: 1, female: 3, young: 2, middle: 1, ageUnknown: 1}) {
		t.Errorf("district 1 booth committees: %+v", got)
	}
	// Every level under the state: the four booth seats of district 1, pE on the other district's
	// booth, the sector, assembly, district and state presidents.
	st := e.figures(t, services.System, tr.state, "")
	if st.Seats != 9 || st.ByCategory["GEN"] != 4 || st.ByAge["60_plus"] != 3 {
		t.Errorf("state, every level: %+v", countedOf(st))
	}
	if got := e.figures(t, services.System, tr.state, models.LevelState); got.Seats != 1 || got.ByGender["female"] != 1 {
		t.Errorf("state committee: %+v", countedOf(got))
	}
	e.checkAgainstBruteForce(t, tr)
	e.requireConsistent(t)
}

func TestRepresentationFollowsPeopleAndMoves(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	tr := w.tr
	ctx := context.Background()
	before := map[int64]services.Figures{}
	for _, u := range []models.Unit{tr.b1, tr.b2, tr.s1, tr.a1, tr.d1, tr.state, tr.pc} {
		before[u.ID] = e.figures(t, services.System, u, models.LevelBooth)
	}
	// pA (SC, on two booth committees) is recorded as OBC: two seats move from SC to OBC at
	// every level above both booths.
	_, err := e.set.People.Update(ctx, services.System, w.pA.ID, func(in *services.PersonInput) error {
		in.Category = models.CategoryOBC
		return nil
	})
	noErr(t, err)
	for _, u := range []models.Unit{tr.b1, tr.b2, tr.s1, tr.a1, tr.d1, tr.state, tr.pc} {
		seats := int64(2)
		if u.ID == tr.b1.ID || u.ID == tr.b2.ID {
			seats = 1
		}
		got, was := e.figures(t, services.System, u, models.LevelBooth), before[u.ID]
		if got.ByCategory["SC"] != was.ByCategory["SC"]-seats || got.ByCategory["OBC"] != was.ByCategory["OBC"]+seats || got.Seats != was.Seats {
			t.Errorf("%s after re-categorising: SC %d→%d, OBC %d→%d", u.Code, was.ByCategory["SC"], got.ByCategory["SC"],
				was.ByCategory["OBC"], got.ByCategory["OBC"])
		}
	}
	e.checkAgainstBruteForce(t, tr)

	// The first booth moves to the other district: its three seats leave the sector, assembly
	// and district 1 and join assembly 2 and district 2; the state's figures stay.
	st := e.figures(t, services.System, tr.state, "")
	d2 := e.figures(t, services.System, tr.d2, "")
	_, err = e.units.Update(ctx, services.System, tr.b1.ID, services.UnitPatch{ParentID: &tr.a2.ID})
	noErr(t, err)
	if got := e.figures(t, services.System, tr.d2, ""); got.Seats != d2.Seats+3 {
		t.Errorf("district 2 after the move: %d seats, want %d", got.Seats, d2.Seats+3)
	}
	if got := e.figures(t, services.System, tr.state, ""); countedOf(got) != countedOf(st) {
		t.Errorf("the state's figures changed with a move inside it: %+v → %+v", countedOf(st), countedOf(got))
	}
	e.checkAgainstBruteForce(t, tr)

	// An import that changes a stored person's gender and birth year moves their seats too.
	_, err = e.set.People.Update(ctx, services.System, w.pB.ID, func(in *services.PersonInput) error {
		in.VoterID = "REP0000001"
		return nil
	})
	noErr(t, err)
	row := csvPerson{name: "Imported", gender: "female", voter: "REP0000001", category: "ST", religion: "muslim", birth: "1999"}
	e.importPeople(t, services.System, services.AllOrNothing, peopleFile(row))
	e.checkAgainstBruteForce(t, tr)
	e.requireConsistent(t)
}

func TestRepresentationCensusTargetsAndGaps(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	tr := w.tr
	// A booth of district 1 is held against the district's census; a booth of district 2, which
	// has none, against the state's.
	b1 := e.figures(t, services.System, tr.b1, models.LevelBooth)
	if b1.Population == nil || b1.Population.UnitID != tr.d1.ID || math.Abs(b1.Targets["SC"]-0.3) > 1e-9 ||
		math.Abs(b1.Population.Shares["minority"]-0.2) > 1e-9 {
		t.Fatalf("booth 1 census %+v targets %v", b1.Population, b1.Targets)
	}
	b4 := e.figures(t, services.System, tr.b4, models.LevelBooth)
	if b4.Population == nil || b4.Population.UnitID != tr.state.ID || math.Abs(b4.Targets["SC"]-0.2) > 1e-9 {
		t.Fatalf("booth 4 census %+v targets %v", b4.Population, b4.Targets)
	}
	if math.Abs(b1.Targets["women"]-0.33) > 1e-9 || math.Abs(b1.Gap["women"]-(2.0/3-0.33)) > 1e-9 {
		t.Errorf("booth 1 women target %v gap %v", b1.Targets["women"], b1.Gap["women"])
	}
	// Targets changed by the state office apply at once.
	_, err := e.set.Representation.SetTargets(context.Background(), services.System, []services.LevelTargets{{Level: models.LevelBooth,
		Targets: []services.Target{{Group: "women", MinShare: ptr(0.5)}, {Group: "OBC", MinShare: ptr(0.25)}}}})
	noErr(t, err)
	var norm models.CommitteeNorm
	noErr(t, e.db.Where("level = ?", models.LevelBooth).Take(&norm).Error)
	page, err := e.set.Representation.Gaps(context.Background(), services.System, tr.state.ID, models.LevelBooth, services.PageRequest{})
	noErr(t, err)
	byUnit := map[int64]services.Gap{}
	for _, g := range page.Items {
		byUnit[g.Unit.ID] = g
	}
	// Booth 1: 3 seats, 2 women, no OBC. Booth 2: pA alone (a woman, SC). Booth 4: pE alone.
	// Empty committees (booth 3) are not listed.
	size := max(int64(norm.MinSeats), 3)
	want := map[int64][]services.Lack{}
	lack := func(id int64, group string, n int64) {
		if n > 0 {
			want[id] = append(want[id], services.Lack{Group: group, Seats: n})
		}
	}
	need := func(share float64, size int64) int64 { return int64(math.Ceil(share*float64(size) - 1e-9)) }
	lack(tr.b1.ID, "women", need(0.5, size)-2)
	lack(tr.b1.ID, "OBC", need(0.25, size))
	size2 := max(int64(norm.MinSeats), 1)
	lack(tr.b2.ID, "women", need(0.5, size2)-1)
	lack(tr.b2.ID, "OBC", need(0.25, size2))
	lack(tr.b4.ID, "women", need(0.5, size2))
	lack(tr.b4.ID, "OBC", need(0.25, size2))
	if len(page.Items) != len(want) {
		t.Fatalf("gaps: %d committees, want %d: %+v", len(page.Items), len(want), page.Items)
	}
	for id, lacks := range want {
		if g := byUnit[id]; !slices.Equal(g.Lacks, lacks) {
			t.Errorf("unit %d lacks %+v, want %+v", id, g.Lacks, lacks)
		}
	}
	for i := 1; i < len(page.Items); i++ {
		if page.Items[i].Shortfall > page.Items[i-1].Shortfall {
			t.Errorf("gaps not worst first: %d after %d", page.Items[i].Shortfall, page.Items[i-1].Shortfall)
		}
	}
	if g := byUnit[tr.b4.ID]; !strings.Contains(g.Summary(), "more women") || !strings.Contains(g.Summary(), "more OBC member") {
		t.Errorf("summary %q", g.Summary())
	}
}

func TestRepresentationBreakdown(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	tr := w.tr
	ctx := context.Background()
	booth := models.LevelBooth
	// Every district, sorted by SC gap, one per page: the pages together are the districts, each
	// with the figures the unit itself answers.
	var got []services.Figures
	pr := services.PageRequest{Limit: 1}
	for {
		p, err := e.set.Representation.Breakdown(ctx, services.System, tr.state.ID, services.BreakdownRequest{By: models.LevelDistrict, Level: &booth, Sort: "-gap.SC", Page: pr})
		noErr(t, err)
		got = append(got, p.Items...)
		if p.NextCursor == "" {
			break
		}
		pr.Cursor = p.NextCursor
	}
	if len(got) != 2 || got[0].Gap["SC"] < got[1].Gap["SC"] {
		t.Fatalf("breakdown by district: %d rows, gaps %v then %v", len(got), got[0].Gap, got[len(got)-1].Gap)
	}
	for _, f := range got {
		if countedOf(f) != countedOf(e.figures(t, services.System, f.Unit, booth)) {
			t.Errorf("breakdown row %s differs from the unit's own figures", f.Unit.Code)
		}
	}
	// By Lok Sabha seat: the constituency of both assemblies.
	p, err := e.set.Representation.Breakdown(ctx, services.System, tr.state.ID, services.BreakdownRequest{By: models.LevelParliamentary})
	noErr(t, err)
	if len(p.Items) != 1 || countedOf(p.Items[0]) != e.bruteForce(t, tr.pc, "") {
		t.Errorf("breakdown by Lok Sabha seat: %+v", p.Items)
	}
	// Under the Lok Sabha seat, by assembly: the two assemblies that point at it, in two districts.
	p, err = e.set.Representation.Breakdown(ctx, services.System, tr.pc.ID, services.BreakdownRequest{By: models.LevelAssembly})
	noErr(t, err)
	if len(p.Items) != 2 || countedOf(p.Items[0]) != e.bruteForce(t, loadUnit(t, e.db, p.Items[0].Unit.ID), "") {
		t.Errorf("breakdown of the Lok Sabha seat by assembly: %+v", p.Items)
	}
	for _, c := range []struct {
		unit  models.Unit
		req   services.BreakdownRequest
		field string
	}{
		{tr.state, services.BreakdownRequest{By: models.LevelBooth}, "by"},
		{tr.d1, services.BreakdownRequest{By: models.LevelDistrict}, "by"},
		{tr.d1, services.BreakdownRequest{By: models.LevelParliamentary}, "by"},
		{tr.state, services.BreakdownRequest{By: models.LevelDistrict, Sort: "gap.nobody"}, "sort"},
		{tr.state, services.BreakdownRequest{By: models.LevelDistrict, Level: ptr(models.Level("ward"))}, "level"},
		{tr.state, services.BreakdownRequest{By: models.LevelDistrict, Page: services.PageRequest{Cursor: "junk"}}, "cursor"},
	} {
		_, err := e.set.Representation.Breakdown(ctx, services.System, c.unit.ID, c.req)
		wantErr(t, err, services.EInvalid, c.field)
	}
}

func TestRepresentationScope(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	tr := w.tr
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	for _, u := range []models.Unit{tr.d2, tr.b4, tr.state, tr.pc} {
		_, err := e.set.Representation.Figures(ctx, dc, u.ID, nil)
		wantErr(t, err, services.ENotFound)
		_, err = e.set.Representation.Gaps(ctx, dc, u.ID, models.LevelBooth, services.PageRequest{})
		wantErr(t, err, services.ENotFound)
		var buf bytes.Buffer
		wantErr(t, e.set.Representation.ExportCSV(ctx, dc, u.ID, "", nil, &buf), services.ENotFound)
		if buf.Len() != 0 {
			t.Errorf("a refused export wrote %d bytes", buf.Len())
		}
	}
	_, err := e.set.Representation.Breakdown(ctx, dc, tr.d2.ID, services.BreakdownRequest{By: models.LevelAssembly})
	wantErr(t, err, services.ENotFound)
	if f := e.figures(t, dc, tr.d1, ""); countedOf(f) != e.bruteForce(t, tr.d1, "") {
		t.Errorf("the coordinator's own district: %+v", countedOf(f))
	}
	// A viewer reads figures; the booth worker the booth's.
	e.figures(t, scoped(models.RoleViewer, tr.state), tr.state, "")
	e.figures(t, scoped(models.RoleBoothWorker, tr.b1), tr.b1, "")
	_, err = e.set.Representation.Figures(ctx, scoped(models.RoleBoothWorker, tr.b1), tr.b2.ID, nil)
	wantErr(t, err, services.ENotFound)
}

func TestRepresentationExportCSV(t *testing.T) {
	e := newEnv(t)
	w := newRepWorld(t, e)
	var buf bytes.Buffer
	noErr(t, e.set.Representation.ExportCSV(context.Background(), services.System, w.tr.state.ID, models.LevelDistrict, nil, &buf))
	recs, err := csv.NewReader(&buf).ReadAll()
	noErr(t, err)
	if len(recs) != 3 || !slices.Equal(recs[0], services.RepresentationColumns) {
		t.Fatalf("export: %d records, header %v", len(recs), recs[0])
	}
	col := slices.Index(services.RepresentationColumns, "seats")
	for _, r := range recs[1:] {
		d := loadUnit(t, e.db, w.tr.d1.ID)
		if r[2] == d.Code && r[col] != "7" {
			t.Errorf("district 1 seats in the export: %s, want 7", r[col])
		}
		// Negative gaps start with "-": written formula-safe, with an apostrophe.
		for _, cell := range r {
			if strings.HasPrefix(cell, "-") || strings.HasPrefix(cell, "=") {
				t.Errorf("cell %q is not formula-safe", cell)
			}
		}
	}
}
