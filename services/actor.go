package services

import (
	"strings"
	"time"

	"github.com/sangathan/sangathan/models"
)

// Actor is the authenticated user on whose behalf a service method runs.
type Actor struct {
	UserID   int64
	Username string
	Role     models.Role
	// ScopeUnitID and ScopePath are the actor's scope unit; an admin has no scope unit and sees all.
	ScopeUnitID *int64
	ScopePath   string
	PersonID    *int64
	// RequestID ties the actor's writes to the request that made them.
	RequestID string
	// ViaAPIToken is set when the request carried an API token rather than a login session:
	// such a caller may not mint more tokens or change the password.
	ViaAPIToken bool
	// SessionID is the login the request's access token belongs to (0 for an API token).
	SessionID int64
	// WroteLSN is the primary's WAL position after the user's last write (Auth.MarkWrite): with
	// a read replica, the user's reads go there only once it has replayed this far. 0: none.
	WroteLSN uint64
}

// Everywhere reports whether the actor's scope is the whole installation.
func (a Actor) Everywhere() bool { return a.Role == models.RoleAdmin && a.ScopeUnitID == nil }

// Sees reports whether a unit with the given path is inside the actor's scope.
func (a Actor) Sees(path string) bool {
	if a.Everywhere() {
		return true
	}
	return a.ScopePath != "" && strings.HasPrefix(path, a.ScopePath)
}

// rank orders roles: a lower number is more powerful.
func rank(r models.Role) int {
	for i, v := range models.Roles {
		if v == r {
			return i
		}
	}
	return len(models.Roles)
}

// Outranks reports whether role a is strictly more powerful than role b.
func Outranks(a, b models.Role) bool { return rank(a) < rank(b) }

// canManageUnits reports whether the actor's role may create, change and delete units in its scope.
func (a Actor) canManageUnits() bool {
	switch a.Role {
	case models.RoleAdmin, models.RoleStateOffice, models.RoleDistrictCoordinator:
		return true
	}
	return false
}

// Clock tells the time; tests inject a fixed one.
type Clock func() time.Time

// SystemClock is the real clock in UTC.
func SystemClock() time.Time { return time.Now().UTC() }
