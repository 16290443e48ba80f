package services

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Programs keeps the programs (कार्यक्रम / अभियान) planned at the units: awareness campaigns,
// public dialogues (जन संवाद), protests (धरना-प्रदर्शन), meetings, optionally about an incident.
// A program is planned, then held (with its attendance and outcome) or cancelled; held and
// cancelled are final.
//
// Who may do what (DESIGN.md, "Users, roles and scope"):
//   - admin, the state office and a district coordinator plan, change and delete programs in
//     their scope;
//   - a booth worker plans programs at their booth and reports them (status, attendance,
//     outcome), but changes no other field and deletes nothing;
//   - a viewer reads the programs in their scope and writes nothing.
//
// Every change locks the program row, checks the caller's version (If-Match), changes only the
// fields given, raises the version and writes its audit row in the same transaction.
type Programs struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewPrograms returns the programs service.
func NewPrograms(db *gorm.DB, now Clock, units *Units) *Programs {
	return &Programs{db: db, now: now, units: units}
}

// Limits of a program's fields.
const (
	maxProgramTitle   = 200
	maxProgramText    = 5000
	MaxAttendance     = 1_000_000 // दस लाख: more than any program gathers
	MaxCalendarDays   = 366
	maxCountsMonths   = 240
	programMonthZone  = "Asia/Kolkata"
	programMonthShift = 330 * time.Minute // India Standard Time: UTC+05:30, no daylight saving
)

// mayPlanPrograms: every role but the viewer plans programs (a booth worker at their booth).
func (a Actor) mayPlanPrograms() bool {
	switch a.Role {
	case models.RoleAdmin, models.RoleStateOffice, models.RoleDistrictCoordinator, models.RoleBoothWorker:
		return true
	}
	return false
}

// mayManagePrograms: the roles that change a program's details and delete programs.
func (a Actor) mayManagePrograms() bool { return a.canManageUnits() }

// ProgramInput is a new program. StartsAt and EndsAt are RFC 3339 times.
type ProgramInput struct {
	UnitID            *int64
	IncidentID        *int64
	Kind              string
	Title             string
	Description       string
	Place             string
	Organiser         string
	OrganiserPersonID *int64
	StartsAt          string
	EndsAt            string
}

// ProgramView is a program with its unit and, when the reader may see it, the incident it is about.
type ProgramView struct {
	Program  models.Program
	Unit     models.Unit
	Incident *ProgramIncident
}

// ProgramIncident names the incident a program is about.
type ProgramIncident struct {
	ID     int64
	Title  string
	Status models.IncidentStatus
}

// parseTime reads an RFC 3339 time into UTC to the second (SQLite compares stored times as text).
func parseTime(f *Fields, field, s string, required bool) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			f.AddCode(field, "required", nil, "is required")
		}
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 1900 || t.Year() > 9999 {
		f.AddCode(field, "date_invalid", nil, "must be an RFC 3339 time, such as 2026-11-30T10:00:00+05:30")
		return nil
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}

// endsCheck: a program does not end before it starts.
func endsCheck(f *Fields, starts, ends *time.Time) {
	if starts != nil && ends != nil && ends.Before(*starts) {
		f.AddCode("ends_at", "ends_before_start", map[string]any{"starts_at": starts.Format(time.RFC3339)}, "must not be before starts_at (%s)", starts.Format(time.RFC3339))
	}
}

func kindCheck(f *Fields, kind string) {
	if !models.ProgramKind(kind).Valid() {
		f.AddCode("kind", "one_of", map[string]any{"allowed": models.ProgramKinds}, "must be %s", oneOf(models.ProgramKinds))
	}
}

