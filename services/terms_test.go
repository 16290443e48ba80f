package services_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// setTermStart sets the day a unit's committee term started, as data older than the code would
// have it (the migration's backfill).
func (e *env) setTermStart(t *testing.T, u models.Unit, day string) {
	t.Helper()
	noErr(t, e.db.Model(&models.Unit{}).Where("id = ?", u.ID).UpdateColumn("term_started_on", models.Date(day)).Error)
}

// setToday moves the test clock to 10:00 UTC (15:30 in India) on day.
func (e *env) setToday(t *testing.T, day string) {
	t.Helper()
	d, err := time.Parse(models.DateLayout, day)
	noErr(t, err)
	e.clock.Advance(d.Add(10 * time.Hour).Sub(e.clock.Now()))
}

func dueCodes(p services.Page[services.DueCommittee]) []string {
	out := []string{}
	for _, d := range p.Items {
		out = append(out, d.Unit.Code)
	}
	return out
}

func TestAddMonths(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2024-03-01", 36, "2027-03-01"}, {"2024-01-31", 1, "2024-02-29"}, {"2023-01-31", 1, "2023-02-28"},
		{"2024-02-29", 12, "2025-02-28"}, {"2024-05-31", -3, "2024-02-29"}, {"2024-12-15", 1, "2025-01-15"},
		{"2025-01-15", -1, "2024-12-15"}, {"2024-03-31", -36, "2021-03-31"},
	} {
		if got := services.AddMonths(models.Date(c.from), c.n); string(got) != c.want {
			t.Errorf("AddMonths(%s, %d) = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

// TestCommitteesDue: the committees whose term ended or ends within the window, most overdue
// first, with their term and seats; empty committees, and those not due, are not listed; the
// window's bounds; paging; scope per role and under=.
func TestCommitteesDue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 10)
	e.fillCommittee(t, tr.b2, 3)
	e.fillCommittee(t, tr.b3, 2)
	e.fillCommittee(t, tr.a1, 3)
	e.setTermStart(t, tr.b1, "2023-01-01") // ended 2026-01-01
	e.setTermStart(t, tr.a1, "2023-06-30") // ended 2026-06-30
	e.setTermStart(t, tr.b2, "2024-03-01") // ends 2027-03-01, within 90 days
	e.setTermStart(t, tr.b3, "2025-01-01") // ends 2028-01-01: not due
	e.setTermStart(t, tr.b4, "2020-01-01") // no committee: not listed
	e.setToday(t, "2027-01-15")

	p, err := e.set.Committees.Due(ctx, services.System, &tr.state.ID, nil, services.PageRequest{})
	noErr(t, err)
	if d := cmp.Diff([]string{tr.b1.Code, tr.a1.Code, tr.b2.Code}, dueCodes(p)); d != "" {
		t.Fatalf("due, most overdue first (-want +got):\n%s", d)
	}
	type row struct {
		Started, Ends models.Date
		Days, Seats   int
	}
	var got []row
	for _, it := range p.Items {
		got = append(got, row{it.TermStartedOn, it.TermEndsOn, it.DaysLeft, it.Seats})
	}
	want := []row{{"2023-01-01", "2026-01-01", -379, 10}, {"2023-06-30", "2026-06-30", -199, 3}, {"2024-03-01", "2027-03-01", 45, 3}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("terms (-want +got):\n%s", d)
	}

	// within_days=0: only those whose term has ended; a longer window takes in b3.
	p, err = e.set.Committees.Due(ctx, services.System, &tr.state.ID, ptr(0), services.PageRequest{})
	noErr(t, err)
	if d := cmp.Diff([]string{tr.b1.Code, tr.a1.Code}, dueCodes(p)); d != "" {
		t.Errorf("within 0 days (-want +got):\n%s", d)
	}
	p, err = e.set.Committees.Due(ctx, services.System, &tr.state.ID, ptr(365), services.PageRequest{})
	noErr(t, err)
	if d := cmp.Diff([]string{tr.b1.Code, tr.a1.Code, tr.b2.Code, tr.b3.Code}, dueCodes(p)); d != "" {
		t.Errorf("within 365 days (-want +got):\n%s", d)
	}
	for _, bad := range []int{-1, services.MaxDueWithinDays + 1} {
		_, err = e.set.Committees.Due(ctx, services.System, nil, ptr(bad), services.PageRequest{})
		wantErr(t, err, services.EInvalid, "within_days")
	}
	_, err = e.set.Committees.Due(ctx, services.System, nil, nil, services.PageRequest{Cursor: "nonsense"})
	wantErr(t, err, services.EInvalid, "cursor")

	// Paging one at a time walks the same list.
	var walked []string
	pr := services.PageRequest{Limit: 1}
	for range 5 {
		p, err := e.set.Committees.Due(ctx, services.System, &tr.state.ID, nil, pr)
		noErr(t, err)
		walked = append(walked, dueCodes(p)...)
		if p.NextCursor == "" {
			break
		}
		pr.Cursor = p.NextCursor
	}
	if d := cmp.Diff([]string{tr.b1.Code, tr.a1.Code, tr.b2.Code}, walked); d != "" {
		t.Errorf("paged (-want +got):\n%s", d)
	}

	// Scope: a booth worker sees their booth; a coordinator of the other district nothing; under=
	// narrows; a unit outside scope is not found.
	for _, c := range []struct {
		name  string
		actor services.Actor
		under *int64
		want  []string
	}{
		{"booth worker", scoped(models.RoleBoothWorker, tr.b1), nil, []string{tr.b1.Code}},
		{"viewer of d1", scoped(models.RoleViewer, tr.d1), nil, []string{tr.b1.Code, tr.a1.Code, tr.b2.Code}},
		{"coordinator of d2", scoped(models.RoleDistrictCoordinator, tr.d2), nil, []string{}},
		{"under sector", services.System, &tr.s1.ID, []string{tr.b1.Code, tr.b2.Code}},
	} {
		p, err := e.set.Committees.Due(ctx, c.actor, c.under, nil, services.PageRequest{})
		noErr(t, err)
		if d := cmp.Diff(c.want, dueCodes(p)); d != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, d)
		}
	}
	_, err = e.set.Committees.Due(ctx, scoped(models.RoleDistrictCoordinator, tr.d2), &tr.d1.ID, nil, services.PageRequest{})
	wantErr(t, err, services.ENotFound)
}

