package services_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// personIDs lists the ids of the people in views, in order.
func personIDs(vs []services.PersonView) []int64 {
	out := make([]int64, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Person.ID)
	}
	return out
}

func idsOf(ps ...models.Person) []int64 {
	out := make([]int64, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	slices.Sort(out)
	return out
}

// listed gives the ids of people in the order of the people list: by the path of the unit
// that looks after them, then id.
func listed(ps ...models.Person) []int64 {
	ps = slices.Clone(ps)
	slices.SortFunc(ps, func(a, b models.Person) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	out := make([]int64, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// loadPerson reads a person straight from the database, bypassing the service.
func (e *env) loadPerson(t *testing.T, id int64) models.Person {
	t.Helper()
	var p models.Person
	noErr(t, e.db.Where("id = ?", id).Take(&p).Error)
	return p
}

func (e *env) personExists(t *testing.T, id int64) bool {
	t.Helper()
	var n int64
	noErr(t, e.db.Model(&models.Person{}).Where("id = ?", id).Count(&n).Error)
	return n > 0
}

func (e *env) countPeople(t *testing.T) int64 {
	t.Helper()
	var n int64
	noErr(t, e.db.Model(&models.Person{}).Count(&n).Error)
	return n
}

// listAll walks every page of the people list for actor and filter and returns the ids in order.
func (e *env) listAll(t *testing.T, actor services.Actor, f services.PersonFilter) []int64 {
	t.Helper()
	var out []int64
	for page := 0; ; page++ {
		if page > 100 {
			t.Fatal("more than 100 pages")
		}
		p, err := e.set.People.List(context.Background(), actor, f)
		noErr(t, err)
		out = append(out, personIDs(p.Items)...)
		if p.NextCursor == "" {
			break
		}
		f.Page.Cursor = p.NextCursor
	}
	return out
}

// sensitive fills every sensitive field of a person.
func sensitive(in *services.PersonInput) {
	in.Phone, in.VoterID, in.Caste, in.Religion = "98765 43210", newVoterID(), "Kushwaha", "buddhist"
}

func TestPeopleCreateStoresWhatWasSent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	in := services.PersonInput{Name: "  Ram Prakash Kushwaha ", NameHi: "राम प्रकाश कुशवाहा", Gender: models.GenderMale, BirthYear: ptr(1980),
		Phone: "098765-43210", VoterID: "abc1234567", Category: models.CategoryOBC, Religion: "hindu", Caste: "Kushwaha",
		HomeUnitID: &tr.b1.ID, MembershipNo: "UP-123", PublicOffice: "local_body"}
	v, err := e.set.People.Create(context.Background(), dc, in)
	noErr(t, err)
	want := models.Person{ID: v.Person.ID, Name: "Ram Prakash Kushwaha", NameHi: "राम प्रकाश कुशवाहा", SearchText: "ram prakash kushwaha qqrm qqprks qqkusvh | राम प्रकाश कुशवाहा qqrm qqprks qqkusvh",
		Gender: models.GenderMale, BirthYear: ptr(1980), Phone: ptr("+919876543210"), VoterID: ptr("ABC1234567"), Category: models.CategoryOBC,
		Religion: ptr("hindu"), Caste: "Kushwaha", HomeUnitID: &tr.b1.ID, UnitID: tr.b1.ID, Path: tr.b1.Path, MembershipNo: "UP-123", PublicOffice: "local_body",
		Version: 1, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if d := cmp.Diff(want, v.Person); d != "" {
		t.Errorf("returned person (-want +got):\n%s", d)
	}
	stored := e.loadPerson(t, v.Person.ID)
	stored.CreatedAt, stored.UpdatedAt = stored.CreatedAt.UTC(), stored.UpdatedAt.UTC()
	if d := cmp.Diff(want, stored); d != "" {
		t.Errorf("stored person (-want +got):\n%s", d)
	}
	if !v.Sensitive || !v.Community {
		t.Errorf("a coordinator's view: sensitive %v, community %v; want both", v.Sensitive, v.Community)
	}

	// Without a home unit the person is looked after by the creator's scope unit.
	v, err = e.set.People.Create(context.Background(), dc, services.PersonInput{Name: "No Home", Gender: models.GenderOther, Category: models.CategoryGEN})
	noErr(t, err)
	if v.Person.UnitID != tr.d1.ID || v.Person.HomeUnitID != nil {
		t.Errorf("no home: unit %d home %v, want unit %d (the coordinator's district) and no home", v.Person.UnitID, v.Person.HomeUnitID, tr.d1.ID)
	}
	// An administrator without a scope must say where the person belongs.
	_, err = e.set.People.Create(context.Background(), services.System, services.PersonInput{Name: "Nowhere", Gender: models.GenderOther, Category: models.CategoryGEN})
	wantErr(t, err, services.EInvalid, "home_unit_id")
}

func TestPeopleCreateRefusesBadFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	cases := []struct {
		name  string
		edit  func(*services.PersonInput)
		field string
	}{
		{"no name", func(in *services.PersonInput) { in.Name = "  " }, "name"},
		{"name too long", func(in *services.PersonInput) { in.Name = strings.Repeat("न", 201) }, "name"},
		{"control character in name", func(in *services.PersonInput) { in.Name = "Ram\x00" }, "name"},
		{"name_hi too long", func(in *services.PersonInput) { in.NameHi = strings.Repeat("न", 201) }, "name_hi"},
		{"no gender", func(in *services.PersonInput) { in.Gender = "" }, "gender"},
		{"unknown gender", func(in *services.PersonInput) { in.Gender = "m" }, "gender"},
		{"gender spelt out", func(in *services.PersonInput) { in.Gender = "woman" }, "gender"},
		{"no category", func(in *services.PersonInput) { in.Category = "" }, "category"},
		{"unknown category", func(in *services.PersonInput) { in.Category = "EWS" }, "category"},
		{"category spelt out", func(in *services.PersonInput) { in.Category = "General" }, "category"},
		{"unknown religion", func(in *services.PersonInput) { in.Religion = "atheist" }, "religion"},
		{"religion as an adjective", func(in *services.PersonInput) { in.Religion = "hinduism" }, "religion"},
		{"caste too long", func(in *services.PersonInput) { in.Caste = strings.Repeat("j", 101) }, "caste"},
		{"unknown public office", func(in *services.PersonInput) { in.PublicOffice = "sarpanch-elect" }, "public_office"},
		{"membership number too long", func(in *services.PersonInput) { in.MembershipNo = strings.Repeat("1", 41) }, "membership_no"},
		{"home unit that does not exist", func(in *services.PersonInput) { in.HomeUnitID = ptr[int64](987654321) }, "home_unit_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := services.PersonInput{Name: uniq("Valid"), Gender: models.GenderMale, Category: models.CategorySC, HomeUnitID: &tr.b1.ID}
			c.edit(&in)
			_, err := e.set.People.Create(context.Background(), services.System, in)
			wantErr(t, err, services.EInvalid, c.field)
		})
	}
	// Every value of each list is accepted.
	for _, g := range []models.Gender{models.GenderMale, models.GenderFemale, models.GenderOther} {
		e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Gender = g })
	}
	for _, c := range models.Categories {
		e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Category = c })
	}
	for _, r := range models.Religions {
		e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Religion = r })
	}
	if n := e.countPeople(t); n != 3+4+8 {
		t.Errorf("%d people stored, want %d: a refused person was stored", n, 3+4+8)
	}
}

