package services

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Audit reads the append-only audit log. Writes go through record, inside the transaction of
// the change they describe, so that a change and its audit row commit or fail together.
type Audit struct {
	db    *gorm.DB
	units *Units
}

// NewAudit returns the audit service.
func NewAudit(db *gorm.DB, units *Units) *Audit { return &Audit{db: db, units: units} }

// change describes one write for the audit log.
type change struct {
	Action   string // create, update, delete, import, deactivate, revoke, …
	Entity   string // unit, user, api_token, …
	EntityID int64
	Unit     *models.Unit // where in the tree the change happened, for scoped reads
	Before   any
	After    any
}

// record appends one audit row in tx. Before and After are stored as JSON; callers pass views
// that leave out secrets (password hashes, token hashes).
func record(tx *gorm.DB, at time.Time, actor Actor, c change) error {
	e := models.AuditEntry{At: at, ActorUsername: actor.Username, Action: c.Action, Entity: c.Entity, RequestID: actor.RequestID}
	if actor.UserID != 0 {
		id := actor.UserID
		e.ActorID = &id
	}
	if e.ActorUsername == "" {
		e.ActorUsername = "system"
	}
	if c.EntityID != 0 {
		e.EntityID = strconv.FormatInt(c.EntityID, 10)
	}
	if c.Unit != nil && c.Unit.ID != 0 {
		id, path := c.Unit.ID, c.Unit.Path
		e.UnitID, e.UnitPath = &id, &path
	}
	var err error
	if e.Before, err = auditJSON(c.Before); err != nil {
		return err
	}
	if e.After, err = auditJSON(c.After); err != nil {
		return err
	}
	if err := tx.Create(&e).Error; err != nil {
		return dbErr("write audit log", err)
	}
	return nil
}

func auditJSON(v any) (*string, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	s := string(b)
	return &s, nil
}

// unitAudit is what the audit log keeps of a unit.
func unitAudit(u models.Unit) map[string]any {
	m := map[string]any{"id": u.ID, "level": u.Level, "code": u.Code, "name": u.Name, "name_hi": u.NameHi,
		"parent_id": u.ParentID, "number": u.Number, "reserved": u.Reserved, "parliamentary_id": u.ParliamentaryID,
		"electors": u.Electors}
	if p := UnitPopulation(u); p != nil {
		m["population"] = map[string]any{"total": p.Total, "sc": p.SC, "st": p.ST, "muslim": p.Muslim, "minority": p.Minority}
	}
	return m
}

// userAudit is what the audit log keeps of an account: never its password hash.
func userAudit(u models.User) map[string]any {
	return map[string]any{"id": u.ID, "username": u.Username, "role": u.Role, "scope_unit_id": u.ScopeUnitID,
		"person_id": u.PersonID, "active": u.Active}
}

// AuditFilter narrows the audit list.
type AuditFilter struct {
	Under   *int64
	ActorID *int64
	Since   *time.Time
	Page    PageRequest
}

// mayReadAudit: the roles that manage something also answer for it.
func (a Actor) mayReadAudit() bool {
	switch a.Role {
	case models.RoleAdmin, models.RoleStateOffice, models.RoleDistrictCoordinator:
		return true
	}
	return false
}

