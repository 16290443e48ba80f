package services

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Assignments keeps the prabhari (प्रभारी) assignments: a person put in charge of a unit (a
// Lok Sabha constituency, a district, an assembly, …) for a purpose ("Lok Sabha 2029",
// "urban body elections 2027", "organisation") from a start date, optionally to an end date.
//
// Dates: an assignment is active on D when starts_on <= D and (ends_on is empty or D < ends_on):
// ends_on is the first day the person is no longer in charge. So ending an assignment today
// leaves the unit vacant today, and an assignment ending on D and another starting on D touch
// without overlapping. One person's assignments to one unit for one purpose may not overlap
// (Conflict, code assignment_overlaps); the check runs under a lock on the person's row, so two
// requests at once cannot both pass it.
//
// Who may do what (DESIGN.md, "Users, roles and scope"):
//   - admin and the state office appoint and end assignments in their scope;
//   - a district coordinator and a viewer read the assignments of the units in their scope (a
//     coordinator: their district and below);
//   - a booth worker reads none (Forbidden).
type Assignments struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewAssignments returns the assignments service.
func NewAssignments(db *gorm.DB, now Clock, units *Units) *Assignments {
	return &Assignments{db: db, now: now, units: units}
}

// MaxPurpose is the longest purpose, in characters.
const MaxPurpose = 100

// mayAppoint: only the state office and admin appoint and end in-charges.
func (a Actor) mayAppoint() bool {
	return a.Role == models.RoleAdmin || a.Role == models.RoleStateOffice
}

// mayReadAssignments: every role but the booth worker reads the assignments in its scope.
func (a Actor) mayReadAssignments() bool { return a.Role != models.RoleBoothWorker }

// NormalisePurpose trims a purpose and folds each run of spaces into one.
func NormalisePurpose(s string) string { return strings.Join(strings.Fields(s), " ") }

// AssignmentInput is a new assignment. Dates are YYYY-MM-DD; EndsOn may be empty.
type AssignmentInput struct {
	PersonID *int64
	UnitID   *int64
	Purpose  string
	StartsOn string
	EndsOn   string
}

// AssignmentPerson names the person in charge and their load: how many assignments they hold
// that are active today, in any unit and for any purpose.
type AssignmentPerson struct {
	ID           int64
	Name         string
	NameHi       string
	PublicOffice string
	Load         int
}

// AssignmentView is an assignment with its unit and person.
type AssignmentView struct {
	Assignment models.Assignment
	Unit       UnitRef
	Person     AssignmentPerson
}

// Active reports whether the assignment is active on the date given.
func (v AssignmentView) Active(on models.Date) bool { return v.Assignment.ActiveOn(on) }

func (s *Assignments) today() models.Date { return models.DateOf(s.now().In(IST)) }

// Today is today's date in India time, by the service's clock.
func (s *Assignments) Today() models.Date { return s.today() }

func dateOnly(f *Fields, field, s string, required bool) models.Date {
	d := models.Date(strings.TrimSpace(s))
	switch {
	case d == "" && required:
		f.AddCode(field, "required", nil, "is required")
	case d == "":
	case !d.Valid():
		f.AddCode(field, "date_invalid", nil, "must be a date, YYYY-MM-DD")
		return ""
	}
	return d
}

func endsOnCheck(f *Fields, field string, starts, ends models.Date) {
	if starts != "" && ends != "" && ends < starts {
		f.AddCode(field, "ends_before_start", map[string]any{"starts_at": string(starts)}, "must not be before starts_on (%s)", starts)
	}
}

func (in *AssignmentInput) validate() (Fields, models.Date, *models.Date) {
	var f Fields
	if in.PersonID == nil {
		f.AddCode("person_id", "required", nil, "is required")
	}
	if in.UnitID == nil {
		f.AddCode("unit_id", "required", nil, "is required")
	}
	in.Purpose = NormalisePurpose(in.Purpose)
	textField(&f, "purpose", in.Purpose, true, MaxPurpose, false)
	starts := dateOnly(&f, "starts_on", in.StartsOn, true)
	var ends *models.Date
	if e := dateOnly(&f, "ends_on", in.EndsOn, false); e != "" {
		ends = &e
		endsOnCheck(&f, "ends_on", starts, e)
	}
	return f, starts, ends
}

func assignmentAudit(a models.Assignment) map[string]any {
	var ends any
	if a.EndsOn != nil {
		ends = string(*a.EndsOn)
	}
	return map[string]any{"id": a.ID, "person_id": a.PersonID, "unit_id": a.UnitID, "purpose": a.Purpose,
		"starts_on": string(a.StartsOn), "ends_on": ends, "version": a.Version}
}

// overlapping finds an assignment of the person to the unit for the purpose whose dates overlap
// [starts, ends) (ends nil: open). Returns Conflict naming its dates, nil when there is none.
func overlapping(tx *gorm.DB, personID, unitID int64, purpose string, starts models.Date, ends *models.Date) error {
	q := tx.Model(&models.Assignment{}).Where("person_id = ? AND unit_id = ? AND purpose = ?", personID, unitID, purpose).
		Where("(ends_on IS NULL OR ends_on > ?)", starts).
		Where("ends_on IS NULL OR ends_on > starts_on") // an assignment ended on its first day was never active
	if ends != nil {
		if *ends == starts {
			return nil // active on no day: overlaps nothing
		}
		q = q.Where("starts_on < ?", *ends)
	}
	var other models.Assignment
	err := q.Order("starts_on, id").Take(&other).Error
	if err == gorm.ErrRecordNotFound {
		return nil
	}
	if err != nil {
		return dbErr("check overlap", err)
	}
	params := map[string]any{"assignment_id": idStr(other.ID), "starts_on": string(other.StartsOn), "ends_on": nil}
	msg := "the person is already in charge of this unit for this purpose from " + string(other.StartsOn)
	if other.EndsOn != nil {
		params["ends_on"] = string(*other.EndsOn)
		msg += " until " + string(*other.EndsOn)
	}
	return &Error{Code: EConflict, Message: msg,
		Fields: []FieldError{{Field: "starts_on", Message: msg, Code: "assignment_overlaps", Params: params}}}
}

// Create appoints a person in charge of a unit. Lock order, as everywhere: the unit (KEY SHARE,
// which the foreign key takes anyway), then the person (NO KEY UPDATE), which serialises every
// appointment of that person so that the overlap check and the insert are one step.
// Returns Forbidden for roles other than admin and the state office, Invalid for bad fields and
// for a unit or person outside the actor's scope (worded as ones that do not exist), Conflict
// when the person's assignment to the unit for the purpose would overlap another.
func (s *Assignments) Create(ctx context.Context, actor Actor, in AssignmentInput) (AssignmentView, error) {
	if !actor.mayAppoint() {
		return AssignmentView{}, Errorf(EForbidden, "only the state office and administrators appoint in-charges")
	}
	f, starts, ends := in.validate()
	var out AssignmentView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		var unit models.Unit
		var checks []error
		if in.UnitID != nil {
			if err := lockRow(tx, "units", *in.UnitID, lockKeyShare); err != nil {
				return err
			}
			var err error
			unit, err = s.units.visible(tx, actor, *in.UnitID, "unit_id")
			checks = append(checks, err)
		}
		if in.PersonID != nil {
			if err := lockRow(tx, "people", *in.PersonID, lockChange); err != nil {
				return err
			}
			checks = append(checks, visiblePerson(tx, actor, *in.PersonID, "person_id"))
		}
		if err := together(f, checks...); err != nil {
			return err
		}
		if err := overlapping(tx, *in.PersonID, unit.ID, in.Purpose, starts, ends); err != nil {
			return err
		}
		now := s.now()
		a := models.Assignment{PersonID: *in.PersonID, UnitID: unit.ID, Path: unit.Path, Purpose: in.Purpose, StartsOn: starts, EndsOn: ends,
			Version: 1, CreatedBy: actorID(actor), CreatedByName: actorName(actor), CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&a).Error; err != nil {
			return dbErr("create assignment", err)
		}
		views, err := s.describe(tx, []models.Assignment{a})
		if err != nil {
			return err
		}
		out = views[0]
		return record(tx, now, actor, change{Action: "create", Entity: "assignment", EntityID: a.ID, Unit: &unit, After: assignmentAudit(a)})
	})
	return out, err
}

