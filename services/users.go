package services

import (
	"context"
	"errors"
	"reflect"
	"regexp"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Users manages accounts.
type Users struct {
	db    *gorm.DB
	now   Clock
	auth  *Auth
	units *Units
}

// NewUsers returns the users service.
func NewUsers(db *gorm.DB, now Clock, auth *Auth, units *Units) *Users {
	return &Users{db: db, now: now, auth: auth, units: units}
}

// System is the actor of the command line and of start-up tasks: the installation itself.
var System = Actor{Role: models.RoleAdmin, Username: "system"}

func (a Actor) isSystem() bool { return a.UserID == 0 && a.Everywhere() }

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,63}$`)

// UserInput is a new account.
type UserInput struct {
	Username    string
	Password    string
	Role        models.Role
	ScopeUnitID *int64
	PersonID    *int64
}

// Validate checks the fields of a new account.
func (in UserInput) Validate() error {
	var f Fields
	if !usernamePattern.MatchString(in.Username) {
		f.AddCode("username", "username_format", nil, "must be 3 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	if err := ValidatePassword("password", in.Password); err != nil {
		f = append(f, err.(*Error).Fields...)
	}
	if !in.Role.Valid() {
		f.AddCode("role", "one_of", map[string]any{"allowed": models.Roles}, "must be one of admin, state_office, district_coordinator, booth_worker, viewer")
	} else if in.Role != models.RoleAdmin && in.ScopeUnitID == nil {
		f.AddCode("scope_unit_id", "required", nil, "is required for a %s", in.Role)
	}
	return f.Err()
}

// scopeLevels says which unit levels a role's scope may be.
var scopeLevels = map[models.Role][]models.Level{
	models.RoleStateOffice:         {models.LevelState},
	models.RoleDistrictCoordinator: {models.LevelDistrict},
	models.RoleBoothWorker:         {models.LevelBooth},
}

// canManageUsers: the roles that administer accounts below them.
func (a Actor) canManageUsers() bool {
	switch a.Role {
	case models.RoleAdmin, models.RoleStateOffice, models.RoleDistrictCoordinator:
		return true
	}
	return false
}

// UserView is an account with its scope unit.
type UserView struct {
	User  models.User
	Scope *models.Unit
}

// checkScope loads the scope unit for role and checks it lies inside the actor's scope and is of
// the right level.
func (s *Users) checkScope(tx *gorm.DB, actor Actor, role models.Role, scopeID *int64) (*models.Unit, error) {
	if scopeID == nil {
		if role != models.RoleAdmin {
			return nil, invalid("scope_unit_id", "required", nil, "is required for a %s", role)
		}
		if !actor.Everywhere() {
			return nil, invalid("scope_unit_id", "required", nil, "is required: your accounts must lie inside your scope")
		}
		return nil, nil
	}
	var u models.Unit
	if err := tx.Where("id = ?", *scopeID).Take(&u).Error; err != nil || !actor.Sees(u.Path) {
		return nil, invalid("scope_unit_id", "unit_not_in_scope", nil, "no such unit in your scope")
	}
	if levels, ok := scopeLevels[role]; ok && !containsLevel(levels, u.Level) {
		return nil, invalid("scope_unit_id", "scope_level", map[string]any{"role": role, "level": levels[0]}, "a %s's scope must be a %s", role, levels[0])
	}
	return &u, nil
}

// Create adds an account. The actor may create accounts only inside its own scope and only with
// a role below its own. Returns Invalid for bad fields or a scope of the wrong level or outside
// the actor's scope, Forbidden for a role that is not below the actor's, Conflict for a taken
// username.
func (s *Users) Create(ctx context.Context, actor Actor, in UserInput) (UserView, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if !actor.isSystem() && !actor.canManageUsers() {
		return UserView{}, Errorf(EForbidden, "your role may not manage accounts")
	}
	if err := in.Validate(); err != nil {
		return UserView{}, err
	}
	if !actor.isSystem() && !Outranks(actor.Role, in.Role) {
		return UserView{}, &Error{Code: EForbidden, Message: "you may create only roles below your own", Fields: []FieldError{{Field: "role", Message: "must be below your own role", Code: "role_not_below"}}}
	}
	var out UserView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		scope, err := s.checkScope(tx, actor, in.Role, in.ScopeUnitID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.User{}).Where("username = ?", in.Username).Count(&n).Error; err != nil {
			return dbErr("create user", err)
		}
		if n > 0 {
			return &Error{Code: EConflict, Message: "the username is taken", Fields: []FieldError{{Field: "username", Message: "is taken", Code: "username_taken"}}}
		}
		if in.PersonID != nil {
			if err := visiblePerson(tx, actor, *in.PersonID, "person_id"); err != nil {
				return err
			}
		}
		hash, err := s.auth.HashPassword(in.Password)
		if err != nil {
			return err
		}
		now := s.now()
		u := models.User{Username: in.Username, PasswordHash: hash, Role: in.Role, ScopeUnitID: in.ScopeUnitID, PersonID: in.PersonID, Active: true, CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&u).Error; err != nil {
			return dbErr("create user", err)
		}
		if err := record(tx, now, actor, change{Action: "create", Entity: "user", EntityID: u.ID, Unit: scope, After: userAudit(u)}); err != nil {
			return err
		}
		out = UserView{User: u, Scope: scope}
		return nil
	})
	return out, err
}

// load reads an account the actor may see: itself, or one whose scope lies inside the actor's
// scope (accounts without a scope only for actors who see everything). A role that manages no
// accounts is refused before the lookup, so the answer says nothing about the id; an account
// outside the scope reads exactly as one that does not exist.
func (s *Users) load(tx *gorm.DB, actor Actor, id int64) (UserView, error) {
	if id != actor.UserID && !actor.canManageUsers() {
		return UserView{}, Errorf(EForbidden, "your role may not manage accounts")
	}
	var u models.User
	if err := tx.Where("id = ?", id).Take(&u).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return UserView{}, Errorf(ENotFound, "user not found")
		}
		return UserView{}, dbErr("load user", err)
	}
	var scope *models.Unit
	if u.ScopeUnitID != nil {
		var unit models.Unit
		if err := tx.Where("id = ?", *u.ScopeUnitID).Take(&unit).Error; err != nil {
			return UserView{}, dbErr("load user", err)
		}
		scope = &unit
	}
	if u.ID != actor.UserID || actor.UserID == 0 {
		visible := actor.Everywhere() || (scope != nil && actor.Sees(scope.Path))
		if !visible || !actor.canManageUsers() {
			return UserView{}, Errorf(ENotFound, "user not found")
		}
	}
	return UserView{User: u, Scope: scope}, nil
}

// Get returns one account. Returns NotFound for accounts outside the actor's scope, and
// Forbidden for every account but its own when the actor's role does not manage accounts.
func (s *Users) Get(ctx context.Context, actor Actor, id int64) (UserView, error) {
	return s.load(s.db.WithContext(ctx), actor, id)
}

// UserFilter narrows the account list.
type UserFilter struct {
	Under  *int64
	Role   models.Role
	Active *bool
	Q      string
	Page   PageRequest
}

// List returns the accounts whose scope lies inside the actor's scope, ordered by id.
// Returns Forbidden for roles that do not manage accounts.
func (s *Users) List(ctx context.Context, actor Actor, f UserFilter) (Page[UserView], error) {
	if !actor.canManageUsers() {
		return Page[UserView]{}, Errorf(EForbidden, "your role may not manage accounts")
	}
	limit, after, err := f.Page.bounds()
	if err != nil {
		return Page[UserView]{}, err
	}
	db := s.db.WithContext(ctx)
	q := db.Table("users").Select("users.*").Joins("LEFT JOIN units ON units.id = users.scope_unit_id").Where("users.id > ?", after)
	scope, scopeArgs := scopeCond(actor, "units.path")
	q = q.Where(scope, scopeArgs...)
	if f.Under != nil {
		under, err := s.units.visible(db, actor, *f.Under, "under")
		if err != nil {
			return Page[UserView]{}, asNotFound(err)
		}
		cond, args := subtreeCond("units.path", under)
		q = q.Where(cond, args...)
	}
	if f.Role != "" {
		if !f.Role.Valid() {
			return Page[UserView]{}, invalid("role", "one_of", map[string]any{"allowed": models.Roles}, "must be one of admin, state_office, district_coordinator, booth_worker, viewer")
		}
		q = q.Where("users.role = ?", f.Role)
	}
	if f.Active != nil {
		q = q.Where("users.active = ?", *f.Active)
	}
	if t := strings.ToLower(strings.TrimSpace(f.Q)); t != "" {
		if !cleanText(t) || len(t) > 64 {
			return Page[UserView]{}, invalid("q", "too_long", map[string]any{"max": 64}, "must be at most 64 characters of text")
		}
		q = q.Where("users.username LIKE ? ESCAPE '\\'", "%"+escapeLike(t)+"%")
	}
	var users []models.User
	if err := q.Order("users.id").Limit(limit + 1).Find(&users).Error; err != nil {
		return Page[UserView]{}, dbErr("list users", err)
	}
	page := paginate(users, limit, func(u models.User) int64 { return u.ID })
	scopes, err := unitsByID(db, page.Items, func(u models.User) *int64 { return u.ScopeUnitID })
	if err != nil {
		return Page[UserView]{}, err
	}
	out := Page[UserView]{Items: make([]UserView, 0, len(page.Items)), NextCursor: page.NextCursor}
	for _, u := range page.Items {
		v := UserView{User: u}
		if u.ScopeUnitID != nil {
			if unit, ok := scopes[*u.ScopeUnitID]; ok {
				v.Scope = &unit
			}
		}
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// UserPatch changes an account; nil fields stay as they are.
type UserPatch struct {
	Role        *models.Role
	ScopeUnitID *int64
	// PersonID links the account to a person the actor may see; Value nil unlinks it.
	PersonID Nullable[int64]
	Active   *bool
	Password *string
	// CurrentPassword must accompany a change of one's own password.
	CurrentPassword string
	// IfMatch, when set, is the version the caller edited: another stored version refuses the change.
	IfMatch *int64
}

// Update changes an account's role, scope, person, active flag or password. Anyone may change
// their own password; everything else needs a role above the account's old and new role, a new
// scope inside the actor's and a person the actor may see. The account is read under a lock and
// only the fields the patch names are written, with the next version: a deactivation and the
// user's own password change, at the same moment, both hold. A password, role or scope change
// ends every session of the account (the user's own current one too, when they change their own
// password: they log in again with the new one); deactivating it ends its sessions and API
// tokens, all at once.
// Returns NotFound outside scope, Forbidden for roles not below the actor's (and for another's
// account when the actor's role manages none), Invalid for bad fields, Unauthenticated for a
// password change of one's own account deactivated meanwhile, Precondition when IfMatch is stale.
func (s *Users) Update(ctx context.Context, actor Actor, id int64, p UserPatch) (UserView, error) {
	var out UserView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockRow(tx, "users", id, lockChange); err != nil {
			return err
		}
		v, err := s.load(tx, actor, id)
		if err != nil {
			return err
		}
		u := v.User
		was := u
		before := userAudit(u)
		self := u.ID == actor.UserID
		if self && (p.Role != nil || p.ScopeUnitID != nil || p.Active != nil || p.PersonID.Set) {
			return Errorf(EForbidden, "you may change only your own password")
		}
		if !self && !actor.isSystem() && !Outranks(actor.Role, u.Role) {
			return Errorf(EForbidden, "you may change only accounts with a role below your own")
		}
		if self && !u.Active {
			return Errorf(EUnauthenticated, "account is deactivated")
		}
		if err := checkVersion(p.IfMatch, u.Version); err != nil {
			return err
		}
		changes := map[string]any{}
		if p.Password != nil {
			if self && actor.ViaAPIToken {
				return Errorf(EForbidden, "a password is changed from a login session, not with an API token")
			}
			if self && bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(p.CurrentPassword)) != nil {
				return invalid("current_password", "password_wrong", nil, "does not match your password")
			}
			if err := ValidatePassword("password", *p.Password); err != nil {
				return err
			}
			if u.PasswordHash, err = s.auth.HashPassword(*p.Password); err != nil {
				return err
			}
			changes["password_hash"] = u.PasswordHash
		}
		if p.Role != nil {
			if !p.Role.Valid() {
				return invalid("role", "one_of", map[string]any{"allowed": models.Roles}, "must be one of admin, state_office, district_coordinator, booth_worker, viewer")
			}
			if !actor.isSystem() && !Outranks(actor.Role, *p.Role) {
				return &Error{Code: EForbidden, Message: "you may give only roles below your own", Fields: []FieldError{{Field: "role", Message: "must be below your own role", Code: "role_not_below"}}}
			}
			u.Role, changes["role"] = *p.Role, *p.Role
		}
		if p.ScopeUnitID != nil {
			u.ScopeUnitID, changes["scope_unit_id"] = p.ScopeUnitID, *p.ScopeUnitID
		}
		if p.Role != nil || p.ScopeUnitID != nil {
			if v.Scope, err = s.checkScope(tx, actor, u.Role, u.ScopeUnitID); err != nil {
				return err
			}
		}
		if p.PersonID.Set {
			if p.PersonID.Value != nil && !sameValue(p.PersonID.Value, u.PersonID) {
				if err := visiblePerson(tx, actor, *p.PersonID.Value, "person_id"); err != nil {
					return err
				}
			}
			u.PersonID, changes["person_id"] = p.PersonID.Value, p.PersonID.Value
		}
		if p.Active != nil {
			u.Active, changes["active"] = *p.Active, *p.Active
		}
		u.UpdatedAt = s.now()
		if err := writeChanges(tx, &models.User{}, u.ID, changes, u.UpdatedAt); err != nil {
			return dbErr("update user", err)
		}
		u.Version++
		// A password, role or scope change or a deactivation ends every session of the account
		// (the access tokens already issued included); a deactivation its API tokens too.
		if reason := sessionEndReason(was, u, p.Password != nil); reason != "" || !u.Active {
			if reason == "" {
				reason = EndDeactivated
			}
			if _, err := s.auth.endSessions(tx, u.ID, !u.Active, reason); err != nil {
				return err
			}
		}
		action := "update"
		if p.Active != nil && !*p.Active && before["active"] == true {
			action = "deactivate"
		}
		after := userAudit(u)
		if p.Password != nil {
			after["password_changed"] = true
		}
		if !reflect.DeepEqual(before, after) { // a request that changes nothing leaves no row
			if err := record(tx, u.UpdatedAt, actor, change{Action: action, Entity: "user", EntityID: u.ID, Unit: v.Scope, Before: before, After: after}); err != nil {
				return err
			}
		}
		out = UserView{User: u, Scope: v.Scope}
		return nil
	})
	return out, err
}

// Deactivate switches an account off: its sessions and API tokens stop working at once; the
// account and its history stay. Returns NotFound outside scope, Forbidden for oneself or for
// roles not below the actor's.
func (s *Users) Deactivate(ctx context.Context, actor Actor, id int64) error {
	return s.DeactivateIfMatch(ctx, actor, id, nil)
}

// DeactivateIfMatch is Deactivate that also refuses, with Precondition, when ifMatch is set and
// is not the stored version.
func (s *Users) DeactivateIfMatch(ctx context.Context, actor Actor, id int64, ifMatch *int64) error {
	if id == actor.UserID {
		return Errorf(EForbidden, "you may not deactivate your own account")
	}
	off := false
	_, err := s.Update(ctx, actor, id, UserPatch{Active: &off, IfMatch: ifMatch})
	return err
}

// Count returns how many accounts exist.
func (s *Users) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.User{}).Count(&n).Error
	return n, dbErr("count users", err)
}

// IDByUsername finds an account by its login name, for the command line. Returns NotFound.
func (s *Users) IDByUsername(ctx context.Context, username string) (int64, error) {
	var u models.User
	err := s.db.WithContext(ctx).Select("id").Where("username = ?", strings.ToLower(strings.TrimSpace(username))).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, Errorf(ENotFound, "no account %q", username)
	}
	return u.ID, dbErr("find user", err)
}

func containsLevel(ls []models.Level, l models.Level) bool {
	for _, v := range ls {
		if v == l {
			return true
		}
	}
	return false
}

// UnitByCode finds a unit by its code, for the command line. Returns NotFound.
func (s *Units) UnitByCode(ctx context.Context, actor Actor, code string) (models.Unit, error) {
	var u models.Unit
	if err := s.db.WithContext(ctx).Where("code = ?", code).Take(&u).Error; err != nil {
		return u, dbErr("find unit", err)
	}
	if !actor.Sees(u.Path) {
		return models.Unit{}, Errorf(ENotFound, "unit not found")
	}
	return u, nil
}

// Count returns how many units exist.
func (s *Units) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.Unit{}).Count(&n).Error
	return n, dbErr("count units", err)
}