func (in *ProgramInput) validate() (Fields, *time.Time, *time.Time) {
	var f Fields
	if in.UnitID == nil {
		f.AddCode("unit_id", "required", nil, "is required")
	}
	in.Kind, in.Title, in.Place, in.Organiser = strings.TrimSpace(in.Kind), strings.TrimSpace(in.Title), strings.TrimSpace(in.Place), strings.TrimSpace(in.Organiser)
	in.Description = strings.TrimSpace(in.Description)
	kindCheck(&f, in.Kind)
	textField(&f, "title", in.Title, true, maxProgramTitle, false)
	textField(&f, "description", in.Description, false, maxProgramText, true)
	textField(&f, "place", in.Place, false, maxProgramTitle, false)
	textField(&f, "organiser", in.Organiser, false, maxProgramTitle, false)
	starts := parseTime(&f, "starts_at", in.StartsAt, true)
	ends := parseTime(&f, "ends_at", in.EndsAt, false)
	endsCheck(&f, starts, ends)
	return f, starts, ends
}

// incidentFor checks the incident a program at unit would be about: one the actor may read
// (Invalid, worded as one that does not exist, otherwise) whose district holds unit (Invalid).
func (s *Programs) incidentFor(tx *gorm.DB, actor Actor, id int64, unit models.Unit) (*ProgramIncident, error) {
	var inc models.Incident
	err := tx.Where("id = ?", id).Take(&inc).Error
	if err != nil && ErrorCode(dbErr("load incident", err)) != ENotFound {
		return nil, dbErr("load incident", err)
	}
	if err != nil || !actor.mayReadIncidents() || !actor.Sees(inc.Path) {
		return nil, invalid("incident_id", "incident_not_in_scope", nil, "no such incident")
	}
	if unit.ID == 0 {
		return &ProgramIncident{ID: inc.ID, Title: inc.Title, Status: inc.Status}, nil
	}
	var districts []models.Unit
	if err := tx.Where("id IN ? AND level = ?", models.PathIDs(inc.Path), models.LevelDistrict).Find(&districts).Error; err != nil {
		return nil, dbErr("load district", err)
	}
	if len(districts) != 1 || !strings.HasPrefix(unit.Path, districts[0].Path) {
		params := map[string]any{}
		if len(districts) == 1 {
			params["district_id"] = idStr(districts[0].ID)
			params["district"] = districts[0].Name
		}
		return nil, invalid("unit_id", "outside_incident_district", params, "must lie in the district of incident %d", inc.ID)
	}
	return &ProgramIncident{ID: inc.ID, Title: inc.Title, Status: inc.Status}, nil
}

// Create plans a program at a unit in the actor's scope, with status planned. Returns Forbidden
// for viewers, Invalid for bad fields, a unit outside the actor's scope (a booth worker: any unit
// but their booth) or an incident the actor cannot see (both worded as ones that do not exist),
// or a unit outside the incident's district.
func (s *Programs) Create(ctx context.Context, actor Actor, in ProgramInput) (ProgramView, error) {
	if !actor.mayPlanPrograms() {
		return ProgramView{}, Errorf(EForbidden, "your role may not plan programs")
	}
	f, starts, ends := in.validate()
	var out ProgramView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		var unit models.Unit
		var checks []error
		if in.UnitID != nil {
			// KEY SHARE, as the foreign key takes anyway: see Incidents.Create.
			if err := lockRow(tx, "units", *in.UnitID, lockKeyShare); err != nil {
				return err
			}
			var err error
			unit, err = s.units.visible(tx, actor, *in.UnitID, "unit_id")
			checks = append(checks, err)
		}
		var inc *ProgramIncident
		if in.IncidentID != nil {
			var err error
			inc, err = s.incidentFor(tx, actor, *in.IncidentID, unit)
			checks = append(checks, err)
		}
		if in.OrganiserPersonID != nil {
			checks = append(checks, visiblePerson(tx, actor, *in.OrganiserPersonID, "organiser_person_id"))
		}
		if err := together(f, checks...); err != nil {
			return err
		}
		now := s.now()
		p := models.Program{UnitID: unit.ID, Path: unit.Path, IncidentID: in.IncidentID, Kind: models.ProgramKind(in.Kind), Title: in.Title,
			Description: in.Description, Place: in.Place, Organiser: in.Organiser, OrganiserPersonID: in.OrganiserPersonID,
			StartsAt: *starts, EndsAt: ends, Status: models.ProgramPlanned, Version: 1,
			CreatedBy: actorID(actor), CreatedByName: actorName(actor), CreatedAt: now,
			UpdatedBy: actorID(actor), UpdatedByName: actorName(actor), UpdatedAt: now}
		if err := tx.Create(&p).Error; err != nil {
			return dbErr("create program", err)
		}
		out = ProgramView{Program: p, Unit: unit, Incident: inc}
		return record(tx, now, actor, change{Action: "create", Entity: "program", EntityID: p.ID, Unit: &unit, After: programAudit(p)})
	})
	return out, err
}