// TestReconstitute: reconstituting ends every current seat on one date, keeps them in the history
// and the person's seats as past, opens an empty committee whose term starts that day, moves the
// booth coverage and representation counts exactly, leaves the committee off the due list, is
// audited, and verify finds nothing. The date's bounds, If-Match and the roles.
func TestReconstitute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	seats := e.fillCommittee(t, tr.b1, 10)
	e.fillCommittee(t, tr.b2, 3)
	e.setToday(t, "2027-04-01")
	coordinator := scoped(models.RoleDistrictCoordinator, tr.d1)

	if c := e.coverageOf(t, tr.s1); c.Complete != 1 || c.Booths != 2 {
		t.Fatalf("sector coverage before: %+v, want 1 of 2", c)
	}
	due, err := e.set.Committees.Due(ctx, coordinator, nil, nil, services.PageRequest{})
	noErr(t, err)
	if d := cmp.Diff([]string{tr.b1.Code, tr.b2.Code}, dueCodes(due)); d != "" {
		t.Fatalf("due before (-want +got):\n%s", d)
	}

	// Refusals first: nothing changes.
	for _, c := range []struct {
		name  string
		actor services.Actor
		on    string
		code  services.Code
		field string
	}{
		{"future", coordinator, "2027-04-02", services.EInvalid, "on"},
		{"before the term", coordinator, "2024-02-29", services.EInvalid, "on"},
		{"not a date", coordinator, "01/04/2027", services.EInvalid, "on"},
		{"missing", coordinator, "", services.EInvalid, "on"},
		{"booth worker", scoped(models.RoleBoothWorker, tr.b1), "2027-04-01", services.EForbidden, ""},
		{"viewer", scoped(models.RoleViewer, tr.d1), "2027-04-01", services.EForbidden, ""},
		{"coordinator of d2", scoped(models.RoleDistrictCoordinator, tr.d2), "2027-04-01", services.ENotFound, ""},
	} {
		_, err := e.set.Committees.Reconstitute(ctx, c.actor, tr.b1.ID, c.on, nil)
		if c.field != "" {
			wantErr(t, err, c.code, c.field)
		} else {
			wantErr(t, err, c.code)
		}
	}
	b1 := loadUnit(t, e.db, tr.b1.ID)
	_, err = e.set.Committees.Reconstitute(ctx, coordinator, tr.b1.ID, "2027-04-01", ptr(b1.Version+1))
	wantErr(t, err, services.EPrecondition)

	mark := e.auditMark(t)
	v, err := e.set.Committees.Reconstitute(ctx, coordinator, tr.b1.ID, "2027-04-01", ptr(b1.Version))
	noErr(t, err)
	if len(v.Seats) != 0 || v.Complete || v.Term.StartedOn != "2027-04-01" || v.Term.EndsOn != "2030-04-01" {
		t.Errorf("new committee: %d seats, complete %v, term %+v; want empty, from 2027-04-01 to 2030-04-01", len(v.Seats), v.Complete, v.Term)
	}
	after := loadUnit(t, e.db, tr.b1.ID)
	if after.Version != b1.Version+1 || after.TermStartedOn != "2027-04-01" || after.Seats != 0 {
		t.Errorf("unit after: version %d (was %d), term %s, seats %d", after.Version, b1.Version, after.TermStartedOn, after.Seats)
	}
	// Every seat ended on the day, and stays in the history.
	var ended []models.Seat
	noErr(t, e.db.Where("unit_id = ?", tr.b1.ID).Find(&ended).Error)
	if len(ended) != len(seats) {
		t.Fatalf("history holds %d seats, want %d", len(ended), len(seats))
	}
	for _, st := range ended {
		if st.EndedAt == nil || models.DateOf(st.EndedAt.In(services.IST)) != "2027-04-01" {
			t.Errorf("seat %d ended %v, want on 2027-04-01", st.ID, st.EndedAt)
		}
	}
	hist, err := e.set.Committees.History(ctx, coordinator, tr.b1.ID, services.PageRequest{})
	noErr(t, err)
	if len(hist.Items) != len(seats) {
		t.Errorf("history lists %d seats, want %d", len(hist.Items), len(seats))
	}
	held, err := e.set.People.Seats(ctx, coordinator, seats[0].PersonID)
	noErr(t, err)
	if len(held) != 1 || held[0].Until == nil {
		t.Errorf("the president's seats: %+v, want one past seat", held)
	}
	// Coverage and representation move exactly; verify finds nothing.
	if c := e.coverageOf(t, tr.s1); c.Complete != 0 || c.Booths != 2 {
		t.Errorf("sector coverage after: %+v, want 0 of 2", c)
	}
	f, err := e.set.Representation.Figures(ctx, services.System, tr.s1.ID, nil)
	noErr(t, err)
	if f.Seats != 3 {
		t.Errorf("sector representation: %d seats, want 3 (b2's)", f.Seats)
	}
	e.requireConsistent(t)
	// Off the due list; audited once with the day.
	due, err = e.set.Committees.Due(ctx, coordinator, nil, nil, services.PageRequest{})
	noErr(t, err)
	if d := cmp.Diff([]string{tr.b2.Code}, dueCodes(due)); d != "" {
		t.Errorf("due after (-want +got):\n%s", d)
	}
	audit := e.auditSince(t, mark)
	if len(audit) != 1 || audit[0].Action != "reconstitute" || audit[0].Entity != "committee" {
		t.Errorf("audit: %+v, want one reconstitute committee row", audit)
	}
	// A second reconstitution on an earlier day than the new term's start is refused; a seat taken
	// today makes a committee of one.
	_, err = e.set.Committees.Reconstitute(ctx, coordinator, tr.b1.ID, "2027-03-31", nil)
	wantErr(t, err, services.EInvalid, "on")

	// A past day on b2: its seats end on that day (India time).
	_, err = e.set.Committees.Reconstitute(ctx, services.System, tr.b2.ID, "2027-03-15", nil)
	noErr(t, err)
	noErr(t, e.db.Where("unit_id = ?", tr.b2.ID).Find(&ended).Error)
	for _, st := range ended {
		if st.EndedAt == nil || models.DateOf(st.EndedAt.In(services.IST)) != "2027-03-15" {
			t.Errorf("b2 seat %d ended %v, want on 2027-03-15", st.ID, st.EndedAt)
		}
	}
	e.requireConsistent(t)
}