// List returns audit rows inside the actor's scope, newest first, each described for the actor
// (see AuditView): a page costs the same few queries however many rows it holds. Rows that concern no unit
// (such as an unscoped admin's account) are seen only by actors whose scope is everything, except
// that state office also sees the failed sign-ins and lockouts filed under no unit. Security
// events (sign-ins, sign-outs, lockouts) are filed under the account's scope unit, so a district
// coordinator reads those of the accounts in their district only.
// Returns Forbidden for roles that may not read the log, NotFound when under is outside scope.
func (s *Audit) List(ctx context.Context, actor Actor, f AuditFilter) (Page[AuditView], error) {
	if !actor.mayReadAudit() {
		return Page[AuditView]{}, Errorf(EForbidden, "your role may not read the audit log")
	}
	limit, before, err := f.Page.bounds()
	if err != nil {
		return Page[AuditView]{}, err
	}
	db := s.db.WithContext(ctx)
	q := db.Model(&models.AuditEntry{})
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	scope, scopeArgs := scopeCond(actor, "audit_log.unit_path")
	if actor.Role == models.RoleStateOffice && f.Under == nil {
		// Failed sign-ins and lockouts that name no account in a unit (an unknown username, an
		// unscoped administrator) are the office's to watch as well.
		scope = "(" + scope + ") OR (audit_log.unit_path IS NULL AND audit_log.entity = 'login')"
	}
	q = q.Where(scope, scopeArgs...)
	if f.Under != nil {
		u, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[AuditView]{}, asNotFound(err)
		}
		cond, args := subtreeCond("audit_log.unit_path", u)
		q = q.Where(cond, args...)
	}
	if f.ActorID != nil {
		q = q.Where("actor_id = ?", *f.ActorID)
	}
	if f.Since != nil {
		q = q.Where("at >= ?", *f.Since)
	}
	var rows []models.AuditEntry
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return Page[AuditView]{}, dbErr("list audit log", err)
	}
	page := paginate(rows, limit, func(e models.AuditEntry) int64 { return e.ID })
	views, err := describeAudit(db, actor, page.Items)
	if err != nil {
		return Page[AuditView]{}, err
	}
	return Page[AuditView]{Items: views, NextCursor: page.NextCursor}, nil
}

// AuditView is an audit row as one reader may read it: the row, and what the reader needs to
// say it in a sentence without asking again — who acted (Actor), on what (Target), and which
// fields changed (Changes). Records outside the reader's scope, or gone, are named by kind only
// (AuditRef.Hidden): no id, no name. The row's before and after are as stored, except that ids
// of records the reader may not see are null.
type AuditView struct {
	models.AuditEntry
	Actor   AuditActor
	Target  AuditTarget
	Changes []AuditChange
}

// AuditActor is who made a change: the username at the time, the account's role, and the
// names of the person the account is linked to when the reader may see that person.
type AuditActor struct {
	Username string
	Role     models.Role // "" for the installation itself or an account no longer there
	Name     string
	NameHi   string
}

// AuditRef names a record an audit row mentions.
type AuditRef struct {
	Kind   string // unit, person, user, api_token, seat
	ID     int64  // 0 when Hidden or unknown
	Hidden bool   // outside the reader's scope, or no longer there: no id and no name
	Name   string
	NameHi string
	// Units: the level, the number and, for a booth or sector, its assembly constituency (for an
	// assembly, its district) when the reader may see it.
	Level  models.Level
	Number *int
	Within *AuditRef
	// Accounts: the username and role.
	Username string
	Role     models.Role
}

// AuditTarget is what a row is about: the record (its kind is the row's entity), and for a
// seat the person and the committee's unit and the position; for imports, exports, seeds and
// representation targets the unit where it happened and how many rows it touched.
type AuditTarget struct {
	AuditRef
	Person   *AuditRef
	Unit     *AuditRef
	Position string
	Created  *int // imports: new records
	Updated  *int // imports: changed records
	Rows     *int // exports and seeds: rows written or read
}

// AuditChange is one changed field: its value before and after (nil when absent). Values are
// JSON values as stored, except references to units, people and accounts, which are *AuditRef.
// Nested objects are flattened into dotted fields ("population.sc").
type AuditChange struct {
	Field  string
	Before any
	After  any
}

// auditRefFields are the fields of audit snapshots that hold the id of another record, and its kind.
var auditRefFields = map[string]string{
	"parent_id": "unit", "home_unit_id": "unit", "unit_id": "unit", "scope_unit_id": "unit", "parliamentary_id": "unit",
	"person_id": "person", "user_id": "user",
}

// auditFieldOrder is the order in which changed fields are listed; others follow by name.
var auditFieldOrder = []string{"name", "name_hi", "username", "role", "level", "code", "number", "parent_id", "reserved",
	"parliamentary_id", "electors", "population", "scope_unit_id", "person_id", "unit_id", "position", "active", "password_changed",
	"gender", "birth_year", "category", "home_unit_id", "membership_no", "public_office", "has_phone", "has_voter_id",
	"has_religion", "has_caste", "user_id", "expires_at"}

