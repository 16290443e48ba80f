package services

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// People manages the register of party workers and office bearers.
type People struct {
	db    *gorm.DB
	now   Clock
	units *Units
}

// NewPeople returns the people service.
func NewPeople(db *gorm.DB, now Clock, units *Units) *People {
	return &People{db: db, now: now, units: units}
}

// PersonInput is a new person, or the full new state of one.
type PersonInput struct {
	Name         string
	NameHi       string
	Gender       models.Gender
	BirthYear    *int
	Phone        string
	VoterID      string
	Category     models.Category
	Religion     string
	Caste        string
	HomeUnitID   *int64
	MembershipNo string
	PublicOffice string
}

var (
	voterIDPattern = regexp.MustCompile(`^[A-Z]{3}[0-9]{7}$`)
	phoneNoise     = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", ".", "")
)

// NormalisePhone turns an Indian mobile number in any common writing (98765 43210,
// 098765-43210, +91 98765 43210, 919876543210) into +91XXXXXXXXXX; ok is false otherwise.
func NormalisePhone(s string) (string, bool) {
	d := phoneNoise.Replace(strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(d, "+91") && len(d) == 13:
		d = d[3:]
	case strings.HasPrefix(d, "91") && len(d) == 12:
		d = d[2:]
	case strings.HasPrefix(d, "0") && len(d) == 11:
		d = d[1:]
	}
	if len(d) != 10 || d[0] < '6' || d[0] > '9' {
		return "", false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return "+91" + d, true
}

// normalise trims and canonicalises the fields in place.
func (in *PersonInput) normalise() {
	in.Name = strings.TrimSpace(in.Name)
	in.NameHi = strings.TrimSpace(in.NameHi)
	in.Gender = models.Gender(strings.ToLower(strings.TrimSpace(string(in.Gender))))
	in.Category = models.Category(strings.ToUpper(strings.TrimSpace(string(in.Category))))
	in.Religion = strings.ToLower(strings.TrimSpace(in.Religion))
	in.Caste = strings.TrimSpace(in.Caste)
	in.VoterID = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(in.VoterID), " ", ""))
	in.Phone = strings.TrimSpace(in.Phone)
	in.MembershipNo = strings.TrimSpace(in.MembershipNo)
	in.PublicOffice = strings.ToLower(strings.TrimSpace(in.PublicOffice))
}

// validate checks every field; year is the current year, for the age rule.
func (in *PersonInput) validate(year int) Fields {
	var f Fields
	switch {
	case in.Name == "":
		f.AddCode("name", "required", nil, "is required")
	case utf8.RuneCountInString(in.Name) > 200 || !cleanText(in.Name):
		f.AddCode("name", "too_long", map[string]any{"max": 200}, "must be at most 200 characters of text")
	}
	if utf8.RuneCountInString(in.NameHi) > 200 || !cleanText(in.NameHi) {
		f.AddCode("name_hi", "too_long", map[string]any{"max": 200}, "must be at most 200 characters of text")
	}
	if !in.Gender.Valid() {
		f.AddCode("gender", "one_of", map[string]any{"allowed": models.Genders}, "must be %s", oneOf(models.Genders))
	}
	if !in.Category.Valid() {
		f.AddCode("category", "one_of", map[string]any{"allowed": models.Categories}, "must be %s", oneOf(models.Categories))
	}
	if in.Religion != "" && !contains(models.Religions, in.Religion) {
		f.AddCode("religion", "one_of", map[string]any{"allowed": models.Religions}, "must be one of %s", strings.Join(models.Religions, ", "))
	}
	if utf8.RuneCountInString(in.Caste) > 100 || !cleanText(in.Caste) {
		f.AddCode("caste", "too_long", map[string]any{"max": 100}, "must be at most 100 characters of text")
	}
	if in.BirthYear != nil {
		if age := year - *in.BirthYear; age < 18 || age > 120 {
			f.AddCode("birth_year", "age_out_of_range", map[string]any{"min": 18, "max": 120}, "must give an age between 18 and 120")
		}
	}
	if in.Phone != "" {
		if p, ok := NormalisePhone(in.Phone); ok {
			in.Phone = p
		} else {
			f.AddCode("phone", "phone_invalid", nil, "must be an Indian mobile number, such as +91 98765 43210")
		}
	}
	if in.VoterID != "" && !voterIDPattern.MatchString(in.VoterID) {
		f.AddCode("voter_id", "voter_id_invalid", nil, "must be three letters and seven digits (EPIC), such as ABC1234567")
	}
	if utf8.RuneCountInString(in.MembershipNo) > 40 || !cleanText(in.MembershipNo) {
		f.AddCode("membership_no", "too_long", map[string]any{"max": 40}, "must be at most 40 characters of text")
	}
	if in.PublicOffice != "" && !contains(models.PublicOffices, in.PublicOffice) {
		f.AddCode("public_office", "one_of", map[string]any{"allowed": models.PublicOffices}, "must be one of %s", strings.Join(models.PublicOffices, ", "))
	}
	return f
}