// programAudit is what the audit log keeps of a program.
func programAudit(p models.Program) map[string]any {
	var ends any
	if p.EndsAt != nil {
		ends = p.EndsAt.UTC().Format(time.RFC3339)
	}
	return map[string]any{"id": p.ID, "unit_id": p.UnitID, "incident_id": p.IncidentID, "kind": p.Kind, "title": p.Title,
		"description": p.Description, "place": p.Place, "organiser": p.Organiser, "organiser_person_id": p.OrganiserPersonID,
		"starts_at": p.StartsAt.UTC().Format(time.RFC3339), "ends_at": ends, "status": p.Status, "attendance": p.Attendance,
		"outcome": p.Outcome, "version": p.Version}
}

// load reads one program the actor may see. Returns NotFound otherwise.
func (s *Programs) load(tx *gorm.DB, actor Actor, id int64) (ProgramView, error) {
	var p models.Program
	if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
		if ErrorCode(dbErr("load program", err)) == ENotFound {
			return ProgramView{}, Errorf(ENotFound, "program not found")
		}
		return ProgramView{}, dbErr("load program", err)
	}
	if !actor.Sees(p.Path) {
		return ProgramView{}, Errorf(ENotFound, "program not found")
	}
	views, err := s.describe(tx, actor, []models.Program{p})
	if err != nil {
		return ProgramView{}, err
	}
	return views[0], nil
}

