package services_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// newIncident logs an incident at u as actor; edits change the input first.
func (e *env) newIncident(t *testing.T, actor services.Actor, u models.Unit, edits ...func(*services.IncidentInput)) services.IncidentView {
	t.Helper()
	in := services.IncidentInput{UnitID: &u.ID, OccurredOn: "2024-02-20", Place: "Village Rampur Khas", Title: uniq("Incident"),
		Description: "Houses of Dalit families set on fire.\nThree injured.", Kind: "atrocity", AffectedGroups: []string{"SC", "women"}, Victims: ptr(3)}
	for _, edit := range edits {
		edit(&in)
	}
	v, err := e.set.Incidents.Create(context.Background(), actor, in)
	if err != nil {
		t.Fatalf("create incident at %s: %v", u.Code, err)
	}
	return v
}

// incidentRows is everything the incident service writes, for "nothing was written" checks.
type incidentRows struct {
	Incidents  []models.Incident
	Groups     []models.IncidentGroup
	Members    []models.IncidentCommitteeMember
	Committees []models.IncidentCommittee
	Reports    []models.IncidentReport
	Forwards   []models.IncidentForward
	Closures   []models.IncidentClosure
	Audit      []models.AuditEntry
}

func (e *env) incidentRows(t *testing.T) incidentRows {
	t.Helper()
	var r incidentRows
	noErr(t, e.db.Order("id").Find(&r.Incidents).Error)
	noErr(t, e.db.Order("incident_id, grp").Find(&r.Groups).Error)
	noErr(t, e.db.Order("incident_id, person_id").Find(&r.Members).Error)
	noErr(t, e.db.Order("incident_id").Find(&r.Committees).Error)
	noErr(t, e.db.Order("incident_id").Find(&r.Reports).Error)
	noErr(t, e.db.Order("incident_id").Find(&r.Forwards).Error)
	noErr(t, e.db.Order("incident_id").Find(&r.Closures).Error)
	noErr(t, e.db.Order("id").Find(&r.Audit).Error)
	return r
}

// investigation is a tree with a state office, a coordinator of d1 and two people of the state
// office's choosing, at 2024-03-01 on the test clock.
type investigation struct {
	tr      tree
	state   services.Actor
	dc      services.Actor
	members []models.Person
}

func (e *env) newInvestigation(t *testing.T) investigation {
	t.Helper()
	tr := e.newTree(t)
	return investigation{tr: tr, state: scoped(models.RoleStateOffice, tr.state), dc: scoped(models.RoleDistrictCoordinator, tr.d1),
		members: []models.Person{e.mustPerson(t, services.System, tr.d1), e.mustPerson(t, services.System, tr.d2), e.mustPerson(t, services.System, tr.state)}}
}

// steps returns the four steps of the investigation as functions of the incident id, in order.
func (e *env) steps(iv investigation) []struct {
	name string
	run  func(id int64, ifMatch *int64) (services.IncidentView, error)
} {
	ctx := context.Background()
	s := e.set.Incidents
	return []struct {
		name string
		run  func(id int64, ifMatch *int64) (services.IncidentView, error)
	}{
		{"committee", func(id int64, v *int64) (services.IncidentView, error) {
			return s.FormCommittee(ctx, iv.state, id, services.CommitteeInput{MemberIDs: []int64{iv.members[0].ID, iv.members[1].ID}, ConvenerID: &iv.members[1].ID, IfMatch: v})
		}},
		{"report", func(id int64, v *int64) (services.IncidentView, error) {
			return s.SubmitReport(ctx, iv.state, id, services.ReportInput{VisitedOn: "2024-03-01", Findings: "The police did not register the complaint.", Recommendations: "Arrest the accused.", IfMatch: v})
		}},
		{"forward", func(id int64, v *int64) (services.IncidentView, error) {
			return s.Forward(ctx, iv.state, id, services.ForwardInput{To: []string{"governor", "administration"}, ForwardedOn: "2024-03-01", LetterRef: "SO/2024/117", IfMatch: v})
		}},
		{"close", func(id int64, v *int64) (services.IncidentView, error) {
			return s.Close(ctx, iv.state, id, services.CloseInput{Outcome: "Accused arrested; compensation paid.", IfMatch: v})
		}},
	}
}