// oneOf names the allowed values of a list from models in a validation message.
func oneOf[T ~string](list []T) string {
	names := make([]string, 0, len(list))
	for _, v := range list {
		names = append(names, string(v))
	}
	return "one of " + strings.Join(names, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (in PersonInput) apply(p *models.Person) {
	p.Name, p.NameHi, p.Gender, p.BirthYear = in.Name, in.NameHi, in.Gender, in.BirthYear
	p.Phone, p.VoterID, p.Category, p.Religion = optString(in.Phone), optString(in.VoterID), in.Category, optString(in.Religion)
	p.Caste, p.HomeUnitID, p.MembershipNo, p.PublicOffice = in.Caste, in.HomeUnitID, in.MembershipNo, in.PublicOffice
	p.SearchText = models.SearchText(in.Name, in.NameHi)
}

// PersonView is a person as one actor may see them: the fields the actor may not see are
// removed before the view leaves the service.
type PersonView struct {
	Person models.Person
	// Home and Seats tell namesakes apart in a list or picker (People.List, People.Get): the unit
	// that looks after the person and their current seats. Nil when not looked up.
	Home  *UnitRef
	Seats []PersonSeat
	// SeatsElsewhere counts the current seats on committees outside the actor's scope, which
	// Seats leaves out.
	SeatsElsewhere int
	// AssignmentsActive is the person's load: how many in-charge (prabhari) assignments they
	// hold that are active today, in any unit and for any purpose.
	AssignmentsActive int
	// Profile says whether birth year and category are included, Sensitive whether phone and
	// voter ID are, Community whether caste and religion are.
	Profile   bool
	Sensitive bool
	Community bool
}

// mayReadPeople reports whether the actor's role may read the register of people: viewers read
// committee rosters (names and positions) and figures, never people.
func (a Actor) mayReadPeople() bool { return a.Role != models.RoleViewer }

// viewFor is the one rule for what an actor reads of a person, wherever the person appears
// (the people routes, committee seats and their history, exports). path is the path of the unit
// that looks after the person (their unit_id), which decides who may read them, as for
// GET /people/{id}:
//   - a viewer reads names and positions only: no birth year, category, phone, voter ID, caste
//     or religion;
//   - a reader outside whose scope the person is looked after (someone from another district
//     seated on a committee the reader sees) gets no phone, voter ID, caste or religion;
//   - a booth worker gets no caste or religion;
//   - coordinators and above read everything of the people in their scope.
func viewFor(actor Actor, p models.Person, path string) PersonView {
	v := PersonView{Person: p, Profile: true, Sensitive: true, Community: true}
	switch {
	case !actor.mayReadPeople():
		v.Profile, v.Sensitive, v.Community = false, false, false
	case !actor.Sees(path):
		v.Sensitive, v.Community = false, false
	case actor.Role == models.RoleBoothWorker:
		v.Community = false
	}
	if !v.Profile {
		v.Person.BirthYear, v.Person.Category = nil, ""
	}
	if !v.Sensitive {
		v.Person.Phone, v.Person.VoterID = nil, nil
	}
	if !v.Community {
		v.Person.Caste, v.Person.Religion = "", nil
	}
	return v
}

func personAudit(p models.Person) map[string]any {
	// Sensitive fields are recorded as changed or not, never by value: the audit log is read
	// more widely than the register.
	return map[string]any{"id": p.ID, "name": p.Name, "name_hi": p.NameHi, "gender": p.Gender, "birth_year": p.BirthYear,
		"category": p.Category, "home_unit_id": p.HomeUnitID, "unit_id": p.UnitID, "membership_no": p.MembershipNo,
		"public_office": p.PublicOffice, "has_phone": p.Phone != nil, "has_voter_id": p.VoterID != nil,
		"has_religion": p.Religion != nil, "has_caste": p.Caste != ""}
}

// owner decides which unit looks after a person: the home unit when given (it must be inside
// the actor's scope), else the actor's own scope unit.
// The unit is read under a KEY SHARE lock, the one the person's foreign key takes anyway: a move
// of the unit (which locks it FOR UPDATE) either commits first, and its new path is read here,
// or waits for this transaction, and then rewrites the path written with the person.
func (s *People) owner(tx *gorm.DB, actor Actor, home *int64) (models.Unit, error) {
	id := actor.ScopeUnitID
	if home != nil {
		id = home
	}
	if id == nil {
		return models.Unit{}, invalid("home_unit_id", "required", nil, "is required: it places the person in the tree")
	}
	if err := lockRow(tx, "units", *id, lockKeyShare); err != nil {
		return models.Unit{}, err
	}
	return s.units.visible(tx, actor, *id, "home_unit_id")
}

// voterCheck is voterIDFree for a voter ID that passed validation (f has no error for it).
func (s *People) voterCheck(tx *gorm.DB, actor Actor, f Fields, voterID string, except int64) error {
	for _, fe := range f {
		if fe.Field == "voter_id" {
			return nil
		}
	}
	return s.voterIDFree(tx, actor, voterID, except)
}

// together merges the field errors of a request's checks: f from validation, then the errors of
// the checks against stored records. Any error that names no fields (the database failed, the
// record is out of reach) wins as it is. Otherwise, with any invalid field the answer is
// Invalid listing every field, the conflicts' too; a conflict alone stays a Conflict.
func together(f Fields, checks ...error) error {
	var conflict error
	for _, err := range checks {
		switch {
		case err == nil:
		case ErrorCode(err) == EInvalid && len(FieldsOf(err)) > 0:
			f = append(f, FieldsOf(err)...)
		case ErrorCode(err) == EConflict && len(FieldsOf(err)) > 0 && conflict == nil:
			conflict = err
		default:
			return err
		}
	}
	if len(f) > 0 {
		if conflict != nil {
			f = append(f, FieldsOf(conflict)...)
		}
		return f.Err()
	}
	return conflict
}

// voterIDFree returns Conflict when another person holds voterID, naming that person's id only
// when the actor may see them.
func (s *People) voterIDFree(tx *gorm.DB, actor Actor, voterID string, except int64) error {
	if voterID == "" {
		return nil
	}
	var other struct {
		ID   int64
		Path string
	}
	err := tx.Table("people").Select("id, path").Where("voter_id = ? AND id <> ?", voterID, except).Take(&other).Error
	if err == gorm.ErrRecordNotFound {
		return nil
	}
	if err != nil {
		return dbErr("check voter id", err)
	}
	msg := "another person already has this voter ID"
	if actor.Sees(other.Path) {
		msg = "person " + idStr(other.ID) + " already has this voter ID"
	}
	return &Error{Code: EConflict, Message: msg, Fields: []FieldError{{Field: "voter_id", Message: msg, Code: "voter_id_taken"}}}
}

// visiblePerson checks that a person another record refers to (field names the reference)
// exists, is looked after inside the actor's scope and was not erased (an erased person is a
// record of past seats, no one to appoint, link or name anew). Returns Invalid, worded alike for all.
func visiblePerson(tx *gorm.DB, actor Actor, id int64, field string) error {
	var paths []string
	if err := tx.Table("people").Where("id = ? AND erased_at IS NULL", id).Pluck("path", &paths).Error; err != nil {
		return dbErr("load person", err)
	}
	if len(paths) == 0 || !actor.Sees(paths[0]) {
		return invalid(field, "person_not_in_scope", nil, "no such person in your scope")
	}
	return nil
}

// Create adds a person. Returns Invalid for bad fields, Forbidden for roles that may not manage
// people, Conflict for a voter ID another person has.
func (s *People) Create(ctx context.Context, actor Actor, in PersonInput) (PersonView, error) {
	if !actor.canManageUnits() {
		return PersonView{}, Errorf(EForbidden, "your role may not change people")
	}
	in.normalise()
	f := in.validate(s.now().Year())
	var out PersonView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		// The checks that need the database run even when a field is wrong, so that every
		// problem of the request comes back at once.
		unit, ownerErr := s.owner(tx, actor, in.HomeUnitID)
		if err := together(f, ownerErr, s.voterCheck(tx, actor, f, in.VoterID, 0)); err != nil {
			return err
		}
		now := s.now()
		p := models.Person{UnitID: unit.ID, Path: unit.Path, CreatedAt: now, UpdatedAt: now}
		in.apply(&p)
		if err := tx.Create(&p).Error; err != nil {
			return dbErr("create person", err)
		}
		if err := record(tx, now, actor, change{Action: "create", Entity: "person", EntityID: p.ID, Unit: &unit, After: personAudit(p)}); err != nil {
			return err
		}
		out = viewFor(actor, p, unit.Path)
		return nil
	})
	return out, err
}

