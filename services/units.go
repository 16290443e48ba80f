package services

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Units manages the organisation tree.
type Units struct {
	db  *gorm.DB
	now Clock
}

// NewUnits returns the units service.
func NewUnits(db *gorm.DB, now Clock) *Units { return &Units{db: db, now: now} }

// Population holds census figures of a unit (Census of India 2011 for districts).
type Population struct {
	Total    *int64
	SC       *int64
	ST       *int64
	Muslim   *int64
	Minority *int64
}

// Coverage is booth coverage: the booths under a unit and how many have a complete committee.
// A complete committee past its term and grace counts as incomplete (terms.go): PastTerm says how
// many booths that took out of Complete.
type Coverage struct {
	Booths   int64
	Complete int64
	PastTerm int64
}

// Share is Complete/Booths, 0 when there are no booths.
func (c Coverage) Share() float64 {
	if c.Booths == 0 {
		return 0
	}
	return float64(c.Complete) / float64(c.Booths)
}

// UnitInput is a new unit.
type UnitInput struct {
	Level           models.Level
	ParentID        *int64
	Code            string
	Name            string
	NameHi          string
	Number          *int
	Reserved        string
	ParliamentaryID *int64
	Electors        *int
	Population      *Population
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// unitFields holds the fields that the API and the CSV import validate alike.
type unitFields struct {
	Level      models.Level
	Code       string
	Name       string
	NameHi     string
	Number     *int
	Reserved   string
	Electors   *int
	Population *Population
	HasParl    bool
}

// validate checks field formats; rules that need the database (parents, uniqueness) come later.
func (u unitFields) validate() Fields {
	var f Fields
	if !u.Level.Valid() {
		f.AddCode("level", "one_of", map[string]any{"allowed": models.Levels}, "must be one of national, state, district, parliamentary, assembly, sector, booth")
	}
	switch {
	case u.Code == "":
		f.AddCode("code", "required", nil, "is required")
	case !codePattern.MatchString(u.Code):
		f.AddCode("code", "code_format", nil, "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	switch {
	case strings.TrimSpace(u.Name) == "":
		f.AddCode("name", "required", nil, "is required")
	case utf8.RuneCountInString(u.Name) > 200:
		f.AddCode("name", "too_long", map[string]any{"max": 200}, "must be at most 200 characters")
	case !cleanText(u.Name):
		f.AddCode("name", "not_text", nil, "must be UTF-8 text without control characters")
	}
	switch {
	case utf8.RuneCountInString(u.NameHi) > 200:
		f.AddCode("name_hi", "too_long", map[string]any{"max": 200}, "must be at most 200 characters")
	case !cleanText(u.NameHi):
		f.AddCode("name_hi", "not_text", nil, "must be UTF-8 text without control characters")
	}
	if u.Number != nil && (*u.Number < 0 || *u.Number > MaxCount) {
		f.AddCode("number", "out_of_range", map[string]any{"min": 0, "max": MaxCount}, "must be between 0 and %d", MaxCount)
	}
	switch u.Reserved {
	case "":
	case models.ReservedSC, models.ReservedST:
		if u.Level != models.LevelAssembly && u.Level != models.LevelParliamentary {
			f.AddCode("reserved", "not_applicable", map[string]any{"levels": []string{"assembly", "parliamentary"}}, "applies only to assembly and parliamentary constituencies")
		}
	default:
		f.AddCode("reserved", "one_of", map[string]any{"allowed": []string{"SC", "ST", ""}}, "must be SC, ST or empty")
	}
	if u.HasParl && u.Level != models.LevelAssembly {
		f.AddCode("parliamentary_id", "not_applicable", map[string]any{"levels": []string{"assembly"}}, "applies only to assembly constituencies")
	}
	if u.Electors != nil && (*u.Electors < 0 || *u.Electors > MaxCount) {
		f.AddCode("electors", "out_of_range", map[string]any{"min": 0, "max": MaxCount}, "must be between 0 and %d", MaxCount)
	}
	if p := u.Population; p != nil {
		for _, v := range []struct {
			name string
			n    *int64
		}{{"population.total", p.Total}, {"population.sc", p.SC}, {"population.st", p.ST}, {"population.muslim", p.Muslim}, {"population.minority", p.Minority}} {
			if v.n != nil && *v.n < 0 {
				f.AddCode(v.name, "out_of_range", map[string]any{"min": 0}, "must not be negative")
			}
		}
		if p.Total != nil {
			for _, v := range []struct {
				name string
				n    *int64
			}{{"population.sc", p.SC}, {"population.st", p.ST}, {"population.muslim", p.Muslim}, {"population.minority", p.Minority}} {
				if v.n != nil && *v.n > *p.Total {
					f.AddCode(v.name, "exceeds", map[string]any{"limit": "population.total"}, "must not exceed population.total")
				}
			}
		}
		if p.Muslim != nil && p.Minority != nil && *p.Muslim > *p.Minority {
			f.AddCode("population.muslim", "exceeds", map[string]any{"limit": "population.minority"}, "must not exceed population.minority")
		}
	}
	return f
}

func (u *unitFields) normalise() {
	u.Code = strings.TrimSpace(u.Code)
	u.Name = strings.TrimSpace(u.Name)
	u.NameHi = strings.TrimSpace(u.NameHi)
	u.Reserved = strings.ToUpper(strings.TrimSpace(u.Reserved))
}

func (in UnitInput) fields() unitFields {
	uf := unitFields{Level: in.Level, Code: in.Code, Name: in.Name, NameHi: in.NameHi, Number: in.Number,
		Reserved: in.Reserved, Electors: in.Electors, Population: in.Population, HasParl: in.ParliamentaryID != nil}
	uf.normalise()
	return uf
}

// Validate checks the fields of a new unit.
func (in UnitInput) Validate() error {
	f := in.fields().validate()
	if in.Level.Valid() && in.ParentID == nil && !in.Level.ParentOptional() {
		f.AddCode("parent_id", "required", nil, "is required for a %s", in.Level)
	}
	return f.Err()
}

func applyPopulation(u *models.Unit, p *Population) {
	if p == nil {
		u.PopulationTotal, u.PopulationSC, u.PopulationST, u.PopulationMuslim, u.PopulationMinority = nil, nil, nil, nil, nil
		return
	}
	u.PopulationTotal, u.PopulationSC, u.PopulationST, u.PopulationMuslim, u.PopulationMinority = p.Total, p.SC, p.ST, p.Muslim, p.Minority
}

// UnitPopulation returns the census figures of u, nil when none are stored.
func UnitPopulation(u models.Unit) *Population {
	if u.PopulationTotal == nil && u.PopulationSC == nil && u.PopulationST == nil && u.PopulationMuslim == nil && u.PopulationMinority == nil {
		return nil
	}
	return &Population{Total: u.PopulationTotal, SC: u.PopulationSC, ST: u.PopulationST, Muslim: u.PopulationMuslim, Minority: u.PopulationMinority}
}

// Create adds a unit under its parent. Returns Invalid for bad fields or a parent of the wrong
// level, NotFound when the parent is not visible, Forbidden outside the actor's role, Conflict
// for a duplicate code.
func (s *Units) Create(ctx context.Context, actor Actor, in UnitInput) (models.Unit, error) {
	if !actor.canManageUnits() {
		return models.Unit{}, Errorf(EForbidden, "your role may not change units")
	}
	if err := in.Validate(); err != nil {
		return models.Unit{}, err
	}
	uf := in.fields()
	var out models.Unit
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		u := models.Unit{Level: uf.Level, Code: uf.Code, Name: uf.Name, NameHi: uf.NameHi,
			SearchText: models.SearchText(uf.Name, uf.NameHi), Number: uf.Number, Reserved: uf.Reserved,
			Electors: uf.Electors}
		applyPopulation(&u, uf.Population)
		parentPath := ""
		if in.ParentID != nil {
			if err := lockNewUnit(tx, uf.Level, *in.ParentID); err != nil { // see the lock order in rollups.go
				return err
			}
			parent, err := s.visible(tx, actor, *in.ParentID, "parent_id")
			if err != nil {
				return err
			}
			if !uf.Level.MayHaveParent(parent.Level) {
				return invalid("parent_id", "parent_invalid", map[string]any{"level": uf.Level, "parent_level": parent.Level}, "a %s cannot be placed under a %s", uf.Level, parent.Level)
			}
			u.ParentID = &parent.ID
			u.Depth = parent.Depth + 1
			parentPath = parent.Path
		} else if !actor.Everywhere() {
			return Errorf(EForbidden, "only an administrator may create a top-level unit")
		}
		if in.ParliamentaryID != nil {
			pc, err := s.visibleAnyScope(tx, *in.ParliamentaryID, "parliamentary_id")
			if err != nil {
				return err
			}
			if pc.Level != models.LevelParliamentary {
				return invalid("parliamentary_id", "parliamentary_invalid", nil, "must be a parliamentary constituency")
			}
			u.ParliamentaryID = &pc.ID
		}
		if err := s.codeFree(tx, u.Code, 0); err != nil {
			return err
		}
		// The path holds the unit's own id, known only after the insert.
		u.Path = "/pending/" + u.Code
		now := s.now()
		u.CreatedAt, u.UpdatedAt = now, now
		u.TermStartedOn = models.DateOf(now.In(IST)) // the committee's first term starts with the unit
		if err := tx.Create(&u).Error; err != nil {
			return dbErr("create unit", err)
		}
		u.Path = models.ChildPath(parentPath, u.ID)
		// UpdateColumn: a plain Update would stamp updated_at with GORM's clock, not s.now.
		if err := tx.Model(&u).UpdateColumn("path", u.Path).Error; err != nil {
			return dbErr("create unit", err)
		}
		if err := unitCreated(tx, &u); err != nil {
			return err
		}
		if err := record(tx, now, actor, change{Action: "create", Entity: "unit", EntityID: u.ID, Unit: &u, After: unitAudit(u)}); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

func (s *Units) codeFree(tx *gorm.DB, code string, except int64) error {
	var n int64
	if err := tx.Model(&models.Unit{}).Where("code = ? AND id <> ?", code, except).Count(&n).Error; err != nil {
		return dbErr("check code", err)
	}
	if n > 0 {
		return &Error{Code: EConflict, Message: "a unit with this code already exists", Fields: []FieldError{{Field: "code", Message: "is already used by another unit", Code: "code_taken"}}}
	}
	return nil
}

// visible loads a unit the actor may see; field names the input that referred to it.
func (s *Units) visible(tx *gorm.DB, actor Actor, id int64, field string) (models.Unit, error) {
	var u models.Unit
	err := tx.Where("id = ?", id).Take(&u).Error
	if err == nil && !actor.Sees(u.Path) {
		err = gorm.ErrRecordNotFound
	}
	if err != nil {
		if ErrorCode(dbErr("load unit", err)) == ENotFound {
			if field == "" {
				return u, Errorf(ENotFound, "unit not found")
			}
			return u, invalid(field, "unit_not_in_scope", nil, "no such unit")
		}
		return u, dbErr("load unit", err)
	}
	return u, nil
}

// visibleAnyScope loads a unit that may lie outside the actor's subtree: a parliamentary
// constituency crosses district lines, so a district's assembly may name one the actor does not
// otherwise see.
func (s *Units) visibleAnyScope(tx *gorm.DB, id int64, field string) (models.Unit, error) {
	var u models.Unit
	if err := tx.Where("id = ?", id).Take(&u).Error; err != nil {
		if ErrorCode(dbErr("load unit", err)) == ENotFound {
			return u, invalid(field, "unit_not_in_scope", nil, "no such unit")
		}
		return u, dbErr("load unit", err)
	}
	return u, nil
}

// UnitDetail is a unit with its breadcrumb, child count and booth coverage.
type UnitDetail struct {
	Unit          models.Unit
	Ancestors     []models.Unit // root first, excluding the unit itself
	ChildrenCount int64
	Coverage      Coverage
}

// Get returns one unit. Returns NotFound when it does not exist or lies outside the actor's scope.
func (s *Units) Get(ctx context.Context, actor Actor, id int64) (UnitDetail, error) {
	db := s.db.WithContext(ctx)
	u, err := s.visible(db, actor, id, "")
	if err != nil {
		return UnitDetail{}, err
	}
	d := UnitDetail{Unit: u}
	ids := u.AncestorIDs()
	if len(ids) > 1 {
		if err := db.Where("id IN ?", ids[:len(ids)-1]).Order("depth").Find(&d.Ancestors).Error; err != nil {
			return d, dbErr("load ancestors", err)
		}
	}
	if err := db.Model(&models.Unit{}).Where("parent_id = ?", u.ID).Count(&d.ChildrenCount).Error; err != nil {
		return d, dbErr("count children", err)
	}
	cov, err := s.coverage(db, []models.Unit{u})
	if err != nil {
		return d, err
	}
	d.Coverage = cov[u.ID]
	if d.Ancestors == nil {
		d.Ancestors = []models.Unit{}
	}
	return d, nil
}

// coverage reads booth coverage from the rollups kept on each unit.
// From district level down each unit stores its own (rollups.go); a state or national unit
// sums its districts, a Lok Sabha constituency its assemblies, when read.
func (s *Units) coverage(db *gorm.DB, units []models.Unit) (map[int64]Coverage, error) {
	return coverageOf(db, todayIST(s.now), units)
}

// coverageOf reads the booth coverage of units on the day today: the stored counts less the
// complete booths whose committee is past its term and grace (lapsedBooths). Every reader of
// coverage comes here.
func coverageOf(db *gorm.DB, today models.Date, units []models.Unit) (map[int64]Coverage, error) {
	out, err := storedCoverage(db, units)
	if err != nil {
		return nil, err
	}
	lapsed, err := lapsedBooths(db, today, units)
	if err != nil {
		return nil, err
	}
	for id, c := range out {
		c.PastTerm = min(lapsed[id], c.Complete)
		c.Complete -= c.PastTerm
		out[id] = c
	}
	return out, nil
}

// storedCoverage reads booth coverage from the rollups kept on each unit.
func storedCoverage(db *gorm.DB, units []models.Unit) (map[int64]Coverage, error) {
	out := make(map[int64]Coverage, len(units))
	var pcs []int64
	for _, u := range units {
		switch u.Level {
		case models.LevelState, models.LevelNational:
			lo, hi := models.SubtreeRange(u.Path)
			var c struct{ Booths, Complete int64 }
			if err := db.Raw("SELECT COALESCE(sum(booths), 0) AS booths, COALESCE(sum(booths_complete), 0) AS complete FROM units "+
				"WHERE level = 'district' AND path >= ? AND path < ?", lo, hi).Scan(&c).Error; err != nil {
				return nil, dbErr("coverage", err)
			}
			out[u.ID] = Coverage{Booths: c.Booths, Complete: c.Complete}
		case models.LevelParliamentary:
			pcs = append(pcs, u.ID)
			out[u.ID] = Coverage{}
		default:
			out[u.ID] = Coverage{Booths: u.Booths, Complete: u.BoothsComplete}
		}
	}
	for _, chunk := range chunks(pcs, 5000) {
		var rows []struct {
			ParliamentaryID int64
			Booths          int64
			Complete        int64
		}
		if err := db.Raw("SELECT parliamentary_id, sum(booths) AS booths, sum(booths_complete) AS complete FROM units "+
			"WHERE parliamentary_id IN ? AND level = 'assembly' GROUP BY parliamentary_id", chunk).Scan(&rows).Error; err != nil {
			return nil, dbErr("coverage", err)
		}
		for _, r := range rows {
			out[r.ParliamentaryID] = Coverage{Booths: r.Booths, Complete: r.Complete}
		}
	}
	return out, nil
}

// UnitFilter narrows a unit list.
type UnitFilter struct {
	Level    models.Level
	ParentID *int64
	Under    *int64
	Q        string
	Number   *int // the unit's number: a booth's part number, a constituency's number
	Page     PageRequest
}

// List returns units inside the actor's scope that match the filter: the children of a parent
// (parent_id) ordered by id, one range of units_parent_idx; every other list in tree order (by
// path), one range of the path index, so that a page of a district's booths reads the page, not
// the district or the units entered before it. Returns Invalid for a bad filter and NotFound
// when parent_id or under names a unit the actor cannot see.
func (s *Units) List(ctx context.Context, actor Actor, f UnitFilter) (Page[models.Unit], error) {
	byID := f.ParentID != nil
	search, err := parseNameSearch("units.search_text", f.Q)
	if err != nil {
		return Page[models.Unit]{}, err
	}
	phases := phasesOf(nil, search)
	pr, from, err := splitPhase(f.Page, len(phases))
	if err != nil {
		return Page[models.Unit]{}, err
	}
	var (
		limit     int
		afterID   int64
		afterPath pathCursor
	)
	if byID {
		limit, afterID, err = pr.bounds()
	} else {
		limit, afterPath, err = pr.pathBounds()
	}
	if err != nil {
		return Page[models.Unit]{}, err
	}
	if f.Level != "" && !f.Level.Valid() {
		return Page[models.Unit]{}, invalid("level", "one_of", map[string]any{"allowed": models.Levels}, "must be one of national, state, district, parliamentary, assembly, sector, booth")
	}
	db := s.db.WithContext(ctx)
	var where conds
	// The scope bounds the list only when no visible unit already does: the children of a
	// visible parent and the subtree of a visible unit lie inside the scope, and a second range
	// over the whole scope only tempts a cached generic plan into scanning it.
	scoped := !actor.Everywhere()
	if f.Level != "" {
		where.add("level = ?", f.Level)
	}
	if f.Number != nil {
		if *f.Number < 0 || *f.Number > MaxCount {
			return Page[models.Unit]{}, invalid("number", "out_of_range", map[string]any{"min": 0, "max": MaxCount}, "must be between 0 and %d", MaxCount)
		}
		where.add("units.number = ?", *f.Number)
	}
	if f.ParentID != nil {
		if _, err := s.visible(db, actor, *f.ParentID, "parent_id"); err != nil {
			return Page[models.Unit]{}, asNotFound(err)
		}
		where.add("parent_id = ?", *f.ParentID)
		scoped = false
	}
	if f.Under != nil {
		under, err := s.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[models.Unit]{}, asNotFound(err)
		}
		sql, args := subtreeCond("units.path", under)
		where.add(sql, args...)
		// A Lok Sabha seat's assemblies may lie in districts outside a coordinator's scope.
		scoped = scoped && under.Level == models.LevelParliamentary && f.ParentID == nil
	}
	if scoped {
		scope, scopeArgs := scopeCond(actor, "units.path")
		where.add(scope, scopeArgs...)
	}
	order := "units.path"
	var after *cond
	switch {
	case byID:
		after = &cond{"units.id > ?", []any{afterID}}
		order = "units.id"
	case afterPath.id > 0:
		after = &cond{"units.path > ?", []any{afterPath.path}}
	}
	rows, phaseOf, err := findPhased[models.Unit](ctx, s.db, "units", where, phases, from, after, order, limit+1, unitSearchWindow)
	if err != nil {
		return Page[models.Unit]{}, dbErr("list units", err)
	}
	if byID {
		return paginatePhased(rows, phaseOf, limit, func(u models.Unit) string { return encodeCursor(u.ID) }), nil
	}
	return paginatePhased(rows, phaseOf, limit, func(u models.Unit) string { return encodePathCursor(u.Path, u.ID) }), nil
}

// asNotFound turns "no such unit" in a filter into a 404 for the filter's unit.
func asNotFound(err error) error {
	if ErrorCode(err) == EInvalid {
		return Errorf(ENotFound, "unit not found")
	}
	return err
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// ChildUnit is a child with its booth coverage.
type ChildUnit struct {
	Unit     models.Unit
	Coverage Coverage
}

// Children lists the children of a unit with their coverage. Returns NotFound outside scope.
func (s *Units) Children(ctx context.Context, actor Actor, id int64, pr PageRequest) (Page[ChildUnit], error) {
	page, err := s.List(ctx, actor, UnitFilter{ParentID: &id, Page: pr})
	if err != nil {
		return Page[ChildUnit]{}, err
	}
	cov, err := s.coverage(s.db.WithContext(ctx), page.Items)
	if err != nil {
		return Page[ChildUnit]{}, err
	}
	out := Page[ChildUnit]{Items: make([]ChildUnit, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, u := range page.Items {
		out.Items = append(out.Items, ChildUnit{Unit: u, Coverage: cov[u.ID]})
	}
	return out, nil
}

// Nullable is a patch field that can be left alone (Set false), cleared (Value nil) or set.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// UnitPatch changes some fields of a unit; nil pointers and unset Nullables leave fields alone.
type UnitPatch struct {
	ParentID        *int64
	Code            *string
	Name            *string
	NameHi          *string
	Reserved        *string
	Number          Nullable[int]
	Electors        Nullable[int]
	ParliamentaryID Nullable[int64]
	Population      Nullable[Population]
	// IfMatch, when set, is the version the caller edited: another stored version refuses the change.
	IfMatch *int64
}

// Update changes a unit; a new parent moves it with its whole subtree. Only the fields the patch
// names are written, under a lock on the unit, and its version goes up by one. A new Lok Sabha
// seat needs an actor who sees both the old and the new one, since both seats' booth counts
// change. Returns NotFound outside scope, Invalid for bad fields or a parent of the wrong level
// or inside the unit's own subtree, Conflict for a duplicate code, Forbidden for roles that may
// not change units or a Lok Sabha seat outside the actor's scope, Precondition when IfMatch is stale.
func (s *Units) Update(ctx context.Context, actor Actor, id int64, p UnitPatch) (models.Unit, error) {
	if !actor.canManageUnits() {
		return models.Unit{}, Errorf(EForbidden, "your role may not change units")
	}
	var out models.Unit
	err := runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockUnitChange(tx, id, p); err != nil { // before any read: see the lock order in rollups.go
			return err
		}
		u, err := s.visible(tx, actor, id, "")
		if err != nil {
			return err
		}
		if err := checkVersion(p.IfMatch, u.Version); err != nil {
			return err
		}
		before := unitAudit(u)
		uf := unitFields{Level: u.Level, Code: u.Code, Name: u.Name, NameHi: u.NameHi, Number: u.Number,
			Reserved: u.Reserved, Electors: u.Electors, Population: UnitPopulation(u), HasParl: u.ParliamentaryID != nil}
		if p.Code != nil {
			uf.Code = *p.Code
		}
		if p.Name != nil {
			uf.Name = *p.Name
		}
		if p.NameHi != nil {
			uf.NameHi = *p.NameHi
		}
		if p.Reserved != nil {
			uf.Reserved = *p.Reserved
		}
		if p.Number.Set {
			uf.Number = p.Number.Value
		}
		if p.Electors.Set {
			uf.Electors = p.Electors.Value
		}
		if p.Population.Set {
			uf.Population = p.Population.Value
		}
		if p.ParliamentaryID.Set {
			uf.HasParl = p.ParliamentaryID.Value != nil
		}
		uf.normalise()
		if err := uf.validate().Err(); err != nil {
			return err
		}
		if uf.Code != u.Code {
			if err := s.codeFree(tx, uf.Code, u.ID); err != nil {
				return err
			}
		}
		// Only the columns the patch names are written: a concurrent change of other fields,
		// applied before this one took the lock, stays.
		changes := map[string]any{}
		if p.Code != nil {
			u.Code, changes["code"] = uf.Code, uf.Code
		}
		if p.Name != nil {
			u.Name, changes["name"] = uf.Name, uf.Name
		}
		if p.NameHi != nil {
			u.NameHi, changes["name_hi"] = uf.NameHi, uf.NameHi
		}
		if p.Name != nil || p.NameHi != nil {
			u.SearchText = models.SearchText(u.Name, u.NameHi)
			changes["search_text"] = u.SearchText
		}
		if p.Reserved != nil {
			u.Reserved, changes["reserved"] = uf.Reserved, uf.Reserved
		}
		if p.Number.Set {
			u.Number, changes["number"] = uf.Number, uf.Number
		}
		if p.Electors.Set {
			u.Electors, changes["electors"] = uf.Electors, uf.Electors
		}
		if p.Population.Set {
			applyPopulation(&u, uf.Population)
			changes["population_total"], changes["population_sc"], changes["population_st"] = u.PopulationTotal, u.PopulationSC, u.PopulationST
			changes["population_muslim"], changes["population_minority"] = u.PopulationMuslim, u.PopulationMinority
		}
		if p.ParliamentaryID.Set && !sameValue(p.ParliamentaryID.Value, u.ParliamentaryID) {
			if err := s.mayChangeSeat(tx, actor, u.ParliamentaryID, p.ParliamentaryID.Value); err != nil {
				return err
			}
			u.ParliamentaryID, changes["parliamentary_id"] = p.ParliamentaryID.Value, p.ParliamentaryID.Value
		}
		if p.ParentID != nil && (u.ParentID == nil || *u.ParentID != *p.ParentID) {
			if err := s.move(tx, actor, &u, *p.ParentID); err != nil {
				return err
			}
		}
		u.UpdatedAt = s.now()
		if err := writeChanges(tx, &models.Unit{}, u.ID, changes, u.UpdatedAt); err != nil {
			return dbErr("update unit", err)
		}
		u.Version++
		if err := record(tx, u.UpdatedAt, actor, change{Action: "update", Entity: "unit", EntityID: u.ID, Unit: &u, Before: before, After: unitAudit(u)}); err != nil {
			return err
		}
		out = u
		return nil
	})
	return out, err
}

// mayChangeSeat checks a change of an assembly's Lok Sabha seat from old to next (either may be
// nil): the new one must be a parliamentary constituency, and the actor must see both, since
// the booth counts of both change. A seat lies beside the districts under a state, so a district
// coordinator sees none. Returns Invalid for a missing or wrong unit, Forbidden outside scope.
func (s *Units) mayChangeSeat(tx *gorm.DB, actor Actor, old, next *int64) error {
	forbidden := &Error{Code: EForbidden, Message: "changing an assembly's Lok Sabha seat needs a scope that covers both the old and the new seat",
		Fields: []FieldError{{Field: "parliamentary_id", Message: "must be a Lok Sabha seat inside your scope, replacing one inside your scope", Code: "unit_not_in_scope"}}}
	if next != nil {
		pc, err := s.visibleAnyScope(tx, *next, "parliamentary_id")
		if err != nil {
			return err
		}
		if pc.Level != models.LevelParliamentary {
			return invalid("parliamentary_id", "parliamentary_invalid", nil, "must be a parliamentary constituency")
		}
		if !actor.Sees(pc.Path) {
			return forbidden
		}
	}
	if old != nil {
		pc, err := s.visibleAnyScope(tx, *old, "parliamentary_id")
		if err != nil {
			return err
		}
		if !actor.Sees(pc.Path) {
			return forbidden
		}
	}
	return nil
}

// move re-parents u and rewrites the paths of its whole subtree in one statement, then moves
// the subtree's booth counts from above its old place to above its new one. It takes the move's
// locks (see rollups.go) before it reads anything, so a rename, a child's change or another
// move that commits first is seen, and one that comes later waits and sees the new paths.
func (s *Units) move(tx *gorm.DB, actor Actor, u *models.Unit, parentID int64) error {
	if err := lockSettled(tx, func() (lockList, error) { return moveLockSet(tx, u.ID, parentID) }); err != nil {
		return err
	}
	parent, err := s.visible(tx, actor, parentID, "parent_id")
	if err != nil {
		return err
	}
	// Read under the locks: an import may already have moved u along with an ancestor, and a
	// concurrent move may have committed since the caller read u.
	var cur models.Unit
	if err := tx.Where("id = ?", u.ID).Take(&cur).Error; err != nil {
		return dbErr("move unit", err)
	}
	u.Path, u.Depth = cur.Path, cur.Depth
	if !u.Level.MayHaveParent(parent.Level) {
		return invalid("parent_id", "parent_invalid", map[string]any{"level": u.Level, "parent_level": parent.Level}, "a %s cannot be placed under a %s", u.Level, parent.Level)
	}
	if strings.HasPrefix(parent.Path, cur.Path) {
		return invalid("parent_id", "parent_self", nil, "a unit cannot be moved under itself")
	}
	if cur.ParentID != nil && *cur.ParentID == parent.ID {
		u.ParentID = &parent.ID
		return nil
	}
	oldPath := cur.Path
	newPath := models.ChildPath(parent.Path, u.ID)
	lo, hi := models.SubtreeRange(oldPath)
	depthDelta := parent.Depth + 1 - cur.Depth
	if err := tx.Exec("UPDATE units SET path = ? || substr(path, ?), depth = depth + ?, parent_id = CASE WHEN id = ? THEN ? ELSE parent_id END WHERE path >= ? AND path < ?",
		newPath, len(oldPath)+1, depthDelta, u.ID, parent.ID, lo, hi).Error; err != nil {
		return dbErr("move unit", err)
	}
	if err := repathPeople(tx, oldPath, newPath); err != nil {
		return err
	}
	if err := repathIncidents(tx, oldPath, newPath); err != nil {
		return err
	}
	if err := repathPrograms(tx, oldPath, newPath); err != nil {
		return err
	}
	if err := repathSeatShares(tx, oldPath, newPath); err != nil {
		return err
	}
	if err := repathAssignments(tx, oldPath, newPath); err != nil {
		return err
	}
	if err := unitMoved(tx, cur, parent.Path); err != nil {
		return err
	}
	u.ParentID, u.Path, u.Depth = &parent.ID, newPath, parent.Depth+1
	return nil
}

// repathPeople rewrites the path kept on the people of a subtree that moved from oldPath to
// newPath. The subtree's units are locked FOR UPDATE by the move, and a person is written only
// under a KEY SHARE lock of their unit (People.owner), so no person can be placed in the subtree
// with the old path after this statement.
func repathPeople(tx *gorm.DB, oldPath, newPath string) error {
	lo, hi := models.SubtreeRange(oldPath)
	err := tx.Exec("UPDATE people SET path = ? || substr(path, ?) WHERE path >= ? AND path < ?", newPath, len(oldPath)+1, lo, hi).Error
	return dbErr("move people", err)
}

// Delete removes a unit. Returns Conflict when it has children or is referenced (for example by
// users or assemblies of a Lok Sabha seat), NotFound outside scope, Forbidden for read-only roles.
func (s *Units) Delete(ctx context.Context, actor Actor, id int64) error {
	return s.DeleteIfMatch(ctx, actor, id, nil)
}

// DeleteIfMatch is Delete that also refuses, with Precondition, when ifMatch is set and is not
// the stored version.
func (s *Units) DeleteIfMatch(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if !actor.canManageUnits() {
		return Errorf(EForbidden, "your role may not change units")
	}
	return runTx(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockUnitDelete(tx, id); err != nil { // before any read: see the lock order in rollups.go
			return err
		}
		u, err := s.visible(tx, actor, id, "")
		if err != nil {
			return err
		}
		if err := checkVersion(ifMatch, u.Version); err != nil {
			return err
		}
		if actor.ScopeUnitID != nil && *actor.ScopeUnitID == u.ID {
			return Errorf(EForbidden, "you may not delete your own scope unit")
		}
		var n int64
		if err := tx.Model(&models.Unit{}).Where("parent_id = ? OR parliamentary_id = ?", u.ID, u.ID).Count(&n).Error; err != nil {
			return dbErr("delete unit", err)
		}
		if n > 0 {
			return Errorf(EConflict, "the unit has child units or assemblies pointing at it; remove them first")
		}
		if err := unitDeleted(tx, u.ID); err != nil {
			return err
		}
		res := tx.Delete(&models.Unit{}, u.ID)
		if res.Error != nil {
			return dbErr("delete unit", res.Error)
		}
		return record(tx, s.now(), actor, change{Action: "delete", Entity: "unit", EntityID: u.ID, Unit: &u, Before: unitAudit(u)})
	})
}

// MaxCount is the largest number (electors, part numbers) a unit field holds: a 32-bit column.
const MaxCount = 1<<31 - 1

// cleanText reports whether s is valid UTF-8 without control characters (PostgreSQL cannot
// store NUL, and no name needs a control character), bidirectional embeddings, overrides and
// isolates included (U+202A–U+202E, U+2066–U+2069: they can make a name display as another).
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return false
		}
	}
	return true
}