// TestCoveragePastTerm: a complete booth committee counts as complete in coverage up to its term's
// end plus the grace period, and incomplete from the next day on, at every level that reads
// coverage (the booth, sector, assembly, district, state, Lok Sabha seat and the dashboard
// figures); the stored counts stay and verify finds nothing. The grace period and term length
// are set per level by the state office only.
func TestCoveragePastTerm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 10) // term 2024-03-01 to 2027-03-01, grace 90 days to 2027-05-30
	e.fillCommittee(t, tr.b4, 10)
	e.setTermStart(t, tr.b4, "2025-01-01")
	levels := []models.Unit{tr.b1, tr.s1, tr.a1, tr.d1, tr.state, tr.pc}
	complete := func(day string) map[string]int64 {
		e.setToday(t, day)
		out := map[string]int64{}
		for _, u := range levels {
			out[u.Code] = e.coverageOf(t, u).Complete
		}
		f, err := e.set.Representation.Figures(ctx, services.System, tr.d1.ID, nil)
		noErr(t, err)
		out["figures "+tr.d1.Code] = f.Coverage.Complete
		return out
	}
	want := func(b1, b4 int64) map[string]int64 {
		return map[string]int64{tr.b1.Code: b1, tr.s1.Code: b1, tr.a1.Code: b1, tr.d1.Code: b1, tr.state.Code: b1 + b4,
			tr.pc.Code: b1 + b4, "figures " + tr.d1.Code: b1}
	}
	for _, c := range []struct {
		day    string
		b1, b4 int64
	}{{"2027-03-01", 1, 1}, {"2027-05-30", 1, 1}, {"2027-05-31", 0, 1}, {"2028-03-31", 0, 1}, {"2028-04-01", 0, 0}} {
		if d := cmp.Diff(want(c.b1, c.b4), complete(c.day)); d != "" {
			t.Errorf("complete booths on %s (-want +got):\n%s", c.day, d)
		}
	}
	e.setToday(t, "2027-06-01")
	// Read many at once (a page of children, a breakdown's rows): the same counts.
	kids, err := e.units.Children(ctx, services.System, tr.s1.ID, services.PageRequest{})
	noErr(t, err)
	gotKids := map[string]services.Coverage{}
	for _, k := range kids.Items {
		gotKids[k.Unit.Code] = k.Coverage
	}
	if d := cmp.Diff(map[string]services.Coverage{tr.b1.Code: {Booths: 1, PastTerm: 1}, tr.b2.Code: {Booths: 1}}, gotKids); d != "" {
		t.Errorf("children of the sector (-want +got):\n%s", d)
	}
	rows, err := e.set.Representation.Breakdown(ctx, services.System, tr.state.ID, services.BreakdownRequest{By: models.LevelDistrict})
	noErr(t, err)
	gotRows := map[string]services.Coverage{}
	for _, f := range rows.Items {
		gotRows[f.Unit.Code] = f.Coverage
	}
	if d := cmp.Diff(map[string]services.Coverage{tr.d1.Code: {Booths: 3, PastTerm: 1}, tr.d2.Code: {Booths: 1, Complete: 1}}, gotRows); d != "" {
		t.Errorf("breakdown by district (-want +got):\n%s", d)
	}
	if c := e.coverageOf(t, tr.state); c.PastTerm != 1 || c.Booths != 4 {
		t.Errorf("state coverage: %+v, want 4 booths, 1 past its term", c)
	}
	e.requireConsistent(t)

	// A longer grace period, set by the state office, brings b1 back; coordinators may not set it.
	office := scoped(models.RoleStateOffice, tr.state)
	_, err = e.set.Committees.SetNorm(ctx, scoped(models.RoleDistrictCoordinator, tr.d1), models.LevelBooth, services.NormPatch{GraceDays: ptr(400)})
	wantErr(t, err, services.EForbidden)
	_, err = e.set.Committees.SetNorm(ctx, office, models.LevelBooth, services.NormPatch{GraceDays: ptr(-1), TermMonths: ptr(0)})
	wantErr(t, err, services.EInvalid, "grace_days", "term_months")
	_, err = e.set.Committees.SetNorm(ctx, office, "ward", services.NormPatch{GraceDays: ptr(1)})
	wantErr(t, err, services.ENotFound)
	n, err := e.set.Committees.SetNorm(ctx, office, models.LevelBooth, services.NormPatch{GraceDays: ptr(400)})
	noErr(t, err)
	if n.GraceDays != 400 || n.TermMonths != 36 {
		t.Errorf("norm: %+v", n)
	}
	if d := cmp.Diff(want(1, 1), complete("2028-03-31")); d != "" {
		t.Errorf("with 400 days' grace (-want +got):\n%s", d)
	}
	// A term of five years: no term has ended.
	_, err = e.set.Committees.SetNorm(ctx, office, models.LevelBooth, services.NormPatch{TermMonths: ptr(60), GraceDays: ptr(0)})
	noErr(t, err)
	due, err := e.set.Committees.Due(ctx, services.System, nil, ptr(0), services.PageRequest{})
	noErr(t, err)
	if len(due.Items) != 0 {
		t.Errorf("due with five-year terms: %v", dueCodes(due))
	}
	e.requireConsistent(t)
}

