package services

import (
	"context"
	"encoding/json"
	"strconv"
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

// List returns audit rows inside the actor's scope, newest first. Rows that concern no unit
// (such as an unscoped admin's account) are seen only by actors whose scope is everything.
// Returns Forbidden for roles that may not read the log, NotFound when under is outside scope.
func (s *Audit) List(ctx context.Context, actor Actor, f AuditFilter) (Page[models.AuditEntry], error) {
	if !actor.mayReadAudit() {
		return Page[models.AuditEntry]{}, Errorf(EForbidden, "your role may not read the audit log")
	}
	limit, before, err := f.Page.bounds()
	if err != nil {
		return Page[models.AuditEntry]{}, err
	}
	db := s.db.WithContext(ctx)
	q := db.Model(&models.AuditEntry{})
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	scope, scopeArgs := scopeCond(actor, "audit_log.unit_path")
	q = q.Where(scope, scopeArgs...)
	if f.Under != nil {
		u, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[models.AuditEntry]{}, asNotFound(err)
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
		return Page[models.AuditEntry]{}, dbErr("list audit log", err)
	}
	return paginate(rows, limit, func(e models.AuditEntry) int64 { return e.ID }), nil
}