// End ends an assignment on the date on (empty: today, India time): from that day the person is
// no longer in charge. Returns Forbidden for roles other than admin and the state office,
// NotFound outside scope, Precondition for a stale ifMatch, Invalid for a bad date or one
// before the start, Conflict when the assignment has already ended by then.
func (s *Assignments) End(ctx context.Context, actor Actor, id int64, on string, ifMatch *int64) (AssignmentView, error) {
	if !actor.mayAppoint() {
		return AssignmentView{}, Errorf(EForbidden, "only the state office and administrators end in-charges' assignments")
	}
	var f Fields
	d := dateOnly(&f, "on", on, false)
	if err := f.Err(); err != nil {
		return AssignmentView{}, err
	}
	if d == "" {
		d = s.today()
	}
	var out AssignmentView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "assignments", id, lockChange); err != nil {
			return err
		}
		cur, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, cur.Version); err != nil {
			return err
		}
		if cur.EndsOn != nil && *cur.EndsOn <= d {
			return Errorf(EConflict, "the assignment has already ended, on %s", *cur.EndsOn)
		}
		endsOnCheck(&f, "on", cur.StartsOn, d)
		if err := f.Err(); err != nil {
			return err
		}
		now := s.now()
		if err := writeChanges(tx, &models.Assignment{}, id, map[string]any{"ends_on": d, "ended_by": actorID(actor), "ended_by_name": actorName(actor)}, now); err != nil {
			return dbErr("end assignment", err)
		}
		after, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		views, err := s.describe(tx, []models.Assignment{after})
		if err != nil {
			return err
		}
		out = views[0]
		unit := models.Unit{ID: after.UnitID, Path: after.Path}
		return record(tx, now, actor, change{Action: "end", Entity: "assignment", EntityID: id, Unit: &unit,
			Before: assignmentAudit(cur), After: assignmentAudit(after)})
	})
	return out, err
}