// describe adds to each program its unit and the incident it is about (when the actor may read
// incidents and sees that one): two queries however many programs.
func (s *Programs) describe(db *gorm.DB, actor Actor, ps []models.Program) ([]ProgramView, error) {
	out := make([]ProgramView, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	units, err := unitsByID(db, ps, func(p models.Program) *int64 { return &p.UnitID })
	if err != nil {
		return nil, err
	}
	var incIDs []int64
	for i, p := range ps {
		out[i] = ProgramView{Program: p, Unit: units[p.UnitID]}
		if p.IncidentID != nil {
			incIDs = append(incIDs, *p.IncidentID)
		}
	}
	if len(incIDs) == 0 || !actor.mayReadIncidents() {
		return out, nil
	}
	var incs []models.Incident
	if err := db.Select("id", "path", "title", "status").Where("id IN ?", incIDs).Find(&incs).Error; err != nil {
		return nil, dbErr("load incidents", err)
	}
	byID := make(map[int64]models.Incident, len(incs))
	for _, inc := range incs {
		byID[inc.ID] = inc
	}
	for i := range out {
		if id := out[i].Program.IncidentID; id != nil {
			if inc, ok := byID[*id]; ok && actor.Sees(inc.Path) {
				out[i].Incident = &ProgramIncident{ID: inc.ID, Title: inc.Title, Status: inc.Status}
			}
		}
	}
	return out, nil
}

// Get returns one program. Returns NotFound when it does not exist or lies outside the actor's scope.
func (s *Programs) Get(ctx context.Context, actor Actor, id int64) (ProgramView, error) {
	return s.load(s.db.WithContext(ctx), actor, id)
}

// ProgramPatch changes some fields of a program; nil pointers and unset Nullables leave fields
// alone. Status, Attendance and Outcome report the program; the others are its details, which
// change only while it is planned.
type ProgramPatch struct {
	Status            *string
	Attendance        Nullable[int]
	Outcome           *string
	Kind              *string
	Title             *string
	Description       *string
	Place             *string
	Organiser         *string
	OrganiserPersonID Nullable[int64]
	StartsAt          *string
	EndsAt            Nullable[string]
	IncidentID        Nullable[int64]
	IfMatch           *int64
}

// details reports whether the patch touches more than the report (status, attendance, outcome).
func (p ProgramPatch) details() bool {
	return p.Kind != nil || p.Title != nil || p.Description != nil || p.Place != nil || p.Organiser != nil ||
		p.OrganiserPersonID.Set || p.StartsAt != nil || p.EndsAt.Set || p.IncidentID.Set
}

// Update changes the fields given. A planned program may become held (once it has started) or
// cancelled; held and cancelled are final, and a program's details change only while it is
// planned (Conflict otherwise). Attendance (0 to MaxAttendance) is recorded only for a held
// program. Returns Forbidden for viewers and for a booth worker changing more than the report,
// NotFound outside scope, Precondition for a stale IfMatch, Invalid for bad fields.
func (s *Programs) Update(ctx context.Context, actor Actor, id int64, in ProgramPatch) (ProgramView, error) {
	if !actor.mayPlanPrograms() {
		return ProgramView{}, Errorf(EForbidden, "your role may not change programs")
	}
	if in.details() && !actor.mayManagePrograms() {
		return ProgramView{}, Errorf(EForbidden, "your role reports programs (status, attendance, outcome) but may not change their details")
	}
	var out ProgramView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "programs", id, lockChange); err != nil {
			return err
		}
		before, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(in.IfMatch, before.Program.Version); err != nil {
			return err
		}
		cur := before.Program
		if in.details() && cur.Status != models.ProgramPlanned {
			return Errorf(EConflict, "the program is %s; only a planned program's details change", cur.Status)
		}
		var f Fields
		changes := map[string]any{}
		next := cur // the program as it will stand
		if in.Status != nil {
			st := models.ProgramStatus(strings.TrimSpace(*in.Status))
			switch {
			case !st.Valid():
				f.AddCode("status", "one_of", map[string]any{"allowed": models.ProgramStatuses}, "must be %s", oneOf(models.ProgramStatuses))
			case st == cur.Status:
			case cur.Status != models.ProgramPlanned:
				return Errorf(EConflict, "the program is %s; a held or cancelled program stays so", cur.Status)
			default:
				next.Status = st
				changes["status"] = st
			}
		}
		if in.Kind != nil {
			next.Kind = models.ProgramKind(strings.TrimSpace(*in.Kind))
			kindCheck(&f, string(next.Kind))
			changes["kind"] = next.Kind
		}
		text := func(field string, v *string, dst *string, required bool, max int, multiline bool) {
			if v == nil {
				return
			}
			*dst = strings.TrimSpace(*v)
			textField(&f, field, *dst, required, max, multiline)
			changes[field] = *dst
		}
		text("title", in.Title, &next.Title, true, maxProgramTitle, false)
		text("description", in.Description, &next.Description, false, maxProgramText, true)
		text("place", in.Place, &next.Place, false, maxProgramTitle, false)
		text("organiser", in.Organiser, &next.Organiser, false, maxProgramTitle, false)
		text("outcome", in.Outcome, &next.Outcome, false, maxProgramText, true)
		if in.StartsAt != nil {
			if t := parseTime(&f, "starts_at", *in.StartsAt, true); t != nil {
				next.StartsAt = *t
				changes["starts_at"] = *t
			}
		}
		if in.EndsAt.Set {
			next.EndsAt = nil
			if in.EndsAt.Value != nil {
				next.EndsAt = parseTime(&f, "ends_at", *in.EndsAt.Value, false)
			}
			changes["ends_at"] = next.EndsAt
		}
		if in.StartsAt != nil || in.EndsAt.Set {
			endsCheck(&f, &next.StartsAt, next.EndsAt)
		}
		if next.Status == models.ProgramHeld && cur.Status != models.ProgramHeld && next.StartsAt.After(s.now()) {
			f.AddCode("status", "not_started", map[string]any{"starts_at": next.StartsAt.Format(time.RFC3339)},
				"a program is held only once it has started (%s)", next.StartsAt.Format(time.RFC3339))
		}
		if in.Attendance.Set {
			next.Attendance = in.Attendance.Value
			switch v := in.Attendance.Value; {
			case v == nil:
			case next.Status != models.ProgramHeld:
				f.AddCode("attendance", "held_only", nil, "is recorded only for a program with status held")
			case *v < 0 || *v > MaxAttendance:
				f.AddCode("attendance", "out_of_range", map[string]any{"min": 0, "max": MaxAttendance}, "must be between 0 and %d", MaxAttendance)
			}
			changes["attendance"] = next.Attendance
		}
		var checks []error
		if in.IncidentID.Set {
			next.IncidentID = in.IncidentID.Value
			if v := in.IncidentID.Value; v != nil && (cur.IncidentID == nil || *cur.IncidentID != *v) {
				_, err := s.incidentFor(tx, actor, *v, before.Unit)
				checks = append(checks, err)
			}
			changes["incident_id"] = next.IncidentID
		}
		if in.OrganiserPersonID.Set {
			next.OrganiserPersonID = in.OrganiserPersonID.Value
			if v := in.OrganiserPersonID.Value; v != nil && (cur.OrganiserPersonID == nil || *cur.OrganiserPersonID != *v) {
				checks = append(checks, visiblePerson(tx, actor, *v, "organiser_person_id"))
			}
			changes["organiser_person_id"] = next.OrganiserPersonID
		}
		if err := together(f, checks...); err != nil {
			return err
		}
		if len(changes) == 0 {
			out = before
			return nil
		}
		now := s.now()
		changes["updated_by"], changes["updated_by_name"] = actorID(actor), actorName(actor)
		if err := writeChanges(tx, &models.Program{}, id, changes, now); err != nil {
			return dbErr("update program", err)
		}
		after, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		out = after
		action := "update"
		if after.Program.Status != cur.Status {
			action = "report"
		}
		return record(tx, now, actor, change{Action: action, Entity: "program", EntityID: id, Unit: &after.Unit,
			Before: programAudit(cur), After: programAudit(after.Program)})
	})
	return out, err
}

