package services_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// report files a report from the public at district d from addr; edits change the input first.
func (e *env) report(t *testing.T, addr string, d models.Unit, edits ...func(*services.PublicReportInput)) string {
	t.Helper()
	in := services.PublicReportInput{DistrictCode: d.Code, Place: "Village Rampur Khas", OccurredOn: "2024-02-27",
		Description: "Dalit families were beaten at the well.", Contact: "9876543210"}
	for _, edit := range edits {
		edit(&in)
	}
	code, err := e.set.Intake.Submit(context.Background(), addr, in)
	if err != nil {
		t.Fatalf("submit report: %v", err)
	}
	return code
}

// reportByCode reads a report straight from the database.
func (e *env) reportByCode(t *testing.T, code string) models.PublicReport {
	t.Helper()
	var r models.PublicReport
	noErr(t, e.db.Where("tracking_code = ?", strings.ReplaceAll(code, "-", "")).Take(&r).Error)
	return r
}

func (e *env) countReports(t *testing.T) int64 {
	t.Helper()
	var n int64
	noErr(t, e.db.Model(&models.PublicReport{}).Count(&n).Error)
	return n
}

var trackingCodeForm = regexp.MustCompile(`^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$`)

// TestIntakeSubmitAndTrack: a report filed without a login gets a code of 10 unambiguous
// characters grouped 5-5, stores what was sent, and its tracking answers received with the
// date, however the code is typed; a code that names nothing is NotFound.
func TestIntakeSubmitAndTrack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	code := e.report(t, "203.0.113.5", tr.d1)
	if !trackingCodeForm.MatchString(code) {
		t.Fatalf("tracking code %q", code)
	}
	r := e.reportByCode(t, code)
	if r.DistrictID != tr.d1.ID || r.Status != models.ReportPending || r.Contact == nil || *r.Contact != "9876543210" || r.OccurredOn != "2024-02-27" || r.Version != 1 {
		t.Errorf("stored %+v", r)
	}
	for _, typed := range []string{code, strings.ToLower(code), strings.ReplaceAll(code, "-", " "), strings.ReplaceAll(code, "-", "")} {
		v, err := e.set.Intake.Track(ctx, "198.51.100.7", typed)
		noErr(t, err)
		want := []services.TrackingStep{{Status: models.TrackReceived, On: "2024-03-01"}}
		if v.Status != models.TrackReceived || v.District.ID != tr.d1.ID || v.TrackingCode != code || !cmp.Equal(want, v.Timeline) {
			t.Errorf("track %q: %+v", typed, v)
		}
	}
	for _, bad := range []string{"", "AAAAA-AAAAA", code + "2", "K7QXM-4PDR0", "<script>"} {
		_, err := e.set.Intake.Track(ctx, "198.51.100.7", bad)
		wantErr(t, err, services.ENotFound)
	}
	// Codes are drawn at random: a hundred reports, a hundred different codes.
	e.set.Intake.Limits = services.IntakeLimits{Submissions: 1000}
	seen := map[string]bool{code: true}
	for i := range 100 {
		c := e.report(t, "192.0.2."+string(rune('0'+i%10)), tr.d2)
		if seen[c] {
			t.Fatalf("code %s drawn twice", c)
		}
		seen[c] = true
	}
}

