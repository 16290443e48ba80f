package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// The test clock stands at 2024-03-01 10:00 UTC: 2024-03-01 in India.

// appoint assigns p to u for purpose from starts (ends may be "") as actor.
func (e *env) appoint(t *testing.T, actor services.Actor, p models.Person, u models.Unit, purpose, starts, ends string) services.AssignmentView {
	t.Helper()
	v, err := e.set.Assignments.Create(context.Background(), actor, services.AssignmentInput{PersonID: &p.ID, UnitID: &u.ID, Purpose: purpose,
		StartsOn: starts, EndsOn: ends})
	if err != nil {
		t.Fatalf("appoint %d to %s for %s from %s to %s: %v", p.ID, u.Code, purpose, starts, ends, err)
	}
	return v
}

func (e *env) tryAppoint(actor services.Actor, p models.Person, u models.Unit, purpose, starts, ends string) error {
	_, err := e.set.Assignments.Create(context.Background(), actor, services.AssignmentInput{PersonID: &p.ID, UnitID: &u.ID, Purpose: purpose,
		StartsOn: starts, EndsOn: ends})
	return err
}

func (e *env) mla(t *testing.T, home models.Unit) models.Person {
	t.Helper()
	return e.mustPerson(t, services.System, home, func(in *services.PersonInput) { in.PublicOffice = "mla" })
}

// TestAssignmentOverlapRules: one person's assignments to one unit for one purpose may not
// overlap; ends_on is the first day off duty, so ranges that touch do not overlap; open-ended
// ranges overlap everything after their start; other units and purposes are free.
func TestAssignmentOverlapRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	so := scoped(models.RoleStateOffice, tr.state)
	p := e.mla(t, tr.b1)
	const ls = "Lok Sabha 2029"
	mark := e.auditMark(t)
	first := e.appoint(t, so, p, tr.pc, "  Lok   Sabha 2029 ", "2024-03-01", "")
	a := first.Assignment
	if a.Purpose != ls || a.Path != tr.pc.Path || a.EndsOn != nil || a.Version != 1 || first.Person.Load != 1 || first.Unit.ID != tr.pc.ID {
		t.Fatalf("first: %+v", first)
	}
	if rows := e.auditSince(t, mark); len(rows) != 1 || rows[0].Action != "create" || rows[0].Entity != "assignment" {
		t.Fatalf("audit: %+v", rows)
	}
	overlaps := func(starts, ends string) {
		t.Helper()
		err := e.tryAppoint(so, p, tr.pc, ls, starts, ends)
		se := wantErr(t, err, services.EConflict, "starts_on")
		f := se.Fields[0]
		if f.Code != "assignment_overlaps" || f.Params["starts_on"] != "2024-03-01" || f.Params["assignment_id"] != strconv.FormatInt(a.ID, 10) {
			t.Fatalf("%s..%s: %+v", starts, ends, f)
		}
	}
	overlaps("2025-01-01", "")           // inside an open-ended one
	overlaps("2023-01-01", "2024-03-02") // ends the day after it starts
	overlaps("2023-01-01", "")           // open-ended from before
	// Touching: off duty from 2024-03-01, the day the other starts.
	e.appoint(t, so, p, tr.pc, ls, "2023-01-01", "2024-03-01")
	// An assignment ending on its first day was active on no day: it overlaps nothing.
	e.appoint(t, so, p, tr.pc, ls, "2023-06-01", "2023-06-01")
	// Another purpose, another unit: free.
	e.appoint(t, so, p, tr.pc, "organisation", "2024-03-01", "")
	e.appoint(t, so, p, tr.d1, ls, "2024-03-01", "")
	// Another person, same unit and purpose: two in-charges are allowed.
	e.appoint(t, so, e.mla(t, tr.b2), tr.pc, ls, "2024-03-01", "")

	// End before start; bad dates; purpose too long or empty.
	err := e.tryAppoint(so, p, tr.d2, ls, "2024-03-10", "2024-03-09")
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "ends_on"), "ends_on"); c != "ends_before_start" {
		t.Fatalf("code %s", c)
	}
	err = e.tryAppoint(so, p, tr.d2, strings.Repeat("क", services.MaxPurpose+1), "2024-13-01", "")
	wantErr(t, err, services.EInvalid, "purpose", "starts_on")
	err = e.tryAppoint(so, p, tr.d2, "  ", "", "")
	wantErr(t, err, services.EInvalid, "purpose", "starts_on")
	// The load counts the assignments active today: pc (Lok Sabha), pc (organisation), d1.
	v, err := e.set.People.Get(context.Background(), so, p.ID)
	noErr(t, err)
	if v.AssignmentsActive != 3 {
		t.Fatalf("load %d, want 3", v.AssignmentsActive)
	}
}

