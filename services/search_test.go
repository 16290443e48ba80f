package services_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// A name typed in either script finds records written in the other (issue 10), prefix matches
// first, on both databases.
func TestPeopleSearchAcrossScripts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	named := func(home models.Unit, name, hi string) models.Person {
		return e.mustPerson(t, services.System, home, func(in *services.PersonInput) { in.Name, in.NameHi = name, hi })
	}
	// Latin only, Hindi only (the name field holds it as typed), and both.
	ramesh := named(tr.b1, "Ramesh Kumar", "")
	sharma := named(tr.b1, "शर्मा प्रसाद", "")
	singh := named(tr.b2, "Rajesh Singh", "राजेश सिंह")
	yadav := named(tr.b3, "Sunita Yadav", "")
	ramkumar := named(tr.b4, "Ramkumar Verma", "")
	devi := named(tr.b4, "गीता देवी", "")
	for q, want := range map[string][]int64{
		"रमेश":         idsOf(ramesh),
		"रमेश कुमार":   idsOf(ramesh),
		"कुमार":        idsOf(ramesh, ramkumar), // the word start first, then inside a word
		"Kumar":        idsOf(ramesh, ramkumar),
		"Sharma":       idsOf(sharma),
		"prasad":       idsOf(sharma),
		"Sinh":         idsOf(singh),
		"सिंह":         idsOf(singh),
		"यादव":         idsOf(yadav),
		"वर्मा":        idsOf(ramkumar),
		"Geeta Devi":   idsOf(devi),
		"gita":         idsOf(devi),
		"Suresh":       nil,
		"महेश":         nil,
		"Ramesh Yadav": nil, // every word must match
	} {
		got := e.listAll(t, services.System, services.PersonFilter{Q: q, Page: services.PageRequest{Limit: 1}})
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("q=%q (-want +got):\n%s", q, d)
		}
	}
	// Within scope only.
	got := e.listAll(t, scoped(models.RoleDistrictCoordinator, tr.d1), services.PersonFilter{Q: "कुमार"})
	if d := cmp.Diff(idsOf(ramesh), got); d != "" {
		t.Errorf("district d1, q=कुमार (-want +got):\n%s", d)
	}
}

// Prefix matches come before others across pages: the cursor carries the phase.
func TestSearchRanksWordStartsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	// In path order the inside-a-word matches come first (b1 before b4).
	var inside, start []int64
	for range 3 {
		inside = append(inside, e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Name = "Ramkumar " + uniq("X") }).ID)
	}
	for range 3 {
		start = append(start, e.mustPerson(t, services.System, tr.b4, func(in *services.PersonInput) { in.Name = "Kumari " + uniq("X") }).ID)
	}
	for _, limit := range []int{1, 2, 4, 50} {
		got := e.listAll(t, services.System, services.PersonFilter{Q: "kumar", Page: services.PageRequest{Limit: limit}})
		if d := cmp.Diff(append(append([]int64{}, start...), inside...), got); d != "" {
			t.Errorf("limit %d (-want +got):\n%s", limit, d)
		}
	}
	// A cursor with a phase the list does not have was not issued here.
	_, err := e.set.People.List(context.Background(), services.System, services.PersonFilter{Q: "kumar",
		Page: services.PageRequest{Cursor: "LzEvfDEjOQ"}}) // "/1/|1#9"
	wantErr(t, err, services.EInvalid, "cursor")
}

func TestUnitSearchAcrossScripts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	booth := func(name, hi string) models.Unit {
		return e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.a2.ID, Code: uniq("B"), Name: name, NameHi: hi})
	}
	gudamba := booth("Prathmik Vidyalaya Gudamba", "")
	gudamba2 := booth("Gudamba Kaksh 2", "")
	chinhat := booth("प्राथमिक विद्यालय चिनहट", "")
	lko := booth("Lucknow Cantt", "")
	for q, want := range map[string][]int64{
		"गुडम्बा":   inTreeOrder(gudamba2, gudamba), // word start, then inside a word
		"Gudamba":   inTreeOrder(gudamba2, gudamba),
		"gudam":     inTreeOrder(gudamba2, gudamba),
		"Chinhat":   ids([]models.Unit{chinhat}),
		"vidyalaya": ids([]models.Unit{gudamba, chinhat}),
		"लखनऊ":      ids([]models.Unit{lko}),
		"गोंडा":     nil,
	} {
		for _, f := range []services.UnitFilter{{Q: q}, {Q: q, ParentID: &tr.a2.ID}} {
			var got []int64
			f.Page.Limit = 1
			for {
				p, err := e.units.List(context.Background(), services.System, f)
				noErr(t, err)
				got = append(got, ids(p.Items)...)
				if p.NextCursor == "" {
					break
				}
				f.Page.Cursor = p.NextCursor
			}
			if f.ParentID == nil && q == "vidyalaya" {
				want = inTreeOrder(gudamba, chinhat)
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("q=%q parent=%v (-want +got):\n%s", q, f.ParentID != nil, d)
			}
		}
	}
}

