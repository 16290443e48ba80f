package services_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// auditRows lists every audit row the actor may read since mark, newest first.
func (e *env) auditRows(t *testing.T, a services.Actor, mark int64) []services.AuditView {
	t.Helper()
	var out []services.AuditView
	f := services.AuditFilter{Page: services.PageRequest{Limit: services.MaxLimit}}
	for {
		page, err := e.set.Audit.List(context.Background(), a, f)
		noErr(t, err)
		for _, r := range page.Items {
			if r.ID > mark {
				out = append(out, r)
			}
		}
		if page.NextCursor == "" {
			return out
		}
		f.Page.Cursor = page.NextCursor
	}
}

// auditRow finds the one row of action and entity about entityID in rows.
func auditRow(t *testing.T, rows []services.AuditView, action, entity string, entityID int64) services.AuditView {
	t.Helper()
	var found []services.AuditView
	for _, r := range rows {
		if r.Action == action && r.Entity == entity && r.AuditEntry.EntityID == strconv.FormatInt(entityID, 10) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d rows %s %s %d, want 1", len(found), action, entity, entityID)
	}
	return found[0]
}

func changeOf(v services.AuditView, field string) *services.AuditChange {
	for i := range v.Changes {
		if v.Changes[i].Field == field {
			return &v.Changes[i]
		}
	}
	return nil
}

