package services_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// privacySubject is a person with a distinctive value in every personal field, seated on two
// committees (one seat ended), in charge of a district, on an investigation committee, organiser
// of a program, linked to an account, and edited once: every place the system keeps a person.
type privacySubject struct {
	p                           models.Person
	name, nameHi, phone, voter  string
	caste, membership           string
	seatB1, seatS1, seatEnded   models.Seat
	user                        models.User
	program                     int64
	incident                    int64
	stateOffice, dc, otherState services.Actor
}

func (e *env) newPrivacySubject(t *testing.T, tr tree) privacySubject {
	t.Helper()
	ctx := context.Background()
	n := seq.Add(1)
	s := privacySubject{
		name: fmt.Sprintf("Zorawar Quixote%d", n), nameHi: "ज़ोरावर क्विक्सोट", phone: fmt.Sprintf("+9197%08d", 10000000+n%90000000),
		voter: newVoterID(), caste: fmt.Sprintf("Kurmixyz%d", n), membership: fmt.Sprintf("MEMQ%d", n),
		stateOffice: scoped(models.RoleStateOffice, tr.state), dc: scoped(models.RoleDistrictCoordinator, tr.d1),
	}
	s.p = e.mustPerson(t, s.stateOffice, tr.b1, func(in *services.PersonInput) {
		in.Name, in.NameHi, in.Phone, in.VoterID, in.Caste = s.name, s.nameHi, "+919000000001", s.voter, s.caste
		in.Religion, in.BirthYear, in.Category, in.Gender = "muslim", ptr(1980), models.CategorySC, models.GenderMale
		in.MembershipNo, in.PublicOffice = s.membership, "mla"
	})
	// An edit, so that the audit log holds a before and an after.
	v, err := e.set.People.Update(ctx, s.stateOffice, s.p.ID, func(in *services.PersonInput) error { in.Phone = s.phone; return nil })
	noErr(t, err)
	s.p = v.Person
	s.seatB1 = e.mustSeat(t, s.stateOffice, tr.b1, s.p, models.PositionMember)
	s.seatS1 = e.mustSeat(t, s.stateOffice, tr.s1, s.p, models.PositionMember)
	s.seatEnded = e.mustSeat(t, s.stateOffice, tr.b3, s.p, models.PositionMember)
	noErr(t, e.set.Committees.EndSeat(ctx, s.stateOffice, tr.b3.ID, s.seatEnded.ID))
	_, err = e.set.Assignments.Create(ctx, s.stateOffice, services.AssignmentInput{PersonID: &s.p.ID, UnitID: &tr.d1.ID,
		Purpose: "Lok Sabha 2029", StartsOn: "2024-01-01"})
	noErr(t, err)
	prog := e.newProgram(t, s.stateOffice, tr.b1, func(in *services.ProgramInput) {
		in.Organiser, in.OrganiserPersonID = s.name, &s.p.ID
	})
	s.program = prog.Program.ID
	other := e.mustPerson(t, s.stateOffice, tr.b2)
	inc, err := e.set.Incidents.Create(ctx, s.stateOffice, services.IncidentInput{UnitID: &tr.b1.ID, OccurredOn: "2024-02-01",
		Place: "Village", Title: "Incident " + uniq("I"), Kind: "other"})
	noErr(t, err)
	s.incident = inc.Incident.ID
	_, err = e.set.Incidents.FormCommittee(ctx, s.stateOffice, inc.Incident.ID, services.CommitteeInput{MemberIDs: []int64{s.p.ID, other.ID},
		ConvenerID: &s.p.ID, FormedOn: "2024-02-10"})
	noErr(t, err)
	uv, err := e.users.Create(ctx, services.System, services.UserInput{Username: strings.ToLower(uniq("bw")), Password: "a-long-enough-password-1",
		Role: models.RoleBoothWorker, ScopeUnitID: &tr.b1.ID, PersonID: &s.p.ID})
	noErr(t, err)
	s.user = uv.User
	other2 := e.newRoot(t)
	s.otherState = scoped(models.RoleStateOffice, other2)
	return s
}

// personalValues are the strings an erasure must remove from every table: the names, each word
// of them and their phonetic search keys, the phone in both writings, the voter ID, the caste,
// the membership number.
func (s privacySubject) personalValues() []string {
	out := []string{s.name, s.nameHi, s.phone, strings.TrimPrefix(s.phone, "+91"), s.voter, s.caste, s.membership}
	out = append(out, strings.Fields(s.name)...)
	out = append(out, strings.Fields(s.nameHi)...)
	for _, w := range strings.Fields(models.SearchText(s.name, s.nameHi)) {
		if strings.HasPrefix(w, "~") && len(w) > 4 {
			out = append(out, w)
		}
	}
	return out
}

