package services

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Incidents keeps incidents (घटना) in the districts and runs their investigation (जांच) as a
// state machine: reported → committee_formed → report_submitted → forwarded → closed.
//
// Who may do what (DESIGN.md, "Users, roles and scope"):
//   - admin and the state office read and log incidents anywhere in their scope and take every
//     step of the investigation: the state office sends the committees and forwards the reports;
//   - a district coordinator logs incidents in their district and reads them;
//   - booth workers and viewers have no part in incidents (their roles read booths, committees
//     and figures): every incident route refuses them.
//
// Every step locks the incident row before it reads the status, checks the caller's version
// (If-Match) and then the status, writes the step's row and the new status in one transaction
// with its audit row, and raises the version.
type Incidents struct {
	db    *gorm.DB
	now   Clock
	units *Units
	// Letterhead heads the memoranda; DefaultLetterhead fills what it leaves empty.
	Letterhead Letterhead
}

// NewIncidents returns the incidents service.
func NewIncidents(db *gorm.DB, now Clock, units *Units) *Incidents {
	return &Incidents{db: db, now: now, units: units}
}

// OverdueDays is how long a committee has to report before the incident is overdue.
const OverdueDays = 30

// Limits of the incident texts, in characters.
const (
	maxIncidentTitle    = 200
	maxIncidentText     = 20000
	maxReportText       = 50000
	maxAttachments      = 10000
	maxLetterRef        = 100
	maxOutcome          = 5000
	maxCommitteeMembers = 25
)

// mayReadIncidents: the roles that answer for a district or more.
func (a Actor) mayReadIncidents() bool {
	switch a.Role {
	case models.RoleAdmin, models.RoleStateOffice, models.RoleDistrictCoordinator:
		return true
	}
	return false
}

// mayInvestigate: the state office runs the investigations.
func (a Actor) mayInvestigate() bool {
	return a.Role == models.RoleAdmin || a.Role == models.RoleStateOffice
}

// IncidentInput is a new incident.
type IncidentInput struct {
	UnitID         *int64
	OccurredOn     string
	Place          string
	Title          string
	Description    string
	Kind           string
	AffectedGroups []string
	Victims        *int
}

// IncidentView is an incident with its affected groups, the steps of its investigation so far
// and whether it is overdue.
type IncidentView struct {
	Incident       models.Incident
	Unit           models.Unit
	AffectedGroups []string
	Committee      *InvestigationCommittee
	Report         *models.IncidentReport
	Forward        *models.IncidentForward
	Closure        *models.IncidentClosure
	// Overdue: the committee was formed more than OverdueDays ago and has not reported.
	Overdue bool
}

// InvestigationCommittee is an incident's investigation committee with its members' names.
type InvestigationCommittee struct {
	models.IncidentCommittee
	Members []InvestigatorView
}

// InvestigatorView is a member of an investigation committee, by name only: the people on it
// may be looked after outside the reader's scope.
type InvestigatorView struct {
	PersonID int64
	Name     string
	NameHi   string
	Convener bool
}

// textField checks one text field: required when min > 0, at most max characters, plain text
// (newlines and tabs allowed when multiline).
func textField(f *Fields, field, s string, required bool, max int, multiline bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		f.AddCode(field, "required", nil, "is required")
	case utf8.RuneCountInString(s) > max:
		f.AddCode(field, "too_long", map[string]any{"max": max}, "must be at most %d characters", max)
	case multiline && !cleanMultiline(s), !multiline && !cleanText(s):
		f.AddCode(field, "not_text", nil, "must be UTF-8 text without control characters")
	}
}

// cleanMultiline is cleanText that lets line breaks and tabs through.
func cleanMultiline(s string) bool {
	return cleanText(strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(s))
}