// TestAuditViewSaysWhoDidWhatToWhom: a coordinator linked to a person seats someone on a
// numbered booth and edits them; the rows name the actor (name and role), the person, the
// booth with its number and assembly, the position, and the changed fields before and after.
func TestAuditViewSaysWhoDidWhatToWhom(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	rakesh := e.mustPerson(t, services.System, tr.a1, func(in *services.PersonInput) { in.Name, in.NameHi = "Rakesh", "राकेश" })
	u, err := e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("rakesh")), Password: testPassword,
		Role: models.RoleDistrictCoordinator, ScopeUnitID: &tr.d1.ID, PersonID: &rakesh.ID})
	noErr(t, err)
	dc := e.actorOf(t, u.User)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	booth := e.mustCreate(t, dc, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.s1.ID, Code: uniq("PS"), Name: "Gudamba", NameHi: "गुडम्बा", Number: ptr(12)})
	mark := e.auditMark(t)
	vid := newVoterID()
	ram := e.mustPerson(t, dc, booth, func(in *services.PersonInput) {
		in.Name, in.NameHi, in.Phone, in.VoterID, in.Caste, in.Religion = "Ram Prasad", "राम प्रसाद", "9876501234", vid, "Kurmi", "hindu"
	})
	seat := e.mustSeat(t, dc, booth, ram, models.PositionPresident)
	_, err = e.set.People.Update(ctx, dc, ram.ID, func(in *services.PersonInput) error {
		in.Name, in.Phone, in.Gender = "Ram Prasad Verma", "9876505678", models.GenderMale
		return nil
	})
	noErr(t, err)
	_, err = e.units.Update(ctx, dc, booth.ID, services.UnitPatch{Name: ptr("Gudamba East")})
	noErr(t, err)

	gone := e.mustCreate(t, dc, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.s1.ID, Code: uniq("PS"), Name: "Short-lived", Number: ptr(99)})
	noErr(t, e.units.Delete(ctx, dc, gone.ID))
	res := e.importUnits(t, dc, services.AllOrNothing, csvFile("level,code,name,parent_code",
		"booth,"+uniq("PS")+",New by import,"+tr.s1.Code, "booth,"+tr.b1.Code+",Renamed by import,"+tr.s1.Code))
	if res.Inserted != 1 || res.Updated != 1 {
		t.Fatalf("import %+v", res)
	}

	rows := e.auditRows(t, admin, mark)
	// A unit no longer there is named by the row's own copy of it.
	if del := auditRow(t, rows, "delete", "unit", gone.ID); del.Target.Hidden || del.Target.ID != gone.ID || del.Target.Name != "Short-lived" ||
		del.Target.Number == nil || *del.Target.Number != 99 || del.Target.Level != models.LevelBooth {
		t.Errorf("deleted unit named %+v", del.Target)
	}
	var imported *services.AuditView
	for i, r := range rows {
		if r.Action == "import" && r.Entity == "unit" {
			imported = &rows[i]
		}
	}
	if imported == nil || imported.Target.Unit == nil || imported.Target.Unit.ID != tr.s1.ID || imported.Target.Created == nil || *imported.Target.Created != 1 ||
		imported.Target.Updated == nil || *imported.Target.Updated != 1 || len(imported.Changes) != 0 {
		t.Errorf("import row %+v, want one new and one changed booth under the sector", imported)
	}
	s := auditRow(t, rows, "create", "seat", seat.ID)
	if s.Actor.Username != dc.Username || s.Actor.Role != models.RoleDistrictCoordinator || s.Actor.Name != "Rakesh" || s.Actor.NameHi != "राकेश" {
		t.Errorf("actor %+v, want Rakesh, district coordinator", s.Actor)
	}
	tg := s.Target
	if tg.Kind != "seat" || tg.ID != seat.ID || tg.Position != "president" {
		t.Errorf("target %+v, want seat %d as president", tg, seat.ID)
	}
	if tg.Person == nil || tg.Person.Hidden || tg.Person.ID != ram.ID || tg.Person.Name != "Ram Prasad Verma" || tg.Person.NameHi != "राम प्रसाद" {
		t.Errorf("person %+v, want Ram Prasad Verma", tg.Person)
	}
	if tg.Unit == nil || tg.Unit.ID != booth.ID || tg.Unit.Level != models.LevelBooth || tg.Unit.Number == nil || *tg.Unit.Number != 12 || tg.Unit.NameHi != "गुडम्बा" {
		t.Fatalf("unit %+v, want booth 12", tg.Unit)
	}
	if w := tg.Unit.Within; w == nil || w.ID != tr.a1.ID || w.Name != tr.a1.Name || w.Level != models.LevelAssembly {
		t.Errorf("booth within %+v, want assembly %s", w, tr.a1.Name)
	}

	up := auditRow(t, rows, "update", "person", ram.ID)
	if c := changeOf(up, "name"); c == nil || c.Before != "Ram Prasad" || c.After != "Ram Prasad Verma" {
		t.Errorf("name change %+v", c)
	}
	if c := changeOf(up, "gender"); c == nil || c.Before != "female" || c.After != "male" {
		t.Errorf("gender change %+v", c)
	}
	for _, f := range []string{"name_hi", "category", "id", "has_phone", "unit_id"} {
		if c := changeOf(up, f); c != nil {
			t.Errorf("unchanged field %s listed: %+v", f, c)
		}
	}
	if up.Target.Name != "Ram Prasad Verma" || up.Target.ID != ram.ID {
		t.Errorf("person target %+v", up.Target)
	}

	cr := auditRow(t, rows, "create", "person", ram.ID)
	if c := changeOf(cr, "home_unit_id"); c == nil || c.Before != nil {
		t.Fatalf("home unit on create %+v", c)
	} else if r, ok := c.After.(*services.AuditRef); !ok || r.ID != booth.ID || r.Name != "Gudamba East" {
		t.Errorf("home unit named %+v, want the booth", c.After)
	}

	uu := auditRow(t, rows, "update", "unit", booth.ID)
	if c := changeOf(uu, "name"); c == nil || c.Before != "Gudamba" || c.After != "Gudamba East" || len(uu.Changes) != 1 {
		t.Errorf("unit changes %+v, want only the name", uu.Changes)
	}

	// Personal values are in no row, in no field of the view: the log records only whether
	// phone, voter ID, caste and religion are given.
	b, err := json.Marshal(rows)
	noErr(t, err)
	for _, secret := range []string{"9876501234", "9876505678", vid, "Kurmi", "hindu"} {
		if secret != "" && strings.Contains(string(b), secret) {
			t.Errorf("audit views hold %q", secret)
		}
	}
}