// Delete removes a program. Returns Forbidden for booth workers and viewers, NotFound outside
// scope, Precondition for a stale ifMatch.
func (s *Programs) Delete(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if !actor.mayManagePrograms() {
		return Errorf(EForbidden, "your role may not delete programs")
	}
	return runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "programs", id, lockDelete); err != nil {
			return err
		}
		before, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, before.Program.Version); err != nil {
			return err
		}
		res := tx.Where("id = ?", id).Delete(&models.Program{})
		if res.Error != nil {
			return dbErr("delete program", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("delete program %d: %d rows deleted, want 1", id, res.RowsAffected)
		}
		return record(tx, s.now(), actor, change{Action: "delete", Entity: "program", EntityID: id, Unit: &before.Unit, Before: programAudit(before.Program)})
	})
}

// ProgramFilter narrows the program list.
type ProgramFilter struct {
	Under      *int64
	UnitID     *int64 // the programs of this unit only
	Status     string
	Kind       string
	IncidentID *int64
	From, To   string // on starts_at: RFC 3339 times, or dates (YYYY-MM-DD, India time) with To inclusive
	Sort       string // "starts_at" (default) or "-starts_at"
	Page       PageRequest
}

// timeBound reads a From or To filter: a time, or a date told in India time (To: the end of that day).
func timeBound(f *Fields, field, s string, end bool) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if d, err := time.ParseInLocation(models.DateLayout, s, IST); err == nil {
		if end {
			d = d.AddDate(0, 0, 1)
		}
		d = d.UTC()
		return &d
	}
	t := parseTime(f, field, s, false)
	if t != nil && end {
		*t = t.Add(time.Second) // To is inclusive
	}
	return t
}

// programCursor is where a list ordered by starts_at goes on: after this start and id.
func programCursor(p models.Program) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(p.StartsAt.Unix(), 10) + "|" + strconv.FormatInt(p.ID, 10)))
}