// dateField checks a date and returns it; today bounds it from above, notBefore (the date stored
// in the field beforeField) from below when set.
func dateField(f *Fields, field, s string, required bool, today models.Date, notBefore models.Date, beforeField string) models.Date {
	d := models.Date(strings.TrimSpace(s))
	switch {
	case d == "" && required:
		f.AddCode(field, "required", nil, "is required")
	case d == "":
	case !d.Valid():
		f.AddCode(field, "date_invalid", nil, "must be a date, YYYY-MM-DD")
	case d > today:
		f.AddCode(field, "date_future", map[string]any{"today": string(today)}, "must not be after today (%s)", today)
	case notBefore != "" && d < notBefore:
		f.AddCode(field, "date_before", map[string]any{"min": string(notBefore), "field": beforeField}, "must not be before %s (%s)", notBefore, beforeField)
	}
	return d
}

func (in *IncidentInput) validate(today models.Date) (Fields, models.Date, []string) {
	var f Fields
	if in.UnitID == nil {
		f.AddCode("unit_id", "required", nil, "is required")
	}
	in.Place, in.Title = strings.TrimSpace(in.Place), strings.TrimSpace(in.Title)
	in.Description = strings.TrimSpace(in.Description)
	in.Kind = strings.TrimSpace(in.Kind)
	on := dateField(&f, "occurred_on", in.OccurredOn, true, today, "", "")
	textField(&f, "place", in.Place, true, maxIncidentTitle, false)
	textField(&f, "title", in.Title, true, maxIncidentTitle, false)
	textField(&f, "description", in.Description, false, maxIncidentText, true)
	if !models.IncidentKind(in.Kind).Valid() {
		f.AddCode("kind", "one_of", map[string]any{"allowed": models.IncidentKinds}, "must be %s", oneOf(models.IncidentKinds))
	}
	groups := make([]string, 0, len(in.AffectedGroups))
	for i, g := range in.AffectedGroups {
		field := fmt.Sprintf("affected_groups[%d]", i)
		switch {
		case !contains(models.AffectedGroups, g):
			f.AddCode(field, "one_of", map[string]any{"allowed": models.AffectedGroups}, "must be one of %s", strings.Join(models.AffectedGroups, ", "))
		case slices.Contains(groups, g):
			f.AddCode(field, "duplicate", nil, "is given twice")
		default:
			groups = append(groups, g)
		}
	}
	if in.Victims != nil && (*in.Victims < 0 || *in.Victims > MaxCount) {
		f.AddCode("victims", "out_of_range", map[string]any{"min": 0, "max": MaxCount}, "must be between 0 and %d", MaxCount)
	}
	slices.Sort(groups)
	return f, on, groups
}

// incidentLevels are the levels an incident may be logged against: a district or below it.
var incidentLevels = []models.Level{models.LevelDistrict, models.LevelAssembly, models.LevelSector, models.LevelBooth}

// Create logs an incident against a district or a unit below it, with status reported.
// Returns Forbidden for booth workers and viewers, Invalid for bad fields or a unit outside the
// actor's scope (worded as one that does not exist) or of another level.
func (s *Incidents) Create(ctx context.Context, actor Actor, in IncidentInput) (IncidentView, error) {
	if !actor.mayReadIncidents() {
		return IncidentView{}, Errorf(EForbidden, "your role may not log incidents")
	}
	var out IncidentView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		out, err = s.create(tx, actor, in)
		return err
	})
	return out, err
}