// TestAuditViewKeepsToTheReadersScope: a row the reader sees may mention records outside the
// reader's scope — a unit moved to another district since, the assembly a booth was moved
// from, a person of another district seated on the reader's committee. Such records are named
// by kind only: no id, no name, nowhere in the view; a seated person's name is shown (a roster
// shows it), never their personal values.
func TestAuditViewKeepsToTheReadersScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	dc1 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d1))
	dc2 := e.actorOf(t, e.newUser(t, models.RoleDistrictCoordinator, &tr.d2))
	mark := e.auditMark(t)

	// A booth made in district 1, then moved by the administrator to district 2.
	moved := e.mustCreate(t, dc1, services.UnitInput{Level: models.LevelBooth, ParentID: &tr.a1.ID, Code: uniq("PS"), Name: "Moved away", Number: ptr(31)})
	_, err := e.units.Update(ctx, admin, moved.ID, services.UnitPatch{ParentID: &tr.a2.ID})
	noErr(t, err)
	// A person of district 1, with every personal value, seated on a district 2 committee.
	sita := e.mustPerson(t, dc1, tr.b1, func(in *services.PersonInput) {
		in.Name, in.Phone, in.VoterID, in.Caste, in.Religion = "Sita Devi", "9123400001", newVoterID(), "Yadav", "hindu"
	})
	seat := e.mustSeat(t, admin, tr.b4, sita, models.PositionMember)
	// The state office's account is linked to a person looked after in district 1; it renames a
	// district 2 booth.
	officer := e.mustPerson(t, services.System, tr.d1, func(in *services.PersonInput) { in.Name = "Officer of district 1" })
	su, err := e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("office")), Password: testPassword,
		Role: models.RoleStateOffice, ScopeUnitID: &tr.state.ID, PersonID: &officer.ID})
	noErr(t, err)
	state := e.actorOf(t, su.User)
	_, err = e.units.Update(ctx, state, tr.b4.ID, services.UnitPatch{Name: ptr("renamed by the state office")})
	noErr(t, err)

	id := strconv.FormatInt(moved.ID, 10)
	t.Run("the coordinator the booth left", func(t *testing.T) {
		rows := e.auditRows(t, dc1, mark)
		var created *services.AuditView
		for i, r := range rows {
			if r.Action == "create" && r.Entity == "unit" {
				created = &rows[i]
			}
			if r.Action == "update" && r.Entity == "unit" {
				t.Errorf("the move, filed in district 2, is listed: %+v", r)
			}
		}
		if created == nil {
			t.Fatal("the creation of the booth, filed in district 1, is not listed")
		}
		tg := created.Target
		if !tg.Hidden || tg.ID != 0 || tg.Name != "" || tg.Number != nil || tg.Kind != "unit" {
			t.Errorf("target %+v, want a hidden unit", tg)
		}
		if created.AuditEntry.EntityID != "" || created.UnitID != nil {
			t.Errorf("row keeps entity_id %q, unit_id %v", created.AuditEntry.EntityID, created.UnitID)
		}
		if len(created.Changes) != 0 || created.Before != nil || created.After != nil {
			t.Errorf("the moved booth's row keeps changes %+v, before %v, after %v", created.Changes, created.Before, created.After)
		}
		b, err := json.Marshal(created)
		noErr(t, err)
		if strings.Contains(string(b), `"EntityID":"`+id+`"`) || strings.Contains(string(b), `"ID":`+id+`,`) {
			t.Errorf("the moved booth's id %s is in the view: %s", id, b)
		}
	})
	t.Run("the coordinator the booth came to", func(t *testing.T) {
		rows := e.auditRows(t, dc2, mark)
		mv := auditRow(t, rows, "update", "unit", moved.ID)
		c := changeOf(mv, "parent_id")
		if c == nil {
			t.Fatalf("no parent change in %+v", mv.Changes)
		}
		if r, ok := c.Before.(*services.AuditRef); !ok || !r.Hidden || r.ID != 0 || r.Name != "" {
			t.Errorf("old parent %+v, want hidden (district 1's assembly)", c.Before)
		}
		if r, ok := c.After.(*services.AuditRef); !ok || r.Hidden || r.ID != tr.a2.ID || r.Name != tr.a2.Name {
			t.Errorf("new parent %+v, want %s", c.After, tr.a2.Name)
		}
		var before map[string]any
		noErr(t, json.Unmarshal([]byte(*mv.Before), &before))
		if before["parent_id"] != nil {
			t.Errorf("raw before keeps the old parent's id: %s", *mv.Before)
		}
		if strings.Contains(*mv.Before, strconv.FormatInt(tr.a1.ID, 10)+",") {
			t.Errorf("raw before holds district 1's assembly id: %s", *mv.Before)
		}
		// The admin reads the same row whole.
		full := auditRow(t, e.auditRows(t, admin, mark), "update", "unit", moved.ID)
		if r, ok := changeOf(full, "parent_id").Before.(*services.AuditRef); !ok || r.ID != tr.a1.ID {
			t.Errorf("the admin reads old parent %+v, want %d", changeOf(full, "parent_id").Before, tr.a1.ID)
		}

		// The state office's linked person is outside district 2: its role, not its name.
		if rn := auditRow(t, rows, "update", "unit", tr.b4.ID); rn.Actor.Username != state.Username || rn.Actor.Role != models.RoleStateOffice || rn.Actor.Name != "" {
			t.Errorf("actor %+v, want the state office's username and role, no name", rn.Actor)
		}
		if rn := auditRow(t, e.auditRows(t, admin, mark), "update", "unit", tr.b4.ID); rn.Actor.Name != "Officer of district 1" {
			t.Errorf("the admin reads actor %+v, want the linked person's name", rn.Actor)
		}

		st := auditRow(t, rows, "create", "seat", seat.ID)
		if p := st.Target.Person; p == nil || p.Hidden || p.Name != "Sita Devi" {
			t.Errorf("seated person %+v, want Sita Devi (the roster shows her)", p)
		}
		for _, r := range rows {
			if r.Entity == "person" {
				t.Errorf("a district 1 person's row is listed to district 2: %+v", r)
			}
		}
		b, err := json.Marshal(rows)
		noErr(t, err)
		for _, secret := range []string{"9123400001", "Yadav", "hindu", `"TST`} {
			if strings.Contains(string(b), secret) {
				t.Errorf("district 2 reads %q", secret)
			}
		}
	})
}