// TestIntakeStatusThroughEveryStep: the reporter's status follows the incident the report became
// through each step of its investigation, with a dated timeline and never a name or an id.
func TestIntakeStatusThroughEveryStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	code := e.report(t, "203.0.113.5", iv.tr.d1)
	r := e.reportByCode(t, code)
	inc, err := e.set.Intake.Accept(ctx, iv.state, r.ID, services.AcceptInput{Title: "Beating at the well", Kind: "atrocity", AffectedGroups: []string{"SC"}})
	noErr(t, err)
	if inc.Incident.UnitID != iv.tr.d1.ID || inc.Incident.Place != r.Place || inc.Incident.OccurredOn != r.OccurredOn || inc.Incident.Description != r.Description {
		t.Errorf("incident from the report's defaults: %+v", inc.Incident)
	}
	track := func() services.TrackingView {
		v, err := e.set.Intake.Track(ctx, "198.51.100.7", code)
		noErr(t, err)
		return v
	}
	want := []models.TrackingStatus{models.TrackUnderInvestigation, models.TrackUnderInvestigation, models.TrackForwarded, models.TrackClosed}
	if v := track(); v.Status != models.TrackUnderReview || len(v.Timeline) != 2 || v.Timeline[1].Status != models.TrackUnderReview {
		t.Fatalf("after accept: %+v", v)
	}
	for i, st := range e.steps(iv) {
		_, err := st.run(inc.Incident.ID, nil)
		noErr(t, err)
		v := track()
		if v.Status != want[i] {
			t.Errorf("after %s: status %s, want %s", st.name, v.Status, want[i])
		}
		b, _ := json.Marshal(v)
		for _, m := range iv.members {
			if strings.Contains(string(b), m.Name) {
				t.Errorf("after %s the tracking view names %s: %s", st.name, m.Name, b)
			}
		}
		for _, secret := range []string{"police did not register", "SO/2024/117", "compensation", iv.state.Username} {
			if strings.Contains(string(b), secret) {
				t.Errorf("after %s the tracking view holds %q: %s", st.name, secret, b)
			}
		}
	}
	got := []models.TrackingStatus{}
	for _, s := range track().Timeline {
		got = append(got, s.Status)
	}
	if d := cmp.Diff([]models.TrackingStatus{models.TrackReceived, models.TrackUnderReview, models.TrackUnderInvestigation, models.TrackForwarded, models.TrackClosed}, got); d != "" {
		t.Errorf("timeline (-want +got):\n%s", d)
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestIntakeReview: accept and dismiss are the state office's and admin's, each once: a second
// decision is Conflict and writes nothing; a stale If-Match is Precondition; a bad incident field
// is Invalid and leaves the report pending; the decisions are audited without the contact; the
// queue lists by status and district, oldest first, with the contact.
func TestIntakeReview(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	in := e.set.Intake
	r1 := e.reportByCode(t, e.report(t, "203.0.113.5", iv.tr.d1))
	r2 := e.reportByCode(t, e.report(t, "203.0.113.5", iv.tr.d2))
	r3 := e.reportByCode(t, e.report(t, "203.0.113.6", iv.tr.d1))

	for _, a := range []services.Actor{iv.dc, scoped(models.RoleBoothWorker, iv.tr.b1), scoped(models.RoleViewer, iv.tr.state)} {
		_, err := in.List(ctx, a, services.PublicReportFilter{})
		wantErr(t, err, services.EForbidden)
		_, err = in.Accept(ctx, a, r1.ID, services.AcceptInput{Title: "x", Kind: "other"})
		wantErr(t, err, services.EForbidden)
		_, err = in.Dismiss(ctx, a, r1.ID, services.DismissInput{Reason: "x"})
		wantErr(t, err, services.EForbidden)
	}
	// A state office of another state sees none of them.
	other := scoped(models.RoleStateOffice, e.newRoot(t))
	_, err := in.Accept(ctx, other, r1.ID, services.AcceptInput{Title: "x", Kind: "other"})
	wantErr(t, err, services.ENotFound)
	page, err := in.List(ctx, other, services.PublicReportFilter{})
	noErr(t, err)
	if len(page.Items) != 0 {
		t.Errorf("another state's office sees %d reports", len(page.Items))
	}

	page, err = in.List(ctx, iv.state, services.PublicReportFilter{})
	noErr(t, err)
	if len(page.Items) != 3 || page.Items[0].Report.ID != r1.ID || page.Items[2].Report.ID != r3.ID || page.Items[0].Report.Contact == nil {
		t.Fatalf("queue: %+v", page.Items)
	}
	page, err = in.List(ctx, iv.state, services.PublicReportFilter{Under: &iv.tr.d2.ID})
	noErr(t, err)
	if len(page.Items) != 1 || page.Items[0].Report.ID != r2.ID || page.Items[0].District.ID != iv.tr.d2.ID {
		t.Errorf("queue under d2: %+v", page.Items)
	}
	page, err = in.List(ctx, iv.state, services.PublicReportFilter{Page: services.PageRequest{Limit: 2}})
	noErr(t, err)
	next, err := in.List(ctx, iv.state, services.PublicReportFilter{Page: services.PageRequest{Limit: 2, Cursor: page.NextCursor}})
	noErr(t, err)
	if len(page.Items) != 2 || len(next.Items) != 1 || next.Items[0].Report.ID != r3.ID || next.NextCursor != "" {
		t.Errorf("paging: %d then %d", len(page.Items), len(next.Items))
	}
	_, err = in.List(ctx, iv.state, services.PublicReportFilter{Status: "open"})
	wantErr(t, err, services.EInvalid, "status")

	// A bad incident field: nothing written, the report still pending.
	before := e.incidentRows(t)
	_, err = in.Accept(ctx, iv.state, r1.ID, services.AcceptInput{Title: "", Kind: "riot", UnitID: &iv.tr.state.ID})
	wantErr(t, err, services.EInvalid, "title", "kind", "unit_id")
	if d := cmp.Diff(before, e.incidentRows(t)); d != "" {
		t.Errorf("a refused accept wrote (-before +after):\n%s", d)
	}
	stale := int64(7)
	_, err = in.Accept(ctx, iv.state, r1.ID, services.AcceptInput{Title: "Beating", Kind: "atrocity", IfMatch: &stale})
	wantErr(t, err, services.EPrecondition)
	_, err = in.Dismiss(ctx, iv.state, r1.ID, services.DismissInput{Reason: "", IfMatch: &r1.Version})
	wantErr(t, err, services.EInvalid, "reason")
	_, err = in.Dismiss(ctx, iv.state, r1.ID, services.DismissInput{Reason: strings.Repeat("x", 1001)})
	wantErr(t, err, services.EInvalid, "reason")

	mark := e.auditMark(t)
	inc, err := in.Accept(ctx, iv.state, r1.ID, services.AcceptInput{Title: "Beating", Kind: "atrocity", UnitID: &iv.tr.b1.ID,
		Place: "Rampur well", OccurredOn: "2024-02-26", Description: ptr("Edited by the state office."), IfMatch: &r1.Version})
	noErr(t, err)
	if inc.Incident.UnitID != iv.tr.b1.ID || inc.Incident.Place != "Rampur well" || inc.Incident.OccurredOn != "2024-02-26" ||
		inc.Incident.Description != "Edited by the state office." || inc.Incident.Status != models.IncidentReported {
		t.Errorf("incident: %+v", inc.Incident)
	}
	got := e.reportByCode(t, r1.TrackingCode)
	if got.Status != models.ReportAccepted || got.IncidentID == nil || *got.IncidentID != inc.Incident.ID || got.Version != 2 ||
		got.ReviewedByName != iv.state.Username || got.ReviewedAt == nil {
		t.Errorf("accepted report: %+v", got)
	}
	audits := e.auditSince(t, mark)
	if len(audits) != 2 || audits[0].Entity != "incident" || audits[1].Action != "accept" || audits[1].Entity != "public_report" {
		t.Fatalf("audit: %+v", audits)
	}
	for _, a := range audits {
		if a.After != nil && strings.Contains(*a.After, "9876543210") {
			t.Errorf("the audit log holds the contact: %s", *a.After)
		}
	}

	// Second decisions are refused under the lock, and write nothing.
	before = e.incidentRows(t)
	_, err = in.Accept(ctx, iv.state, r1.ID, services.AcceptInput{Title: "Again", Kind: "atrocity"})
	wantErr(t, err, services.EConflict)
	_, err = in.Dismiss(ctx, iv.state, r1.ID, services.DismissInput{Reason: "Duplicate"})
	wantErr(t, err, services.EConflict)
	if d := cmp.Diff(before, e.incidentRows(t)); d != "" {
		t.Errorf("a second decision wrote (-before +after):\n%s", d)
	}

	admin := services.Actor{UserID: 1, Username: "admin", Role: models.RoleAdmin}
	v, err := in.Dismiss(ctx, admin, r2.ID, services.DismissInput{Reason: "  Not an incident: a family quarrel.  "})
	noErr(t, err)
	if v.Report.Status != models.ReportDismissed || v.Report.DismissReason != "Not an incident: a family quarrel." || v.Report.IncidentID != nil || v.Report.Version != 2 {
		t.Errorf("dismissed: %+v", v.Report)
	}
	_, err = in.Accept(ctx, admin, r2.ID, services.AcceptInput{Title: "x", Kind: "other"})
	wantErr(t, err, services.EConflict)
	tv, err := in.Track(ctx, "198.51.100.7", r2.TrackingCode)
	noErr(t, err)
	if tv.Status != models.TrackDismissed || strings.Contains(tv.District.Name+string(tv.Status), "quarrel") {
		t.Errorf("dismissed tracking: %+v", tv)
	}

	for status, want := range map[string]int64{"pending": r3.ID, "accepted": r1.ID, "dismissed": r2.ID} {
		page, err := in.List(ctx, iv.state, services.PublicReportFilter{Status: status})
		noErr(t, err)
		if len(page.Items) != 1 || page.Items[0].Report.ID != want {
			t.Errorf("status %s: %+v", status, page.Items)
		}
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestIntakeValidation: every field's rule, by field name; nothing stored and nothing counted
// against the address for a refused report.
func TestIntakeValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	e.set.Intake.Limits = services.IntakeLimits{Submissions: 1}
	ctx := context.Background()
	tests := []struct {
		name   string
		edit   func(*services.PublicReportInput)
		fields []string
		code   string
	}{
		{"everything missing", func(in *services.PublicReportInput) { *in = services.PublicReportInput{} }, []string{"district_code", "place", "occurred_on", "description"}, "required"},
		{"unknown district", func(in *services.PublicReportInput) { in.DistrictCode = "NOPE" }, []string{"district_code"}, "district_unknown"},
		{"a state is not a district", func(in *services.PublicReportInput) { in.DistrictCode = tr.state.Code }, []string{"district_code"}, "district_unknown"},
		{"an assembly is not a district", func(in *services.PublicReportInput) { in.DistrictCode = tr.a1.Code }, []string{"district_code"}, "district_unknown"},
		{"description too long", func(in *services.PublicReportInput) { in.Description = strings.Repeat("घ", 4001) }, []string{"description"}, "too_long"},
		{"place too long", func(in *services.PublicReportInput) { in.Place = strings.Repeat("p", 201) }, []string{"place"}, "too_long"},
		{"contact too long", func(in *services.PublicReportInput) { in.Contact = strings.Repeat("9", 201) }, []string{"contact"}, "too_long"},
		{"control characters", func(in *services.PublicReportInput) { in.Place = "a\x00b" }, []string{"place"}, "not_text"},
		{"future date", func(in *services.PublicReportInput) { in.OccurredOn = "2024-03-03" }, []string{"occurred_on"}, "date_future"},
		{"absurdly old date", func(in *services.PublicReportInput) { in.OccurredOn = "1947-08-15" }, []string{"occurred_on"}, "date_too_old"},
		{"not a date", func(in *services.PublicReportInput) { in.OccurredOn = "27/02/2024" }, []string{"occurred_on"}, "date_invalid"},
	}
	for _, tt := range tests {
		in := services.PublicReportInput{DistrictCode: tr.d1.Code, Place: "Rampur", OccurredOn: "2024-02-27", Description: "What happened."}
		tt.edit(&in)
		_, err := e.set.Intake.Submit(ctx, "203.0.113.5", in)
		se := wantErr(t, err, services.EInvalid, tt.fields...)
		for _, f := range se.Fields {
			if f.Code != tt.code {
				t.Errorf("%s: field %s code %s, want %s", tt.name, f.Field, f.Code, tt.code)
			}
		}
	}
	if n := e.countReports(t); n != 0 {
		t.Fatalf("%d reports stored", n)
	}
	// At the limits, and with today's date and one just inside the oldest allowed: accepted.
	// The refused reports above did not use up the address's one report.
	e.report(t, "203.0.113.5", tr.d1, func(in *services.PublicReportInput) {
		in.Description, in.Place, in.Contact = strings.Repeat("घ", 4000), strings.Repeat("p", 200), strings.Repeat("9", 200)
		in.OccurredOn = "2024-03-01"
	})
	e.report(t, "203.0.113.9", tr.d1, func(in *services.PublicReportInput) { in.OccurredOn = "2022-03-02"; in.Contact = "" })
	r := models.PublicReport{}
	noErr(t, e.db.Where("occurred_on = ?", "2022-03-02").Take(&r).Error)
	if r.Contact != nil {
		t.Errorf("an empty contact is stored as %q, want NULL", *r.Contact)
	}
}

// TestIntakeHoneypot: a filled honeypot answers like a success, with a well-formed code that
// finds nothing, stores nothing, and still counts against the address.
func TestIntakeHoneypot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	e.set.Intake.Limits = services.IntakeLimits{Submissions: 2}
	ctx := context.Background()
	mark := e.auditMark(t)
	code := e.report(t, "203.0.113.5", tr.d1, func(in *services.PublicReportInput) { in.Website = "http://spam.example" })
	if !trackingCodeForm.MatchString(code) {
		t.Errorf("honeypot code %q does not look like a real one", code)
	}
	if n := e.countReports(t); n != 0 {
		t.Errorf("the honeypot stored %d reports", n)
	}
	if a := e.auditSince(t, mark); len(a) != 0 {
		t.Errorf("the honeypot wrote %d audit rows", len(a))
	}
	_, err := e.set.Intake.Track(ctx, "203.0.113.5", code)
	wantErr(t, err, services.ENotFound)
	e.report(t, "203.0.113.5", tr.d1)
	_, err = e.set.Intake.Submit(ctx, "203.0.113.5", services.PublicReportInput{DistrictCode: tr.d1.Code, Place: "x", OccurredOn: "2024-02-27", Description: "y"})
	wantErr(t, err, services.ERateLimited)
}

// TestIntakeRateLimits: per address, on an injected clock. The 6th report in an hour from one
// address is RateLimited with the seconds left in its window, and the window's end lets it
// through again; another address is unaffected, and an IPv6 address counts with its whole /64.
// Lookups are counted alike, found or not. And all addresses together meet a ceiling.
func TestIntakeRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	in := services.PublicReportInput{DistrictCode: tr.d1.Code, Place: "Rampur", OccurredOn: "2024-02-27", Description: "What happened."}
	for range 5 {
		e.report(t, "203.0.113.5", tr.d1)
		e.clock.Advance(time.Minute)
	}
	_, err := e.set.Intake.Submit(ctx, "203.0.113.5", in)
	se := wantErr(t, err, services.ERateLimited)
	if se.RetryAfter != 55*60+1 {
		t.Errorf("Retry-After %d s, want %d", se.RetryAfter, 55*60+1)
	}
	e.report(t, "203.0.113.6", tr.d1)
	for i := range 5 {
		e.report(t, "2001:db8:1:2::"+string(rune('a'+i)), tr.d1)
	}
	_, err = e.set.Intake.Submit(ctx, "2001:db8:1:2:ffff::1", in)
	wantErr(t, err, services.ERateLimited)
	e.report(t, "2001:db8:1:3::1", tr.d1)
	e.clock.Advance(55 * time.Minute)
	e.report(t, "203.0.113.5", tr.d1)

	code := e.report(t, "203.0.113.7", tr.d1)
	e.set.Intake.Limits = services.IntakeLimits{Lookups: 3}
	for _, c := range []string{code, "AAAAA-AAAAA", code} {
		_, _ = e.set.Intake.Track(ctx, "198.51.100.1", c)
	}
	_, err = e.set.Intake.Track(ctx, "198.51.100.1", code)
	wantErr(t, err, services.ERateLimited)
	_, err = e.set.Intake.Track(ctx, "198.51.100.2", code)
	noErr(t, err)

	var hits int
	noErr(t, e.db.Raw("SELECT hits FROM intake_throttle WHERE key = 's:*'").Scan(&hits).Error)
	e.set.Intake.Limits = services.IntakeLimits{AllSubmissions: hits + 1}
	e.report(t, "192.0.2.1", tr.d1)
	_, err = e.set.Intake.Submit(ctx, "192.0.2.2", in)
	wantErr(t, err, services.ERateLimited)
}

