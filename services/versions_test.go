package services_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// together runs a and b at the same moment and returns their errors.
func together(a, b func() error) (ea, eb error) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); <-start; ea = a() }()
	go func() { defer wg.Done(); <-start; eb = b() }()
	close(start)
	wg.Wait()
	return ea, eb
}

func loadPersonRow(t *testing.T, e *env, id int64) models.Person {
	t.Helper()
	var p models.Person
	noErr(t, e.db.Where("id = ?", id).Take(&p).Error)
	return p
}

func loadUserRow(t *testing.T, e *env, id int64) models.User {
	t.Helper()
	var u models.User
	noErr(t, e.db.Where("id = ?", id).Take(&u).Error)
	return u
}

// Concurrent changes of different fields of one unit, one person and one account all stay, and
// each write raises the version by one.
func TestConcurrentChangesOfDifferentFieldsAllStay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	const pairs = 20
	lost := map[string]int{}
	for i := range pairs {
		b := e.newChild(t, models.LevelBooth, tr.a2)
		name := fmt.Sprintf("Booth %d", i)
		ea, eb := together(
			func() error {
				_, err := e.units.Update(ctx, services.System, b.ID, services.UnitPatch{Name: &name})
				return err
			},
			func() error {
				_, err := e.units.Update(ctx, services.System, b.ID, services.UnitPatch{Electors: services.Nullable[int]{Set: true, Value: ptr(900 + i)}})
				return err
			})
		noErr(t, ea)
		noErr(t, eb)
		if got := loadUnit(t, e.db, b.ID); got.Name != name || got.Electors == nil || *got.Electors != 900+i || got.Version != 3 {
			lost["unit"]++
		}

		p := e.mustPerson(t, services.System, tr.b4)
		ea, eb = together(
			func() error {
				_, err := e.set.People.Update(ctx, services.System, p.ID, func(in *services.PersonInput) error { in.Caste = "Kurmi"; return nil })
				return err
			},
			func() error {
				_, err := e.set.People.Update(ctx, services.System, p.ID, func(in *services.PersonInput) error { in.BirthYear = ptr(1970); return nil })
				return err
			})
		noErr(t, ea)
		noErr(t, eb)
		if got := loadPersonRow(t, e, p.ID); got.Caste != "Kurmi" || got.BirthYear == nil || *got.BirthYear != 1970 || got.Version != 3 {
			lost["person"]++
		}

		v, err := e.users.Create(ctx, services.System, services.UserInput{Username: uniq("racer"), Password: testPassword,
			Role: models.RoleBoothWorker, ScopeUnitID: &tr.b4.ID})
		noErr(t, err)
		ea, eb = together(
			func() error { return e.users.Deactivate(ctx, services.System, v.User.ID) },
			func() error {
				_, err := e.users.Update(ctx, services.System, v.User.ID, services.UserPatch{Role: ptr(models.RoleViewer)})
				return err
			})
		noErr(t, ea)
		noErr(t, eb)
		if got := loadUserRow(t, e, v.User.ID); got.Active || got.Role != models.RoleViewer || got.Version != 3 {
			lost["user"]++
		}
	}
	for kind, n := range lost {
		t.Errorf("%s: %d of %d pairs lost a change or a version", kind, n, pairs)
	}
}

// The user's own password change and an administrator's deactivation, at the same moment: the
// account always ends inactive (and so cannot log in, see the API test).
func TestDeactivationWinsOverOwnPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	for i := range 10 {
		v, err := e.users.Create(ctx, services.System, services.UserInput{Username: uniq("racer"), Password: testPassword,
			Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID})
		noErr(t, err)
		self := services.Actor{UserID: v.User.ID, Username: v.User.Username, Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID, ScopePath: tr.b1.Path}
		fresh := fmt.Sprintf("my new password %d", i)
		deact, change := together(
			func() error { return e.users.Deactivate(ctx, services.System, v.User.ID) },
			func() error {
				_, err := e.users.Update(ctx, self, v.User.ID, services.UserPatch{Password: &fresh, CurrentPassword: testPassword})
				return err
			})
		noErr(t, deact)
		if change != nil {
			wantErr(t, change, services.EUnauthenticated) // deactivated first: the change is refused
		}
		if loadUserRow(t, e, v.User.ID).Active {
			t.Errorf("try %d: the account is active after its deactivation", i)
		}
	}
}

// A stale expected version refuses every kind of write and changes nothing; the current one,
// or none, lets it through.
func TestStaleVersionIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	mark := e.auditMark(t)

	b := e.newChild(t, models.LevelBooth, tr.a2)
	if b.Version != 1 {
		t.Fatalf("a new unit has version %d, want 1", b.Version)
	}
	u, err := e.units.Update(ctx, services.System, b.ID, services.UnitPatch{Name: ptr("Renamed"), IfMatch: ptr(int64(1))})
	noErr(t, err)
	if u.Version != 2 || loadUnit(t, e.db, b.ID).Version != 2 {
		t.Fatalf("version after a change: returned %d, stored %d; want 2", u.Version, loadUnit(t, e.db, b.ID).Version)
	}
	mark = e.auditMark(t)
	before := snapshot(t, e.db)
	_, err = e.units.Update(ctx, services.System, b.ID, services.UnitPatch{Name: ptr("Stale"), IfMatch: ptr(int64(1))})
	pe := wantErr(t, err, services.EPrecondition, "version")
	if !strings.Contains(pe.Message, "current version is 2") {
		t.Errorf("message %q does not name the current version 2", pe.Message)
	}
	wantErr(t, e.units.DeleteIfMatch(ctx, services.System, b.ID, ptr(int64(1))), services.EPrecondition, "version")
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("refused writes changed units:\n%s", d)
	}
	noErr(t, e.units.DeleteIfMatch(ctx, services.System, b.ID, ptr(int64(2))))

	p := e.mustPerson(t, services.System, tr.b4)
	if p.Version != 1 {
		t.Fatalf("a new person has version %d, want 1", p.Version)
	}
	edit := func(in *services.PersonInput) error { in.Caste = "Yadav"; return nil }
	_, err = e.set.People.UpdateIfMatch(ctx, services.System, p.ID, ptr(int64(7)), edit)
	wantErr(t, err, services.EPrecondition, "version")
	wantErr(t, e.set.People.DeleteIfMatch(ctx, services.System, p.ID, ptr(int64(7))), services.EPrecondition, "version")
	if got := loadPersonRow(t, e, p.ID); got.Caste != "" || got.Version != 1 {
		t.Errorf("refused writes changed the person: caste %q, version %d", got.Caste, got.Version)
	}
	pv, err := e.set.People.UpdateIfMatch(ctx, services.System, p.ID, ptr(int64(1)), edit)
	noErr(t, err)
	if pv.Person.Version != 2 {
		t.Errorf("person version after a change = %d, want 2", pv.Person.Version)
	}
	noErr(t, e.set.People.DeleteIfMatch(ctx, services.System, p.ID, ptr(int64(2))))

	v, err := e.users.Create(ctx, services.System, services.UserInput{Username: uniq("versioned"), Password: testPassword,
		Role: models.RoleViewer, ScopeUnitID: &tr.d1.ID})
	noErr(t, err)
	if v.User.Version != 1 {
		t.Fatalf("a new account has version %d, want 1", v.User.Version)
	}
	_, err = e.users.Update(ctx, services.System, v.User.ID, services.UserPatch{Role: ptr(models.RoleBoothWorker), ScopeUnitID: &tr.b1.ID, IfMatch: ptr(int64(2))})
	wantErr(t, err, services.EPrecondition, "version")
	wantErr(t, e.users.DeactivateIfMatch(ctx, services.System, v.User.ID, ptr(int64(2))), services.EPrecondition, "version")
	if got := loadUserRow(t, e, v.User.ID); !got.Active || got.Role != models.RoleViewer || got.Version != 1 {
		t.Errorf("refused writes changed the account: active %v, role %s, version %d", got.Active, got.Role, got.Version)
	}
	noErr(t, e.users.DeactivateIfMatch(ctx, services.System, v.User.ID, ptr(int64(1))))
	if got := loadUserRow(t, e, v.User.ID); got.Active || got.Version != 2 {
		t.Errorf("after deactivation: active %v, version %d; want false, 2", got.Active, got.Version)
	}

	// Refused writes leave no audit row: only the accepted ones are there.
	var actions []string
	for _, a := range e.auditSince(t, mark) {
		actions = append(actions, a.Action+" "+a.Entity)
	}
	want := []string{"delete unit", "create person", "update person", "delete person", "create user", "deactivate user"}
	if strings.Join(actions, ", ") != strings.Join(want, ", ") {
		t.Errorf("audit rows %v, want %v", actions, want)
	}
}

// Imports raise the version of every stored unit and person they change; new ones start at 1.
func TestImportsRaiseVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()

	code := uniq("BO")
	file := csvFile("level,code,name,parent_code",
		"booth,"+code+",New booth,"+tr.a2.Code, "booth,"+tr.b4.Code+",Booth four renamed,"+tr.a2.Code)
	res, err := e.imports.Units(ctx, services.System, strings.NewReader(file), services.AllOrNothing)
	noErr(t, err)
	if res.Inserted != 1 || res.Updated != 1 {
		t.Fatalf("import units: %+v", res)
	}
	if got := unitByCode(t, e.db, code).Version; got != 1 {
		t.Errorf("imported new unit has version %d, want 1", got)
	}
	if got := loadUnit(t, e.db, tr.b4.ID).Version; got != tr.b4.Version+1 {
		t.Errorf("imported stored unit has version %d, want %d", got, tr.b4.Version+1)
	}
	// The same file again changes nothing, versions included.
	before := snapshot(t, e.db)
	_, err = e.imports.Units(ctx, services.System, strings.NewReader(file), services.AllOrNothing)
	noErr(t, err)
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("re-import of the same file changed units:\n%s", d)
	}
	// A move by file, and a new Lok Sabha seat by file, are changes too.
	_, err = e.imports.Units(ctx, services.System, strings.NewReader(csvFile("level,code,name,parent_code",
		"booth,"+code+",New booth,"+tr.s1.Code)), services.AllOrNothing)
	noErr(t, err)
	if got := unitByCode(t, e.db, code).Version; got != 2 {
		t.Errorf("unit moved by import has version %d, want 2", got)
	}
	_, err = e.imports.Units(ctx, services.System, strings.NewReader(csvFile("level,code,name,parent_code,parliamentary_code",
		"assembly,"+tr.a2.Code+","+tr.a2.Name+","+tr.d2.Code+",")), services.AllOrNothing)
	noErr(t, err)
	if got := loadUnit(t, e.db, tr.a2.ID); got.ParliamentaryID != nil || got.Version != tr.a2.Version+1 {
		t.Errorf("assembly unlinked by import: seat %v, version %d; want none and %d", got.ParliamentaryID, got.Version, tr.a2.Version+1)
	}

	voter := newVoterID()
	p := e.mustPerson(t, services.System, tr.b4, func(in *services.PersonInput) { in.VoterID = voter })
	hdr := "name,gender,category,voter_id,home_unit_code"
	_, err = e.imports.People(ctx, services.System, strings.NewReader(csvFile(hdr, "Renamed By File,male,GEN,"+voter+","+tr.b4.Code)), services.AllOrNothing)
	noErr(t, err)
	if got := loadPersonRow(t, e, p.ID); got.Name != "Renamed By File" || got.Version != 2 {
		t.Errorf("imported stored person: name %q, version %d; want the file's name and version 2", got.Name, got.Version)
	}
	_, err = e.imports.People(ctx, services.System, strings.NewReader(csvFile(hdr, "Renamed By File,male,GEN,"+voter+","+tr.b4.Code)), services.AllOrNothing)
	noErr(t, err)
	if got := loadPersonRow(t, e, p.ID); got.Version != 2 {
		t.Errorf("the same file again: version %d, want 2 still", got.Version)
	}
}

// A user's person must be visible to the actor that links it, on create and on update; on
// SQLite, without a foreign key, a missing person is refused just the same.
func TestUserPersonVisibleToActor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	mine := e.mustPerson(t, services.System, tr.b1)
	theirs := e.mustPerson(t, services.System, tr.b4)

	in := func(person int64) services.UserInput {
		return services.UserInput{Username: uniq("linked"), Password: testPassword, Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID, PersonID: &person}
	}
	_, err := e.users.Create(ctx, dc, in(theirs.ID))
	outside := wantErr(t, err, services.EInvalid, "person_id")
	_, err = e.users.Create(ctx, dc, in(987654321))
	missing := wantErr(t, err, services.EInvalid, "person_id")
	if outside.Fields[0].Message != missing.Fields[0].Message {
		t.Errorf("outside scope %q, missing %q: want the same words", outside.Fields[0].Message, missing.Fields[0].Message)
	}
	v, err := e.users.Create(ctx, dc, in(mine.ID))
	noErr(t, err)

	_, err = e.users.Update(ctx, dc, v.User.ID, services.UserPatch{PersonID: services.Nullable[int64]{Set: true, Value: &theirs.ID}})
	wantErr(t, err, services.EInvalid, "person_id")
	_, err = e.users.Update(ctx, dc, v.User.ID, services.UserPatch{PersonID: services.Nullable[int64]{Set: true, Value: ptr(int64(987654321))}})
	wantErr(t, err, services.EInvalid, "person_id")
	if got := loadUserRow(t, e, v.User.ID).PersonID; got == nil || *got != mine.ID {
		t.Errorf("refused updates changed person_id to %v", got)
	}
	u, err := e.users.Update(ctx, dc, v.User.ID, services.UserPatch{PersonID: services.Nullable[int64]{Set: true}})
	noErr(t, err)
	if u.User.PersonID != nil || loadUserRow(t, e, v.User.ID).PersonID != nil {
		t.Errorf("person_id not cleared")
	}
}

// Changing an assembly's Lok Sabha seat needs an actor who sees the old and the new seat.
func TestLokSabhaSeatChangeNeedsBothInScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	other := e.newChild(t, models.LevelParliamentary, tr.state)
	elsewhere := e.newRoot(t)
	far := e.newChild(t, models.LevelParliamentary, elsewhere)

	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	so := scoped(models.RoleStateOffice, tr.state)
	seat := func(id int64) services.UnitPatch {
		return services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true, Value: &id}}
	}
	before := snapshot(t, e.db)
	_, err := e.units.Update(ctx, dc, tr.a1.ID, seat(other.ID))
	wantErr(t, err, services.EForbidden, "parliamentary_id")
	_, err = e.units.Update(ctx, dc, tr.a1.ID, services.UnitPatch{ParliamentaryID: services.Nullable[int64]{Set: true}})
	wantErr(t, err, services.EForbidden, "parliamentary_id")
	_, err = e.units.Update(ctx, so, tr.a1.ID, seat(far.ID)) // the new seat lies in another state
	wantErr(t, err, services.EForbidden, "parliamentary_id")
	_, err = e.units.Update(ctx, so, tr.a1.ID, seat(987654321))
	wantErr(t, err, services.EInvalid, "parliamentary_id")
	if d := cmp.Diff(before, snapshot(t, e.db)); d != "" {
		t.Errorf("refused changes wrote units:\n%s", d)
	}
	// The same seat again is no change and needs nothing.
	_, err = e.units.Update(ctx, dc, tr.a1.ID, seat(tr.pc.ID))
	noErr(t, err)

	_, err = e.units.Update(ctx, so, tr.a1.ID, seat(other.ID))
	noErr(t, err)
	if got := e.coverageOf(t, other).Booths; got != 3 {
		t.Errorf("the new seat counts %d booths, want a1's 3", got)
	}
	if got := e.coverageOf(t, tr.pc).Booths; got != 1 {
		t.Errorf("the old seat counts %d booths, want a2's 1", got)
	}
	checkRollups(t, e.db)
}