// TestAssignmentEnd: ending takes effect on the day given (today by default): the unit is
// vacant from then; ending again is a conflict, before the start invalid, a stale If-Match a
// precondition failure; each end is one audit row.
func TestAssignmentEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	p := e.mla(t, tr.b1)
	a := e.appoint(t, so, p, tr.d1, "organisation", "2024-02-01", "").Assignment
	_, err := e.set.Assignments.End(ctx, so, a.ID, "2024-01-31", nil)
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "on"), "on"); c != "ends_before_start" {
		t.Fatalf("code %s", c)
	}
	_, err = e.set.Assignments.End(ctx, so, a.ID, "", ptr(int64(7)))
	wantErr(t, err, services.EPrecondition)
	_, err = e.set.Assignments.End(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), a.ID, "", nil)
	wantErr(t, err, services.EForbidden)
	mark := e.auditMark(t)
	v, err := e.set.Assignments.End(ctx, so, a.ID, "", ptr(int64(1)))
	noErr(t, err)
	if v.Assignment.EndsOn == nil || *v.Assignment.EndsOn != "2024-03-01" || v.Assignment.Version != 2 || v.Assignment.EndedByName != so.Username ||
		v.Active("2024-03-01") || !v.Active("2024-02-29") {
		t.Fatalf("ended: %+v", v.Assignment)
	}
	if rows := e.auditSince(t, mark); len(rows) != 1 || rows[0].Action != "end" || rows[0].Entity != "assignment" {
		t.Fatalf("audit: %+v", rows)
	}
	_, err = e.set.Assignments.End(ctx, so, a.ID, "2024-03-05", nil)
	wantErr(t, err, services.EConflict)
	vac, err := e.set.Assignments.Vacancies(ctx, so, services.VacancyFilter{Level: "district", Purpose: "organisation", Under: &tr.d1.ID})
	noErr(t, err)
	if len(vac.Items) != 1 || vac.Items[0].ID != tr.d1.ID {
		t.Fatalf("vacancies after the end: %+v", vac.Items)
	}
	// The same person may be appointed again from the day the old one ended.
	e.appoint(t, so, p, tr.d1, "organisation", "2024-03-01", "")
	// A planned end can be brought forward.
	b := e.appoint(t, so, p, tr.d2, "organisation", "2024-02-01", "2024-12-31").Assignment
	v, err = e.set.Assignments.End(ctx, so, b.ID, "2024-06-30", nil)
	noErr(t, err)
	if *v.Assignment.EndsOn != "2024-06-30" {
		t.Fatalf("brought forward: %v", *v.Assignment.EndsOn)
	}
}

