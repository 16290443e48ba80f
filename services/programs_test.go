package services_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// The test clock stands at 2024-03-01 10:00 UTC (15:30 in India).
const (
	pastStart   = "2024-02-28T10:00:00+05:30"
	futureStart = "2024-03-10T10:00:00+05:30"
)

// newProgram plans a program at u as actor; edits change the input first.
func (e *env) newProgram(t *testing.T, actor services.Actor, u models.Unit, edits ...func(*services.ProgramInput)) services.ProgramView {
	t.Helper()
	in := services.ProgramInput{UnitID: &u.ID, Kind: "awareness", Title: uniq("जागरूकता अभियान"), Place: "Panchayat bhavan",
		Organiser: "Booth president", StartsAt: futureStart}
	for _, edit := range edits {
		edit(&in)
	}
	v, err := e.set.Programs.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create program at %s: %v", u.Code, err)
	}
	return v
}

func fieldCode(t *testing.T, err error, field string) string {
	t.Helper()
	for _, f := range services.FieldsOf(err) {
		if f.Field == field {
			return f.Code
		}
	}
	t.Fatalf("no error for %s in %v", field, err)
	return ""
}

// TestProgramPlanAndReport: a booth worker plans a program at their booth and, once it has
// started, reports it held with attendance and outcome; each write is one audit row, the
// version moves by one, and the monthly counts show it.
func TestProgramPlanAndReport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	worker := scoped(models.RoleBoothWorker, tr.b1)
	mark := e.auditMark(t)
	v := e.newProgram(t, worker, tr.b1, func(in *services.ProgramInput) {
		in.StartsAt, in.EndsAt = "2024-03-01T17:00:00+05:30", "2024-03-01T19:00:00+05:30"
	})
	p := v.Program
	if p.Status != models.ProgramPlanned || p.Version != 1 || p.Path != tr.b1.Path || p.CreatedByName != worker.Username ||
		!p.StartsAt.Equal(time.Date(2024, 3, 1, 11, 30, 0, 0, time.UTC)) || p.StartsAt.Location() != time.UTC {
		t.Fatalf("new program: %+v", p)
	}
	audit := e.auditSince(t, mark)
	if len(audit) != 1 || audit[0].Action != "create" || audit[0].Entity != "program" || audit[0].UnitID == nil || *audit[0].UnitID != tr.b1.ID {
		t.Fatalf("audit of the create: %+v", audit)
	}
	// Not yet started: 17:00 in India is 11:30 UTC, the clock says 10:00.
	_, err := e.set.Programs.Update(ctx, worker, p.ID, services.ProgramPatch{Status: ptr("held")})
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "status"), "status"); c != "not_started" {
		t.Fatalf("code %s", c)
	}
	e.clock.Advance(2 * time.Hour)
	mark = e.auditMark(t)
	got, err := e.set.Programs.Update(ctx, worker, p.ID, services.ProgramPatch{Status: ptr("held"), Attendance: services.Nullable[int]{Set: true, Value: ptr(240)},
		Outcome: ptr("ग्राम सभा में 240 लोग आए।"), IfMatch: ptr(int64(1))})
	noErr(t, err)
	if got.Program.Status != models.ProgramHeld || *got.Program.Attendance != 240 || got.Program.Version != 2 || got.Program.UpdatedByName != worker.Username {
		t.Fatalf("after report: %+v", got.Program)
	}
	audit = e.auditSince(t, mark)
	if len(audit) != 1 || audit[0].Action != "report" || !strings.Contains(*audit[0].Before, `"status":"planned"`) || !strings.Contains(*audit[0].After, `"attendance":240`) {
		t.Fatalf("audit of the report: %+v", audit)
	}
	counts, err := e.set.Programs.Counts(ctx, worker, services.CountsFilter{})
	noErr(t, err)
	want := []services.ProgramCount{{Month: "2024-03", Kind: models.ProgramAwareness, Held: 1, Attendance: 240}}
	if d := cmp.Diff(want, counts); d != "" {
		t.Errorf("counts (-want +got):\n%s", d)
	}
	// A correction of the attendance of a held program is a plain update.
	mark = e.auditMark(t)
	got, err = e.set.Programs.Update(ctx, worker, p.ID, services.ProgramPatch{Attendance: services.Nullable[int]{Set: true, Value: ptr(250)}})
	noErr(t, err)
	if *got.Program.Attendance != 250 || got.Program.Outcome != "ग्राम सभा में 240 लोग आए।" || got.Program.Version != 3 {
		t.Fatalf("after correction: %+v", got.Program)
	}
	if a := e.auditSince(t, mark); len(a) != 1 || a[0].Action != "update" {
		t.Fatalf("audit of the correction: %+v", a)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestProgramRules: each rule of a program's fields and life, refused with the field and code
// it names, and nothing written.
func TestProgramRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	s := e.set.Programs
	create := func(edit func(*services.ProgramInput)) error {
		in := services.ProgramInput{UnitID: &tr.b1.ID, Kind: "protest", Title: "धरना", StartsAt: futureStart}
		edit(&in)
		_, err := s.Create(ctx, dc, in)
		return err
	}
	for _, c := range []struct {
		name  string
		edit  func(*services.ProgramInput)
		field string
		code  string
	}{
		{"ends before it starts", func(in *services.ProgramInput) { in.EndsAt = "2024-03-10T09:59:59+05:30" }, "ends_at", "ends_before_start"},
		{"no unit", func(in *services.ProgramInput) { in.UnitID = nil }, "unit_id", "required"},
		{"unknown kind", func(in *services.ProgramInput) { in.Kind = "rally" }, "kind", "one_of"},
		{"no title", func(in *services.ProgramInput) { in.Title = "  " }, "title", "required"},
		{"long title", func(in *services.ProgramInput) { in.Title = strings.Repeat("क", 201) }, "title", "too_long"},
		{"long place", func(in *services.ProgramInput) { in.Place = strings.Repeat("p", 201) }, "place", "too_long"},
		{"long organiser", func(in *services.ProgramInput) { in.Organiser = strings.Repeat("o", 201) }, "organiser", "too_long"},
		{"long description", func(in *services.ProgramInput) { in.Description = strings.Repeat("d", 5001) }, "description", "too_long"},
		{"control characters", func(in *services.ProgramInput) { in.Place = "a\x00b" }, "place", "not_text"},
		{"no start", func(in *services.ProgramInput) { in.StartsAt = "" }, "starts_at", "required"},
		{"a start without an offset", func(in *services.ProgramInput) { in.StartsAt = "2024-03-10T10:00" }, "starts_at", "date_invalid"},
		{"a unit of another district", func(in *services.ProgramInput) { in.UnitID = &tr.b4.ID }, "unit_id", "unit_not_in_scope"},
		{"a unit that does not exist", func(in *services.ProgramInput) { in.UnitID = ptr(int64(987654321)) }, "unit_id", "unit_not_in_scope"},
		{"an incident that does not exist", func(in *services.ProgramInput) { in.IncidentID = ptr(int64(987654321)) }, "incident_id", "incident_not_in_scope"},
		{"an organiser outside the scope", func(in *services.ProgramInput) {
			in.OrganiserPersonID = ptr(e.mustPerson(t, services.System, tr.d2).ID)
		}, "organiser_person_id", "person_not_in_scope"},
	} {
		err := create(c.edit)
		if got := fieldCode(t, wantErr(t, err, services.EInvalid, c.field), c.field); got != c.code {
			t.Errorf("%s: code %s, want %s", c.name, got, c.code)
		}
	}
	// The end may equal the start.
	noErr(t, create(func(in *services.ProgramInput) { in.EndsAt = futureStart }))

	// Attendance only when held, and bounded.
	p := e.newProgram(t, dc, tr.b1, func(in *services.ProgramInput) { in.StartsAt = pastStart }).Program
	_, err := s.Update(ctx, dc, p.ID, services.ProgramPatch{Attendance: services.Nullable[int]{Set: true, Value: ptr(10)}})
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "attendance"), "attendance"); c != "held_only" {
		t.Errorf("attendance on a planned program: %s", c)
	}
	for _, n := range []int{-1, services.MaxAttendance + 1} {
		_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Status: ptr("held"), Attendance: services.Nullable[int]{Set: true, Value: ptr(n)}})
		if c := fieldCode(t, wantErr(t, err, services.EInvalid, "attendance"), "attendance"); c != "out_of_range" {
			t.Errorf("attendance %d: %s", n, c)
		}
	}
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Status: ptr("done")})
	wantErr(t, err, services.EInvalid, "status")
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{EndsAt: services.Nullable[string]{Set: true, Value: ptr("2024-02-28T09:00:00+05:30")}})
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "ends_at"), "ends_at"); c != "ends_before_start" {
		t.Errorf("ends_at before the stored start: %s", c)
	}
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Title: ptr(strings.Repeat("t", 201)), Outcome: ptr(strings.Repeat("o", 5001))})
	wantErr(t, err, services.EInvalid, "outcome", "title")
	// Moving the start into the future and reporting it held in one patch: not started.
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{StartsAt: ptr(futureStart), Status: ptr("held")})
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "status"), "status"); c != "not_started" {
		t.Errorf("held before the new start: %s", c)
	}
	if got, err := s.Get(ctx, dc, p.ID); err != nil || got.Program.Version != 1 || got.Program.Status != models.ProgramPlanned {
		t.Fatalf("after refusals: %+v %v", got.Program, err)
	}
	// Only the fields given change.
	got, err := s.Update(ctx, dc, p.ID, services.ProgramPatch{Place: ptr("Ambedkar park")})
	noErr(t, err)
	if got.Program.Place != "Ambedkar park" || got.Program.Title != p.Title || got.Program.Organiser != p.Organiser || !got.Program.StartsAt.Equal(p.StartsAt) {
		t.Fatalf("after a place change: %+v", got.Program)
	}
	// If-Match.
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Title: ptr("x"), IfMatch: ptr(int64(1))})
	wantErr(t, err, services.EPrecondition)
	wantErr(t, s.Delete(ctx, dc, p.ID, ptr(int64(1))), services.EPrecondition)

	// Held and cancelled are final, and then the details are fixed.
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Status: ptr("held")})
	noErr(t, err)
	for _, st := range []string{"planned", "cancelled"} {
		_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Status: ptr(st)})
		wantErr(t, err, services.EConflict)
	}
	_, err = s.Update(ctx, dc, p.ID, services.ProgramPatch{Title: ptr("Another title")})
	wantErr(t, err, services.EConflict)
	c := e.newProgram(t, dc, tr.b1).Program
	_, err = s.Update(ctx, dc, c.ID, services.ProgramPatch{Status: ptr("cancelled"), Outcome: ptr("Rain")})
	noErr(t, err)
	for _, st := range []string{"planned", "held"} {
		_, err = s.Update(ctx, dc, c.ID, services.ProgramPatch{Status: ptr(st)})
		wantErr(t, err, services.EConflict)
	}
	_, err = s.Update(ctx, dc, c.ID, services.ProgramPatch{Attendance: services.Nullable[int]{Set: true, Value: ptr(3)}})
	wantErr(t, err, services.EInvalid, "attendance")
	// The same status again is no change at all.
	before := e.auditMark(t)
	got, err = s.Update(ctx, dc, c.ID, services.ProgramPatch{Status: ptr("cancelled")})
	noErr(t, err)
	if got.Program.Version != 2 || len(e.auditSince(t, before)) != 0 {
		t.Errorf("a repeated status wrote: version %d", got.Program.Version)
	}
	noErr(t, s.Delete(ctx, dc, c.ID, ptr(int64(2))))
	_, err = s.Get(ctx, dc, c.ID)
	wantErr(t, err, services.ENotFound)
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestProgramIncident: a program is about an incident the actor can read, at a unit of the
// incident's district; a booth worker (who reads no incidents) cannot name one.
func TestProgramIncident(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	state := scoped(models.RoleStateOffice, tr.state)
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	inc1 := e.newIncident(t, dc, tr.b1).Incident
	inc2 := e.newIncident(t, state, tr.b4).Incident

	v := e.newProgram(t, dc, tr.b3, func(in *services.ProgramInput) { in.IncidentID = &inc1.ID })
	if v.Incident == nil || v.Incident.ID != inc1.ID || v.Incident.Title != inc1.Title {
		t.Fatalf("incident of the program: %+v", v.Incident)
	}
	// The state office plans at the district itself.
	e.newProgram(t, state, tr.d1, func(in *services.ProgramInput) { in.IncidentID = &inc1.ID })

	in := func(u models.Unit, inc int64) services.ProgramInput {
		return services.ProgramInput{UnitID: &u.ID, IncidentID: &inc, Kind: "protest", Title: "धरना-प्रदर्शन", StartsAt: futureStart}
	}
	// Another district's incident: hidden from the coordinator, worded as missing.
	_, err := e.set.Programs.Create(ctx, dc, in(tr.b1, inc2.ID))
	hidden := wantErr(t, err, services.EInvalid, "incident_id")
	_, err = e.set.Programs.Create(ctx, dc, in(tr.b1, 987654321))
	missing := wantErr(t, err, services.EInvalid, "incident_id")
	if d := cmp.Diff(missing.Fields, hidden.Fields); d != "" {
		t.Errorf("hidden vs missing incident:\n%s", d)
	}
	// The state office sees both, but the unit must lie in the incident's district.
	_, err = e.set.Programs.Create(ctx, state, in(tr.b1, inc2.ID))
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "unit_id"), "unit_id"); c != "outside_incident_district" {
		t.Errorf("code %s", c)
	}
	_, err = e.set.Programs.Create(ctx, state, in(tr.state, inc1.ID))
	wantErr(t, err, services.EInvalid, "unit_id")
	// A booth worker reads no incidents: even one at their booth is not there for them.
	_, err = e.set.Programs.Create(ctx, scoped(models.RoleBoothWorker, tr.b1), in(tr.b1, inc1.ID))
	wantErr(t, err, services.EInvalid, "incident_id")
	// The booth worker reads the program but not the incident's title.
	w := e.newProgram(t, dc, tr.b1, func(in *services.ProgramInput) { in.IncidentID = &inc1.ID })
	got, err := e.set.Programs.Get(ctx, scoped(models.RoleBoothWorker, tr.b1), w.Program.ID)
	noErr(t, err)
	if got.Incident != nil || got.Program.IncidentID == nil {
		t.Errorf("booth worker's view of the incident: %+v", got.Incident)
	}
	// PATCH checks the incident too.
	_, err = e.set.Programs.Update(ctx, state, w.Program.ID, services.ProgramPatch{IncidentID: services.Nullable[int64]{Set: true, Value: &inc2.ID}})
	wantErr(t, err, services.EInvalid, "unit_id")
	// The list by incident.
	page, err := e.set.Programs.List(ctx, dc, services.ProgramFilter{IncidentID: &inc1.ID})
	noErr(t, err)
	if len(page.Items) != 3 {
		t.Errorf("%d programs about incident 1, want 3", len(page.Items))
	}
}