// load reads one assignment the actor may see. Returns NotFound otherwise.
func (s *Assignments) load(tx *gorm.DB, actor Actor, id int64) (models.Assignment, error) {
	var a models.Assignment
	if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
		if ErrorCode(dbErr("load assignment", err)) == ENotFound {
			return a, Errorf(ENotFound, "assignment not found")
		}
		return a, dbErr("load assignment", err)
	}
	if !actor.Sees(a.Path) {
		return models.Assignment{}, Errorf(ENotFound, "assignment not found")
	}
	return a, nil
}

// activeLoads counts, in one grouped query, the assignments of each person that are active on
// the date given.
func activeLoads(db *gorm.DB, personIDs []int64, on models.Date) (map[int64]int, error) {
	out := map[int64]int{}
	if len(personIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		PersonID int64
		N        int
	}
	err := db.Model(&models.Assignment{}).Select("person_id, count(*) AS n").
		Where("person_id IN ? AND starts_on <= ? AND (ends_on IS NULL OR ends_on > ?)", personIDs, on, on).
		Group("person_id").Scan(&rows).Error
	if err != nil {
		return nil, dbErr("count assignments", err)
	}
	for _, r := range rows {
		out[r.PersonID] = r.N
	}
	return out, nil
}

// describe adds to each assignment its unit and its person with their load: three queries
// however many assignments.
func (s *Assignments) describe(db *gorm.DB, as []models.Assignment) ([]AssignmentView, error) {
	out := make([]AssignmentView, len(as))
	if len(as) == 0 {
		return out, nil
	}
	units, err := unitsByID(db, as, func(a models.Assignment) *int64 { return &a.UnitID })
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(as))
	for _, a := range as {
		ids = append(ids, a.PersonID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var people []models.Person
	if err := db.Select("id", "name", "name_hi", "public_office").Where("id IN ?", ids).Find(&people).Error; err != nil {
		return nil, dbErr("load people", err)
	}
	byID := make(map[int64]models.Person, len(people))
	for _, p := range people {
		byID[p.ID] = p
	}
	loads, err := activeLoads(db, ids, s.today())
	if err != nil {
		return nil, err
	}
	for i, a := range as {
		u, p := units[a.UnitID], byID[a.PersonID]
		out[i] = AssignmentView{Assignment: a, Unit: UnitRef{ID: u.ID, Level: u.Level, Code: u.Code, Name: u.Name, NameHi: u.NameHi},
			Person: AssignmentPerson{ID: p.ID, Name: p.Name, NameHi: p.NameHi, PublicOffice: p.PublicOffice, Load: loads[a.PersonID]}}
	}
	return out, nil
}

// Get returns one assignment. Returns Forbidden for booth workers, NotFound when it does not
// exist or lies outside the actor's scope.
func (s *Assignments) Get(ctx context.Context, actor Actor, id int64) (AssignmentView, error) {
	if !actor.mayReadAssignments() {
		return AssignmentView{}, Errorf(EForbidden, "your role may not read in-charges' assignments")
	}
	db := s.db.WithContext(ctx)
	a, err := s.load(db, actor, id)
	if err != nil {
		return AssignmentView{}, err
	}
	views, err := s.describe(db, []models.Assignment{a})
	if err != nil {
		return AssignmentView{}, err
	}
	return views[0], nil
}

// AssignmentFilter narrows the assignment list.
type AssignmentFilter struct {
	Under    *int64
	UnitID   *int64
	PersonID *int64
	Purpose  string
	Level    string
	Active   string // "true": active on On (default today); "false": not active on it; "": all
	On       string // a date, YYYY-MM-DD: with Active empty, the assignments active on that date
	Page     PageRequest
}

// selection is a validated filter: the conditions of the query.
type assignmentSelection struct {
	actor Actor
	f     AssignmentFilter
	under *models.Unit
	conds conds
}

func (s *Assignments) sel(db *gorm.DB, actor Actor, f AssignmentFilter) (assignmentSelection, error) {
	if !actor.mayReadAssignments() {
		return assignmentSelection{}, Errorf(EForbidden, "your role may not read in-charges' assignments")
	}
	var fe Fields
	if f.Level != "" && !models.Level(f.Level).Valid() {
		fe.AddCode("level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
	}
	on := dateOnly(&fe, "on", f.On, false)
	switch f.Active {
	case "", "true", "false":
	default:
		fe.AddCode("active", "one_of", map[string]any{"allowed": []string{"true", "false"}}, "must be true or false")
	}
	if err := fe.Err(); err != nil {
		return assignmentSelection{}, err
	}
	sel := assignmentSelection{actor: actor, f: f}
	scope, scopeArgs := scopeCond(actor, "assignments.path")
	sel.conds.add(scope, scopeArgs...)
	if f.Under != nil {
		u, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return sel, asNotFound(err)
		}
		sel.under = &u
		c, args := subtreeCond("assignments.path", u)
		sel.conds.add(c, args...)
	}
	if f.UnitID != nil {
		if _, err := s.units.visible(db, actor, *f.UnitID, "unit_id"); err != nil {
			return sel, asNotFound(err)
		}
		sel.conds.add("assignments.unit_id = ?", *f.UnitID)
	}
	if f.PersonID != nil {
		sel.conds.add("assignments.person_id = ?", *f.PersonID)
	}
	if p := NormalisePurpose(f.Purpose); p != "" {
		sel.conds.add("assignments.purpose = ?", p)
	}
	if f.Level != "" {
		sel.conds.add("assignments.unit_id IN (SELECT id FROM units WHERE level = ?)", f.Level)
	}
	if on == "" && f.Active != "" {
		on = s.today()
	}
	switch {
	case on != "" && f.Active == "false":
		sel.conds.add("NOT (assignments.starts_on <= ? AND (assignments.ends_on IS NULL OR assignments.ends_on > ?))", on, on)
	case on != "":
		sel.conds.add("assignments.starts_on <= ? AND (assignments.ends_on IS NULL OR assignments.ends_on > ?)", on, on)
	}
	return sel, nil
}

func (s *Assignments) page(db *gorm.DB, sel assignmentSelection, limit int, after pathCursor) (Page[AssignmentView], error) {
	q := sel.conds.apply(db.Model(&models.Assignment{}))
	if after.id > 0 {
		q = q.Where("assignments.path > ? OR (assignments.path = ? AND assignments.id > ?)", after.path, after.path, after.id)
	}
	var rows []models.Assignment
	if err := q.Order("assignments.path, assignments.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[AssignmentView]{}, dbErr("list assignments", err)
	}
	page := paginateBy(rows, limit, func(a models.Assignment) string { return encodePathCursor(a.Path, a.ID) })
	views, err := s.describe(db, page.Items)
	if err != nil {
		return Page[AssignmentView]{}, err
	}
	return Page[AssignmentView]{Items: views, NextCursor: page.NextCursor}, nil
}

// List returns the assignments inside the actor's scope that match the filter, in the order of
// their units' paths (a unit's in-charges together), then id. Returns Forbidden for booth
// workers, Invalid for a bad filter, NotFound when under or unit_id names a unit the actor
// cannot see.
func (s *Assignments) List(ctx context.Context, actor Actor, f AssignmentFilter) (Page[AssignmentView], error) {
	limit, after, err := f.Page.pathBounds()
	if err != nil {
		return Page[AssignmentView]{}, err
	}
	db := s.db.WithContext(ctx)
	sel, err := s.sel(db, actor, f)
	if err != nil {
		return Page[AssignmentView]{}, err
	}
	return s.page(db, sel, limit, after)
}

// VacancyFilter asks for the vacancies of one level for one purpose.
type VacancyFilter struct {
	Level   string
	Purpose string
	Under   *int64
	On      string // YYYY-MM-DD; empty: today
	Page    PageRequest
}

// Vacancies lists the units of a level inside the actor's scope (and under Under) that have no
// in-charge for the purpose active on the date, in path order. Returns Forbidden for booth
// workers, Invalid for a missing or bad level, purpose or date, NotFound for an under outside
// scope.
func (s *Assignments) Vacancies(ctx context.Context, actor Actor, f VacancyFilter) (Page[models.Unit], error) {
	if !actor.mayReadAssignments() {
		return Page[models.Unit]{}, Errorf(EForbidden, "your role may not read in-charges' assignments")
	}
	limit, after, err := f.Page.pathBounds()
	if err != nil {
		return Page[models.Unit]{}, err
	}
	var fe Fields
	switch {
	case f.Level == "":
		fe.AddCode("level", "required", nil, "is required")
	case !models.Level(f.Level).Valid():
		fe.AddCode("level", "one_of", map[string]any{"allowed": models.Levels}, "must be %s", oneOf(models.Levels))
	}
	purpose := NormalisePurpose(f.Purpose)
	textField(&fe, "purpose", purpose, true, MaxPurpose, false)
	on := dateOnly(&fe, "on", f.On, false)
	if err := fe.Err(); err != nil {
		return Page[models.Unit]{}, err
	}
	if on == "" {
		on = s.today()
	}
	db := s.db.WithContext(ctx)
	scope, scopeArgs := scopeCond(actor, "units.path")
	q := db.Model(&models.Unit{}).Where("units.level = ?", f.Level).Where(scope, scopeArgs...)
	if f.Under != nil {
		u, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[models.Unit]{}, asNotFound(err)
		}
		c, args := subtreeCond("units.path", u)
		q = q.Where(c, args...)
	}
	q = q.Where(`NOT EXISTS (SELECT 1 FROM assignments a WHERE a.unit_id = units.id AND a.purpose = ?
		AND a.starts_on <= ? AND (a.ends_on IS NULL OR a.ends_on > ?))`, purpose, on, on)
	if after.id > 0 {
		q = q.Where("units.path > ? OR (units.path = ? AND units.id > ?)", after.path, after.path, after.id)
	}
	var rows []models.Unit
	if err := q.Order("units.path, units.id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[models.Unit]{}, dbErr("list vacancies", err)
	}
	return paginateBy(rows, limit, func(u models.Unit) string { return encodePathCursor(u.Path, u.ID) }), nil
}

// PurposeUse is a purpose in use inside the actor's scope and how many of its assignments are
// active today.
type PurposeUse struct {
	Purpose string
	Active  int
	Total   int
}

// maxPurposes bounds the purposes answer: a party runs a handful of drives at a time.
const maxPurposes = 500

// Purposes lists the purposes of the assignments inside the actor's scope, those with active
// assignments first, then by name. Returns Forbidden for booth workers.
func (s *Assignments) Purposes(ctx context.Context, actor Actor) ([]PurposeUse, error) {
	if !actor.mayReadAssignments() {
		return nil, Errorf(EForbidden, "your role may not read in-charges' assignments")
	}
	today := s.today()
	scope, scopeArgs := scopeCond(actor, "assignments.path")
	var rows []PurposeUse
	err := s.db.WithContext(ctx).Model(&models.Assignment{}).Where(scope, scopeArgs...).
		Select(`purpose, count(*) AS total,
			SUM(CASE WHEN starts_on <= ? AND (ends_on IS NULL OR ends_on > ?) THEN 1 ELSE 0 END) AS active`, today, today).
		Group("purpose").Order("active DESC, purpose").Limit(maxPurposes).Scan(&rows).Error
	if err != nil {
		return nil, dbErr("list purposes", err)
	}
	if rows == nil {
		rows = []PurposeUse{}
	}
	return rows, nil
}

// AssignmentColumns are the columns of the assignments CSV export.
var AssignmentColumns = []string{"id", "unit_code", "unit_level", "unit_name", "unit_name_hi", "person_id", "person_name", "person_name_hi",
	"public_office", "purpose", "starts_on", "ends_on", "active", "load"}

// AssignmentSelection is a validated export request.
type AssignmentSelection struct{ sel assignmentSelection }

// Select validates an export's filter as List does.
func (s *Assignments) Select(ctx context.Context, actor Actor, f AssignmentFilter) (AssignmentSelection, error) {
	sel, err := s.sel(s.db.WithContext(ctx), actor, f)
	return AssignmentSelection{sel: sel}, err
}

// ExportCSV streams the selected assignments as CSV, every cell through the formula guard, a
// page at a time, and writes an audit row (action export, entity assignments) with the filter
// and the row count.
func (s *Assignments) ExportCSV(ctx context.Context, sel AssignmentSelection, w io.Writer) error {
	cw := csv.NewWriter(w)
	n, err := s.streamAssignments(ctx, sel.sel, cw)
	if aerr := s.recordExport(context.WithoutCancel(ctx), sel.sel, n, err == nil); aerr != nil && err == nil {
		err = aerr
	}
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func (s *Assignments) streamAssignments(ctx context.Context, sel assignmentSelection, cw *csv.Writer) (int, error) {
	if err := writeRow(cw, slices.Clone(AssignmentColumns)); err != nil {
		return 0, err
	}
	today := s.today()
	db := s.db.WithContext(ctx)
	n := 0
	var after pathCursor
	for {
		p, err := s.page(db, sel, exportPage, after)
		if err != nil {
			return n, err
		}
		for _, v := range p.Items {
			a := v.Assignment
			ends := ""
			if a.EndsOn != nil {
				ends = string(*a.EndsOn)
			}
			active := "no"
			if a.ActiveOn(today) {
				active = "yes"
			}
			rec := []string{idStr(a.ID), v.Unit.Code, string(v.Unit.Level), v.Unit.Name, v.Unit.NameHi, idStr(a.PersonID), v.Person.Name, v.Person.NameHi,
				v.Person.PublicOffice, a.Purpose, string(a.StartsOn), ends, active, idStr(int64(v.Person.Load))}
			if err := writeRow(cw, rec); err != nil {
				return n, err
			}
			n++
		}
		if p.NextCursor == "" {
			return n, nil
		}
		last := p.Items[len(p.Items)-1].Assignment
		after = pathCursor{path: last.Path, id: last.ID}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
	}
}

func (s *Assignments) recordExport(ctx context.Context, sel assignmentSelection, rows int, complete bool) error {
	actor := sel.actor
	var where *models.Unit
	f := sel.f
	filter := map[string]any{}
	for k, v := range map[string]string{"purpose": f.Purpose, "level": f.Level, "active": f.Active, "on": f.On} {
		if v != "" {
			filter[k] = v
		}
	}
	after := map[string]any{"under": nil, "filter": filter, "rows": rows, "complete": complete}
	switch {
	case sel.under != nil:
		where = sel.under
		after["under"] = map[string]any{"id": sel.under.ID, "code": sel.under.Code}
	case actor.ScopeUnitID != nil:
		where = &models.Unit{ID: *actor.ScopeUnitID, Path: actor.ScopePath}
	}
	return record(s.db.WithContext(ctx), s.now(), actor, change{Action: "export", Entity: "assignments", Unit: where, After: after})
}

// repathAssignments rewrites the path kept on the assignments of a subtree that moved from
// oldPath to newPath, as repathPrograms does for programs.
func repathAssignments(tx *gorm.DB, oldPath, newPath string) error {
	lo, hi := models.SubtreeRange(oldPath)
	err := tx.Exec("UPDATE assignments SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?", newPath, len(oldPath)+1, lo, hi).Error
	return dbErr("move assignments", err)
}