func TestPeoplePhoneNumbers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	good := []string{"98765 43210", "098765-43210", "+91 98765 43210", "919876543210", "9876543210", "+91-98765-43210", "(0) 98765 43210"}
	for _, s := range good {
		t.Run("accepts "+s, func(t *testing.T) {
			if got, ok := services.NormalisePhone(s); !ok || got != "+919876543210" {
				t.Errorf("NormalisePhone(%q) = %q, %v; want +919876543210", s, got, ok)
			}
			p := e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Phone = s })
			if stored := e.loadPerson(t, p.ID); stored.Phone == nil || *stored.Phone != "+919876543210" {
				t.Errorf("stored phone %v, want +919876543210", stored.Phone)
			}
		})
	}
	bad := map[string]string{
		"a Lucknow landline":                 "0522 2612345",
		"a landline without the zero":        "522 2612345",
		"a landline with the country code":   "+91 522 261 2345",
		"nine digits":                        "98765 4321",
		"five digits":                        "98765",
		"eleven digits":                      "98765 432101",
		"a letter for a digit":               "98765 4321O",
		"letters":                            "call me maybe",
		"a mobile number of another country": "+1 415 555 2671",
		"a mobile number starting with 5":    "58765 43210",
		"Devanagari digits":                  "९८७६५ ४३२१०",
	}
	for name, s := range bad {
		t.Run("refuses "+name, func(t *testing.T) {
			if got, ok := services.NormalisePhone(s); ok {
				t.Errorf("NormalisePhone(%q) = %q, accepted", s, got)
			}
			_, err := e.set.People.Create(context.Background(), services.System, services.PersonInput{Name: uniq("P"), Gender: models.GenderMale,
				Category: models.CategoryGEN, HomeUnitID: &tr.b1.ID, Phone: s})
			wantErr(t, err, services.EInvalid, "phone")
		})
	}
}

func TestPeopleVoterIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	for in, want := range map[string]string{"abc1234567": "ABC1234567", "XYZ7654321": "XYZ7654321", "uPa0000001": "UPA0000001"} {
		p := e.mustPerson(t, services.System, tr.b1, func(pi *services.PersonInput) { pi.VoterID = in })
		if p.VoterID == nil || *p.VoterID != want {
			t.Errorf("voter ID %q returned as %v, want %s", in, p.VoterID, want)
		}
		if stored := e.loadPerson(t, p.ID); stored.VoterID == nil || *stored.VoterID != want {
			t.Errorf("voter ID %q stored as %v, want %s", in, stored.VoterID, want)
		}
	}
	for _, s := range []string{"AB12345678", "ABCD123456", "ABC123456", "ABC12345678", "AB-1234567", "1234567ABC", "ÄBC1234567", "ABC123456X", "ABC 123 456"} {
		t.Run("refuses "+s, func(t *testing.T) {
			_, err := e.set.People.Create(context.Background(), services.System, services.PersonInput{Name: uniq("P"), Gender: models.GenderMale,
				Category: models.CategoryGEN, HomeUnitID: &tr.b1.ID, VoterID: s})
			wantErr(t, err, services.EInvalid, "voter_id")
		})
	}
}