// load reads a person inside the actor's scope, with the unit that looks after them.
func (s *People) load(tx *gorm.DB, actor Actor, id int64) (models.Person, models.Unit, error) {
	var p models.Person
	if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
		return p, models.Unit{}, dbErr("load person", err)
	}
	var u models.Unit
	if err := tx.Where("id = ?", p.UnitID).Take(&u).Error; err != nil {
		return p, u, dbErr("load person", err)
	}
	if !actor.Sees(u.Path) {
		return models.Person{}, models.Unit{}, Errorf(ENotFound, "person not found")
	}
	return p, u, nil
}

// Get returns one person as the actor may see them. Returns Forbidden for viewers, NotFound
// outside scope.
func (s *People) Get(ctx context.Context, actor Actor, id int64) (PersonView, error) {
	if !actor.mayReadPeople() {
		return PersonView{}, Errorf(EForbidden, "your role may not read people")
	}
	db := s.db.WithContext(ctx)
	p, u, err := s.load(db, actor, id)
	if err != nil {
		return PersonView{}, err
	}
	vs := []PersonView{viewFor(actor, p, u.Path)}
	if err := describePeople(db, actor, vs, models.DateOf(s.now().In(IST))); err != nil {
		return PersonView{}, err
	}
	return vs[0], nil
}