type auditUnitRow struct {
	ID     int64
	Level  models.Level
	Name   string
	NameHi string
	Number *int
	Path   string
}

type auditPersonRow struct {
	ID     int64
	Name   string
	NameHi string
	Path   string
}

type auditUserRow struct {
	ID         int64
	Username   string
	Role       models.Role
	ScopePath  *string
	PersonID   *int64
	Name       *string
	NameHi     *string
	PersonPath *string
}

// auditNames holds the records a page of rows mentions, read in one query per table.
type auditNames struct {
	actor  Actor
	units  map[int64]auditUnitRow
	people map[int64]auditPersonRow
	users  map[int64]auditUserRow
}

func newAuditNames(actor Actor) *auditNames {
	return &auditNames{actor: actor, units: map[int64]auditUnitRow{}, people: map[int64]auditPersonRow{}, users: map[int64]auditUserRow{}}
}

// describeAudit turns a page of rows into views for actor. It reads every unit, person and
// account the page mentions with at most five queries (units, their assemblies and districts,
// people, accounts), whatever the page's length.
func describeAudit(db *gorm.DB, actor Actor, rows []models.AuditEntry) ([]AuditView, error) {
	type doc struct{ before, after map[string]any }
	docs := make([]doc, len(rows))
	want := map[string]map[int64]bool{"unit": {}, "person": {}, "user": {}}
	add := func(kind string, v any) {
		if id, ok := auditID(v); ok && want[kind] != nil {
			want[kind][id] = true
		}
	}
	for i, e := range rows {
		docs[i] = doc{auditObject(e.Before), auditObject(e.After)}
		if e.ActorID != nil {
			want["user"][*e.ActorID] = true
		}
		if e.UnitID != nil {
			want["unit"][*e.UnitID] = true
		}
		add(e.Entity, e.EntityID)
		for _, m := range []map[string]any{docs[i].before, docs[i].after} {
			for k, v := range m {
				if kind := auditRefFields[k]; kind != "" {
					add(kind, v)
				}
			}
			if under, ok := m["under"].(map[string]any); ok {
				add("unit", under["id"])
			}
		}
	}
	n := newAuditNames(actor)
	if err := n.load(db, want); err != nil {
		return nil, err
	}
	out := make([]AuditView, len(rows))
	for i, e := range rows {
		out[i] = n.view(e, docs[i].before, docs[i].after)
	}
	return out, nil
}

func keys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// load reads the records named in want: units (then the assemblies and districts above them),
// people, and accounts with their scope's path and linked person.
func (n *auditNames) load(db *gorm.DB, want map[string]map[int64]bool) error {
	readUnits := func(ids []int64, levels ...models.Level) error {
		if len(ids) == 0 {
			return nil
		}
		var us []auditUnitRow
		q := db.Table("units").Select("id, level, name, name_hi, number, path").Where("id IN ?", ids)
		if len(levels) > 0 {
			q = q.Where("level IN ?", levels)
		}
		if err := q.Find(&us).Error; err != nil {
			return dbErr("audit: read units", err)
		}
		for _, u := range us {
			n.units[u.ID] = u
		}
		return nil
	}
	if err := readUnits(keys(want["unit"])); err != nil {
		return err
	}
	above := map[int64]bool{}
	for _, u := range n.units {
		if u.Level == models.LevelBooth || u.Level == models.LevelSector || u.Level == models.LevelAssembly {
			for _, id := range models.PathIDs(u.Path) {
				if _, ok := n.units[id]; !ok {
					above[id] = true
				}
			}
		}
	}
	if err := readUnits(keys(above), models.LevelAssembly, models.LevelDistrict); err != nil {
		return err
	}
	if ids := keys(want["person"]); len(ids) > 0 {
		var ps []auditPersonRow
		if err := db.Table("people").Select("id, name, name_hi, path").Where("id IN ?", ids).Find(&ps).Error; err != nil {
			return dbErr("audit: read people", err)
		}
		for _, p := range ps {
			n.people[p.ID] = p
		}
	}
	if ids := keys(want["user"]); len(ids) > 0 {
		var us []auditUserRow
		if err := db.Table("users").Select(`users.id, users.username, users.role, su.path AS scope_path, users.person_id,
			p.name, p.name_hi, p.path AS person_path`).
			Joins("LEFT JOIN units su ON su.id = users.scope_unit_id").Joins("LEFT JOIN people p ON p.id = users.person_id").
			Where("users.id IN ?", ids).Find(&us).Error; err != nil {
			return dbErr("audit: read accounts", err)
		}
		for _, u := range us {
			n.users[u.ID] = u
		}
	}
	return nil
}