// TestIntakeDistricts: the public list holds every district and nothing else, and is read again
// only after five minutes.
func TestIntakeDistricts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	ds, err := e.set.Intake.Districts(ctx)
	noErr(t, err)
	codes := map[string]bool{}
	for _, d := range ds {
		if d.Level != models.LevelDistrict {
			t.Errorf("%s is a %s", d.Code, d.Level)
		}
		codes[d.Code] = true
	}
	if !codes[tr.d1.Code] || !codes[tr.d2.Code] || len(ds) != 2 {
		t.Errorf("districts %v", codes)
	}
	d3 := e.newChild(t, models.LevelDistrict, tr.state)
	ds, _ = e.set.Intake.Districts(ctx)
	if len(ds) != 2 {
		t.Errorf("the list was read again at once: %d districts", len(ds))
	}
	e.clock.Advance(5 * time.Minute)
	ds, _ = e.set.Intake.Districts(ctx)
	if len(ds) != 3 || (ds[0].Code != d3.Code && ds[1].Code != d3.Code && ds[2].Code != d3.Code) {
		t.Errorf("after five minutes: %d districts", len(ds))
	}
}

// TestIntakeReviewRace: 16 clients decide one report at once — accepts and dismisses, half with
// the version they read. Exactly one wins; the others are refused with Conflict or Precondition;
// one incident at most is stored and verify finds nothing.
func TestIntakeReviewRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	for round := range 3 {
		r := e.reportByCode(t, e.report(t, "203.0.113."+string(rune('1'+round)), iv.tr.d1))
		before := len(e.incidentRows(t).Incidents)
		errs := race(16, func(i int) error {
			var vp *int64
			if i%2 == 0 {
				vp = &r.Version
			}
			var err error
			if i%4 < 2 {
				_, err = e.set.Intake.Accept(ctx, iv.state, r.ID, services.AcceptInput{Title: "Beating", Kind: "atrocity", IfMatch: vp})
			} else {
				_, err = e.set.Intake.Dismiss(ctx, iv.state, r.ID, services.DismissInput{Reason: "Duplicate", IfMatch: vp})
			}
			return err
		})
		ok := 0
		for _, err := range errs {
			switch services.ErrorCode(err) {
			case "":
				ok++
			case services.EConflict, services.EPrecondition:
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d won, want 1", round, ok)
		}
		got := e.reportByCode(t, r.TrackingCode)
		added := len(e.incidentRows(t).Incidents) - before
		if got.Version != 2 || (got.Status == models.ReportAccepted) != (added == 1) || added > 1 {
			t.Fatalf("round %d: report %s version %d, %d incidents added", round, got.Status, got.Version, added)
		}
	}
	if d := e.differences(t); len(d) != 0 {
		t.Errorf("verify: %v", d)
	}
}