// TestIncidentInvestigationEndToEnd: a coordinator logs an incident in their district; the state
// office forms a committee, records its report, forwards it and closes the case. Each step
// answers the incident in its new status with the step's date and who took it, raises the
// version by one and writes one audit row; the stored rows pass verify.
func TestIncidentInvestigationEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	v := e.newIncident(t, iv.dc, iv.tr.b1)
	if v.Incident.Status != models.IncidentReported || v.Incident.Version != 1 || v.Incident.Path != iv.tr.b1.Path {
		t.Fatalf("new incident: status %s version %d path %s", v.Incident.Status, v.Incident.Version, v.Incident.Path)
	}
	if d := cmp.Diff([]string{"SC", "women"}, v.AffectedGroups); d != "" {
		t.Errorf("affected groups (-want +got):\n%s", d)
	}
	id := v.Incident.ID
	wantStatus := []models.IncidentStatus{models.IncidentCommitteeFormed, models.IncidentReportSubmitted, models.IncidentForwarded, models.IncidentClosed}
	actions := []string{"form_committee", "submit_report", "forward", "close"}
	for i, st := range e.steps(iv) {
		mark := e.auditMark(t)
		version := v.Incident.Version
		got, err := st.run(id, &version)
		noErr(t, err)
		if got.Incident.Status != wantStatus[i] || got.Incident.Version != version+1 || got.Incident.UpdatedByName != iv.state.Username {
			t.Fatalf("after %s: status %s version %d by %s", st.name, got.Incident.Status, got.Incident.Version, got.Incident.UpdatedByName)
		}
		audit := e.auditSince(t, mark)
		if len(audit) != 1 || audit[0].Action != actions[i] || audit[0].Entity != "incident" || audit[0].ActorUsername != iv.state.Username ||
			audit[0].UnitID == nil || *audit[0].UnitID != iv.tr.b1.ID || audit[0].Before == nil || audit[0].After == nil {
			t.Fatalf("audit after %s: %+v", st.name, audit)
		}
		if !strings.Contains(*audit[0].After, `"status":"`+string(wantStatus[i])+`"`) {
			t.Errorf("audit after %s: %s", st.name, *audit[0].After)
		}
		v = got
	}
	got, err := e.set.Incidents.Get(ctx, iv.dc, id)
	noErr(t, err)
	c := got.Committee
	if c == nil || c.ConvenerID != iv.members[1].ID || c.FormedOn != "2024-03-01" || c.ByName != iv.state.Username || len(c.Members) != 2 {
		t.Fatalf("committee: %+v", c)
	}
	for _, m := range c.Members {
		if m.Convener != (m.PersonID == iv.members[1].ID) || m.Name == "" {
			t.Errorf("member %+v", m)
		}
	}
	if r := got.Report; r == nil || r.VisitedOn != "2024-03-01" || r.SubmittedOn != "2024-03-01" || r.Findings != "The police did not register the complaint." {
		t.Errorf("report: %+v", r)
	}
	if f := got.Forward; f == nil || !f.ToAdministration || !f.ToGovernor || f.LetterRef != "SO/2024/117" || f.ForwardedOn != "2024-03-01" {
		t.Errorf("forward: %+v", f)
	}
	if cl := got.Closure; cl == nil || cl.ClosedOn != "2024-03-01" || cl.Outcome == "" || !cl.At.Equal(e.clock.Now()) {
		t.Errorf("closure: %+v", cl)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestIncidentStepsOutOfOrder: at every status, every step but the next one is refused with
// Conflict naming the status the incident is in, and writes nothing.
func TestIncidentStepsOutOfOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	steps := e.steps(iv)
	id := e.newIncident(t, iv.state, iv.tr.d1).Incident.ID
	for at := 0; at <= len(steps); at++ {
		status := models.IncidentStatuses[at]
		for j, st := range steps {
			if j == at {
				continue
			}
			before := e.incidentRows(t)
			_, err := st.run(id, nil)
			se := wantErr(t, err, services.EConflict)
			if !strings.Contains(se.Message, "is "+string(status)) {
				t.Errorf("at %s, %s: message %q does not name the status", status, st.name, se.Message)
			}
			if d := cmp.Diff(before, e.incidentRows(t)); d != "" {
				t.Fatalf("at %s, the refused %s wrote (-before +after):\n%s", status, st.name, d)
			}
		}
		if at < len(steps) {
			_, err := steps[at].run(id, nil)
			noErr(t, err)
		}
	}
}