// TestReconstituteRace: on PostgreSQL, concurrent reconstitutions of one booth and seats taken
// on it leave every count exact: verify finds nothing.
func TestReconstituteRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if !e.isPostgres() {
		t.Skip("concurrent writers are PostgreSQL's")
	}
	tr := e.newTree(t)
	ctx := context.Background()
	e.fillCommittee(t, tr.b1, 10)
	e.fillCommittee(t, tr.b2, 10)
	e.setToday(t, "2027-04-01")
	var people []models.Person
	for range 16 {
		people = append(people, e.mustPerson(t, services.System, tr.b1))
	}
	coordinator := scoped(models.RoleDistrictCoordinator, tr.d1)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.set.Committees.Reconstitute(ctx, coordinator, tr.b1.ID, "2027-04-01", nil)
			errs <- err
			pos := models.PositionMember
			if i == 0 {
				pos = models.PositionPresident
			}
			_, err = e.set.Committees.Seat(ctx, coordinator, tr.b1.ID, people[i].ID, pos)
			if services.ErrorCode(err) == services.EConflict {
				err = nil // the person already sits (their seat outlived a reconstitution) or the post is taken
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent call: %v", err)
		}
	}
	e.requireConsistent(t)
	if c := e.coverageOf(t, tr.s1); c.Booths != 2 || c.Complete < 1 {
		t.Errorf("sector coverage: %+v", c)
	}
}