// TestAssignmentVacancies: on a small tree, the units of a level without an in-charge for the
// purpose active on the date; a future or ended assignment leaves the unit vacant.
func TestAssignmentVacancies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	const ub = "urban body elections 2027"
	vacant := func(level, on string, under *int64) []int64 {
		t.Helper()
		p, err := e.set.Assignments.Vacancies(ctx, so, services.VacancyFilter{Level: level, Purpose: ub, On: on, Under: under})
		noErr(t, err)
		return ids(p.Items)
	}
	same := func(got []int64, want ...models.Unit) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("vacant %v, want %v", got, ids(want))
		}
		for i := range want {
			if got[i] != want[i].ID {
				t.Fatalf("vacant %v, want %v", got, ids(want))
			}
		}
	}
	same(vacant("district", "", nil), tr.d1, tr.d2)
	e.appoint(t, so, e.mla(t, tr.b1), tr.d1, ub, "2024-02-01", "2024-04-01")
	e.appoint(t, so, e.mla(t, tr.b4), tr.d2, ub, "2024-03-02", "")             // from tomorrow
	e.appoint(t, so, e.mla(t, tr.b4), tr.d2, "organisation", "2024-01-01", "") // another purpose
	same(vacant("district", "", nil), tr.d2)
	same(vacant("district", "2024-03-02", nil))
	same(vacant("district", "2024-04-01", nil), tr.d1)
	same(vacant("district", "2024-01-31", nil), tr.d1, tr.d2)
	same(vacant("district", "", &tr.d1.ID))
	same(vacant("parliamentary", "", nil), tr.pc)
	same(vacant("assembly", "", &tr.d2.ID), tr.a2)
	// A coordinator sees the vacancies of their district only.
	p, err := e.set.Assignments.Vacancies(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), services.VacancyFilter{Level: "assembly", Purpose: ub})
	noErr(t, err)
	same(ids(p.Items), tr.a2)
	_, err = e.set.Assignments.Vacancies(ctx, so, services.VacancyFilter{Level: "ward", Purpose: ""})
	wantErr(t, err, services.EInvalid, "level", "purpose")
	// Active on a date, through the list.
	l, err := e.set.Assignments.List(ctx, so, services.AssignmentFilter{Purpose: ub, On: "2024-03-02"})
	noErr(t, err)
	if len(l.Items) != 2 {
		t.Fatalf("active on 2024-03-02: %d", len(l.Items))
	}
	l, err = e.set.Assignments.List(ctx, so, services.AssignmentFilter{Purpose: ub, Active: "true"})
	noErr(t, err)
	if len(l.Items) != 1 || l.Items[0].Unit.ID != tr.d1.ID {
		t.Fatalf("active today: %+v", l.Items)
	}
	l, err = e.set.Assignments.List(ctx, so, services.AssignmentFilter{Level: "district", Active: "false"})
	noErr(t, err)
	if len(l.Items) != 1 || l.Items[0].Unit.ID != tr.d2.ID {
		t.Fatalf("not active today: %+v", l.Items)
	}
	purposes, err := e.set.Assignments.Purposes(ctx, so)
	noErr(t, err)
	if len(purposes) != 2 || purposes[0].Active != 1 || purposes[1].Total != 2 {
		t.Fatalf("purposes: %+v", purposes)
	}
}

// TestAssignmentLoad: a person's load counts the assignments active today, in the people list
// and on the person, whatever the purpose; future and ended ones do not count. The public office
// filter picks the candidates.
func TestAssignmentLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	busy, idle := e.mla(t, tr.b1), e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.PublicOffice = "former_mp" })
	plain := e.mustPerson(t, services.System, tr.b1)
	e.appoint(t, so, busy, tr.pc, "Lok Sabha 2029", "2024-01-01", "")
	e.appoint(t, so, busy, tr.d1, "organisation", "2024-01-01", "")
	e.appoint(t, so, busy, tr.d2, "organisation", "2024-05-01", "")           // not yet
	e.appoint(t, so, busy, tr.a1, "organisation", "2023-01-01", "2024-03-01") // ended
	e.appoint(t, so, idle, tr.a2, "organisation", "2024-03-01", "2024-03-01") // never active
	page, err := e.set.People.List(ctx, so, services.PersonFilter{Under: &tr.b1.ID, PublicOffices: []string{"MLA", "former_mp"}})
	noErr(t, err)
	got := map[int64]int{}
	for _, v := range page.Items {
		got[v.Person.ID] = v.AssignmentsActive
	}
	if len(got) != 2 || got[busy.ID] != 2 || got[idle.ID] != 0 {
		t.Fatalf("loads %v (plain %d)", got, plain.ID)
	}
	_, err = e.set.People.List(ctx, so, services.PersonFilter{PublicOffices: []string{"sarpanch"}})
	wantErr(t, err, services.EInvalid, "public_office")
	l, err := e.set.Assignments.List(ctx, so, services.AssignmentFilter{PersonID: &busy.ID})
	noErr(t, err)
	if len(l.Items) != 4 || l.Items[0].Person.Load != 2 {
		t.Fatalf("person's assignments: %d, load %d", len(l.Items), l.Items[0].Person.Load)
	}
}