// dumpTables returns every row of every table of the schema as text, keyed by table: on
// PostgreSQL each row cast to text, on SQLite every column of every row.
func (e *env) dumpTables(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	var tables []string
	if e.isPostgres() {
		noErr(t, e.db.Raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename").Scan(&tables).Error)
	} else {
		noErr(t, e.db.Raw("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").Scan(&tables).Error)
	}
	if len(tables) < 10 {
		t.Fatalf("dump: only %d tables: %v", len(tables), tables)
	}
	for _, table := range tables {
		q := `SELECT * FROM "` + table + `"`
		if e.isPostgres() {
			q = `SELECT t::text FROM "` + table + `" t`
		}
		rows, err := e.db.Raw(q).Rows()
		noErr(t, err)
		cols, err := rows.Columns()
		noErr(t, err)
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			noErr(t, rows.Scan(ptrs...))
			var b strings.Builder
			for _, v := range vals {
				b.Write(v)
				b.WriteByte('|')
			}
			out[table] = append(out[table], b.String())
		}
		noErr(t, rows.Err())
		rows.Close()
	}
	return out
}

// findIn lists where in the dump each value occurs.
func findIn(dump map[string][]string, values []string) []string {
	var found []string
	for table, rows := range dump {
		for _, r := range rows {
			for _, v := range values {
				if strings.Contains(strings.ToLower(r), strings.ToLower(v)) {
					found = append(found, fmt.Sprintf("%q in %s: %.300s", v, table, r))
				}
			}
		}
	}
	return found
}