func parseProgramCursor(s string) (time.Time, int64, error) {
	bad := invalid("cursor", "cursor_invalid", nil, "is not a cursor this server issued")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, 0, bad
	}
	a, b, ok := strings.Cut(string(raw), "|")
	sec, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return time.Time{}, 0, bad
	}
	return time.Unix(sec, 0).UTC(), id, nil
}

// scoped applies the actor's scope and the filter's under= and unit_id= to q. Returns NotFound
// when under or unit_id names a unit the actor cannot see.
func (s *Programs) scoped(db, q *gorm.DB, actor Actor, under, unitID *int64) (*gorm.DB, error) {
	scope, scopeArgs := scopeCond(actor, "programs.path")
	q = q.Where(scope, scopeArgs...)
	if under != nil {
		u, err := s.units.visible(db, actor, *under, "under")
		if err != nil {
			return nil, asNotFound(err)
		}
		cond, args := subtreeCond("programs.path", u)
		q = q.Where(cond, args...)
	}
	if unitID != nil {
		if _, err := s.units.visible(db, actor, *unitID, "unit_id"); err != nil {
			return nil, asNotFound(err)
		}
		q = q.Where("programs.unit_id = ?", *unitID)
	}
	return q, nil
}

// List returns the programs inside the actor's scope that match the filter, by starts_at (then
// id). Every role reads the programs in its scope. Returns Invalid for a bad filter and NotFound
// when under or unit_id names a unit the actor cannot see.
func (s *Programs) List(ctx context.Context, actor Actor, f ProgramFilter) (Page[ProgramView], error) {
	limit, _, err := PageRequest{Limit: f.Page.Limit}.bounds()
	if err != nil {
		return Page[ProgramView]{}, err
	}
	var fe Fields
	if f.Status != "" && !models.ProgramStatus(f.Status).Valid() {
		fe.AddCode("status", "one_of", map[string]any{"allowed": models.ProgramStatuses}, "must be %s", oneOf(models.ProgramStatuses))
	}
	if f.Kind != "" {
		kindCheck(&fe, f.Kind)
	}
	desc := false
	switch f.Sort {
	case "", "starts_at":
	case "-starts_at":
		desc = true
	default:
		fe.AddCode("sort", "sort_invalid", nil, "must be starts_at or -starts_at")
	}
	from, to := timeBound(&fe, "from", f.From, false), timeBound(&fe, "to", f.To, true)
	var afterAt time.Time
	var afterID int64
	if f.Page.Cursor != "" {
		var err error
		if afterAt, afterID, err = parseProgramCursor(f.Page.Cursor); err != nil {
			fe = append(fe, FieldsOf(err)...)
		}
	}
	if err := fe.Err(); err != nil {
		return Page[ProgramView]{}, err
	}
	db := s.db.WithContext(ctx)
	q, err := s.scoped(db, db.Model(&models.Program{}), actor, f.Under, f.UnitID)
	if err != nil {
		return Page[ProgramView]{}, err
	}
	if f.Status != "" {
		q = q.Where("programs.status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("programs.kind = ?", f.Kind)
	}
	if f.IncidentID != nil {
		q = q.Where("programs.incident_id = ?", *f.IncidentID)
	}
	if from != nil {
		q = q.Where("programs.starts_at >= ?", *from)
	}
	if to != nil {
		q = q.Where("programs.starts_at < ?", *to)
	}
	order := "programs.starts_at, programs.id"
	if f.Page.Cursor != "" {
		if desc {
			q = q.Where("programs.starts_at < ? OR (programs.starts_at = ? AND programs.id < ?)", afterAt, afterAt, afterID)
		} else {
			q = q.Where("programs.starts_at > ? OR (programs.starts_at = ? AND programs.id > ?)", afterAt, afterAt, afterID)
		}
	}
	if desc {
		order = "programs.starts_at DESC, programs.id DESC"
	}
	var rows []models.Program
	if err := q.Order(order).Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[ProgramView]{}, dbErr("list programs", err)
	}
	page := paginateBy(rows, limit, programCursor)
	views, err := s.describe(db, actor, page.Items)
	if err != nil {
		return Page[ProgramView]{}, err
	}
	return Page[ProgramView]{Items: views, NextCursor: page.NextCursor}, nil
}