// TestPeopleBirthYearFollowsTheClock: the age rule (18 to 120) reads the injected clock, which
// stands in 2024 while the machine's own clock does not.
func TestPeopleBirthYearFollowsTheClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	create := func(year int) error {
		_, err := e.set.People.Create(context.Background(), services.System, services.PersonInput{Name: uniq("P"), Gender: models.GenderFemale,
			Category: models.CategorySC, HomeUnitID: &tr.b1.ID, BirthYear: &year})
		return err
	}
	if y := e.clock.Now().Year(); y != 2024 {
		t.Fatalf("the test clock is in %d, want 2024", y)
	}
	for _, year := range []int{2006, 1904, 1980} {
		noErr(t, create(year))
	}
	for _, year := range []int{2007, 2008, 1903, 2024, 2030, 1850, 0, -5} {
		wantErr(t, create(year), services.EInvalid, "birth_year")
	}
	e.clock.Advance(366 * 24 * time.Hour) // into 2025
	noErr(t, create(2007))
	wantErr(t, create(1904), services.EInvalid, "birth_year")

	// An update is held to the same rule.
	p := e.mustPerson(t, services.System, tr.b1)
	_, err := e.set.People.Update(context.Background(), services.System, p.ID, func(in *services.PersonInput) error {
		in.BirthYear = ptr(2010)
		return nil
	})
	wantErr(t, err, services.EInvalid, "birth_year")
}

// TestPeopleDuplicateVoterID: a voter ID belongs to one person. The conflict names the holder's id
// only to a caller who may see the holder.
func TestPeopleDuplicateVoterID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dcA, dcB := scoped(models.RoleDistrictCoordinator, tr.d1), scoped(models.RoleDistrictCoordinator, tr.d2)
	state := scoped(models.RoleStateOffice, tr.state)
	voter := newVoterID()
	holder := e.mustPerson(t, dcA, tr.b1, func(in *services.PersonInput) { in.VoterID = voter })
	holderID := strconv.FormatInt(holder.ID, 10)
	try := func(actor services.Actor, home models.Unit, v string) error {
		_, err := e.set.People.Create(ctx, actor, services.PersonInput{Name: uniq("Twin"), Gender: models.GenderMale, Category: models.CategoryGEN,
			HomeUnitID: &home.ID, VoterID: v})
		return err
	}
	texts := func(err *services.Error) string {
		s := err.Message
		for _, f := range err.Fields {
			s += " | " + f.Message
		}
		return s
	}
	for name, c := range map[string]struct {
		actor services.Actor
		home  models.Unit
	}{"the coordinator of A": {dcA, tr.b2}, "the state office": {state, tr.b4}, "the administrator": {services.System, tr.b4}} {
		err := wantErr(t, try(c.actor, c.home, strings.ToLower(voter)), services.EConflict, "voter_id")
		if !strings.Contains(texts(err), "person "+holderID+" ") {
			t.Errorf("%s, who sees the holder, got %q; want it to name person %s", name, texts(err), holderID)
		}
	}
	err := wantErr(t, try(dcB, tr.b4, voter), services.EConflict, "voter_id")
	if strings.ContainsAny(texts(err), "0123456789") {
		t.Errorf("the coordinator of B, who may not see the holder, got %q: it must not name an id", texts(err))
	}

	// The same on update: B's own person may not take A's voter ID.
	mine := e.mustPerson(t, dcB, tr.b4)
	_, uerr := e.set.People.Update(ctx, dcB, mine.ID, func(in *services.PersonInput) error { in.VoterID = voter; return nil })
	err = wantErr(t, uerr, services.EConflict, "voter_id")
	if strings.ContainsAny(texts(err), "0123456789") {
		t.Errorf("update by the coordinator of B got %q: it must not name an id", texts(err))
	}
	// The holder keeps their own voter ID through an update.
	_, uerr = e.set.People.Update(ctx, dcA, holder.ID, func(in *services.PersonInput) error { in.VoterID = voter; in.Caste = "Maurya"; return nil })
	noErr(t, uerr)
	// Once the holder is gone, the voter ID is free.
	noErr(t, e.set.People.Delete(ctx, dcA, holder.ID))
	noErr(t, try(dcB, tr.b4, voter))
}