// PersonFilter narrows the people list.
type PersonFilter struct {
	Under      *int64
	HomeUnitID *int64
	Category   models.Category
	Gender     models.Gender
	Q          string
	// Near ranks people by nearness to a booth, sector or assembly: those looked after there (at
	// their home unit) first, then those of the same assembly constituency, then the rest.
	Near *int64
	// PublicOffices keeps the people who hold one of these public offices (mla, mp, …): the
	// candidates for in-charge.
	PublicOffices []string
	Page          PageRequest
}

// List returns the people inside the actor's scope that match the filter, in the order of the
// path of the unit that looks after them, then id: people of one booth together, and a page
// that is one range scan of people_path_idx, whatever the size of the rest of the state.
// With q, those that match at the start of a word come first (search.go); with near, the
// people of that unit, then of its assembly, then the rest, each group in that order. Returns
// Forbidden for viewers, Invalid for bad filters and NotFound when under, home_unit_id or near
// is outside scope.
func (s *People) List(ctx context.Context, actor Actor, f PersonFilter) (Page[PersonView], error) {
	if !actor.mayReadPeople() {
		return Page[PersonView]{}, Errorf(EForbidden, "your role may not read people")
	}
	search, err := parseNameSearch("people.search_text", f.Q)
	if err != nil {
		return Page[PersonView]{}, err
	}
	db := s.db.WithContext(ctx)
	groups, err := s.nearGroups(db, actor, f.Near)
	if err != nil {
		return Page[PersonView]{}, err
	}
	phases := phasesOf(groups, search)
	pr, from, err := splitPhase(f.Page, len(phases))
	if err != nil {
		return Page[PersonView]{}, err
	}
	limit, after, err := pr.pathBounds()
	if err != nil {
		return Page[PersonView]{}, err
	}
	var where conds
	where.add("people.erased_at IS NULL") // erased people are records of seats, not of anyone to find
	// One path range: the subtree asked for, else the actor's scope. A subtree inside the
	// scope needs no scope condition besides (visible checked it), and a second range on the
	// same column only muddles the plan.
	// (A Lok Sabha constituency's people are those of its assemblies, which the scope still
	// bounds.)
	scoped := !actor.Everywhere()
	if f.Under != nil {
		u, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[PersonView]{}, asNotFound(err)
		}
		cond, args := subtreeCond("people.path", u)
		where.add(cond, args...)
		scoped = scoped && u.Level == models.LevelParliamentary
	}
	if scoped {
		scope, scopeArgs := scopeCond(actor, "people.path")
		where.add(scope, scopeArgs...)
	}
	var afterCond *cond
	if after.id > 0 {
		afterCond = &cond{"(people.path > ? OR (people.path = ? AND people.id > ?))", []any{after.path, after.path, after.id}}
	}
	if f.HomeUnitID != nil {
		if _, err := s.units.visible(db, actor, *f.HomeUnitID, "home_unit_id"); err != nil {
			return Page[PersonView]{}, asNotFound(err)
		}
		where.add("home_unit_id = ?", *f.HomeUnitID)
	}
	if f.Category != "" {
		if !f.Category.Valid() {
			return Page[PersonView]{}, invalid("category", "one_of", map[string]any{"allowed": models.Categories}, "must be %s", oneOf(models.Categories))
		}
		where.add("category = ?", f.Category)
	}
	if len(f.PublicOffices) > 0 {
		offices := make([]string, 0, len(f.PublicOffices))
		for _, o := range f.PublicOffices {
			o = strings.ToLower(strings.TrimSpace(o))
			if !contains(models.PublicOffices, o) {
				return Page[PersonView]{}, invalid("public_office", "one_of", map[string]any{"allowed": models.PublicOffices}, "must be one or more of %s", strings.Join(models.PublicOffices, ", "))
			}
			offices = append(offices, o)
		}
		where.add("public_office IN ?", offices)
	}
	if f.Gender != "" {
		if !f.Gender.Valid() {
			return Page[PersonView]{}, invalid("gender", "one_of", map[string]any{"allowed": models.Genders}, "must be %s", oneOf(models.Genders))
		}
		where.add("gender = ?", f.Gender)
	}
	rows, phaseOf, err := findPhased[models.Person](ctx, s.db, "people", where, phases, from, afterCond, "people.path, people.id",
		limit+1, peopleSearchWindow)
	if err != nil {
		return Page[PersonView]{}, dbErr("list people", err)
	}
	page := paginatePhased(rows, phaseOf, limit, func(p models.Person) string { return encodePathCursor(p.Path, p.ID) })
	out := Page[PersonView]{Items: make([]PersonView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, p := range page.Items {
		out.Items = append(out.Items, viewFor(actor, p, p.Path))
	}
	if err := describePeople(db, actor, out.Items, models.DateOf(s.now().In(IST))); err != nil {
		return Page[PersonView]{}, err
	}
	return out, nil
}

// nearGroups are the groups of a list ranked by nearness to the unit near (nil: none): the
// people looked after in its subtree, then in the rest of its assembly constituency (when near
// lies below one), then everyone else. Each is a range of people.path or its complement.
// NotFound when near is outside the actor's scope; Invalid when it is not an assembly, sector or
// booth.
func (s *People) nearGroups(db *gorm.DB, actor Actor, near *int64) ([][]cond, error) {
	if near == nil {
		return nil, nil
	}
	u, err := s.units.visible(db, actor, *near, "near")
	if err != nil {
		return nil, asNotFound(err)
	}
	levels := []models.Level{models.LevelAssembly, models.LevelSector, models.LevelBooth}
	if !slices.Contains(levels, u.Level) {
		var f Fields
		f.AddCode("near", "one_of", map[string]any{"allowed": levels}, "must be an assembly, sector or booth")
		return nil, f.Err()
	}
	const col = "people.path"
	lo, hi := models.SubtreeRange(u.Path)
	groups := [][]cond{{pathRangeIn(col, lo, hi)}}
	if u.Level != models.LevelAssembly {
		var ac models.Unit
		if err := db.Where("id IN ? AND level = ?", u.AncestorIDs(), models.LevelAssembly).Take(&ac).Error; err != nil {
			return nil, dbErr("near: assembly", err)
		}
		alo, ahi := models.SubtreeRange(ac.Path)
		groups = append(groups, []cond{pathRangeIn(col, alo, ahi), pathRangeOut(col, lo, hi)})
		lo, hi = alo, ahi
	}
	return append(groups, []cond{pathRangeOut(col, lo, hi)}), nil
}

// UnitRef names a unit.
type UnitRef struct {
	ID     int64
	Level  models.Level
	Code   string
	Name   string
	NameHi string
}

// PersonSeat is a current seat of a person.
type PersonSeat struct {
	Unit     UnitRef
	Position models.Position
}

// describePeople fills in the home unit, the current seats and the load (assignments active on
// today) of each view: three statements for a page, by primary key, by seats_person_idx and by
// assignments_person_idx.
func describePeople(db *gorm.DB, actor Actor, views []PersonView, today models.Date) error {
	if len(views) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(views))
	units := make([]int64, 0, len(views))
	for _, v := range views {
		ids = append(ids, v.Person.ID)
		units = append(units, v.Person.UnitID)
	}
	var seats []struct {
		PersonID int64
		Position models.Position
		UnitID   int64
	}
	if err := db.Model(&models.Seat{}).Select("person_id", "position", "unit_id").
		Where("person_id IN ? AND ended_at IS NULL", ids).Order("person_id, unit_id").Scan(&seats).Error; err != nil {
		return dbErr("list people: seats", err)
	}
	for _, st := range seats {
		units = append(units, st.UnitID)
	}
	loads, err := activeLoads(db, ids, today)
	if err != nil {
		return err
	}
	slices.Sort(units)
	units = slices.Compact(units)
	var us []struct {
		UnitRef
		Path string
	}
	if err := db.Model(&models.Unit{}).Select("id", "level", "code", "name", "name_hi", "path").Where("id IN ?", units).Scan(&us).Error; err != nil {
		return dbErr("list people: units", err)
	}
	byID := make(map[int64]UnitRef, len(us))
	seen := make(map[int64]bool, len(us))
	for _, u := range us {
		byID[u.ID] = u.UnitRef
		seen[u.ID] = actor.Sees(u.Path)
	}
	// A seat on a committee outside the reader's scope is counted, never named: its unit's id
	// and name are not the reader's to see.
	bySeat := map[int64][]PersonSeat{}
	elsewhere := map[int64]int{}
	for _, st := range seats {
		if !seen[st.UnitID] {
			elsewhere[st.PersonID]++
			continue
		}
		bySeat[st.PersonID] = append(bySeat[st.PersonID], PersonSeat{Unit: byID[st.UnitID], Position: st.Position})
	}
	for i := range views {
		if h, ok := byID[views[i].Person.UnitID]; ok {
			views[i].Home = &h
		}
		views[i].Seats = bySeat[views[i].Person.ID]
		views[i].SeatsElsewhere = elsewhere[views[i].Person.ID]
		views[i].AssignmentsActive = loads[views[i].Person.ID]
		if views[i].Seats == nil {
			views[i].Seats = []PersonSeat{}
		}
	}
	return nil
}