// TestAssignmentScope: only the state office and admin appoint; a coordinator reads the
// assignments of their district and below, not the Lok Sabha seat's nor another district's;
// a viewer reads in scope; a booth worker reads nothing; ids outside scope are refused.
func TestAssignmentScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	p := e.mla(t, tr.b1)
	atPC := e.appoint(t, so, p, tr.pc, "x", "2024-01-01", "").Assignment
	atA1 := e.appoint(t, so, p, tr.a1, "x", "2024-01-01", "").Assignment
	atD2 := e.appoint(t, so, p, tr.d2, "x", "2024-01-01", "").Assignment
	for _, role := range []models.Role{models.RoleDistrictCoordinator, models.RoleBoothWorker, models.RoleViewer} {
		err := e.tryAppoint(scoped(role, tr.d1), p, tr.a1, "y", "2024-01-01", "")
		wantErr(t, err, services.EForbidden)
	}
	admin := services.Actor{UserID: 1, Username: "admin", Role: models.RoleAdmin}
	e.appoint(t, admin, p, tr.b1, "y", "2024-01-01", "")
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	l, err := e.set.Assignments.List(ctx, dc, services.AssignmentFilter{})
	noErr(t, err)
	if len(l.Items) != 2 || l.Items[0].Assignment.ID != atA1.ID {
		t.Fatalf("coordinator's list: %+v", l.Items)
	}
	for _, id := range []int64{atPC.ID, atD2.ID} {
		_, err = e.set.Assignments.Get(ctx, dc, id)
		wantErr(t, err, services.ENotFound)
	}
	_, err = e.set.Assignments.List(ctx, dc, services.AssignmentFilter{UnitID: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Assignments.List(ctx, scoped(models.RoleBoothWorker, tr.b1), services.AssignmentFilter{})
	wantErr(t, err, services.EForbidden)
	_, err = e.set.Assignments.Vacancies(ctx, scoped(models.RoleBoothWorker, tr.b1), services.VacancyFilter{Level: "booth", Purpose: "x"})
	wantErr(t, err, services.EForbidden)
	l, err = e.set.Assignments.List(ctx, scoped(models.RoleViewer, tr.d2), services.AssignmentFilter{})
	noErr(t, err)
	if len(l.Items) != 1 || l.Items[0].Assignment.ID != atD2.ID {
		t.Fatalf("viewer's list: %+v", l.Items)
	}
	// Another state's office: the unit and the person are refused as ones that do not exist.
	other := scoped(models.RoleStateOffice, e.newRoot(t))
	err = e.tryAppoint(other, p, tr.pc, "x", "2024-01-01", "")
	se := wantErr(t, err, services.EInvalid, "unit_id", "person_id")
	for _, f := range se.Fields {
		if f.Code != "unit_not_in_scope" && f.Code != "person_not_in_scope" {
			t.Fatalf("field %+v", f)
		}
	}
	_, err = e.set.Assignments.End(ctx, other, atPC.ID, "", nil)
	wantErr(t, err, services.ENotFound)
}

// TestAssignmentRace: many clients assign the same person to the same unit for the same purpose
// over overlapping dates at once. Exactly one wins; every other is refused as overlapping; one
// row is stored and verify finds nothing.
func TestAssignmentRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	so := scoped(models.RoleStateOffice, tr.state)
	for round := range 3 {
		p := e.mla(t, tr.b1)
		clients := 16
		errs := race(clients, func(i int) error {
			ends := ""
			if i%2 == 1 {
				ends = "2025-01-01"
			}
			return e.tryAppoint(so, p, tr.pc, "Lok Sabha 2029", "2024-0"+string(rune('1'+i%9))+"-01", ends)
		})
		ok, conflicts := tally(t, errs)
		if ok != 1 || conflicts != clients-1 {
			t.Fatalf("round %d: %d won, %d refused", round, ok, conflicts)
		}
		for _, err := range errs {
			if err != nil && fieldCode(t, err, "starts_on") != "assignment_overlaps" {
				t.Fatalf("refused with %v", err)
			}
		}
		var n int64
		noErr(t, e.db.Model(&models.Assignment{}).Where("person_id = ?", p.ID).Count(&n).Error)
		if n != 1 {
			t.Fatalf("round %d: %d rows", round, n)
		}
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestAssignmentFollowsItsUnit: an assignment at an assembly that moves to another district
// moves with it; verify reports a path broken straight in SQL and fixes it.
func TestAssignmentFollowsItsUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	a := e.appoint(t, so, e.mla(t, tr.b1), tr.s1, "organisation", "2024-01-01", "").Assignment
	_, err := e.units.Update(ctx, services.System, tr.s1.ID, services.UnitPatch{ParentID: &tr.a2.ID})
	noErr(t, err)
	_, err = e.set.Assignments.Get(ctx, scoped(models.RoleViewer, tr.d1), a.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Assignments.Get(ctx, scoped(models.RoleViewer, tr.d2), a.ID)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("verify after the move: %v", d)
	}
	noErr(t, e.db.Exec("UPDATE assignments SET path = ? WHERE id = ?", tr.d1.Path, a.ID).Error)
	diffs := e.differences(t)
	if len(diffs) != 1 || !strings.Contains(diffs[0], "assignments.path") {
		t.Fatalf("verify: %v", diffs)
	}
	_, err = e.verifier().Fix(ctx, services.System)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("after fix: %v", d)
	}
}