// Odd q: never a 500; too long or too many words is a 422 naming q.
func TestSearchOddInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	p := e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Name = "A%_\\~|b" })
	for _, q := range []string{"", " ", "्", "ं", "ा", "़", "~", "|", "%", "_", "\\", "~~", "१२", strings.Repeat("क्", 50),
		strings.Repeat("a", 100), "a b c d e f g h"} {
		if _, err := e.set.People.List(context.Background(), services.System, services.PersonFilter{Q: q}); err != nil {
			t.Errorf("people q=%q: %v", q, err)
		}
		if _, err := e.units.List(context.Background(), services.System, services.UnitFilter{Q: q}); err != nil {
			t.Errorf("units q=%q: %v", q, err)
		}
	}
	if got := e.listAll(t, services.System, services.PersonFilter{Q: "%_\\~"}); !cmp.Equal(got, idsOf(p)) {
		t.Errorf("q of LIKE metacharacters found %v", got)
	}
	for _, q := range []string{strings.Repeat("a", 101), "a b c d e f g h i", "a\x00"} {
		_, err := e.set.People.List(context.Background(), services.System, services.PersonFilter{Q: q})
		wantErr(t, err, services.EInvalid, "q")
		_, err = e.units.List(context.Background(), services.System, services.UnitFilter{Q: q})
		wantErr(t, err, services.EInvalid, "q")
	}
}