// Update changes a person: edit receives the stored fields and changes what the request names.
// Returns NotFound outside scope, Invalid, Conflict for a taken voter ID, Forbidden for roles
// that may not manage people.
func (s *People) Update(ctx context.Context, actor Actor, id int64, edit func(in *PersonInput) error) (PersonView, error) {
	return s.UpdateIfMatch(ctx, actor, id, nil, edit)
}

// UpdateIfMatch is Update for a caller that edited a known version: when ifMatch is set and is
// not the stored version it returns Precondition and changes nothing. The person is read under a
// lock and only the fields edit changed are written, with the next version.
func (s *People) UpdateIfMatch(ctx context.Context, actor Actor, id int64, ifMatch *int64, edit func(in *PersonInput) error) (PersonView, error) {
	if !actor.canManageUnits() {
		return PersonView{}, Errorf(EForbidden, "your role may not change people")
	}
	var out PersonView
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockPersonSeats(tx, id); err != nil { // units before the person: see representation_rollup.go
			return err
		}
		if err := lockRow(tx, "people", id, lockChange); err != nil {
			return err
		}
		p, unit, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, p.Version); err != nil {
			return err
		}
		if p.ErasedAt != nil {
			return errErased
		}
		before := personAudit(p)
		in := PersonInput{Name: p.Name, NameHi: p.NameHi, Gender: p.Gender, BirthYear: p.BirthYear, Phone: deref(p.Phone),
			VoterID: deref(p.VoterID), Category: p.Category, Religion: deref(p.Religion), Caste: p.Caste, HomeUnitID: p.HomeUnitID,
			MembershipNo: p.MembershipNo, PublicOffice: p.PublicOffice}
		if err := edit(&in); err != nil {
			return err
		}
		in.normalise()
		f := in.validate(s.now().Year())
		next := p
		var ownerErr error
		if in.HomeUnitID != nil && (p.HomeUnitID == nil || *in.HomeUnitID != *p.HomeUnitID) {
			var home models.Unit
			if home, ownerErr = s.owner(tx, actor, in.HomeUnitID); ownerErr == nil {
				unit = home
				next.UnitID, next.Path = unit.ID, unit.Path
			}
		}
		if err := together(f, ownerErr, s.voterCheck(tx, actor, f, in.VoterID, p.ID)); err != nil {
			return err
		}
		in.apply(&next)
		next.UpdatedAt = s.now()
		if err := writeChanges(tx, &models.Person{}, p.ID, personChanges(p, next), next.UpdatedAt); err != nil {
			return dbErr("update person", err)
		}
		next.Version++
		// A seat taken since lockPersonSeats read them is on a unit not yet locked: lock it too.
		if err := lockPersonSeats(tx, p.ID); err != nil {
			return err
		}
		if err := holderChanged(tx, p.ID, holderOf(p), holderOf(next)); err != nil {
			return err
		}
		if err := record(tx, next.UpdatedAt, actor, change{Action: "update", Entity: "person", EntityID: p.ID, Unit: &unit, Before: before, After: personAudit(next)}); err != nil {
			return err
		}
		out = viewFor(actor, next, unit.Path)
		return nil
	})
	return out, err
}