// TestIntakeVerify: verify reports an accepted report without an incident, a dismissed one with
// one, and a pending one marked reviewed, broken straight in SQL.
func TestIntakeVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	iv := e.newInvestigation(t)
	ctx := context.Background()
	r1 := e.reportByCode(t, e.report(t, "203.0.113.5", iv.tr.d1))
	r2 := e.reportByCode(t, e.report(t, "203.0.113.5", iv.tr.d1))
	r3 := e.reportByCode(t, e.report(t, "203.0.113.5", iv.tr.d2))
	inc, err := e.set.Intake.Accept(ctx, iv.state, r1.ID, services.AcceptInput{Title: "Beating", Kind: "atrocity"})
	noErr(t, err)
	_, err = e.set.Intake.Dismiss(ctx, iv.state, r2.ID, services.DismissInput{Reason: "Duplicate"})
	noErr(t, err)
	if d := e.differences(t); len(d) != 0 {
		t.Fatalf("verify: %v", d)
	}
	noErr(t, e.db.Exec("UPDATE public_reports SET incident_id = NULL WHERE id = ?", r1.ID).Error)
	noErr(t, e.db.Exec("UPDATE public_reports SET incident_id = ? WHERE id = ?", inc.Incident.ID, r2.ID).Error)
	noErr(t, e.db.Exec("UPDATE public_reports SET reviewed_at = created_at WHERE id = ?", r3.ID).Error)
	diffs := strings.Join(e.differences(t), "\n")
	for _, want := range []string{"accepted with none", "dismissed with incident", "reviewed exactly when not pending"} {
		if !strings.Contains(diffs, want) {
			t.Errorf("verify does not say %q:\n%s", want, diffs)
		}
	}
}
