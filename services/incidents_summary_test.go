package services_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// counts is a district's summary without its unit, for comparisons.
type counts struct {
	Open, Overdue, ThisMonth                                      int64
	Reported, CommitteeFormed, ReportSubmitted, Forwarded, Closed int64
}

func countsOf(d services.DistrictSummary) counts {
	return counts{d.Open, d.Overdue, d.ForwardedThisMonth, d.Reported, d.CommitteeFormed, d.ReportSubmitted, d.Forwarded, d.Closed}
}

// runTo takes incident id through the investigation up to status want, with the given dates:
// the committee formed on formed, the report visited and submitted on reported, forwarded on
// forwarded (each "" for today).
func (e *env) runTo(t *testing.T, iv investigation, id int64, want models.IncidentStatus, formed, reported, forwarded string) {
	t.Helper()
	ctx := context.Background()
	s := e.set.Incidents
	members := []int64{iv.members[0].ID, iv.members[1].ID}
	steps := []func() error{
		func() error {
			_, err := s.FormCommittee(ctx, iv.state, id, services.CommitteeInput{MemberIDs: members, ConvenerID: &members[0], FormedOn: formed})
			return err
		},
		func() error {
			_, err := s.SubmitReport(ctx, iv.state, id, services.ReportInput{VisitedOn: reported, SubmittedOn: reported, Findings: "Findings."})
			return err
		},
		func() error {
			_, err := s.Forward(ctx, iv.state, id, services.ForwardInput{To: []string{"governor"}, ForwardedOn: forwarded, LetterRef: "L/1"})
			return err
		},
		func() error {
			_, err := s.Close(ctx, iv.state, id, services.CloseInput{Outcome: "Done."})
			return err
		},
	}
	cur, err := s.Get(ctx, services.System, id)
	noErr(t, err)
	for i, st := range models.IncidentStatuses[1:] {
		if models.IncidentStatuses[i] != cur.Incident.Status {
			continue
		}
		cur.Incident.Status = st
		if err := steps[i](); err != nil {
			t.Fatalf("incident %d to %s: %v", id, st, err)
		}
		if st == want {
			return
		}
	}
}