// unit names a unit for the reader: hidden outside its scope or when gone.
func (n *auditNames) unit(id int64) *AuditRef {
	u, ok := n.units[id]
	if !ok || !n.actor.Sees(u.Path) {
		return &AuditRef{Kind: "unit", Hidden: true}
	}
	r := &AuditRef{Kind: "unit", ID: u.ID, Name: u.Name, NameHi: u.NameHi, Level: u.Level, Number: u.Number}
	var want models.Level
	switch u.Level {
	case models.LevelBooth, models.LevelSector:
		want = models.LevelAssembly
	case models.LevelAssembly:
		want = models.LevelDistrict
	default:
		return r
	}
	ids := models.PathIDs(u.Path)
	for i := len(ids) - 2; i >= 0; i-- {
		if a, ok := n.units[ids[i]]; ok && a.Level == want && n.actor.Sees(a.Path) {
			r.Within = &AuditRef{Kind: "unit", ID: a.ID, Name: a.Name, NameHi: a.NameHi, Level: a.Level, Number: a.Number}
			break
		}
	}
	return r
}

// person names a person for the reader: one looked after inside the reader's scope, or, with
// roster set, one seated on a committee the reader sees (a roster shows the names of its
// members wherever they are looked after).
func (n *auditNames) person(id int64, roster bool) *AuditRef {
	p, ok := n.people[id]
	if !ok || !(roster || n.actor.Sees(p.Path)) {
		return &AuditRef{Kind: "person", Hidden: true}
	}
	return &AuditRef{Kind: "person", ID: p.ID, Name: p.Name, NameHi: p.NameHi}
}

// user names an account for the reader: one whose scope is inside the reader's, or any for an
// unscoped administrator; with the names of its linked person when the reader may see them.
func (n *auditNames) user(id int64) *AuditRef {
	u, ok := n.users[id]
	if !ok || !(n.actor.Everywhere() || (u.ScopePath != nil && n.actor.Sees(*u.ScopePath))) {
		return &AuditRef{Kind: "user", Hidden: true}
	}
	r := &AuditRef{Kind: "user", ID: u.ID, Username: u.Username, Role: u.Role}
	r.Name, r.NameHi = n.linkedNames(u)
	return r
}

func (n *auditNames) linkedNames(u auditUserRow) (string, string) {
	if u.Name == nil || u.PersonPath == nil || !n.actor.Sees(*u.PersonPath) {
		return "", ""
	}
	hi := ""
	if u.NameHi != nil {
		hi = *u.NameHi
	}
	return *u.Name, hi
}

// ref names the record that a reference field of kind points at.
func (n *auditNames) ref(kind string, v any, roster bool) *AuditRef {
	id, ok := auditID(v)
	if !ok {
		return nil
	}
	switch kind {
	case "unit":
		return n.unit(id)
	case "person":
		return n.person(id, roster)
	case "user":
		return n.user(id)
	}
	return nil
}

// fromSnapshot names a record no longer there by the row's own copy of it: the row is inside
// the reader's scope, so was the record when it was written.
func fromSnapshot(r *AuditRef, id int64, snap map[string]any) {
	r.ID = id
	if snap == nil {
		return
	}
	str := func(k string) string { s, _ := snap[k].(string); return s }
	*r = AuditRef{Kind: r.Kind, ID: id, Name: str("name"), NameHi: str("name_hi"), Level: models.Level(str("level")),
		Username: str("username"), Role: models.Role(str("role"))}
	if num, ok := auditID(snap["number"]); ok {
		v := int(num)
		r.Number = &v
	}
}