// TestAuditPageCostsFixedQueries: a page of rows mentioning many units, people and accounts is
// described with the same few queries as a page of one row.
func TestAuditPageCostsFixedQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tr := e.newTree(t)
	admin := e.actorOf(t, e.newUser(t, models.RoleAdmin, nil))
	state := e.actorOf(t, e.newUser(t, models.RoleStateOffice, &tr.state))
	for _, u := range []models.Unit{tr.b1, tr.b2, tr.b3, tr.b4} {
		e.fillCommittee(t, u, 8)
		_, err := e.units.Update(ctx, state, u.ID, services.UnitPatch{Name: ptr("renamed " + uniq("n"))})
		noErr(t, err)
	}
	for range 5 {
		e.newUser(t, models.RoleBoothWorker, &tr.b1)
	}

	var counting atomic.Bool
	var queries atomic.Int64
	count := func(*gorm.DB) {
		if counting.Load() {
			queries.Add(1)
		}
	}
	noErr(t, e.db.Callback().Query().Before("gorm:query").Register("test:count_audit_query", count))
	noErr(t, e.db.Callback().Row().Before("gorm:row").Register("test:count_audit_row", count))
	noErr(t, e.db.Callback().Raw().Before("gorm:raw").Register("test:count_audit_raw", count))
	cost := func(limit int) (int64, int, time.Duration) {
		queries.Store(0)
		counting.Store(true)
		start := time.Now()
		page, err := e.set.Audit.List(ctx, admin, services.AuditFilter{Page: services.PageRequest{Limit: limit}})
		took := time.Since(start)
		counting.Store(false)
		noErr(t, err)
		return queries.Load(), len(page.Items), took
	}
	one, n1, d1 := cost(1)
	many, n, d := cost(100)
	t.Logf("a page of %d row costs %d queries (%v), a page of %d rows %d (%v)", n1, one, d1, n, many, d)
	if n < 80 {
		t.Fatalf("only %d rows to list", n)
	}
	if many > 5 {
		t.Errorf("a page of %d rows costs %d queries, want at most 5", n, many)
	}
	if many > one+2 { // a row of one kind needs fewer tables than a mixed page, never more than five
		t.Errorf("a page of %d rows costs %d queries, a page of one %d", n, many, one)
	}
}