// TestIncidentSummary: a row per district under the unit asked for, districts without incidents
// as zeros; every status counted where its incident lies (a booth's incident in its district);
// open is everything not closed; overdue follows the clock as the list's filter does; "forwarded
// this month" is the calendar month in India, whatever the month in UTC; the scope of each role.
func TestIncidentSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	s := e.set.Incidents
	tr := iv.tr
	d3 := e.newChild(t, models.LevelDistrict, tr.state) // nothing logged here
	otherState := e.newRoot(t)
	otherDistrict := e.newChild(t, models.LevelDistrict, otherState)
	e.newIncident(t, services.System, otherDistrict)

	// d1: one incident in each status, at several levels; d2: one reported, one forwarded.
	e.newIncident(t, iv.dc, tr.b1)
	cf := e.newIncident(t, iv.dc, tr.a1)
	e.runTo(t, iv, cf.Incident.ID, models.IncidentCommitteeFormed, "", "", "") // formed 2024-03-01
	rs := e.newIncident(t, iv.dc, tr.s1)
	e.runTo(t, iv, rs.Incident.ID, models.IncidentReportSubmitted, "2024-02-21", "2024-02-22", "")
	fw1 := e.newIncident(t, iv.dc, tr.d1)
	e.runTo(t, iv, fw1.Incident.ID, models.IncidentForwarded, "2024-02-21", "2024-02-22", "2024-02-29")
	cl := e.newIncident(t, iv.dc, tr.b3)
	e.runTo(t, iv, cl.Incident.ID, models.IncidentClosed, "2024-02-21", "2024-02-22", "2024-02-25")
	e.newIncident(t, iv.state, tr.b4)
	fw2 := e.newIncident(t, iv.state, tr.a2)
	e.runTo(t, iv, fw2.Incident.ID, models.IncidentForwarded, "2024-02-21", "2024-02-22", "2024-03-01")

	summary := func(a services.Actor, under *int64) map[int64]counts {
		t.Helper()
		rows, err := s.Summary(ctx, a, under)
		noErr(t, err)
		out := map[int64]counts{}
		for _, r := range rows {
			if r.Unit.Level != models.LevelDistrict || r.Unit.Code == "" {
				t.Errorf("row %+v", r.Unit)
			}
			out[r.Unit.ID] = countsOf(r)
		}
		return out
	}
	// At 2024-03-01 15:30 in India: March.
	want := map[int64]counts{
		tr.d1.ID: {Open: 4, Overdue: 0, ThisMonth: 0, Reported: 1, CommitteeFormed: 1, ReportSubmitted: 1, Forwarded: 1, Closed: 1},
		tr.d2.ID: {Open: 2, ThisMonth: 1, Reported: 1, Forwarded: 1},
		d3.ID:    {},
	}
	for name, got := range map[string]map[int64]counts{
		"state office":        summary(iv.state, nil),
		"state office, state": summary(iv.state, &tr.state.ID),
		"admin, state":        summary(services.System, &tr.state.ID),
	} {
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	if d := cmp.Diff(map[int64]counts{tr.d2.ID: want[tr.d2.ID]}, summary(iv.state, &tr.d2.ID)); d != "" {
		t.Errorf("under d2 (-want +got):\n%s", d)
	}
	// The coordinator: their own district only, asked for or not.
	for _, under := range []*int64{nil, &tr.d1.ID} {
		if d := cmp.Diff(map[int64]counts{tr.d1.ID: want[tr.d1.ID]}, summary(iv.dc, under)); d != "" {
			t.Errorf("coordinator (-want +got):\n%s", d)
		}
	}
	all := summary(services.System, nil)
	if _, ok := all[otherDistrict.ID]; !ok || all[otherDistrict.ID].Reported != 1 {
		t.Errorf("admin's summary of everything misses the other state's district: %v", all[otherDistrict.ID])
	}
	// Refused: other districts, roles below a district, a level below a district.
	for _, under := range []int64{tr.d2.ID, tr.state.ID, otherDistrict.ID} {
		_, err := s.Summary(ctx, iv.dc, &under)
		wantErr(t, err, services.ENotFound)
	}
	_, err := s.Summary(ctx, iv.state, &otherState.ID)
	wantErr(t, err, services.ENotFound)
	for _, a := range []services.Actor{scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.d1), scoped(models.RoleViewer, tr.state)} {
		_, err := s.Summary(ctx, a, nil)
		wantErr(t, err, services.EForbidden)
	}
	for _, u := range []models.Unit{tr.a1, tr.b1, tr.pc} {
		_, err := s.Summary(ctx, iv.state, &u.ID)
		if se := wantErr(t, err, services.EInvalid, "under"); se.Fields[0].Code != "level_not_allowed" {
			t.Errorf("under a %s: %+v", u.Level, se.Fields)
		}
	}

	// The month in India: at 00:30 on 1 March in India it is still 29 February in UTC, and
	// March's forwarding counts; at 23:30 on 29 February in India, February's do.
	month := func(d1, d2 int64) {
		t.Helper()
		got := summary(iv.state, nil)
		if got[tr.d1.ID].ThisMonth != d1 || got[tr.d2.ID].ThisMonth != d2 {
			t.Errorf("at %s: forwarded this month d1 %d, d2 %d; want %d, %d", e.clock.Now().In(services.IST),
				got[tr.d1.ID].ThisMonth, got[tr.d2.ID].ThisMonth, d1, d2)
		}
	}
	e.clock.Advance(-15 * time.Hour) // 2024-02-29 19:00 UTC = 2024-03-01 00:30 IST
	month(0, 1)
	e.clock.Advance(-time.Hour) // 2024-02-29 18:00 UTC = 23:30 IST
	month(2, 0)
	e.clock.Advance(16 * time.Hour) // back to 2024-03-01 10:00 UTC

	// Overdue: the committee formed on 1 March has 30 days; on the 31st it is overdue, and the
	// list's filter agrees.
	e.clock.Advance(30 * 24 * time.Hour) // 2024-03-31
	if got := summary(iv.state, nil)[tr.d1.ID].Overdue; got != 0 {
		t.Errorf("overdue after 30 days: %d", got)
	}
	e.clock.Advance(24 * time.Hour) // 2024-04-01: April, 31 days
	got := summary(iv.state, nil)
	yes := true
	p, err := s.List(ctx, iv.state, services.IncidentFilter{Under: &tr.d1.ID, Overdue: &yes})
	noErr(t, err)
	if got[tr.d1.ID].Overdue != 1 || len(p.Items) != 1 || p.Items[0].Incident.ID != cf.Incident.ID {
		t.Errorf("overdue after 31 days: summary %d, list %d", got[tr.d1.ID].Overdue, len(p.Items))
	}
	if got[tr.d1.ID].ThisMonth != 0 || got[tr.d2.ID].ThisMonth != 0 {
		t.Errorf("forwarded this month in April: %+v", got)
	}
	// A report ends it.
	e.runTo(t, iv, cf.Incident.ID, models.IncidentReportSubmitted, "", "2024-04-01", "")
	if got := summary(iv.state, nil)[tr.d1.ID]; got.Overdue != 0 || got.ReportSubmitted != 2 || got.Open != 4 {
		t.Errorf("after the report: %+v", got)
	}
}

// TestIncidentTodayIsIndian: at 00:30 in India on 1 March (still 29 February in UTC), an incident
// of 1 March is not in the future.
func TestIncidentTodayIsIndian(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	e.clock.Advance(-15 * time.Hour)
	e.newIncident(t, iv.dc, iv.tr.b1, func(in *services.IncidentInput) { in.OccurredOn = "2024-03-01" })
	_, err := e.set.Incidents.Create(context.Background(), iv.dc, services.IncidentInput{UnitID: &iv.tr.b1.ID,
		OccurredOn: "2024-03-02", Place: "P", Title: "T", Kind: "other"})
	wantErr(t, err, services.EInvalid, "occurred_on")
}