// TestEraseRemovesEveryPersonalValue: after an erasure a dump of every table holds none of the
// person's names, search keys, phone, voter ID, caste or membership number (before it, it holds
// each of them: the test would see a leak); the seats stay under the placeholder; the
// representation figures of the person's units equal a recount (verify finds nothing) and move
// only from the religion and birth year to "unknown"; the audit rows stay, redacted, with an
// erase row giving the reason; the person is found by no search, cannot be edited, seated or
// erased again.
func TestEraseRemovesEveryPersonalValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 10)
	s := e.newPrivacySubject(t, tr)
	values := s.personalValues()
	before := findIn(e.dumpTables(t), values)
	for _, v := range []string{s.name, s.phone, s.voter, s.caste, s.membership} {
		if len(findIn(map[string][]string{"": before}, []string{v})) == 0 {
			t.Fatalf("before erasure the dump does not hold %q: the dump misses a table", v)
		}
	}
	figures := func(u models.Unit) services.Figures {
		f, err := e.set.Representation.Figures(ctx, services.System, u.ID, nil)
		noErr(t, err)
		return f
	}
	fd1, fb1 := figures(tr.d1), figures(tr.b1)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("differences before erasure: %v", d)
	}

	// Refused: a coordinator, another state, a missing or too long reason, a stale version.
	_, err := e.set.Privacy.Erase(ctx, s.dc, s.p.ID, nil, "asked in writing")
	wantErr(t, err, services.EForbidden)
	_, err = e.set.Privacy.Erase(ctx, s.otherState, s.p.ID, nil, "asked in writing")
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Privacy.Erase(ctx, s.stateOffice, s.p.ID, nil, "  ")
	wantErr(t, err, services.EInvalid, "If-Match", "reason")
	_, err = e.set.Privacy.Erase(ctx, s.stateOffice, s.p.ID, &s.p.Version, strings.Repeat("x", 501))
	wantErr(t, err, services.EInvalid, "reason")
	stale := s.p.Version - 1
	_, err = e.set.Privacy.Erase(ctx, s.stateOffice, s.p.ID, &stale, "asked in writing")
	wantErr(t, err, services.EPrecondition)

	mark := e.auditMark(t)
	cur, err := e.set.People.Get(ctx, services.System, s.p.ID)
	noErr(t, err)
	out, err := e.set.Privacy.Erase(ctx, s.stateOffice, s.p.ID, &cur.Person.Version, "Letter of 1 March 2024 from the person")
	noErr(t, err)
	if out.SeatsKept != 3 || out.AccountsUnlinked != 1 || out.ProgramsCleared != 1 || out.AuditRowsRedacted < 2 {
		t.Errorf("erasure = %+v", out)
	}
	if p := out.Person.Person; p.Name != services.ErasedName(s.p.ID) || p.NameHi != services.ErasedNameHi(s.p.ID) || p.Phone != nil ||
		p.VoterID != nil || p.Caste != "" || p.Religion != nil || p.BirthYear != nil || p.ErasedAt == nil || p.Version != cur.Person.Version+1 {
		t.Errorf("erased person = %+v", p)
	}

	if found := findIn(e.dumpTables(t), values); len(found) > 0 {
		t.Errorf("personal values left after erasure:\n%s", strings.Join(found, "\n"))
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("differences after erasure: %v", d)
	}
	checkRollups(t, e.db)
	// The seats and the category and gender stay; the religion (a minority) and the birth year
	// become unknown, on each unit that counts a current seat of the person.
	check := func(u models.Unit, was services.Figures, seatsHere int64) {
		t.Helper()
		now := figures(u)
		if now.Seats != was.Seats || now.ByCategory["SC"] != was.ByCategory["SC"] || now.ByGender["male"] != was.ByGender["male"] ||
			now.Minority != was.Minority-seatsHere || now.ReligionUnknown != was.ReligionUnknown+seatsHere ||
			now.ByAge["unknown"] != was.ByAge["unknown"]+seatsHere || now.Coverage != was.Coverage {
			t.Errorf("%s figures after erasure: %+v\nbefore: %+v", u.Code, now, was)
		}
	}
	check(tr.d1, fd1, 2)
	check(tr.b1, fb1, 1)

	rows := e.auditSince(t, mark)
	var erase *models.AuditEntry
	for i, r := range rows {
		if r.Action == "erase" {
			erase = &rows[i]
		}
	}
	if erase == nil || erase.Entity != "person" || erase.EntityID != fmt.Sprint(s.p.ID) || erase.After == nil ||
		!strings.Contains(*erase.After, "Letter of 1 March 2024") || erase.ActorUsername != s.stateOffice.Username {
		t.Fatalf("erase audit row = %+v", erase)
	}
	var personRows []models.AuditEntry
	noErr(t, e.db.Where("entity = 'person' AND entity_id = ? AND id <= ?", fmt.Sprint(s.p.ID), mark).Order("id").Find(&personRows).Error)
	if len(personRows) != 2 || personRows[0].Action != "create" || personRows[1].Action != "update" {
		t.Fatalf("the person's audit rows are not all kept: %+v", personRows)
	}
	for _, r := range personRows {
		for _, doc := range []*string{r.Before, r.After} {
			if doc == nil {
				continue
			}
			var m map[string]any
			noErr(t, json.Unmarshal([]byte(*doc), &m))
			if m["name"] != nil || m["name_hi"] != nil || m["birth_year"] != nil || m["membership_no"] != nil || m["category"] != "SC" ||
				m["id"] != float64(s.p.ID) || len(m) != 14 {
				t.Errorf("%s row after redaction: %s", r.Action, *doc)
			}
		}
	}

	// Gone from search and lists; refused as a seat holder, for an edit and a second erasure.
	for _, q := range []string{"", "Zorawar", "ज़ोरावर", "Erased", "मिटाया"} {
		page, err := e.set.People.List(ctx, s.stateOffice, services.PersonFilter{Q: q})
		noErr(t, err)
		for _, v := range page.Items {
			if v.Person.ID == s.p.ID {
				t.Errorf("q=%q lists the erased person", q)
			}
		}
	}
	_, err = e.set.People.Update(ctx, s.stateOffice, s.p.ID, func(in *services.PersonInput) error { in.Phone = "+919000000002"; return nil })
	wantErr(t, err, services.EConflict)
	_, err = e.set.Committees.Seat(ctx, s.stateOffice, tr.b2.ID, s.p.ID, models.PositionMember)
	wantErr(t, err, services.EInvalid, "person_id")
	_, err = e.set.Assignments.Create(ctx, s.stateOffice, services.AssignmentInput{PersonID: &s.p.ID, UnitID: &tr.d2.ID,
		Purpose: "organisation", StartsOn: "2024-03-01"})
	wantErr(t, err, services.EInvalid, "person_id")
	_, err = e.set.Privacy.Erase(ctx, s.stateOffice, s.p.ID, &out.Person.Person.Version, "again")
	wantErr(t, err, services.EConflict)
	// The committee still shows the seat, under the placeholder, and it can still be ended.
	got, err := e.set.People.Get(ctx, s.stateOffice, s.p.ID)
	noErr(t, err)
	if got.Person.Name != services.ErasedName(s.p.ID) || len(got.Seats) != 2 {
		t.Errorf("erased person reads %+v", got)
	}
	noErr(t, e.set.Committees.EndSeat(ctx, s.stateOffice, tr.s1.ID, s.seatS1.ID))
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("differences after ending the erased person's seat: %v", d)
	}
}