// TestProgramRoles: who may plan, change, report, delete and read where.
func TestProgramRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	s := e.set.Programs
	admin := services.System
	state := scoped(models.RoleStateOffice, tr.state)
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	worker := scoped(models.RoleBoothWorker, tr.b1)
	viewer := scoped(models.RoleViewer, tr.d1)
	in := func(u models.Unit) services.ProgramInput {
		return services.ProgramInput{UnitID: &u.ID, Kind: "meeting", Title: "बैठक", StartsAt: pastStart}
	}
	// Planning.
	for _, c := range []struct {
		actor services.Actor
		unit  models.Unit
		want  services.Code
	}{
		{admin, tr.b4, ""}, {state, tr.b4, ""}, {state, tr.state, ""}, {dc, tr.d1, ""}, {dc, tr.b2, ""}, {worker, tr.b1, ""},
		{dc, tr.b4, services.EInvalid}, {dc, tr.state, services.EInvalid}, {worker, tr.b2, services.EInvalid}, {worker, tr.s1, services.EInvalid},
		{viewer, tr.b1, services.EForbidden},
	} {
		_, err := s.Create(ctx, c.actor, in(c.unit))
		if services.ErrorCode(err) != c.want {
			t.Errorf("%s plans at %s: %v, want %q", c.actor.Role, c.unit.Code, err, c.want)
		}
		if c.want == services.EInvalid {
			wantErr(t, err, services.EInvalid, "unit_id")
		}
	}
	atB1 := e.newProgram(t, dc, tr.b1, func(in *services.ProgramInput) { in.StartsAt = pastStart }).Program
	atB2 := e.newProgram(t, dc, tr.b2).Program
	atB4 := e.newProgram(t, state, tr.b4).Program

	// The booth worker reports at their booth; details and deletes are not theirs.
	_, err := s.Update(ctx, worker, atB1.ID, services.ProgramPatch{Title: ptr("New title")})
	wantErr(t, err, services.EForbidden)
	wantErr(t, s.Delete(ctx, worker, atB1.ID, nil), services.EForbidden)
	_, err = s.Update(ctx, worker, atB2.ID, services.ProgramPatch{Status: ptr("cancelled")})
	wantErr(t, err, services.ENotFound)
	_, err = s.Update(ctx, worker, atB1.ID, services.ProgramPatch{Status: ptr("held"), Attendance: services.Nullable[int]{Set: true, Value: ptr(12)}})
	noErr(t, err)
	// The viewer writes nothing.
	_, err = s.Update(ctx, viewer, atB2.ID, services.ProgramPatch{Status: ptr("cancelled")})
	wantErr(t, err, services.EForbidden)
	wantErr(t, s.Delete(ctx, viewer, atB2.ID, nil), services.EForbidden)
	// The coordinator changes and deletes in the district only.
	_, err = s.Update(ctx, dc, atB4.ID, services.ProgramPatch{Title: ptr("x")})
	wantErr(t, err, services.ENotFound)
	wantErr(t, s.Delete(ctx, dc, atB4.ID, nil), services.ENotFound)
	_, err = s.Update(ctx, dc, atB2.ID, services.ProgramPatch{Title: ptr("जन संवाद"), Kind: ptr("public_dialogue")})
	noErr(t, err)
	_, err = s.Update(ctx, state, atB4.ID, services.ProgramPatch{Status: ptr("cancelled")})
	noErr(t, err)

	// Reading.
	ids := func(a services.Actor, f services.ProgramFilter) []int64 {
		t.Helper()
		page, err := s.List(ctx, a, f)
		noErr(t, err)
		var out []int64
		for _, v := range page.Items {
			if id := v.Program.ID; id == atB1.ID || id == atB2.ID || id == atB4.ID {
				out = append(out, v.Program.ID)
			}
		}
		return out
	}
	if got := ids(worker, services.ProgramFilter{}); !cmp.Equal(got, []int64{atB1.ID}) {
		t.Errorf("booth worker reads %v", got)
	}
	if got := ids(viewer, services.ProgramFilter{}); len(got) != 2 {
		t.Errorf("viewer of d1 reads %v", got)
	}
	if got := ids(state, services.ProgramFilter{}); len(got) != 3 {
		t.Errorf("state office reads %v", got)
	}
	_, err = s.Get(ctx, worker, atB2.ID)
	wantErr(t, err, services.ENotFound)
	_, err = s.Get(ctx, viewer, atB4.ID)
	wantErr(t, err, services.ENotFound)
	_, err = s.List(ctx, dc, services.ProgramFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = s.List(ctx, worker, services.ProgramFilter{UnitID: &tr.b2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = s.Counts(ctx, dc, services.CountsFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
}

// TestProgramListAndCounts: the list's filters and starts_at order across pages both ways, the
// calendar of coming programs, and the counts by month (India time) and kind of a subtree.
func TestProgramListAndCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	s := e.set.Programs
	state := scoped(models.RoleStateOffice, tr.state)
	mk := func(u models.Unit, kind, starts string) models.Program {
		return e.newProgram(t, state, u, func(in *services.ProgramInput) { in.Kind, in.StartsAt = kind, starts }).Program
	}
	// 2024-01-31T20:00 UTC is 1 February in India: it counts in February.
	jan := mk(tr.b1, "awareness", "2024-01-15T10:00:00+05:30")
	febEdge := mk(tr.b1, "protest", "2024-01-31T20:00:00Z")
	feb := mk(tr.b2, "protest", "2024-02-20T10:00:00+05:30")
	soon := mk(tr.b3, "meeting", "2024-03-05T10:00:00+05:30")
	later := mk(tr.b1, "meeting", "2024-05-01T10:00:00+05:30")
	other := mk(tr.b4, "awareness", "2024-03-02T10:00:00+05:30")
	cancelled := mk(tr.b1, "meeting", "2024-03-03T10:00:00+05:30")
	_, err := s.Update(ctx, state, cancelled.ID, services.ProgramPatch{Status: ptr("cancelled")})
	noErr(t, err)
	for _, p := range []models.Program{jan, febEdge} {
		_, err = s.Update(ctx, state, p.ID, services.ProgramPatch{Status: ptr("held"), Attendance: services.Nullable[int]{Set: true, Value: ptr(100)}})
		noErr(t, err)
	}

	list := func(f services.ProgramFilter) []int64 {
		t.Helper()
		var out []int64
		for {
			page, err := s.List(ctx, state, f)
			noErr(t, err)
			for _, v := range page.Items {
				out = append(out, v.Program.ID)
			}
			if page.NextCursor == "" {
				return out
			}
			f.Page.Cursor = page.NextCursor
		}
	}
	all := []int64{jan.ID, febEdge.ID, feb.ID, other.ID, cancelled.ID, soon.ID, later.ID}
	if got := list(services.ProgramFilter{Page: services.PageRequest{Limit: 2}}); !cmp.Equal(got, all) {
		t.Errorf("by starts_at: %v, want %v", got, all)
	}
	rev := []int64{later.ID, soon.ID, cancelled.ID, other.ID, feb.ID, febEdge.ID, jan.ID}
	if got := list(services.ProgramFilter{Sort: "-starts_at", Page: services.PageRequest{Limit: 3}}); !cmp.Equal(got, rev) {
		t.Errorf("by -starts_at: %v, want %v", got, rev)
	}
	for name, c := range map[string]struct {
		f    services.ProgramFilter
		want []int64
	}{
		"under d1":             {services.ProgramFilter{Under: &tr.d1.ID}, []int64{jan.ID, febEdge.ID, feb.ID, cancelled.ID, soon.ID, later.ID}},
		"unit b1":              {services.ProgramFilter{UnitID: &tr.b1.ID}, []int64{jan.ID, febEdge.ID, cancelled.ID, later.ID}},
		"status planned":       {services.ProgramFilter{Status: "planned"}, []int64{feb.ID, other.ID, soon.ID, later.ID}},
		"kind protest":         {services.ProgramFilter{Kind: "protest"}, []int64{febEdge.ID, feb.ID}},
		"coming":               {services.ProgramFilter{From: "2024-03-01T10:00:00Z", Status: "planned"}, []int64{other.ID, soon.ID, later.ID}},
		"february (India)":     {services.ProgramFilter{From: "2024-02-01", To: "2024-02-29"}, []int64{febEdge.ID, feb.ID}},
		"to a time, inclusive": {services.ProgramFilter{To: "2024-01-31T20:00:00Z"}, []int64{jan.ID, febEdge.ID}},
	} {
		if got := list(c.f); !cmp.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
	cal, err := s.Calendar(ctx, state, &tr.d1.ID, 30, services.PageRequest{})
	noErr(t, err)
	if len(cal.Items) != 1 || cal.Items[0].Program.ID != soon.ID {
		t.Errorf("calendar of d1: %+v", cal.Items)
	}
	_, err = s.Calendar(ctx, state, nil, 400, services.PageRequest{})
	wantErr(t, err, services.EInvalid, "days")
	for _, f := range []services.ProgramFilter{{Status: "done"}, {Kind: "rally"}, {From: "yesterday"}, {Sort: "title"}, {Page: services.PageRequest{Cursor: "!!"}}} {
		_, err := s.List(ctx, state, f)
		wantErr(t, err, services.EInvalid)
	}

	counts, err := s.Counts(ctx, state, services.CountsFilter{Under: &tr.d1.ID})
	noErr(t, err)
	want := []services.ProgramCount{
		{Month: "2024-01", Kind: models.ProgramAwareness, Held: 1, Attendance: 100},
		{Month: "2024-02", Kind: models.ProgramProtest, Planned: 1, Held: 1, Attendance: 100},
		{Month: "2024-03", Kind: models.ProgramMeeting, Planned: 1, Cancelled: 1},
		{Month: "2024-05", Kind: models.ProgramMeeting, Planned: 1},
	}
	if d := cmp.Diff(want, counts); d != "" {
		t.Errorf("counts under d1 (-want +got):\n%s", d)
	}
	counts, err = s.Counts(ctx, state, services.CountsFilter{From: "2024-02", To: "2024-03"})
	noErr(t, err)
	want = []services.ProgramCount{
		{Month: "2024-02", Kind: models.ProgramProtest, Planned: 1, Held: 1, Attendance: 100},
		{Month: "2024-03", Kind: models.ProgramAwareness, Planned: 1},
		{Month: "2024-03", Kind: models.ProgramMeeting, Planned: 1, Cancelled: 1},
	}
	if d := cmp.Diff(want, counts); d != "" {
		t.Errorf("counts Feb–Mar (-want +got):\n%s", d)
	}
}

// TestProgramRace: 16 clients change one program at once — half with the version they read,
// half without, some reporting it held with an attendance, some cancelling it, some editing
// its place — while 16 more plan programs at the same booth. Every change is applied whole or
// refused (412 for a stale version, 409 once it is held or cancelled); the version counts the
// changes applied, there is one audit row per write, and verify finds nothing.
func TestProgramRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	s := e.set.Programs
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	const clients = 16
	for round := range 3 {
		p := e.newProgram(t, dc, tr.b1, func(in *services.ProgramInput) { in.StartsAt = pastStart }).Program
		mark := e.auditMark(t)
		errs := race(2*clients, func(i int) error {
			if i >= clients {
				_, err := s.Create(ctx, dc, services.ProgramInput{UnitID: &tr.b1.ID, Kind: "meeting", Title: fmt.Sprintf("बैठक %d", i), StartsAt: futureStart})
				return err
			}
			patch := services.ProgramPatch{}
			if i%2 == 0 {
				patch.IfMatch = ptr(int64(1))
			}
			switch i % 4 {
			case 0, 1:
				patch.Place = ptr(fmt.Sprintf("Place %d", i))
			case 2:
				patch.Status, patch.Attendance = ptr("held"), services.Nullable[int]{Set: true, Value: ptr(i)}
			case 3:
				patch.Status, patch.Outcome = ptr("cancelled"), ptr(fmt.Sprintf("Called off %d", i))
			}
			_, err := s.Update(ctx, dc, p.ID, patch)
			return err
		})
		applied := 0
		for i, err := range errs {
			switch services.ErrorCode(err) {
			case "":
				if i < clients {
					applied++
				}
			case services.EConflict, services.EPrecondition:
				if i >= clients {
					t.Fatalf("round %d: create %d refused: %v", round, i, err)
				}
			default:
				t.Fatalf("round %d: client %d: %v", round, i, err)
			}
		}
		got, err := s.Get(ctx, dc, p.ID)
		noErr(t, err)
		if got.Program.Version != int64(1+applied) {
			t.Errorf("round %d: version %d after %d changes", round, got.Program.Version, applied)
		}
		if got.Program.Status == models.ProgramPlanned {
			t.Errorf("round %d: still planned", round)
		}
		if (got.Program.Attendance != nil) != (got.Program.Status == models.ProgramHeld) {
			t.Errorf("round %d: %s with attendance %v", round, got.Program.Status, got.Program.Attendance)
		}
		if a := e.auditSince(t, mark); len(a) != applied+clients {
			t.Errorf("round %d: %d audit rows, want %d", round, len(a), applied+clients)
		}
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestProgramFollowsItsUnit: a program at a booth whose sector moves to another district moves
// with it; verify reports a path broken straight in SQL and fixes it.
func TestProgramFollowsItsUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	v := e.newProgram(t, services.System, tr.b1)
	_, err := e.units.Update(ctx, services.System, tr.s1.ID, services.UnitPatch{ParentID: &tr.a2.ID})
	noErr(t, err)
	_, err = e.set.Programs.Get(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), v.Program.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Programs.Get(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), v.Program.ID)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("verify after the move: %v", d)
	}
	noErr(t, e.db.Exec("UPDATE programs SET path = ? WHERE id = ?", tr.d1.Path, v.Program.ID).Error)
	diffs := e.differences(t)
	if len(diffs) != 1 || !strings.Contains(diffs[0], "programs.path") {
		t.Fatalf("verify: %v", diffs)
	}
	_, err = e.verifier().Fix(ctx, services.System)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("after fix: %v", d)
	}
}