// exportIncidents runs the incidents export as actor with filter f and returns its rows.
func (e *env) exportIncidents(t *testing.T, actor services.Actor, f services.IncidentFilter) [][]string {
	t.Helper()
	ctx := context.Background()
	sel, err := e.set.Incidents.Select(ctx, actor, f)
	noErr(t, err)
	var buf bytes.Buffer
	noErr(t, e.set.Incidents.ExportCSV(ctx, sel, &buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	noErr(t, err)
	return rows
}

// TestIncidentExport: the export holds the list's incidents (its filters and scope) with every
// step's columns, cells a spreadsheet would run as formulas neutralised, and writes an audit row.
func TestIncidentExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	tr := iv.tr
	titles := []string{`=HYPERLINK("http://evil.example/?x","click")`, "+1", "@x", "-2"}
	var ids []int64
	for _, title := range titles {
		ids = append(ids, e.newIncident(t, iv.dc, tr.b1, func(in *services.IncidentInput) { in.Title, in.Place = title, "=cmd|' /C calc'!A0" }).Incident.ID)
	}
	done := e.newIncident(t, iv.dc, tr.a1, func(in *services.IncidentInput) { in.Title, in.Victims = "Closed case", nil })
	e.runTo(t, iv, done.Incident.ID, models.IncidentClosed, "2024-02-21", "2024-02-22", "2024-02-25")
	e.newIncident(t, iv.state, tr.b4, func(in *services.IncidentInput) { in.Title = "In d2" })

	mark := e.auditMark(t)
	rows := e.exportIncidents(t, iv.dc, services.IncidentFilter{})
	if d := cmp.Diff(services.IncidentColumns, rows[0]); d != "" {
		t.Fatalf("header (-want +got):\n%s", d)
	}
	rows = rows[1:]
	if len(rows) != 5 {
		t.Fatalf("the coordinator's export has %d rows, want 5 (their district's): %v", len(rows), rows)
	}
	byTitle := map[string][]string{}
	for _, r := range rows {
		if r[1] != tr.d1.Code {
			t.Errorf("row %s: district %q, want %q", r[0], r[1], tr.d1.Code)
		}
		byTitle[r[5]] = r
	}
	for _, title := range titles {
		r, ok := byTitle["'"+title]
		if !ok {
			t.Errorf("title %q not neutralised: %v", title, rows)
			continue
		}
		if r[4] != "'=cmd|' /C calc'!A0" || r[2] != tr.b1.Code {
			t.Errorf("row of %q: %v", title, r)
		}
	}
	want := []string{"", tr.d1.Code, tr.a1.Code, "2024-02-20", "Village Rampur Khas", "Closed case", "atrocity", "SC;women", "", "closed",
		"2024-02-21", iv.members[0].Name, "2024-02-22", "governor", "2024-02-25", "L/1", "2024-03-01", "Done.", "false"}
	got := byTitle["Closed case"]
	want[0] = got[0]
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("closed case (-want +got):\n%s", d)
	}
	audit := e.auditSince(t, mark)
	if len(audit) != 1 || audit[0].Action != "export" || audit[0].Entity != "incidents" || audit[0].UnitID == nil || *audit[0].UnitID != tr.d1.ID {
		t.Fatalf("audit rows: %+v", audit)
	}
	var after map[string]any
	noErr(t, json.Unmarshal([]byte(*audit[0].After), &after))
	if after["rows"] != float64(5) || after["complete"] != true {
		t.Errorf("audit after: %v", after)
	}

	// The list's filters: the same incidents as the list.
	state := e.exportIncidents(t, iv.state, services.IncidentFilter{Under: &tr.state.ID, Status: "closed"})
	if len(state) != 2 || state[1][5] != "Closed case" {
		t.Errorf("closed under the state: %v", state)
	}
	all := e.exportIncidents(t, iv.state, services.IncidentFilter{Under: &tr.state.ID})
	if len(all) != 7 {
		t.Errorf("the state office's export has %d rows, want 6 and the header", len(all))
	}
	mark = e.auditMark(t)
	e.exportIncidents(t, iv.state, services.IncidentFilter{Under: &tr.d2.ID, Kind: "atrocity"})
	audit = e.auditSince(t, mark)
	if len(audit) != 1 || !strings.Contains(*audit[0].After, `"kind":"atrocity"`) || *audit[0].UnitID != tr.d2.ID {
		t.Errorf("audit of a filtered export: %+v", audit)
	}
	// Refusals come before any row: roles, scope, bad filters.
	for _, a := range []services.Actor{scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.d1)} {
		_, err := e.set.Incidents.Select(ctx, a, services.IncidentFilter{})
		wantErr(t, err, services.EForbidden)
	}
	_, err := e.set.Incidents.Select(ctx, iv.dc, services.IncidentFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Incidents.Select(ctx, iv.dc, services.IncidentFilter{Kind: "riot"})
	wantErr(t, err, services.EInvalid, "kind")
}
