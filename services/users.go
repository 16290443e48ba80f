package services

import (
	"context"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/sangathan/sangathan/models"
)

// Users manages accounts.
type Users struct {
	db   *gorm.DB
	now  Clock
	auth *Auth
}

// NewUsers returns the users service.
func NewUsers(db *gorm.DB, now Clock, auth *Auth) *Users { return &Users{db: db, now: now, auth: auth} }

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
		f.Add("username", "must be 3 to 64 lower-case letters, digits, '.', '_' or '-'")
	}
	if err := ValidatePassword("password", in.Password); err != nil {
		f = append(f, err.(*Error).Fields...)
	}
	if !in.Role.Valid() {
		f.Add("role", "must be one of admin, state_office, district_coordinator, booth_worker, viewer")
	} else if in.Role != models.RoleAdmin && in.ScopeUnitID == nil {
		f.Add("scope_unit_id", "is required for a %s", in.Role)
	}
	return f.Err()
}

// scopeLevels says which unit levels a role's scope may be.
var scopeLevels = map[models.Role][]models.Level{
	models.RoleStateOffice:         {models.LevelState},
	models.RoleDistrictCoordinator: {models.LevelDistrict},
	models.RoleBoothWorker:         {models.LevelBooth},
}

// Create adds an account. The actor may create accounts only inside its own scope and only with
// a role below its own. Returns Invalid for bad fields or a scope of the wrong level, Forbidden
// for a role that is not below the actor's, NotFound-as-Invalid for a scope outside the actor's,
// and Conflict for a taken username.
func (s *Users) Create(ctx context.Context, actor Actor, in UserInput) (models.User, error) {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if err := in.Validate(); err != nil {
		return models.User{}, err
	}
	if !actor.isSystem() && !Outranks(actor.Role, in.Role) {
		return models.User{}, Errorf(EForbidden, "you may create only roles below your own")
	}
	var out models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.ScopeUnitID != nil {
			var u models.Unit
			if err := tx.Where("id = ?", *in.ScopeUnitID).Take(&u).Error; err != nil || !actor.Sees(u.Path) {
				return invalid("scope_unit_id", "no such unit in your scope")
			}
			if levels, ok := scopeLevels[in.Role]; ok && !containsLevel(levels, u.Level) {
				return invalid("scope_unit_id", "a %s's scope must be a %s", in.Role, levels[0])
			}
		}
		var n int64
		if err := tx.Model(&models.User{}).Where("username = ?", in.Username).Count(&n).Error; err != nil {
			return dbErr("create user", err)
		}
		if n > 0 {
			return &Error{Code: EConflict, Message: "the username is taken", Fields: []FieldError{{Field: "username", Message: "is taken"}}}
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
		out = u
		return nil
	})
	return out, err
}

// Count returns how many accounts exist.
func (s *Users) Count(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.User{}).Count(&n).Error
	return n, dbErr("count users", err)
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