// near= ranks the people of a booth first, then its assembly, then the rest; prefix matches first
// within each group; pages keep the order.
func TestPeopleNear(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	at := func(home models.Unit, name string) int64 {
		return e.mustPerson(t, services.System, home, func(in *services.PersonInput) { in.Name = name }).ID
	}
	// Created farthest first, so that id order is not the answer.
	far1 := at(tr.b4, "Ram Lal")
	far2 := at(tr.b4, "Sriram Lal")
	ac1 := at(tr.b3, "Sriram Pal")
	ac2 := at(tr.b2, "Ram Pal")
	ac3 := at(tr.a1, "Ram Das")
	own1 := at(tr.b1, "Sriram Das")
	own2 := at(tr.b1, "Ram Singh")
	near := tr.b1.ID
	for _, limit := range []int{1, 3, 50} {
		got := e.listAll(t, services.System, services.PersonFilter{Q: "ram", Near: &near, Page: services.PageRequest{Limit: limit}})
		// b1: prefix (own2), inside (own1); a1 in path order a1, s1/b2, b3: prefix ac3, ac2, inside ac1;
		// the rest: far1, far2.
		want := []int64{own2, own1, ac3, ac2, ac1, far1, far2}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("q=ram near=b1 limit %d (-want +got):\n%s", limit, d)
		}
		all := e.listAll(t, services.System, services.PersonFilter{Near: &near, Page: services.PageRequest{Limit: limit}})
		if len(all) < 7 || all[0] != min(own1, own2) || all[1] != max(own1, own2) {
			t.Errorf("near=b1 without q, limit %d: %v", limit, all)
		}
	}
	// Near an assembly: its people, then the rest.
	a1 := tr.a1.ID
	got := e.listAll(t, services.System, services.PersonFilter{Q: "lal", Near: &tr.a2.ID})
	if d := cmp.Diff([]int64{far1, far2}, got); d != "" {
		t.Errorf("near=a2 (-want +got):\n%s", d)
	}
	got = e.listAll(t, scoped(models.RoleDistrictCoordinator, tr.d1), services.PersonFilter{Q: "ram", Near: &a1})
	if len(got) != 5 {
		t.Errorf("near=a1 in d1's scope: %v", got)
	}
	// Outside the reader's scope: 404, as for under=; not a booth, sector or assembly: 422.
	_, err := e.set.People.List(context.Background(), scoped(models.RoleDistrictCoordinator, tr.d1), services.PersonFilter{Near: &tr.b4.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.set.People.List(context.Background(), services.System, services.PersonFilter{Near: &tr.d1.ID})
	wantErr(t, err, services.EInvalid, "near")
	missing := int64(1 << 40)
	_, err = e.set.People.List(context.Background(), services.System, services.PersonFilter{Near: &missing})
	wantErr(t, err, services.ENotFound)
}

// The CSV imports write the same search text as a create, keys included; an update whose file has
// no name_hi keeps the Hindi half of the stored text.
func TestImportsWriteSearchKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	st := e.newRoot(t)
	e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,name_hi,parent_code",
		"district,XLKO,Lucknow,लखनऊ,"+st.Code, "assembly,XLKO-1,Bakshi Ka Talab,,XLKO", "booth,XLKO-1-1,Prathmik Vidyalaya Gudamba,,XLKO-1",
		"booth,XLKO-1-2,Kanya Vidyalaya,चिनहट कन्या विद्यालय,XLKO-1"))
	checkStored := func() {
		t.Helper()
		var rows []models.Unit
		noErr(t, e.db.Where("code LIKE 'XLKO%'").Find(&rows).Error)
		for _, u := range rows {
			if want := models.SearchText(u.Name, u.NameHi); u.SearchText != want {
				t.Errorf("unit %s: search text %q, want %q", u.Code, u.SearchText, want)
			}
		}
		var people []models.Person
		noErr(t, e.db.Find(&people).Error)
		for _, p := range people {
			if want := models.SearchText(p.Name, p.NameHi); p.SearchText != want {
				t.Errorf("person %s: search text %q, want %q", p.Name, p.SearchText, want)
			}
		}
	}
	find := func(q string) []string {
		t.Helper()
		p, err := e.units.List(ctx, services.System, services.UnitFilter{Q: q})
		noErr(t, err)
		var codes []string
		for _, u := range p.Items {
			codes = append(codes, u.Code)
		}
		return codes
	}
	checkStored()
	if got := find("गुडम्बा"); !cmp.Equal(got, []string{"XLKO-1-1"}) {
		t.Errorf("गुडम्बा found %v", got)
	}
	if got := find("chinhat"); !cmp.Equal(got, []string{"XLKO-1-2"}) {
		t.Errorf("chinhat found %v", got)
	}
	// A rename from a file without name_hi: the Hindi name stays findable, the new name too.
	e.importUnits(t, services.System, services.AllOrNothing, csvFile("level,code,name,parent_code",
		"booth,XLKO-1-2,Balika Vidyalaya,XLKO-1", "booth,XLKO-1-3,Purva Madhyamik Vidyalaya Semra,XLKO-1"))
	checkStored()
	if got := find("चिनहट"); !cmp.Equal(got, []string{"XLKO-1-2"}) {
		t.Errorf("चिनहट after the rename found %v", got)
	}
	if got := find("बालिका"); !cmp.Equal(got, []string{"XLKO-1-2"}) {
		t.Errorf("बालिका found %v", got)
	}
	if got := find("सेमरा"); !cmp.Equal(got, []string{"XLKO-1-3"}) {
		t.Errorf("सेमरा found %v", got)
	}

	people := func(body string) {
		t.Helper()
		_, err := e.imports.People(ctx, services.System, strings.NewReader(body), services.AllOrNothing)
		noErr(t, err)
	}
	people(csvFile("name,name_hi,gender,category,voter_id,home_unit_code",
		"Ramesh Kumar,,male,OBC,ABC1234567,XLKO-1-1", "सुनीता यादव,,female,OBC,ABC1234568,XLKO-1-2",
		"Mohan Lal,मोहन लाल,male,SC,ABC1234569,XLKO-1-2"))
	checkStored()
	// An update without name_hi keeps मोहन लाल findable.
	people(csvFile("name,gender,category,voter_id,home_unit_code", "Mohan Lal Verma,male,SC,ABC1234569,XLKO-1-2"))
	checkStored()
	for q, want := range map[string]int{"रमेश": 1, "Sunita Yadav": 1, "मोहन वर्मा": 1, "मोहन लाल": 1, "Kumar": 1} {
		p, err := e.set.People.List(ctx, services.System, services.PersonFilter{Q: q})
		noErr(t, err)
		if len(p.Items) != want {
			t.Errorf("people q=%q: %d found, want %d", q, len(p.Items), want)
		}
	}
}