// TestProgramAuditView: the audit screen names a program by its title at the unit it is filed
// under, and lists the reported fields as changes; another district's coordinator reads none of it.
func TestProgramAuditView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	dc := scoped(models.RoleDistrictCoordinator, tr.d1)
	mark := e.auditMark(t)
	p := e.newProgram(t, dc, tr.b1, func(in *services.ProgramInput) { in.StartsAt = pastStart }).Program
	_, err := e.set.Programs.Update(ctx, dc, p.ID, services.ProgramPatch{Status: ptr("held"), Attendance: services.Nullable[int]{Set: true, Value: ptr(70)}})
	noErr(t, err)
	rows := e.auditRows(t, dc, mark)
	for _, action := range []string{"create", "report"} {
		r := auditRow(t, rows, action, "program", p.ID)
		if r.Target.Name != p.Title || r.Target.Unit == nil || r.Target.Unit.ID != tr.b1.ID || r.Target.Unit.Hidden {
			t.Errorf("%s: target %+v", action, r.Target)
		}
	}
	r := auditRow(t, rows, "report", "program", p.ID)
	if c := changeOf(r, "status"); c == nil || c.Before != "planned" || c.After != "held" {
		t.Errorf("status change: %+v", c)
	}
	if c := changeOf(r, "attendance"); c == nil || c.After == nil {
		t.Errorf("attendance change: %+v", c)
	}
	if other := e.auditRows(t, scoped(models.RoleDistrictCoordinator, tr.d2), mark); len(other) != 0 {
		t.Errorf("another district's coordinator reads %d rows", len(other))
	}
}