func (n *auditNames) view(e models.AuditEntry, before, after map[string]any) AuditView {
	v := AuditView{AuditEntry: e, Actor: AuditActor{Username: e.ActorUsername}}
	if e.ActorID != nil {
		if u, ok := n.users[*e.ActorID]; ok {
			v.Actor.Role = u.Role
			v.Actor.Name, v.Actor.NameHi = n.linkedNames(u)
		}
	}
	snap := after
	if snap == nil {
		snap = before
	}
	roster := false // whether the row is a seat on a committee the reader sees
	t := AuditTarget{AuditRef: AuditRef{Kind: e.Entity}}
	id, hasID := auditID(e.EntityID)
	switch e.Entity {
	case "unit", "person", "user":
		if !hasID {
			break
		}
		// A deleted record is named by the row's copy of it (on SQLite a later record may
		// even have taken its id).
		if e.Action != "delete" && n.found(e.Entity, id) {
			t.AuditRef = *n.ref(e.Entity, id, false)
		} else {
			fromSnapshot(&t.AuditRef, id, snap)
		}
	case "seat":
		if !hasID {
			break
		}
		t.ID = id
		t.Unit = n.ref("unit", snap["unit_id"], false)
		roster = t.Unit != nil && !t.Unit.Hidden
		t.Person = n.ref("person", snap["person_id"], roster)
		t.Position, _ = snap["position"].(string)
	case "api_token":
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["name"].(string)
	case "session":
		// A login: named by its device label; the account is the row's user_id.
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["device"].(string)
	case "login":
		// A refused sign-in or a lockout: the username as typed.
		t.Username, _ = snap["username"].(string)
	case "committee":
		// A reconstitution: the unit's committee, the day and how many seats ended.
		if hasID {
			t.ID = id
		}
		t.Unit = n.unitOf(e)
		t.Name, _ = snap["on"].(string)
	case "committee_norm":
		t.Name, _ = snap["level"].(string)
	case "assignment":
		// Named by its purpose, at the unit the row is filed under, with the person in charge.
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["purpose"].(string)
		t.Unit = n.unitOf(e)
		t.Person = n.ref("person", snap["person_id"], false)
	case "program":
		// Named by its title at the time, at the unit the row is filed under.
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["title"].(string)
		t.Unit = n.unitOf(e)
	case "party":
		// Named by its short name at the time.
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["short_name"].(string)
	case "seat_share":
		// Named by the election; the seat is the unit the row is filed under (the party, by its
		// short name at the time, is in the row's before and after).
		if hasID {
			t.ID = id
		}
		t.Name, _ = snap["election"].(string)
		t.Unit = n.unitOf(e)
	}
	count := func(v any) *int {
		var c int
		switch x := v.(type) {
		case []any:
			c = len(x)
		case json.Number:
			k, err := x.Int64()
			if err != nil {
				return nil
			}
			c = int(k)
		default:
			return nil
		}
		return &c
	}
	switch {
	case e.Action == "import":
		t.Unit, t.Created, t.Updated = n.unitOf(e), count(snap["created"]), count(snap["updated"])
	case e.Action == "export":
		if under, ok := snap["under"].(map[string]any); ok {
			t.Unit = n.ref("unit", under["id"], false)
		}
		t.Rows = count(snap["rows"])
	case e.Action == "seed":
		t.Unit, t.Rows = n.unitOf(e), count(snap["rows"])
	case e.Entity == "representation_targets":
		t.Unit = n.unitOf(e)
	case e.Entity == "committee":
		t.Rows = count(snap["seats_ended"])
	}
	v.Target = t
	v.Changes = []AuditChange{}
	if e.UnitID != nil {
		if u, ok := n.units[*e.UnitID]; ok && !n.actor.Sees(u.Path) {
			v.UnitID = nil
		}
	}
	if t.Hidden { // a record moved out of the reader's scope since: only its kind is told
		v.EntityID, v.Before, v.After = "", nil, nil
		return v
	}
	if e.Action != "import" && e.Action != "seed" && e.Action != "export" {
		if c := n.changes(e.Action, before, after, roster); c != nil {
			v.Changes = c
		}
	}
	// The snapshots keep no id of a record the reader may not see (one of another district
	// that the row mentions).
	v.Before, v.After = n.redact(e.Before, before, roster), n.redact(e.After, after, roster)
	return v
}