// TestAssignmentExport: the CSV export streams the assignments in scope with the list's
// filters, every cell through the formula guard, and is audited.
func TestAssignmentExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	evil := e.mustPerson(t, services.System, tr.b1, func(in *services.PersonInput) { in.Name = "=HYPERLINK(\"http://x\")" })
	e.appoint(t, so, evil, tr.d1, "@SUM(A1)", "2024-01-01", "")
	e.appoint(t, so, e.mla(t, tr.b4), tr.d2, "organisation", "2024-01-01", "")
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	sel, err := e.set.Assignments.Select(ctx, dc, services.AssignmentFilter{Active: "true"})
	noErr(t, err)
	mark := e.auditMark(t)
	var buf bytes.Buffer
	noErr(t, e.set.Assignments.ExportCSV(ctx, sel, &buf))
	recs, err := csv.NewReader(&buf).ReadAll()
	noErr(t, err)
	if len(recs) != 2 || strings.Join(recs[0], ",") != strings.Join(services.AssignmentColumns, ",") {
		t.Fatalf("export: %v", recs)
	}
	row := recs[1]
	if row[1] != tr.d1.Code || row[6] != "'=HYPERLINK(\"http://x\")" || row[9] != "'@SUM(A1)" || row[12] != "yes" || row[13] != "1" {
		t.Fatalf("row: %q", row)
	}
	rows := e.auditSince(t, mark)
	if len(rows) != 1 || rows[0].Action != "export" || rows[0].Entity != "assignments" || rows[0].After == nil || !strings.Contains(*rows[0].After, `"rows":1`) {
		t.Fatalf("audit: %+v", rows)
	}
	_, err = e.set.Assignments.Select(ctx, scoped(models.RoleBoothWorker, tr.b1), services.AssignmentFilter{})
	wantErr(t, err, services.EForbidden)
}

// TestAssignmentAuditView: the audit screen names an appointment and its end by the purpose, at
// the unit, with the person in charge; another district's coordinator reads none of it.
func TestAssignmentAuditView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	so := scoped(models.RoleStateOffice, tr.state)
	p := e.mla(t, tr.b1)
	mark := e.auditMark(t)
	a := e.appoint(t, so, p, tr.d1, "संगठन", "2024-01-01", "").Assignment
	_, err := e.set.Assignments.End(ctx, so, a.ID, "", nil)
	noErr(t, err)
	rows := e.auditRows(t, scoped(models.RoleDistrictCoordinator, tr.d1), mark)
	for _, action := range []string{"create", "end"} {
		r := auditRow(t, rows, action, "assignment", a.ID)
		if r.Target.Name != "संगठन" || r.Target.Unit == nil || r.Target.Unit.ID != tr.d1.ID || r.Target.Person == nil || r.Target.Person.ID != p.ID {
			t.Errorf("%s: target %+v", action, r.Target)
		}
	}
	if other := e.auditRows(t, scoped(models.RoleDistrictCoordinator, tr.d2), mark); len(other) != 0 {
		t.Errorf("another district's coordinator reads %d rows", len(other))
	}
}