// TestIncidentIfMatch: a step with a stale version is refused with Precondition naming the
// current one and writes nothing; with the current version it goes through.
func TestIncidentIfMatch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	steps := e.steps(iv)
	v := e.newIncident(t, iv.state, iv.tr.d1)
	for _, st := range steps {
		stale := v.Incident.Version - 1
		if stale == 0 {
			stale = v.Incident.Version + 5
		}
		before := e.incidentRows(t)
		_, err := st.run(v.Incident.ID, &stale)
		se := wantErr(t, err, services.EPrecondition, "version")
		if se.Fields[0].Code != "version_mismatch" || se.Fields[0].Params["current"] != v.Incident.Version {
			t.Errorf("%s: %+v", st.name, se.Fields)
		}
		if d := cmp.Diff(before, e.incidentRows(t)); d != "" {
			t.Fatalf("the stale %s wrote (-before +after):\n%s", st.name, d)
		}
		cur := v.Incident.Version
		var err2 error
		v, err2 = st.run(v.Incident.ID, &cur)
		noErr(t, err2)
	}
}

// TestIncidentOverdue: a committee that has not reported more than 30 days after it was formed
// makes its incident overdue, in answers and under overdue=true; the report ends it.
func TestIncidentOverdue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	s := e.set.Incidents
	late := e.newIncident(t, iv.state, iv.tr.d1)
	fresh := e.newIncident(t, iv.state, iv.tr.d1)
	other := e.newIncident(t, iv.state, iv.tr.d1) // reported, never a committee
	steps := e.steps(iv)
	_, err := steps[0].run(late.Incident.ID, nil) // formed 2024-03-01
	noErr(t, err)
	overdue := func(want bool) []int64 {
		t.Helper()
		p, err := s.List(ctx, iv.state, services.IncidentFilter{Under: &iv.tr.state.ID, Overdue: &want})
		noErr(t, err)
		var ids []int64
		for _, v := range p.Items {
			if v.Overdue != want {
				t.Errorf("incident %d under overdue=%v has overdue %v", v.Incident.ID, want, v.Overdue)
			}
			ids = append(ids, v.Incident.ID)
		}
		return ids
	}
	e.clock.Advance(30 * 24 * time.Hour) // 2024-03-31: 30 days, not more
	_, err = steps[0].run(fresh.Incident.ID, nil)
	noErr(t, err)
	if got := overdue(true); len(got) != 0 {
		t.Errorf("overdue after 30 days: %v", got)
	}
	e.clock.Advance(24 * time.Hour) // 31 days
	if d := cmp.Diff([]int64{late.Incident.ID}, overdue(true)); d != "" {
		t.Errorf("overdue after 31 days (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{other.Incident.ID, fresh.Incident.ID}, overdue(false)); d != "" {
		t.Errorf("not overdue after 31 days (-want +got):\n%s", d)
	}
	g, err := s.Get(ctx, iv.dc, late.Incident.ID)
	noErr(t, err)
	if !g.Overdue {
		t.Error("Get: the late incident is not overdue")
	}
	_, err = steps[1].run(late.Incident.ID, nil)
	noErr(t, err)
	if got := overdue(true); len(got) != 0 {
		t.Errorf("overdue after the report: %v", got)
	}
}