// TestPeopleErrorsComeTogether: a request with a wrong age, a wrong phone, a taken voter ID and
// a home unit out of reach hears of all four at once (422), each with its code; a taken voter ID
// alone stays a conflict (409). The same on update. Nothing is written.
func TestPeopleErrorsComeTogether(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dcA := scoped(models.RoleDistrictCoordinator, tr.d1)
	voter := newVoterID()
	e.mustPerson(t, dcA, tr.b1, func(in *services.PersonInput) { in.VoterID = voter })
	year := time.Now().Year() - 5
	bad := services.PersonInput{Name: uniq("Bal"), Gender: models.GenderMale, Category: models.CategoryGEN, BirthYear: &year,
		Phone: "12345", VoterID: voter, HomeUnitID: &tr.b4.ID}
	_, err := e.set.People.Create(ctx, dcA, bad)
	got := wantErr(t, err, services.EInvalid, "birth_year", "home_unit_id", "phone", "voter_id")
	codes := map[string]string{}
	for _, f := range got.Fields {
		codes[f.Field] = f.Code
	}
	want := map[string]string{"birth_year": "age_out_of_range", "home_unit_id": "unit_not_in_scope", "phone": "phone_invalid", "voter_id": "voter_id_taken"}
	if d := cmp.Diff(want, codes); d != "" {
		t.Errorf("codes (-want +got):\n%s", d)
	}
	var n int64
	noErr(t, e.db.Table("people").Where("name = ?", bad.Name).Count(&n).Error)
	if n != 0 {
		t.Fatalf("a refused person was written")
	}
	// A taken voter ID alone is still a conflict.
	alone := bad
	alone.BirthYear, alone.Phone, alone.HomeUnitID = nil, "", &tr.b2.ID
	_, err = e.set.People.Create(ctx, dcA, alone)
	wantErr(t, err, services.EConflict, "voter_id")

	mine := e.mustPerson(t, dcA, tr.b2)
	_, err = e.set.People.Update(ctx, dcA, mine.ID, func(in *services.PersonInput) error {
		in.BirthYear, in.Phone, in.VoterID = &year, "12345", voter
		return nil
	})
	wantErr(t, err, services.EInvalid, "birth_year", "phone", "voter_id")
}

// TestPeopleSeatsOutsideScopeAreCountedNotNamed: a person of district B who also sits on a
// committee in district A is read by B's coordinator with the B seat named and the A seat only
// counted; the state office sees both.
func TestPeopleSeatsOutsideScopeAreCountedNotNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dcB := scoped(models.RoleDistrictCoordinator, tr.d2)
	p := e.mustPerson(t, services.System, tr.b4)
	e.mustSeat(t, services.System, tr.b4, p, models.PositionMember)
	e.mustSeat(t, services.System, tr.b1, p, models.PositionMember) // district A
	v, err := e.set.People.Get(ctx, dcB, p.ID)
	noErr(t, err)
	if len(v.Seats) != 1 || v.Seats[0].Unit.ID != tr.b4.ID || v.SeatsElsewhere != 1 {
		t.Fatalf("B's coordinator reads seats %+v and %d elsewhere; want the B seat and 1 elsewhere", v.Seats, v.SeatsElsewhere)
	}
	page, err := e.set.People.List(ctx, dcB, services.PersonFilter{Under: &tr.b4.ID})
	noErr(t, err)
	for _, it := range page.Items {
		for _, st := range it.Seats {
			if st.Unit.ID == tr.b1.ID {
				t.Fatalf("the list names a seat outside the reader's scope: %+v", st)
			}
		}
	}
	state := scoped(models.RoleStateOffice, tr.state)
	v, err = e.set.People.Get(ctx, state, p.ID)
	noErr(t, err)
	if len(v.Seats) != 2 || v.SeatsElsewhere != 0 {
		t.Fatalf("the state office reads seats %+v and %d elsewhere; want both and none", v.Seats, v.SeatsElsewhere)
	}
}

func TestPeopleDevanagariRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	// A decomposed nukta (ड + ◌़) and a zero-width joiner: any normalisation changes the bytes.
	const hi = "श्रीमती सुनीता बड\u093cा क्\u200dष"
	p := e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Name = hi; in.NameHi = hi; in.Caste = "कुर्मी" })
	got, err := e.set.People.Get(context.Background(), services.System, p.ID)
	noErr(t, err)
	if got.Person.Name != hi || got.Person.NameHi != hi || got.Person.Caste != "कुर्मी" {
		t.Errorf("read back name %q name_hi %q caste %q, want %q and कुर्मी byte for byte", got.Person.Name, got.Person.NameHi, got.Person.Caste, hi)
	}
	var raw struct{ Name, NameHi string }
	noErr(t, e.db.Raw("SELECT name, name_hi FROM people WHERE id = ?", p.ID).Scan(&raw).Error)
	if raw.Name != hi || raw.NameHi != hi {
		t.Errorf("stored %q / %q, want %q", raw.Name, raw.NameHi, hi)
	}
}

func TestPeopleListSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	named := func(name, hi string) models.Person {
		return e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Name, in.NameHi = name, hi })
	}
	ram := named("Ram Kumar", "राम कुमार")
	raman := named("Sita RAMAN", "सीता रमन")
	gita := named("Gita Devi", "गीता देवी")
	percent := named("Ten_Percent 10%", "")
	_ = named("Mohammad Irfan", "मोहम्मद इरफ़ान")
	for q, want := range map[string][]int64{
		"ram":        idsOf(ram, raman),
		"RAM":        idsOf(ram, raman),
		"Sita r":     idsOf(raman),
		"राम":        idsOf(ram, raman), // as "ram" does: राम and रमन share the key of Ram
		"sita raman": idsOf(raman),
		"raman sita": idsOf(raman), // every word, in any order
		"देवी":       idsOf(gita),
		"गीता दे":    idsOf(gita),
		"%":          idsOf(percent),
		"_":          idsOf(percent),
		"nobody":     nil,
	} {
		got := e.listAll(t, services.System, services.PersonFilter{Q: q})
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("q=%q (-want +got):\n%s", q, d)
		}
	}
	_, err := e.set.People.List(context.Background(), services.System, services.PersonFilter{Q: strings.Repeat("q", 101)})
	wantErr(t, err, services.EInvalid, "q")
}

func TestPeopleListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	mk := func(home models.Unit, c models.Category, g models.Gender) models.Person {
		return e.mustPerson(t, services.System, home, func(in *services.PersonInput) { in.Category, in.Gender = c, g })
	}
	p1 := mk(tr.b1, models.CategorySC, models.GenderFemale)
	p2 := mk(tr.b2, models.CategoryOBC, models.GenderMale)
	p3 := mk(tr.b4, models.CategorySC, models.GenderMale)
	p4 := mk(tr.d1, models.CategoryGEN, models.GenderOther)
	p5 := mk(tr.b3, models.CategoryST, models.GenderFemale)
	dcA := scoped(models.RoleDistrictCoordinator, tr.d1)
	cases := []struct {
		name  string
		actor services.Actor
		f     services.PersonFilter
		want  []int64
	}{
		{"everyone", services.System, services.PersonFilter{}, listed(p1, p2, p3, p4, p5)},
		{"under a sector", services.System, services.PersonFilter{Under: &tr.s1.ID}, listed(p1, p2)},
		{"under a district", services.System, services.PersonFilter{Under: &tr.d1.ID}, listed(p1, p2, p4, p5)},
		{"under a booth", services.System, services.PersonFilter{Under: &tr.b4.ID}, listed(p3)},
		{"under a Lok Sabha seat: its assemblies", services.System, services.PersonFilter{Under: &tr.pc.ID}, listed(p1, p2, p3, p5)},
		{"category", services.System, services.PersonFilter{Category: models.CategorySC}, listed(p1, p3)},
		{"gender", services.System, services.PersonFilter{Gender: models.GenderMale}, listed(p2, p3)},
		{"home unit", services.System, services.PersonFilter{HomeUnitID: &tr.b1.ID}, listed(p1)},
		{"home unit, a district", services.System, services.PersonFilter{HomeUnitID: &tr.d1.ID}, listed(p4)},
		{"under and category", services.System, services.PersonFilter{Under: &tr.d1.ID, Category: models.CategorySC}, listed(p1)},
		{"category and gender", services.System, services.PersonFilter{Category: models.CategorySC, Gender: models.GenderFemale}, listed(p1)},
		{"the coordinator of A, unfiltered", dcA, services.PersonFilter{}, listed(p1, p2, p4, p5)},
		{"the coordinator of A, category", dcA, services.PersonFilter{Category: models.CategorySC}, listed(p1)},
		{"the coordinator of A, under an assembly", dcA, services.PersonFilter{Under: &tr.a1.ID}, listed(p1, p2, p5)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, e.listAll(t, c.actor, c.f)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	for name, c := range map[string]struct {
		f     services.PersonFilter
		code  services.Code
		field []string
	}{
		"unknown category":             {services.PersonFilter{Category: "EWS"}, services.EInvalid, []string{"category"}},
		"unknown gender":               {services.PersonFilter{Gender: "x"}, services.EInvalid, []string{"gender"}},
		"under outside the scope":      {services.PersonFilter{Under: &tr.d2.ID}, services.ENotFound, nil},
		"under the Lok Sabha seat":     {services.PersonFilter{Under: &tr.pc.ID}, services.ENotFound, nil},
		"home unit outside the scope":  {services.PersonFilter{HomeUnitID: &tr.b4.ID}, services.ENotFound, nil},
		"under a unit that is missing": {services.PersonFilter{Under: ptr[int64](987654321)}, services.ENotFound, nil},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.set.People.List(context.Background(), dcA, c.f)
			wantErr(t, err, c.code, c.field...)
		})
	}
}

func TestPeopleListPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	// Seven people on three booths, entered out of tree order: pages run in (path, id) order
	// across booths, and a cursor carries the place in both.
	var ps []models.Person
	for i := range 7 {
		ps = append(ps, e.mustPerson(t, services.System, []models.Unit{tr.b2, tr.b1, tr.b4}[i%3]))
	}
	want := listed(ps...)
	ctx := context.Background()
	var got []int64
	var sizes []int
	pr := services.PageRequest{Limit: 3}
	for {
		p, err := e.set.People.List(ctx, services.System, services.PersonFilter{Page: pr})
		noErr(t, err)
		got = append(got, personIDs(p.Items)...)
		sizes = append(sizes, len(p.Items))
		if p.NextCursor == "" {
			break
		}
		pr.Cursor = p.NextCursor
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("pages of 3 (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{3, 3, 1}, sizes); d != "" {
		t.Errorf("page sizes (-want +got):\n%s", d)
	}
	for name, pr := range map[string]services.PageRequest{"limit too big": {Limit: 501}, "negative limit": {Limit: -1}, "foreign cursor": {Cursor: "not-ours!"},
		"an id cursor":             {Cursor: base64.RawURLEncoding.EncodeToString([]byte("12"))},
		"a cursor with a bad path": {Cursor: base64.RawURLEncoding.EncodeToString([]byte("/1/x/|12"))}} {
		_, err := e.set.People.List(ctx, services.System, services.PersonFilter{Page: pr})
		if services.ErrorCode(err) != services.EInvalid {
			t.Errorf("%s: error %v, want invalid", name, err)
		}
	}
}

// TestPeopleScope: every role reads only inside its scope, a booth worker only their booth; only
// managers write.
func TestPeopleScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	inB1 := e.mustPerson(t, services.System, tr.b1)
	inB2 := e.mustPerson(t, services.System, tr.b2)
	inD1 := e.mustPerson(t, services.System, tr.d1)
	inB4 := e.mustPerson(t, services.System, tr.b4)
	actors := map[string]services.Actor{
		"admin":  services.System,
		"state":  scoped(models.RoleStateOffice, tr.state),
		"dcA":    scoped(models.RoleDistrictCoordinator, tr.d1),
		"dcB":    scoped(models.RoleDistrictCoordinator, tr.d2),
		"worker": scoped(models.RoleBoothWorker, tr.b1),
		"viewer": scoped(models.RoleViewer, tr.d1),
	}
	sees := map[string][]int64{
		"admin":  listed(inB1, inB2, inD1, inB4),
		"state":  listed(inB1, inB2, inD1, inB4),
		"dcA":    listed(inB1, inB2, inD1),
		"dcB":    listed(inB4),
		"worker": listed(inB1),
	}
	for name, actor := range actors {
		t.Run(name, func(t *testing.T) {
			if name == "viewer" { // viewers read committee rosters, never the register
				_, err := e.set.People.List(ctx, actor, services.PersonFilter{})
				wantErr(t, err, services.EForbidden)
				_, err = e.set.People.Get(ctx, actor, inB1.ID)
				wantErr(t, err, services.EForbidden)
				return
			}
			if d := cmp.Diff(sees[name], e.listAll(t, actor, services.PersonFilter{})); d != "" {
				t.Errorf("list (-want +got):\n%s", d)
			}
			for _, p := range []models.Person{inB1, inB2, inD1, inB4} {
				_, err := e.set.People.Get(ctx, actor, p.ID)
				if slices.Contains(sees[name], p.ID) {
					noErr(t, err)
				} else {
					wantErr(t, err, services.ENotFound)
				}
			}
		})
	}
	// Reads of a missing person answer as reads outside the scope.
	_, err := e.set.People.Get(ctx, actors["dcA"], 987654321)
	wantErr(t, err, services.ENotFound)

	// Writes: booth workers and viewers may not, even inside their scope; coordinators only in theirs.
	for _, name := range []string{"worker", "viewer"} {
		_, err := e.set.People.Create(ctx, actors[name], services.PersonInput{Name: "X", Gender: models.GenderMale, Category: models.CategoryGEN, HomeUnitID: &tr.b1.ID})
		wantErr(t, err, services.EForbidden)
		_, err = e.set.People.Update(ctx, actors[name], inB1.ID, func(in *services.PersonInput) error { in.Name = "Changed"; return nil })
		wantErr(t, err, services.EForbidden)
		wantErr(t, e.set.People.Delete(ctx, actors[name], inB1.ID), services.EForbidden)
	}
	_, err = e.set.People.Create(ctx, actors["dcA"], services.PersonInput{Name: "X", Gender: models.GenderMale, Category: models.CategoryGEN, HomeUnitID: &tr.b4.ID})
	wantErr(t, err, services.EInvalid, "home_unit_id")
	_, err = e.set.People.Update(ctx, actors["dcA"], inB4.ID, func(in *services.PersonInput) error { in.Name = "Changed"; return nil })
	wantErr(t, err, services.ENotFound)
	wantErr(t, e.set.People.Delete(ctx, actors["dcA"], inB4.ID), services.ENotFound)
	// Nor may a coordinator move their person out of the district.
	_, err = e.set.People.Update(ctx, actors["dcA"], inB1.ID, func(in *services.PersonInput) error { in.HomeUnitID = &tr.b4.ID; return nil })
	wantErr(t, err, services.EInvalid, "home_unit_id")
	if got := e.loadPerson(t, inB4.ID); got.Name != inB4.Name {
		t.Errorf("B's person renamed to %q by A's coordinator", got.Name)
	}
	if got := e.loadPerson(t, inB1.ID); got.Name != inB1.Name || got.UnitID != tr.b1.ID {
		t.Errorf("A's person changed by refused writes: %q at unit %d", got.Name, got.UnitID)
	}
}