// subtreeCond is the condition that selects the rows of unit u and everything below it, col
// naming the column that holds a row's unit path ("units.path", "audit_log.unit_path"). A Lok Sabha
// constituency has no children in the tree; what lies under it is its assemblies (which point at
// it) and everything below them. The actor's own scope is scopeCond's.
func subtreeCond(col string, u models.Unit) (string, []any) {
	lo, hi := models.SubtreeRange(u.Path)
	cond := col + " >= ? AND " + col + " < ?"
	if u.Level != models.LevelParliamentary {
		return cond, []any{lo, hi}
	}
	return "((" + cond + ") OR EXISTS (SELECT 1 FROM units a WHERE a.parliamentary_id = ? AND " + col + " >= a.path AND " +
		col + " < substr(a.path, 1, length(a.path) - 1) || '0'))", []any{lo, hi, u.ID}
}

// unitsByID loads the units that items point at, in one query.
func unitsByID[T any](db *gorm.DB, items []T, ref func(T) *int64) (map[int64]models.Unit, error) {
	var ids []int64
	for _, it := range items {
		if id := ref(it); id != nil {
			ids = append(ids, *id)
		}
	}
	out := make(map[int64]models.Unit, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var units []models.Unit
	if err := db.Where("id IN ?", ids).Find(&units).Error; err != nil {
		return nil, dbErr("load units", err)
	}
	for _, u := range units {
		out[u.ID] = u
	}
	return out, nil
}