// Calendar lists the planned programs of the coming days (1 to MaxCalendarDays; 0 means 30)
// from now on, in the actor's scope and under a unit, by starts_at. Returns as List.
func (s *Programs) Calendar(ctx context.Context, actor Actor, under *int64, days int, page PageRequest) (Page[ProgramView], error) {
	switch {
	case days == 0:
		days = 30
	case days < 1 || days > MaxCalendarDays:
		return Page[ProgramView]{}, invalid("days", "out_of_range", map[string]any{"min": 1, "max": MaxCalendarDays}, "must be between 1 and %d", MaxCalendarDays)
	}
	now := s.now().UTC().Truncate(time.Second)
	return s.List(ctx, actor, ProgramFilter{Under: under, Status: string(models.ProgramPlanned),
		From: now.Format(time.RFC3339), To: now.AddDate(0, 0, days).Format(time.RFC3339), Page: page})
}

// ProgramCount is one month's programs of one kind: how many are planned, held and cancelled,
// and how many people the held ones gathered.
type ProgramCount struct {
	Month      string // YYYY-MM, India time
	Kind       models.ProgramKind
	Planned    int64
	Held       int64
	Cancelled  int64
	Attendance int64
}

// CountsFilter narrows the counts: under a unit, with starts_at in [From, To] (as ProgramFilter;
// a month YYYY-MM is also taken: From its first day, To its last).
type CountsFilter struct {
	Under    *int64
	From, To string
}

func monthBound(f *Fields, field, s string, end bool) *time.Time {
	s = strings.TrimSpace(s)
	if m, err := time.ParseInLocation("2006-01", s, IST); err == nil {
		if end {
			m = m.AddDate(0, 1, 0)
		}
		m = m.UTC()
		return &m
	}
	return timeBound(f, field, s, end)
}

// Counts returns the programs of a subtree by month (of starts_at, India time) and kind, months
// in order, kinds in the order of models.ProgramKinds; months without programs are left out.
// Returns Invalid for a bad filter, NotFound when under names a unit the actor cannot see.
func (s *Programs) Counts(ctx context.Context, actor Actor, f CountsFilter) ([]ProgramCount, error) {
	var fe Fields
	from, to := monthBound(&fe, "from", f.From, false), monthBound(&fe, "to", f.To, true)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	q, err := s.scoped(db, db.Table("programs"), actor, f.Under, nil)
	if err != nil {
		return nil, err
	}
	if from != nil {
		q = q.Where("programs.starts_at >= ?", *from)
	}
	if to != nil {
		q = q.Where("programs.starts_at < ?", *to)
	}
	month := monthOf(db, "programs.starts_at")
	var rows []ProgramCount
	err = q.Select(month + ` AS month, programs.kind AS kind,
		SUM(CASE WHEN programs.status = 'planned' THEN 1 ELSE 0 END) AS planned,
		SUM(CASE WHEN programs.status = 'held' THEN 1 ELSE 0 END) AS held,
		SUM(CASE WHEN programs.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
		COALESCE(SUM(programs.attendance), 0) AS attendance`).
		Group(month + ", programs.kind").Order("month").Limit(maxCountsMonths * len(models.ProgramKinds)).Scan(&rows).Error
	if err != nil {
		return nil, dbErr("count programs", err)
	}
	rank := map[models.ProgramKind]int{}
	for i, k := range models.ProgramKinds {
		rank[k] = i
	}
	slices.SortStableFunc(rows, func(a, b ProgramCount) int {
		if c := strings.Compare(a.Month, b.Month); c != 0 {
			return c
		}
		return rank[a.Kind] - rank[b.Kind]
	})
	return rows, nil
}

// repathPrograms rewrites the path kept on the programs of a subtree that moved from oldPath to
// newPath, as repathIncidents does for incidents.
func repathPrograms(tx *gorm.DB, oldPath, newPath string) error {
	lo, hi := models.SubtreeRange(oldPath)
	err := tx.Exec("UPDATE programs SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?", newPath, len(oldPath)+1, lo, hi).Error
	return dbErr("move programs", err)
}