// create is Create inside tx, for Create and for an accepted public report (intake.go), so that
// both log an incident under the same rules. The caller has checked the role.
func (s *Incidents) create(tx *gorm.DB, actor Actor, in IncidentInput) (IncidentView, error) {
	now := s.now()
	f, on, groups := in.validate(models.DateOf(now.In(IST)))
	var unit models.Unit
	var unitErr error
	if in.UnitID != nil {
		// KEY SHARE, as the foreign key takes anyway: a move of the unit either committed
		// and its path is read here, or waits and then rewrites the path written here.
		if err := lockRow(tx, "units", *in.UnitID, lockKeyShare); err != nil {
			return IncidentView{}, err
		}
		unit, unitErr = s.units.visible(tx, actor, *in.UnitID, "unit_id")
		if unitErr == nil && !slices.Contains(incidentLevels, unit.Level) {
			unitErr = invalid("unit_id", "level_not_allowed", map[string]any{"levels": incidentLevels},
				"must be a district or a unit below one, not a %s", unit.Level)
		}
	}
	if err := together(f, unitErr); err != nil {
		return IncidentView{}, err
	}
	inc := models.Incident{UnitID: unit.ID, Path: unit.Path, OccurredOn: on, Place: in.Place, Title: in.Title,
		Description: in.Description, Kind: models.IncidentKind(in.Kind), Victims: in.Victims, Status: models.IncidentReported,
		Version: 1, CreatedBy: actorID(actor), CreatedByName: actorName(actor), CreatedAt: now,
		UpdatedBy: actorID(actor), UpdatedByName: actorName(actor), UpdatedAt: now}
	if err := tx.Create(&inc).Error; err != nil {
		return IncidentView{}, dbErr("create incident", err)
	}
	for _, g := range groups {
		if err := tx.Create(&models.IncidentGroup{IncidentID: inc.ID, Grp: g}).Error; err != nil {
			return IncidentView{}, dbErr("create incident", err)
		}
	}
	out := IncidentView{Incident: inc, Unit: unit, AffectedGroups: groups}
	return out, record(tx, now, actor, change{Action: "create", Entity: "incident", EntityID: inc.ID, Unit: &unit, After: incidentAudit(out)})
}

func actorID(a Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	id := a.UserID
	return &id
}

func actorName(a Actor) string {
	if a.Username == "" {
		return "system"
	}
	return a.Username
}

func (s *Incidents) step(a Actor) models.IncidentStep {
	return models.IncidentStep{ByID: actorID(a), ByName: actorName(a), At: s.now()}
}

// incidentAudit is what the audit log keeps of an incident and its steps.
func incidentAudit(v IncidentView) map[string]any {
	i := v.Incident
	m := map[string]any{"id": i.ID, "unit_id": i.UnitID, "occurred_on": i.OccurredOn, "place": i.Place, "title": i.Title,
		"description": i.Description, "kind": i.Kind, "affected_groups": v.AffectedGroups, "victims": i.Victims,
		"status": i.Status, "version": i.Version}
	if c := v.Committee; c != nil {
		ids := make([]int64, 0, len(c.Members))
		for _, mb := range c.Members {
			ids = append(ids, mb.PersonID)
		}
		m["committee"] = map[string]any{"member_ids": ids, "convener_id": c.ConvenerID, "formed_on": c.FormedOn}
	}
	if r := v.Report; r != nil {
		m["report"] = map[string]any{"visited_on": r.VisitedOn, "submitted_on": r.SubmittedOn, "findings": r.Findings,
			"recommendations": r.Recommendations, "attachments": r.Attachments}
	}
	if fw := v.Forward; fw != nil {
		m["forward"] = map[string]any{"to": forwardTo(*fw), "forwarded_on": fw.ForwardedOn, "letter_ref": fw.LetterRef}
	}
	if c := v.Closure; c != nil {
		m["closure"] = map[string]any{"outcome": c.Outcome, "closed_on": c.ClosedOn}
	}
	return m
}

// forwardTo lists whom a report was forwarded to, in the order of models.ForwardTargets.
func forwardTo(fw models.IncidentForward) []string {
	out := []string{}
	if fw.ToAdministration {
		out = append(out, "administration")
	}
	if fw.ToGovernor {
		out = append(out, "governor")
	}
	return out
}

// load reads one incident the actor may see, with its steps. Returns NotFound otherwise.
func (s *Incidents) load(tx *gorm.DB, actor Actor, id int64) (IncidentView, error) {
	var inc models.Incident
	if err := tx.Where("id = ?", id).Take(&inc).Error; err != nil {
		if ErrorCode(dbErr("load incident", err)) == ENotFound {
			return IncidentView{}, Errorf(ENotFound, "incident not found")
		}
		return IncidentView{}, dbErr("load incident", err)
	}
	if !actor.Sees(inc.Path) {
		return IncidentView{}, Errorf(ENotFound, "incident not found")
	}
	views, err := s.describe(tx, []models.Incident{inc})
	if err != nil {
		return IncidentView{}, err
	}
	return views[0], nil
}