// TestIncidentListFilters: under, status, kind, affected group, the date range and paging each
// narrow the list; the newest come first.
func TestIncidentListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	s := e.set.Incidents
	a := e.newIncident(t, iv.state, iv.tr.b1, func(in *services.IncidentInput) {
		in.Kind, in.AffectedGroups, in.OccurredOn = "violence", []string{"minority"}, "2024-01-05"
	})
	b := e.newIncident(t, iv.state, iv.tr.a1, func(in *services.IncidentInput) {
		in.Kind, in.AffectedGroups, in.OccurredOn = "atrocity", []string{"SC", "women"}, "2024-02-10"
	})
	c := e.newIncident(t, iv.state, iv.tr.d2, func(in *services.IncidentInput) {
		in.Kind, in.AffectedGroups, in.OccurredOn = "atrocity", []string{"SC"}, "2024-02-29"
	})
	_, err := e.steps(iv)[0].run(b.Incident.ID, nil)
	noErr(t, err)
	list := func(f services.IncidentFilter) []int64 {
		t.Helper()
		p, err := s.List(ctx, iv.state, f)
		noErr(t, err)
		var ids []int64
		for _, v := range p.Items {
			ids = append(ids, v.Incident.ID)
		}
		return ids
	}
	A, B, C := a.Incident.ID, b.Incident.ID, c.Incident.ID
	for _, tc := range []struct {
		name string
		f    services.IncidentFilter
		want []int64
	}{
		{"all", services.IncidentFilter{}, []int64{C, B, A}},
		{"under d1", services.IncidentFilter{Under: &iv.tr.d1.ID}, []int64{B, A}},
		{"under a1", services.IncidentFilter{Under: &iv.tr.a1.ID}, []int64{B, A}},
		{"under s1", services.IncidentFilter{Under: &iv.tr.s1.ID}, []int64{A}},
		{"under d2", services.IncidentFilter{Under: &iv.tr.d2.ID}, []int64{C}},
		{"status", services.IncidentFilter{Status: "committee_formed"}, []int64{B}},
		{"status reported", services.IncidentFilter{Status: "reported"}, []int64{C, A}},
		{"kind", services.IncidentFilter{Kind: "atrocity"}, []int64{C, B}},
		{"group", services.IncidentFilter{AffectedGroup: "SC"}, []int64{C, B}},
		{"group women", services.IncidentFilter{AffectedGroup: "women"}, []int64{B}},
		{"from", services.IncidentFilter{From: "2024-02-10"}, []int64{C, B}},
		{"to", services.IncidentFilter{To: "2024-02-10"}, []int64{B, A}},
		{"range", services.IncidentFilter{From: "2024-02-01", To: "2024-02-28"}, []int64{B}},
		{"everything", services.IncidentFilter{Under: &iv.tr.d1.ID, Kind: "atrocity", AffectedGroup: "women", Status: "committee_formed", From: "2024-02-10", To: "2024-02-10"}, []int64{B}},
	} {
		if d := cmp.Diff(tc.want, list(tc.f)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
	}
	// Pages of one, in order, to the end.
	var got []int64
	pr := services.PageRequest{Limit: 1}
	for {
		p, err := s.List(ctx, iv.state, services.IncidentFilter{Page: pr})
		noErr(t, err)
		for _, v := range p.Items {
			got = append(got, v.Incident.ID)
		}
		if p.NextCursor == "" {
			break
		}
		pr.Cursor = p.NextCursor
	}
	if d := cmp.Diff([]int64{C, B, A}, got); d != "" {
		t.Errorf("paged (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		f     services.IncidentFilter
		field string
	}{
		{services.IncidentFilter{Status: "open"}, "status"},
		{services.IncidentFilter{Kind: "riot"}, "kind"},
		{services.IncidentFilter{AffectedGroup: "dalit"}, "affected_group"},
		{services.IncidentFilter{From: "2024-13-01"}, "from"},
		{services.IncidentFilter{To: "yesterday"}, "to"},
	} {
		_, err := s.List(ctx, iv.state, tc.f)
		wantErr(t, err, services.EInvalid, tc.field)
	}
}

// TestIncidentScope: who may log, read and investigate incidents, and where.
func TestIncidentScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	s := e.set.Incidents
	tr := iv.tr
	otherState := e.newRoot(t)
	otherDistrict := e.newChild(t, models.LevelDistrict, otherState)
	worker := scoped(models.RoleBoothWorker, tr.b1)
	viewer := scoped(models.RoleViewer, tr.d1)
	in := func(u models.Unit) services.IncidentInput {
		return services.IncidentInput{UnitID: &u.ID, OccurredOn: "2024-02-01", Place: "Place", Title: "Title", Kind: "other"}
	}
	// Creating.
	_, err := s.Create(ctx, iv.dc, in(tr.b2))
	noErr(t, err)
	_, err = s.Create(ctx, iv.dc, in(tr.d1))
	noErr(t, err)
	_, err = s.Create(ctx, iv.dc, in(tr.d2))
	wantErr(t, err, services.EInvalid, "unit_id")
	_, err = s.Create(ctx, iv.state, in(otherDistrict))
	wantErr(t, err, services.EInvalid, "unit_id")
	_, err = s.Create(ctx, services.System, in(otherDistrict))
	noErr(t, err)
	for _, u := range []models.Unit{tr.state, tr.pc} {
		_, err = s.Create(ctx, iv.state, in(u))
		if se := wantErr(t, err, services.EInvalid, "unit_id"); se.Fields[0].Code != "level_not_allowed" {
			t.Errorf("incident at a %s: %+v", u.Level, se.Fields)
		}
	}
	for _, a := range []services.Actor{worker, viewer} {
		_, err = s.Create(ctx, a, in(tr.b1))
		wantErr(t, err, services.EForbidden)
	}
	// Reading.
	inD1 := e.newIncident(t, iv.state, tr.b1)
	inD2 := e.newIncident(t, iv.state, tr.d2)
	_, err = s.Get(ctx, iv.dc, inD1.Incident.ID)
	noErr(t, err)
	_, err = s.Get(ctx, iv.dc, inD2.Incident.ID)
	wantErr(t, err, services.ENotFound)
	_, err = s.Get(ctx, scoped(models.RoleStateOffice, otherState), inD1.Incident.ID)
	wantErr(t, err, services.ENotFound)
	for _, a := range []services.Actor{worker, viewer} {
		_, err = s.Get(ctx, a, inD1.Incident.ID)
		wantErr(t, err, services.EForbidden)
		_, err = s.List(ctx, a, services.IncidentFilter{})
		wantErr(t, err, services.EForbidden)
	}
	p, err := s.List(ctx, iv.dc, services.IncidentFilter{})
	noErr(t, err)
	for _, v := range p.Items {
		if !strings.HasPrefix(v.Incident.Path, tr.d1.Path) {
			t.Errorf("the coordinator of d1 lists incident %d at %s", v.Incident.ID, v.Incident.Path)
		}
	}
	if len(p.Items) != 3 {
		t.Errorf("the coordinator lists %d incidents, want 3", len(p.Items))
	}
	_, err = s.List(ctx, iv.dc, services.IncidentFilter{Under: &tr.d2.ID})
	wantErr(t, err, services.ENotFound)
	// Investigating: the state office and admin only, inside their scope.
	members := []int64{iv.members[0].ID}
	form := func(a services.Actor, id int64) error {
		_, err := s.FormCommittee(ctx, a, id, services.CommitteeInput{MemberIDs: members, ConvenerID: &members[0]})
		return err
	}
	for _, a := range []services.Actor{iv.dc, worker, viewer} {
		wantErr(t, form(a, inD1.Incident.ID), services.EForbidden)
	}
	wantErr(t, form(scoped(models.RoleStateOffice, otherState), inD1.Incident.ID), services.ENotFound)
	noErr(t, form(iv.state, inD1.Incident.ID))
	noErr(t, form(services.System, inD2.Incident.ID))
}

// TestIncidentValidation: bad fields come back together with their codes; dates may not lie in
// the future nor before the step they follow; the convener is one of the members, and the
// members are people the actor sees.
func TestIncidentValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	s := e.set.Incidents
	codes := func(err error) map[string]string {
		out := map[string]string{}
		for _, f := range services.FieldsOf(err) {
			out[f.Field] = f.Code
		}
		return out
	}
	_, err := s.Create(ctx, iv.dc, services.IncidentInput{OccurredOn: "2024-03-02", Title: strings.Repeat("x", 201), Kind: "riot",
		AffectedGroups: []string{"SC", "SC", "dalit"}, Victims: ptr(-1), Description: "a\x00b"})
	wantErr(t, err, services.EInvalid)
	if d := cmp.Diff(map[string]string{"unit_id": "required", "occurred_on": "date_future", "place": "required", "title": "too_long",
		"kind": "one_of", "affected_groups[1]": "duplicate", "affected_groups[2]": "one_of", "victims": "out_of_range", "description": "not_text"}, codes(err)); d != "" {
		t.Errorf("create (-want +got):\n%s", d)
	}
	_, err = s.Create(ctx, iv.dc, services.IncidentInput{UnitID: &iv.tr.d2.ID, OccurredOn: "1 March", Place: "P", Title: "T", Kind: "other"})
	if d := cmp.Diff(map[string]string{"unit_id": "unit_not_in_scope", "occurred_on": "date_invalid"}, codes(err)); d != "" {
		t.Errorf("create outside (-want +got):\n%s", d)
	}

	v := e.newIncident(t, iv.state, iv.tr.b1) // occurred 2024-02-20
	id := v.Incident.ID
	outsider := e.mustPerson(t, services.System, e.newChild(t, models.LevelDistrict, e.newRoot(t)))
	m := iv.members
	for _, tc := range []struct {
		name string
		in   services.CommitteeInput
		want map[string]string
	}{
		{"no members", services.CommitteeInput{ConvenerID: &m[0].ID}, map[string]string{"member_ids": "list_empty"}},
		{"no convener", services.CommitteeInput{MemberIDs: []int64{m[0].ID}}, map[string]string{"convener_id": "required"}},
		{"convener not a member", services.CommitteeInput{MemberIDs: []int64{m[0].ID}, ConvenerID: &m[1].ID}, map[string]string{"convener_id": "convener_not_member"}},
		{"twice and outside", services.CommitteeInput{MemberIDs: []int64{m[0].ID, m[0].ID, outsider.ID, 987654321}, ConvenerID: &m[0].ID},
			map[string]string{"member_ids[1]": "duplicate", "member_ids[2]": "person_not_in_scope", "member_ids[3]": "person_not_in_scope"}},
		{"before the incident", services.CommitteeInput{MemberIDs: []int64{m[0].ID}, ConvenerID: &m[0].ID, FormedOn: "2024-02-19"}, map[string]string{"formed_on": "date_before"}},
		{"in the future", services.CommitteeInput{MemberIDs: []int64{m[0].ID}, ConvenerID: &m[0].ID, FormedOn: "2024-03-02"}, map[string]string{"formed_on": "date_future"}},
	} {
		before := e.incidentRows(t)
		_, err := s.FormCommittee(ctx, iv.state, id, tc.in)
		wantErr(t, err, services.EInvalid)
		if d := cmp.Diff(tc.want, codes(err)); d != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, d)
		}
		if d := cmp.Diff(before, e.incidentRows(t)); d != "" {
			t.Fatalf("%s wrote (-before +after):\n%s", tc.name, d)
		}
	}
	_, err = s.FormCommittee(ctx, iv.state, id, services.CommitteeInput{MemberIDs: []int64{m[0].ID, m[2].ID}, ConvenerID: &m[2].ID, FormedOn: "2024-02-25"})
	noErr(t, err)
	for _, tc := range []struct {
		name string
		in   services.ReportInput
		want map[string]string
	}{
		{"empty", services.ReportInput{}, map[string]string{"visited_on": "required", "findings": "required"}},
		{"visit before the committee", services.ReportInput{VisitedOn: "2024-02-24", Findings: "f"}, map[string]string{"visited_on": "date_before"}},
		{"submitted before the visit", services.ReportInput{VisitedOn: "2024-02-27", SubmittedOn: "2024-02-26", Findings: "f"}, map[string]string{"submitted_on": "date_before"}},
		{"visit in the future", services.ReportInput{VisitedOn: "2024-03-05", Findings: "f"}, map[string]string{"visited_on": "date_future"}},
	} {
		_, err := s.SubmitReport(ctx, iv.state, id, tc.in)
		wantErr(t, err, services.EInvalid)
		if d := cmp.Diff(tc.want, codes(err)); d != "" {
			t.Errorf("report %s (-want +got):\n%s", tc.name, d)
		}
	}
	_, err = s.SubmitReport(ctx, iv.state, id, services.ReportInput{VisitedOn: "2024-02-26", SubmittedOn: "2024-02-28", Findings: "f"})
	noErr(t, err)
	for _, tc := range []struct {
		name string
		in   services.ForwardInput
		want map[string]string
	}{
		{"nobody", services.ForwardInput{ForwardedOn: "2024-03-01"}, map[string]string{"to": "list_empty"}},
		{"wrong and twice", services.ForwardInput{To: []string{"governor", "police", "governor"}, ForwardedOn: "2024-03-01"}, map[string]string{"to[1]": "one_of", "to[2]": "duplicate"}},
		{"before the report", services.ForwardInput{To: []string{"governor"}, ForwardedOn: "2024-02-27"}, map[string]string{"forwarded_on": "date_before"}},
		{"no date", services.ForwardInput{To: []string{"governor"}}, map[string]string{"forwarded_on": "required"}},
	} {
		_, err := s.Forward(ctx, iv.state, id, tc.in)
		wantErr(t, err, services.EInvalid)
		if d := cmp.Diff(tc.want, codes(err)); d != "" {
			t.Errorf("forward %s (-want +got):\n%s", tc.name, d)
		}
	}
	_, err = s.Forward(ctx, iv.state, id, services.ForwardInput{To: []string{"governor"}, ForwardedOn: "2024-02-29"})
	noErr(t, err)
	_, err = s.Close(ctx, iv.state, id, services.CloseInput{ClosedOn: "2024-02-28"})
	wantErr(t, err, services.EInvalid)
	if d := cmp.Diff(map[string]string{"outcome": "required", "closed_on": "date_before"}, codes(err)); d != "" {
		t.Errorf("close (-want +got):\n%s", d)
	}
	got, err := s.Close(ctx, iv.state, id, services.CloseInput{Outcome: "done", ClosedOn: "2024-02-29"})
	noErr(t, err)
	if got.Forward == nil || got.Forward.ToAdministration || !got.Forward.ToGovernor || got.Report.SubmittedOn != "2024-02-28" {
		t.Errorf("closed incident: %+v %+v", got.Forward, got.Report)
	}
}