// unitOf names the unit a row is filed under.
func (n *auditNames) unitOf(e models.AuditEntry) *AuditRef {
	if e.UnitID == nil {
		return nil
	}
	return n.unit(*e.UnitID)
}

// changes lists the fields that differ between before and after, references named.
func (n *auditNames) changes(action string, before, after map[string]any, roster bool) []AuditChange {
	b, a := flattenAudit("", before), flattenAudit("", after)
	fields := map[string]bool{}
	for k := range b {
		fields[k] = true
	}
	for k := range a {
		fields[k] = true
	}
	delete(fields, "id")
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	rank := func(k string) int {
		top, _, _ := strings.Cut(k, ".")
		if i := slices.Index(auditFieldOrder, top); i >= 0 {
			return i
		}
		return len(auditFieldOrder)
	}
	slices.SortFunc(names, func(x, y string) int {
		if c := rank(x) - rank(y); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	one := before == nil || after == nil // a create or a delete: list what was set
	var out []AuditChange
	for _, k := range names {
		bv, av := b[k], a[k]
		if reflect.DeepEqual(bv, av) || one && auditEmpty(bv) && auditEmpty(av) {
			continue
		}
		c := AuditChange{Field: k, Before: bv, After: av}
		if kind := auditRefFields[k]; kind != "" {
			if r := n.ref(kind, bv, roster); r != nil {
				c.Before = r
			}
			if r := n.ref(kind, av, roster); r != nil {
				c.After = r
			}
		}
		out = append(out, c)
	}
	return out
}

// outside reports whether a reference points at a record that exists but that the reader may
// not see (a record no longer there has nothing to reveal).
func (n *auditNames) outside(kind string, v any, roster bool) bool {
	id, ok := auditID(v)
	if !ok {
		return false
	}
	return n.found(kind, id) && n.ref(kind, id, roster).Hidden
}

// found reports whether the record of kind with id is still there.
func (n *auditNames) found(kind string, id int64) bool {
	ok := false
	switch kind {
	case "unit":
		_, ok = n.units[id]
	case "person":
		_, ok = n.people[id]
	case "user":
		_, ok = n.users[id]
	}
	return ok
}

// redact writes the snapshot again with the ids of records the reader may not see set to null;
// the stored text when there are none.
func (n *auditNames) redact(stored *string, m map[string]any, roster bool) *string {
	if m == nil {
		return stored
	}
	changed := false
	for k, v := range m {
		kind := auditRefFields[k]
		if kind == "" {
			continue
		}
		if n.outside(kind, v, roster) {
			m[k] = nil
			changed = true
		}
	}
	if under, ok := m["under"].(map[string]any); ok {
		if n.outside("unit", under["id"], false) {
			m["under"] = nil
			changed = true
		}
	}
	if !changed {
		return stored
	}
	s, err := auditJSON(m)
	if err != nil {
		return stored
	}
	return s
}

// flattenAudit flattens nested objects into dotted keys; arrays and scalars stay values.
func flattenAudit(prefix string, m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok && k != "under" {
			for sk, sv := range flattenAudit(key, sub) {
				out[sk] = sv
			}
			continue
		}
		out[key] = v
	}
	return out
}

func auditEmpty(v any) bool { return v == nil || v == "" || v == false }

// auditObject parses a stored snapshot, numbers kept exact; nil when there is none or it is
// not an object.
func auditObject(s *string) map[string]any {
	if s == nil {
		return nil
	}
	d := json.NewDecoder(strings.NewReader(*s))
	d.UseNumber()
	var m map[string]any
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// auditID reads an id from a snapshot value (a JSON number) or a row's entity_id (a string).
func auditID(v any) (int64, bool) {
	var (
		id  int64
		err error
	)
	switch x := v.(type) {
	case json.Number:
		id, err = x.Int64()
	case string:
		id, err = strconv.ParseInt(x, 10, 64)
	case int64:
		id = x
	default:
		return 0, false
	}
	return id, err == nil && id > 0
}