// describe adds to each incident its unit, groups and steps, and whether it is overdue: the
// same few queries however many incidents.
func (s *Incidents) describe(db *gorm.DB, incs []models.Incident) ([]IncidentView, error) {
	out := make([]IncidentView, len(incs))
	if len(incs) == 0 {
		return out, nil
	}
	ids := make([]int64, len(incs))
	idx := make(map[int64]int, len(incs))
	for i, inc := range incs {
		ids[i], idx[inc.ID] = inc.ID, i
		out[i] = IncidentView{Incident: inc, AffectedGroups: []string{}}
	}
	units, err := unitsByID(db, incs, func(i models.Incident) *int64 { return &i.UnitID })
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Unit = units[out[i].Incident.UnitID]
	}
	var groups []models.IncidentGroup
	if err := db.Where("incident_id IN ?", ids).Order("incident_id, grp").Find(&groups).Error; err != nil {
		return nil, dbErr("load incident groups", err)
	}
	for _, g := range groups {
		v := &out[idx[g.IncidentID]]
		v.AffectedGroups = append(v.AffectedGroups, g.Grp)
	}
	var committees []models.IncidentCommittee
	if err := db.Where("incident_id IN ?", ids).Find(&committees).Error; err != nil {
		return nil, dbErr("load committees", err)
	}
	for _, c := range committees {
		out[idx[c.IncidentID]].Committee = &InvestigationCommittee{IncidentCommittee: c, Members: []InvestigatorView{}}
	}
	if len(committees) > 0 {
		var members []struct {
			IncidentID int64
			PersonID   int64
			Name       string
			NameHi     string
		}
		if err := db.Raw(`SELECT m.incident_id, m.person_id, p.name, p.name_hi FROM incident_committee_members m
			JOIN people p ON p.id = m.person_id WHERE m.incident_id IN ? ORDER BY m.incident_id, p.name, p.id`, ids).Scan(&members).Error; err != nil {
			return nil, dbErr("load committee members", err)
		}
		for _, m := range members {
			c := out[idx[m.IncidentID]].Committee
			if c == nil {
				continue
			}
			c.Members = append(c.Members, InvestigatorView{PersonID: m.PersonID, Name: m.Name, NameHi: m.NameHi, Convener: m.PersonID == c.ConvenerID})
		}
	}
	var reports []models.IncidentReport
	if err := db.Where("incident_id IN ?", ids).Find(&reports).Error; err != nil {
		return nil, dbErr("load reports", err)
	}
	for i := range reports {
		out[idx[reports[i].IncidentID]].Report = &reports[i]
	}
	var forwards []models.IncidentForward
	if err := db.Where("incident_id IN ?", ids).Find(&forwards).Error; err != nil {
		return nil, dbErr("load forwards", err)
	}
	for i := range forwards {
		out[idx[forwards[i].IncidentID]].Forward = &forwards[i]
	}
	var closures []models.IncidentClosure
	if err := db.Where("incident_id IN ?", ids).Find(&closures).Error; err != nil {
		return nil, dbErr("load closures", err)
	}
	for i := range closures {
		out[idx[closures[i].IncidentID]].Closure = &closures[i]
	}
	cutoff := s.overdueCutoff()
	for i := range out {
		v := &out[i]
		v.Overdue = v.Incident.Status == models.IncidentCommitteeFormed && v.Committee != nil && v.Committee.FormedOn < cutoff
	}
	return out, nil
}

// overdueCutoff is the date before which a committee that has not reported is overdue.
func (s *Incidents) overdueCutoff() models.Date {
	return s.today().AddDays(-OverdueDays)
}

// Get returns one incident with its investigation. Returns Forbidden for booth workers and
// viewers, NotFound when it does not exist or lies outside the actor's scope.
func (s *Incidents) Get(ctx context.Context, actor Actor, id int64) (IncidentView, error) {
	if !actor.mayReadIncidents() {
		return IncidentView{}, Errorf(EForbidden, "your role may not read incidents")
	}
	return s.load(s.db.WithContext(ctx), actor, id)
}

// IncidentFilter narrows the incident list.
type IncidentFilter struct {
	Under         *int64
	Status        string
	Kind          string
	AffectedGroup string
	From, To      string // on occurred_on, both inclusive
	Overdue       *bool
	Page          PageRequest
}

// List returns the incidents inside the actor's scope that match the filter, newest first (by
// id). Returns Forbidden for booth workers and viewers, Invalid for a bad filter and NotFound
// when under names a unit the actor cannot see.
func (s *Incidents) List(ctx context.Context, actor Actor, f IncidentFilter) (Page[IncidentView], error) {
	if !actor.mayReadIncidents() {
		return Page[IncidentView]{}, Errorf(EForbidden, "your role may not read incidents")
	}
	limit, after, err := f.Page.bounds()
	if err != nil {
		return Page[IncidentView]{}, err
	}
	sel, err := s.Select(ctx, actor, f)
	if err != nil {
		return Page[IncidentView]{}, err
	}
	return s.page(ctx, sel, limit, after)
}

// IncidentSelection is a checked incident filter: the actor's scope, the unit asked for and the
// filter's conditions, ready to be read as a page or an export.
type IncidentSelection struct {
	actor Actor
	under *models.Unit
	conds conds
	f     IncidentFilter
}

// Select checks an incident filter against the actor's role and scope, so that callers (the
// list, the CSV export) can refuse a bad request before they answer. Returns Forbidden for booth
// workers and viewers, Invalid for a bad filter and NotFound when under names a unit the actor
// cannot see.
func (s *Incidents) Select(ctx context.Context, actor Actor, f IncidentFilter) (IncidentSelection, error) {
	if !actor.mayReadIncidents() {
		return IncidentSelection{}, Errorf(EForbidden, "your role may not read incidents")
	}
	var fe Fields
	if f.Status != "" && !models.IncidentStatus(f.Status).Valid() {
		fe.AddCode("status", "one_of", map[string]any{"allowed": models.IncidentStatuses}, "must be %s", oneOf(models.IncidentStatuses))
	}
	if f.Kind != "" && !models.IncidentKind(f.Kind).Valid() {
		fe.AddCode("kind", "one_of", map[string]any{"allowed": models.IncidentKinds}, "must be %s", oneOf(models.IncidentKinds))
	}
	if f.AffectedGroup != "" && !contains(models.AffectedGroups, f.AffectedGroup) {
		fe.AddCode("affected_group", "one_of", map[string]any{"allowed": models.AffectedGroups}, "must be one of %s", strings.Join(models.AffectedGroups, ", "))
	}
	from, to := models.Date(f.From), models.Date(f.To)
	if from != "" && !from.Valid() {
		fe.AddCode("from", "date_invalid", nil, "must be a date, YYYY-MM-DD")
	}
	if to != "" && !to.Valid() {
		fe.AddCode("to", "date_invalid", nil, "must be a date, YYYY-MM-DD")
	}
	if err := fe.Err(); err != nil {
		return IncidentSelection{}, err
	}
	sel := IncidentSelection{actor: actor, f: f}
	db := s.db.WithContext(ctx)
	if f.Under != nil {
		under, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return IncidentSelection{}, asNotFound(err)
		}
		sel.under = &under
		c, args := subtreeCond("incidents.path", under)
		sel.conds.add(c, args...)
	}
	scope, scopeArgs := scopeCond(actor, "incidents.path")
	sel.conds.add(scope, scopeArgs...)
	if f.Status != "" {
		sel.conds.add("incidents.status = ?", f.Status)
	}
	if f.Kind != "" {
		sel.conds.add("incidents.kind = ?", f.Kind)
	}
	if f.AffectedGroup != "" {
		sel.conds.add("EXISTS (SELECT 1 FROM incident_groups g WHERE g.incident_id = incidents.id AND g.grp = ?)", f.AffectedGroup)
	}
	if from != "" {
		sel.conds.add("incidents.occurred_on >= ?", from)
	}
	if to != "" {
		sel.conds.add("incidents.occurred_on <= ?", to)
	}
	if f.Overdue != nil {
		overdue := "incidents.status = 'committee_formed' AND EXISTS (SELECT 1 FROM incident_committees c WHERE c.incident_id = incidents.id AND c.formed_on < ?)"
		if *f.Overdue {
			sel.conds.add(overdue, s.overdueCutoff())
		} else {
			sel.conds.add("NOT ("+overdue+")", s.overdueCutoff())
		}
	}
	return sel, nil
}

// page reads one page of a selection, newest first, after the id after (0: from the start).
func (s *Incidents) page(ctx context.Context, sel IncidentSelection, limit int, after int64) (Page[IncidentView], error) {
	db := s.db.WithContext(ctx)
	q := sel.conds.apply(db.Model(&models.Incident{}))
	if after > 0 {
		q = q.Where("incidents.id < ?", after)
	}
	var rows []models.Incident
	if err := q.Order("incidents.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[IncidentView]{}, dbErr("list incidents", err)
	}
	page := paginate(rows, limit, func(i models.Incident) int64 { return i.ID })
	views, err := s.describe(db, page.Items)
	if err != nil {
		return Page[IncidentView]{}, err
	}
	return Page[IncidentView]{Items: views, NextCursor: page.NextCursor}, nil
}

// advance runs one step of the investigation on incident id: under a lock on the incident row,
// it loads the incident, checks the caller's version (Precondition) and that the incident
// stands at from (Conflict naming where it stands), lets write add the step's rows, then moves
// the status to the next one, raises the version and records the step in the audit log.
func (s *Incidents) advance(ctx context.Context, actor Actor, id int64, ifMatch *int64, from models.IncidentStatus, action string,
	write func(tx *gorm.DB, v IncidentView) error) (IncidentView, error) {
	if !actor.mayReadIncidents() {
		return IncidentView{}, Errorf(EForbidden, "your role may not change incidents")
	}
	if !actor.mayInvestigate() {
		return IncidentView{}, Errorf(EForbidden, "only the state office runs investigations")
	}
	to := nextStatus(from)
	var out IncidentView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRow(tx, "incidents", id, lockChange); err != nil {
			return err
		}
		before, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, before.Incident.Version); err != nil {
			return err
		}
		if before.Incident.Status != from {
			return Errorf(EConflict, "the incident is %s; this step needs it to be %s", before.Incident.Status, from)
		}
		if err := write(tx, before); err != nil {
			return err
		}
		now := s.now()
		res := tx.Model(&models.Incident{}).Where("id = ? AND status = ? AND version = ?", id, from, before.Incident.Version).
			UpdateColumns(map[string]any{"status": to, "version": gorm.Expr("version + 1"), "updated_at": now,
				"updated_by": actorID(actor), "updated_by_name": actorName(actor)})
		if res.Error != nil {
			return dbErr("update incident", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("advance incident %d: %d rows written, want 1", id, res.RowsAffected)
		}
		after, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		out = after
		return record(tx, now, actor, change{Action: action, Entity: "incident", EntityID: id, Unit: &after.Unit,
			Before: incidentAudit(before), After: incidentAudit(after)})
	})
	return out, err
}

// nextStatus is the status after s ("" after closed).
func nextStatus(s models.IncidentStatus) models.IncidentStatus {
	i := slices.Index(models.IncidentStatuses, s)
	if i < 0 || i+1 >= len(models.IncidentStatuses) {
		return ""
	}
	return models.IncidentStatuses[i+1]
}

// CommitteeInput forms an investigation committee. FormedOn defaults to today.
type CommitteeInput struct {
	MemberIDs  []int64
	ConvenerID *int64
	FormedOn   string
	IfMatch    *int64
}

// FormCommittee forms the investigation committee of a reported incident: named people the
// actor sees, one of them the convener. Returns Forbidden unless the actor is the state office
// or an admin, NotFound outside scope, Precondition for a stale IfMatch, Conflict unless the
// incident is reported, Invalid for bad members or dates.
func (s *Incidents) FormCommittee(ctx context.Context, actor Actor, id int64, in CommitteeInput) (IncidentView, error) {
	return s.advance(ctx, actor, id, in.IfMatch, models.IncidentReported, "form_committee", func(tx *gorm.DB, v IncidentView) error {
		var f Fields
		today := s.today()
		on := dateField(&f, "formed_on", in.FormedOn, false, today, v.Incident.OccurredOn, "occurred_on")
		if on == "" {
			on = today
		}
		var checks []error
		switch {
		case len(in.MemberIDs) == 0:
			f.AddCode("member_ids", "list_empty", nil, "must name at least one person")
		case len(in.MemberIDs) > maxCommitteeMembers:
			f.AddCode("member_ids", "list_too_long", map[string]any{"max": maxCommitteeMembers}, "must name at most %d people", maxCommitteeMembers)
		default:
			seen := map[int64]bool{}
			for i, pid := range in.MemberIDs {
				field := fmt.Sprintf("member_ids[%d]", i)
				if seen[pid] {
					f.AddCode(field, "duplicate", nil, "is given twice")
					continue
				}
				seen[pid] = true
				checks = append(checks, visiblePerson(tx, actor, pid, field))
			}
			if in.ConvenerID != nil && !seen[*in.ConvenerID] {
				f.AddCode("convener_id", "convener_not_member", nil, "must be one of member_ids")
			}
		}
		if in.ConvenerID == nil {
			f.AddCode("convener_id", "required", nil, "is required")
		}
		if err := together(f, checks...); err != nil {
			return err
		}
		for _, pid := range in.MemberIDs {
			if err := tx.Create(&models.IncidentCommitteeMember{IncidentID: id, PersonID: pid}).Error; err != nil {
				return dbErr("form committee", err)
			}
		}
		c := models.IncidentCommittee{IncidentID: id, ConvenerID: *in.ConvenerID, FormedOn: on, IncidentStep: s.step(actor)}
		return dbErr("form committee", tx.Create(&c).Error)
	})
}

// ReportInput is the committee's report. SubmittedOn defaults to today.
type ReportInput struct {
	VisitedOn       string
	SubmittedOn     string
	Findings        string
	Recommendations string
	Attachments     string
	IfMatch         *int64
}

// SubmitReport records the committee's report on an incident whose committee is formed. The
// visit is not before the committee was formed nor after today. Returns as FormCommittee, with
// Conflict unless the incident is committee_formed.
func (s *Incidents) SubmitReport(ctx context.Context, actor Actor, id int64, in ReportInput) (IncidentView, error) {
	return s.advance(ctx, actor, id, in.IfMatch, models.IncidentCommitteeFormed, "submit_report", func(tx *gorm.DB, v IncidentView) error {
		var f Fields
		today := s.today()
		formed := models.Date("")
		if v.Committee != nil {
			formed = v.Committee.FormedOn
		}
		visited := dateField(&f, "visited_on", in.VisitedOn, true, today, formed, "formed_on")
		submittedFloor := visited
		if !visited.Valid() {
			submittedFloor = formed
		}
		submitted := dateField(&f, "submitted_on", in.SubmittedOn, false, today, submittedFloor, "visited_on")
		if submitted == "" {
			submitted = today
		}
		in.Findings, in.Recommendations, in.Attachments = strings.TrimSpace(in.Findings), strings.TrimSpace(in.Recommendations), strings.TrimSpace(in.Attachments)
		textField(&f, "findings", in.Findings, true, maxReportText, true)
		textField(&f, "recommendations", in.Recommendations, false, maxReportText, true)
		textField(&f, "attachments", in.Attachments, false, maxAttachments, true)
		if err := f.Err(); err != nil {
			return err
		}
		r := models.IncidentReport{IncidentID: id, VisitedOn: visited, SubmittedOn: submitted, Findings: in.Findings,
			Recommendations: in.Recommendations, Attachments: in.Attachments, IncidentStep: s.step(actor)}
		return dbErr("submit report", tx.Create(&r).Error)
	})
}