// TestPeopleViewsByRole: viewers see no phone, voter ID, caste or religion; booth workers no caste
// or religion; managers everything.
func TestPeopleViewsByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p := e.mustPerson(t, services.System, tr.b1, sensitive)
	full := e.loadPerson(t, p.ID)
	full.CreatedAt, full.UpdatedAt = full.CreatedAt.UTC(), full.UpdatedAt.UTC()
	noCommunity := full
	noCommunity.Caste, noCommunity.Religion = "", nil
	nothing := noCommunity // a viewer's roster: names and positions
	nothing.Phone, nothing.VoterID, nothing.BirthYear, nothing.Category = nil, nil, nil, ""
	cases := []struct {
		role                 string
		actor                services.Actor
		want                 models.Person
		sensitive, community bool
	}{
		{"admin", services.System, full, true, true},
		{"state office", scoped(models.RoleStateOffice, tr.state), full, true, true},
		{"coordinator", scoped(models.RoleDistrictCoordinator, tr.d1), full, true, true},
		{"booth worker", scoped(models.RoleBoothWorker, tr.b1), noCommunity, true, false},
		{"viewer", scoped(models.RoleViewer, tr.d1), nothing, false, false},
		{"viewer of the booth", scoped(models.RoleViewer, tr.b1), nothing, false, false},
	}
	seat := e.mustSeat(t, services.System, tr.b1, p, models.PositionPresident)
	for _, c := range cases {
		t.Run(c.role, func(t *testing.T) {
			check := func(where string, v services.PersonView) {
				t.Helper()
				v.Person.CreatedAt, v.Person.UpdatedAt = v.Person.CreatedAt.UTC(), v.Person.UpdatedAt.UTC()
				if d := cmp.Diff(c.want, v.Person); d != "" {
					t.Errorf("%s (-want +got):\n%s", where, d)
				}
				if v.Sensitive != c.sensitive || v.Community != c.community {
					t.Errorf("%s: sensitive %v community %v, want %v %v", where, v.Sensitive, v.Community, c.sensitive, c.community)
				}
			}
			if c.actor.Role == models.RoleViewer {
				_, err := e.set.People.Get(ctx, c.actor, p.ID)
				wantErr(t, err, services.EForbidden)
				_, err = e.set.People.List(ctx, c.actor, services.PersonFilter{})
				wantErr(t, err, services.EForbidden)
			} else {
				v, err := e.set.People.Get(ctx, c.actor, p.ID)
				noErr(t, err)
				check("get", v)
				l, err := e.set.People.List(ctx, c.actor, services.PersonFilter{})
				noErr(t, err)
				if len(l.Items) != 1 {
					t.Fatalf("list: %d people, want 1", len(l.Items))
				}
				check("list", l.Items[0])
			}
			cv, err := e.set.Committees.Get(ctx, c.actor, tr.b1.ID)
			noErr(t, err)
			if len(cv.Seats) != 1 || cv.Seats[0].Seat.ID != seat.ID {
				t.Fatalf("committee: seats %+v, want the one", cv.Seats)
			}
			check("committee", cv.Seats[0].Person)
			// Composition is counted from the stored person, whoever asks.
			if cv.Composition.Minority != 1 {
				t.Errorf("committee composition counts %d minority, want 1 (buddhist)", cv.Composition.Minority)
			}
			h, err := e.set.Committees.History(ctx, c.actor, tr.b1.ID, services.PageRequest{})
			noErr(t, err)
			if len(h.Items) != 1 {
				t.Fatalf("history: %d seats, want 1", len(h.Items))
			}
			check("history", h.Items[0].Person)
		})
	}
}

func TestPeopleUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dcA := scoped(models.RoleDistrictCoordinator, tr.d1)
	p := e.mustPerson(t, dcA, tr.b1, sensitive)
	created := e.clock.Now()
	e.clock.Advance(time.Hour)

	v, err := e.set.People.Update(ctx, dcA, p.ID, func(in *services.PersonInput) error {
		in.Phone, in.Caste, in.NameHi = "+91 70000 00001", "Pasi", "नया नाम"
		return nil
	})
	noErr(t, err)
	stored := e.loadPerson(t, p.ID)
	if stored.Phone == nil || *stored.Phone != "+917000000001" || stored.Caste != "Pasi" || stored.NameHi != "नया नाम" {
		t.Errorf("stored phone %v caste %q name_hi %q after the update", stored.Phone, stored.Caste, stored.NameHi)
	}
	if stored.VoterID == nil || *stored.VoterID != *p.VoterID || stored.Religion == nil || *stored.Religion != "buddhist" || stored.Name != p.Name {
		t.Errorf("fields the update did not name changed: %+v", stored)
	}
	if !stored.CreatedAt.Equal(created) || !stored.UpdatedAt.Equal(e.clock.Now()) || !v.Person.UpdatedAt.Equal(e.clock.Now()) {
		t.Errorf("created %v updated %v (returned %v); want %v and %v", stored.CreatedAt, stored.UpdatedAt, v.Person.UpdatedAt, created, e.clock.Now())
	}
	if !strings.Contains(stored.SearchText, "नया नाम") {
		t.Errorf("search text %q not rebuilt from the new name_hi", stored.SearchText)
	}

	// Clearing the optional fields.
	_, err = e.set.People.Update(ctx, dcA, p.ID, func(in *services.PersonInput) error {
		in.Phone, in.VoterID, in.Religion, in.BirthYear = "", "", "", nil
		return nil
	})
	noErr(t, err)
	if s := e.loadPerson(t, p.ID); s.Phone != nil || s.VoterID != nil || s.Religion != nil || s.BirthYear != nil {
		t.Errorf("cleared fields stored as phone %v voter %v religion %v birth year %v", s.Phone, s.VoterID, s.Religion, s.BirthYear)
	}

	// A refused update writes nothing.
	before := e.loadPerson(t, p.ID)
	_, err = e.set.People.Update(ctx, dcA, p.ID, func(in *services.PersonInput) error { in.Name, in.Phone = "Renamed", "12345"; return nil })
	wantErr(t, err, services.EInvalid, "phone")
	if d := cmp.Diff(before, e.loadPerson(t, p.ID)); d != "" {
		t.Errorf("a refused update changed the person (-before +after):\n%s", d)
	}

	// A new home moves who looks after the person.
	_, err = e.set.People.Update(ctx, scoped(models.RoleStateOffice, tr.state), p.ID, func(in *services.PersonInput) error { in.HomeUnitID = &tr.b4.ID; return nil })
	noErr(t, err)
	if s := e.loadPerson(t, p.ID); s.UnitID != tr.b4.ID || s.HomeUnitID == nil || *s.HomeUnitID != tr.b4.ID {
		t.Errorf("after the move: unit %d home %v, want %d", s.UnitID, s.HomeUnitID, tr.b4.ID)
	}
	_, err = e.set.People.Get(ctx, dcA, p.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.People.Get(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), p.ID)
	noErr(t, err)

	_, err = e.set.People.Update(ctx, services.System, 987654321, func(in *services.PersonInput) error { return nil })
	wantErr(t, err, services.ENotFound)
}

func TestPeopleDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)

	free := e.mustPerson(t, dc, tr.b1)
	noErr(t, e.set.People.Delete(ctx, dc, free.ID))
	if e.personExists(t, free.ID) {
		t.Error("the deleted person is still stored")
	}
	_, err := e.set.People.Get(ctx, dc, free.ID)
	wantErr(t, err, services.ENotFound)
	wantErr(t, e.set.People.Delete(ctx, dc, free.ID), services.ENotFound)

	seated := e.mustPerson(t, dc, tr.b1)
	st := e.mustSeat(t, dc, tr.b1, seated, models.PositionSecretary)
	wantErr(t, e.set.People.Delete(ctx, dc, seated.ID), services.EConflict)
	if !e.personExists(t, seated.ID) {
		t.Fatal("a person holding a seat was deleted")
	}
	// An ended term stays in the history, which still names the person.
	noErr(t, e.set.Committees.EndSeat(ctx, dc, tr.b1.ID, st.ID))
	wantErr(t, e.set.People.Delete(ctx, dc, seated.ID), services.EConflict)

	// An account that refers to the person keeps them too.
	linked := e.mustPerson(t, dc, tr.b1)
	_, err = e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("linked")), Password: testPassword,
		Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID, PersonID: &linked.ID})
	noErr(t, err)
	wantErr(t, e.set.People.Delete(ctx, dc, linked.ID), services.EConflict)
	if !e.personExists(t, linked.ID) {
		t.Error("a person an account refers to was deleted")
	}
}

// TestPeopleAudit: creating, changing and deleting a person each leave an audit row that says
// whether the sensitive fields are set, never what they hold.
func TestPeopleAudit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	actor := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	mark := e.auditMark(t)
	p := e.mustPerson(t, actor, tr.b1, func(in *services.PersonInput) {
		in.Phone, in.VoterID, in.Caste, in.Religion = "98765 43210", "QWE1234567", "Kushwaha", "buddhist"
	})
	_, err := e.set.People.Update(ctx, actor, p.ID, func(in *services.PersonInput) error {
		in.Phone, in.VoterID, in.Caste, in.Religion = "70000 00001", "RTY7654321", "Maurya", "sikh"
		return nil
	})
	noErr(t, err)
	noErr(t, e.set.People.Delete(ctx, actor, p.ID))

	rows := e.auditSince(t, mark)
	type got struct{ Action, Entity, EntityID, Actor string }
	var gotRows []got
	for _, r := range rows {
		gotRows = append(gotRows, got{r.Action, r.Entity, r.EntityID, r.ActorUsername})
	}
	id := strconv.FormatInt(p.ID, 10)
	want := []got{{"create", "person", id, actor.Username}, {"update", "person", id, actor.Username}, {"delete", "person", id, actor.Username}}
	if d := cmp.Diff(want, gotRows); d != "" {
		t.Fatalf("audit rows (-want +got):\n%s", d)
	}
	secrets := []string{"9876543210", "7000000001", "QWE1234567", "RTY7654321", "Kushwaha", "Maurya", "buddhist", "sikh"}
	flags := map[string]bool{"has_phone": true, "has_voter_id": true, "has_caste": true, "has_religion": true}
	for _, r := range rows {
		if r.UnitID == nil || *r.UnitID != tr.b1.ID {
			t.Errorf("%s row placed at unit %v, want the person's booth %d", r.Action, r.UnitID, tr.b1.ID)
		}
		for _, side := range []*string{r.Before, r.After} {
			if side == nil {
				continue
			}
			for _, s := range secrets {
				if strings.Contains(strings.ToLower(*side), strings.ToLower(s)) {
					t.Errorf("%s row holds %q: %s", r.Action, s, *side)
				}
			}
			var m map[string]any
			noErr(t, json.Unmarshal([]byte(*side), &m))
			for _, k := range []string{"phone", "voter_id", "caste", "religion"} {
				if _, ok := m[k]; ok {
					t.Errorf("%s row has a %q key: %s", r.Action, k, *side)
				}
			}
			for k, v := range flags {
				if m[k] != v {
					t.Errorf("%s row: %s = %v, want %v", r.Action, k, m[k], v)
				}
			}
		}
	}
	if rows[0].After == nil || rows[1].Before == nil || rows[1].After == nil || rows[2].Before == nil {
		t.Errorf("create needs after, update before and after, delete before: %+v", rows)
	}
}