// personChanges lists the columns in which next differs from the stored person p: an update
// writes those and nothing else.
func personChanges(p, next models.Person) map[string]any {
	c := map[string]any{}
	set := func(col string, changed bool, v any) {
		if changed {
			c[col] = v
		}
	}
	set("name", p.Name != next.Name, next.Name)
	set("name_hi", p.NameHi != next.NameHi, next.NameHi)
	set("search_text", p.SearchText != next.SearchText, next.SearchText)
	set("gender", p.Gender != next.Gender, next.Gender)
	set("birth_year", !sameValue(p.BirthYear, next.BirthYear), next.BirthYear)
	set("phone", !sameValue(p.Phone, next.Phone), next.Phone)
	set("voter_id", !sameValue(p.VoterID, next.VoterID), next.VoterID)
	set("category", p.Category != next.Category, next.Category)
	set("religion", !sameValue(p.Religion, next.Religion), next.Religion)
	set("caste", p.Caste != next.Caste, next.Caste)
	set("home_unit_id", !sameValue(p.HomeUnitID, next.HomeUnitID), next.HomeUnitID)
	set("unit_id", p.UnitID != next.UnitID, next.UnitID)
	set("path", p.Path != next.Path, next.Path)
	set("membership_no", p.MembershipNo != next.MembershipNo, next.MembershipNo)
	set("public_office", p.PublicOffice != next.PublicOffice, next.PublicOffice)
	return c
}