// ForwardInput forwards a report: To names "administration" and/or "governor".
type ForwardInput struct {
	To          []string
	ForwardedOn string
	LetterRef   string
	IfMatch     *int64
}

// Forward records that the report went to the administration and/or the Governor, on a date
// not before the report was submitted, with the letter's reference number. Returns as
// FormCommittee, with Conflict unless the incident is report_submitted.
func (s *Incidents) Forward(ctx context.Context, actor Actor, id int64, in ForwardInput) (IncidentView, error) {
	return s.advance(ctx, actor, id, in.IfMatch, models.IncidentReportSubmitted, "forward", func(tx *gorm.DB, v IncidentView) error {
		var f Fields
		today := s.today()
		floor := models.Date("")
		if v.Report != nil {
			floor = v.Report.SubmittedOn
		}
		on := dateField(&f, "forwarded_on", in.ForwardedOn, true, today, floor, "submitted_on")
		fw := models.IncidentForward{IncidentID: id, ForwardedOn: on, LetterRef: strings.TrimSpace(in.LetterRef), IncidentStep: s.step(actor)}
		if len(in.To) == 0 {
			f.AddCode("to", "list_empty", nil, "must name administration, governor or both")
		}
		for i, t := range in.To {
			field := fmt.Sprintf("to[%d]", i)
			switch {
			case t == "administration" && !fw.ToAdministration:
				fw.ToAdministration = true
			case t == "governor" && !fw.ToGovernor:
				fw.ToGovernor = true
			case contains(models.ForwardTargets, t):
				f.AddCode(field, "duplicate", nil, "is given twice")
			default:
				f.AddCode(field, "one_of", map[string]any{"allowed": models.ForwardTargets}, "must be administration or governor")
			}
		}
		textField(&f, "letter_ref", fw.LetterRef, false, maxLetterRef, false)
		if err := f.Err(); err != nil {
			return err
		}
		return dbErr("forward report", tx.Create(&fw).Error)
	})
}

// CloseInput closes a case. ClosedOn defaults to today.
type CloseInput struct {
	Outcome  string
	ClosedOn string
	IfMatch  *int64
}

// Close closes a forwarded case with its outcome. Returns as FormCommittee, with Conflict
// unless the incident is forwarded.
func (s *Incidents) Close(ctx context.Context, actor Actor, id int64, in CloseInput) (IncidentView, error) {
	return s.advance(ctx, actor, id, in.IfMatch, models.IncidentForwarded, "close", func(tx *gorm.DB, v IncidentView) error {
		var f Fields
		today := s.today()
		floor := models.Date("")
		if v.Forward != nil {
			floor = v.Forward.ForwardedOn
		}
		on := dateField(&f, "closed_on", in.ClosedOn, false, today, floor, "forwarded_on")
		if on == "" {
			on = today
		}
		outcome := strings.TrimSpace(in.Outcome)
		textField(&f, "outcome", outcome, true, maxOutcome, true)
		if err := f.Err(); err != nil {
			return err
		}
		c := models.IncidentClosure{IncidentID: id, Outcome: outcome, ClosedOn: on, IncidentStep: s.step(actor)}
		return dbErr("close incident", tx.Create(&c).Error)
	})
}

// repathIncidents rewrites the path kept on the incidents of a subtree that moved from oldPath
// to newPath, as repathPeople does for people: the move holds the subtree's units FOR UPDATE
// and an incident is created under a KEY SHARE lock of its unit.
func repathIncidents(tx *gorm.DB, oldPath, newPath string) error {
	lo, hi := models.SubtreeRange(oldPath)
	err := tx.Exec("UPDATE incidents SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?", newPath, len(oldPath)+1, lo, hi).Error
	return dbErr("move incidents", err)
}