// TestExportHoldsEverythingAboutThePerson: the export carries every field of the record, every
// seat current and ended, the assignment, the investigation committee, the program, the account
// (no password hash) and the audit rows; only the state office and an administrator get it, and
// reading it is audited without a personal value.
func TestExportHoldsEverythingAboutThePerson(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	s := e.newPrivacySubject(t, tr)
	for _, a := range []services.Actor{s.dc, scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.state)} {
		_, err := e.set.Privacy.Export(ctx, a, s.p.ID)
		wantErr(t, err, services.EForbidden)
	}
	_, err := e.set.Privacy.Export(ctx, s.otherState, s.p.ID)
	wantErr(t, err, services.ENotFound)

	mark := e.auditMark(t)
	x, err := e.set.Privacy.Export(ctx, s.stateOffice, s.p.ID)
	noErr(t, err)
	p := x.Person
	if p.Name != s.name || p.NameHi != s.nameHi || *p.Phone != s.phone || *p.VoterID != s.voter || p.Caste != s.caste ||
		*p.Religion != "muslim" || *p.BirthYear != 1980 || p.MembershipNo != s.membership || p.PublicOffice != "mla" {
		t.Errorf("exported person = %+v", p)
	}
	if x.LookedAfterBy.ID != tr.b1.ID || x.Home == nil || x.Home.ID != tr.b1.ID {
		t.Errorf("units = %+v, %+v", x.LookedAfterBy, x.Home)
	}
	if len(x.Seats) != 3 || len(x.Assignments) != 1 || x.Assignments[0].Unit.ID != tr.d1.ID || len(x.Incidents) != 1 ||
		!x.Incidents[0].Convener || len(x.Programs) != 1 || x.Programs[0].Organiser != s.name || len(x.Accounts) != 1 ||
		x.Accounts[0].Username != s.user.Username {
		t.Errorf("export = %+v", x)
	}
	ended := 0
	for _, st := range x.Seats {
		if st.Until != nil {
			ended++
		}
	}
	kinds := map[string]int{}
	for _, r := range x.Audit {
		kinds[r.Entity+"/"+r.Action]++
	}
	if ended != 1 || kinds["person/create"] != 1 || kinds["person/update"] != 1 || kinds["seat/create"] != 3 || kinds["seat/end"] != 1 ||
		kinds["assignment/create"] != 1 || kinds["user/create"] != 1 {
		t.Errorf("ended seats %d, audit rows %v", ended, kinds)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "data_export" || rows[0].EntityID != fmt.Sprint(s.p.ID) {
		t.Fatalf("audit rows = %+v", rows)
	}
	if found := findIn(map[string][]string{"audit": {*rows[0].After}}, s.personalValues()); len(found) > 0 {
		t.Errorf("the export's audit row names the person: %v", found)
	}
}

// TestEraseConcurrently (PostgreSQL): 16 clients at once erase, edit and seat the same and
// neighbouring people on the same committees; afterwards every counts row equals a recount
// (verify finds nothing), and each erased person has no personal value left.
func TestEraseConcurrently(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("PostgreSQL only: SQLite runs one write transaction at a time")
	}
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	units := []models.Unit{tr.b1, tr.b2, tr.s1, tr.a1}
	var people []models.Person
	for i := range 12 {
		people = append(people, e.mustPerson(t, so, units[i%2], func(in *services.PersonInput) {
			in.Religion, in.BirthYear, in.Phone = "muslim", ptr(1970+i), fmt.Sprintf("+9196%08d", 1000+i)
		}))
	}
	for i, p := range people[:8] {
		e.mustSeat(t, so, units[i%len(units)], p, models.PositionMember)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for c := range 16 {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for round := range 4 {
				p := people[(c+round)%len(people)]
				u := units[(c+round)%len(units)]
				var err error
				switch (c + round) % 4 {
				case 0:
					// The version just read: an edit in between answers Precondition, as for the UI.
					var v services.PersonView
					if v, err = e.set.People.Get(ctx, so, p.ID); err == nil {
						_, err = e.set.Privacy.Erase(ctx, so, p.ID, &v.Person.Version, "concurrent test")
					}
				case 1:
					_, err = e.set.People.Update(ctx, so, p.ID, func(in *services.PersonInput) error {
						in.Religion, in.BirthYear, in.Category = "hindu", ptr(1990), models.CategoryGEN
						return nil
					})
				case 2:
					_, err = e.set.Committees.Seat(ctx, so, u.ID, p.ID, models.PositionMember)
				case 3:
					_, err = e.set.Privacy.Export(ctx, so, p.ID)
				}
				switch services.ErrorCode(err) {
				case "", services.EConflict, services.EInvalid, services.EPrecondition:
				default:
					errs <- fmt.Errorf("client %d round %d: %w", c, round, err)
				}
			}
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("differences after concurrent erasures: %v", d)
	}
	checkRollups(t, e.db)
	var erased []models.Person
	noErr(t, e.db.Where("erased_at IS NOT NULL").Find(&erased).Error)
	if len(erased) == 0 {
		t.Fatal("no one was erased")
	}
	for _, p := range erased {
		if p.Phone != nil || p.BirthYear != nil || p.Religion != nil || p.Name != services.ErasedName(p.ID) {
			t.Errorf("erased person %d keeps %+v", p.ID, p)
		}
	}
}