// Delete removes a person who holds no current seat. Returns Conflict when they do (or when an
// account or history still refers to them), NotFound outside scope.
func (s *People) Delete(ctx context.Context, actor Actor, id int64) error {
	return s.DeleteIfMatch(ctx, actor, id, nil)
}

// DeleteIfMatch is Delete that also refuses, with Precondition, when ifMatch is set and is not
// the stored version.
func (s *People) DeleteIfMatch(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if !actor.canManageUnits() {
		return Errorf(EForbidden, "your role may not change people")
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "people", id, lockDelete); err != nil {
			return err
		}
		p, unit, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, p.Version); err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Seat{}).Where("person_id = ?", p.ID).Count(&n).Error; err != nil {
			return dbErr("delete person", err)
		}
		if n > 0 {
			return Errorf(EConflict, "the person holds or held a committee seat; end the seat instead of deleting the record")
		}
		if err := tx.Model(&models.User{}).Where("person_id = ?", p.ID).Count(&n).Error; err != nil {
			return dbErr("delete person", err)
		}
		if n > 0 {
			return Errorf(EConflict, "an account refers to this person")
		}
		if err := tx.Delete(&models.Person{}, p.ID).Error; err != nil {
			return dbErr("delete person", err)
		}
		return record(tx, s.now(), actor, change{Action: "delete", Entity: "person", EntityID: p.ID, Unit: &unit, Before: personAudit(p)})
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }
