package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// programReadList is the matrix row of the program lists: every role reads inside its scope;
// outside it the unit of under= does not exist.
var programReadList = byRole{
	"admin": {s200, s200, s200, s200}, "state": {s200, s200, s200, s404},
	"dc": {s200, s200, s404, s404}, "worker": {s200, s200, s404, s404}, "viewer": {s200, s200, s404, s404},
}

// program is a new program, begun the day before the test clock's day, at the unit at loc.
func (m *matrix) program(loc string) string {
	return m.s.mkProgram(m.t, m.unit(loc), "2024-03-14T10:00:00+05:30")
}

// mkProgram plans a program at the unit unitID (an API id) through the service as the
// installation; it returns the program's API id.
func (s *testServer) mkProgram(t *testing.T, unitID, startsAt string) string {
	t.Helper()
	u, err := strconv.ParseInt(unitID, 10, 64)
	if err != nil {
		t.Fatalf("mkProgram: unit %q", unitID)
	}
	v, err := s.set.Programs.Create(context.Background(), services.System, services.ProgramInput{UnitID: &u, Kind: "meeting", Title: "बैठक", StartsAt: startsAt})
	if err != nil {
		t.Fatalf("mkProgram: %v", err)
	}
	return strconv.FormatInt(v.Program.ID, 10)
}

// programJSON is a program as a client reads it.
type programJSON struct {
	ID         string  `json:"id"`
	UnitID     string  `json:"unit_id"`
	Unit       unitRef `json:"unit"`
	IncidentID *string `json:"incident_id"`
	Incident   *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"incident"`
	Kind       string     `json:"kind"`
	Title      string     `json:"title"`
	Place      string     `json:"place"`
	Organiser  string     `json:"organiser"`
	StartsAt   time.Time  `json:"starts_at"`
	EndsAt     *time.Time `json:"ends_at"`
	Status     string     `json:"status"`
	Attendance *int       `json:"attendance"`
	Outcome    string     `json:"outcome"`
	Version    int64      `json:"version"`
	CreatedBy  string     `json:"created_by"`
	UpdatedBy  string     `json:"updated_by"`
}

func wantFieldCode(t *testing.T, p problem, field, code string) {
	t.Helper()
	for _, e := range p.Errors {
		if e.Field == field && e.Code == code {
			return
		}
	}
	t.Errorf("problem %+v does not name %s with code %s", p, field, code)
}

// TestProgramsOverHTTP: a booth worker plans a program at their booth and reports it held with
// the ETag of the last answer; each rule answers its status naming the field and code; the
// counts and the calendar show what was planned and held.
func TestProgramsOverHTTP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t)
	fx := s.fx
	worker := s.mkUser(t, models.RoleBoothWorker, fx.id("LKOW-1"))
	dc := s.mkUser(t, models.RoleDistrictCoordinator, fx.id("LKO"))
	viewer := s.mkUser(t, models.RoleViewer, fx.id("LKO"))

	// The clock stands at 2024-03-15 10:30 UTC (16:00 in India).
	body := map[string]any{"unit_id": fx.id("LKOW-1"), "kind": "public_dialogue", "title": "जन संवाद: शिक्षा का अधिकार",
		"starts_at": "2024-03-15T16:10:00+05:30", "ends_at": "2024-03-15T16:00:00+05:30", "place": "पंचायत भवन", "organiser": "बूथ अध्यक्ष"}
	p := wantProblem(t, s.do(t, http.MethodPost, "/api/v1/programs", worker.Token, body), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "ends_at", "ends_before_start")
	body["ends_at"] = "2024-03-15T19:00:00+05:30"
	p = wantProblem(t, s.do(t, http.MethodPost, "/api/v1/programs", worker.Token, map[string]any{"unit_id": fx.id("LKOW-2"), "kind": "meeting", "title": "x", "starts_at": "2024-03-15T17:00:00+05:30"}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "unit_id", "unit_not_in_scope")
	incident := s.mkIncident(t, fx.id("LKOW-1"), models.IncidentReported)
	p = wantProblem(t, s.do(t, http.MethodPost, "/api/v1/programs", worker.Token, map[string]any{"unit_id": fx.id("LKOW-1"), "incident_id": incident, "kind": "meeting", "title": "x", "starts_at": "2024-03-15T17:00:00+05:30"}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "incident_id", "incident_not_in_scope")
	wantProblem(t, s.do(t, http.MethodPost, "/api/v1/programs", viewer.Token, body), http.StatusForbidden)

	mark := s.auditMark(t)
	rec := s.do(t, http.MethodPost, "/api/v1/programs", worker.Token, body)
	wantStatus(t, rec, http.StatusCreated)
	prog := decode[programJSON](t, rec)
	if prog.Status != "planned" || prog.Version != 1 || rec.Header().Get("ETag") != `"v1"` || prog.Unit.Code != fx.code("LKOW-1") ||
		prog.Title != "जन संवाद: शिक्षा का अधिकार" || prog.CreatedBy != worker.Username || !prog.StartsAt.Equal(time.Date(2024, 3, 15, 10, 40, 0, 0, time.UTC)) ||
		prog.EndsAt == nil || prog.Attendance != nil {
		t.Fatalf("created: %s", rec.Body)
	}
	base := "/api/v1/programs/" + prog.ID
	etag := rec.Header().Get("ETag")

	// The booth worker reports but does not edit details nor delete.
	wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"title": "New"}), http.StatusForbidden)
	wantProblem(t, s.doIfMatch(t, http.MethodDelete, base, worker.Token, etag, nil), http.StatusForbidden)
	// Held before it starts; attendance while planned.
	p = wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"status": "held"}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "status", "not_started")
	p = wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"attendance": 20}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "attendance", "held_only")
	if got := s.auditSince(t, mark); len(got) != 1 {
		t.Fatalf("refusals wrote: %+v", got)
	}
	s.clock.Advance(10 * time.Minute) // within the access token's life
	p = wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"status": "held", "attendance": 1000001}), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "attendance", "out_of_range")
	p = wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, `"v7"`, map[string]any{"status": "held"}), http.StatusPreconditionFailed)
	wantFieldCode(t, p, "version", "version_mismatch")
	rec = s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"status": "held", "attendance": 85, "outcome": "85 लोग आए; स्कूल में शिक्षक की माँग।"})
	wantStatus(t, rec, http.StatusOK)
	prog = decode[programJSON](t, rec)
	if prog.Status != "held" || prog.Attendance == nil || *prog.Attendance != 85 || prog.Version != 2 || rec.Header().Get("ETag") != `"v2"` ||
		prog.UpdatedBy != worker.Username || prog.Place != "पंचायत भवन" {
		t.Fatalf("reported: %s", rec.Body)
	}
	etag = rec.Header().Get("ETag")
	// Held is final.
	wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, worker.Token, etag, map[string]any{"status": "planned"}), http.StatusConflict)
	wantProblem(t, s.doIfMatch(t, http.MethodPatch, base, dc.Token, etag, map[string]any{"place": "elsewhere"}), http.StatusConflict)
	if got := s.auditSince(t, mark); len(got) != 2 || got[1].Action != "report" || got[1].EntityID != prog.ID {
		t.Errorf("audit: %+v", got)
	}

	// The counts of the district and the booth worker's booth.
	type counts struct {
		Items      []map[string]any `json:"items"`
		NextCursor *string          `json:"next_cursor"`
	}
	for _, tok := range []string{worker.Token, dc.Token, viewer.Token} {
		c := decode[counts](t, s.do(t, http.MethodGet, "/api/v1/programs/counts?under="+fx.id("LKOW-1")+"&from=2024-03&to=2024-03", tok, nil))
		want := []map[string]any{{"month": "2024-03", "kind": "public_dialogue", "planned": 0.0, "held": 1.0, "cancelled": 0.0, "attendance": 85.0}}
		if d := cmp.Diff(want, c.Items); d != "" || c.NextCursor != nil {
			t.Errorf("counts (-want +got):\n%s", d)
		}
	}
	p = wantProblem(t, s.do(t, http.MethodGet, "/api/v1/programs/counts?from=March", dc.Token, nil), http.StatusUnprocessableEntity)
	wantFieldCode(t, p, "from", "date_invalid")

	// The calendar: the coming planned programs, by start.
	later := s.mkProgram(t, fx.id("LKOW-2"), "2024-04-01T10:00:00+05:30")
	sooner := s.mkProgram(t, fx.id("LKOW-1"), "2024-03-20T10:00:00+05:30")
	beyond := s.mkProgram(t, fx.id("LKOW-1"), "2024-06-20T10:00:00+05:30")
	ids := func(path, token string) []string {
		t.Helper()
		var out []string
		first := path
		for path != "" {
			rec := s.do(t, http.MethodGet, path, token, nil)
			wantStatus(t, rec, http.StatusOK)
			l := decode[struct {
				Items      []programJSON `json:"items"`
				NextCursor *string       `json:"next_cursor"`
			}](t, rec)
			for _, it := range l.Items {
				out = append(out, it.ID)
			}
			path = ""
			if l.NextCursor != nil {
				path = first + "&cursor=" + url.QueryEscape(*l.NextCursor)
			}
		}
		return out
	}
	if got := ids("/api/v1/programs/calendar?under="+fx.id("LKO")+"&days=30", dc.Token); !cmp.Equal(got, []string{sooner, later}) {
		t.Errorf("calendar: %v, want %v", got, []string{sooner, later})
	}
	if got := ids("/api/v1/programs/calendar", worker.Token); !cmp.Equal(got, []string{sooner}) {
		t.Errorf("booth worker's calendar: %v", got)
	}
	if got := ids("/api/v1/programs?under="+fx.id("LKO")+"&limit=1", dc.Token); !cmp.Equal(got, []string{prog.ID, sooner, later, beyond}) {
		t.Errorf("paged list: %v", got)
	}
	if got := ids("/api/v1/programs?status=planned&from=2024-03-15T10:30:00Z&kind=meeting", worker.Token); !cmp.Equal(got, []string{sooner, beyond}) {
		t.Errorf("coming at the booth: %v", got)
	}
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/programs/calendar?days=0", dc.Token, nil), http.StatusUnprocessableEntity)
	wantProblem(t, s.do(t, http.MethodGet, "/api/v1/programs?status=done", dc.Token, nil), http.StatusUnprocessableEntity)

	// Delete: If-Match honoured, then gone.
	del := "/api/v1/programs/" + later
	wantProblem(t, s.doIfMatch(t, http.MethodDelete, del, dc.Token, `"v9"`, nil), http.StatusPreconditionFailed)
	wantStatus(t, s.doIfMatch(t, http.MethodDelete, del, dc.Token, `"v1"`, nil), http.StatusNoContent)
	wantProblem(t, s.do(t, http.MethodGet, del, dc.Token, nil), http.StatusNotFound)
}