// TestIncidentStepRace: many clients take the same step of one incident at once, half of them
// with the version they read and half without. Exactly one wins; every other is refused with
// Conflict (the step is taken) or Precondition (the version moved); one committee is stored
// and verify finds nothing. Then the same for the report.
func TestIncidentStepRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	steps := e.steps(iv)
	clients := 16
	for round := range 3 {
		v := e.newIncident(t, iv.state, iv.tr.b1)
		for k := 0; k < 2; k++ {
			version := v.Incident.Version
			errs := race(clients, func(i int) error {
				var vp *int64
				if i%2 == 0 {
					vp = &version
				}
				_, err := steps[k].run(v.Incident.ID, vp)
				return err
			})
			ok, refused := 0, 0
			for _, err := range errs {
				switch services.ErrorCode(err) {
				case "":
					ok++
				case services.EConflict:
					// Refused under the lock, having read the new status: not by a constraint
					// of the database that a racing insert ran into.
					if !strings.Contains(services.ErrorMessage(err), "the incident is "+string(models.IncidentStatuses[k+1])) {
						t.Errorf("round %d, %s: refused with %v", round, steps[k].name, err)
					}
					refused++
				case services.EPrecondition:
					refused++
				default:
					t.Fatalf("round %d, %s: unexpected error %v", round, steps[k].name, err)
				}
			}
			if ok != 1 || refused != clients-1 {
				t.Fatalf("round %d, %s: %d won, %d refused; want 1 and %d", round, steps[k].name, ok, refused, clients-1)
			}
			var err error
			v, err = e.set.Incidents.Get(context.Background(), iv.state, v.Incident.ID)
			noErr(t, err)
			if v.Incident.Version != version+1 || v.Incident.Status != models.IncidentStatuses[k+1] {
				t.Fatalf("round %d after %s: version %d status %s", round, steps[k].name, v.Incident.Version, v.Incident.Status)
			}
		}
	}
	var audits int64
	noErr(t, e.db.Model(&models.AuditEntry{}).Where("entity = 'incident' AND action IN ('form_committee', 'submit_report')").Count(&audits).Error)
	if audits != 6 {
		t.Errorf("%d step audit rows, want 6", audits)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestIncidentFollowsItsUnit: an incident at a booth whose sector moves to another district
// moves with it — the new district's coordinator sees it, the old one's no longer — and verify
// reports a path or a status broken straight in SQL, and fixes the path.
func TestIncidentFollowsItsUnit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	v := e.newIncident(t, iv.state, iv.tr.b1)
	_, err := e.units.Update(ctx, services.System, iv.tr.s1.ID, services.UnitPatch{ParentID: &iv.tr.a2.ID})
	noErr(t, err)
	_, err = e.set.Incidents.Get(ctx, iv.dc, v.Incident.ID)
	wantErr(t, err, services.ENotFound)
	_, err = e.set.Incidents.Get(ctx, scoped(models.RoleDistrictCoordinator, iv.tr.d2), v.Incident.ID)
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("verify after the move: %v", d)
	}
	noErr(t, e.db.Exec("UPDATE incidents SET path = ? WHERE id = ?", iv.tr.d1.Path, v.Incident.ID).Error)
	noErr(t, e.db.Exec("UPDATE incidents SET status = 'forwarded' WHERE id = ?", v.Incident.ID).Error)
	diffs := e.differences(t)
	if len(diffs) != 2 || !strings.Contains(strings.Join(diffs, "\n"), "incidents.path") ||
		!strings.Contains(strings.Join(diffs, "\n"), "status: stored forwarded, recounted reported") {
		t.Fatalf("verify: %v", diffs)
	}
	_, err = e.verifier().Fix(ctx, services.System)
	noErr(t, err)
	if d := e.differences(t); len(d) != 1 || !strings.Contains(d[0], "status") {
		t.Errorf("after fix: %v", d)
	}
	var path string
	noErr(t, e.db.Raw("SELECT path FROM incidents WHERE id = ?", v.Incident.ID).Scan(&path).Error)
	if b1 := loadUnit(t, e.db, iv.tr.b1.ID); path != b1.Path {
		t.Errorf("fixed path %s, booth's %s", path, b1.Path)
	}
}
